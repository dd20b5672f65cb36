/** The in-guest backup's renderers (components/backup/render.ts): what the server and each client receive. */
import { execFileSync } from "child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { planBackup, type BackupPlan } from "../../model/backup";
import { Problems } from "../../model/errors";
import {
    BACKUP_PATHS,
    clientFiles,
    WINDOWS_BACKUP_PATHS,
    windowsClientFiles,
    renderClientEnv,
    renderHtpasswd,
    renderRepository,
    renderServerEnv,
    renderServerUnit,
    serverFiles,
    serverSecretNames,
} from "../../components/backup/render";
import { renderRunbook } from "../../components/backup/runbook";
import { renderStep } from "../../components/guest-step/render";
import { model, ROOT, stackRaw } from "../helpers";

/** Dev as committed: its backup server PAR-BKP01 and billu:backup (23:00, 7 minutes apart, the lab's 3/2/1 retention). */
const m = model(stackRaw("dev"));
const plan = m.plan<BackupPlan>("backup")!;
const client = (name: string) => plan.clients.find((c) => c.name === name)!;
const sets = (name: string) => m.backups.filter((s) => s.host === name);

test("the server's unit: restic's REST API on the plan's address and port, TLS, append-only, one private repository per login", () => {
    const exec = renderServerUnit(plan)
        .split("\n")
        .find((l) => l.startsWith("ExecStart="));
    expect(exec).toBe(
        "ExecStart=/usr/bin/rclone serve restic --addr 10.20.0.30:8000 --append-only --private-repos --htpasswd /etc/billu/backup/htpasswd " +
            "--cert /etc/billu/backup/cert.pem --key /etc/billu/backup/key.pem /srv/restic",
    );
});

test("the htpasswd file: one login per client, its hash a secret of the step; the keys for pruning are secrets too", () => {
    expect(renderHtpasswd(plan)).toBe(
        "par-dc01:{{secret:backup-htpasswd-par-dc01}}\npar-fs01:{{secret:backup-htpasswd-par-fs01}}\npar-mail01:{{secret:backup-htpasswd-par-mail01}}\n" +
            "par-log01:{{secret:backup-htpasswd-par-log01}}\npar-mon01:{{secret:backup-htpasswd-par-mon01}}\npar-ftp01:{{secret:backup-htpasswd-par-ftp01}}\n" +
            "par-pbx01:{{secret:backup-htpasswd-par-pbx01}}\npar-glpi01:{{secret:backup-htpasswd-par-glpi01}}\n",
    );
    const files = serverFiles(plan);
    expect(files.filter((f) => f.content.includes("{{secret:")).map((f) => [f.path, f.mode ?? "0644"])).toEqual([
        ["/etc/billu/backup/ca.pem", "0644"],
        ["/etc/billu/backup/cert.pem", "0644"],
        ["/etc/billu/backup/key.pem", "0600"],
        ["/etc/billu/backup/htpasswd", "0600"],
        ["/etc/billu/backup/keys/par-dc01", "0600"],
        ["/etc/billu/backup/keys/par-fs01", "0600"],
        ["/etc/billu/backup/keys/par-mail01", "0600"],
        ["/etc/billu/backup/keys/par-log01", "0600"],
        ["/etc/billu/backup/keys/par-mon01", "0600"],
        ["/etc/billu/backup/keys/par-ftp01", "0600"],
        ["/etc/billu/backup/keys/par-pbx01", "0600"],
        ["/etc/billu/backup/keys/par-glpi01", "0600"],
    ]);
    // Every placeholder has its secret, and nothing else is asked (renderStep refuses an unknown placeholder).
    expect(() =>
        renderStep({ host: plan.host.name, step: "backup-server", os: "linux", files, script: "true", secrets: serverSecretNames(plan) }),
    ).not.toThrow();
    expect(renderServerEnv(plan)).toContain(
        "BACKUP_CLIENTS='par-dc01 par-fs01 par-mail01 par-log01 par-mon01 par-ftp01 par-pbx01 par-glpi01'\nKEEP_DAILY=3\nKEEP_WEEKLY=2\nKEEP_MONTHLY=1\n",
    );
});

test("a client: its declared data, its pre-hook, its repository URL with the login a placeholder", () => {
    expect(renderClientEnv(plan, client("PAR-DC01"), sets("PAR-DC01"))).toContain(
        "BACKUP_CLASSES='directory'\nBACKUP_PATHS='/var/backups/billu/samba'\nBACKUP_PRE_HOOKS='samba-domain-backup'\nSAMBA_BACKUP_DIR='/var/backups/billu/samba'\n",
    );
    expect(renderClientEnv(plan, client("PAR-FS01"), sets("PAR-FS01"))).toContain(
        `BACKUP_CLASSES='files'\nBACKUP_PATHS='${m.fileservers![0].mountPoint}'\nBACKUP_PRE_HOOKS=''\n`,
    );
    expect(renderRepository(plan, client("PAR-MAIL01"))).toBe("rest:https://par-mail01:{{secret:backup-http}}@par-bkp01.billu.remindme.lan:8000/par-mail01/\n");
    const files = clientFiles(plan, client("PAR-MAIL01"), sets("PAR-MAIL01"));
    expect(files.filter((f) => f.mode === "0600").map((f) => f.path)).toEqual([BACKUP_PATHS.repository, BACKUP_PATHS.password]);
});

test("every client's timer is its staggered time, and systemd accepts each OnCalendar (systemd-analyze calendar)", () => {
    const timers = plan.clients.map((c) => {
        const t = clientFiles(plan, c, sets(c.name)).find((f) => f.path.endsWith("billu-backup.timer"))!.content;
        return /^OnCalendar=(.*)$/m.exec(t)![1];
    });
    expect(timers).toEqual(["*-*-* 23:00", "*-*-* 23:07", "*-*-* 23:14", "*-*-* 23:21", "*-*-* 23:28", "*-*-* 23:35", "*-*-* 23:42", "*-*-* 23:49"]);
    for (const t of [...timers, plan.prune]) {
        expect(execFileSync("systemd-analyze", ["calendar", t], { encoding: "utf8" })).toContain("Normalized form:");
    }
});

test("the scripts parse as POSIX sh", () => {
    for (const s of ["server-step.sh", "client-step.sh", "env.sh", "backup-run.sh", "restore.sh", "prune.sh", "report.sh"]) {
        expect(() => execFileSync("sh", ["-n", path.join(ROOT, "scripts", "backup", s)])).not.toThrow();
    }
});

test("the runbook in docs/services/backup.md is the model's (components/backup/runbook.ts)", () => {
    const doc = readFileSync(path.join(ROOT, "docs", "services", "backup.md"), "utf8");
    const section = /<!-- runbook:begin -->\n([\s\S]*)<!-- runbook:end -->/.exec(doc)![1];
    expect(section).toBe(renderRunbook(plan, m.backups));
    expect(section).toContain("| files | PAR-FS01 | `par-fs01` | `*-*-* 23:07` | `/srv/shares` | - |");
});

describe("env.sh: the set-up backup-run.sh and restore.sh share, installed beside them", () => {
    const lib = (f: readonly { path: string; mode?: string }[]) =>
        f.filter((x) => x.path.startsWith(`${BACKUP_PATHS.lib}/`)).map((x) => [x.path.slice(BACKUP_PATHS.lib.length + 1), x.mode]);
    test("the client gets env.sh (read, not run) beside the two scripts that source it", () => {
        expect(lib(clientFiles(plan, client("PAR-FS01"), sets("PAR-FS01")))).toEqual([
            ["env.sh", "0644"],
            ["backup-run.sh", "0755"],
            ["restore.sh", "0755"],
        ]);
        for (const s of ["backup-run.sh", "restore.sh"]) {
            const text = readFileSync(path.join(ROOT, "scripts", "backup", s), "utf8");
            expect(text).toContain('. "$(dirname "$0")/env.sh"\n');
            // The set-up is in env.sh only: no script reads the settings or wraps restic itself.
            expect(text).not.toMatch(/ENV_FILE|RESTIC_REPOSITORY_FILE=|command restic/);
        }
    });
    // The installed scripts, run from their own folder with a stand-in restic that records what it was given.
    const run = (script: "restore.sh" | "backup-run.sh", args: string[]) => {
        const dir = mkdtempSync(path.join(tmpdir(), "billu-env-"));
        try {
            const files = clientFiles(plan, client("PAR-FS01"), sets("PAR-FS01"));
            for (const f of files.filter((x) => x.path.startsWith(`${BACKUP_PATHS.lib}/`))) {
                writeFileSync(path.join(dir, path.basename(f.path)), f.content, { mode: 0o755 });
            }
            writeFileSync(
                path.join(dir, "client.env"),
                renderClientEnv(plan, client("PAR-FS01"), sets("PAR-FS01"))
                    .replace(BACKUP_PATHS.ca, `${dir}/ca.pem`)
                    .replace(BACKUP_PATHS.lastResult, `${dir}/last-result.json`),
            );
            writeFileSync(
                path.join(dir, "restic"),
                '#!/bin/sh\necho "umask=$(umask) repo=$RESTIC_REPOSITORY_FILE password=$RESTIC_PASSWORD_FILE args=$*" >>"$RESTIC_LOG"\nexit 1\n',
            );
            chmodSync(path.join(dir, "restic"), 0o755);
            let status = 0;
            try {
                execFileSync("sh", [path.join(dir, script), ...args], {
                    env: { PATH: `${dir}:/usr/bin:/bin`, BILLU_BACKUP_ENV: `${dir}/client.env`, RESTIC_LOG: `${dir}/restic.log` },
                    stdio: "pipe",
                });
            } catch (e) {
                status = (e as { status: number }).status;
            }
            return {
                status,
                calls: readFileSync(`${dir}/restic.log`, "utf8")
                    .replaceAll(dir, "<dir>")
                    .replace(/\.billu-restore\.\w+/g, ".billu-restore.<x>")
                    .trimEnd()
                    .split("\n"),
            };
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    };
    const files = `repo=${BACKUP_PATHS.repository} password=${BACKUP_PATHS.password}`;
    test("restore.sh: restic with the site CA, the repository and key from their files, a private umask", () => {
        const r = run("restore.sh", ["latest", `${tmpdir()}/billu-env-target-${process.pid}`]);
        expect(r.status).toBe(1);
        expect(r.calls).toEqual([
            `umask=0077 ${files} args=--cacert <dir>/ca.pem restore latest --host PAR-FS01 --tag billu --target ${tmpdir()}/.billu-restore.<x>`,
        ]);
    });
    test("backup-run.sh: the same set-up for its first restic call", () => {
        const r = run("backup-run.sh", []);
        expect(r.calls[0]).toBe(`umask=0077 ${files} args=--cacert <dir>/ca.pem cat config`);
    });
});

test("a Windows client (prod's DC, PAR-BKP01 beside it): only its settings and job are staged, no secret; the settings are data", () => {
    const prod = model(stackRaw("prod"));
    const hosts = prod.hosts.map((h) => ({ name: h.name, role: h.role, os: h.os, zone: h.zone, address: h.address, stateful: h.stateful, index: h.index }));
    const problems = new Problems();
    const p = planBackup({ site: prod.site, cfg: undefined, hosts, zones: prod.zones, domain: prod.domain }, problems)!;
    expect(problems.all).toEqual([]);
    expect(p.clients.map((c) => [c.name, c.os, c.onCalendar])).toEqual([
        ["PAR-DC01", "windows", "*-*-* 01:00"],
        ["PAR-DC02", "windows", "*-*-* 01:10"],
        ["PAR-DC03", "windows", "*-*-* 01:20"],
        ["PAR-FS01", "linux", "*-*-* 01:30"],
        ["PAR-MAIL01", "linux", "*-*-* 01:40"],
        ["PAR-LOG01", "linux", "*-*-* 01:50"],
        ["PAR-MON01", "linux", "*-*-* 02:00"],
        ["PAR-FTP01", "linux", "*-*-* 02:10"],
        ["PAR-PBX01", "linux", "*-*-* 02:20"],
        ["PAR-GLPI01", "linux", "*-*-* 02:30"],
    ]);
    const dc = p.clients.find((c) => c.name === "PAR-DC02")!;
    const files = windowsClientFiles(
        p,
        dc,
        prod.backups.filter((s) => s.host === "PAR-DC02"),
    );
    expect(files.map((f) => f.path)).toEqual([WINDOWS_BACKUP_PATHS.settings, WINDOWS_BACKUP_PATHS.run]);
    expect(files.filter((f) => f.content.includes("{{secret:"))).toEqual([]);
    expect(JSON.parse(files[0].content)).toEqual({
        Host: "PAR-DC02",
        Server: "par-bkp01.billu.remindme.lan:8000",
        Repository: "par-dc02",
        Classes: ["directory"],
        Paths: ["C:\\WindowsImageBackup"],
        PreHooks: ["wbadmin-system-state"],
        SystemStateTarget: "C:",
        Restic: "C:\\Program Files\\restic\\restic.exe",
        Ca: "C:\\ProgramData\\billu\\backup\\ca.pem",
        RepositoryFile: "C:\\ProgramData\\billu\\backup\\repository",
        PasswordFile: "C:\\ProgramData\\billu\\backup\\password",
        LastResult: "C:\\ProgramData\\billu\\backup\\last-result.json",
        Run: "C:\\ProgramData\\billu\\backup\\backup-run.ps1",
        Task: { Name: "billu-backup", At: "01:10", Days: [] },
    });
});
