/**
 * billu_service and billu_timer (scripts/lib/billu-lib.sh), run by the real sh against a stand-in systemctl that
 * records its calls: a unit is enabled, restarted only when one of its files changed in this run (or when the caller
 * forces it), else started only when it is not running; an unchanged running unit is left alone and nothing is printed.
 */
import { spawnSync } from "child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ROOT } from "../helpers";

const LIB = path.join(ROOT, "scripts", "lib", "billu-lib.sh");

/** Runs <script> after billu_begin, with <changed> recorded as this run's replaced files. */
function run(script: string, changed: string[], opts: { active?: boolean; restartFails?: boolean } = {}) {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-svc-"));
    const bin = path.join(dir, "bin");
    mkdirSync(bin);
    const log = path.join(dir, "calls.log");
    writeFileSync(
        path.join(bin, "systemctl"),
        [
            "#!/bin/sh",
            `echo "systemctl $*" >> '${log}'`,
            `case "$1" in is-active) exit ${opts.active ? 0 : 3} ;; restart) exit ${opts.restartFails ? 1 : 0} ;; esac`,
            "exit 0",
            "",
        ].join("\n"),
    );
    chmodSync(path.join(bin, "systemctl"), 0o755);
    const record = changed.map((f) => `printf '%s\\n' '${f}' >> "$BILLU_CHANGED"; `).join("");
    const r = spawnSync("sh", ["-c", `set -eu; . '${LIB}'; billu_begin; ${record}${script}`], {
        encoding: "utf8",
        input: "",
        env: { PATH: `${bin}:/usr/bin:/bin`, BILLU_STEP: "t" },
    });
    let calls: string[] = [];
    try {
        calls = readFileSync(log, "utf8").trim().split("\n");
    } catch {
        calls = [];
    }
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
}

const SVC = 'billu_service postfix "its configuration changed"';

test("nothing changed and the unit runs: enabled, left alone, nothing printed", () => {
    const r = run(`${SVC} /etc/postfix/main.cf`, [], { active: true });
    expect(r).toEqual({ status: 0, stdout: "", stderr: "", calls: ["systemctl enable -q postfix", "systemctl is-active -q postfix"] });
});

test("nothing changed and the unit is stopped: started, and said", () => {
    const r = run(`${SVC} /etc/postfix/main.cf`, [], { active: false });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(["systemctl enable -q postfix", "systemctl is-active -q postfix", "systemctl start postfix"]);
    expect(r.stdout).toBe("billu[t]: started postfix\n");
});

test("one of the unit's files changed: restarted with the reason, even when it runs", () => {
    const r = run(`${SVC} /etc/postfix/main.cf /etc/postfix/master.cf`, ["/etc/postfix/master.cf"], { active: true });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(["systemctl enable -q postfix", "systemctl restart postfix"]);
    expect(r.stdout).toBe("billu[t]: restarted postfix (its configuration changed)\n");
});

test("another unit's file changed: this unit is not restarted", () => {
    const r = run(`${SVC} /etc/postfix/main.cf`, ["/etc/dovecot/dovecot.conf"], { active: true });
    expect(r.calls).toEqual(["systemctl enable -q postfix", "systemctl is-active -q postfix"]);
    expect(r.stdout).toBe("");
});

test("no file named: any file of the step that changed restarts the unit; none leaves it", () => {
    expect(run(SVC, ["/etc/anything"], { active: true }).calls).toEqual(["systemctl enable -q postfix", "systemctl restart postfix"]);
    expect(run(SVC, [], { active: true }).calls).toEqual(["systemctl enable -q postfix", "systemctl is-active -q postfix"]);
});

test("--restart (a change that is not a file: a new key, a fresh join) restarts an unchanged unit", () => {
    const r = run(`billu_service --restart sssd "joined" /etc/sssd/sssd.conf`, [], { active: true });
    expect(r.calls).toEqual(["systemctl enable -q sssd", "systemctl restart sssd"]);
    expect(r.stdout).toBe("billu[t]: restarted sssd (joined)\n");
});

test("a unit that fails to restart stops the step, naming where to look", () => {
    const r = run(SVC, ["/etc/postfix/main.cf"], { restartFails: true });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("billu[t]: error: postfix did not restart: journalctl -u postfix says why\n");
});

// This machine has no systemd as PID 1 (as the labs' namespaces): the branch the labs run.
const noSystemd = !existsSync("/run/systemd/system");
(noSystemd ? test : test.skip)("billu_timer without systemd: says the units are installed when they changed, calls no systemctl", () => {
    const changed = run("billu_timer billu-sysvol-pull sysvol", ["/etc/systemd/system/billu-sysvol-pull.timer"]);
    expect(changed).toEqual({
        status: 0,
        stdout: "billu[t]: sysvol: billu-sysvol-pull.service and .timer installed; systemd is not running here, the timer is not started\n",
        stderr: "",
        calls: [],
    });
    const unchanged = run("billu_timer billu-sysvol-pull sysvol", ["/etc/other"]);
    expect(unchanged).toEqual({ status: 0, stdout: "", stderr: "", calls: [] });
});
