/**
 * Pure renderers of the GLPI service (model/assets.ts): Apache's site, GLPI's path and database settings (PHP), the
 * database and its user (SQL), the site's settings the install step applies through GLPI's own classes (JSON read by
 * scripts/assets/glpi-site.php), the pre-registered workstations (CSV), the daily dump, and the inventory agent's
 * configuration on every Debian host. No Pulumi here; the step logic is in scripts/assets/*, read verbatim. Secrets
 * (the database password, the LDAP account's password, the certificate's key) appear only as the guest step's
 * `{{secret:<name>}}` placeholders and reach the guest on the step's stdin.
 *
 * GLPI's layout is the FHS one of GLPI's packaging guide (https://glpi-developer-documentation.readthedocs.io/en/master/
 * packaging.html): code under /usr/share/glpi (a link to the pinned release's folder), configuration in /etc/glpi
 * (inc/downstream.php points GLPI there), state in /var/lib/glpi, logs in /var/log/glpi.
 */
import { readFileSync } from "fs";
import { INVENTORY_STAMP, type AssetsPlan } from "../../model/assets";
import { ASSETS_LDAP_SECRET } from "../contracts";
import type { GuestDir, GuestFile } from "../guest-step/render";
import { placeholder, stepScript } from "../guest-step/render";
import { generatedHeader } from "../header";
import { repoPath } from "../paths";

export const GLPI_PATHS = {
    /** The link to the installed release (`/usr/share/glpi-<version>`). */
    code: "/usr/share/glpi",
    releases: "/usr/share",
    config: "/etc/glpi",
    downstream: "/etc/billu/assets/downstream.php",
    localDefine: "/etc/glpi/local_define.php",
    configDb: "/etc/glpi/config_db.php",
    vars: "/var/lib/glpi",
    logs: "/var/log/glpi",
    settings: "/etc/billu/assets/assets.env",
    grants: "/etc/billu/assets/grants.sql",
    site: "/etc/billu/assets/site.json",
    siteScript: "/usr/local/lib/billu/glpi-site.php",
    computers: "/etc/billu/assets/computers.csv",
    ca: "/etc/billu/assets/site-ca.pem",
    cert: "/etc/billu/assets/glpi.pem",
    key: "/etc/billu/assets/glpi.key",
    ldapPassword: "/etc/billu/assets/ldap-password",
    apacheSite: "/etc/apache2/sites-available/billu-glpi.conf",
    phpIni: "/etc/php/8.2/fpm/conf.d/90-billu-glpi.ini",
    cron: "/etc/cron.d/billu-glpi",
    dumpService: "/etc/systemd/system/billu-glpi-dump.service",
    dumpTimer: "/etc/systemd/system/billu-glpi-dump.timer",
} as const;

/** The step's secrets: the site CA, the server's certificate and key, the database password, the LDAP account's. */
export const ASSETS_SECRETS = { ca: "glpi-ca", cert: "glpi-cert", key: "glpi-key", db: "glpi-db-password", ldap: ASSETS_LDAP_SECRET } as const;

/** The inventory agent on every Debian host (fusioninventory-agent, Debian's 1:2.6). */
export const AGENT_PATHS = {
    conf: "/etc/billu/assets/agent.cfg",
    ca: "/etc/billu/assets/agent-ca.pem",
    service: "/etc/systemd/system/billu-inventory.service",
    timer: "/etc/systemd/system/billu-inventory.timer",
} as const;
export const AGENT_CA_SECRET = "glpi-agent-ca";

const hash = (what: string, host?: string) => generatedHeader("#", { host, what });
const phpHeader = (what: string) => generatedHeader("//", { what });
/** A PHP single-quoted string literal (backslash and quote escaped). */
const phpString = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
/** An SQL string literal for MariaDB (backslash and quote escaped). */
const sqlString = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;

/**
 * Apache's site: HTTPS only (HTTP redirects), the document root GLPI 10.0.7+ wants (`public/`, every request routed
 * to its index.php: GLPI's installation guide), PHP through PHP-FPM, TLS 1.2+.
 */
export function renderApacheSite(plan: AssetsPlan): string {
    const root = `${GLPI_PATHS.code}/public`;
    return [
        hash("GLPI's site (billu:assets)", plan.host.name),
        "<VirtualHost *:80>",
        `    ServerName ${plan.fqdn}`,
        `    Redirect permanent / ${plan.url}/`,
        "</VirtualHost>",
        "",
        "<VirtualHost *:443>",
        `    ServerName ${plan.fqdn}`,
        `    DocumentRoot ${root}`,
        "    SSLEngine on",
        `    SSLCertificateFile ${GLPI_PATHS.cert}`,
        `    SSLCertificateKeyFile ${GLPI_PATHS.key}`,
        "    SSLProtocol -all +TLSv1.2 +TLSv1.3",
        '    Header always set Strict-Transport-Security "max-age=31536000"',
        `    <Directory ${root}>`,
        "        Require all granted",
        "        RewriteEngine On",
        "        RewriteCond %{HTTP:Authorization} ^(.+)$",
        "        RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]",
        "        RewriteCond %{REQUEST_FILENAME} !-f",
        "        RewriteRule ^(.*)$ index.php [QSA,L]",
        "    </Directory>",
        '    <FilesMatch "\\.php$">',
        '        SetHandler "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"',
        "    </FilesMatch>",
        `    ErrorLog \${APACHE_LOG_DIR}/glpi-error.log`,
        `    CustomLog \${APACHE_LOG_DIR}/glpi-access.log combined`,
        "</VirtualHost>",
        "",
    ].join("\n");
}

/** PHP-FPM's settings GLPI 10 checks (secure session cookies over HTTPS, its upload size). */
export function renderPhpIni(plan: AssetsPlan): string {
    return [
        `; ${generatedHeader("#", { host: plan.host.name, what: "PHP settings GLPI checks (billu:assets)" }).slice(2)}`,
        "session.cookie_secure = on",
        "session.cookie_httponly = on",
        "session.cookie_samesite = Lax",
        "upload_max_filesize = 20M",
        "post_max_size = 20M",
        "memory_limit = 256M",
        "",
    ].join("\n");
}

/** inc/downstream.php: where GLPI finds its configuration (the packaging guide's FHS layout). */
export function renderDownstreamPhp(): string {
    return [
        "<?php",
        phpHeader("GLPI's configuration folder (billu:assets)"),
        `define('GLPI_CONFIG_DIR', ${phpString(GLPI_PATHS.config)});`,
        "if (file_exists(GLPI_CONFIG_DIR . '/local_define.php')) {",
        "    require_once GLPI_CONFIG_DIR . '/local_define.php';",
        "}",
        "",
    ].join("\n");
}

/** /etc/glpi/local_define.php: state and logs outside the code. */
export function renderLocalDefinePhp(): string {
    return [
        "<?php",
        phpHeader("GLPI's state and log folders (billu:assets)"),
        `define('GLPI_VAR_DIR', ${phpString(`${GLPI_PATHS.vars}/files`)});`,
        `define('GLPI_LOG_DIR', ${phpString(GLPI_PATHS.logs)});`,
        "",
    ].join("\n");
}

/**
 * /etc/glpi/config_db.php: the connection GLPI's console and web interface use (the class GLPI's installer writes).
 * GLPI stores the password rawurlencode()d; the generated one is letters and digits, which that leaves as they are.
 */
export function renderConfigDbPhp(plan: AssetsPlan): string {
    return [
        "<?php",
        phpHeader("GLPI's database connection (billu:assets)"),
        "class DB extends DBmysql {",
        "    public $dbhost = 'localhost';",
        `    public $dbuser = ${phpString(plan.database.user)};`,
        `    public $dbpassword = '${placeholder(ASSETS_SECRETS.db)}';`,
        `    public $dbdefault = ${phpString(plan.database.name)};`,
        "    public $use_timezones = true;",
        "    public $use_utf8mb4 = true;",
        "    public $allow_myisam = false;",
        "    public $allow_datetime = false;",
        "    public $allow_signed_keys = false;",
        "}",
        "",
    ].join("\n");
}

/**
 * The database and GLPI's user, local socket only: created when missing, the password set from the secret every run
 * (it follows the secret), the time zone table readable (GLPI 10's time zone support). Run by root over the socket.
 */
export function renderGrantsSql(plan: AssetsPlan): string {
    const user = `${sqlString(plan.database.user)}@'localhost'`;
    const pw = `'${placeholder(ASSETS_SECRETS.db)}'`;
    return [
        `-- ${generatedHeader("#", { host: plan.host.name, what: "GLPI's database and user (billu:assets)" }).slice(2)}`,
        `CREATE DATABASE IF NOT EXISTS \`${plan.database.name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`,
        `CREATE USER IF NOT EXISTS ${user} IDENTIFIED BY ${pw};`,
        `ALTER USER ${user} IDENTIFIED BY ${pw};`,
        `GRANT ALL PRIVILEGES ON \`${plan.database.name}\`.* TO ${user};`,
        `GRANT SELECT ON \`mysql\`.\`time_zone_name\` TO ${user};`,
        "FLUSH PRIVILEGES;",
        "",
    ].join("\n");
}

/** What scripts/assets/glpi-site.php applies through GLPI's classes: directory, profiles, categories, entities, mail. */
export function renderSiteJson(plan: AssetsPlan): string {
    const doc = {
        url: plan.url,
        ldap: {
            name: "BillU AD",
            host: `ldaps://${plan.ldap.host}`,
            port: plan.ldap.port,
            replicas: plan.ldap.uris.slice(1),
            basedn: plan.ldap.baseDn,
            condition: plan.ldap.filter,
            login_field: plan.ldap.loginField,
            rootdn: plan.ldap.bindDn,
            passwordFile: GLPI_PATHS.ldapPassword,
            caFile: GLPI_PATHS.ca,
            group_field: "memberof",
            group_search_type: 1,
        },
        profiles: plan.profiles.map((p) => ({ groupDn: p.groupDn, profile: p.profile })),
        defaultProfile: plan.defaultProfile,
        categories: plan.categories,
        entities: plan.entities.map((e) => ({ name: e.name, groupDn: e.groupDn })),
        helpdesk: {
            address: plan.helpdesk.address,
            imap: `{${plan.helpdesk.mailHost}:${plan.helpdesk.imapsPort}/imap/ssl}INBOX`,
            login: plan.ldap.serviceAccount,
            passwordFile: GLPI_PATHS.ldapPassword,
        },
        smtp: { host: plan.helpdesk.mailHost, port: plan.helpdesk.submissionPort, login: plan.ldap.serviceAccount, from: plan.helpdesk.address },
        computers: GLPI_PATHS.computers,
    };
    return JSON.stringify(doc, null, 2) + "\n";
}

/** A CSV field: quoted when it holds the separator, a quote or a line break (RFC 4180, `;` as BillU's exports use). */
function csvField(s: string): string {
    return /[;"\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The workstations pre-registered in GLPI: the directory plan's computers with their owner. */
export function renderComputersCsv(plan: AssetsPlan): string {
    const rows = [["name", "manufacturer", "user", "department", "entity"], ...plan.computers.map((c) => [c.name, c.brand, c.owner, c.department, c.entity])];
    return rows.map((r) => r.map(csvField).join(";")).join("\n") + "\n";
}

/** The settings the step's shell reads. */
export function renderAssetsEnv(plan: AssetsPlan): string {
    const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
    return [
        hash("GLPI's install settings (billu:assets)", plan.host.name),
        `GLPI_VERSION=${q(plan.glpi.version)}`,
        `GLPI_URL=${q(plan.glpi.url)}`,
        `GLPI_SHA256=${q(plan.glpi.sha256 ?? "")}`,
        `GLPI_DB_NAME=${q(plan.database.name)}`,
        `GLPI_DUMP_DIR=${q(plan.dumpDir)}`,
        "",
    ].join("\n");
}

/** The daily dump the in-guest backup saves (a consistent snapshot of InnoDB tables). */
export function renderDumpService(plan: AssetsPlan): string {
    return [
        hash("daily dump of GLPI's database for the in-guest backup (billu:assets)", plan.host.name),
        "[Unit]",
        "Description=Dump GLPI's database for the in-guest backup",
        "[Service]",
        "Type=oneshot",
        "UMask=0077",
        `ExecStart=/bin/sh -c 'mysqldump --single-transaction --routines ${plan.database.name} > ${plan.dumpDir}/${plan.database.name}.sql.tmp && mv ${plan.dumpDir}/${plan.database.name}.sql.tmp ${plan.dumpDir}/${plan.database.name}.sql'`,
        "",
    ].join("\n");
}

export function renderDumpTimer(plan: AssetsPlan): string {
    return [
        hash("schedule of the dump (billu:assets)", plan.host.name),
        "[Timer]",
        "OnCalendar=*-*-* 21:30",
        "Persistent=true",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ].join("\n");
}

/** GLPI's automatic actions (the mail collector, notifications) every minute, as its installation guide asks. */
export function renderCron(plan: AssetsPlan): string {
    return [hash("GLPI's automatic actions (billu:assets)", plan.host.name), `* * * * * www-data /usr/bin/php ${GLPI_PATHS.code}/front/cron.php`, ""].join(
        "\n",
    );
}

export function assetsFiles(plan: AssetsPlan): GuestFile[] {
    return [
        { path: GLPI_PATHS.ca, content: placeholder(ASSETS_SECRETS.ca) },
        { path: GLPI_PATHS.cert, content: placeholder(ASSETS_SECRETS.cert) },
        { path: GLPI_PATHS.key, content: placeholder(ASSETS_SECRETS.key), mode: "0600" },
        { path: GLPI_PATHS.ldapPassword, content: placeholder(ASSETS_SECRETS.ldap), mode: "0640", owner: "root:www-data" },
        { path: GLPI_PATHS.settings, content: renderAssetsEnv(plan) },
        { path: GLPI_PATHS.grants, content: renderGrantsSql(plan), mode: "0600" },
        { path: GLPI_PATHS.downstream, content: renderDownstreamPhp() },
        { path: GLPI_PATHS.localDefine, content: renderLocalDefinePhp() },
        { path: GLPI_PATHS.configDb, content: renderConfigDbPhp(plan), mode: "0640", owner: "root:www-data" },
        { path: GLPI_PATHS.site, content: renderSiteJson(plan) },
        { path: GLPI_PATHS.siteScript, content: siteScript() },
        { path: GLPI_PATHS.computers, content: renderComputersCsv(plan) },
        { path: GLPI_PATHS.apacheSite, content: renderApacheSite(plan) },
        { path: GLPI_PATHS.phpIni, content: renderPhpIni(plan) },
        { path: GLPI_PATHS.cron, content: renderCron(plan) },
        { path: GLPI_PATHS.dumpService, content: renderDumpService(plan) },
        { path: GLPI_PATHS.dumpTimer, content: renderDumpTimer(plan) },
    ];
}

export function assetsDirs(plan: AssetsPlan): GuestDir[] {
    return [
        { path: "/etc/billu/assets", mode: "0755", owner: "root:root" },
        { path: GLPI_PATHS.config, mode: "0750", owner: "root:www-data" },
        { path: plan.dumpDir, mode: "0700", owner: "root:root" },
    ];
}

export function assetsStepScript(): string {
    return stepScript("linux", "assets/glpi-step.sh", { SETTINGS: GLPI_PATHS.settings });
}

/** scripts/assets/glpi-site.php, shipped as it is (its data is site.json). */
export function siteScript(): string {
    return readFileSync(repoPath("scripts", "assets", "glpi-site.php"), "utf8");
}

/**
 * The agent's configuration (fusioninventory-agent's `--conf-file`): GLPI's native inventory endpoint, verified against
 * the site CA, no listening port (the server never calls the agent), the host's zone as its tag. It runs from a timer
 * (renderAgentTimer), not as the package's daemon.
 */
export function renderAgentConf(plan: AssetsPlan, host: { readonly name: string; readonly zone: string }): string {
    return [
        hash("the inventory agent (billu:assets)", host.name),
        `server = ${plan.inventory.url}`,
        `ca-cert-file = ${AGENT_PATHS.ca}`,
        `tag = ${host.zone}`,
        "no-httpd = 1",
        "no-ssl-check = 0",
        "timeout = 180",
        "logger = syslog",
        "logfacility = LOG_DAEMON",
        "",
    ].join("\n");
}

export function renderAgentService(host: { readonly name: string }): string {
    return [
        hash("one inventory run (billu:assets)", host.name),
        "[Unit]",
        "Description=Send this host's inventory to GLPI",
        "After=network-online.target",
        "Wants=network-online.target",
        "[Service]",
        "Type=oneshot",
        // The stamp monitoring reads (INVENTORY_STAMP) is touched only by a run that sent its inventory. The agent exits 0
        // when GLPI cannot be reached (2.6 logs "[error] No answer from server" and goes on), so its exit status is not
        // enough: a run with an `[error]` line touches nothing. `$$` is systemd's escape of `$`.
        `StateDirectory=${INVENTORY_STAMP.split("/")[3]}`,
        "ExecStart=/bin/sh -c 'out=$$(/usr/bin/fusioninventory-agent --conf-file=" +
            AGENT_PATHS.conf +
            ' --force --logger=stderr 2>&1); rc=$$?; echo "$$out"; [ $$rc -eq 0 ] && ! echo "$$out" | grep -qF "[error]" && touch ' +
            INVENTORY_STAMP +
            "'",
        "",
    ].join("\n");
}

export function renderAgentTimer(plan: AssetsPlan, host: { readonly name: string }): string {
    return [
        hash("the inventory's schedule (billu:assets)", host.name),
        "[Timer]",
        "OnBootSec=15min",
        `OnUnitActiveSec=${plan.inventory.hours}h`,
        // Spread the hosts over an hour: they do not all send at once.
        "RandomizedDelaySec=1h",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ].join("\n");
}

export function agentFiles(plan: AssetsPlan, host: { readonly name: string; readonly zone: string }): GuestFile[] {
    return [
        { path: AGENT_PATHS.ca, content: placeholder(AGENT_CA_SECRET) },
        { path: AGENT_PATHS.conf, content: renderAgentConf(plan, host) },
        { path: AGENT_PATHS.service, content: renderAgentService(host) },
        { path: AGENT_PATHS.timer, content: renderAgentTimer(plan, host) },
    ];
}
