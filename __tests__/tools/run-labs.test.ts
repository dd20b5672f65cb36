/**
 * scripts/run-labs.sh ends with each run's wall time, slowest first, and their total: CI's lab budget (issue #14) is
 * read from that table. Run on a tree of its own (the script works from its own folder's parent) with two stand-in
 * labs, so no namespace, no root and no real lab is involved.
 */
import { spawnSync } from "child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ROOT } from "../helpers";

let tree = "";
beforeAll(() => {
    tree = mkdtempSync(path.join(tmpdir(), "run-labs-"));
    mkdirSync(path.join(tree, "scripts"));
    copyFileSync(path.join(ROOT, "scripts", "run-labs.sh"), path.join(tree, "scripts", "run-labs.sh"));
    // "slow" lasts 2 s (its duration is what the summary measures, not a wait for a condition); "quick" fails at once.
    for (const [lab, body] of [
        ["slow", "sleep 2; exit 0\n"],
        ["quick", "echo 'quick: a probe said no'; exit 1\n"],
    ]) {
        mkdirSync(path.join(tree, "labs", lab), { recursive: true });
        writeFileSync(path.join(tree, "labs", lab, "lab.sh"), body);
    }
});
afterAll(() => rmSync(tree, { recursive: true, force: true }));

test("the summary lists every run's wall time, slowest first, with the total, before the tally", () => {
    const r = spawnSync("bash", [path.join(tree, "scripts", "run-labs.sh"), "quick", "slow"], { encoding: "utf8", env: { ...process.env, CI: "" } });
    expect(r.status).toBe(1);
    const lines = r.stdout.trimEnd().split("\n");
    const tail = lines.slice(lines.indexOf(lines.find((l) => l.startsWith("labs: wall time per run"))!));
    expect(tail).toHaveLength(4);
    const [, slow, quick] = tail.map((l) => /^ {4} *(\d+) s (\w+)$/.exec(l));
    expect([slow?.[2], quick?.[2]]).toEqual(["slow", "quick"]);
    expect(Number(slow![1])).toBeGreaterThanOrEqual(2);
    expect(tail[0]).toBe(`labs: wall time per run, slowest first (total ${Number(slow![1]) + Number(quick![1])} s):`);
    expect(tail[3]).toBe("labs: 1 passed, 1 failed, 0 skipped");
});

test("a failed run's verdict and last lines are repeated after the runs, so a log's tail names the lab and its cause", () => {
    const r = spawnSync("bash", [path.join(tree, "scripts", "run-labs.sh"), "quick", "slow"], { encoding: "utf8", env: { ...process.env, CI: "" } });
    const lines = r.stdout.trimEnd().split("\n");
    const at = lines.findIndex((l) => /^== lab quick: exit 1 after \d+ s: failed; its last 40 lines:$/.test(l));
    expect(at).toBeGreaterThan(lines.indexOf("== lab slow"));
    expect(lines[at + 1]).toBe("    | quick: a probe said no");
});
