/**
 * The schema of the `billu:` config namespace: the shape of every key, checked with zod. Semantic checks that
 * need several keys at once (overlaps, addresses inside zones, references between keys) live in validate.ts.
 *
 * Every stack file (Pulumi.<stack>.yaml) sets these keys under `config:`, e.g. `billu:network: { zones: [...] }`.
 */
import { z } from "zod";
import { InputError, Problem } from "./errors";
import { CONTROL, text } from "./text";
import { firewallSchema, flowSchema } from "./flows";
import { vpnSchema } from "./vpn";
import { dhcpSchema } from "./dhcp";
import { domainSchema } from "./domain";
import { mailSchema } from "./mail";
import { fileserverSchema } from "./fileserver";
import { webSchema } from "./web";

export const OS_KINDS = ["debian-12", "windows-2022-gui", "windows-2022-core"] as const;
export type OsKind = (typeof OS_KINDS)[number];

/** Host roles and the code each puts in the host name (`PAR-DC01`). */
export const ROLE_CODES = {
    firewall: "FW",
    dc: "DC",
    dhcp: "DHCP",
    fileserver: "FS",
    mail: "MAIL",
    web: "WEB",
    member: "SRV",
} as const;
export type Role = keyof typeof ROLE_CODES;
export const ROLES = Object.keys(ROLE_CODES) as Role[];

export const ZONE_KINDS = ["wan", "department", "servers", "dmz", "management"] as const;
export type ZoneKind = (typeof ZONE_KINDS)[number];

const name = text(64, "a name or id");
/** A dotted IPv4 address; checked as an address by the model (this bound only keeps the message short). */
const ipv4 = text(64, "an IPv4 address");
/** RFC 1035: a DNS name is at most 253 characters written out. */
const dnsName = text(253, "a DNS name");
/** Proxmox VE node names are host names: one DNS label. */
const nodeName = text(63, "a Proxmox VE node name (one DNS label)");
/** Linux interface names are at most 15 characters (IFNAMSIZ - 1). */
const bridgeName = text(15, "a Linux bridge name");
/** A path relative to the project root. */
const filePath = text(255, "a path relative to the project root");
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
        /**
         * Short site name, used in docs, tags and the site CA's common name (`<company> <name> root CA`, which X.509
         * bounds at 64 characters: RFC 5280 ub-common-name).
         */
        name: text(23, "the short site name"),
        /** Site code: the prefix of every host name (`PAR` gives `PAR-DC01`). */
        code: z.string().regex(/^[A-Z]{2,4}$/, "must be 2 to 4 capital letters"),
        /** The company: the site CA's organization (X.509 ub-organization-name is 64) and its common name's start. */
        company: text(32, "the company name"),
        /** `company` (BillU: AD, DCs, HR export) or `partner` (a small site: gateway and LANs only). */
        kind: z.enum(["company", "partner"]).default("company"),
        /** `dev` or `prod`: prod protects stateful VMs and enforces node spread. */
        environment: z.enum(["dev", "prod"]),
        /** DNS domain of the site: the AD domain of a company site (`billu.remindme.lan`). */
        domain: dnsName,
        /** NetBIOS name of the AD domain (at most 15 characters). */
        netbiosName: z
            .string()
            .regex(/^[A-Z0-9-]{1,15}$/, "must be 1 to 15 capital letters, digits or dashes")
            .optional(),
        /** Whether stateful VMs (DCs, file server, mail) are protected; default: true in prod. */
        protectStateful: z.boolean().optional(),
    })
    .strict();

export const proxmoxSchema = z
    .object({
        nodes: z.array(z.object({ name: nodeName }).strict()).min(1),
        /** Datastores disks may be placed on. */
        datastores: z.array(name).min(1),
        /** Datastore of the cloud-init drive. */
        cloudInitDatastore: name,
        /**
         * File-based datastore, with the `snippets` content type enabled, holding each Debian guest's host-key vendor-data
         * (components/proxmox-vm/host-key.ts); shared storage when VMs move between nodes (HA). @default "local"
         */
        snippetsDatastore: name.optional(),
        /** Template VM id per OS kind and node: `templates: { debian-12: { pve1: 9000 } }`. */
        templates: z.record(z.enum(OS_KINDS), z.record(nodeName, z.number().int().positive())),
        /** Resource pool the VMs join (must exist). */
        pool: name.optional(),
        /** Networks allowed to reach the Proxmox API and web UI: the datacenter firewall's allowlist. */
        managementAllowlist: z.array(text(64, "an address or network")).min(1),
    })
    .strict();

export const zoneSchema = z
    .object({
        /** Zone id, kebab-case: `lan-dsi`, `servers`, `dmz`, `wan`, `management`. */
        name: z.string().regex(/^[a-z][a-z0-9-]{0,14}$/, "must be kebab-case, at most 15 characters"),
        kind: z.enum(ZONE_KINDS),
        /** For `department` zones: the HR export's `Departement` value this zone serves. */
        department: text(64, "an HR Departement value (an AD OU name: at most 64 characters)").optional(),
        cidr: text(18, "an IPv4 network in CIDR notation"),
        /** 802.1Q tag on the internal bridge; absent for an untagged zone (WAN). */
        vlanId: z.number().int().optional(),
        /** Proxmox bridge the zone's NICs attach to. */
        bridge: bridgeName,
        /** The zone's default gateway. For internal zones this is the router's address in the zone. */
        gateway: ipv4,
        /** The router's own address in the zone when it is not the gateway (WAN: the ISP is the gateway). */
        routerAddress: ipv4.optional(),
        dhcp: z
            .object({
                enabled: z.boolean(),
                poolStart: ipv4.optional(),
                poolEnd: ipv4.optional(),
            })
            .strict()
            .optional(),
    })
    .strict();

export const diskSchema = z
    .object({
        datastore: name,
        sizeGiB: z.number().int().positive(),
    })
    .strict();

export const hostSchema = z
    .object({
        /** The host name (the naming convention bounds it further; a Windows name is at most 15 characters). */
        name: text(63, "a host name"),
        role: z.enum(ROLES as [Role, ...Role[]]),
        os: z.enum(OS_KINDS),
        /** Zone of the host's NIC (the firewall: its management NIC; it has one NIC in every zone). */
        zone: zoneRef,
        address: ipv4,
        vmId: z.number().int(),
        node: nodeName,
        cores: z.number().int().positive(),
        memoryMiB: z.number().int().min(512),
        /** First disk: the OS disk (grown from the template's); the others are data disks. */
        disks: z.array(diskSchema).min(1),
        /** Join the AD domain (Debian hosts: realmd + SSSD). */
        joinDomain: z.boolean().default(false),
    })
    .strict();

export const networkSchema = z
    .object({
        zones: z.array(zoneSchema).min(1),
        /** Outside DNS resolvers the DCs forward to. */
        dnsForwarders: z.array(ipv4).default([]),
        /** Outside NTP servers the PDC emulator syncs to. */
        ntpServers: z.array(dnsName).default([]),
    })
    .strict();

export const directorySchema = z
    .object({
        /** The HR export (CSV, `;`), relative to the project root. */
        hrCsv: filePath,
        /** The directory lock, relative to the project root. @default none: an empty lock (everyone is new) */
        lock: filePath.optional(),
        /** Domain of the mail addresses the directory plan derives. @default billu:site.domain */
        mailDomain: z
            .string()
            .max(253)
            .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, "must be a lower-case DNS domain")
            .optional(),
    })
    .strict();

export const guestSchema = z
    .object({
        /** The admin user cloud-init creates on Debian guests and Pulumi connects as. */
        adminUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a valid Linux user name"),
        /** Public keys authorized for the admin user. */
        sshPublicKeys: z.array(sshPublicKey).min(1).max(64),
    })
    .strict();

/** The whole `billu:` namespace. Keys outside this list are refused (a typo is caught, not ignored). */
export const configSchema = z
    .object({
        site: siteSchema,
        proxmox: proxmoxSchema,
        network: networkSchema,
        hosts: z.array(hostSchema).default([]),
        flows: z.array(flowSchema).default([]),
        firewall: firewallSchema.default({}),
        directory: directorySchema.optional(),
        guest: guestSchema,
        vpn: vpnSchema.optional(),
        dhcp: dhcpSchema.optional(),
        domain: domainSchema.optional(),
        mail: mailSchema.optional(),
        fileserver: fileserverSchema.optional(),
        web: webSchema.optional(),
    })
    .strict();

/** Config keys the program reads as plain objects (secrets are read separately, never into the model). */
export const CONFIG_KEYS = Object.keys(configSchema.shape) as (keyof typeof configSchema.shape)[];

export type RawConfig = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type Zone = z.output<typeof zoneSchema>;
export type HostConfig = z.output<typeof hostSchema>;
export type { FlowConfig } from "./flows";

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
