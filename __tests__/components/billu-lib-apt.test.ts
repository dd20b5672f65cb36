/**
 * billu_apt_install (scripts/lib/billu-lib.sh), run by the real sh against stand-in cloud-init and apt-get that
 * record their calls: it waits for cloud-init's first boot, refreshes the package lists once per step with bounded
 * retries, never upgrades, and fails with the cause when the mirror stays unreachable.
 */
import { spawnSync } from "child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ROOT } from "../helpers";

const LIB = path.join(ROOT, "scripts", "lib", "billu-lib.sh");

/** A folder of stand-ins: each appends its arguments to calls.log; `apt-get update` fails the first <fails> times. */
function standIns(fails: number, cloudInit = true): string {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-apt-"));
    const bin = path.join(dir, "bin");
    mkdirSync(bin);
    const log = path.join(dir, "calls.log");
    const tool = (name: string, body: string) => {
        writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> '${log}'\n${body}\n`);
        chmodSync(path.join(bin, name), 0o755);
    };
    tool(
        "apt-get",
        `case " $* " in *" update "*) n=$(cat '${dir}/n' 2>/dev/null || echo 0); echo $((n + 1)) > '${dir}/n'; [ "$n" -ge ${fails} ] || exit 100;; esac; exit 0`,
    );
    if (cloudInit) tool("cloud-init", "exit 0");
    return dir;
}

function run(dir: string, script: string) {
    const r = spawnSync("sh", ["-c", `. '${LIB}'; ${script}`], {
        encoding: "utf8",
        env: { PATH: `${dir}/bin:/usr/bin:/bin`, BILLU_STEP: "t", BILLU_APT_RETRY_PAUSE: "0" },
    });
    const calls = (() => {
        try {
            return readFileSync(path.join(dir, "calls.log"), "utf8").trim().split("\n");
        } catch {
            return [];
        }
    })();
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
}

test("waits for cloud-init, updates once (retrying a failure), installs; a second install in the step does not update again", () => {
    const dir = standIns(2);
    const r = run(dir, "billu_apt_install samba chrony && billu_apt_install acl");
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([
        "cloud-init status --wait",
        "apt-get -o DPkg::Lock::Timeout=300 update -q",
        "apt-get -o DPkg::Lock::Timeout=300 update -q",
        "apt-get -o DPkg::Lock::Timeout=300 update -q",
        "apt-get -o DPkg::Lock::Timeout=300 install -y -q samba chrony",
        "cloud-init status --wait",
        "apt-get -o DPkg::Lock::Timeout=300 install -y -q acl",
    ]);
    expect(r.stdout).toBe("billu[t]: apt-get update failed (attempt 1 of 5), retrying\nbillu[t]: apt-get update failed (attempt 2 of 5), retrying\n");
});

test("an unreachable mirror fails the step after 5 updates, naming what to check; nothing is installed", () => {
    const dir = standIns(99);
    const r = run(dir, "billu_apt_install samba");
    expect(r.status).toBe(1);
    expect(r.calls.filter((c) => c.startsWith("apt-get"))).toEqual(Array(5).fill("apt-get -o DPkg::Lock::Timeout=300 update -q"));
    expect(r.stderr).toBe("billu[t]: error: apt-get update failed 5 times: check the guest's resolver and the flow to the package mirror\n");
});

test("a guest without cloud-init (the labs' pseudo-guests) installs without waiting", () => {
    const dir = standIns(0, false);
    const r = run(dir, "billu_apt_install nftables");
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(["apt-get -o DPkg::Lock::Timeout=300 update -q", "apt-get -o DPkg::Lock::Timeout=300 install -y -q nftables"]);
});

test("no step upgrades packages", () => {
    expect(readFileSync(LIB, "utf8")).not.toMatch(/apt-get[^\n]*\b(upgrade|dist-upgrade|full-upgrade)\b/);
});
