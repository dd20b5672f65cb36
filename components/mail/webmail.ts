/**
 * The webmail (step `webmail`): Roundcube from Debian's packages behind Apache over HTTPS, with the mail server's
 * site-CA certificate. Roundcube logs users on through Dovecot (IMAPS, the site CA verified, the server's FQDN) and
 * sends through submission (STARTTLS, the user's own logon); its SQLite database under /var/lib/roundcube is backed
 * up (model/services/mail.ts WEBMAIL_DATA). Apache's whole configuration is one file, checked by `apache2ctl -t`
 * before it replaces the installed one; TLS as the DMZ web server's (WEBMAIL_TLS). No Pulumi here.
 */
import { MailPlan } from "../../model/mail";
import { WEBMAIL_DATA } from "../../model/services/mail";
import { GuestFile, placeholder, StepSpec, stepScript } from "../guest-step/render";
import { generatedHeader } from "../header";
import { MAIL_PATHS, port } from "./common";

/**
 * TLS as the DMZ web server's (components/web/render.ts TLS, Mozilla's "intermediate", ECDSA suites: the site CA
 * issues ECDSA keys); a component does not import another's internals, so __tests__/components/webmail-render.test.ts
 * pins the two equal.
 */
export const WEBMAIL_TLS = {
    protocols: ["TLSv1.2", "TLSv1.3"],
    ciphers: ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"],
    curves: ["X25519", "prime256v1", "secp384r1"],
    hstsMaxAgeSeconds: 63072000,
} as const;

export const WEBMAIL_SECRET = {
    /** Roundcube's des_key (24 characters, @pulumi/random): it encrypts the IMAP password kept in the session. */
    desKey: "webmail-des-key",
} as const;

export const WEBMAIL_PATHS = {
    apacheConf: "/etc/apache2/apache2.conf",
    roundcubeConf: "/etc/roundcube/config.inc.php",
    /** Debian's document root for Roundcube (symlinks into /usr/share/roundcube). */
    docRoot: "/var/lib/roundcube/public_html",
    dataDir: WEBMAIL_DATA,
    db: `${WEBMAIL_DATA}/roundcube.sqlite`,
    schema: "/usr/share/roundcube/SQL/sqlite.initial.sql",
} as const;

/** Modules the Apache configuration uses (mod_php needs the prefork MPM). */
export const WEBMAIL_APACHE_MODULES: readonly (readonly [string, string])[] = [
    ["mpm_prefork_module", "mod_mpm_prefork.so"],
    ["authz_core_module", "mod_authz_core.so"],
    ["authz_host_module", "mod_authz_host.so"],
    ["dir_module", "mod_dir.so"],
    ["mime_module", "mod_mime.so"],
    ["headers_module", "mod_headers.so"],
    ["reqtimeout_module", "mod_reqtimeout.so"],
    ["socache_shmcb_module", "mod_socache_shmcb.so"],
    ["ssl_module", "mod_ssl.so"],
    ["php_module", "libphp8.2.so"],
];

export interface WebmailInputs {
    readonly plan: MailPlan;
    /** The networks that reach the webmail: the department zones' (the flows model/mail.ts requires). */
    readonly networks: readonly string[];
    readonly siteName: string;
}

const phpString = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/** Apache's whole configuration on the mail host: one HTTPS virtual host serving Roundcube to the allowed networks. */
export function renderWebmailApache(inp: WebmailInputs): string {
    const { plan } = inp;
    const L: string[] = [];
    L.push(generatedHeader("#", { host: plan.host.name, site: inp.siteName, what: "Apache's whole configuration: the webmail (Roundcube) over HTTPS." }));
    L.push("# Do not edit: change billu:mail.webmail and billu:flows in the stack config. Checked with `apache2ctl -t` before it is installed.");
    L.push('ServerRoot "/etc/apache2"');
    L.push(`ServerName ${plan.hostname}`);
    L.push("DefaultRuntimeDir ${APACHE_RUN_DIR}");
    L.push("PidFile ${APACHE_PID_FILE}");
    L.push("Mutex file:${APACHE_LOCK_DIR} default");
    L.push("User ${APACHE_RUN_USER}");
    L.push("Group ${APACHE_RUN_GROUP}");
    for (const [m, f] of WEBMAIL_APACHE_MODULES) L.push(`LoadModule ${m} /usr/lib/apache2/modules/${f}`);
    L.push("Timeout 60");
    L.push("KeepAlive On");
    L.push("KeepAliveTimeout 5");
    L.push("HostnameLookups Off");
    L.push("ServerTokens Prod");
    L.push("ServerSignature Off");
    L.push("TraceEnable Off");
    L.push("RequestReadTimeout header=20-40,MinRate=500 body=20,MinRate=500");
    L.push("TypesConfig /etc/mime.types");
    L.push("AddDefaultCharset UTF-8");
    L.push("# Debian's .htaccess files are not read: this file says everything (their php_flag lines would need mod_php's override).");
    L.push("AccessFileName .billu-no-htaccess");
    L.push("ErrorLog ${APACHE_LOG_DIR}/error.log");
    L.push("LogLevel warn");
    L.push('LogFormat "%v:%p %a %l %u %t \\"%r\\" %>s %O" webmail');
    L.push("CustomLog ${APACHE_LOG_DIR}/access.log webmail");
    L.push("<Directory />");
    L.push("    Options None");
    L.push("    AllowOverride None");
    L.push("    Require all denied");
    L.push("</Directory>");
    L.push(`SSLProtocol -all ${WEBMAIL_TLS.protocols.map((p) => "+" + p).join(" ")}`);
    L.push(`SSLCipherSuite ${WEBMAIL_TLS.ciphers.join(":")}`);
    L.push("SSLHonorCipherOrder off");
    L.push(`SSLOpenSSLConfCmd Curves ${WEBMAIL_TLS.curves.join(":")}`);
    L.push("SSLSessionTickets off");
    L.push("SSLCompression off");
    L.push("SSLSessionCache shmcb:${APACHE_RUN_DIR}/ssl_scache(512000)");
    L.push(`# HTTPS only (no port ${port("http")}): the flow matrix opens https to ${plan.host.name} from the department zones alone.`);
    L.push(`Listen ${port("https")}`);
    L.push(`<VirtualHost *:${port("https")}>`);
    L.push(`    ServerName ${plan.hostname}`);
    L.push(`    DocumentRoot ${WEBMAIL_PATHS.docRoot}`);
    L.push("    SSLEngine on");
    L.push(`    SSLCertificateFile ${MAIL_PATHS.cert}`);
    L.push(`    SSLCertificateKeyFile ${MAIL_PATHS.key}`);
    L.push(`    Header always set Strict-Transport-Security "max-age=${WEBMAIL_TLS.hstsMaxAgeSeconds}"`);
    L.push('    Header always set X-Content-Type-Options "nosniff"');
    L.push('    Header always set Referrer-Policy "same-origin"');
    L.push(`    <Directory ${WEBMAIL_PATHS.docRoot}>`);
    L.push("        # Debian's public_html links into /usr/share/roundcube.");
    L.push("        Options +FollowSymLinks");
    L.push("        AllowOverride None");
    L.push("        DirectoryIndex index.php");
    L.push(inp.networks.length > 0 ? `        Require ip ${inp.networks.join(" ")}` : "        Require all denied");
    L.push("        <FilesMatch \\.php$>");
    L.push("            SetHandler application/x-httpd-php");
    L.push("        </FilesMatch>");
    L.push("    </Directory>");
    L.push("</VirtualHost>");
    L.push("");
    return L.join("\n");
}

/** Roundcube's configuration: IMAPS and submission on the server's own name, the site CA verified; the DB; des_key as a secret. */
export function renderRoundcubeConf(inp: WebmailInputs): string {
    const { plan } = inp;
    const tls = `[
    'ssl' => [
        'verify_peer' => true,
        'verify_peer_name' => true,
        'peer_name' => ${phpString(plan.hostname)},
        'cafile' => ${phpString(MAIL_PATHS.ca)},
    ],
]`;
    return [
        "<?php",
        generatedHeader("//", { host: plan.host.name, site: inp.siteName, what: "Roundcube's configuration (the webmail)." }),
        "// Do not edit: change billu:mail in the stack config. Debian's defaults.inc.php gives every other setting.",
        "$config = [];",
        `$config['db_dsnw'] = ${phpString(`sqlite:///${WEBMAIL_PATHS.db}?mode=0640`)};`,
        "// IMAPS to Dovecot: the logon is the AD account's (Dovecot binds to AD as the user).",
        `$config['imap_host'] = ${phpString(`ssl://${plan.hostname}:${port("imaps")}`)};`,
        `$config['imap_conn_options'] = ${tls};`,
        "// Submission with STARTTLS and the user's own logon (Postfix checks the sender belongs to it).",
        `$config['smtp_host'] = ${phpString(`tls://${plan.hostname}:${port("submission")}`)};`,
        "$config['smtp_user'] = '%u';",
        "$config['smtp_pass'] = '%p';",
        `$config['smtp_conn_options'] = ${tls};`,
        `$config['des_key'] = ${phpString(placeholder(WEBMAIL_SECRET.desKey))};`,
        "$config['product_name'] = 'BillU webmail';",
        "$config['support_url'] = '';",
        "$config['skin'] = 'elastic';",
        "$config['plugins'] = [];",
        "// Sessions only over HTTPS; the login form refuses other hosts' pages.",
        "$config['use_https'] = true;",
        "",
    ].join("\n");
}

/** Step `webmail-packages`: Roundcube, its SQLite driver, Apache and mod_php (scripts/mail/webmail-packages.sh names them). */
export function webmailPackagesStep(): StepSpec {
    return { files: [], script: stepScript("linux", "mail/webmail-packages.sh") };
}

/** Step `webmail` of the mail host, after `mail` (the certificate, CA and Dovecot it uses). */
export function webmailStep(inp: WebmailInputs): StepSpec {
    const files: GuestFile[] = [
        // www-data reads it (PHP), nobody else: it holds des_key.
        { path: WEBMAIL_PATHS.roundcubeConf, content: renderRoundcubeConf(inp), mode: "0640", owner: "root:www-data", check: "php -l {} >/dev/null" },
        { path: WEBMAIL_PATHS.apacheConf, content: renderWebmailApache(inp), check: "apache2ctl -t -f {}" },
    ];
    return {
        files,
        dirs: [{ path: WEBMAIL_PATHS.dataDir, mode: "0750", owner: "www-data:www-data" }],
        script: stepScript("linux", "mail/webmail.sh", { DB: WEBMAIL_PATHS.db, SCHEMA: WEBMAIL_PATHS.schema, HTTPS_PORT: String(port("https")) }),
        secrets: [WEBMAIL_SECRET.desKey],
    };
}
