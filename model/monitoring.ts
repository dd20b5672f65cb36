/**
 * Monitoring with Zabbix (`billu:monitoring`): the Zabbix server 6.0 LTS with PostgreSQL and its web frontend on the
 * host of role monitoring (`PAR-MON01`, Debian 12), Zabbix agent 2 on every Linux host (the router included) and the
 * Windows agent on every Windows host, each with its own TLS pre-shared key. Pure: the schema (its `.describe()` text
 * and defaults are the configuration reference), the checks (through Problems, naming the key path), and the derived
 * `MonitoringPlan` the agent renderers, the server step, the API configuration step (hosts, host groups, templates,
 * macros, media type, actions) and the docs read.
 *
 * Design:
 * - Every host of the model is a Zabbix host: its host groups come from its role and its zone, its templates from its
 *   OS and role (the thresholds are macros of those templates), its interface from its address (the router: its address in the
 *   monitoring host's zone, where the server reaches it and its agent's connections come from).
 * - What is watched comes from the other plans, never typed twice: the Kea scopes of the DHCP plan, the DCs and the
 *   FSMO roles each holds, both Apache sites, the Postfix queue, the strongSwan tunnel, the file server's md array,
 *   each backup client's last result, the site CA's certificate.
 * - Every agent is reachable only with its PSK (`TLSAccept=psk`, `TLSConnect=psk`): the PSK is a generated secret of
 *   the component side (never in a rendered file); the plan gives only its identity.
 * - Alerts go by mail through the site's mail server to the people of an IT group of the directory plan.
 */
import * as ipaddr from "ipaddr.js";
import { PEER_HOST_PREFIX } from "./endpoints";
import { z } from "zod";
import type { HostModel } from "./core";
import { Problems, show } from "./errors";

/** The catalogue services (model/ports.ts) the flows name. */
export const ZABBIX_AGENT_SERVICE = "zabbix-agent";
export const ZABBIX_TRAPPER_SERVICE = "zabbix-trapper";
/** Their ports (the catalogue's, pinned equal by the model test). */
export const ZABBIX_AGENT_PORT = 10050;
export const ZABBIX_TRAPPER_PORT = 10051;
/** The TLS ports the agents' certificate checks connect to (the catalogue's, pinned equal by the model test). */
export const LDAPS_PORT = 636;
export const IMAPS_PORT = 993;
/** The every-host need that installs the agent (components/monitoring/role.ts renders it). */
export const MONITORING_AGENT_NEED = "monitoring-agent";
/** Where the server step keeps PostgreSQL's data: the monitoring host's data disk is mounted here. */
export const PG_DATA_MOUNT = "/var/lib/postgresql";
/** Where the server step's daily dump of the Zabbix database lands: the data set the in-guest backup saves. */
export const DB_DUMP_DIR = "/var/backups/billu/zabbix";
/** Where the server step installs the site CA's certificate (the frontend's chain; its expiry is watched there). */
export const SITE_CA_CERT = "/etc/billu/monitoring/site-ca.pem";

/** Zabbix's stock templates (Zabbix 6.0 LTS) and ours (mon-api's templates/), by what they watch. */
export const TEMPLATES = {
    linux: "Linux by Zabbix agent active",
    windows: "Windows by Zabbix agent active",
    zabbixServer: "Zabbix server health",
    kea: "BillU Kea DHCP",
    dc: "BillU AD DC",
    mdadm: "BillU mdadm RAID",
    apache: "BillU Apache HTTPS",
    postfix: "BillU Postfix",
    strongswan: "BillU strongSwan tunnel",
    backup: "BillU backup freshness",
    siteCa: "BillU site CA certificates",
    directoryDrift: "BillU directory drift",
    glpi: "BillU GLPI",
    inventoryAgent: "BillU inventory agent",
} as const;
export type TemplateKey = keyof typeof TEMPLATES;

/** Zabbix trigger severities, lowest first (the API's numbers are their indexes). */
export const SEVERITIES = ["not_classified", "information", "warning", "average", "high", "disaster"] as const;
export type Severity = (typeof SEVERITIES)[number];

const hostName = z.string().min(1).max(63);

/** Zabbix agent 2's default release on Windows: the server's own (Debian 12's zabbix-server-pgsql 1:6.0.14). */
export const WINDOWS_AGENT_VERSION = "6.0.14";
/** Zabbix's CDN URL of agent 2's Windows MSI (64-bit, OpenSSL: PSK needs it) for a release. */
export function windowsAgentMsiUrl(version: string): string {
    const series = version.split(".").slice(0, 2).join(".");
    return `https://cdn.zabbix.com/zabbix/binaries/stable/${series}/${version}/zabbix_agent2-${version}-windows-amd64-openssl.msi`;
}
const percent = (what: string, dflt: number) => z.number().int().min(1).max(100).default(dflt).describe(`${what} @default ${dflt}`);

export const monitoringSchema = z
    .object({
        host: hostName
            .optional()
            .describe(
                "The Zabbix server: a host of billu:hosts with role monitoring (host code MON, `PAR-MON01`, Debian 12), with a data disk for " +
                    "PostgreSQL (its second disk). @default the site's only host of role monitoring",
            ),
        remoteServer: z
            .object({
                name: hostName.describe("The partner's Zabbix server's host name (BillU's `PAR-MON01`)."),
                address: z.string().describe("Its IPv4 address, behind the tunnel: inside billu:firewall.vpnPartner.networks."),
            })
            .strict()
            .optional()
            .describe(
                "A site without a Zabbix server of its own (a partner site): its hosts' agents are watched by the VPN partner's server " +
                    "(BillU's PAR-MON01) over the site-to-site tunnel. The site then has no host of role monitoring. @default none",
            ),
        watchVpnPartner: z
            .boolean()
            .default(false)
            .describe(
                "This site's Zabbix server also watches the hosts of its VPN partner (billu:vpn.peerStack), which sets billu:monitoring.remoteServer " +
                    "to it: their names, addresses, roles and PSKs come from the partner stack's secret output monitoringPartner, read through the " +
                    "VPN's StackReference. @default false",
            ),
        server: z
            .object({
                cacheSizeMiB: z.number().int().min(8).max(8192).default(64).describe("Zabbix server's configuration cache (CacheSize), MiB. @default 64"),
                startPollers: z.number().int().min(1).max(1000).default(5).describe("Passive-check pollers (StartPollers). @default 5"),
                timeoutSeconds: z
                    .number()
                    .int()
                    .min(1)
                    .max(30)
                    .default(4)
                    .describe("How long the server waits for an agent, SNMP device or check (Timeout), seconds. @default 4"),
                historyDays: z
                    .number()
                    .int()
                    .min(1)
                    .max(3650)
                    .default(30)
                    .describe("Days the housekeeper keeps every value (history) before only the hourly trends remain. @default 30"),
                trendDays: z.number().int().min(1).max(3650).default(365).describe("Days the housekeeper keeps the hourly trends. @default 365"),
            })
            .strict()
            .default({})
            .describe("Zabbix server settings. @default a 64 MiB cache, 5 pollers, 4 s timeout, 30 days of history, a year of trends"),
        thresholds: z
            .object({
                cpuPercent: percent("CPU utilisation above which a host raises a problem (5 minutes average).", 90),
                memoryPercent: percent("Memory utilisation above which a host raises a problem.", 90),
                diskFreePercent: percent("Free space of a filesystem below which a host raises a problem.", 10),
                dhcpPoolPercent: percent("Leases in use in a Kea scope's pool above which the scope raises a problem.", 80),
                mailQueue: z
                    .number()
                    .int()
                    .min(1)
                    .max(100000)
                    .default(100)
                    .describe("Messages in the Postfix queue above which the mail server raises a problem. @default 100"),
                certificateDays: z
                    .number()
                    .int()
                    .min(1)
                    .max(365)
                    .default(30)
                    .describe("Days before a certificate expires (web sites, LDAPS, IMAPS, the site CA) at which a warning is raised. @default 30"),
                certificateCritDays: z
                    .number()
                    .int()
                    .min(1)
                    .max(364)
                    .default(7)
                    .describe("Days before a certificate expires at which a high problem is raised; fewer than certificateDays. @default 7"),
                backupMaxAgeHours: z
                    .number()
                    .int()
                    .min(1)
                    .max(24 * 31)
                    .default(26)
                    .describe(
                        "Hours since a backup client's last successful backup after which a problem is raised (a day and two hours of slack). @default 26",
                    ),
                agentUnavailableMinutes: z
                    .number()
                    .int()
                    .min(1)
                    .max(1440)
                    .default(5)
                    .describe("Minutes an agent may stay unreachable before a problem is raised. @default 5"),
                ftpFailedLogins: z
                    .number()
                    .int()
                    .min(1)
                    .max(1000)
                    .default(5)
                    .describe("Failed FTP logins (vsftpd's FAIL LOGIN lines) within 10 minutes at which a warning is raised (FTP server). @default 5"),
            })
            .strict()
            .default({})
            .describe("Trigger thresholds, the templates' macros on every host. @default the values below"),
        windowsAgent: z
            .object({
                version: z
                    .string()
                    .regex(/^6\.0\.\d{1,3}$/, "must be a 6.0 release such as 6.0.14 (the server runs 6.0, which supports no newer agent)")
                    .default(WINDOWS_AGENT_VERSION)
                    .describe(`Zabbix agent 2's release on Windows hosts (6.0 LTS, as the server). @default ${WINDOWS_AGENT_VERSION}, the server's own`),
                msiUrl: z
                    .string()
                    .max(2048)
                    .regex(/^https:\/\/[^\s]+\.msi$/, "must be an https URL of an .msi file")
                    .optional()
                    .describe(
                        "Where Windows hosts download the agent's MSI (an internal mirror, or Zabbix's CDN). @default " + windowsAgentMsiUrl("<version>"),
                    ),
                sha256: z
                    .string()
                    .regex(/^[0-9A-Fa-f]{64}$/, "must be 64 hexadecimal digits")
                    .optional()
                    .describe(
                        "The MSI's SHA-256: the Windows base step installs no MSI whose hash differs, and none at all while it is unset. " +
                            "Required in prod when it has Windows hosts (a real preview or up stops without it). " +
                            "@default none: outside prod, the step installs no agent until it is set",
                    ),
            })
            .strict()
            .default({})
            .describe(`Zabbix agent 2 on Windows hosts, installed by their base step from its MSI. @default ${WINDOWS_AGENT_VERSION} from Zabbix's CDN`),
        alerts: z
            .object({
                group: z
                    .string()
                    .min(1)
                    .max(64)
                    .optional()
                    .describe("The directory group (billu:directory) whose people receive the alert mails. @default GG_DSI, the IT department's group"),
                minSeverity: z
                    .enum(SEVERITIES)
                    .default("warning")
                    .describe("The lowest trigger severity that sends a mail (lower ones only show on the dashboards). @default warning"),
                from: z
                    .string()
                    .min(3)
                    .max(254)
                    .regex(/^[^@\s]+@[^@\s]+$/, "must be a mail address such as zabbix@billu.remindme.lan")
                    .optional()
                    .describe("The alert mails' sender. @default zabbix@<the mail domain>"),
            })
            .strict()
            .default({})
            .describe("Alert mails through the site's mail server (billu:mail) to an IT group. @default GG_DSI, warning and above"),
    })
    .strict()
    .describe("Monitoring: the Zabbix server with PostgreSQL and its frontend on the host of role monitoring, an agent on every host");

export type MonitoringConfig = z.output<typeof monitoringSchema>;

/** The default alert group: the IT department's directory group (BillU's DSI). */
export const DEFAULT_ALERT_GROUP = "GG_DSI";

/** What the monitoring planner reads of a host (model/core.ts). */
export type MonitoringHost = Pick<HostModel, "name" | "role" | "os" | "zone" | "address" | "index" | "disks">;

/** One thing watched on a host beyond its OS template, from the plan of the service that owns it. */
export type Watch =
    | {
          readonly kind: "kea-scope";
          readonly zone: string;
          readonly subnet: string;
          readonly subnetId: number;
          readonly poolSize: number;
      }
    | { readonly kind: "kea-ha"; readonly role: "primary" | "standby"; readonly url: string }
    | { readonly kind: "dc"; readonly flavor: "samba" | "windows"; readonly fsmoRoles: readonly string[]; readonly partners: readonly string[] }
    | { readonly kind: "web-site"; readonly role: "public" | "intranet"; readonly name: string; readonly port: number }
    | { readonly kind: "postfix-queue" }
    | { readonly kind: "mdadm"; readonly array: string; readonly device: string; readonly members: number }
    | { readonly kind: "vpn-tunnel"; readonly tunnel: string; readonly peer: string; readonly networks: readonly string[] }
    /** A backup client's last result, as the backup server's report writes it: `<resultDir>/<repository>.json` (scripts/backup/report.sh). */
    | { readonly kind: "backup-freshness"; readonly client: string; readonly resultFile: string }
    | { readonly kind: "certificate-file"; readonly what: string; readonly path: string }
    /** A TLS service of the host whose certificate its own agent fetches over loopback (web.certificate.get): the name it must carry. */
    | { readonly kind: "tls-endpoint"; readonly what: string; readonly name: string; readonly port: number }
    | { readonly kind: "zabbix-server" }
    /** The first DC's scheduled directory check (billu:directory.drift): its verdict file, the grace and the staleness bound, seconds. */
    | { readonly kind: "directory-drift"; readonly resultPath: string; readonly graceSeconds: number; readonly maxAgeSeconds: number }
    /** GLPI (billu:assets): its front over HTTPS (its login page), its MariaDB, PHP-FPM and the daily dump's age, hours. */
    | { readonly kind: "glpi"; readonly url: string; readonly dumpFile: string; readonly dumpMaxAgeHours: number }
    /** A host's inventory agent (billu:assets): the file its last successful run touched, and how old it may get, hours. */
    | { readonly kind: "inventory-freshness"; readonly stampFile: string; readonly maxAgeHours: number };

/** One Zabbix host: a host of the model, what the API configuration step creates for it. */
export interface MonitoredHost {
    /** The model's host name: the Zabbix host name and the agent's `Hostname`. */
    readonly name: string;
    readonly role: string;
    readonly zone: string;
    readonly os: "linux" | "windows";
    /** The agent interface: where the server reaches the agent (passive checks) and where its connections come from. */
    readonly address: string;
    readonly port: number;
    /** `zabbix-agent2` (Debian) or the Windows agent (`zabbix-agent-windows`, agent 2 MSI). */
    readonly agent: "zabbix-agent2" | "zabbix-agent2-windows";
    /** The PSK identity (`PSK PAR-DC01`): not a secret; the key is (the component side generates it). */
    readonly pskIdentity: string;
    /** Host groups: `BillU/role/<role>`, `BillU/zone/<zone>`, `BillU/os/<linux|windows>`. */
    readonly groups: readonly string[];
    /** Template names (TEMPLATES' values), OS first. */
    readonly templates: readonly string[];
    /** What is watched on it beyond its OS. */
    readonly watches: readonly Watch[];
}

export interface MonitoringRequiredFlow {
    readonly from: string;
    readonly to: string;
    readonly service: string;
    readonly why: string;
}

export interface MonitoringPlan {
    /** Not a remote plan (RemoteMonitoringPlan): this site runs the server. */
    readonly remote?: undefined;
    /** The Zabbix server (`PAR-MON01`), its zone and address. */
    readonly host: { readonly name: string; readonly zone: string; readonly address: string };
    /** Its name in the AD domain (else the site's domain): the frontend's certificate name and URL. */
    readonly fqdn: string;
    /** The frontend's HTTPS certificate (site CA). */
    readonly certificate: { readonly commonName: string; readonly dnsNames: readonly string[]; readonly ipAddresses: readonly string[] };
    /** `https://<fqdn>/` (the frontend at the site's root; its JSON-RPC API at `<url>api_jsonrpc.php`). */
    readonly frontendUrl: string;
    readonly server: MonitoringConfig["server"] & { readonly listenPort: number };
    /** PostgreSQL: the database, its owner, its data disk (the host's second disk) and the dump the backup saves. */
    readonly database: {
        readonly name: string;
        readonly user: string;
        readonly dataDisk: { readonly index: number; readonly sizeGiB: number; readonly mountPoint: string };
        readonly dumpDir: string;
    };
    readonly thresholds: MonitoringConfig["thresholds"];
    /** Every host of the model with an agent, in billu:hosts order (the server itself included). */
    readonly hosts: readonly MonitoredHost[];
    /**
     * The Windows hosts' agent: its release, the MSI's URL and SHA-256 (absent: not pinned, the Windows base step installs
     * no agent and says so in its log). Absent on a site without a Windows host.
     */
    readonly windowsAgent?: { readonly version: string; readonly msiUrl: string; readonly sha256?: string };
    /** Every host group the hosts name, sorted. */
    readonly hostGroups: readonly string[];
    /** Templates any host uses, sorted. */
    readonly templates: readonly string[];
    /**
     * Alert mails: the media type (SMTP through the site's mail server), the group and its people's addresses.
     * Absent on a site without a mail server or a directory: then no mail is sent, and the docs say so.
     */
    readonly alerting?: {
        readonly mediaType: { readonly name: string; readonly smtpServer: string; readonly smtpPort: number; readonly smtpHelo: string; readonly from: string };
        readonly group: string;
        /** The group's enabled people's mail addresses, sorted. */
        readonly recipients: readonly string[];
        readonly minSeverity: Severity;
    };
    /** Flows monitoring needs in billu:flows: the server to every agent, every agent to the server, alert mails. */
    readonly flows: readonly MonitoringRequiredFlow[];
    /**
     * The VPN partner's hosts this server watches (billu:monitoring.watchVpnPartner): the partner's stack and, once its
     * secret output monitoringPartner is read (stacks/vpn.ts withMonitoringPartner), its company and hosts. Absent: the
     * server watches this site's hosts only.
     */
    readonly partner?: {
        readonly peerStack: string;
        /** The partner's networks the tunnel carries (billu:firewall.vpnPartner.networks): every partner host is in one. */
        readonly networks: readonly string[];
        readonly company?: string;
        readonly hosts: readonly PartnerHost[];
    };
}

/** A VPN partner's host as its stack exports it (monitoringPartnerExport) and this site's Zabbix server registers it. */
export type PartnerHost = Pick<MonitoredHost, "name" | "address" | "role" | "zone" | "os" | "port" | "pskIdentity">;

/** The partner stack's secret output with its monitored hosts and their PSKs (stacks/vpn.ts reads it). */
export const MONITORING_PARTNER_OUTPUT = "monitoringPartner";

/** What a site watched by its partner's server exports (the PSKs are added by the program: secret outputs). */
export interface MonitoringPartnerExport {
    readonly company: string;
    readonly server: { readonly name: string; readonly address: string };
    readonly hosts: readonly PartnerHost[];
}

export function monitoringPartnerExport(plan: RemoteMonitoringPlan, company: string): MonitoringPartnerExport {
    return {
        company,
        server: { name: plan.host.name, address: plan.host.address },
        hosts: plan.hosts.map((h) => ({ name: h.name, address: h.address, role: h.role, zone: h.zone, os: h.os, port: h.port, pskIdentity: h.pskIdentity })),
    };
}

const partnerExportSchema = z.object({
    company: z.string().min(1).max(64),
    server: z.object({ name: z.string(), address: z.string() }),
    hosts: z
        .array(
            z.object({
                name: hostName,
                address: z.string().refine((a) => ipaddr.IPv4.isValidFourPartDecimal(a), "is not an IPv4 address"),
                role: z.string().min(1),
                zone: z.string().min(1),
                os: z.enum(["linux", "windows"]),
                port: z.number().int().min(1).max(65535),
                pskIdentity: z.string().min(1).max(128),
            }),
        )
        .min(1),
    psks: z.record(z.string(), z.string().regex(/^[0-9a-f]{32,512}$/i, "is not a hexadecimal PSK")),
});

/**
 * Checks the partner's monitoringPartner output against this site's plan: it names this server (name and address), its
 * hosts are not this site's, and every host has a PSK. Returns the hosts and their PSKs (by host name); InputError
 * (every problem) otherwise.
 */
export function pairMonitoringPartner(plan: MonitoringPlan, exported: unknown): { hosts: PartnerHost[]; company: string; psks: Record<string, string> } {
    const problems = new Problems();
    const peer = plan.partner?.peerStack ?? "the VPN peer";
    const source = `stack ${peer} output ${MONITORING_PARTNER_OUTPUT}`;
    if (exported === undefined) {
        problems.add(
            "billu:monitoring.watchVpnPartner",
            `is true, but stack ${peer} exports no ${MONITORING_PARTNER_OUTPUT} output`,
            `set billu:monitoring.remoteServer in ${peer} to this site's Zabbix server (name: ${plan.host.name}, address: ${plan.host.address}) and deploy it, or remove billu:monitoring.watchVpnPartner`,
        );
        problems.throwIfAny("invalid monitoring partner");
    }
    const parsed = partnerExportSchema.safeParse(exported);
    if (!parsed.success) {
        for (const i of parsed.error.issues) {
            problems.add(`${source}.${i.path.join(".")}`, i.message, `deploy ${peer} with this program's version, which exports it whole`);
        }
        problems.throwIfAny("invalid monitoring partner");
    }
    const e = parsed.data!;
    if (e.server.name !== plan.host.name || e.server.address !== plan.host.address) {
        problems.add(
            `${source}.server`,
            `names ${show(e.server.name)} at ${show(e.server.address)}, but this site's Zabbix server is ${plan.host.name} at ${plan.host.address}`,
            `set billu:monitoring.remoteServer in ${peer} to { name: ${plan.host.name}, address: ${plan.host.address} }`,
        );
    }
    const local = new Set(plan.hosts.map((h) => h.name));
    e.hosts.forEach((h, i) => {
        if (local.has(h.name)) {
            problems.add(
                `${source}.hosts[${i}].name`,
                `${show(h.name)} is also a host of this site`,
                `rename the host in one of the two stacks: a Zabbix host name is unique`,
            );
        }
        const nets = plan.partner?.networks ?? [];
        if (ipaddr.IPv4.isValidFourPartDecimal(h.address) && !nets.some((n) => ipaddr.IPv4.parse(h.address).match(ipaddr.IPv4.parseCIDR(n)))) {
            problems.add(
                `${source}.hosts[${i}].address`,
                `${show(h.address)} (${h.name}) is not in the VPN partner's networks (${nets.join(", ") || "none"}): the server would poll it outside the tunnel`,
                "give the host an address in a network the tunnel carries (billu:firewall.vpnPartner.networks here, the peer's zones there)",
            );
        }
        if (e.psks[h.name] === undefined) {
            problems.add(`${source}.psks`, `has no PSK for ${show(h.name)}`, `deploy ${peer} with this program's version, which exports every host's PSK`);
        }
    });
    problems.throwIfAny("invalid monitoring partner");
    return { hosts: e.hosts, company: e.company, psks: e.psks };
}

/**
 * A site whose hosts the VPN partner's Zabbix server watches over the tunnel (`billu:monitoring.remoteServer`): every
 * host runs an agent whose server is the partner's, and the flows go to and from `vpn-partner`. No server, database or
 * frontend here; the partner's stack registers the hosts with its server.
 */
export interface RemoteMonitoringPlan {
    readonly remote: true;
    /** The partner's Zabbix server: its name and its address behind the tunnel (zone `vpn-partner`). */
    readonly host: { readonly name: string; readonly zone: "vpn-partner"; readonly address: string };
    /** The agents' timeout (`billu:monitoring.server.timeoutSeconds`) and the trapper port of the partner's server. */
    readonly server: { readonly timeoutSeconds: number; readonly listenPort: number };
    readonly thresholds: MonitoringConfig["thresholds"];
    /** Every host of the model with an agent, in billu:hosts order. */
    readonly hosts: readonly MonitoredHost[];
    readonly windowsAgent?: MonitoringPlan["windowsAgent"];
    readonly hostGroups: readonly string[];
    readonly templates: readonly string[];
    /** The partner's server to every agent, every agent to it: `vpn-partner` endpoints. */
    readonly flows: readonly MonitoringRequiredFlow[];
}

/** What the plans of the other services give the monitoring planner (each absent when that service plans nothing). */
export interface MonitoringInput {
    readonly site: { readonly domain: string };
    /** `billu:monitoring` as parsed; absent: every default when the site has a host of role monitoring. */
    readonly cfg: MonitoringConfig | undefined;
    readonly hosts: readonly MonitoringHost[];
    readonly zones: readonly { readonly name: string; readonly kind: string; readonly routerAddress?: string }[];
    readonly domain?: {
        readonly fqdn: string;
        readonly flavor: "samba" | "windows";
        readonly dcs: readonly { readonly name: string; readonly first?: boolean }[];
        readonly fsmo: Readonly<Record<string, string>>;
    };
    readonly directory?: {
        readonly groups: readonly { readonly sam: string; readonly kind: string }[];
        readonly people: readonly { readonly mail: string; readonly groups: readonly string[]; readonly enabled: boolean }[];
        /** The scheduled drift check (model/directory-drift.ts DriftPlan): where its verdict is, how long drift is tolerated. */
        readonly drift?: { readonly resultPath: string; readonly graceSeconds: number; readonly maxAgeSeconds: number };
    };
    readonly mail?: { readonly domain: string; readonly host: { readonly name: string; readonly address: string }; readonly hostname: string };
    readonly dhcp?: {
        readonly servers: readonly { readonly name: string; readonly haRole?: "primary" | "standby"; readonly haUrl?: string }[];
        readonly scopes: readonly { readonly zone: string; readonly subnet: { readonly text: string }; readonly subnetId: number; readonly poolSize: number }[];
    };
    readonly web?: {
        readonly host: string;
        readonly ports: { readonly https: number };
        readonly public: { readonly name: string };
        readonly intranet: { readonly name: string };
    };
    readonly vpn?: { readonly tunnel: string; readonly peerStack: string; readonly gateway: { readonly host: string }; readonly networks: readonly string[] };
    readonly fileservers?: readonly { readonly host: string; readonly flavor: string; readonly array: { readonly name: string } }[];
    readonly backup?: {
        readonly host: { readonly name: string };
        readonly resultDir: string;
        readonly clients: readonly { readonly name: string; readonly repository: string }[];
    };
    /** The VPN partner's networks, as the router knows them (billu:firewall.vpnPartner.networks); absent: no partner. */
    readonly partnerNetworks?: readonly string[];
    /** The partner's single hosts the router's matrix may name (billu:firewall.vpnPartner.hosts). */
    readonly partnerHosts?: readonly { readonly name: string; readonly address: string }[];
    /**
     * billu:firewall.vpnPartner is written but the firewall's plan failed (its own problems are reported): the partner's
     * networks are unknown, so the remote server's address is not checked against them (no second, misleading problem).
     */
    readonly partnerNetworksInvalid?: boolean;
    /** billu:vpn is written but its plan failed (its own problems are reported): watchVpnPartner is not reported again. */
    readonly vpnInvalid?: boolean;
    /** GLPI (model/assets.ts AssetsPlan): its host, URL, daily dump, and the hosts whose inventory agent it schedules. */
    readonly assets?: {
        readonly host: { readonly name: string };
        readonly url: string;
        readonly dumpFile: string;
        readonly inventory: { readonly hours: number; readonly agents: readonly string[]; readonly stampFile: string };
    };
}

const isWindows = (os: string) => os.startsWith("windows");

/**
 * Checks `billu:monitoring` against the hosts and the other plans and derives the plan. Returns undefined when the
 * site has no monitoring host and no `billu:monitoring`, or when a problem was found (the caller throws them all).
 */
export function planMonitoring(input: MonitoringInput, problems: Problems): MonitoringPlan | undefined {
    const { hosts } = input;
    const before = problems.count;
    const servers = hosts.filter((h) => h.role === "monitoring");
    if (!input.cfg && servers.length === 0) return undefined;
    const cfg = input.cfg ?? monitoringSchema.parse({});
    const th = cfg.thresholds;
    if (th.certificateCritDays >= th.certificateDays) {
        problems.add(
            "billu:monitoring.thresholds.certificateCritDays",
            `is ${th.certificateCritDays}, not fewer than certificateDays (${th.certificateDays}): the high problem would come before the warning`,
            `set it below ${th.certificateDays}, or raise billu:monitoring.thresholds.certificateDays above it`,
        );
    }

    let host: MonitoringHost | undefined;
    if (cfg.host !== undefined) {
        host = hosts.find((h) => h.name === cfg.host);
        if (!host) {
            problems.add(
                "billu:monitoring.host",
                `${show(cfg.host)} is not a host of billu:hosts`,
                servers.length > 0
                    ? `name a host of role monitoring (${servers.map((h) => h.name).join(", ")})`
                    : "add the Zabbix server to billu:hosts (role: monitoring, os: debian-12, e.g. PAR-MON01) and name it here",
            );
        } else if (host.role !== "monitoring") {
            problems.add(
                "billu:monitoring.host",
                `${show(cfg.host)} has role ${host.role}, not monitoring`,
                `give the Zabbix server its own host of role monitoring (e.g. ${host.name.split("-")[0]}-MON01), or name one here`,
            );
            host = undefined;
        }
    } else if (servers.length === 0) {
        problems.add(
            "billu:hosts",
            "has no host of role monitoring, but billu:monitoring is set",
            "add the Zabbix server to billu:hosts (role: monitoring, os: debian-12, e.g. PAR-MON01), or remove billu:monitoring",
        );
    } else if (servers.length > 1) {
        problems.add(
            "billu:hosts",
            `has ${servers.length} hosts of role monitoring (${servers.map((h) => h.name).join(", ")}) and billu:monitoring.host names none`,
            "set billu:monitoring.host to the Zabbix server, or declare a single host of role monitoring",
        );
    } else {
        host = servers[0];
    }
    if (host) {
        const h = host;
        const hp = (k: string) => `billu:hosts[${h.index}].${k}`;
        if (isWindows(h.os)) {
            problems.add(hp("os"), `${show(h.os)} cannot run Debian's Zabbix server packages`, `use os: debian-12 for the Zabbix server ${h.name}`);
        }
        const kind = input.zones.find((z) => z.name === h.zone)?.kind;
        if (kind !== undefined && kind !== "servers" && kind !== "management") {
            problems.add(
                hp("zone"),
                `${show(h.zone)} is a ${kind} zone, but ${h.name} is the Zabbix server (it reaches every host's agent)`,
                `put the Zabbix server in a servers or management zone (${input.zones
                    .filter((z) => z.kind === "servers" || z.kind === "management")
                    .map((z) => z.name)
                    .join(", ")})`,
            );
        }
        if (h.disks.length < 2) {
            problems.add(
                hp("disks"),
                `has ${h.disks.length === 1 ? "only the OS disk" : "no disk"}, but the Zabbix server keeps its PostgreSQL database on a data disk`,
                `add a second disk to ${h.name} (e.g. { datastore: local-lvm, sizeGiB: 32 }): it is mounted at ${PG_DATA_MOUNT}`,
            );
        }
    }

    // The alert group: a group of the directory plan with at least one enabled person with a mail address.
    const groupWritten = cfg.alerts.group;
    const group = groupWritten ?? DEFAULT_ALERT_GROUP;
    let recipients: string[] = [];
    if (input.directory) {
        const known = input.directory.groups.map((g) => g.sam);
        if (!known.includes(group)) {
            problems.add(
                "billu:monitoring.alerts.group",
                `${show(group)}${groupWritten === undefined ? " (the default)" : ""} is not a group of the directory plan`,
                `name a group of billu:directory (e.g. ${
                    known
                        .filter((g) => g !== "GG_Personnel")
                        .slice(0, 3)
                        .join(", ") || "a department's GG_ group"
                })`,
            );
        } else {
            recipients = [...new Set(input.directory.people.filter((p) => p.enabled && p.mail && p.groups.includes(group)).map((p) => p.mail))].sort();
            if (recipients.length === 0) {
                problems.add(
                    "billu:monitoring.alerts.group",
                    `${show(group)} has no enabled person with a mail address: the alert mails would reach nobody`,
                    "name a group with people in it (the IT department's), or add people to it in the HR export",
                );
            }
        }
    }
    if (cfg.watchVpnPartner && !input.vpn && !input.vpnInvalid) {
        problems.add(
            "billu:monitoring.watchVpnPartner",
            "is true, but this site has no site-to-site tunnel (billu:vpn with its peerStack): there is no partner stack to read the hosts from",
            "declare the tunnel (billu:vpn.peerStack names the partner's stack), or remove billu:monitoring.watchVpnPartner",
        );
    }
    // A site without a directory plan or a mail server (a partner site, or the peer view of a stack read without its
    // HR export) plans no alert mails: `alerting` is absent and the docs say so.
    if (problems.count > before || !host) return undefined;

    const server = host;
    const dnsDomain = (input.domain?.fqdn ?? input.site.domain).toLowerCase();
    const fqdn = `${server.name.toLowerCase()}.${dnsDomain}`;
    const routerAddress = input.zones.find((z) => z.name === server.zone)?.routerAddress;
    // Every host runs an agent: Debian's zabbix-agent2, or on Windows agent 2's MSI, installed by the host's base step.
    const monitored = hosts.map((h) => monitoredHost(h, { input, server, routerAddress, thresholds: cfg.thresholds }));
    const wa = cfg.windowsAgent;
    const windowsAgent = hosts.some((h) => isWindows(h.os))
        ? { version: wa.version, msiUrl: wa.msiUrl ?? windowsAgentMsiUrl(wa.version), ...(wa.sha256 ? { sha256: wa.sha256.toUpperCase() } : {}) }
        : undefined;
    const alerting =
        input.mail && input.directory
            ? {
                  mediaType: {
                      name: "BillU mail",
                      smtpServer: input.mail.hostname,
                      smtpPort: 25,
                      smtpHelo: fqdn,
                      from: cfg.alerts.from ?? `zabbix@${input.mail.domain}`,
                  },
                  group,
                  recipients,
                  minSeverity: cfg.alerts.minSeverity,
              }
            : undefined;
    const dataDisk = server.disks[1];
    return {
        host: { name: server.name, zone: server.zone, address: server.address },
        fqdn,
        certificate: { commonName: fqdn, dnsNames: [fqdn], ipAddresses: [server.address] },
        frontendUrl: `https://${fqdn}/`,
        server: { ...cfg.server, listenPort: ZABBIX_TRAPPER_PORT },
        database: {
            name: "zabbix",
            user: "zabbix",
            dataDisk: { index: 1, sizeGiB: dataDisk.sizeGiB, mountPoint: PG_DATA_MOUNT },
            dumpDir: DB_DUMP_DIR,
        },
        thresholds: cfg.thresholds,
        hosts: monitored,
        windowsAgent,
        hostGroups: [...new Set(monitored.flatMap((m) => m.groups))].sort(),
        templates: [...new Set(monitored.flatMap((m) => m.templates))].sort(),
        alerting,
        flows: [
            ...requiredMonitoringFlows(server, monitored, hosts, input.mail?.host.name),
            ...(cfg.watchVpnPartner && input.vpn ? partnerFlows(server.name, input.vpn.peerStack) : []),
        ],
        ...(cfg.watchVpnPartner && input.vpn ? { partner: { peerStack: input.vpn.peerStack, networks: input.partnerNetworks ?? [], hosts: [] } } : {}),
    };
}

/**
 * The plan of a site watched by its VPN partner's Zabbix server (`billu:monitoring.remoteServer`), after its checks: the
 * site runs no server of its own, it has a VPN partner, and the server's address is behind the tunnel. Undefined when
 * a problem was found (all are reported).
 */
export function planRemoteMonitoring(input: MonitoringInput, problems: Problems): RemoteMonitoringPlan | undefined {
    const before = problems.count;
    const cfg = input.cfg;
    const remote = cfg?.remoteServer;
    if (!cfg || !remote) throw new Error("internal: planRemoteMonitoring without billu:monitoring.remoteServer");
    const key = "billu:monitoring.remoteServer";
    const locals = input.hosts.filter((h) => h.role === "monitoring");
    if (locals.length > 0 || cfg.host !== undefined) {
        const own = locals.length > 0 ? `${locals.map((h) => h.name).join(", ")} (role monitoring) runs` : `billu:monitoring.host names ${show(cfg.host)} as`;
        problems.add(
            key,
            `is set, but ${own} this site's own Zabbix server`,
            "remove billu:monitoring.remoteServer (the site's own server watches its hosts), or remove the site's server (its host of role monitoring and billu:monitoring.host)",
        );
    }
    if (cfg.watchVpnPartner) {
        problems.add(
            "billu:monitoring.watchVpnPartner",
            "is true, but this site has no Zabbix server of its own (billu:monitoring.remoteServer is set): it cannot watch its partner's hosts",
            "set billu:monitoring.watchVpnPartner on the stack that runs the server (the partner's), and remove it here",
        );
    }
    const nets = input.partnerNetworks ?? [];
    if (!ipaddr.IPv4.isValidFourPartDecimal(remote.address)) {
        problems.add(
            `${key}.address`,
            `${show(remote.address)} is not an IPv4 address`,
            `give the address of ${remote.name} behind the tunnel (e.g. 10.10.0.40)`,
        );
    } else if (nets.length === 0 && input.partnerNetworksInvalid) {
        // The firewall's own problem names what is wrong with the partner's networks.
    } else if (nets.length === 0) {
        problems.add(
            key,
            `names ${remote.name} at ${remote.address}, but this site has no VPN partner networks (billu:firewall.vpnPartner): its agents cannot reach a server of another site`,
            "declare the site-to-site tunnel (billu:vpn) and the partner's networks (billu:firewall.vpnPartner.networks), or give the site its own Zabbix server (a host of role monitoring)",
        );
    } else if (!nets.some((n) => ipaddr.IPv4.parse(remote.address).match(ipaddr.IPv4.parseCIDR(n)))) {
        problems.add(
            `${key}.address`,
            `${show(remote.address)} is not in the VPN partner's networks (${nets.join(", ")})`,
            `give ${remote.name}'s address behind the tunnel (one of billu:firewall.vpnPartner.networks), or add its network there and to the partner's end of the tunnel`,
        );
    }
    // The flows name the server alone (`vpn-partner:<name>`): the router must know it at the same address.
    const declared = input.partnerHosts?.find((h) => h.name === remote.name);
    if (nets.length === 0 || problems.count > before) {
        // Its address is already refused (or there is no partner): one problem is enough.
    } else if (!declared) {
        problems.add(
            key,
            `names ${remote.name}, which billu:firewall.vpnPartner.hosts does not declare: the router cannot narrow the monitoring flows to it`,
            `add { name: ${remote.name}, address: ${remote.address} } to billu:firewall.vpnPartner.hosts`,
        );
    } else if (declared && declared.address !== remote.address) {
        problems.add(
            `${key}.address`,
            `is ${remote.address}, but billu:firewall.vpnPartner.hosts declares ${remote.name} at ${declared.address}`,
            "write the same address in both keys (the peer stack's, output vpnPeer.hosts)",
        );
    }
    if (problems.count > before) return undefined;
    const server = { name: remote.name };
    const monitored = input.hosts.map((h) => monitoredHost(h, { input, server, thresholds: cfg.thresholds }));
    const wa = cfg.windowsAgent;
    const windowsAgent = input.hosts.some((h) => isWindows(h.os))
        ? { version: wa.version, msiUrl: wa.msiUrl ?? windowsAgentMsiUrl(wa.version), ...(wa.sha256 ? { sha256: wa.sha256.toUpperCase() } : {}) }
        : undefined;
    return {
        remote: true,
        host: { name: remote.name, zone: "vpn-partner", address: remote.address },
        server: { timeoutSeconds: cfg.server.timeoutSeconds, listenPort: ZABBIX_TRAPPER_PORT },
        thresholds: cfg.thresholds,
        hosts: monitored,
        ...(windowsAgent ? { windowsAgent } : {}),
        hostGroups: [...new Set(monitored.flatMap((m) => m.groups))].sort(),
        templates: [...new Set(monitored.flatMap((m) => m.templates))].sort(),
        // The partner's server is `vpn-partner:<name>` in this site's matrix: it alone polls every agent, every agent sends to it.
        flows: requiredMonitoringFlows({ name: `${PEER_HOST_PREFIX}${remote.name}` }, monitored, input.hosts),
    };
}

/** The server polls the partner's agents and they send it their active checks, both through the tunnel. */
function partnerFlows(server: string, peerStack: string): MonitoringRequiredFlow[] {
    return [
        { from: server, to: "vpn-partner", service: ZABBIX_AGENT_SERVICE, why: `the server polls the agents of the VPN partner's hosts (stack ${peerStack})` },
        {
            from: "vpn-partner",
            to: server,
            service: ZABBIX_TRAPPER_SERVICE,
            why: `the VPN partner's agents (stack ${peerStack}) send their active checks to the server`,
        },
    ];
}

/** One host of the model as a Zabbix host: groups, templates and watches from its role and the other plans. */
function monitoredHost(
    h: MonitoringHost,
    ctx: {
        input: MonitoringInput;
        server: { readonly name: string };
        routerAddress?: string;
        thresholds: MonitoringConfig["thresholds"];
    },
): MonitoredHost {
    const { input, server } = ctx;
    const windows = isWindows(h.os);
    const watches: Watch[] = [];
    const own: TemplateKey[] = [];
    const add = (t: TemplateKey, ...w: Watch[]) => {
        if (w.length === 0) return;
        if (!own.includes(t)) own.push(t);
        watches.push(...w);
    };
    if (h.name === server.name) {
        add("zabbixServer", { kind: "zabbix-server" });
        // The site CA's certificate: one host watches it (the server, which has it like every Debian host).
        add("siteCa", { kind: "certificate-file", what: "the site CA", path: SITE_CA_CERT });
    }
    const dhcpServer = input.dhcp?.servers.find((s) => s.name === h.name);
    if (dhcpServer) {
        add(
            "kea",
            ...input.dhcp!.scopes.map((s): Watch => ({ kind: "kea-scope", zone: s.zone, subnet: s.subnet.text, subnetId: s.subnetId, poolSize: s.poolSize })),
        );
        if (dhcpServer.haRole && dhcpServer.haUrl) add("kea", { kind: "kea-ha", role: dhcpServer.haRole, url: dhcpServer.haUrl });
    }
    if (input.domain?.dcs.some((d) => d.name === h.name)) {
        add("dc", {
            kind: "dc",
            flavor: input.domain.flavor,
            fsmoRoles: Object.entries(input.domain.fsmo)
                .filter(([, holder]) => holder === h.name)
                .map(([role]) => role)
                .sort(),
            partners: input.domain.dcs.map((d) => d.name).filter((n) => n !== h.name),
        });
        // Every DC's LDAPS certificate names the domain too (components/domain-controller), so one name serves them all.
        if (input.domain.flavor === "samba") add("dc", { kind: "tls-endpoint", what: "LDAPS", name: input.domain.fqdn, port: LDAPS_PORT });
    }
    // The directory's drift check runs on the DC that applies the plan (the first DC, components/directory/role.ts).
    const drift = input.directory?.drift;
    if (drift && input.domain?.dcs.find((d) => d.first)?.name === h.name) {
        add("directoryDrift", { kind: "directory-drift", resultPath: drift.resultPath, graceSeconds: drift.graceSeconds, maxAgeSeconds: drift.maxAgeSeconds });
    }
    if (input.web?.host === h.name) {
        add(
            "apache",
            { kind: "web-site", role: "public", name: input.web.public.name, port: input.web.ports.https },
            { kind: "web-site", role: "intranet", name: input.web.intranet.name, port: input.web.ports.https },
        );
    }
    if (input.mail?.host.name === h.name) {
        add("postfix", { kind: "postfix-queue" }, { kind: "tls-endpoint", what: "IMAPS", name: input.mail.hostname, port: IMAPS_PORT });
    }
    const fs = input.fileservers?.find((f) => f.host === h.name && f.flavor === "linux");
    if (fs) add("mdadm", { kind: "mdadm", array: fs.array.name, device: `/dev/md/${fs.array.name}`, members: 2 });
    if (input.vpn?.gateway.host === h.name) {
        add("strongswan", { kind: "vpn-tunnel", tunnel: input.vpn.tunnel, peer: input.vpn.peerStack, networks: input.vpn.networks });
    }
    if (input.backup?.host.name === h.name) {
        add(
            "backup",
            ...input.backup.clients.map((c): Watch => ({
                kind: "backup-freshness",
                client: c.name,
                resultFile: `${input.backup!.resultDir}/${c.repository}.json`,
            })),
        );
    }
    // GLPI (issue #21): its front, database and dump on its host; on every agent host, the last inventory sent. An agent
    // runs every `hours` within a random hour (components/assets/render.ts renderAgentTimer): one run may be late by an
    // hour, so a stamp older than two periods and an hour means runs failed (GLPI unreachable, a refused inventory).
    if (input.assets?.host.name === h.name) {
        add("glpi", { kind: "glpi", url: input.assets.url, dumpFile: input.assets.dumpFile, dumpMaxAgeHours: ctx.thresholds.backupMaxAgeHours });
    }
    if (input.assets?.inventory.agents.includes(h.name)) {
        const inv = input.assets.inventory;
        add("inventoryAgent", { kind: "inventory-freshness", stampFile: inv.stampFile, maxAgeHours: 2 * inv.hours + 1 });
    }
    const osKind = windows ? "windows" : "linux";
    return {
        name: h.name,
        role: h.role,
        zone: h.zone,
        os: osKind,
        address: h.role === "firewall" && ctx.routerAddress ? ctx.routerAddress : h.address,
        port: ZABBIX_AGENT_PORT,
        agent: windows ? "zabbix-agent2-windows" : "zabbix-agent2",
        pskIdentity: `PSK ${h.name}`,
        groups: [`BillU/role/${h.role}`, `BillU/zone/${h.zone}`, `BillU/os/${osKind}`],
        templates: [windows ? TEMPLATES.windows : TEMPLATES.linux, ...own.map((t) => TEMPLATES[t])],
        watches,
    };
}

/**
 * The flows monitoring needs: the server polls every agent (passive checks), every agent sends to the server (active
 * checks), and the server sends its alert mails through the mail server. The firewall host is the matrix's `router`;
 * the server's own agent needs no flow.
 */
export function requiredMonitoringFlows(
    server: { readonly name: string },
    monitored: readonly { readonly name: string }[],
    hosts: readonly Pick<MonitoringHost, "name" | "role">[],
    mailHost?: string,
): MonitoringRequiredFlow[] {
    const role = new Map(hosts.map((h) => [h.name, h.role]));
    const endpoint = (n: string) => (role.get(n) === "firewall" ? "router" : n);
    const agents = monitored.filter((m) => m.name !== server.name);
    return [
        ...agents.map((a) => ({
            from: server.name,
            to: endpoint(a.name),
            service: ZABBIX_AGENT_SERVICE,
            why: `the server polls ${a.name}'s agent (passive checks)`,
        })),
        ...agents.map((a) => ({
            from: endpoint(a.name),
            to: server.name,
            service: ZABBIX_TRAPPER_SERVICE,
            why: `${a.name}'s agent sends its active checks to the server`,
        })),
        ...(mailHost ? [{ from: server.name, to: mailHost, service: "smtp", why: "the alert mails go through the site's mail server" }] : []),
    ];
}
