/** The in-guest backup's renderers (components/backup/render.ts): what the server and each client receive. */
import { execFileSync } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";
import type { BackupPlan } from "../../model/backup";
import {
    BACKUP_PATHS,
    clientFiles,
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

/** Dev as committed: its backup server PAR-BKP01 and billu:backup (23:00, 10 minutes apart, the lab's 3/2/1 retention). */
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
            "par-log01:{{secret:backup-htpasswd-par-log01}}\n",
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
    ]);
    // Every placeholder has its secret, and nothing else is asked (renderStep refuses an unknown placeholder).
    expect(() =>
        renderStep({ host: plan.host.name, step: "backup-server", os: "linux", files, script: "true", secrets: serverSecretNames(plan) }),
    ).not.toThrow();
    expect(renderServerEnv(plan)).toContain("BACKUP_CLIENTS='par-dc01 par-fs01 par-mail01 par-log01'\nKEEP_DAILY=3\nKEEP_WEEKLY=2\nKEEP_MONTHLY=1\n");
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
    expect(timers).toEqual(["*-*-* 23:00", "*-*-* 23:10", "*-*-* 23:20", "*-*-* 23:30"]);
    for (const t of [...timers, plan.prune]) {
        expect(execFileSync("systemd-analyze", ["calendar", t], { encoding: "utf8" })).toContain("Normalized form:");
    }
});

test("the scripts parse as POSIX sh", () => {
    for (const s of ["server-step.sh", "client-step.sh", "backup-run.sh", "restore.sh", "prune.sh", "report.sh"]) {
        expect(() => execFileSync("sh", ["-n", path.join(ROOT, "scripts", "backup", s)])).not.toThrow();
    }
});

test("the runbook in docs/services/backup.md is the model's (components/backup/runbook.ts)", () => {
    const doc = readFileSync(path.join(ROOT, "docs", "services", "backup.md"), "utf8");
    const section = /<!-- runbook:begin -->\n([\s\S]*)<!-- runbook:end -->/.exec(doc)![1];
    expect(section).toBe(renderRunbook(plan, m.backups));
    expect(section).toContain("| files | PAR-FS01 | `par-fs01` | `*-*-* 23:10` | `/srv/shares` | - |");
});
