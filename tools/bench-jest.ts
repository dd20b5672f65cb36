/**
 * `npm run bench:jest [-- <jest args>]`: runs the unit suite once, as `npx jest` does, and prints its wall time, the
 * CPU time of every process it ran (jest, its workers and what they started), and the ten slowest test files by
 * wall time and by CPU time. The project keeps the suite well under a minute on a quiet 2-core machine: on a shared
 * one, wall time measures the neighbours too, so compare CPU times, or wall times measured back to back.
 * Needs the build (the CLI tests run dist/): `npm run bench:jest` builds first.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { CPU_DIR_ENV, cpuSeconds } from "./bench-jest-env";

const root = path.join(__dirname, "..", "..");

interface JestJson {
    numTotalTests: number;
    numPassedTests: number;
    numFailedTests: number;
    success: boolean;
    testResults: { name: string; startTime: number; endTime: number; status: string }[];
}

function top(rows: { file: string; s: number }[], title: string): string[] {
    const sorted = [...rows].sort((a, b) => b.s - a.s).slice(0, 10);
    return [title, ...sorted.map((r) => `  ${r.s.toFixed(1).padStart(6)} s  ${r.file}`)];
}

function main(): void {
    const work = mkdtempSync(path.join(tmpdir(), "billu-bench-jest-"));
    const json = path.join(work, "jest.json");
    const cpuDir = path.join(work, "cpu");
    spawnSync("mkdir", [cpuDir]);
    const jest = path.join(root, "node_modules", "jest", "bin", "jest.js");
    const env = path.join(__dirname, "bench-jest-env.js");
    const cpu0 = cpuSeconds();
    const t0 = process.hrtime.bigint();
    const p = spawnSync(process.execPath, [jest, "--json", `--outputFile=${json}`, `--testEnvironment=${env}`, ...process.argv.slice(2)], {
        cwd: root,
        env: { ...process.env, [CPU_DIR_ENV]: cpuDir },
        encoding: "utf8",
        maxBuffer: 1 << 28,
    });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = cpuSeconds() - cpu0;
    let result: JestJson;
    try {
        result = JSON.parse(readFileSync(json, "utf8")) as JestJson;
    } catch {
        process.stderr.write(p.stderr);
        process.stderr.write(`bench:jest: jest wrote no results (exit ${p.status})\n`);
        process.exitCode = 3;
        return;
    }
    const rel = (f: string) => path.relative(root, f);
    const cpuByFile = readdirSync(cpuDir).flatMap((f) =>
        readFileSync(path.join(cpuDir, f), "utf8")
            .trim()
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => JSON.parse(l) as { file: string; cpu: number }),
    );
    const lines = [
        `jest: ${result.numPassedTests} of ${result.numTotalTests} tests passed in ${result.testResults.length} files` +
            (result.success ? "" : ` (${result.numFailedTests} failed: see the run below)`),
        `wall time: ${wall.toFixed(1)} s`,
        `CPU time:  ${cpu.toFixed(1)} s (user + system, every process of the run)`,
        `load average at the end: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
        ...top(
            result.testResults.map((t) => ({ file: rel(t.name), s: (t.endTime - t.startTime) / 1000 })),
            "slowest files by wall time:",
        ),
        ...top(
            cpuByFile.map((c) => ({ file: rel(c.file), s: c.cpu })),
            "slowest files by CPU time (the file's worker and the processes it started):",
        ),
    ];
    if (!result.success) process.stdout.write(p.stderr);
    process.stdout.write(lines.join("\n") + "\n");
    rmSync(work, { recursive: true, force: true });
    if (p.status !== 0) process.exitCode = p.status ?? 3;
}

main();
