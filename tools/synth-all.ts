/**
 * The policy gate over every committed stack: synthesizes each Pulumi.<stack>.yaml (one process each, since the
 * mock runtime is process-global) and fails unless every one exits 0.
 */
import { spawnSync } from "child_process";
import { readdirSync } from "fs";
import * as path from "path";

const root = path.join(__dirname, "..", "..");
const stacks = readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();
let failed = 0;
for (const stack of stacks) {
    const p = spawnSync(process.execPath, [path.join(__dirname, "synth.js"), "--stack", stack], { cwd: root, stdio: "inherit" });
    if (p.status !== 0) {
        failed++;
        process.stderr.write(`synth-all: stack ${stack} exited ${p.status}\n`);
    }
}
process.stdout.write(`synth-all: ${stacks.length - failed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
