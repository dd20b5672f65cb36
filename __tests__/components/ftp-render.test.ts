/**
 * The FTP renderers (components/ftp/render.ts): the lines of vsftpd's configuration, its PAM stack and tables that
 * carry the guarantees, from dev's plan. The daemon's verdict is the lab's (labs/ftp: vsftpd 3.0.3 running
 * these files behind the router); rsyslog's check wrapper is run here against the real rsyslogd.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import {
    FTP_PATHS,
    ftpDirs,
    ftpFiles,
    ftpStepScript,
    renderAccess,
    renderDropIn,
    renderFolders,
    renderLimits,
    renderLogrotate,
    renderPam,
    renderRsyslog,
    renderVsftpdConf,
    RSYSLOG_SNIPPET_CHECK,
} from "../../components/ftp/render";
import { renderStep } from "../../components/guest-step/render";
import type { FtpPlan } from "../../model/ftp";
import { model, stackRaw } from "../helpers";

const plan = model(stackRaw("dev")).plan<FtpPlan>("ftp")!;
const lines = (text: string) => text.split("\n");
const settings = (text: string) => new Map(lines(text).flatMap((l) => (/^[a-z_0-9]+=/.test(l) ? [l.split(/=(.*)/s).slice(0, 2) as [string, string]] : [])));

describe("vsftpd.conf", () => {
    const conf = renderVsftpdConf(plan);
    const s = settings(conf);
    test("explicit TLS required for logins and data, TLS 1.0 off, strong ciphers, the session reused, the site CA's certificate", () => {
        expect(
            ["ssl_enable", "force_local_logins_ssl", "force_local_data_ssl", "require_ssl_reuse", "allow_anon_ssl", "ssl_tlsv1"].map((k) => s.get(k)),
        ).toEqual(["YES", "YES", "YES", "YES", "NO", "NO"]);
        expect(s.get("ssl_ciphers")).toBe("ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256");
        expect([s.get("rsa_cert_file"), s.get("rsa_private_key_file")]).toEqual(["/etc/billu/ftp/cert.pem", "/etc/billu/ftp/key.pem"]);
    });
    test("no option Debian 12's vsftpd 3.0.3 does not know (it exits on ssl_tlsv1_1/ssl_tlsv1_2), no seccomp sandbox", () => {
        expect(conf).not.toMatch(/ssl_tlsv1_[12]/);
        expect(s.get("seccomp_sandbox")).toBe("NO");
    });
    test("AD users through PAM with a session (mkhomedir, limits), anonymous off, every user chrooted into a root they cannot write", () => {
        expect(["anonymous_enable", "local_enable", "pam_service_name", "session_support", "chroot_local_user", "local_root"].map((k) => s.get(k))).toEqual([
            "NO",
            "YES",
            "vsftpd",
            "YES",
            "YES",
            "/srv/ftp",
        ]);
        expect(s.has("allow_writeable_chroot")).toBe(false);
    });
    test("passive only, on the model's range and address; standalone on IPv4", () => {
        expect(["port_enable", "pasv_enable", "pasv_min_port", "pasv_max_port", "pasv_address", "listen", "listen_ipv6"].map((k) => s.get(k))).toEqual([
            "NO",
            "YES",
            "40000",
            "40099",
            "10.20.10.51",
            "YES",
            "NO",
        ]);
    });
    test("the transfer log in xferlog format and the protocol log; a failed upload leaves no file", () => {
        expect(
            ["xferlog_enable", "xferlog_std_format", "xferlog_file", "dual_log_enable", "vsftpd_log_file", "log_ftp_protocol", "delete_failed_uploads"].map(
                (k) => s.get(k),
            ),
        ).toEqual(["YES", "YES", "/var/log/xferlog", "YES", "/var/log/vsftpd.log", "YES", "YES"]);
    });
});

describe("PAM", () => {
    test("AD users only (pam_sss in auth, no pam_unix), the access table in account (SSSD's access provider is not asked), a home, the limit", () => {
        const pam = lines(renderPam(plan)).filter((l) => l && !l.startsWith("#"));
        expect(pam).toEqual([
            "auth     required  pam_listfile.so item=user sense=deny file=/etc/ftpusers onerr=succeed",
            "auth     required  pam_sss.so",
            "account  required  pam_access.so accessfile=/etc/billu/ftp/access.conf",
            "session  required  pam_mkhomedir.so umask=0077",
            "session  required  pam_limits.so conf=/etc/billu/ftp/limits.conf",
        ]);
        expect(renderPam({ ...plan, maxUploadMiB: undefined })).not.toContain("pam_limits");
        expect(renderLimits({ ...plan, maxUploadMiB: undefined })).toBeUndefined();
    });
    test("the access table: the allowed groups as SSSD names them, from the allowed zones' subnets; everyone else refused", () => {
        expect(lines(renderAccess(plan)).filter((l) => l && !l.startsWith("#"))).toEqual([
            "+ : (gg_dsi) (gg_direction) : 10.20.21.0/24 10.20.20.0/24",
            "- : ALL : ALL",
        ]);
    });
    test("the upload limit in KiB (pam_limits fsize), soft and hard", () => {
        expect(lines(renderLimits(plan)!)[1]).toBe("*  -  fsize  2048");
    });
});

test("the unit ignores SIGXFSZ, so an upload over the limit gets 451 and no leftover instead of a killed session", () => {
    expect(lines(renderDropIn(plan)).slice(1)).toEqual([
        "[Service]",
        "ExecStart=",
        "ExecStart=/usr/bin/env --ignore-signal=XFSZ /usr/sbin/vsftpd /etc/vsftpd.conf",
        "",
    ]);
});

test("the folders' table: the root, the admins, each folder with its group as SSSD names it", () => {
    expect(lines(renderFolders(plan)).slice(1)).toEqual([
        "ROOT=/srv/ftp",
        "ADMIN_GROUP=domain admins",
        "FOLDER=dsi|/srv/ftp/dsi|gg_dsi",
        "FOLDER=direction|/srv/ftp/direction|gg_direction",
        "FOLDER=commun|/srv/ftp/commun|gg_personnel",
        "",
    ]);
    expect(ftpDirs(plan)).toEqual([
        { path: "/etc/billu/ftp", mode: "0755", owner: "root:root" },
        { path: "/srv/ftp", mode: "0755", owner: "root:root" },
    ]);
});

test("both logs rotated weekly for six months; both forwarded to the collector, then kept out of the local syslog", () => {
    expect(lines(renderLogrotate(plan)).slice(1, 3)).toEqual(["/var/log/vsftpd.log /var/log/xferlog {", "    weekly"]);
    expect(renderLogrotate(plan)).toContain("    rotate 26\n");
    expect(lines(renderRsyslog(plan)).slice(1)).toEqual([
        'module(load="imfile")',
        'input(type="imfile" File="/var/log/vsftpd.log" Tag="vsftpd:" Facility="ftp" Severity="info")',
        'input(type="imfile" File="/var/log/xferlog" Tag="vsftpd-xferlog:" Facility="ftp" Severity="info")',
        'if $inputname == "imfile" then stop',
        "",
    ]);
    expect(ftpFiles({ ...plan, forwardLogs: false }).map((f) => f.path)).not.toContain(FTP_PATHS.rsyslog);
});

describe("rsyslog's check of the snippet (rsyslogd -N1 inside a wrapper with Debian's work folder)", () => {
    let dir: string;
    beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), "billu-ftp-rsyslog-"))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const check = (content: string) => {
        const f = path.join(dir, "snippet.conf");
        writeFileSync(f, content);
        return spawnSync("sh", ["-c", RSYSLOG_SNIPPET_CHECK.replace(/\{\}/g, f)], { encoding: "utf8" });
    };
    test("the wrapper's text: the work folder, the candidate, one action", () => {
        expect(RSYSLOG_SNIPPET_CHECK).toContain(`printf 'global(workDirectory="/var/spool/rsyslog")\\ninclude(file="%s")\\n*.* /dev/null\\n' "{}"`);
    });
    test("rsyslogd accepts the rendered snippet and refuses a misspelt parameter", () => {
        const ok = check(renderRsyslog(plan));
        expect([ok.status, ok.stderr + ok.stdout]).toEqual([0, expect.stringContaining("End of config validation run")]);
        const bad = check('module(load="imfile")\ninput(type="imfile" Fle="/var/log/vsftpd.log" Tag="x")\n');
        expect([bad.status, bad.stderr + bad.stdout]).toEqual([1, expect.stringContaining("parameter 'Fle' not known")]);
    });
});

test("the step: the certificates first, the key 0600, every secret a placeholder, the body from scripts/ftp", () => {
    const files = ftpFiles(plan);
    expect(files.slice(0, 3).map((f) => [f.path, f.content, f.mode ?? "0644"])).toEqual([
        ["/etc/billu/ftp/ca.pem", "{{secret:ftp-ca}}", "0644"],
        ["/etc/billu/ftp/cert.pem", "{{secret:ftp-cert}}", "0644"],
        ["/etc/billu/ftp/key.pem", "{{secret:ftp-key}}", "0600"],
    ]);
    expect(files.filter((f) => f.content.includes("{{secret:")).map((f) => f.path)).toEqual([
        "/etc/billu/ftp/ca.pem",
        "/etc/billu/ftp/cert.pem",
        "/etc/billu/ftp/key.pem",
    ]);
    const script = ftpStepScript(plan);
    expect(script).toContain("HAS_LIMIT='yes'\n");
    expect(script).toContain("FORWARD_LOGS='yes'\n");
    expect(() =>
        renderStep({ host: plan.host.name, step: "ftp-server", os: "linux", files, script, secrets: ["ftp-ca", "ftp-cert", "ftp-key"] }),
    ).not.toThrow();
});
