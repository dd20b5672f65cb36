/**
 * synth never deletes what it did not write: it replaces only a folder it marked (.billu-synth-output), and only
 * once a run completes; a stack name cannot reach outside out/. The built CLI, in temporary folders.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { runTool } from "../cli";
import { filesUnder, ROOT } from "../helpers";

const BAD = readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").replace("cidr: 10.20.21.0/24", "cidr: 10.20.20.0/23");
const BAD_MESSAGE =
    "invalid configuration (1 problem):\n  - billu:network.zones[5].cidr: 10.20.20.0/23 (lan-dsi) overlaps 10.20.20.0/24 (lan-direction, billu:network.zones[4]). Fix: give each zone its own non-overlapping network";
/**
 * The stack of the runs that must succeed: the smallest committed one (43 resources, dev has over 1000), since what
 * these tests check is the output folder's handling, the same for every stack, and each dev run cost ~3 s of CPU.
 */
const GOOD = "ecotech";
const REFUSED_FIX =
    "Fix: pass --out a new or empty folder, or one synth wrote (it holds .billu-synth-output); synth replaces its output folder as a whole and deletes nothing it did not write";

/** The synth command line in `cwd`, run in this process (__tests__/cli.ts). */
function run(cwd: string, ...args: string[]) {
    return runTool("synth", args, { cwd });
}

/** A copy of the project's inputs (what synth reads from its root), as a checkout would hold them. */
function checkout(dir: string): string {
    mkdirSync(dir, { recursive: true });
    for (const f of ["Pulumi.yaml", "Pulumi.dev.yaml", "directory.lock.json"]) copyFileSync(path.join(ROOT, f), path.join(dir, f));
    cpSync(path.join(ROOT, "data"), path.join(dir, "data"), { recursive: true });
    cpSync(path.join(ROOT, "sites"), path.join(dir, "sites"), { recursive: true });
    return dir;
}

/** Every file under a folder with its content: what must be left untouched. */
function snapshot(dir: string): Record<string, string> {
    return Object.fromEntries(filesUnder(dir).map((f) => [path.relative(dir, f), readFileSync(f, "utf8")]));
}

let dir: string;
beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "billu-out-"));
    writeFileSync(path.join(dir, "Pulumi.bad.yaml"), BAD);
});

test("invalid config, --out an existing folder: exit 2, the folder and its file untouched", async () => {
    const out = path.join(dir, "out");
    mkdirSync(out);
    writeFileSync(path.join(out, "sentinel.txt"), "mine\n");
    const p = await run(ROOT, "--stack", "bad", "--config", path.join(dir, "Pulumi.bad.yaml"), "--out", out);
    expect(p.status).toBe(2);
    // Refused before the config is even read: the folder is not synth's.
    expect(p.stderr).toBe(
        `synth bad: invalid configuration (1 problem):\n  - --out: ${JSON.stringify(out)} (${out}) exists and is not a synth output folder: it has no .billu-synth-output and holds 1 entries (sentinel.txt). ${REFUSED_FIX}\n`,
    );
    expect(snapshot(out)).toEqual({ "sentinel.txt": "mine\n" });
    expect(readdirSync(dir).sort()).toEqual(["Pulumi.bad.yaml", "out"]);
});

test("valid config, --out a folder of unrelated files: exit 2 naming --out, the path and the fix; nothing touched", async () => {
    const out = path.join(dir, "notes");
    mkdirSync(path.join(out, "sub"), { recursive: true });
    writeFileSync(path.join(out, "a.md"), "a\n");
    writeFileSync(path.join(out, "sub", "b.md"), "b\n");
    writeFileSync(path.join(out, "resources.json"), "{}\n");
    const p = await run(ROOT, "--stack", "dev", "--out", out);
    expect(p.status).toBe(2);
    expect(p.stderr).toBe(
        `synth dev: invalid configuration (1 problem):\n  - --out: ${JSON.stringify(out)} (${out}) exists and is not a synth output folder: it has no .billu-synth-output and holds 3 entries (a.md, resources.json, sub). ${REFUSED_FIX}\n`,
    );
    expect(snapshot(out)).toEqual({ "a.md": "a\n", "resources.json": "{}\n", "sub/b.md": "b\n" });
    expect(readdirSync(dir).sort()).toEqual(["Pulumi.bad.yaml", "notes"]);
});

test("--out . inside a checkout: exit 2, the checkout (.git included) untouched", async () => {
    const co = checkout(path.join(dir, "checkout"));
    mkdirSync(path.join(co, ".git"));
    writeFileSync(path.join(co, ".git", "HEAD"), "ref: refs/heads/main\n");
    const before = snapshot(co);
    const p = await run(co, "--stack", "dev", "--out", ".");
    expect(p.status).toBe(2);
    expect(p.stderr).toContain(
        `synth dev: invalid configuration (1 problem):\n  - --out: "." (${co}) exists and is not a synth output folder: it has no .billu-synth-output and holds 6 entries (.git, Pulumi.dev.yaml, Pulumi.yaml, ...). ${REFUSED_FIX}\n`,
    );
    expect(snapshot(co)).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(["Pulumi.bad.yaml", "checkout"]);
});

test("--stack ../../x: exit 2 naming --stack before any path is made of it; nothing created anywhere", async () => {
    const co = checkout(path.join(dir, "a", "b"));
    const before = snapshot(dir);
    for (const stack of ["../../x", "..", ".", "a/b", "dev\n"]) {
        const p = await run(co, "--stack", stack, "--config", "Pulumi.dev.yaml");
        expect([p.status, p.stdout]).toEqual([2, ""]);
        expect(p.stderr).toBe(
            `synth: --stack: ${JSON.stringify(stack)} is not a stack name. Fix: name a stack with letters, digits, "_", "." and "-" only (Pulumi's rule), not "." or "..": --stack dev\n`,
        );
    }
    expect(snapshot(dir)).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(["Pulumi.bad.yaml", "a"]);
});

test("a successful run, then a failing one: the last good output is kept, and stderr says so; then a good run replaces it", async () => {
    const out = path.join(dir, "out");
    const good = await run(ROOT, "--stack", GOOD, "--out", out);
    expect([good.status, good.stderr]).toEqual([0, ""]);
    expect(readFileSync(path.join(out, ".billu-synth-output"), "utf8")).toBe(
        "This folder is written by billu-infra's offline synth (npm run synth, tools/synth.ts).\nEach successful run replaces the whole folder: keep no files of your own here.\nsynth refuses to replace a folder that does not hold this file.\n",
    );
    const kept = snapshot(out);
    expect(Object.keys(kept)).toContain("resources.json");
    // The recorded file paths name the output folder itself, not the folder the run wrote into before the swap.
    expect(kept["resources.json"]).toContain(JSON.stringify(path.join(out, "rendered", "ECO-FW01", "etc", "nftables.conf")));
    expect(kept["resources.json"]).not.toContain(".synth-new-");

    const bad = await run(ROOT, "--stack", "bad", "--config", path.join(dir, "Pulumi.bad.yaml"), "--out", out);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`synth bad: ${BAD_MESSAGE}\nsynth bad: the last good output in ${out} is kept unchanged\n`);
    expect(snapshot(out)).toEqual(kept);
    expect(readdirSync(dir).sort()).toEqual(["Pulumi.bad.yaml", "out"]);

    // A file added to synth's folder goes with the next successful run, as the marker says; no temporary folder stays.
    writeFileSync(path.join(out, "stray.txt"), "x\n");
    const again = await run(ROOT, "--stack", GOOD, "--out", out);
    expect([again.status, again.stderr]).toEqual([0, ""]);
    expect(existsSync(path.join(out, "stray.txt"))).toBe(false);
    expect(snapshot(out)).toEqual(kept);
    expect(readdirSync(dir).sort()).toEqual(["Pulumi.bad.yaml", "out"]);
}, 120000);

test("an output of a synth from before folders were marked: exit 2 saying how to move on; nothing deleted", async () => {
    const out = path.join(dir, "old");
    mkdirSync(path.join(out, "docs"), { recursive: true });
    for (const f of ["outputs.json", "policy-report.json", "resources.json", "docs/README.md"]) writeFileSync(path.join(out, f), "{}\n");
    const before = snapshot(out);
    const p = await run(ROOT, "--stack", "dev", "--out", out);
    expect(p.status).toBe(2);
    expect(p.stderr).toBe(
        `synth dev: invalid configuration (1 problem):\n  - --out: ${JSON.stringify(out)} (${out}) has no .billu-synth-output: it looks like the output of a synth from before output folders were marked. Fix: check it holds nothing of yours, delete it once (rm -r ${out}) and run synth again, or pass --out another folder\n`,
    );
    expect(snapshot(out)).toEqual(before);
});

test("an empty folder may be the output folder; a file or a symbolic link may not", async () => {
    const empty = path.join(dir, "empty");
    mkdirSync(empty);
    expect((await run(ROOT, "--stack", GOOD, "--out", empty)).status).toBe(0);
    expect(existsSync(path.join(empty, "resources.json"))).toBe(true);
    const file = path.join(dir, "file");
    writeFileSync(file, "x\n");
    const p = await run(ROOT, "--stack", "dev", "--out", file);
    expect(p.status).toBe(2);
    expect(p.stderr).toContain(`  - --out: ${JSON.stringify(file)} (${file}) exists and is not a folder. ${REFUSED_FIX}\n`);
    expect(readFileSync(file, "utf8")).toBe("x\n");
    const link = path.join(dir, "link");
    symlinkSync(empty, link);
    const l = await run(ROOT, "--stack", "dev", "--out", link);
    expect(l.status).toBe(2);
    expect(l.stderr).toContain(`  - --out: ${JSON.stringify(link)} (${link}) is a symbolic link. Fix: pass --out the folder it points to\n`);
}, 120000);
