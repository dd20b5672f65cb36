/**
 * The Zabbix configuration document: what scripts/monitoring/zabbix-config.py ensures through the Zabbix 6.0
 * JSON-RPC API (host groups, BillU's own templates with their items, triggers and threshold macros, one host per
 * model host with its agent interface and PSK identity, the e-mail media type, the IT user group and its users,
 * one action per severity, the IT operations and business dashboards).
 *
 * A pure function from a plan-shaped input (MonitoringConfigInput) to a JSON document: no Pulumi, no secret. The
 * PSKs themselves are NOT in the document: a host names its `pskIdentity`, and the step reads the PSK of that
 * identity from a 0600 secrets file (`<identity> <hex psk>` a line) that reaches the guest through the step's
 * secret channel.
 *
 * The monitoring plan (model/monitoring.ts) reaches this input through one adapter (config-input.ts
 * `zabbixConfigInput`); synth renders the document into PAR-MON01's /etc/billu/monitoring/zabbix-config.json. The
 * input below is the shape this renderer needs, nothing more.
 */
import { portOf } from "../../model/ports";
import { SITE_CA_CERT } from "../../model/monitoring";
import { KEA_CONTROL_SOCKET } from "../contracts";

/** A Zabbix trigger severity, by the name the API's numbers stand for (0 not classified ... 5 disaster). */
export const SEVERITIES = ["information", "warning", "average", "high", "disaster"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Thresholds of BillU's templates; every one is a template macro, so a host can override it. */
export interface MonitoringThresholds {
    /** CPU utilisation (%) over `cpuWindow` above which a warning is raised. @default 90 */
    readonly cpuPercent: number;
    /** Memory utilisation (%) above which a warning is raised. @default 90 */
    readonly memoryPercent: number;
    /** Used space (%) of a file system above which an average problem is raised. @default 85 */
    readonly diskPercent: number;
    /** DHCP pool utilisation (%) of a scope above which a warning is raised. @default 80 */
    readonly dhcpPoolPercent: number;
    /** Messages in Postfix's deferred queue above which a warning is raised. @default 50 */
    readonly postfixQueue: number;
    /** Days before a certificate expires under which a warning is raised. @default 21 */
    readonly certificateDays: number;
    /** Days before a certificate expires under which a high problem is raised (fewer than certificateDays). @default 7 */
    readonly certificateCritDays: number;
    /** Hours since the last successful backup after which a high problem is raised. @default 26 */
    readonly backupHours: number;
    /** Failed checks in a row before a service is declared down (the "Apache down" trigger's count). @default 3 */
    readonly downChecks: number;
    /** Failed FTP logins within 10 minutes at which a warning is raised (guessing, or a user's stale password). @default 5 */
    readonly ftpFailedLogins: number;
    /** Minutes without an `agent.ping` value (the agent unreachable, stopped, or refusing the server) after which a high problem is raised. @default 5 */
    readonly agentUnavailableMinutes: number;
}

export const DEFAULT_THRESHOLDS: MonitoringThresholds = {
    cpuPercent: 90,
    memoryPercent: 90,
    diskPercent: 85,
    dhcpPoolPercent: 80,
    postfixQueue: 50,
    certificateDays: 21,
    certificateCritDays: 7,
    backupHours: 26,
    downChecks: 3,
    ftpFailedLogins: 5,
    agentUnavailableMinutes: 5,
};

/** Item update intervals (Zabbix time suffixes). */
export interface MonitoringIntervals {
    /** Service availability checks (ports, processes). @default "60s" */
    readonly service: string;
    /** Capacity (CPU, memory, disks, pools, queues). @default "5m" */
    readonly capacity: string;
    /** Slow-moving facts (certificates, backup age, RAID state). @default "1h" */
    readonly slow: string;
}

export const DEFAULT_INTERVALS: MonitoringIntervals = { service: "60s", capacity: "5m", slow: "1h" };

export interface MonitoredHost {
    readonly name: string;
    readonly address: string;
    /** The host's role (a service descriptor key: web, dhcp, dc, mail, fileserver, firewall, backup, ...). */
    readonly role: string;
    readonly zone: string;
    readonly os: "linux" | "windows";
    /** The PSK identity the host's agent presents (its PSK is in the step's secrets file under that identity). */
    readonly pskIdentity: string;
    /** @default 10050 */
    readonly agentPort?: number;
    /**
     * The VPN partner's company when the host is one of its hosts (billu:monitoring.watchVpnPartner): the host is only in
     * `<site>/partner/<company>`, not in this site's role and zone groups. @default this site's host
     */
    readonly partner?: string;
}

export interface MonitoringConfigInput {
    readonly site: string;
    readonly hosts: readonly MonitoredHost[];
    /** The web sites the Apache template checks on the web host (port: its HTTPS listener). */
    readonly webSites: readonly { readonly name: string; readonly port: number }[];
    /** The DHCP plan's scopes (Kea subnet ids) whose pool utilisation is watched. */
    readonly dhcpScopes: readonly { readonly id: number; readonly name: string }[];
    /** The site's mail server the media type sends through (SMTP, port 25, no authentication inside the site). */
    readonly mail: { readonly relay: string; readonly port: number; readonly helo: string; readonly from: string };
    /** The IT group of the directory plan: who is alerted, and from which severity on. */
    readonly itGroup: {
        readonly name: string;
        readonly members: readonly { readonly username: string; readonly fullName: string; readonly email: string }[];
        /** @default "average" */
        readonly minSeverity?: Severity;
    };
    readonly thresholds?: Partial<MonitoringThresholds>;
    readonly intervals?: Partial<MonitoringIntervals>;
    /**
     * The first DC's scheduled directory check (billu:directory.drift, issue #27): the host that runs it, its verdict
     * file, how long drift outside the privileged groups is tolerated and how old a verdict may get, seconds.
     * @default none: no directory drift template
     */
    readonly directoryDrift?: { readonly host: string; readonly resultPath: string; readonly graceSeconds: number; readonly maxAgeSeconds: number };
    /**
     * The backup clients whose last result the backup server's report writes (scripts/backup/report.sh:
     * `<resultDir>/<repository>.json`), watched on the backup host.
     * @default none: the backup template watches no client
     */
    readonly backupClients?: readonly { readonly client: string; readonly resultFile: string }[];
    /**
     * GLPI (billu:assets, issue #21): its host, its URL (the front is fetched over HTTPS), its daily dump and how old the
     * dump may get, hours. @default none: no GLPI template
     */
    readonly glpi?: { readonly host: string; readonly url: string; readonly dumpFile: string; readonly dumpMaxAgeHours: number };
    /**
     * The hosts whose inventory agent reports to GLPI: the file each successful run touches and how old it may get, hours.
     * @default none: no inventory agent template
     */
    readonly inventoryAgents?: { readonly hosts: readonly string[]; readonly stampFile: string; readonly maxAgeHours: number };
    /**
     * The TLS endpoints (beside the web sites) whose certificates the hosts' own agents check, by the role whose template
     * carries them: the Samba DCs' LDAPS, the mail server's IMAPS. @default none
     */
    readonly tlsEndpoints?: { readonly dc?: readonly TlsEndpoint[]; readonly mail?: readonly TlsEndpoint[] };
    /**
     * The site CA's own certificate, watched on the host that keeps a copy (the Zabbix server: SITE_CA_CERT) through the
     * `billu.siteca.notafter` UserParameter. @default none: no site CA template
     */
    readonly siteCa?: { readonly host: string };
}

export interface ZbxItem {
    readonly key: string;
    readonly name: string;
    /**
     * agent: passive Zabbix agent check; agent-active: the agent sends it (log[] items, which only an active agent
     * reads); dependent: computed from `master` by `preprocessing`.
     */
    readonly type: "agent" | "agent-active" | "dependent";
    readonly valueType: "float" | "char" | "log" | "unsigned" | "text";
    readonly delay: string;
    readonly units?: string;
    readonly master?: string;
    /** jsonpath: a JSONPath; multiplier: a number; javascript: a function body of Zabbix's Duktape that gets `value` (the API's type 21). */
    readonly preprocessing?: readonly { readonly type: "jsonpath" | "multiplier" | "javascript"; readonly params: string }[];
}

export interface ZbxTrigger {
    /** The problem's name (unique within the template). */
    readonly name: string;
    /** Zabbix 6.0 expression syntax: functions over /<template>/<item key>. */
    readonly expression: string;
    readonly severity: Severity;
}

export interface ZbxTemplate {
    readonly name: string;
    readonly description: string;
    readonly macros: readonly { readonly macro: string; readonly value: string }[];
    readonly items: readonly ZbxItem[];
    readonly triggers: readonly ZbxTrigger[];
}

export interface ZbxHost {
    readonly host: string;
    readonly address: string;
    readonly port: number;
    readonly groups: readonly string[];
    readonly templates: readonly string[];
    readonly pskIdentity: string;
}

export interface ZbxWidget {
    /** Zabbix 6.0 widget types used here: problems, problemsbysv, hostavail, clock, item (one item's latest value). */
    readonly type: "problems" | "problemsbysv" | "hostavail" | "clock" | "item";
    readonly name: string;
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
    /** Host groups the widget is filtered on (by name; the step resolves them to ids). */
    readonly groups: readonly string[];
    /**
     * An `item` widget's item: a host of the document and the key of an item of one of its templates (the step resolves
     * it to the host's own item id, so the widget shows that host's latest value).
     */
    readonly item?: { readonly host: string; readonly key: string };
}

export interface ZabbixConfigDocument {
    readonly version: 1;
    readonly site: string;
    readonly templateGroup: string;
    readonly hostGroups: readonly string[];
    readonly templates: readonly ZbxTemplate[];
    readonly hosts: readonly ZbxHost[];
    readonly mediaType: {
        readonly name: string;
        readonly smtpServer: string;
        readonly smtpPort: number;
        readonly smtpHelo: string;
        readonly smtpEmail: string;
    };
    readonly userGroup: { readonly name: string; readonly hostGroups: readonly string[] };
    readonly users: readonly {
        readonly username: string;
        readonly name: string;
        readonly email: string;
        readonly severities: readonly Severity[];
    }[];
    readonly actions: readonly { readonly name: string; readonly severity: Severity }[];
    readonly dashboards: readonly { readonly name: string; readonly widgets: readonly ZbxWidget[] }[];
}

/** Template names (public contract: the docs, the lab's probes and operators' filters name them). */
export const TEMPLATE = {
    linux: "BillU Linux base",
    windows: "BillU Windows base",
    apache: "BillU Apache HTTPS",
    kea: "BillU Kea DHCP",
    samba: "BillU Samba AD DC",
    postfix: "BillU Postfix",
    mxRelay: "BillU Postfix relay",
    mdadm: "BillU mdadm RAID",
    strongswan: "BillU strongSwan VPN",
    backup: "BillU backup freshness",
    directoryDrift: "BillU directory drift",
    vsftpd: "BillU vsftpd",
    telephony: "BillU telephony",
    glpi: "BillU GLPI",
    inventoryAgent: "BillU inventory agent",
    siteCa: "BillU site CA certificates",
} as const;

/** vsftpd's own log (billu:ftp, components/ftp/render.ts FTP_PATHS.vsftpdLog): its FAIL LOGIN lines are watched. */
export const VSFTPD_FAIL_LOGIN_ITEM = 'log[/var/log/vsftpd.log,"FAIL LOGIN",,,skip]';

/** Which of BillU's templates a role gets, beside its OS base template. */
const ROLE_TEMPLATES: Readonly<Record<string, readonly (keyof typeof TEMPLATE)[]>> = {
    web: ["apache"],
    dhcp: ["kea"],
    dc: ["samba"],
    mail: ["postfix"],
    mx: ["mxRelay"],
    fileserver: ["mdadm"],
    firewall: ["strongswan"],
    vpn: ["strongswan"],
    backup: ["backup"],
    ftp: ["vsftpd"],
    pbx: ["telephony"],
};

const ROLE_GROUP = (site: string, role: string) => `${site}/role/${role}`;
const ZONE_GROUP = (site: string, zone: string) => `${site}/zone/${zone}`;
/** The host group of a VPN partner's hosts (`BillU/partner/EcotechSolutions`). */
export const PARTNER_GROUP = (site: string, company: string) => `${site}/partner/${company}`;

/** A UserParameter of the agent: a key no stock agent item covers, the shell command that answers it. */
export interface UserParameter {
    readonly key: string;
    /** Run by the agent (as its user, `zabbix`) through `sh -c`; prints one number, 0 when the daemon is absent. */
    readonly command: string;
    /** The one root command it runs through `sudo -n` (the host's sudoers drop-in allows exactly this, no more). */
    readonly sudo?: string;
}

/** swanctl reads charon's VICI socket, root's only: one exact command through sudo. */
const SWANCTL_SAS = "/usr/sbin/swanctl --list-sas";
/**
 * Kea's control socket admits root and _kea only (KEA_CONTROL_SOCKET): socat, through sudo, carries one command to it
 * and its one-line JSON answer back; the agent writes the command on its stdin, so the rule names no argument of ours.
 */
const KEA_SOCKET_CLIENT = `/usr/bin/socat -t 5 - UNIX-CONNECT:${KEA_CONTROL_SOCKET}`;
/**
 * The share of a scope's pool in use, in percent, from Kea's `statistic-get-all` (Kea 2.2: `subnet[<id>].assigned-addresses`
 * and `subnet[<id>].total-addresses`, each `[[value, timestamp], ...]`, newest first; total counts the pools' addresses),
 * https://kea.readthedocs.io/en/kea-2.2.0/arm/stats.html. $1 is the Kea subnet id (the DHCP plan's scope id). Kea not
 * answering prints 0 (its own trigger, proc.num[kea-dhcp4], says why); a subnet Kea does not know fails the command
 * (python's error, no number), so the item turns unsupported instead of showing an empty pool.
 */
const KEA_POOL_PY =
    "import json,sys; r=sys.stdin.read(); s=json.loads(r).get('arguments') if r.strip() else {}; i=sys.argv[1]; " +
    "a=s.get('subnet[%s].assigned-addresses' % i); t=s.get('subnet[%s].total-addresses' % i); " +
    "print(0 if not s else round(100.0*a[0][0]/t[0][0], 2))";
/**
 * The site CA's certificate as the server step installs it (model/monitoring.ts SITE_CA_CERT): its folder is root's only
 * (0700, beside the API document), so openssl reads it through one exact sudo rule.
 */
export const SITE_CA_ENDDATE = `/usr/bin/openssl x509 -noout -enddate -in ${SITE_CA_CERT}`;
/** Asterisk's control socket is its own user's: one exact CLI command through sudo. */
const PJSIP_CONTACTS = "/usr/sbin/asterisk -rx pjsip show contacts";

/**
 * The UserParameters each of BillU's templates reads, by template key: the agent configuration of a host that links the
 * template declares them (render.ts renderAgentConf), and its sudoers drop-in allows their `sudo` commands. `grep -c`
 * prints 0 and exits 1 when nothing matches: `|| true` keeps 0 a value (an empty queue), not an error; a command behind
 * sudo must not be masked so (a failed sudo would read as 0): billu.ipsec.sas and billu.pbx.contacts count with awk
 * after `&&`.
 */
export const USER_PARAMETERS: Readonly<Partial<Record<keyof typeof TEMPLATE, readonly UserParameter[]>>> = {
    // The key takes the subnet id ([*]: Zabbix passes it as $1); one socket round trip per item, one item per scope.
    kea: [
        {
            key: "billu.kea.pool.used[*]",
            command: `echo '{"command": "statistic-get-all"}' | sudo -n ${KEA_SOCKET_CLIENT} 2>/dev/null | python3 -c "${KEA_POOL_PY}" $1`,
            sudo: KEA_SOCKET_CLIENT,
        },
    ],
    // postqueue -j (Postfix >= 3.1) lists the queue as JSON lines; any local user may read it (authorized_mailq_users).
    postfix: [{ key: "billu.postfix.deferred", command: `postqueue -j 2>/dev/null | grep -c '"queue_name": *"deferred"' || true` }],
    // The relay's whole queue (incoming, active, deferred, hold): it keeps nothing, so any message that stays means the
    // mail server does not take its mail.
    mxRelay: [{ key: "billu.postfix.queue", command: `postqueue -j 2>/dev/null | grep -c '"queue_name"' || true` }],
    // swanctl's answer first (`&&`), then its ESTABLISHED lines counted by awk (0 without exiting 1): a failing swanctl (no
    // charon, a refused or slow sudo) prints nothing, so the item turns unsupported instead of reading "0 SAs" (the
    // `grep -c ... || true` this replaced turned every failure into 0).
    strongswan: [
        {
            key: "billu.ipsec.sas",
            command: `s=$(sudo -n ${SWANCTL_SAS} 2>/dev/null) && printf '%s\\n' "$s" | awk '/ESTABLISHED/ { n++ } END { print n + 0 }'`,
            sudo: SWANCTL_SAS,
        },
    ],
    // `notAfter=Dec  4 01:48:36 2036 GMT` as Unix seconds; a missing or unreadable file prints nothing (`&&`), so the item
    // turns unsupported instead of showing a date (GNU date of an empty string is today's midnight).
    siteCa: [
        { key: "billu.siteca.notafter", command: `f=$(sudo -n ${SITE_CA_ENDDATE} 2>/dev/null) && date -u -d "\${f#notAfter=}" +%s`, sudo: SITE_CA_ENDDATE },
    ],
    // A registered phone is a PJSIP contact line (`Contact:  1001/sip:1001@...`); the header line starts with `<Aor`.
    // Asterisk's answer first (`&&`), then counted by awk (0 without exiting 1): a failing sudo or asterisk (no daemon,
    // a refused sudo) prints nothing, so the item turns unsupported instead of reading "0 phones".
    telephony: [
        {
            key: "billu.pbx.contacts",
            command: `c=$(sudo -n /usr/sbin/asterisk -rx 'pjsip show contacts' 2>/dev/null) && printf '%s\\n' "$c" | awk '/^ *Contact: *[^< ]/ { n++ } END { print n + 0 }'`,
            sudo: PJSIP_CONTACTS,
        },
    ],
};

/** `{$BILLU.AGENT.NODATA}`: billu:monitoring.thresholds.agentUnavailableMinutes as a Zabbix time suffix (`5m`). */
function agentNodataMacro(t: MonitoringThresholds): { readonly macro: string; readonly value: string } {
    return { macro: "{$BILLU.AGENT.NODATA}", value: `${t.agentUnavailableMinutes}m` };
}

/**
 * The OS templates' "agent unreachable" trigger: no `agent.ping` value for `{$BILLU.AGENT.NODATA}` (Zabbix 6.0's
 * nodata(/host/key,sec): a period of 30 s or more, a user macro allowed, as Zabbix's own agent templates do with
 * `{$AGENT.NODATA_TIMEOUT}`). A passive check of a stopped agent, a host down or a refused PSK stores no value.
 */
function agentUnreachable(tpl: string): ZbxTrigger {
    return {
        name: "Agent unreachable for {$BILLU.AGENT.NODATA}",
        expression: `nodata(/${tpl}/agent.ping,{$BILLU.AGENT.NODATA})=1`,
        severity: "high",
    };
}

/** The template keys a host links beside its OS base template (Windows hosts: none, see renderZabbixConfig). */
export function roleTemplateKeys(role: string, os: "linux" | "windows"): readonly (keyof typeof TEMPLATE)[] {
    return os === "windows" ? [] : (ROLE_TEMPLATES[role] ?? []);
}

/**
 * The ISO 8601 `checkedAt` of the drift verdict (`2026-12-05T13:00:00Z`, UTC, what both appliers write) as Unix
 * seconds, for `now()-last(...)`: Zabbix's JSONPath has no date conversion, its JavaScript (Duktape, ES5 Date.parse)
 * has. A verdict without a date fails the item (it becomes unsupported, with this message) instead of looking fresh.
 */
export const DRIFT_CHECKED_JS = [
    "var t = Date.parse(JSON.parse(value).checkedAt);",
    'if (isNaN(t)) throw "checkedAt is not an ISO 8601 date";',
    "return Math.floor(t / 1000);",
].join("\n");

/** The directory drift template (issue #27): the verdict file's drift count, privileged drift and check time. */
function driftTemplate(d: NonNullable<MonitoringConfigInput["directoryDrift"]>, iv: MonitoringIntervals): ZbxTemplate {
    const tpl = TEMPLATE.directoryDrift;
    const master = `vfs.file.contents[${d.resultPath}]`;
    const dep = (key: string, name: string, preprocessing: ZbxItem["preprocessing"], units?: string): ZbxItem => ({
        key,
        name,
        type: "dependent",
        valueType: "unsigned",
        delay: "0",
        master,
        preprocessing,
        ...(units ? { units } : {}),
    });
    return {
        name: tpl,
        description:
            "The first DC's scheduled directory check (apply_samba.py --check or Apply-Directory.ps1 -Check, billu:directory.drift): " +
            "drift in a privileged group at once, other drift after the grace, a verdict that stopped coming.",
        macros: [
            { macro: "{$BILLU.DRIFT.GRACE}", value: `${d.graceSeconds}s` },
            { macro: "{$BILLU.DRIFT.MAXAGE}", value: String(d.maxAgeSeconds) },
        ],
        items: [
            { key: master, name: "Directory drift verdict", type: "agent", valueType: "text", delay: iv.capacity },
            dep("billu.drift.count", "Directory differences from the plan", [{ type: "jsonpath", params: "$.drift" }]),
            dep("billu.drift.privileged", "Directory differences in privileged groups", [{ type: "jsonpath", params: "$.privilegedDrift" }]),
            dep("billu.drift.checked", "Directory last checked", [{ type: "javascript", params: DRIFT_CHECKED_JS }], "unixtime"),
        ],
        triggers: [
            {
                name: "Directory drift in a privileged group (Domain, Enterprise or Schema Admins)",
                expression: `last(/${tpl}/billu.drift.privileged)>0`,
                severity: "high",
            },
            {
                name: "Directory drift from the plan for more than {$BILLU.DRIFT.GRACE}",
                expression: `min(/${tpl}/billu.drift.count,{$BILLU.DRIFT.GRACE})>0`,
                severity: "warning",
            },
            {
                name: "Directory drift check has not run for {$BILLU.DRIFT.MAXAGE} s",
                expression: `now()-last(/${tpl}/billu.drift.checked)>{$BILLU.DRIFT.MAXAGE}`,
                severity: "warning",
            },
        ],
    };
}

/** A TLS endpoint whose certificate a host's own agent checks over loopback (web.certificate.get, agent 2's WebCertificate plugin). */
export interface TlsEndpoint {
    /** The name the certificate must carry (SNI and the name verified, as clients connect). */
    readonly name: string;
    readonly port: number;
    /** What answers there, for the items' names ("web site", "LDAPS", "IMAPS"). */
    readonly what: string;
}

/** The certificate macros a template with TLS checks carries (thresholds from billu:monitoring.thresholds). */
function certMacros(t: MonitoringThresholds): { macro: string; value: string }[] {
    return [
        { macro: "{$BILLU.CERT.DAYS}", value: String(t.certificateDays) },
        { macro: "{$BILLU.CERT.CRIT.DAYS}", value: String(t.certificateCritDays) },
    ];
}

/** The item with the Unix time a TLS endpoint's certificate expires (`x509.not_after.timestamp`). */
export const certExpiryKey = (e: Pick<TlsEndpoint, "name" | "port">) => `billu.cert.expiry[${e.name},${e.port}]`;
/** The item with the agent's verdict on a TLS endpoint's certificate (`result.value`: valid, invalid, valid-but-self-signed). */
export const certValidationKey = (e: Pick<TlsEndpoint, "name" | "port">) => `billu.cert.validation[${e.name},${e.port}]`;

/** Days until the certificate's not_after, at the time the agent fetched it (negative once expired). */
export const CERT_DAYS_LEFT_JS = ["var t = JSON.parse(value).x509.not_after.timestamp;", "return Math.floor((t - Date.now() / 1000) / 86400);"].join("\n");

/**
 * Each endpoint's certificate, fetched by the host's own agent over loopback (`web.certificate.get[<name>,<port>,127.0.0.1]`:
 * the name for SNI and the verification, the address so no DNS is needed): its JSON (one item, slow), then dependent items
 * (JSONPath `$.x509.not_after.timestamp`, `$.result.value`; days left by JavaScript). Triggers: a warning under
 * {$BILLU.CERT.DAYS}, a high problem under {$BILLU.CERT.CRIT.DAYS}, and a high problem when the agent does not verify the
 * chain to a trusted CA (the site CA, in the host's trust store) for that name. STARTTLS endpoints (SMTP 25/587) are not
 * covered: the key speaks TLS from the first byte (https://www.zabbix.com/documentation/6.0/en/manual/config/items/itemtypes/zabbix_agent/zabbix_agent2).
 */
function tlsCertificateChecks(tpl: string, endpoints: readonly TlsEndpoint[], iv: MonitoringIntervals): { items: ZbxItem[]; triggers: ZbxTrigger[] } {
    const items: ZbxItem[] = [];
    const triggers: ZbxTrigger[] = [];
    for (const e of endpoints) {
        const master = `web.certificate.get[${e.name},${e.port},127.0.0.1]`;
        const label = `Certificate of ${e.name}:${e.port} (${e.what})`;
        const dep = (
            key: string,
            name: string,
            valueType: ZbxItem["valueType"],
            pp: NonNullable<ZbxItem["preprocessing"]>[number],
            units?: string,
        ): ZbxItem => ({
            key,
            name,
            type: "dependent",
            valueType,
            delay: "0",
            ...(units ? { units } : {}),
            master,
            preprocessing: [pp],
        });
        const expiry = certExpiryKey(e);
        const validation = certValidationKey(e);
        items.push(
            { key: master, name: label, type: "agent", valueType: "text", delay: iv.slow },
            dep(expiry, `${label}: expires at`, "unsigned", { type: "jsonpath", params: "$.x509.not_after.timestamp" }, "unixtime"),
            dep(`billu.cert.days[${e.name},${e.port}]`, `${label}: days left`, "float", { type: "javascript", params: CERT_DAYS_LEFT_JS }, "d"),
            dep(validation, `${label}: validation`, "char", { type: "jsonpath", params: "$.result.value" }),
        );
        triggers.push(
            {
                name: `${label} expires in less than {$BILLU.CERT.DAYS} days`,
                expression: `last(/${tpl}/${expiry})-now()<{$BILLU.CERT.DAYS}*86400`,
                severity: "warning",
            },
            {
                name: `${label} expires in less than {$BILLU.CERT.CRIT.DAYS} days`,
                expression: `last(/${tpl}/${expiry})-now()<{$BILLU.CERT.CRIT.DAYS}*86400`,
                severity: "high",
            },
            {
                name: `${label} does not verify (not issued by a trusted CA for this name)`,
                expression: `last(/${tpl}/${validation})<>"valid"`,
                severity: "high",
            },
        );
    }
    return { items, triggers };
}

function templates(t: MonitoringThresholds, iv: MonitoringIntervals, input: MonitoringConfigInput): ZbxTemplate[] {
    const x = (tpl: string, key: string) => `/${tpl}/${key}`;
    // The count is the macro's value (`#3`): Zabbix 6.0 takes a user macro as a whole parameter, not inside `#...`.
    const down = (tpl: string, key: string) => `max(${x(tpl, key)},{$BILLU.DOWN.CHECKS})=0`;
    // Above a limit for the last 15 minutes, and only once the item has 15 minutes of history (a value between 20 and 15
    // minutes ago): a host that has just started (or a lab that has run a minute) holds a few busy samples, whose minimum
    // said "15 minutes" when it meant one (seen in labs/monitoring under load).
    const sustained = (item: string, limit: string) => `min(${item},15m)>${limit} and count(${item},5m:now-15m)>0`;
    const certItems = (tpl: string, endpoints: readonly TlsEndpoint[]) => tlsCertificateChecks(tpl, endpoints, iv);
    const linux = TEMPLATE.linux;
    const apache = TEMPLATE.apache;
    const cert = certItems(
        apache,
        input.webSites.map((w) => ({ ...w, what: "web site" })),
    );
    const ldaps = certItems(TEMPLATE.samba, input.tlsEndpoints?.dc ?? []);
    const imaps = certItems(TEMPLATE.postfix, input.tlsEndpoints?.mail ?? []);
    const svc = (key: string, name: string): ZbxItem => ({ key, name, type: "agent", valueType: "unsigned", delay: iv.service });
    const cap = (key: string, name: string, units: string): ZbxItem => ({
        key,
        name,
        type: "agent",
        valueType: "float",
        delay: iv.capacity,
        units,
    });
    return [
        {
            name: linux,
            description: "Every Debian host: the agent answers, CPU, memory and the root file system.",
            macros: [
                { macro: "{$BILLU.CPU.MAX}", value: String(t.cpuPercent) },
                { macro: "{$BILLU.MEM.MAX}", value: String(t.memoryPercent) },
                { macro: "{$BILLU.DISK.MAX}", value: String(t.diskPercent) },
                agentNodataMacro(t),
            ],
            items: [
                svc("agent.ping", "Agent answers"),
                cap("system.cpu.util", "CPU utilisation", "%"),
                // vm.memory.utilization is unknown to Debian's agent 2 (6.0.14: "Unknown metric", seen in labs/monitoring).
                cap("vm.memory.size[pused]", "Memory used", "%"),
                cap("vfs.fs.size[/,pused]", "Root file system used", "%"),
            ],
            triggers: [
                agentUnreachable(linux),
                {
                    name: "CPU above {$BILLU.CPU.MAX}% for 15 minutes",
                    expression: sustained(x(linux, "system.cpu.util"), "{$BILLU.CPU.MAX}"),
                    severity: "warning",
                },
                { name: "Memory above {$BILLU.MEM.MAX}%", expression: sustained(x(linux, "vm.memory.size[pused]"), "{$BILLU.MEM.MAX}"), severity: "warning" },
                {
                    name: "Root file system above {$BILLU.DISK.MAX}%",
                    expression: `last(${x(linux, "vfs.fs.size[/,pused]")})>{$BILLU.DISK.MAX}`,
                    severity: "average",
                },
            ],
        },
        {
            name: TEMPLATE.windows,
            description: "Every Windows host: the agent answers, CPU, memory and C:.",
            macros: [
                { macro: "{$BILLU.CPU.MAX}", value: String(t.cpuPercent) },
                { macro: "{$BILLU.DISK.MAX}", value: String(t.diskPercent) },
                agentNodataMacro(t),
            ],
            items: [svc("agent.ping", "Agent answers"), cap("system.cpu.util", "CPU utilisation", "%"), cap("vfs.fs.size[C:,pused]", "C: used", "%")],
            triggers: [
                agentUnreachable(TEMPLATE.windows),
                {
                    name: "CPU above {$BILLU.CPU.MAX}% for 15 minutes",
                    expression: sustained(x(TEMPLATE.windows, "system.cpu.util"), "{$BILLU.CPU.MAX}"),
                    severity: "warning",
                },
                {
                    name: "C: above {$BILLU.DISK.MAX}%",
                    expression: `last(${x(TEMPLATE.windows, "vfs.fs.size[C:,pused]")})>{$BILLU.DISK.MAX}`,
                    severity: "average",
                },
            ],
        },
        {
            name: apache,
            description: "The DMZ web server: Apache accepts connections on each site's HTTPS listener; each site's certificate expiry.",
            macros: [{ macro: "{$BILLU.DOWN.CHECKS}", value: `#${t.downChecks}` }, ...certMacros(t)],
            items: [
                ...[...new Set(input.webSites.map((s) => s.port))].map((p) => svc(`net.tcp.service[tcp,,${p}]`, `Apache accepts HTTPS on port ${p}`)),
                svc("proc.num[apache2]", "Apache processes"),
                ...cert.items,
            ],
            triggers: [
                ...[...new Set(input.webSites.map((s) => s.port))].map((p): ZbxTrigger => ({
                    name: `Apache down: HTTPS port ${p} refuses connections`,
                    expression: down(apache, `net.tcp.service[tcp,,${p}]`),
                    severity: "high",
                })),
                ...cert.triggers,
            ],
        },
        {
            name: TEMPLATE.kea,
            description: "The DHCP server: Kea runs; each scope's pool utilisation.",
            macros: [
                { macro: "{$BILLU.DOWN.CHECKS}", value: `#${t.downChecks}` },
                { macro: "{$BILLU.POOL.MAX}", value: String(t.dhcpPoolPercent) },
            ],
            items: [
                svc("proc.num[kea-dhcp4]", "Kea DHCPv4 processes"),
                ...input.dhcpScopes.map((s) => cap(`billu.kea.pool.used[${s.id}]`, `Pool of ${s.name} in use`, "%")),
            ],
            triggers: [
                { name: "Kea DHCPv4 is not running", expression: down(TEMPLATE.kea, "proc.num[kea-dhcp4]"), severity: "high" },
                ...input.dhcpScopes.map((s): ZbxTrigger => ({
                    name: `Pool of ${s.name} above {$BILLU.POOL.MAX}%`,
                    expression: `last(${x(TEMPLATE.kea, `billu.kea.pool.used[${s.id}]`)})>{$BILLU.POOL.MAX}`,
                    severity: "warning",
                })),
            ],
        },
        {
            name: TEMPLATE.samba,
            description: "A Samba AD DC: samba runs; LDAP and Kerberos accept connections; its LDAPS certificate (site CA): expiry and validity.",
            macros: [{ macro: "{$BILLU.DOWN.CHECKS}", value: `#${t.downChecks}` }, ...(ldaps.items.length > 0 ? certMacros(t) : [])],
            items: [
                svc("proc.num[samba]", "Samba processes"),
                svc("net.tcp.service[ldap,,389]", "LDAP answers"),
                svc("net.tcp.service[tcp,,88]", "Kerberos accepts connections"),
                ...ldaps.items,
            ],
            triggers: [
                { name: "Samba is not running", expression: down(TEMPLATE.samba, "proc.num[samba]"), severity: "disaster" },
                { name: "LDAP does not answer", expression: down(TEMPLATE.samba, "net.tcp.service[ldap,,389]"), severity: "high" },
                { name: "Kerberos refuses connections", expression: down(TEMPLATE.samba, "net.tcp.service[tcp,,88]"), severity: "high" },
                ...ldaps.triggers,
            ],
        },
        {
            name: TEMPLATE.postfix,
            description: "The mail server: SMTP answers; Postfix's deferred queue; its IMAPS certificate (site CA): expiry and validity.",
            macros: [
                { macro: "{$BILLU.DOWN.CHECKS}", value: `#${t.downChecks}` },
                { macro: "{$BILLU.QUEUE.MAX}", value: String(t.postfixQueue) },
                ...(imaps.items.length > 0 ? certMacros(t) : []),
            ],
            items: [
                svc("net.tcp.service[smtp,,25]", "SMTP answers"),
                { ...cap("billu.postfix.deferred", "Deferred messages", ""), valueType: "unsigned" },
                ...imaps.items,
            ],
            triggers: [
                { name: "SMTP does not answer", expression: down(TEMPLATE.postfix, "net.tcp.service[smtp,,25]"), severity: "high" },
                {
                    name: "Postfix deferred queue above {$BILLU.QUEUE.MAX}",
                    expression: `last(${x(TEMPLATE.postfix, "billu.postfix.deferred")})>{$BILLU.QUEUE.MAX}`,
                    severity: "warning",
                },
                ...imaps.triggers,
            ],
        },
        {
            name: TEMPLATE.mxRelay,
            description:
                "The inbound relay (MX) in the DMZ: port 25 answers (postscreen, then smtpd: the agent's own address is let through); " +
                "its queue, which drains to the mail server within seconds: a message that stays means the mail server does not take it.",
            macros: [
                { macro: "{$BILLU.DOWN.CHECKS}", value: `#${t.downChecks}` },
                { macro: "{$BILLU.RELAY.QUEUE.MAX}", value: "0" },
            ],
            items: [svc("net.tcp.service[smtp,,25]", "SMTP answers"), svc("billu.postfix.queue", "Messages in the relay's queue")],
            triggers: [
                {
                    name: "Relay SMTP does not answer (the internet's mail is refused)",
                    expression: down(TEMPLATE.mxRelay, "net.tcp.service[smtp,,25]"),
                    severity: "high",
                },
                {
                    name: "Relay queue above {$BILLU.RELAY.QUEUE.MAX} for 15 minutes (the mail server does not take the relay's mail)",
                    expression: sustained(x(TEMPLATE.mxRelay, "billu.postfix.queue"), "{$BILLU.RELAY.QUEUE.MAX}"),
                    severity: "average",
                },
            ],
        },
        {
            name: TEMPLATE.mdadm,
            description: "The file server's RAID 1: /proc/mdstat shows no missing member.",
            macros: [],
            items: [{ key: "vfs.file.contents[/proc/mdstat]", name: "mdstat", type: "agent", valueType: "text", delay: iv.service }],
            triggers: [
                {
                    name: "RAID array degraded (a member missing in /proc/mdstat)",
                    expression: `find(${x(TEMPLATE.mdadm, "vfs.file.contents[/proc/mdstat]")},,"regexp","[[]U*_[U_]*[]]")=1`,
                    severity: "high",
                },
            ],
        },
        {
            name: TEMPLATE.strongswan,
            description: "The site-to-site VPN: charon runs and the tunnel's IKE SA is established.",
            macros: [{ macro: "{$BILLU.DOWN.CHECKS}", value: `#${t.downChecks}` }],
            items: [svc("proc.num[charon]", "charon processes"), svc("billu.ipsec.sas", "Established IKE SAs")],
            triggers: [
                { name: "strongSwan (charon) is not running", expression: down(TEMPLATE.strongswan, "proc.num[charon]"), severity: "high" },
                { name: "VPN to the partner is down (no IKE SA)", expression: down(TEMPLATE.strongswan, "billu.ipsec.sas"), severity: "high" },
            ],
        },
        {
            name: TEMPLATE.vsftpd,
            description: "The FTP server: vsftpd runs and accepts connections; failed logins (FAIL LOGIN lines of /var/log/vsftpd.log).",
            macros: [
                { macro: "{$BILLU.DOWN.CHECKS}", value: `#${t.downChecks}` },
                { macro: "{$BILLU.FTP.FAILS}", value: String(t.ftpFailedLogins) },
            ],
            items: [
                svc("proc.num[vsftpd]", "vsftpd processes"),
                svc(`net.tcp.service[tcp,,${portOf("ftp")}]`, "vsftpd accepts FTP connections"),
                // Active: only an active agent reads a log; `skip` starts at the end of the file, so old lines never alert.
                { key: VSFTPD_FAIL_LOGIN_ITEM, name: "vsftpd failed logins", type: "agent-active", valueType: "log", delay: iv.service },
            ],
            triggers: [
                { name: "vsftpd is not running", expression: down(TEMPLATE.vsftpd, "proc.num[vsftpd]"), severity: "high" },
                {
                    name: "FTP refuses connections",
                    expression: down(TEMPLATE.vsftpd, `net.tcp.service[tcp,,${portOf("ftp")}]`),
                    severity: "high",
                },
                {
                    name: "{$BILLU.FTP.FAILS} or more failed FTP logins in 10 minutes",
                    expression: `count(${x(TEMPLATE.vsftpd, VSFTPD_FAIL_LOGIN_ITEM)},10m)>={$BILLU.FTP.FAILS}`,
                    severity: "warning",
                },
            ],
        },
        backupTemplate(input.backupClients ?? [], t, iv),
        {
            name: TEMPLATE.telephony,
            description: "The PBX: Asterisk runs, SIP over TLS accepts connections, the phones registered (PJSIP contacts).",
            macros: [{ macro: "{$BILLU.DOWN.CHECKS}", value: `#${t.downChecks}` }],
            items: [
                svc("proc.num[asterisk]", "Asterisk processes"),
                svc(`net.tcp.service[tcp,,${portOf("sip-tls")}]`, `SIP over TLS accepts connections (port ${portOf("sip-tls")})`),
                { ...svc("billu.pbx.contacts", "Registered phones (PJSIP contacts)"), delay: iv.capacity },
            ],
            triggers: [
                { name: "Asterisk is not running", expression: down(TEMPLATE.telephony, "proc.num[asterisk]"), severity: "high" },
                {
                    name: "SIP over TLS refuses connections",
                    expression: down(TEMPLATE.telephony, `net.tcp.service[tcp,,${portOf("sip-tls")}]`),
                    severity: "high",
                },
            ],
        },
        ...(input.directoryDrift ? [driftTemplate(input.directoryDrift, iv)] : []),
        ...(input.glpi ? [glpiTemplate(input.glpi, t, iv)] : []),
        ...(input.inventoryAgents ? [inventoryTemplate(input.inventoryAgents, iv)] : []),
        ...(input.siteCa ? [siteCaTemplate(t, iv)] : []),
    ];
}

/** The site CA's own certificate (issue #18): when it expires every certificate it issued stops verifying. */
function siteCaTemplate(t: MonitoringThresholds, iv: MonitoringIntervals): ZbxTemplate {
    const tpl = TEMPLATE.siteCa;
    const key = "billu.siteca.notafter";
    return {
        name: tpl,
        description: `The site CA's certificate (${SITE_CA_CERT}, the copy the Zabbix server keeps): its expiry, read by openssl.`,
        macros: certMacros(t),
        items: [{ key, name: "Site CA certificate: expires at", type: "agent", valueType: "unsigned", delay: iv.slow, units: "unixtime" }],
        triggers: [
            {
                name: "Site CA certificate expires in less than {$BILLU.CERT.DAYS} days",
                expression: `last(/${tpl}/${key})-now()<{$BILLU.CERT.DAYS}*86400`,
                severity: "warning",
            },
            {
                name: "Site CA certificate expires in less than {$BILLU.CERT.CRIT.DAYS} days",
                expression: `last(/${tpl}/${key})-now()<{$BILLU.CERT.CRIT.DAYS}*86400`,
                severity: "high",
            },
        ],
    };
}

/**
 * A backup client's last result as Unix seconds of its end (`started` + `seconds`), 0 when the server has none (report.sh
 * writes `{"missing":true}`): a client never backed up looks as old as can be, so the freshness trigger fires.
 */
export const BACKUP_FINISHED_JS = [
    "var r = JSON.parse(value);",
    "if (r.missing || !r.started) return 0;",
    "var t = Date.parse(r.started);",
    'if (isNaN(t)) throw "started is not an ISO 8601 date";',
    "return Math.floor(t / 1000) + (r.seconds || 0);",
].join("\n");

/** A backup client's last exit status (restic's, or the job's own 10-13), -1 when the server has no result. */
export const BACKUP_STATUS_JS = ["var r = JSON.parse(value);", "return r.exitStatus === null || r.exitStatus === undefined ? -1 : r.exitStatus;"].join("\n");

/** The backup freshness template: one result file per client (read on the backup server), its end time and status. */
function backupTemplate(clients: readonly { client: string; resultFile: string }[], t: MonitoringThresholds, iv: MonitoringIntervals): ZbxTemplate {
    const tpl = TEMPLATE.backup;
    const items: ZbxItem[] = [];
    const triggers: ZbxTrigger[] = [];
    for (const c of clients) {
        const master = `vfs.file.contents[${c.resultFile}]`;
        const dep = (key: string, name: string, js: string, units?: string): ZbxItem => ({
            key,
            name,
            type: "dependent",
            valueType: "unsigned",
            delay: "0",
            master,
            preprocessing: [{ type: "javascript", params: js }],
            ...(units ? { units } : {}),
        });
        items.push(
            { key: master, name: `Backup result of ${c.client}`, type: "agent", valueType: "text", delay: iv.slow },
            dep(backupFinishedKey(c.client), `Last backup of ${c.client} finished`, BACKUP_FINISHED_JS, "unixtime"),
            { ...dep(`billu.backup.status[${c.client}]`, `Last backup of ${c.client}: exit status`, BACKUP_STATUS_JS), valueType: "float" },
        );
        triggers.push(
            {
                name: `No backup of ${c.client} for {$BILLU.BACKUP.HOURS} hours`,
                expression: `now()-last(/${tpl}/${backupFinishedKey(c.client)})>{$BILLU.BACKUP.HOURS}*3600`,
                severity: "high",
            },
            { name: `Last backup of ${c.client} failed`, expression: `last(/${tpl}/billu.backup.status[${c.client}])<>0`, severity: "high" },
        );
    }
    return {
        name: tpl,
        description: "The backup server: each client's last result (report.sh), how old it is and whether it succeeded.",
        macros: [{ macro: "{$BILLU.BACKUP.HOURS}", value: String(t.backupHours) }],
        items,
        triggers,
    };
}

/** The item that says when a backup client's last backup ended (the business dashboard shows it). */
export function backupFinishedKey(client: string): string {
    return `billu.backup.finished[${client}]`;
}

/**
 * The business dashboard's item widgets: for each service staff use that the site runs, the items that say "it works"
 * on the hosts that run it (only hosts of the document, only keys of templates they link: the step resolves each to the
 * host's own item). Six widgets a row, each 4 columns wide and 3 rows high, below the problem widgets.
 */
function serviceWidgets(hosts: readonly ZbxHost[], tpls: readonly ZbxTemplate[], top: number): ZbxWidget[] {
    const sections: { title: string; template: string; keys: (t: ZbxTemplate) => string[] }[] = [
        { title: "VPN", template: TEMPLATE.strongswan, keys: () => ["billu.ipsec.sas", "proc.num[charon]"] },
        { title: "Mail", template: TEMPLATE.postfix, keys: () => ["net.tcp.service[smtp,,25]", "billu.postfix.deferred"] },
        {
            title: "Web",
            template: TEMPLATE.apache,
            keys: (t) => t.items.filter((i) => i.key.startsWith("net.tcp.service[") || i.key.startsWith("proc.num[")).map((i) => i.key),
        },
        { title: "FTP", template: TEMPLATE.vsftpd, keys: (t) => t.items.filter((i) => i.type === "agent").map((i) => i.key) },
        { title: "Telephony", template: TEMPLATE.telephony, keys: (t) => t.items.map((i) => i.key) },
        { title: "Backups", template: TEMPLATE.backup, keys: (t) => t.items.filter((i) => i.key.startsWith("billu.backup.finished[")).map((i) => i.key) },
    ];
    const out: ZbxWidget[] = [];
    for (const sec of sections) {
        const tpl = tpls.find((t) => t.name === sec.template);
        if (!tpl) continue;
        for (const h of hosts.filter((x) => x.templates.includes(sec.template))) {
            for (const key of sec.keys(tpl)) {
                const item = tpl.items.find((i) => i.key === key);
                if (!item) throw new Error(`internal: the ${sec.title} widget names ${key}, which ${sec.template} has not`);
                const n = out.length;
                out.push({
                    type: "item",
                    name: `${sec.title}: ${item.name} (${h.host})`,
                    x: (n % 6) * 4,
                    y: top + Math.floor(n / 6) * 3,
                    width: 4,
                    height: 3,
                    groups: [],
                    item: { host: h.host, key },
                });
            }
        }
    }
    return out;
}

/**
 * GLPI's status code, from the front's login page fetched over HTTPS by the GLPI host's own agent (agent 2's
 * web.page.regexp takes an https URL; it returns the response's headers and body, and `\1` the status line's code).
 * A front that does not answer makes the item unsupported, so the front's TCP listener is checked beside it.
 */
export const glpiFrontItem = (url: string) => `web.page.regexp[${url}/index.php,,,"^HTTP/[0-9.]+ ([0-9]+)",,\\1]`;

/** GLPI (issue #21): the front answers 200 over HTTPS, Apache, PHP-FPM and MariaDB run, the daily dump is recent. */
function glpiTemplate(g: NonNullable<MonitoringConfigInput["glpi"]>, t: MonitoringThresholds, iv: MonitoringIntervals): ZbxTemplate {
    const tpl = TEMPLATE.glpi;
    const front = glpiFrontItem(g.url);
    const dump = `vfs.file.time[${g.dumpFile},modify]`;
    const https = "net.tcp.service[https,,443]";
    const svc = (key: string, name: string): ZbxItem => ({ key, name, type: "agent", valueType: "unsigned", delay: iv.service });
    const down = (key: string) => `max(/${tpl}/${key},{$BILLU.DOWN.CHECKS})=0`;
    return {
        name: tpl,
        description:
            "GLPI (billu:assets): its front answers HTTPS with its login page (status 200), Apache, PHP-FPM and MariaDB run, " +
            "the daily database dump the backup saves is recent.",
        macros: [
            { macro: "{$BILLU.DOWN.CHECKS}", value: `#${t.downChecks}` },
            { macro: "{$BILLU.GLPI.DUMP.HOURS}", value: String(g.dumpMaxAgeHours) },
        ],
        items: [
            svc(https, "GLPI accepts HTTPS"),
            { key: front, name: "GLPI front: HTTP status of its login page", type: "agent", valueType: "unsigned", delay: iv.service },
            svc("proc.num[apache2]", "Apache processes"),
            svc("proc.num[php-fpm8.2]", "PHP-FPM processes"),
            svc("proc.num[mariadbd]", "MariaDB processes"),
            { key: dump, name: "GLPI database dump written at", type: "agent", valueType: "unsigned", delay: iv.slow, units: "unixtime" },
        ],
        triggers: [
            { name: "GLPI down: HTTPS refuses connections", expression: down(https), severity: "high" },
            { name: "GLPI front answers with an error (not 200)", expression: `last(/${tpl}/${front})<>200`, severity: "high" },
            { name: "PHP-FPM is not running (GLPI)", expression: down("proc.num[php-fpm8.2]"), severity: "high" },
            { name: "MariaDB is not running (GLPI's database)", expression: down("proc.num[mariadbd]"), severity: "disaster" },
            {
                name: "GLPI's database dump is older than {$BILLU.GLPI.DUMP.HOURS} hours",
                expression: `now()-last(/${tpl}/${dump})>{$BILLU.GLPI.DUMP.HOURS}*3600`,
                severity: "warning",
            },
        ],
    };
}

/** The inventory agent of a host (issue #21): its last successful run (the stamp it touches) is recent. */
function inventoryTemplate(a: NonNullable<MonitoringConfigInput["inventoryAgents"]>, iv: MonitoringIntervals): ZbxTemplate {
    const tpl = TEMPLATE.inventoryAgent;
    const key = `vfs.file.time[${a.stampFile},modify]`;
    return {
        name: tpl,
        description: "The inventory agent (fusioninventory-agent, billu:assets): its last inventory GLPI received is recent.",
        macros: [{ macro: "{$BILLU.INVENTORY.HOURS}", value: String(a.maxAgeHours) }],
        items: [{ key, name: "Last inventory sent to GLPI", type: "agent", valueType: "unsigned", delay: iv.slow, units: "unixtime" }],
        triggers: [
            {
                name: "No inventory sent to GLPI for {$BILLU.INVENTORY.HOURS} hours",
                expression: `now()-last(/${tpl}/${key})>{$BILLU.INVENTORY.HOURS}*3600`,
                severity: "warning",
            },
        ],
    };
}

/** Roles whose health is what staff feel: the business dashboard shows these. */
const BUSINESS_ROLES = ["mail", "web", "fileserver", "dc", "dhcp", "pbx", "ftp", "backup", "firewall", "vpn"];

/** The Zabbix configuration document of a site's monitoring plan. */
export function renderZabbixConfig(input: MonitoringConfigInput): ZabbixConfigDocument {
    const t = { ...DEFAULT_THRESHOLDS, ...input.thresholds };
    const iv = { ...DEFAULT_INTERVALS, ...input.intervals };
    const tpls = templates(t, iv, input);
    const site = input.site;
    const own = input.hosts.filter((h) => h.partner === undefined);
    const roles = [...new Set(own.map((h) => h.role))].sort();
    const zones = [...new Set(own.map((h) => h.zone))].sort();
    const partners = [...new Set(input.hosts.flatMap((h) => (h.partner === undefined ? [] : [h.partner])))].sort();
    const hostGroups = [...roles.map((r) => ROLE_GROUP(site, r)), ...zones.map((z) => ZONE_GROUP(site, z)), ...partners.map((c) => PARTNER_GROUP(site, c))];
    const hosts: ZbxHost[] = input.hosts.map((h) => ({
        host: h.name,
        address: h.address,
        port: h.agentPort ?? 10050,
        groups: h.partner === undefined ? [ROLE_GROUP(site, h.role), ZONE_GROUP(site, h.zone)] : [PARTNER_GROUP(site, h.partner)],
        // The role templates watch Debian's daemons (Samba, Kea, Apache, ...): a Windows host (a Windows DC) gets its OS
        // template only, else "Samba is not running" would fire on every Windows DC.
        templates: [
            ...(h.os === "windows" ? [TEMPLATE.windows] : [TEMPLATE.linux, ...roleTemplateKeys(h.role, h.os).map((k) => TEMPLATE[k])]),
            // The drift verdict is a file the agent reads on either OS.
            ...(input.directoryDrift?.host === h.name ? [TEMPLATE.directoryDrift] : []),
            ...(input.glpi?.host === h.name ? [TEMPLATE.glpi] : []),
            ...(input.inventoryAgents?.hosts.includes(h.name) ? [TEMPLATE.inventoryAgent] : []),
            ...(input.siteCa?.host === h.name ? [TEMPLATE.siteCa] : []),
        ],
        pskIdentity: h.pskIdentity,
    }));
    const used = new Set(hosts.flatMap((h) => h.templates));
    const minSeverity = input.itGroup.minSeverity ?? "average";
    const alerted = SEVERITIES.slice(SEVERITIES.indexOf(minSeverity));
    const usedTemplates = tpls.filter((tp) => used.has(tp.name));
    const businessGroups = roles.filter((r) => BUSINESS_ROLES.includes(r)).map((r) => ROLE_GROUP(site, r));
    return {
        version: 1,
        site,
        templateGroup: `${site}/Templates`,
        hostGroups,
        templates: usedTemplates,
        hosts,
        mediaType: {
            name: `${site} e-mail`,
            smtpServer: input.mail.relay,
            smtpPort: input.mail.port,
            smtpHelo: input.mail.helo,
            smtpEmail: input.mail.from,
        },
        userGroup: { name: input.itGroup.name, hostGroups },
        users: input.itGroup.members.map((m) => ({ username: m.username, name: m.fullName, email: m.email, severities: alerted })),
        actions: alerted.map((s) => ({ name: `${site}: mail ${s} problems to ${input.itGroup.name}`, severity: s })),
        dashboards: [
            {
                name: `${site} IT operations`,
                widgets: [
                    { type: "problems", name: "Current problems", x: 0, y: 0, width: 16, height: 6, groups: hostGroups },
                    { type: "hostavail", name: "Agents available", x: 16, y: 0, width: 8, height: 3, groups: hostGroups },
                    { type: "problemsbysv", name: "Problems per role", x: 0, y: 6, width: 24, height: 5, groups: roles.map((r) => ROLE_GROUP(site, r)) },
                ],
            },
            {
                name: `${site} business services`,
                widgets: [
                    { type: "problemsbysv", name: "Is the service up for the staff", x: 0, y: 0, width: 24, height: 5, groups: businessGroups },
                    { type: "problems", name: "What staff may notice", x: 0, y: 5, width: 24, height: 6, groups: businessGroups },
                    ...serviceWidgets(hosts, usedTemplates, 11),
                ],
            },
        ],
    };
}
