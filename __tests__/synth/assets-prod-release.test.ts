/**
 * prod's pinned GLPI release is fail-closed (issue #21): the `glpi-server` step as offline synth rendered it for
 * PAR-GLPI01 (its run.sh body and its assets.env, prod's pin in it) is run here up to the release, against a tarball
 * served by a stand-in `curl`. A tarball whose SHA-256 is not the pin stops the step with its exact message and
 * nothing is unpacked; the positive control (the pin set to that tarball's hash, computed here by node's crypto) goes
 * through and unpacks it. Lab-only overrides, nothing else edited: the paths under /usr/share/glpi and
 * /etc/billu/assets point into a temporary folder; dpkg, systemctl, mysql, php and curl are stand-ins on PATH; the stand-in
 * `install` (the first command after the release) stops the run there.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { AssetsPlan } from "../../model/assets";
import { model, ROOT, stackRaw } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

const plan = model(stackRaw("prod")).plan<AssetsPlan>("assets")!;
const pin = plan.glpi.sha256!;
let out: string;
let dir: string;
let tarball: string;

beforeAll(async () => {
    ({ out } = await committedSynth("prod"));
    dir = mkdtempSync(path.join(tmpdir(), "billu-glpi-release-"));
    // A tarball with GLPI's shape (one top folder), whose bytes are not GLPI's.
    mkdirSync(path.join(dir, "src/glpi/inc"), { recursive: true });
    writeFileSync(path.join(dir, "src/glpi/index.php"), "<?php // not GLPI\n");
    tarball = path.join(dir, "served.tgz");
    const tar = spawnSync("tar", ["-czf", tarball, "-C", path.join(dir, "src"), "glpi"]);
    expect(tar.status).toBe(0);
}, SYNTH_TIMEOUT);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the rendered step body with `settingsPin` as the pinned hash; returns its exit status, output and the calls made. */
function runStep(name: string, settingsPin: string): { status: number | null; stdout: string; stderr: string; calls: string[]; root: string } {
    const root = path.join(dir, name);
    const bin = path.join(root, "bin");
    for (const d of [bin, path.join(root, "etc"), path.join(root, "share"), path.join(root, "work")]) mkdirSync(d, { recursive: true });
    const rendered = path.join(out, "rendered", plan.host.name);
    const runSh = readFileSync(path.join(rendered, "var/lib/billu/stage/glpi-server/run.sh"), "utf8");
    const body = runSh.slice(runSh.indexOf("# --- step body ---"));
    const env = readFileSync(path.join(rendered, "etc/billu/assets/assets.env"), "utf8");
    expect(env).toContain(`\nGLPI_SHA256='${pin}'\n`);
    writeFileSync(path.join(root, "etc/assets.env"), env.replace(`GLPI_SHA256='${pin}'`, `GLPI_SHA256='${settingsPin}'`));
    writeFileSync(path.join(root, "etc/grants.sql"), "");
    const log = path.join(root, "calls.log");
    const stub = (cmd: string, script: string) => {
        writeFileSync(path.join(bin, cmd), `#!/bin/sh\nprintf '%s\\n' "${cmd} $*" >>'${log}'\n${script}\n`);
        chmodSync(path.join(bin, cmd), 0o755);
    };
    for (const cmd of ["dpkg", "systemctl", "php"]) stub(cmd, "exit 0");
    stub("mysql", "cat >/dev/null; exit 0");
    stub("curl", `while [ $# -gt 1 ]; do [ "$1" = -o ] && o="$2"; shift; done; cp '${tarball}' "$o"`);
    stub("tar", 'exec /usr/bin/tar "$@"');
    stub("install", "exit 3");
    const script = [
        "set -eu",
        "BILLU_STEP='glpi-server'",
        `. '${path.join(ROOT, "scripts/lib/billu-lib.sh")}'`,
        `BILLU_WORK='${path.join(root, "work")}'`,
        body
            .split("/usr/share/glpi")
            .join(path.join(root, "share/glpi"))
            .split("/etc/billu/assets/")
            .join(path.join(root, "etc") + "/"),
    ].join("\n");
    const r = spawnSync("sh", ["-c", script], { encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin`, LC_ALL: "C" }, timeout: 20000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls: existsSync(log) ? readFileSync(log, "utf8").trimEnd().split("\n") : [], root };
}

test("a tarball whose SHA-256 is not prod's pin stops the step with its message; nothing is unpacked or installed", () => {
    const got = createHash("sha256").update(readFileSync(tarball)).digest("hex");
    expect(got).not.toBe(pin);
    const r = runStep("mismatch", pin);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
        `billu[glpi-server]: error: ${plan.glpi.url} has SHA-256 ${got}, not the pinned ${pin} (billu:assets.glpi.sha256): it was not installed. Check the URL and the hash\n`,
    );
    expect(r.calls.filter((c) => /^(curl|tar|install) /.test(c))).toEqual([
        `curl -fsSL --proto =https --max-time 600 -o ${path.join(r.root, "work/glpi.tgz")} ${plan.glpi.url}`,
    ]);
    expect(existsSync(path.join(r.root, `share/glpi-${plan.glpi.version}`))).toBe(false);
    expect(existsSync(path.join(r.root, `share/glpi-${plan.glpi.version}.new`))).toBe(false);
});

test("positive control: pinned to that tarball's hash, the step unpacks it and records the pin", () => {
    const got = createHash("sha256").update(readFileSync(tarball)).digest("hex");
    const r = runStep("match", got);
    // Stopped by the stand-in install, the first command after the release.
    expect(r.status).toBe(3);
    expect(r.stdout).toContain(`billu[glpi-server]: installed GLPI ${plan.glpi.version} (${got})\n`);
    const release = path.join(r.root, `share/glpi-${plan.glpi.version}`);
    expect(readFileSync(path.join(release, ".billu-sha256"), "utf8")).toBe(`${got}\n`);
    expect(readFileSync(path.join(release, "index.php"), "utf8")).toBe("<?php // not GLPI\n");
});
