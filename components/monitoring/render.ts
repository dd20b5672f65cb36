/**
 * Pure renderers of the monitoring service (model/monitoring.ts): every host's Zabbix agent 2 configuration, the
 * Zabbix server's configuration, the frontend's PHP settings and Apache site. No Pulumi here; the step logic is in
 * scripts/monitoring/*.sh, read verbatim. No secret appears in a rendered file: the agent's PSK and the database
 * password are `{{secret:<name>}}` placeholders that receive their values on the step's stdin.
 *
 * Zabbix references (6.0 LTS): agent 2 parameters (https://www.zabbix.com/documentation/6.0/en/manual/appendix/config/zabbix_agent2),
 * server parameters (https://www.zabbix.com/documentation/6.0/en/manual/appendix/config/zabbix_server), PSK encryption
 * (https://www.zabbix.com/documentation/6.0/en/manual/encryption/using_pre_shared_keys: 32 to 512 hex digits; 256-bit
 * keys recommended).
 */
import { readFileSync } from "fs";
import type { MonitoredHost, MonitoringPlan, RemoteMonitoringPlan } from "../../model/monitoring";

/** What an agent needs of the plan: the server it talks to (this site's, or the VPN partner's), the timeout, the Windows MSI. */
type AgentPlan = MonitoringPlan | RemoteMonitoringPlan;
import { ZABBIX_TRAPPER_PORT } from "../../model/monitoring";
import { GuestDir, GuestFile, placeholder } from "../guest-step/render";
import { repoPath } from "../paths";
import { configuredHosts, renderZabbixConfigFile } from "./config-input";
import { roleTemplateKeys, USER_PARAMETERS, type UserParameter } from "./zabbix-config";

/** Where each file lives in the guest. */
export const MONITORING_PATHS = {
    agentConf: "/etc/zabbix/zabbix_agent2.conf",
    /** The PSK as the agent reads it (0640 root:zabbix), copied by the step from the secret file once the zabbix user exists. */
    agentPsk: "/etc/zabbix/zabbix_agent2.psk",
    /** The PSK as the step installs it (0600 root's, before the package and its user exist). */
    agentPskStaged: "/etc/billu/monitoring/agent.psk",
    /**
     * The site CA in Debian's trust store (update-ca-certificates), on a host whose agent verifies certificates
     * (web.certificate.get: its web sites, LDAPS, IMAPS): agent 2's Go TLS verifies against that store only.
     */
    agentSiteCa: "/usr/local/share/ca-certificates/billu-site-ca.crt",
    /** The agent's sudo rule (0440): the exact root commands of its UserParameters, no more; only on hosts that need one. */
    agentSudoers: "/etc/sudoers.d/billu-zabbix-agent",
    serverConfDir: "/etc/zabbix/zabbix_server.conf.d",
    serverConf: "/etc/zabbix/zabbix_server.conf.d/billu.conf",
    /** The database password as the step installs it (0600 root's); the step derives the two copies below from it. */
    dbPassword: "/etc/billu/monitoring/db-password",
    /** The server's `DBPassword=` include (0640 root:zabbix), written by the step. */
    dbPasswordConf: "/etc/zabbix/zabbix_server.conf.d/billu-db.conf",
    /** The frontend's copy (0640 root:www-data), written by the step; zabbix.conf.php reads it. */
    frontendDbPassword: "/etc/zabbix/web-db-password",
    /** Debian's frontend reads its settings here (CConfigFile::CONFIG_FILE_PATH). */
    frontendConf: "/etc/zabbix/zabbix.conf.php",
    /** PHP-FPM's settings for the frontend (its minimums: https://www.zabbix.com/documentation/6.0/en/manual/installation/requirements). */
    phpIni: "/etc/php/8.2/fpm/conf.d/90-billu-zabbix.ini",
    apacheSite: "/etc/apache2/sites-available/billu-zabbix.conf",
    siteCa: "/etc/billu/monitoring/site-ca.pem",
    cert: "/etc/billu/monitoring/frontend.pem",
    key: "/etc/billu/monitoring/frontend.key",
    settings: "/etc/billu/monitoring/server.env",
    dumpService: "/etc/systemd/system/billu-zabbix-dump.service",
    dumpTimer: "/etc/systemd/system/billu-zabbix-dump.timer",
    /** The Zabbix configuration document scripts/monitoring/zabbix-config.py ensures through the API (no secret; staff addresses, so root's only). */
    configDocument: "/etc/billu/monitoring/zabbix-config.json",
    /** The `monitoring-config` step's settings (sh assignments, no secret). */
    configSettings: "/etc/billu/monitoring/zabbix-api.env",
    /** The API clients the `monitoring-config` step runs (scripts/monitoring/zabbix-config.py and zabbix-access.py, verbatim). */
    configClient: "/usr/local/lib/billu/monitoring/zabbix-config.py",
    accessClient: "/usr/local/lib/billu/monitoring/zabbix-access.py",
    /** What the two clients share (scripts/monitoring/zabbix_api.py, verbatim): beside them, where their `import zabbix_api` finds it. */
    apiModule: "/usr/local/lib/billu/monitoring/zabbix_api.py",
    /** The read-only API account's credentials (0600 root's, `username=`/`password=`: BILLU_ZABBIX_CREDENTIALS's format). */
    readerCredentials: "/etc/billu/monitoring/api-reader.cred",
} as const;

/** The secrets the steps receive on stdin. */
export const MONITORING_SECRETS = {
    /** Every agent's own PSK (hex, 32 bytes). */
    agentPsk: "zabbix-agent-psk",
    dbPassword: "zabbix-db-password",
    ca: "zabbix-site-ca",
    cert: "zabbix-frontend-cert",
    key: "zabbix-frontend-key",
    /** Admin's generated API password (the `monitoring-config` step replaces the stock one with it). */
    adminPassword: "zabbix-admin-password",
    /** The read-only API account's generated password. */
    readerPassword: "zabbix-reader-password",
} as const;

/** The secret that carries a host's PSK to the `monitoring-config` step (`zabbix-psk-par-web01`). */
export function pskSecretName(host: string): string {
    return `zabbix-psk-${host.toLowerCase()}`;
}

/** The read-only API account the `monitoring-config` step keeps (for the acceptance run's monitoring scenario). */
export function zabbixReader(site: string): { readonly username: string; readonly group: string; readonly role: string } {
    return { username: "api-reader", group: `${site} API read-only`, role: `${site} API read-only` };
}

/** A candidate agent file is checked by the agent itself once installed (it parses every parameter, `-p`). */
export const AGENT_CHECK = "! command -v zabbix_agent2 >/dev/null 2>&1 || zabbix_agent2 -c {} -p >/dev/null";

function header(what: string): string {
    return `# Generated by billu-infra: ${what}. Do not edit: the next \`pulumi up\` replaces it.\n`;
}

/**
 * A Zabbix configuration value: one line, no leading or trailing blank (the agent and server read the rest of the line
 * verbatim, so a newline in a value would add a parameter). The model's values are names, addresses and paths.
 */
function v(s: string | number): string {
    const t = String(s);
    if (/[\r\n]/.test(t) || t.trim() !== t) throw new Error(`internal: the Zabbix configuration value ${JSON.stringify(t)} is not one trimmed line`);
    return t;
}

/**
 * What every agent's configuration says, on Linux and Windows alike: passive checks only from the server, active checks
 * to its trapper, the host's name, and TLS with the host's PSK both ways (unencrypted and certificate connections
 * refused: the PSK is the credential), its file at `pskFile` in the OS's own spelling.
 */
function agentCoreLines(plan: AgentPlan, host: MonitoredHost, pskFile: string): string[] {
    return [
        `Server=${v(plan.host.address)}`,
        `ServerActive=${v(plan.host.address)}:${ZABBIX_TRAPPER_PORT}`,
        `ListenPort=${host.port}`,
        `Hostname=${v(host.name)}`,
        `Timeout=${plan.server.timeoutSeconds}`,
        "TLSConnect=psk",
        "TLSAccept=psk",
        `TLSPSKIdentity=${v(host.pskIdentity)}`,
        `TLSPSKFile=${pskFile}`,
    ];
}

/** The UserParameters the host's templates read (zabbix-config.ts USER_PARAMETERS, by the templates its role links). */
export function agentUserParameters(host: MonitoredHost): readonly UserParameter[] {
    // The site CA template goes with the watch (the host that keeps the CA's copy), not with a role.
    const siteCa = host.os === "linux" && host.watches.some((w) => w.kind === "certificate-file") ? (USER_PARAMETERS.siteCa ?? []) : [];
    return [...roleTemplateKeys(host.role, host.os).flatMap((k) => USER_PARAMETERS[k] ?? []), ...siteCa];
}

/**
 * The sudo rule of a host whose UserParameters need root (swanctl's VICI socket, Asterisk's control socket): the agent's
 * user may run exactly those command lines as root, without a password, and those calls are not logged to syslog (one
 * a minute would bury the host's real sudo use in the log collector). Undefined when the host needs none.
 */
export function renderAgentSudoers(host: MonitoredHost): string | undefined {
    const cmds = [...new Set(agentUserParameters(host).flatMap((u) => (u.sudo ? [u.sudo] : [])))];
    if (cmds.length === 0) return undefined;
    return (
        header(`the Zabbix agent's root commands on ${host.name} (billu:monitoring)`) +
        ["Defaults:zabbix !syslog", ...cmds.map((c) => `zabbix ALL=(root) NOPASSWD: ${sudoersArgs(c)}`)].join("\n") +
        "\n"
    );
}

/**
 * A command line as a sudoers Cmnd: `\`, `,`, `:` and `=` are sudoers syntax and must be escaped inside arguments
 * (sudoers(5), "Other special characters and reserved words"); sudo then matches the unescaped argument.
 */
export function sudoersArgs(command: string): string {
    return command.replace(/[\\,:=]/g, (c) => `\\${c}`);
}

/** visudo checks a candidate rule before it is installed (a broken file in sudoers.d breaks every sudo on the host). */
export const SUDOERS_CHECK = "! command -v visudo >/dev/null 2>&1 || visudo -cqf {}";

/** The agent's configuration on a Linux host: the server's address for passive and active checks, TLS with the host's PSK. */
export function renderAgentConf(plan: AgentPlan, host: MonitoredHost): string {
    return (
        header(`Zabbix agent 2 of ${host.name} (billu:monitoring)`) +
        [
            "LogFile=/var/log/zabbix/zabbix_agent2.log",
            "LogFileSize=0",
            ...agentCoreLines(plan, host, MONITORING_PATHS.agentPsk),
            // Debian's defaults, kept: the control socket and the plugin settings the package ships.
            "ControlSocket=/tmp/agent.sock",
            "Include=/etc/zabbix/zabbix_agent2.d/*.conf",
            "Include=/etc/zabbix/zabbix_agent2.d/plugins.d/*.conf",
            // The keys BillU's templates read that no stock item covers (its role's templates), each one command.
            ...agentUserParameters(host).map((u) => `UserParameter=${v(u.key)},${v(u.command)}`),
        ].join("\n") +
        "\n"
    );
}

/** The PSK file as staged: its placeholder only (the value reaches the guest on the step's stdin). */
export function agentPskFile(): string {
    return placeholder(MONITORING_SECRETS.agentPsk) + "\n";
}

/** Whether a host's own agent fetches and verifies TLS certificates (its web sites, LDAPS, IMAPS): it must trust the site CA. */
export function agentVerifiesCertificates(host: Pick<MonitoredHost, "os" | "watches">): boolean {
    return host.os === "linux" && host.watches.some((w) => w.kind === "web-site" || w.kind === "tls-endpoint");
}

/** A Linux host's agent files: the configuration, the staged PSK, and the site CA when its agent verifies certificates. */
export function agentFiles(plan: AgentPlan, host: MonitoredHost): GuestFile[] {
    return [
        { path: MONITORING_PATHS.agentPskStaged, content: agentPskFile(), mode: "0600" },
        ...(agentVerifiesCertificates(host) ? [{ path: MONITORING_PATHS.agentSiteCa, content: placeholder(MONITORING_SECRETS.ca), mode: "0644" }] : []),
        { path: MONITORING_PATHS.agentConf, content: renderAgentConf(plan, host), check: AGENT_CHECK },
        ...sudoersFile(host),
    ];
}

function sudoersFile(host: MonitoredHost): GuestFile[] {
    const content = renderAgentSudoers(host);
    return content ? [{ path: MONITORING_PATHS.agentSudoers, content, mode: "0440", check: SUDOERS_CHECK }] : [];
}

export const AGENT_DIRS: readonly GuestDir[] = [{ path: "/etc/billu/monitoring", mode: "0700", owner: "root:root" }];

/**
 * Where a Windows host's agent lives. The MSI installs agent 2 and its service into its install folder (Program Files,
 * which Users may read): the key is kept apart, in a folder closed to all but SYSTEM (the service's account) and
 * Administrators, written by the step from its stdin, never staged.
 */
export const WINDOWS_AGENT_PATHS = {
    dir: "C:/ProgramData/billu/monitoring",
    /** The step's settings (JSON, no secret), read by scripts/monitoring/agent-windows.ps1. */
    settings: "C:/ProgramData/billu/monitoring/agent.json",
    /** The agent's configuration as staged; the step copies it over the MSI's own once the agent is installed. */
    conf: "C:/ProgramData/billu/monitoring/zabbix_agent2.conf",
    psk: "C:/ProgramData/billu/monitoring/agent.psk",
    /** The downloaded MSI and the SHA-256 of the one installed (what makes a second run install nothing). */
    msi: "C:/ProgramData/billu/monitoring/zabbix_agent2.msi",
    installed: "C:/ProgramData/billu/monitoring/installed-msi.sha256",
    msiLog: "C:/ProgramData/billu/monitoring/msiexec.log",
    installDir: "C:/Program Files/Zabbix Agent 2",
    /** The configuration the MSI's service reads (`zabbix_agent2.exe --config`). */
    agentConf: "C:/Program Files/Zabbix Agent 2/zabbix_agent2.conf",
} as const;

/** The MSI's Windows service and the inbound rule the step keeps (the MSI's own rule, open to any address, is skipped). */
export const WINDOWS_AGENT_SERVICE = "Zabbix Agent 2";
export const WINDOWS_AGENT_FIREWALL_RULE = "billu-zabbix-agent";

const win = (p: string) => p.replace(/\//g, "\\");

/** The agent's configuration on a Windows host: as on Linux (server, name, PSK both ways), Windows' paths, CRLF. */
export function renderWindowsAgentConf(plan: AgentPlan, host: MonitoredHost): string {
    return (
        header(`Zabbix agent 2 of ${host.name} (billu:monitoring)`).replace(/\n$/, "") +
        "\r\n" +
        [
            `LogFile=${win(WINDOWS_AGENT_PATHS.installDir)}\\zabbix_agent2.log`,
            "LogFileSize=1",
            ...agentCoreLines(plan, host, win(WINDOWS_AGENT_PATHS.psk)),
        ].join("\r\n") +
        "\r\n"
    );
}

/** The Windows step's settings: where everything is, the MSI to install and its hash, the rule's one remote address. */
export function renderWindowsAgentSettings(plan: AgentPlan, host: MonitoredHost): string {
    const agent = plan.windowsAgent;
    if (host.os !== "windows" || !agent) throw new Error(`internal: ${host.name} is not a Windows host of billu:monitoring`);
    const settings = {
        Host: host.name,
        Version: agent.version,
        MsiUrl: agent.msiUrl,
        Sha256: agent.sha256 ?? "",
        Msi: win(WINDOWS_AGENT_PATHS.msi),
        MsiLog: win(WINDOWS_AGENT_PATHS.msiLog),
        Installed: win(WINDOWS_AGENT_PATHS.installed),
        InstallDir: win(WINDOWS_AGENT_PATHS.installDir),
        Dir: win(WINDOWS_AGENT_PATHS.dir),
        StagedConf: win(WINDOWS_AGENT_PATHS.conf),
        Conf: win(WINDOWS_AGENT_PATHS.agentConf),
        Psk: win(WINDOWS_AGENT_PATHS.psk),
        Service: WINDOWS_AGENT_SERVICE,
        FirewallRule: WINDOWS_AGENT_FIREWALL_RULE,
        ListenPort: host.port,
        Server: plan.host.address,
    };
    return JSON.stringify(settings, null, 2) + "\n";
}

/** A Windows host's staged agent files: its settings and configuration, no secret (the key arrives on stdin). */
export function windowsAgentFiles(plan: AgentPlan, host: MonitoredHost): GuestFile[] {
    return [
        { path: WINDOWS_AGENT_PATHS.settings, content: renderWindowsAgentSettings(plan, host) },
        { path: WINDOWS_AGENT_PATHS.conf, content: renderWindowsAgentConf(plan, host) },
    ];
}

/**
 * The server's settings beside Debian's zabbix_server.conf (which includes zabbix_server.conf.d/*.conf): the
 * database on the local PostgreSQL over its socket, the caches and pollers, the trapper's port.
 */
export function renderServerConf(plan: MonitoringPlan): string {
    return (
        header("Zabbix server settings (billu:monitoring.server)") +
        [
            // Over TCP to the local PostgreSQL with the generated password (Debian's pg_hba: scram-sha-256 on 127.0.0.1).
            "DBHost=127.0.0.1",
            "DBPort=5432",
            `DBName=${v(plan.database.name)}`,
            `DBUser=${v(plan.database.user)}`,
            `ListenPort=${plan.server.listenPort}`,
            `CacheSize=${plan.server.cacheSizeMiB}M`,
            `StartPollers=${plan.server.startPollers}`,
            `Timeout=${plan.server.timeoutSeconds}`,
        ].join("\n") +
        "\n"
    );
}

/**
 * The frontend's database settings (PHP). The password is not in it: it reads the copy the step gives the web server's
 * group (scripts/monitoring/server-step.sh), so the rendered file holds no secret.
 */
export function renderFrontendConf(plan: MonitoringPlan): string {
    const q = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
    return [
        "<?php",
        "// Generated by billu-infra: the Zabbix frontend's settings (billu:monitoring). Do not edit: the next `pulumi up` replaces it.",
        "$DB['TYPE'] = 'POSTGRESQL';",
        "$DB['SERVER'] = '127.0.0.1';",
        "$DB['PORT'] = '5432';",
        `$DB['DATABASE'] = ${q(plan.database.name)};`,
        `$DB['USER'] = ${q(plan.database.user)};`,
        `$DB['PASSWORD'] = trim((string) file_get_contents('${MONITORING_PATHS.frontendDbPassword}'));`,
        "$DB['SCHEMA'] = '';",
        "$DB['ENCRYPTION'] = false;",
        "$ZBX_SERVER = 'localhost';",
        `$ZBX_SERVER_PORT = '${plan.server.listenPort}';`,
        `$ZBX_SERVER_NAME = ${q(plan.host.name)};`,
        "$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;",
        "",
    ].join("\n");
}

/** PHP-FPM's settings the frontend's setup checks require (post size, execution and input times). */
export function renderPhpIni(): string {
    return (
        "; Generated by billu-infra: PHP settings of the Zabbix frontend (billu:monitoring). Do not edit: the next `pulumi up` replaces it.\n" +
        ["post_max_size = 16M", "max_execution_time = 300", "max_input_time = 300", "memory_limit = 128M", "date.timezone = Europe/Paris"].join("\n") +
        "\n"
    );
}

/**
 * The frontend's Apache site: HTTP redirects to HTTPS, HTTPS with the site-CA certificate, PHP through PHP-FPM
 * (Debian's php8.2-fpm socket), the frontend at the site's root.
 */
export function renderApacheSite(plan: MonitoringPlan): string {
    return (
        header("the Zabbix frontend's Apache site (billu:monitoring)") +
        [
            "<VirtualHost *:80>",
            `    ServerName ${v(plan.fqdn)}`,
            `    Redirect permanent / ${v(plan.frontendUrl)}`,
            "</VirtualHost>",
            "",
            "<VirtualHost *:443>",
            `    ServerName ${v(plan.fqdn)}`,
            "    DocumentRoot /usr/share/zabbix",
            "    SSLEngine on",
            `    SSLCertificateFile ${MONITORING_PATHS.cert}`,
            `    SSLCertificateKeyFile ${MONITORING_PATHS.key}`,
            "    SSLProtocol -all +TLSv1.2 +TLSv1.3",
            '    Header always set Strict-Transport-Security "max-age=31536000"',
            "    <Directory /usr/share/zabbix>",
            "        Options FollowSymLinks",
            "        AllowOverride None",
            "        Require all granted",
            "        <FilesMatch \\.php$>",
            '            SetHandler "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"',
            "        </FilesMatch>",
            "    </Directory>",
            "    <Directory /usr/share/zabbix/conf>",
            "        Require all denied",
            "    </Directory>",
            "    <Directory /usr/share/zabbix/include>",
            "        Require all denied",
            "    </Directory>",
            "</VirtualHost>",
        ].join("\n") +
        "\n"
    );
}

/** A data disk's stable path in the guest: Proxmox attaches the host's disks as scsi0, scsi1, ... (components/proxmox-vm). */
export function dataDiskPath(index: number): string {
    return `/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi${index}`;
}

/**
 * The server step's settings (sh assignments the step sources): the database, the data disk, the dump folder. Data
 * only, no logic; no secret.
 */
export function renderServerSettings(plan: MonitoringPlan): string {
    const sh = (s: string | number) => `'${String(s).replace(/'/g, `'\\''`)}'`;
    return (
        header("the Zabbix server step's settings (billu:monitoring)") +
        [
            `ZBX_DB_NAME=${sh(plan.database.name)}`,
            `ZBX_DB_USER=${sh(plan.database.user)}`,
            `ZBX_DATA_DISK=${sh(dataDiskPath(plan.database.dataDisk.index))}`,
            `ZBX_DATA_MOUNT=${sh(plan.database.dataDisk.mountPoint)}`,
            `ZBX_DUMP_DIR=${sh(plan.database.dumpDir)}`,
            `ZBX_HISTORY_DAYS=${sh(plan.server.historyDays)}`,
            `ZBX_TREND_DAYS=${sh(plan.server.trendDays)}`,
        ].join("\n") +
        "\n"
    );
}

/**
 * The daily dump of the Zabbix database (pg_dump, custom format) the in-guest backup saves: an hour before midnight,
 * well before the backup window's start, so the backup always takes a finished dump.
 */
export function renderDumpUnits(plan: MonitoringPlan): { service: string; timer: string } {
    return {
        service:
            header("the Zabbix database dump the in-guest backup saves") +
            [
                "[Unit]",
                "Description=Dump the Zabbix database for the in-guest backup (billu:monitoring)",
                "After=postgresql.service",
                "",
                "[Service]",
                "Type=oneshot",
                "User=postgres",
                `ExecStart=/usr/bin/pg_dump --format=custom --file=${v(plan.database.dumpDir)}/zabbix.dump.new ${v(plan.database.name)}`,
                `ExecStartPost=/bin/mv -f ${v(plan.database.dumpDir)}/zabbix.dump.new ${v(plan.database.dumpDir)}/zabbix.dump`,
            ].join("\n") +
            "\n",
        timer:
            header("when the Zabbix database is dumped") +
            [
                "[Unit]",
                "Description=Daily dump of the Zabbix database",
                "",
                "[Timer]",
                "OnCalendar=*-*-* 22:30",
                "Persistent=true",
                "",
                "[Install]",
                "WantedBy=timers.target",
            ].join("\n") +
            "\n",
    };
}

/** The server's files (the frontend's certificate, key and chain through secrets; the DB password through secrets). */
export function serverFiles(plan: MonitoringPlan): GuestFile[] {
    const dump = renderDumpUnits(plan);
    return [
        { path: MONITORING_PATHS.settings, content: renderServerSettings(plan) },
        { path: MONITORING_PATHS.siteCa, content: placeholder(MONITORING_SECRETS.ca), mode: "0644" },
        { path: MONITORING_PATHS.cert, content: placeholder(MONITORING_SECRETS.cert), mode: "0644" },
        { path: MONITORING_PATHS.key, content: placeholder(MONITORING_SECRETS.key), mode: "0600" },
        { path: MONITORING_PATHS.dbPassword, content: placeholder(MONITORING_SECRETS.dbPassword), mode: "0600" },
        { path: MONITORING_PATHS.phpIni, content: renderPhpIni() },
        { path: MONITORING_PATHS.serverConf, content: renderServerConf(plan) },
        { path: MONITORING_PATHS.apacheSite, content: renderApacheSite(plan) },
        { path: MONITORING_PATHS.frontendConf, content: renderFrontendConf(plan) },
        { path: MONITORING_PATHS.dumpService, content: dump.service },
        { path: MONITORING_PATHS.dumpTimer, content: dump.timer },
    ];
}

export const SERVER_DIRS: readonly GuestDir[] = [{ path: "/etc/billu/monitoring", mode: "0700", owner: "root:root" }];

/** An API client of scripts/monitoring or the module they share, verbatim (shipped as a file of the step: a changed one re-runs it). */
export function clientText(name: "zabbix-config.py" | "zabbix-access.py" | "zabbix_api.py"): string {
    return readFileSync(repoPath("scripts", "monitoring", name), "utf8");
}

/** The API's address for the server's own steps: its plan address (in the frontend certificate's IP SANs), over HTTPS. */
export function apiUrl(plan: MonitoringPlan): string {
    return `https://${plan.host.address}/api_jsonrpc.php`;
}

/**
 * The `monitoring-config` step's settings (sh assignments scripts/monitoring/config-step.sh sources): the API, the
 * trust anchor, the document and the clients, the read-only account's names, and each host's PSK as `<secret name>
 * <PSK identity>` lines (the names of the secrets that carry the keys, not the keys). Data only; no secret.
 */
export function renderConfigSettings(plan: MonitoringPlan, site: string): string {
    const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const reader = zabbixReader(site);
    const psks = configuredHosts(plan)
        .map((h) => `${pskSecretName(h.name)} ${v(h.pskIdentity)}`)
        .join("\n");
    return (
        header("the Zabbix configuration step's settings (billu:monitoring)") +
        [
            `ZBX_API_URL=${sh(apiUrl(plan))}`,
            `ZBX_CA=${sh(MONITORING_PATHS.siteCa)}`,
            `ZBX_DOCUMENT=${sh(MONITORING_PATHS.configDocument)}`,
            `ZBX_CLIENT=${sh(MONITORING_PATHS.configClient)}`,
            `ZBX_ACCESS=${sh(MONITORING_PATHS.accessClient)}`,
            `ZBX_READER_USER=${sh(reader.username)}`,
            `ZBX_READER_GROUP=${sh(reader.group)}`,
            `ZBX_READER_ROLE=${sh(reader.role)}`,
            `ZBX_PSK_SECRETS=${sh(psks)}`,
        ].join("\n") +
        "\n"
    );
}

/** The read-only account's credentials file: its name, and its password as a placeholder (filled from the step's stdin). */
export function renderReaderCredentials(site: string): string {
    return `username=${zabbixReader(site).username}\npassword=${placeholder(MONITORING_SECRETS.readerPassword)}\n`;
}

/**
 * The `monitoring-config` step's files, or none when the plan has no configuration document (no alert mail: see
 * config-input.ts): the settings, the document, the two API clients and the module they share (verbatim from
 * scripts/monitoring, so a changed client or module re-runs the step), the read-only account's credentials.
 */
export function configStepFiles(plan: MonitoringPlan, site: string): GuestFile[] | undefined {
    const doc = renderZabbixConfigFile(plan, site);
    if (!doc) return undefined;
    return [
        { path: MONITORING_PATHS.configSettings, content: renderConfigSettings(plan, site) },
        { path: MONITORING_PATHS.configDocument, content: doc, mode: "0600" },
        { path: MONITORING_PATHS.configClient, content: clientText("zabbix-config.py") },
        { path: MONITORING_PATHS.accessClient, content: clientText("zabbix-access.py") },
        { path: MONITORING_PATHS.apiModule, content: clientText("zabbix_api.py") },
        { path: MONITORING_PATHS.readerCredentials, content: renderReaderCredentials(site), mode: "0600" },
    ];
}
