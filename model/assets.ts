/**
 * Asset management and helpdesk: GLPI 10 (`billu:assets`, issue #21) on the host of role `assets` (`PAR-GLPI01`,
 * Debian 12). Pure: the schema (its `.describe()` text and defaults are the configuration reference), the checks
 * (through Problems, naming the key path), and the derived `AssetsPlan` the renderers (components/assets/render.ts),
 * the component and the docs read.
 *
 * Design:
 * - GLPI comes from the project's own release tarball (GitHub), pinned by version and SHA-256: the install step
 *   refuses a tarball whose hash differs. A production stack must pin the hash (a dev stack may leave it out: the
 *   step then installs nothing and says why).
 * - Staff log in with their AD account: GLPI's LDAP directory is the domain's DCs over LDAPS, bound as a read-only
 *   service account; its search (base DN and filter) returns exactly the enabled people of the directory plan.
 *   Profiles come from directory groups (the DSI are technicians by default); everyone else gets self-service.
 * - Tickets by mail: GLPI's mail collector reads the helpdesk mailbox on the site's mail server over IMAPS, and its
 *   notifications leave through the same server (submission).
 * - Inventory: an agent on every Debian host (Debian's fusioninventory-agent) sends its inventory to GLPI's native
 *   endpoint over HTTPS; the workstations of the directory plan are pre-registered with their owner.
 */
import { z } from "zod";
import type { HostView, ZoneModel } from "./core";
import { isWindows } from "./core";
import { ALL_STAFF_GROUP, departmentGroup, OU_NAMES } from "./directory";
import type { DirectoryPlan } from "./directory";
import type { DomainModel } from "./domain";
import { Problems, show } from "./errors";
import type { MailPlan } from "./mail";

const AP = "billu:assets";
/** The every-host need of the inventory agent (components/assets/role.ts renders it). */
export const INVENTORY_AGENT_NEED = "inventory-agent";
/** GLPI's profiles (GLPI 10's default profiles, by name). */
export const GLPI_PROFILES = ["Super-Admin", "Admin", "Supervisor", "Technician", "Hotliner", "Observer", "Self-Service"] as const;
export type GlpiProfile = (typeof GLPI_PROFILES)[number];
/** The version the schema defaults to (GLPI 10's latest 10.0 release when this was written). */
export const GLPI_DEFAULT_VERSION = "10.0.18";
/** GLPI's native inventory endpoint (GLPI 10), relative to its URL. */
export const GLPI_INVENTORY_PATH = "/front/inventory.php";
/** Where GLPI keeps its documents and state (FHS layout of GLPI's packaging guide): backed up. */
export const GLPI_FILES_DIR = "/var/lib/glpi";
/** Where the step dumps the database every day for the in-guest backup. */
export const GLPI_DUMP_DIR = "/var/backups/glpi";
/**
 * The file each inventory run touches once the agent has sent its inventory (the agent service's ExecStartPost, under
 * its systemd StateDirectory): monitoring alerts when it gets old (model/monitoring.ts, `inventory-freshness`).
 */
export const INVENTORY_STAMP = "/var/lib/billu-inventory/last-success";
/** Bit 2 of userAccountControl (ACCOUNTDISABLE), matched with the bitwise AND rule (LDAP_MATCHING_RULE_BIT_AND). */
const ENABLED_PERSON = "(objectCategory=person)(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2))";

/** The GLPI agent's release on Windows by default (GLPI agent 1.x, the successor of FusionInventory, for GLPI 10). */
export const GLPI_AGENT_DEFAULT_VERSION = "1.11";
/** The project's download of the GLPI agent's 64-bit MSI for a release (github.com/glpi-project/glpi-agent releases). */
export function glpiAgentMsiUrl(version: string): string {
    return `https://github.com/glpi-project/glpi-agent/releases/download/${version}/GLPI-Agent-${version}-x64.msi`;
}

/** The official download of a GLPI release. */
export function glpiTarballUrl(version: string): string {
    return `https://github.com/glpi-project/glpi/releases/download/${version}/glpi-${version}.tgz`;
}

const groupName = z.string().min(1);

export const assetsSchema = z
    .object({
        host: z
            .string()
            .min(1)
            .optional()
            .describe(
                "The GLPI server: a host of billu:hosts with role assets (host code GLPI, `PAR-GLPI01`, Debian 12). @default the site's only host of role assets",
            ),
        glpi: z
            .object({
                version: z
                    .string()
                    .regex(/^10\.\d+\.\d+$/, "must be a 10.x.y release number (GLPI 10), like 10.0.18")
                    .default(GLPI_DEFAULT_VERSION)
                    .describe(`The GLPI release to install (GLPI 10). @default ${GLPI_DEFAULT_VERSION}`),
                url: z
                    .string()
                    .regex(/^https:\/\/\S+\.tgz$/, "must be an https URL of a .tgz")
                    .optional()
                    .describe("Where the tarball is downloaded from (an internal mirror, or the project's). @default " + glpiTarballUrl("<version>")),
                sha256: z
                    .string()
                    .regex(/^[0-9a-fA-F]{64}$/, "must be 64 hexadecimal digits")
                    .optional()
                    .describe(
                        "The tarball's SHA-256: the install step installs no tarball whose hash differs, and none at all while it is unset. " +
                            "Required in a production stack. @default unset (dev: nothing is installed)",
                    ),
            })
            .strict()
            .default({})
            .describe(`The pinned GLPI release. @default ${GLPI_DEFAULT_VERSION} from the project's GitHub releases, no hash`),
        serviceAccount: z
            .string()
            .regex(/^[a-z][a-z0-9-]{1,19}$/, "must be a lower-case account name of 2 to 20 characters")
            .default("svc-glpi")
            .describe(
                "The read-only AD account GLPI binds as over LDAPS (created by the first DC's `assets-directory` step, password generated). @default svc-glpi",
            ),
        profiles: z
            .array(
                z
                    .object({
                        group: groupName.describe("A group of the directory plan (GG_DSI, a service group)."),
                        profile: z.enum(GLPI_PROFILES).describe("The GLPI profile its members get."),
                    })
                    .strict(),
            )
            .default([{ group: "GG_DSI", profile: "Technician" }])
            .describe("GLPI profiles from directory groups; everyone else of the directory gets Self-Service. @default GG_DSI -> Technician"),
        categories: z
            .array(z.string().min(1).max(255))
            .min(1)
            .default(["Poste de travail", "Compte et mot de passe", "Messagerie", "Imprimante", "Réseau et internet", "Logiciel", "Téléphonie", "Sécurité"])
            .describe("Ticket categories (ITIL categories) offered to staff. @default BillU's eight"),
        helpdesk: z
            .object({
                mailbox: z
                    .string()
                    .regex(/^[a-z0-9][a-z0-9.-]{0,63}$/, "must be the local part of an address, like helpdesk")
                    .default("helpdesk")
                    .describe("The local part of the helpdesk address on the mail domain: a mail to it opens a ticket. @default helpdesk"),
            })
            .strict()
            .default({})
            .describe("Tickets by mail: GLPI's mail collector reads this mailbox of the site's mail server over IMAPS. @default helpdesk@<mail domain>"),
        entitiesPerDepartment: z
            .boolean()
            .default(false)
            .describe("One GLPI entity per department (its people and computers in it), below the root entity. @default false (one entity)"),
        allowedZones: z
            .array(z.string().min(1))
            .min(1)
            .optional()
            .describe("Zones whose clients reach GLPI's web interface over HTTPS. @default every department zone and the management zone"),
        inventoryHours: z.number().int().min(1).max(168).default(24).describe("Hours between two inventories of a host (the agent's schedule). @default 24"),
        windowsAgent: z
            .object({
                version: z
                    .string()
                    .regex(/^1\.\d{1,2}(\.\d{1,2})?$/, "must be a GLPI agent 1.x release such as 1.11")
                    .default(GLPI_AGENT_DEFAULT_VERSION)
                    .describe(`The GLPI agent's release on Windows hosts and workstations (1.x). @default ${GLPI_AGENT_DEFAULT_VERSION}`),
                msiUrl: z
                    .string()
                    .max(2048)
                    .regex(/^https:\/\/[^\s]+\.msi$/, "must be an https URL of an .msi file")
                    .optional()
                    .describe(
                        "Where Windows computers download the agent's MSI (an internal mirror, or the project's). @default " + glpiAgentMsiUrl("<version>"),
                    ),
                sha256: z
                    .string()
                    .regex(/^[0-9A-Fa-f]{64}$/, "must be 64 hexadecimal digits")
                    .optional()
                    .describe(
                        "The MSI's SHA-256: the GPO's startup script installs no MSI whose hash differs, and none at all while it is unset. " +
                            "Required in prod when a GPO deploys the agent (a real preview or up stops without it). @default none: nothing is installed until it is set",
                    ),
            })
            .strict()
            .default({})
            .describe(
                `The GLPI agent on Windows computers, installed by the startup script of a GPO with the named policy glpiAgent. @default ${GLPI_AGENT_DEFAULT_VERSION} from the project's GitHub releases, no hash`,
            ),
    })
    .strict()
    .describe("Asset management and helpdesk: GLPI 10 on the host of role assets");

export type AssetsConfig = z.output<typeof assetsSchema>;

export interface AssetsFlow {
    readonly from: string;
    readonly to: string;
    readonly service: string;
    readonly why: string;
}

/** A workstation of the directory plan, pre-registered in GLPI with its owner. */
export interface AssetComputer {
    readonly name: string;
    /** `Marque PC` of the HR export. */
    readonly brand: string;
    /** The owner's account name (GLPI's user, from LDAP). */
    readonly owner: string;
    readonly department: string;
    /** The GLPI entity it goes in (`Root entity` or `Root entity > <department>`). */
    readonly entity: string;
}

export interface AssetsPlan {
    readonly host: { readonly name: string; readonly zone: string; readonly address: string };
    readonly fqdn: string;
    readonly url: string;
    readonly certificate: { readonly commonName: string; readonly dnsNames: readonly string[]; readonly ipAddresses: readonly string[] };
    readonly glpi: { readonly version: string; readonly url: string; readonly sha256?: string };
    readonly database: { readonly name: string; readonly user: string };
    readonly ldap: {
        /** Every DC over LDAPS, the first one first. */
        readonly uris: readonly string[];
        readonly host: string;
        readonly port: number;
        /** The users OU of the directory plan. */
        readonly baseDn: string;
        /** Enabled people who are members of all staff: exactly the directory plan's enabled people. */
        readonly filter: string;
        readonly loginField: string;
        readonly serviceAccount: string;
        readonly bindDn: string;
        /** The account names the search returns (the directory plan's enabled people), sorted. */
        readonly expectedUsers: readonly string[];
    };
    readonly profiles: readonly { readonly group: string; readonly groupDn: string; readonly profile: GlpiProfile }[];
    readonly defaultProfile: GlpiProfile;
    readonly categories: readonly string[];
    readonly entities: readonly { readonly name: string; readonly department: string; readonly groupDn: string }[];
    readonly helpdesk: {
        readonly address: string;
        /** The mail server's name (its certificate's): IMAPS for the collector, submission for notifications. */
        readonly mailHost: string;
        readonly imapsPort: number;
        readonly submissionPort: number;
    };
    readonly inventory: { readonly url: string; readonly hours: number; readonly agents: readonly string[] };
    /** The GLPI agent on Windows computers (a GPO's startup script installs it): its MSI, its pin, GLPI's endpoint. */
    readonly windowsAgent: { readonly version: string; readonly msiUrl: string; readonly sha256?: string; readonly server: string };
    readonly computers: readonly AssetComputer[];
    readonly filesDir: string;
    readonly dumpDir: string;
    readonly flows: readonly AssetsFlow[];
}

export interface AssetsInput {
    readonly cfg: AssetsConfig | undefined;
    readonly hosts: readonly HostView[];
    readonly zones: readonly ZoneModel[];
    readonly domain?: Pick<DomainModel, "fqdn" | "dn" | "dcs">;
    readonly directory?: Pick<DirectoryPlan, "ous" | "groups" | "people" | "computers" | "mailDomain">;
    /** billu:directory is set but planned nothing (another key's problem stopped it; that problem is reported). */
    readonly directoryPending?: boolean;
    readonly mail?: Pick<MailPlan, "hostname" | "host" | "domain">;
    /** The site declares a mail server that planned nothing (its own problem is reported). */
    readonly mailPending?: boolean;
    /** billu:flows as written (from, to, hosts): a flow from the WAN naming the GLPI server is refused. */
    readonly flows?: readonly { readonly from: string; readonly to: string; readonly hosts?: readonly string[] }[];
    /** billu:firewall.published (host): GLPI is never published on the WAN address. */
    readonly published?: readonly { readonly host: string }[];
}

/**
 * Checks `billu:assets` against the hosts, zones, the domain, the directory plan and the mail server, and derives the
 * plan. Returns undefined when the site has no GLPI server and no `billu:assets`, or when a problem was found.
 */
export function planAssets(input: AssetsInput, problems: Problems): AssetsPlan | undefined {
    const { hosts, zones } = input;
    const before = problems.count;
    const servers = hosts.filter((h) => h.role === "assets");
    if (!input.cfg && servers.length === 0) return undefined;
    const cfg = input.cfg ?? assetsSchema.parse({});
    const example = "role: assets, os: debian-12, e.g. PAR-GLPI01";

    let host: HostView | undefined;
    if (cfg.host !== undefined) {
        host = hosts.find((h) => h.name === cfg.host);
        if (!host) {
            problems.add(`${AP}.host`, `${show(cfg.host)} is not a host of billu:hosts`, `add the GLPI server to billu:hosts (${example}) and name it here`);
        } else if (host.role !== "assets") {
            problems.add(`${AP}.host`, `${show(cfg.host)} has role ${host.role}, not assets`, "give GLPI its own host of role assets (e.g. PAR-GLPI01)");
            host = undefined;
        }
    } else if (servers.length === 0) {
        problems.add(
            "billu:hosts",
            "has no host of role assets, but billu:assets is set",
            `add the GLPI server to billu:hosts (${example}), or remove billu:assets`,
        );
    } else if (servers.length > 1) {
        problems.add(
            "billu:hosts",
            `has ${servers.length} hosts of role assets (${servers.map((h) => h.name).join(", ")}) and billu:assets.host names none`,
            "set billu:assets.host to the one that serves, or declare a single host of role assets",
        );
    } else {
        host = servers[0];
    }
    if (host && isWindows(host.os)) {
        problems.add(
            `billu:hosts[${host.index}].os`,
            `${show(host.os)} cannot run GLPI here (Apache, PHP-FPM and MariaDB on Debian)`,
            `use os: debian-12 for ${host.name}`,
        );
        host = undefined;
    }
    // A production stack without the tarball's hash is refused by the program before a real preview or up
    // (stacks/program.ts requirePinnedGlpi); offline synth, which downloads nothing, renders it anyway.
    if (!input.domain) {
        problems.add(
            AP,
            "is set, but the site has no AD domain: GLPI's users are AD users",
            "declare the domain (billu:domain and its DCs), or remove billu:assets",
        );
    }
    if (!input.directory && !input.directoryPending) {
        problems.add(
            AP,
            "is set, but the site has no directory plan: profiles, users and computers come from it",
            "declare billu:directory, or remove billu:assets",
        );
    }
    if (!input.mail && !input.mailPending) {
        problems.add(
            `${AP}.helpdesk`,
            "needs the site's mail server (the helpdesk mailbox and the notifications), and the site has none",
            "declare the mail server (billu:mail and a host of role mail), or remove billu:assets",
        );
    }

    const zoneByName = new Map(zones.map((z) => [z.name, z]));
    const defaultZones = zones.filter((z) => z.kind === "department" || z.kind === "management").map((z) => z.name);
    const seen = new Map<string, number>();
    (cfg.allowedZones ?? []).forEach((name, i) => {
        const p = `${AP}.allowedZones[${i}]`;
        const z = zoneByName.get(name);
        if (!z) {
            problems.add(p, `${show(name)} is not a zone of billu:network.zones`, `name one of ${defaultZones.join(", ")}`);
        } else if (seen.has(name)) {
            problems.add(p, `${show(name)} is already ${AP}.allowedZones[${seen.get(name)}]`, "name each zone once");
        } else if (z.kind === "wan" || z.kind === "dmz") {
            problems.add(
                p,
                `${show(name)} is the ${z.kind === "wan" ? "WAN" : "DMZ"}: GLPI is for staff inside the site`,
                "remove it; staff outside connect through the VPN",
            );
        }
        seen.set(name, i);
    });

    const dir = input.directory;
    const groupDn = new Map((dir?.groups ?? []).map((g) => [g.sam, g.dn]));
    const seenGroups = new Map<string, number>();
    cfg.profiles.forEach((p, i) => {
        const at = `${AP}.profiles[${i}].group`;
        if (dir && !groupDn.has(p.group)) {
            problems.add(
                at,
                `${show(p.group)} is not a group of the directory plan`,
                `use ${ALL_STAFF_GROUP}, a department group (GG_DSI, ...) or a service group of the directory plan`,
            );
        } else if (seenGroups.has(p.group)) {
            problems.add(at, `${show(p.group)} is already ${AP}.profiles[${seenGroups.get(p.group)}].group`, "give each group one profile");
        }
        seenGroups.set(p.group, i);
    });
    const seenCats = new Map<string, number>();
    cfg.categories.forEach((c, i) => {
        const key = c.trim().toLowerCase();
        if (c.trim() !== c || c.includes(">")) {
            problems.add(
                `${AP}.categories[${i}]`,
                `${show(c)} has surrounding spaces or a '>'`,
                "write the category's name alone (GLPI shows sub-categories with '>')",
            );
        } else if (seenCats.has(key)) {
            problems.add(`${AP}.categories[${i}]`, `${show(c)} is already ${AP}.categories[${seenCats.get(key)}]`, "name each category once");
        }
        seenCats.set(key, i);
    });

    // Nothing from the WAN: no flow from it naming the GLPI server, no port forward to it. (A zone-wide flow from the WAN
    // into an internal zone is the policy pack's: disallow-wan-to-lan refuses it for every host of the zone.)
    if (host) {
        const server = host;
        const wanNames = new Set(["kind:wan", ...zones.filter((z) => z.kind === "wan").map((z) => z.name)]);
        (input.flows ?? []).forEach((f, i) => {
            if (wanNames.has(f.from) && (f.to === server.name || f.hosts?.includes(server.name))) {
                problems.add(
                    `billu:flows[${i}]`,
                    `lets the WAN reach ${server.name} (${f.from} -> ${f.to}), the GLPI server`,
                    "remove it: GLPI is for staff inside the site (from outside, through the VPN); narrow a zone-wide flow with hosts",
                );
            }
        });
        (input.published ?? []).forEach((pub, i) => {
            if (pub.host === server.name) {
                problems.add(
                    `billu:firewall.published[${i}].host`,
                    `publishes ${server.name}, the GLPI server, on the WAN address`,
                    "remove it: GLPI is never published",
                );
            }
        });
    }

    if (problems.count > before || !host || !input.domain || !dir || !input.mail) return undefined;
    const server = host;
    const domain = input.domain;
    const fqdn = `${server.name.toLowerCase()}.${domain.fqdn.toLowerCase()}`;
    const url = `https://${fqdn}`;
    const usersOu = dir.ous.find((o) => o.key === "users");
    const allStaffDn = groupDn.get(ALL_STAFF_GROUP);
    if (!usersOu || !allStaffDn) throw new Error(`internal: the directory plan has no ${OU_NAMES.users} OU or no ${ALL_STAFF_GROUP} group`);
    const departments = [...new Set(dir.people.filter((p) => p.enabled).map((p) => p.department))];
    const entityOf = (department: string) => (cfg.entitiesPerDepartment ? `Root entity > ${department}` : "Root entity");
    const personBySam = new Map(dir.people.map((p) => [p.sam, p]));
    const computers: AssetComputer[] = dir.computers
        .filter((c) => c.enabled)
        .map((c) => {
            const department = personBySam.get(c.owner)?.department ?? "";
            return { name: c.name, brand: c.description ?? "", owner: c.owner, department, entity: entityOf(department) };
        });
    const allowedZones = cfg.allowedZones ?? defaultZones;
    const agents = hosts.filter((h) => !isWindows(h.os)).map((h) => h.name);
    const endpoint = (h: HostView) => (h.role === "firewall" ? "router" : h.name);
    const flows: AssetsFlow[] = [
        ...allowedZones.map((z) => ({ from: z, to: server.name, service: "https", why: `staff of ${z} use GLPI (tickets, assets)` })),
        ...hosts
            .filter((h) => agents.includes(h.name) && h.name !== server.name)
            .map((h) => ({ from: endpoint(h), to: server.name, service: "https", why: `${h.name}'s inventory agent sends its inventory` })),
        ...domain.dcs.map((dc) => ({
            from: server.name,
            to: dc.name,
            service: "ldaps",
            why: "staff log in with their AD account; GLPI reads their names and groups",
        })),
        { from: server.name, to: input.mail.host.name, service: "imaps", why: "the mail collector reads the helpdesk mailbox" },
        { from: server.name, to: input.mail.host.name, service: "submission", why: "GLPI's notifications go out through the mail server" },
    ];
    return {
        host: { name: server.name, zone: server.zone, address: server.address },
        fqdn,
        url,
        certificate: { commonName: fqdn, dnsNames: [fqdn], ipAddresses: [server.address] },
        glpi: {
            version: cfg.glpi.version,
            url: cfg.glpi.url ?? glpiTarballUrl(cfg.glpi.version),
            ...(cfg.glpi.sha256 ? { sha256: cfg.glpi.sha256.toLowerCase() } : {}),
        },
        database: { name: "glpi", user: "glpi" },
        ldap: {
            uris: domain.dcs.map((d) => `ldaps://${d.fqdn}`),
            host: domain.dcs[0].fqdn,
            port: 636,
            baseDn: usersOu.dn,
            filter: `(&${ENABLED_PERSON}(memberOf=${allStaffDn}))`,
            loginField: "samaccountname",
            serviceAccount: cfg.serviceAccount,
            bindDn: `${cfg.serviceAccount}@${domain.fqdn}`,
            expectedUsers: dir.people
                .filter((p) => p.enabled && p.groups.includes(ALL_STAFF_GROUP))
                .map((p) => p.sam)
                .sort(),
        },
        profiles: cfg.profiles.map((p) => ({ group: p.group, groupDn: groupDn.get(p.group)!, profile: p.profile })),
        defaultProfile: "Self-Service",
        categories: [...cfg.categories],
        entities: cfg.entitiesPerDepartment ? departments.map((d) => ({ name: d, department: d, groupDn: groupDn.get(departmentGroup(d)) ?? "" })) : [],
        helpdesk: {
            address: `${cfg.helpdesk.mailbox}@${input.mail.domain}`,
            mailHost: input.mail.hostname,
            imapsPort: 993,
            submissionPort: 587,
        },
        inventory: { url: `${url}${GLPI_INVENTORY_PATH}`, hours: cfg.inventoryHours, agents },
        windowsAgent: {
            version: cfg.windowsAgent.version,
            msiUrl: cfg.windowsAgent.msiUrl ?? glpiAgentMsiUrl(cfg.windowsAgent.version),
            ...(cfg.windowsAgent.sha256 ? { sha256: cfg.windowsAgent.sha256.toUpperCase() } : {}),
            server: `${url}${GLPI_INVENTORY_PATH}`,
        },
        computers,
        filesDir: GLPI_FILES_DIR,
        dumpDir: GLPI_DUMP_DIR,
        flows,
    };
}
