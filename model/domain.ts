/**
 * The Active Directory domain of a company site (`billu:domain`): which implementation runs it (Windows Server
 * AD DS or Samba AD DC), where the FSMO roles live, the AD site and its subnets, DNS (forwarders, conditional
 * forwarders, A and PTR records for every host), time, and how Debian members log on. Pure: the schema, the
 * semantic checks (through Problems, naming the key path) and the derived `DomainModel` the components read.
 */
import { z } from "zod";
import { Cidr, ipToInt, isIpv4, reverseZone } from "./addressing";
import { WINDOWS_CLIENT_OS } from "./core";
import { Problems, show } from "./errors";

/**
 * schemaIDGUID of the computer class (MS-ADSC), the object type of the join account's delegations (the domain step's
 * on CN=Computers, the client role's on the clients' OUs).
 * https://learn.microsoft.com/en-us/windows/win32/adschema/c-computer
 */
export const COMPUTER_CLASS = "bf967a86-0de6-11d0-a285-00aa003049e2";

/** The five FSMO roles, as the config names them. */
export const FSMO_ROLES = ["schemaMaster", "domainNamingMaster", "pdcEmulator", "ridMaster", "infrastructureMaster"] as const;
export type FsmoRole = (typeof FSMO_ROLES)[number];

const hostRef = z.string().min(1);
const groupName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be an AD group name without spaces (letters, digits, . _ -)");

export const domainSchema = z
    .object({
        flavor: z.enum(["windows", "samba"]).describe("`windows` (Windows Server 2022 AD DS) or `samba` (Samba AD DC on Debian 12)."),
        adSite: z
            .string()
            .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/, "must be letters, digits and dashes")
            .optional()
            .describe("AD site of the DCs and of every internal subnet. Default: the site code (`PAR`)."),
        fsmo: z
            .object({
                schemaMaster: hostRef.optional().describe("The DC holding the schema master role. Default: the first DC."),
                domainNamingMaster: hostRef.optional().describe("The DC holding the domain naming master role. Default: the first DC."),
                pdcEmulator: hostRef.optional().describe("The DC holding the PDC emulator role (the domain's time source). Default: the first DC."),
                ridMaster: hostRef.optional().describe("The DC holding the RID master role. Default: the first DC."),
                infrastructureMaster: hostRef.optional().describe("The DC holding the infrastructure master role. Default: the first DC."),
            })
            .strict()
            .default({})
            .describe("Which DC holds each FSMO role (a host name of billu:hosts)."),
        linuxLogin: z
            .object({
                sshGroup: groupName.describe("The AD group whose members may log in over SSH."),
                sudoGroup: groupName.describe("The AD group whose members may use sudo."),
            })
            .strict()
            .optional()
            .describe("Debian members (`joinDomain: true`): the AD group whose members may SSH in, and the one that may sudo."),
        joinAccount: z
            .string()
            .regex(/^[a-z][a-z0-9-]{0,19}$/, "must be a sAMAccountName of at most 20 lowercase letters, digits or dashes")
            .default("svc-domain-join")
            .describe("The AD account Debian members join with (no admin rights; its own generated password)."),
        conditionalForwarders: z
            .array(
                z
                    .object({
                        domain: z.string().min(1).describe("The partner's DNS zone (`ecotech-solutions.lan`)."),
                        servers: z.array(z.string()).min(1).describe("The partner's resolvers that answer for it."),
                    })
                    .strict(),
            )
            .default([])
            .describe(
                "DNS zones of partner domains answered by the partner's resolvers (Windows: DNS conditional forwarders; Samba: unbound on each DC, which its internal DNS asks first).",
            ),
        sysvolSyncMinutes: z
            .number()
            .int("must be a whole number of minutes")
            .min(1, "must be at least 1 minute")
            .max(1440, "must be at most 1440 minutes (a day)")
            .optional()
            .describe(
                "Samba only, with two DCs or more: how often each other DC pulls SYSVOL (the GPOs' files) from the PDC emulator, in minutes. Samba does not replicate SYSVOL; Windows DCs do it themselves (DFS-R). Default: 5.",
            ),
    })
    .strict()
    .describe("The AD domain: its flavor, AD site, FSMO roles, Linux logins, join account and conditional forwarders.");

export type DomainConfig = z.output<typeof domainSchema>;

/** What the domain validation needs of a host (a subset of HostModel, so the model stays acyclic). */
export interface DomainHost {
    readonly name: string;
    readonly role: string;
    readonly os: string;
    readonly zone: string;
    readonly address: string;
    readonly node: string;
    readonly joinDomain: boolean;
    readonly index: number;
    readonly nics: readonly { readonly zone: string; readonly address: string }[];
}

export interface DomainZone {
    readonly name: string;
    readonly kind: string;
    readonly cidr: Cidr;
}

export interface DnsRecord {
    /** Host name in the zone (`par-dc01`). */
    readonly name: string;
    readonly address: string;
    /** Reverse zone (`10.20.10.in-addr.arpa`) and the PTR's name in it (`11`). */
    readonly reverseZone: string;
    readonly ptrName: string;
    /** Whether an A record is made (the router has PTRs in every zone but one A record). */
    readonly a: boolean;
}

/**
 * A record a service asks the DC step to publish in the AD DNS, beyond every host's own A and PTR records: the web
 * server's names (model/web.ts) and the mail domain's MX (model/mail.ts). `buildSiteModel` checks them together
 * (`publishExtraRecords`) and puts them on the domain model, the one list both DC flavors apply.
 */
export interface ExtraDnsRecord {
    /**
     * The DNS zone that holds it: the AD domain, or, for a name outside it (the public site's), a zone named after
     * that very name, which the DC step creates, so the internal view answers that name without taking over the
     * rest of the public domain.
     */
    readonly zone: string;
    /** Relative to the zone; `@` is the zone's apex. */
    readonly name: string;
    readonly fqdn: string;
    readonly type: "A" | "MX";
    /** A: an IPv4 address; MX: the mail exchanger's FQDN (no trailing dot). */
    readonly value: string;
    /** MX only: the preference (lower first). */
    readonly preference?: number;
    /** The config key that asks for it, as the user writes it (`billu:web.intranet.name`): messages and docs. */
    readonly owner: string;
    /** Why it exists, for the docs. */
    readonly purpose: string;
}

export interface DomainController {
    /** Host name as in billu:hosts (`PAR-DC01`). */
    readonly name: string;
    /** DNS label (`par-dc01`) and FQDN (`par-dc01.billu.remindme.lan`). */
    readonly label: string;
    readonly fqdn: string;
    readonly address: string;
    readonly node: string;
    readonly os: string;
    /** The first DC creates the forest; the others join it. */
    readonly first: boolean;
    /** FSMO roles this DC must hold. */
    readonly roles: readonly FsmoRole[];
}

export interface DomainModel {
    readonly flavor: "windows" | "samba";
    /** DNS name of the domain, lowercase (`billu.remindme.lan`), and the Kerberos realm (`BILLU.REMINDME.LAN`). */
    readonly fqdn: string;
    readonly realm: string;
    /** Distinguished name of the domain (`DC=billu,DC=remindme,DC=lan`). */
    readonly dn: string;
    readonly netbiosName: string;
    readonly adSite: string;
    /** In billu:hosts order: `dcs[0]` creates the forest. */
    readonly dcs: readonly DomainController[];
    readonly fsmo: Readonly<Record<FsmoRole, string>>;
    readonly pdcEmulator: DomainController;
    readonly forwarders: readonly string[];
    readonly ntpServers: readonly string[];
    readonly conditionalForwarders: readonly { readonly domain: string; readonly servers: readonly string[] }[];
    /** Every internal zone's network, for AD subnets (all in `adSite`). */
    readonly subnets: readonly { readonly cidr: string; readonly zone: string; readonly reverseZone: string }[];
    /** Reverse zones of the internal networks, sorted. */
    readonly reverseZones: readonly string[];
    /** A and PTR records of every host of the model. */
    readonly records: readonly DnsRecord[];
    /** Debian hosts that join the domain. */
    readonly members: readonly string[];
    /**
     * Records services ask for (the web server's names, the mail domain's MX), checked against each other and the
     * hosts' own records; the DC's `domain` step applies them (set by buildSiteModel through publishExtraRecords).
     */
    readonly extraRecords: readonly ExtraDnsRecord[];
    /** Zones outside the AD domain that `extraRecords` need (sorted); the DC's `domain` step creates them. */
    readonly extraZones: readonly string[];
    readonly linuxLogin?: { readonly sshGroup: string; readonly sudoGroup: string };
    readonly joinAccount: string;
    /** Samba with two DCs or more: SYSVOL pulled from the PDC emulator by every other DC (absent otherwise). */
    readonly sysvol?: SysvolSync;
}

/** Default of billu:domain.sysvolSyncMinutes. */
export const SYSVOL_SYNC_DEFAULT_MINUTES = 5;

/**
 * SYSVOL replication between Samba DCs (Samba replicates the directory, never SYSVOL): the PDC emulator, where the
 * gpo step writes, serves SYSVOL read-only over an rsync daemon to the other DCs' addresses only; each other DC pulls
 * it every `minutes` and resets its ACLs from its own replicated directory (components/domain-controller/sysvol.ts).
 */
export interface SysvolSync {
    readonly source: DomainController;
    readonly pullers: readonly DomainController[];
    readonly minutes: number;
}

/**
 * The domain of a site model that has one (components that need it are only built for such sites; a missing one
 * is an internal error). Takes any model with a `domain`, so this module needs no import of model/site.ts.
 */
export function domainOf(model: { readonly domain?: DomainModel }): DomainModel {
    if (!model.domain) throw new Error("the site has no billu:domain");
    return model.domain;
}

/** What a checked DNS name is for, as the single-label message names it: "an AD domain", "billu.remindme.lan". */
export interface DnsNameUse {
    readonly what: string;
    readonly example: string;
}

/** The default use of a checked name: an AD domain (Microsoft: single-label domains are unsupported). */
export const AD_DOMAIN_NAME: DnsNameUse = { what: "an AD domain", example: "billu.remindme.lan" };

/**
 * Why a text is not a DNS name `use` can take, or undefined. RFC 1123 labels (letters, digits, inner dashes, 1-63
 * characters), at least two labels, at most 253 characters, a top-level label that is not all digits. The single-label
 * message names what the value is for (an AD domain by default; a DNSBL zone, a mail domain...), so a refused list
 * zone is not told what an AD domain needs.
 */
export function dnsNameViolation(name: string, use: DnsNameUse = AD_DOMAIN_NAME): string | undefined {
    if (name.length > 253) return "is longer than 253 characters";
    const labels = name.split(".");
    if (labels.length < 2) return `is a single label (${use.what} needs at least two, e.g. ${use.example})`;
    const bad = labels.find((l) => !/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
    if (bad !== undefined) {
        return bad === "" ? "has an empty label" : `has the label ${show(bad)}, but a label is 1 to 63 letters, digits or inner dashes`;
    }
    if (/^\d+$/.test(labels[labels.length - 1])) return "ends with an all-numeric label";
    return undefined;
}

/** PTR name of an address inside its reverse zone (`10.20.10.11` in `10.20.10.in-addr.arpa` is `11`). */
export function ptrName(address: string, zone: string): string {
    const keep = zone.replace(/\.in-addr\.arpa$/, "").split(".").length;
    return address.split(".").slice(keep).reverse().join(".");
}

/**
 * Checks `billu:domain` against the hosts and zones and derives the domain model. Returns undefined when the
 * site has no domain (no DC and no `billu:domain`) or when a problem was found (the caller throws them all).
 */
export function validateDomain(
    site: { domain: string; netbiosName?: string; code: string },
    network: { dnsForwarders: readonly string[]; ntpServers: readonly string[] },
    cfg: DomainConfig | undefined,
    zones: readonly DomainZone[],
    hosts: readonly DomainHost[],
    problems: Problems,
): DomainModel | undefined {
    const before = problems.count;
    const hp = (h: DomainHost, k: string) => `billu:hosts[${h.index}].${k}`;
    const dcHosts = hosts.filter((h) => h.role === "dc");
    hosts
        // A Windows 11 client joins through its own step (model/client.ts, components/client/role.ts).
        .filter((h) => h.joinDomain && (h.role === "dc" || !(h.os.startsWith("debian") || (h.role === "client" && h.os === WINDOWS_CLIENT_OS))))
        .forEach((h) =>
            problems.add(
                hp(h, "joinDomain"),
                `is true on ${h.name} (${h.role === "dc" ? "a domain controller" : h.os})`,
                "set joinDomain only on Debian members and Windows 11 clients (a DC is the domain; Windows servers are not joined by this program)",
            ),
        );
    if (!cfg) {
        if (dcHosts.length > 0) {
            problems.add(
                "billu:domain",
                `is missing, but billu:hosts has ${dcHosts.length} domain controller${dcHosts.length > 1 ? "s" : ""} (${dcHosts.map((h) => h.name).join(", ")})`,
                'set billu:domain (at least flavor: windows or samba; see README, "Domain controllers")',
            );
        }
        const joiners = hosts.filter((h) => h.joinDomain && h.role !== "dc" && h.os.startsWith("debian"));
        if (joiners.length > 0 && dcHosts.length === 0) {
            problems.add(
                hp(joiners[0], "joinDomain"),
                `is true on ${joiners[0].name}, but the site has no domain`,
                "add domain controllers and billu:domain, or set joinDomain: false",
            );
        }
        return undefined;
    }
    if (dcHosts.length === 0) {
        problems.add("billu:domain", "is set, but billu:hosts has no host of role dc", "add at least one domain controller (role: dc), or remove billu:domain");
        return undefined;
    }
    const domainProblem = dnsNameViolation(site.domain);
    if (domainProblem) {
        problems.add("billu:site.domain", `${show(site.domain)} ${domainProblem}`, "write the AD domain as a DNS name, e.g. billu.remindme.lan");
    }
    if (!site.netbiosName) {
        problems.add("billu:site.netbiosName", "is required for a site with domain controllers but missing", "set the NetBIOS name of the domain, e.g. BILLU");
    }
    const zoneByName = new Map(zones.map((z) => [z.name, z]));
    for (const h of dcHosts) {
        const zone = zoneByName.get(h.zone);
        if (zone && zone.kind !== "servers") {
            problems.add(
                hp(h, "zone"),
                `${show(h.zone)} is a ${zone.kind} zone, but ${h.name} is a domain controller`,
                `put domain controllers in a servers zone (${
                    zones
                        .filter((z) => z.kind === "servers")
                        .map((z) => z.name)
                        .join(", ") || "add one"
                })`,
            );
        }
        const wantDebian = cfg.flavor === "samba";
        if (wantDebian !== h.os.startsWith("debian")) {
            problems.add(
                hp(h, "os"),
                `${show(h.os)} cannot run the ${cfg.flavor} flavor of billu:domain.flavor`,
                wantDebian ? "use os: debian-12 for a Samba DC, or flavor: windows" : "use os: windows-2022-gui or windows-2022-core, or flavor: samba",
            );
        }
    }
    const dcNames = dcHosts.map((h) => h.name);
    const fsmo = {} as Record<FsmoRole, string>;
    for (const role of FSMO_ROLES) {
        const holder = cfg.fsmo[role] ?? dcNames[0];
        if (!dcNames.includes(holder)) {
            problems.add(
                `billu:domain.fsmo.${role}`,
                `${show(holder)} is not a domain controller of billu:hosts`,
                `name one of the DCs: ${dcNames.join(", ")}`,
            );
        }
        fsmo[role] = holder;
    }
    cfg.conditionalForwarders.forEach((f, i) => {
        const p = `billu:domain.conditionalForwarders[${i}]`;
        const bad = dnsNameViolation(f.domain, { what: "a partner's DNS domain", example: "ecotech.lan" });
        if (bad) problems.add(`${p}.domain`, `${show(f.domain)} ${bad}`, "write the partner's DNS domain, e.g. ecotech.lan");
        if (f.domain.toLowerCase() === site.domain.toLowerCase())
            problems.add(`${p}.domain`, `${show(f.domain)} is the site's own domain`, "name the partner's domain");
        f.servers.forEach((s, j) => {
            if (!isIpv4(s)) problems.add(`${p}.servers[${j}]`, `${show(s)} is not an IPv4 address`, "write the partner resolver's dotted IPv4 address");
        });
    });
    network.dnsForwarders.forEach((s, i) => {
        if (!isIpv4(s)) problems.add(`billu:network.dnsForwarders[${i}]`, `${show(s)} is not an IPv4 address`, "write the resolver's dotted IPv4 address");
    });
    const members = hosts.filter((h) => h.joinDomain && h.role !== "dc" && h.os.startsWith("debian"));
    if (members.length > 0 && !cfg.linuxLogin) {
        problems.add(
            "billu:domain.linuxLogin",
            `is required because ${members.map((h) => h.name).join(", ")} join${members.length === 1 ? "s" : ""} the domain, but it is missing`,
            "set billu:domain.linuxLogin.sshGroup and sudoGroup (the AD groups allowed to SSH in and to sudo)",
        );
    }
    if (cfg.sysvolSyncMinutes !== undefined && cfg.flavor === "windows") {
        problems.add(
            "billu:domain.sysvolSyncMinutes",
            `is ${cfg.sysvolSyncMinutes}, but Windows DCs replicate SYSVOL themselves (DFS-R)`,
            "remove billu:domain.sysvolSyncMinutes, or use flavor: samba",
        );
    }
    if (problems.count > before) return undefined;

    const fqdn = site.domain.toLowerCase();
    const internal = zones.filter((z) => z.kind !== "wan");
    const internalOf = (address: string) => internal.find((z) => ipToInt(address) >= z.cidr.first && ipToInt(address) <= z.cidr.last);
    const records: DnsRecord[] = [];
    for (const h of hosts) {
        const label = h.name.toLowerCase();
        const addresses = h.role === "firewall" ? h.nics.map((n) => n.address) : [h.address];
        for (const address of addresses) {
            const zone = internalOf(address);
            if (!zone) continue; // the WAN transit is not ours to name
            const rz = reverseZone(zone.cidr);
            records.push({ name: label, address, reverseZone: rz, ptrName: ptrName(address, rz), a: address === h.address });
        }
    }
    const dcs: DomainController[] = dcHosts.map((h, i) => ({
        name: h.name,
        label: h.name.toLowerCase(),
        fqdn: `${h.name.toLowerCase()}.${fqdn}`,
        address: h.address,
        node: h.node,
        os: h.os,
        first: i === 0,
        roles: FSMO_ROLES.filter((r) => fsmo[r] === h.name),
    }));
    const pdcEmulator = dcs.find((d) => d.name === fsmo.pdcEmulator)!;
    return {
        flavor: cfg.flavor,
        fqdn,
        realm: fqdn.toUpperCase(),
        dn: fqdn
            .split(".")
            .map((l) => `DC=${l}`)
            .join(","),
        netbiosName: site.netbiosName!,
        adSite: cfg.adSite ?? site.code,
        dcs,
        fsmo,
        pdcEmulator,
        forwarders: network.dnsForwarders,
        ntpServers: network.ntpServers,
        conditionalForwarders: cfg.conditionalForwarders.map((f) => ({ domain: f.domain.toLowerCase(), servers: f.servers })),
        subnets: internal.map((z) => ({ cidr: z.cidr.text, zone: z.name, reverseZone: reverseZone(z.cidr) })),
        reverseZones: [...new Set(internal.map((z) => reverseZone(z.cidr)))].sort(),
        records,
        members: members.map((h) => h.name),
        extraRecords: [],
        extraZones: [],
        linuxLogin: cfg.linuxLogin,
        joinAccount: cfg.joinAccount,
        sysvol:
            cfg.flavor === "samba" && dcs.length > 1
                ? {
                      source: pdcEmulator,
                      pullers: dcs.filter((d) => d.name !== pdcEmulator.name),
                      minutes: cfg.sysvolSyncMinutes ?? SYSVOL_SYNC_DEFAULT_MINUTES,
                  }
                : undefined,
    };
}

/** A record's data as dig prints it and as the messages show it (`172.16.120.10`, `10 par-mail01.billu.remindme.lan`). */
export function recordData(r: Pick<ExtraDnsRecord, "type" | "value" | "preference">): string {
    return r.type === "MX" ? `${r.preference ?? 0} ${r.value}` : r.value;
}

/** On a site without domain controllers, every record a service asks for is a problem: no DNS would serve it. */
export function unpublishable(requests: readonly ExtraDnsRecord[], problems: Problems): undefined {
    for (const r of requests) {
        problems.add(
            r.owner,
            `${show(r.fqdn)} needs the ${r.type} record ${recordData(r)} in the site's internal DNS, but the site has no domain controller to publish it`,
            "add a host of role dc to billu:hosts (its AD DNS serves the site's names), or remove this service",
        );
    }
    return undefined;
}

/**
 * Checks the records services ask for (`requests`, in the order given) against the names AD keeps, the hosts' own
 * A records and each other, and returns the domain model carrying them (`extraRecords`, `extraZones`). A request
 * equal to a record already made (a host's own, or another service's) is dropped; one that would give a name a
 * second, different value is a problem named at the config key that asks for it.
 */
export function publishExtraRecords(
    domain: DomainModel,
    requests: readonly ExtraDnsRecord[],
    hosts: readonly { readonly name: string; readonly index: number }[],
    problems: Problems,
): DomainModel {
    const reserved = new Set([domain.fqdn, `domaindnszones.${domain.fqdn}`, `forestdnszones.${domain.fqdn}`]);
    const hostA = new Map(domain.records.filter((r) => r.a).map((r) => [`${r.name}.${domain.fqdn}`, r]));
    const accepted: ExtraDnsRecord[] = [];
    for (const r of requests) {
        const wants = `would get the ${r.type} record ${recordData(r)}`;
        if (r.type === "A" && reserved.has(r.fqdn)) {
            problems.add(
                r.owner,
                `${show(r.fqdn)} ${wants}, but AD keeps the A records of ${r.fqdn} for its domain controllers`,
                `choose a name below the AD domain, e.g. intranet.${domain.fqdn}`,
            );
            continue;
        }
        const own = r.type === "A" ? hostA.get(r.fqdn) : undefined;
        if (own) {
            if (own.address === r.value) continue; // the host's own record already says it
            const host = hosts.find((h) => h.name.toLowerCase() === own.name);
            problems.add(
                r.owner,
                `${show(r.fqdn)} ${wants}, but it is the name of ${host ? `billu:hosts[${host.index}] (${host.name})` : `the host ${own.name}`}, whose own A record is ${own.address}`,
                "choose a name no host of billu:hosts has",
            );
            continue;
        }
        const prior = accepted.find((a) => a.fqdn === r.fqdn && a.type === r.type);
        if (prior) {
            if (recordData(prior) === recordData(r)) continue; // the same record, asked for twice
            problems.add(
                r.owner,
                `${show(r.fqdn)} ${wants}, but ${prior.owner} already gives it ${recordData(prior)}`,
                `give each its own name, or make ${r.owner} and ${prior.owner} agree`,
            );
            continue;
        }
        accepted.push(r);
    }
    return {
        ...domain,
        extraRecords: accepted,
        extraZones: [...new Set(accepted.map((r) => r.zone).filter((z) => z !== domain.fqdn))].sort(),
    };
}
