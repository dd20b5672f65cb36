/**
 * Pure renderers of the FTP service (model/ftp.ts): vsftpd's configuration, its PAM stack and access table, the
 * upload limit, the systemd drop-in, the exchange folders' table, log rotation and forwarding. No Pulumi here; the
 * step logic is in scripts/ftp/*.sh, read verbatim. The certificate's key never appears in a rendered file: the file
 * that holds it carries the guest step's `{{secret:<name>}}` placeholder and receives the value on the step's stdin.
 *
 * vsftpd is Debian 12's 3.0.3: its options are those of vsftpd.conf(5) in 3.0.3 (https://security.appspot.com/vsftpd/
 * vsftpd_conf.html is 3.0.5's: `ssl_tlsv1_1`/`ssl_tlsv1_2` there make 3.0.3 exit with "unrecognised variable").
 */
import { FTP_BANNER, type FtpPlan } from "../../model/ftp";
import { GuestDir, GuestFile, placeholder, stepScript, toolScript } from "../guest-step/render";
import { generatedHeader } from "../header";

export const FTP_PATHS = {
    conf: "/etc/vsftpd.conf",
    ca: "/etc/billu/ftp/ca.pem",
    cert: "/etc/billu/ftp/cert.pem",
    key: "/etc/billu/ftp/key.pem",
    pam: "/etc/pam.d/vsftpd",
    access: "/etc/billu/ftp/access.conf",
    limits: "/etc/billu/ftp/limits.conf",
    folders: "/etc/billu/ftp/folders.conf",
    foldersScript: "/usr/local/sbin/billu-ftp-folders",
    dropIn: "/etc/systemd/system/vsftpd.service.d/billu.conf",
    // Debian's own policy file for vsftpd.log, replaced (two policies for one log make logrotate fail).
    logrotate: "/etc/logrotate.d/vsftpd",
    rsyslog: "/etc/rsyslog.d/91-billu-ftp.conf",
    xferlog: "/var/log/xferlog",
    vsftpdLog: "/var/log/vsftpd.log",
} as const;

/** The secrets the step receives on stdin: the site CA's certificate, the server's certificate and key. */
export const FTP_SECRETS = { ca: "ftp-ca", cert: "ftp-cert", key: "ftp-key" } as const;

/**
 * TLS 1.2 suites for the ECDSA certificate the site CA issues: forward secrecy and AEAD only (Mozilla's
 * "intermediate" list). TLS 1.3's suites are OpenSSL's defaults, all AEAD. TLS 1.0 and 1.1 are off (ssl_tlsv1=NO,
 * and Debian 12's OpenSSL refuses them at its default security level anyway).
 */
export const FTP_CIPHERS = "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256";

/** Weeks the transfer and protocol logs are kept on the server (six months, CNIL's minimum for access logs). */
export const FTP_LOG_WEEKS = 26;

/** SSSD's AD provider reports group names in lower case (case_sensitive = false): PAM and the ACLs use its names. */
export const sssdGroup = (g: string) => g.toLowerCase();

const hash = (what: string, host?: string) => generatedHeader("#", { host, what });

/** /etc/vsftpd.conf: explicit TLS required, chroot into the exchange root, passive range and logs from the plan. */
export function renderVsftpdConf(plan: FtpPlan): string {
    const lines: [string, string | number][] = [
        // Standalone, IPv4: PAM_RHOST is then the plain dotted address pam_access matches against the zones' subnets.
        ["listen", "YES"],
        ["listen_ipv6", "NO"],
        ["listen_port", plan.controlPort],
        ["ftpd_banner", FTP_BANNER],
        // Who: AD users through PAM (pam_sss), never anonymous.
        ["anonymous_enable", "NO"],
        ["local_enable", "YES"],
        ["write_enable", "YES"],
        ["local_umask", "077"],
        ["pam_service_name", "vsftpd"],
        // Without it vsftpd opens no PAM session: no pam_mkhomedir (vsftpd changes into the home before its chroot,
        // and AD users have none: "500 OOPS: cannot change directory"), no pam_limits (the upload limit).
        ["session_support", "YES"],
        ["userlist_enable", "NO"],
        // Every user is chrooted into the exchange root, which root owns and nobody may write (no
        // allow_writeable_chroot): they write only in the exchange folders below it, as their ACLs allow.
        ["chroot_local_user", "YES"],
        ["local_root", plan.root],
        ["secure_chroot_dir", "/var/run/vsftpd/empty"],
        ["hide_ids", "NO"],
        // Passive mode only: the router opens the passive range from the allowed zones (ftp-passive); active mode would
        // need the server to open connections into the clients' zones.
        ["port_enable", "NO"],
        ["connect_from_port_20", "NO"],
        ["pasv_enable", "YES"],
        ["pasv_min_port", plan.passive.min],
        ["pasv_max_port", plan.passive.max],
        ["pasv_address", plan.advertisedAddress],
        ["pasv_promiscuous", "NO"],
        // TLS: required for the login and every data connection, the session of the data connection reused from
        // the control connection's (a stolen data port cannot be used).
        ["ssl_enable", "YES"],
        ["allow_anon_ssl", "NO"],
        ["force_local_logins_ssl", "YES"],
        ["force_local_data_ssl", "YES"],
        ["ssl_sslv2", "NO"],
        ["ssl_sslv3", "NO"],
        ["ssl_tlsv1", "NO"],
        ["require_ssl_reuse", "YES"],
        ["ssl_ciphers", FTP_CIPHERS],
        ["rsa_cert_file", FTP_PATHS.cert],
        ["rsa_private_key_file", FTP_PATHS.key],
        // With the seccomp sandbox the TLS handshake fails on Debian 12 (measured by the lab).
        ["seccomp_sandbox", "NO"],
        // An upload cut short (the size limit, a lost connection) leaves no partial file.
        ["delete_failed_uploads", "YES"],
        // Logs: the transfer log in xferlog's standard format, and vsftpd's own log with every command and reply
        // (passwords are logged as <password>), logins and their failures.
        ["xferlog_enable", "YES"],
        ["xferlog_std_format", "YES"],
        ["xferlog_file", FTP_PATHS.xferlog],
        ["dual_log_enable", "YES"],
        ["vsftpd_log_file", FTP_PATHS.vsftpdLog],
        ["log_ftp_protocol", "YES"],
        ["use_localtime", "YES"],
        ["idle_session_timeout", 900],
        ["data_connection_timeout", 300],
    ];
    return [
        hash(`vsftpd for ${plan.fqdn} (billu:ftp). Do not edit: the next \`pulumi up\` replaces it.`, plan.host.name),
        ...lines.map(([k, v]) => `${k}=${v}`),
        "",
    ].join("\n");
}

/**
 * /etc/pam.d/vsftpd: AD users only (pam_sss; no pam_unix, so no local account authenticates), the allowed groups from
 * the allowed zones' subnets (pam_access with its own table), a home made at the first login, the upload limit.
 */
export function renderPam(plan: FtpPlan): string {
    return [
        hash("PAM for vsftpd (billu:ftp). Do not edit: the next `pulumi up` replaces it.", plan.host.name),
        "# Accounts named in /etc/ftpusers (root, system accounts) are refused before any password is checked.",
        "auth     required  pam_listfile.so item=user sense=deny file=/etc/ftpusers onerr=succeed",
        "# AD users only: pam_sss alone authenticates (Kerberos; a disabled or expired account is refused by the DC).",
        "auth     required  pam_sss.so",
        `# The allowed groups from the allowed zones only (${FTP_PATHS.access}); vsftpd passes the client's address as PAM_RHOST.`,
        `account  required  pam_access.so accessfile=${FTP_PATHS.access}`,
        "# vsftpd changes into the user's home before its chroot: AD users get one (0700) at their first login.",
        "session  required  pam_mkhomedir.so umask=0077",
        ...(plan.maxUploadMiB !== undefined
            ? [
                  `# The upload limit (billu:ftp.maxUploadMiB): a larger file is cut, refused with 451 and deleted.`,
                  `session  required  pam_limits.so conf=${FTP_PATHS.limits}`,
              ]
            : []),
        "",
    ].join("\n");
}

/** pam_access's table: the allowed groups (as SSSD names them) from the allowed zones' subnets; nobody else. */
export function renderAccess(plan: FtpPlan): string {
    return [
        hash("who may log in to vsftpd, and from where (billu:ftp.allowedGroups, allowedZones).", plan.host.name),
        `# Zones: ${plan.allowedZones.map((z) => `${z.name} ${z.cidr}`).join(", ")}.`,
        `+ : ${plan.allowedGroups.map((g) => `(${sssdGroup(g)})`).join(" ")} : ${plan.allowedZones.map((z) => z.cidr).join(" ")}`,
        "- : ALL : ALL",
        "",
    ].join("\n");
}

/** pam_limits' table: the largest file a session may write, KiB (fsize). Undefined without a limit. */
export function renderLimits(plan: FtpPlan): string | undefined {
    if (plan.maxUploadMiB === undefined) return undefined;
    return [
        hash(`the FTP upload limit, ${plan.maxUploadMiB} MiB (billu:ftp.maxUploadMiB).`, plan.host.name),
        `*  -  fsize  ${plan.maxUploadMiB * 1024}`,
        "",
    ].join("\n");
}

/**
 * The unit's drop-in: vsftpd does not handle SIGXFSZ, so a write over pam_limits' fsize would kill the session and
 * leave the cut file; ignored, the write fails with EFBIG, the client gets `451 Failure writing to local file.` and
 * delete_failed_uploads removes the file.
 */
export function renderDropIn(plan: FtpPlan): string {
    return [
        hash("vsftpd ignores SIGXFSZ, so an upload over the size limit fails cleanly (451) instead of killing the session.", plan.host.name),
        "[Service]",
        "ExecStart=",
        `ExecStart=/usr/bin/env --ignore-signal=XFSZ /usr/sbin/vsftpd ${FTP_PATHS.conf}`,
        "",
    ].join("\n");
}

/** What billu-ftp-folders reads: the root, the admin group, one FOLDER line per exchange folder (name|path|group). */
export function renderFolders(plan: FtpPlan): string {
    return [
        hash("the exchange folders billu-ftp-folders creates (billu:ftp.folders).", plan.host.name),
        `ROOT=${plan.root}`,
        `ADMIN_GROUP=${sssdGroup(plan.adminGroup)}`,
        ...plan.folders.map((f) => `FOLDER=${f.name}|${f.path}|${sssdGroup(f.group)}`),
        "",
    ].join("\n");
}

/** Both logs rotated weekly, kept FTP_LOG_WEEKS weeks; vsftpd reopens them for each session, so no signal is needed. */
export function renderLogrotate(plan: FtpPlan): string {
    return [
        hash("rotation of vsftpd's transfer and protocol logs (billu:ftp).", plan.host.name),
        `${FTP_PATHS.vsftpdLog} ${FTP_PATHS.xferlog} {`,
        "    weekly",
        `    rotate ${FTP_LOG_WEEKS}`,
        "    missingok",
        "    notifempty",
        "    compress",
        "    delaycompress",
        "    create 0640 root adm",
        "}",
        "",
    ].join("\n");
}

/**
 * rsyslog reads both logs in (imfile) and the host's forwarding action (billu:logs, 90-billu-forward.conf) sends them
 * to the collector; they then stop, so they are not written a second time into /var/log/syslog.
 */
export function renderRsyslog(plan: FtpPlan): string {
    return [
        hash("vsftpd's transfer and protocol logs forwarded to the log collector (billu:logs).", plan.host.name),
        'module(load="imfile")',
        `input(type="imfile" File="${FTP_PATHS.vsftpdLog}" Tag="vsftpd:" Facility="ftp" Severity="info")`,
        `input(type="imfile" File="${FTP_PATHS.xferlog}" Tag="vsftpd-xferlog:" Facility="ftp" Severity="info")`,
        'if $inputname == "imfile" then stop',
        "",
    ].join("\n");
}

/**
 * rsyslogd -N1 refuses a file that only reads logs in ("no active actions"): the candidate is checked inside a small
 * wrapper that adds one action and Debian's work folder (rsyslog.conf's `$WorkDirectory`: without it imfile warns
 * that it has nowhere for its state files, and the warning fails the check). The step checks the whole
 * configuration again before any restart.
 */
export const RSYSLOG_SNIPPET_CHECK =
    '! command -v rsyslogd >/dev/null 2>&1 || { w="$(mktemp)"; printf \'global(workDirectory="/var/spool/rsyslog")\\ninclude(file="%s")\\n*.* /dev/null\\n\' "{}" >"$w"; rsyslogd -N1 -f "$w"; r=$?; rm -f "$w"; exit $r; }';
export const LOGROTATE_CHECK = "! command -v logrotate >/dev/null 2>&1 || logrotate -d {}";

/** The step's files: the certificates first (vsftpd reads them), then what reads them. */
export function ftpFiles(plan: FtpPlan): GuestFile[] {
    const limits = renderLimits(plan);
    return [
        { path: FTP_PATHS.ca, content: placeholder(FTP_SECRETS.ca) },
        { path: FTP_PATHS.cert, content: placeholder(FTP_SECRETS.cert) },
        { path: FTP_PATHS.key, content: placeholder(FTP_SECRETS.key), mode: "0600" },
        { path: FTP_PATHS.conf, content: renderVsftpdConf(plan) },
        { path: FTP_PATHS.access, content: renderAccess(plan) },
        ...(limits !== undefined ? [{ path: FTP_PATHS.limits, content: limits }] : []),
        { path: FTP_PATHS.pam, content: renderPam(plan) },
        { path: FTP_PATHS.dropIn, content: renderDropIn(plan) },
        { path: FTP_PATHS.folders, content: renderFolders(plan) },
        { path: FTP_PATHS.foldersScript, content: foldersScript(), mode: "0755" },
        { path: FTP_PATHS.logrotate, content: renderLogrotate(plan), check: LOGROTATE_CHECK },
        ...(plan.forwardLogs ? [{ path: FTP_PATHS.rsyslog, content: renderRsyslog(plan), check: RSYSLOG_SNIPPET_CHECK }] : []),
    ];
}

/** The step's folders: the exchange root belongs to root and nobody may write it (vsftpd's chroot). */
export function ftpDirs(plan: FtpPlan): GuestDir[] {
    return [
        { path: "/etc/billu/ftp", mode: "0755", owner: "root:root" },
        { path: plan.root, mode: "0755", owner: "root:root" },
    ];
}

/** billu-ftp-folders (scripts/ftp/billu-ftp-folders.sh), installed on the server, with the folder helpers it shares with billu-shares joined in. */
export function foldersScript(): string {
    return toolScript("ftp/billu-ftp-folders.sh");
}

/** The body of the `ftp-server` step (scripts/ftp/ftp-step.sh), with the data it needs first. */
export function ftpStepScript(plan: FtpPlan): string {
    return stepScript("linux", "ftp/ftp-step.sh", {
        FOLDERS_TOOL: FTP_PATHS.foldersScript,
        RSYSLOG_SNIPPET: FTP_PATHS.rsyslog,
        FORWARD_LOGS: plan.forwardLogs ? "yes" : "no",
        LIMITS_FILE: FTP_PATHS.limits,
        HAS_LIMIT: plan.maxUploadMiB !== undefined ? "yes" : "no",
        VSFTPD_LOG: FTP_PATHS.vsftpdLog,
        XFERLOG: FTP_PATHS.xferlog,
    });
}
