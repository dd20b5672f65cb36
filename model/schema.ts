/**
 * The schema of the `billu:` config namespace: the shape of every key, checked with zod. Semantic checks that
 * need several keys at once (overlaps, addresses inside zones, references between keys) live in validate.ts.
 *
 * Every stack file (Pulumi.<stack>.yaml) sets these keys under `config:`, e.g. `billu:network: { zones: [...] }`.
 */
import { z } from "zod";
import { InputError, Problem } from "./errors";
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

const name = z.string().min(1);
const ipv4 = z.string().min(1);
const dnsName = z.string().min(1);

export const siteSchema = z
    .object({
        /** Short site name, used in docs and tags. */
        name: name,
        /** Site code: the prefix of every host name (`PAR` gives `PAR-DC01`). */
        code: z.string().regex(/^[A-Z]{2,4}$/, "must be 2 to 4 capital letters"),
        company: name,
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
        nodes: z.array(z.object({ name: name }).strict()).min(1),
        /** Datastores disks may be placed on. */
        datastores: z.array(name).min(1),
        /** Datastore of the cloud-init drive. */
        cloudInitDatastore: name,
        /** Template VM id per OS kind and node: `templates: { debian-12: { pve1: 9000 } }`. */
        templates: z.record(z.enum(OS_KINDS), z.record(name, z.number().int().positive())),
        /** Resource pool the VMs join (must exist). */
        pool: name.optional(),
        /** Networks allowed to reach the Proxmox API and web UI: the datacenter firewall's allowlist. */
        managementAllowlist: z.array(z.string()).min(1),
    })
    .strict();

export const zoneSchema = z
    .object({
        /** Zone id, kebab-case: `lan-dsi`, `servers`, `dmz`, `wan`, `management`. */
        name: z.string().regex(/^[a-z][a-z0-9-]{0,14}$/, "must be kebab-case, at most 15 characters"),
        kind: z.enum(ZONE_KINDS),
        /** For `department` zones: the HR export's `Departement` value this zone serves. */
        department: z.string().min(1).optional(),
        cidr: z.string(),
        /** 802.1Q tag on the internal bridge; absent for an untagged zone (WAN). */
        vlanId: z.number().int().optional(),
        /** Proxmox bridge the zone's NICs attach to. */
        bridge: name,
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
        name: name,
        role: z.enum(ROLES as [Role, ...Role[]]),
        os: z.enum(OS_KINDS),
        /** Zone of the host's NIC (the firewall: its management NIC; it has one NIC in every zone). */
        zone: name,
        address: ipv4,
        vmId: z.number().int(),
        node: name,
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
        ntpServers: z.array(z.string()).default([]),
    })
    .strict();

export const directorySchema = z
    .object({
        /** The HR export (CSV, `;`), relative to the project root. */
        hrCsv: name,
        /** The directory lock, relative to the project root. @default none: an empty lock (everyone is new) */
        lock: name.optional(),
        /** Domain of the mail addresses the directory plan derives. @default billu:site.domain */
        mailDomain: z
            .string()
            .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, "must be a lower-case DNS domain")
            .optional(),
    })
    .strict();

export const guestSchema = z
    .object({
        /** The admin user cloud-init creates on Debian guests and Pulumi connects as. */
        adminUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a valid Linux user name"),
        /** Public keys authorized for the admin user. */
        sshPublicKeys: z.array(z.string().regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) /, "must be an OpenSSH public key")).min(1),
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
