/**
 * The schema of the `billu:` config namespace: the shape of every key, checked with zod. Semantic checks that
 * need several keys at once (overlaps, addresses inside zones, references between keys) live in validate.ts.
 *
 * Every stack file (Pulumi.<stack>.yaml) sets these keys under `config:`, e.g. `billu:network: { zones: [...] }`.
 */
import { z } from "zod";
import { InputError, Problem } from "./errors";
import { CONTROL, text } from "./text";
import { OS_KINDS, ZONE_KINDS } from "./core";
import { ROLES, SERVICES } from "./services/registry";

export { OS_KINDS, ZONE_KINDS };
export type { OsKind, Role, ZoneKind } from "./core";
export { ROLE_CODES, ROLES } from "./services/registry";

const name = text(64, "a name or id");
/** A dotted IPv4 address; checked as an address by the model (this bound only keeps the message short). */
const ipv4 = text(64, "an IPv4 address");
/** RFC 1035: a DNS name is at most 253 characters written out. */
const dnsName = text(253, "a DNS name");
/** Proxmox VE node names are host names: one DNS label. */
const nodeName = text(63, "a Proxmox VE node name (one DNS label)");
/** Linux interface names are at most 15 characters (IFNAMSIZ - 1). */
const bridgeName = text(15, "a Linux bridge name");
/** A zone name (`billu:network.zones[].name` is at most 15 characters). */
const zoneRef = text(15, "the name of a zone of billu:network.zones");

/** OpenSSH public key types (ssh-keygen -t; sk- types are FIDO keys). */
export const SSH_KEY_TYPES = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
] as const;

/** An ssh-rsa key of 16384 bits is about 2,800 characters written out: 8 KiB bounds every real key with its comment. */
export const SSH_KEY_MAX = 8192;

/**
 * Why a line is not one OpenSSH public key (`<type> <base64 body> [comment]`, as in authorized_keys without
 * options), or undefined. The body must decode, and start with the same type string (RFC 4253 section 6.6: a
 * uint32 length, then the key type name), so a key pasted with the wrong type or truncated is caught here.
 */
export function sshPublicKeyProblem(line: string): string | undefined {
    if (line.length > SSH_KEY_MAX) return `is ${line.length} characters long, more than the ${SSH_KEY_MAX} a public key needs`;
    if (CONTROL.test(line)) return "holds a line break or another control character: give one key per list entry, on one line";
    if (/PRIVATE KEY/.test(line)) return "is a private key: never put one in the stack config; give the public half (its .pub file)";
    const m = /^(\S+) (\S+)(?: (.*))?$/.exec(line);
    if (!m) return "is not <type> <base64 key> [comment], separated by single spaces";
    const [, type, body] = m;
    if (!(SSH_KEY_TYPES as readonly string[]).includes(type)) return `has key type ${JSON.stringify(type)}, not one of ${SSH_KEY_TYPES.join(", ")}`;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0) return "has a key body that is not base64";
    const blob = Buffer.from(body, "base64");
    const n = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
    const inner = n >= 0 && 4 + n <= blob.length ? blob.subarray(4, 4 + n).toString("latin1") : undefined;
    if (inner !== type) return `has a key body that does not start with its type ${type} (a truncated key, or another key's type)`;
    return undefined;
}

const sshPublicKey = z
    .string()
    .superRefine((v, ctx) => {
        const problem = sshPublicKeyProblem(v);
        if (problem) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                message: `is not an OpenSSH public key: it ${problem}`,
                params: { fix: "paste the one line of the key's .pub file (ssh-keygen -y -f <private key> prints it), one key per entry" },
            });
        }
    })
    .describe(`an OpenSSH public key: <type> <base64 key> [comment], one line, at most ${SSH_KEY_MAX} characters`);

export const siteSchema = z
    .object({
        // The site CA's common name is `<company> <name> root CA`, which X.509 bounds at 64 characters
        // (RFC 5280 ub-common-name): hence the 23 here and the 32 of company.
        name: text(23, "the short site name").describe("Short site name, used in docs, tags and the site CA's common name (`<company> <name> root CA`)."),
        code: z
            .string()
            .regex(/^[A-Z]{2,4}$/, "must be 2 to 4 capital letters")
            .describe("Site code: the prefix of every host name (`PAR` gives `PAR-DC01`)."),
        company: text(32, "the company name").describe("The company: the site CA's organization and the start of its common name."),
        kind: z
            .enum(["company", "partner"])
            .default("company")
            .describe("`company` (BillU: AD, DCs, HR export) or `partner` (a small site: gateway and LANs only)."),
        environment: z.enum(["dev", "prod"]).describe("`dev` or `prod`: prod protects stateful VMs and enforces node spread."),
        domain: dnsName.describe("DNS domain of the site: the AD domain of a company site (`billu.remindme.lan`)."),
        netbiosName: z
            .string()
            .regex(/^[A-Z0-9-]{1,15}$/, "must be 1 to 15 capital letters, digits or dashes")
            .optional()
            .describe("NetBIOS name of the AD domain (at most 15 characters)."),
        protectStateful: z
            .boolean()
            .optional()
            .describe("Whether stateful VMs (DCs, file server, mail) are protected against replacement and deletion. Default: true in prod, false in dev."),
    })
    .strict()
    .describe("The site: its name, code, company, kind, environment and DNS domain.");

export const proxmoxSchema = z
    .object({
        nodes: z
            .array(z.object({ name: nodeName.describe("The node's name, as Proxmox VE knows it (`pve1`).") }).strict())
            .min(1)
            .describe("The Proxmox VE nodes hosts may be placed on."),
        datastores: z.array(name).min(1).describe("Datastores disks may be placed on."),
        cloudInitDatastore: name.describe("Datastore of the cloud-init drive."),
        snippetsDatastore: name
            .optional()
            .describe(
                "File-based datastore, with the `snippets` content type enabled, holding each Debian guest's host-key vendor-data " +
                    "(components/proxmox-vm/host-key.ts); shared storage when VMs move between nodes (HA). Default: local.",
            ),
        templates: z
            .record(z.enum(OS_KINDS), z.record(nodeName, z.number().int().positive()))
            .describe("Template VM id per OS kind and node: `templates: { debian-12: { pve1: 9000 } }`."),
        pool: name.optional().describe("Resource pool the VMs join (must exist). Default: none."),
        managementAllowlist: z
            .array(text(64, "an address or network"))
            .min(1)
            .describe("Networks allowed to reach the Proxmox API and web UI: the datacenter firewall's allowlist."),
        skipRunnerCheck: z
            .boolean()
            .optional()
            .describe(
                "Skip the check that the machine running `pulumi up` is inside `managementAllowlist` (`npm run preflight` runs it by hand). " +
                    "Only for a runner the nodes see behind NAT, whose translated address you checked yourself. Default: false.",
            ),
    })
    .strict()
    .describe("The Proxmox VE cluster: nodes, datastores, templates, pool and who may manage it.");

export const zoneSchema = z
    .object({
        name: z
            .string()
            .regex(/^[a-z][a-z0-9-]{0,14}$/, "must be kebab-case, at most 15 characters")
            .describe("Zone id, kebab-case: `lan-dsi`, `servers`, `dmz`, `wan`, `management`."),
        kind: z
            .enum(ZONE_KINDS)
            .describe(
                "What the zone is: the firewall trusts the kinds in this order, lowest first: `wan`, `dmz`, `department`, `servers`, `management`; a flow may name every zone of a kind as `kind:<kind>`.",
            ),
        department: text(64, "an HR Departement value (an AD OU name)")
            .optional()
            .describe("For `department` zones: the HR export's `Departement` value this zone serves."),
        cidr: text(18, "an IPv4 network in CIDR notation").describe("The zone's network (`10.10.22.0/24`); zones must not overlap."),
        vlanId: z
            .number()
            .int()
            .optional()
            .describe("802.1Q tag on the internal bridge, 1 to 4094; required for every internal zone, absent for an untagged zone (WAN)."),
        bridge: bridgeName.describe("Proxmox bridge the zone's NICs attach to."),
        gateway: ipv4.describe("The zone's default gateway. For internal zones this is the router's address in the zone."),
        routerAddress: ipv4
            .optional()
            .describe("The router's own address in the zone when it is not the gateway (WAN: the ISP is the gateway). Default: the gateway."),
        dhcp: z
            .object({
                enabled: z.boolean().describe("Whether the site's DHCP servers serve this zone."),
                poolStart: ipv4.optional().describe("First address of the pool; required when enabled."),
                poolEnd: ipv4.optional().describe("Last address of the pool; required when enabled."),
            })
            .strict()
            .optional()
            .describe("DHCP in this zone, and the pool its leases come from (usable addresses of the zone, the gateway's excluded)."),
    })
    .strict();

export const diskSchema = z
    .object({
        datastore: name.describe("Datastore of billu:proxmox.datastores the disk is placed on."),
        sizeGiB: z.number().int().positive().describe("Size of the disk, GiB."),
    })
    .strict();

export const hostSchema = z
    .object({
        name: text(63, "a host name").describe("The host name, `<SITE>-<ROLE><NN>[-<TAG>]` (`PAR-DC01`); a Windows name is at most 15 characters (NetBIOS)."),
        role: z.enum(ROLES as [string, ...string[]]).describe("What the host does; its code is the host name's role part."),
        os: z.enum(OS_KINDS).describe("The OS kind: which template of billu:proxmox.templates the VM is cloned from."),
        zone: zoneRef.describe("Zone of the host's NIC (the firewall: its management NIC; it has one NIC in every zone)."),
        address: ipv4.describe("The host's address in its zone: inside the zone, outside its DHCP pool."),
        vmId: z.number().int().describe("The Proxmox VE VM id, unique in the cluster."),
        node: nodeName.describe("The node of billu:proxmox.nodes the VM runs on."),
        cores: z.number().int().positive().describe("vCPU cores."),
        memoryMiB: z.number().int().min(512).describe("Memory, MiB."),
        disks: z.array(diskSchema).min(1).describe("First disk: the OS disk (grown from the template's); the others are data disks."),
        joinDomain: z
            .boolean()
            .default(false)
            .describe("Join the AD domain (Debian servers: realmd + SSSD; clients: winbind on Debian, Add-Computer on Windows 11)."),
    })
    .strict();

export const networkSchema = z
    .object({
        zones: z.array(zoneSchema).min(1).describe("The addressing plan: one zone per network (departments, servers, DMZ, management, WAN)."),
        dnsForwarders: z.array(ipv4).default([]).describe("Outside DNS resolvers the DCs forward to."),
        ntpServers: z.array(dnsName).default([]).describe("Outside NTP servers the PDC emulator syncs to."),
    })
    .strict()
    .describe("The site's networks: zones, and the outside DNS and NTP servers.");

export const guestSchema = z
    .object({
        adminUser: z
            .string()
            .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a valid Linux user name")
            .describe("The admin user cloud-init creates on Debian guests and Pulumi connects as."),
        sshPublicKeys: z.array(sshPublicKey).min(1).max(64).describe("Public keys authorized for the admin user."),
    })
    .strict()
    .describe("Guest access: the admin user and the SSH keys authorized for it.");

/** The keys the core owns; every other key belongs to a service of the registry (model/services/registry.ts). */
const coreShape = {
    site: siteSchema,
    proxmox: proxmoxSchema,
    network: networkSchema,
    hosts: z.array(hostSchema).default([]).describe("The VMs of the site."),
    guest: guestSchema,
};

/** The keys the services own, from their descriptors. */
const serviceShape: Record<string, z.ZodTypeAny> = {};
for (const service of SERVICES) {
    for (const [key, schema] of Object.entries(service.config ?? {})) {
        if (key in coreShape || key in serviceShape) throw new Error(`internal: two owners declare the config key billu:${key}`);
        serviceShape[key] = schema;
    }
}

/** The whole `billu:` namespace. Keys outside this list are refused (a typo is caught, not ignored). */
export const configSchema = z.object({ ...coreShape, ...serviceShape }).strict();

/** Config keys the program reads as plain objects (secrets are read separately, never into the model). */
export const CONFIG_KEYS = Object.keys(configSchema.shape) as (keyof typeof configSchema.shape)[];

export type RawConfig = z.input<typeof configSchema>;
/**
 * The parsed config: the core's keys typed; a service's own keys are read by its planner through its descriptor
 * (typed there), and by no one else.
 */
export type Config = z.output<z.ZodObject<typeof coreShape>> & Readonly<Record<string, unknown>>;
export type Zone = z.output<typeof zoneSchema>;
export type HostConfig = z.output<typeof hostSchema>;

/**
 * Names of stack-file keys that hold a secret (`billu:sshPrivateKey`, `proxmoxve:apiToken`, `proxmoxve:password`,
 * a `psk`): whatever the namespace, at any depth. `pskLength` and the like are numbers, and only strings are judged.
 */
const SECRET_KEY_NAME = /(pass(word|wd|phrase)|secret|token|private[-_]?key|psk|api[-_]?key|credential)/i;

/**
 * The keys of a stack file's `config:` map that hold a secret in plaintext: a string under a secret-sounding name,
 * where Pulumi's encrypted form (`{ secure: ... }`, written by `pulumi config set --secret`) belongs. A committed
 * stack file is read by everyone with the repository; the value is never shown. Pure: the tools call it with the
 * parsed YAML (tools/synth.ts readStackConfig).
 */
export function plaintextSecrets(config: Readonly<Record<string, unknown>>, file: string): Problem[] {
    const out: Problem[] = [];
    const visit = (key: string, value: unknown, nested: boolean, secretName: boolean): void => {
        if (value !== null && typeof value === "object") {
            if (!Array.isArray(value) && "secure" in value) return;
            for (const [k, v] of Object.entries(value)) {
                visit(Array.isArray(value) ? `${key}[${k}]` : `${key}.${k}`, v, true, secretName || (!Array.isArray(value) && SECRET_KEY_NAME.test(k)));
            }
            return;
        }
        if (!secretName || typeof value !== "string" || value === "") return;
        out.push({
            path: key,
            message: `is written in plaintext in ${file}, and its name says it is a secret (the value is not shown)`,
            fix: `delete it from ${file} and run pulumi config set${nested ? " --path" : ""} --secret ${key} (it then stores the value encrypted)`,
        });
    };
    for (const [key, value] of Object.entries(config)) visit(key, value, false, SECRET_KEY_NAME.test(key.slice(key.indexOf(":") + 1)));
    return out;
}

/** Throws an InputError (exit 2) listing every plaintext secret of a stack file's `config:` map. */
export function assertNoPlaintextSecrets(config: Readonly<Record<string, unknown>>, file: string): void {
    const found = plaintextSecrets(config, file);
    if (found.length > 0) throw new InputError(found, "plaintext secret in the stack file");
}
