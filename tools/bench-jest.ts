/**
 * `npm run bench:jest [-- --against <git ref>] [-- <jest args>]`: runs the unit suite as `npx jest` does and prints the
 * tests and the expect() calls that passed (a change made for speed must keep both), its wall time, the CPU time of
 * every process it ran (jest, its workers and what they started), and the fifteen slowest test files by wall time and
 * by CPU time.
 *
 * With `--against <ref>` (a commit, a branch: `--against main`), it first runs the suite of that commit (exported
 * with `git archive` into a folder of its own, built there, sharing this checkout's node_modules, which needs the two
 * package-lock.json files to be the same), then this checkout's, back to back, and prints both runs' figures and
 * their ratio (this checkout / the ref). Both runs start with an empty transform cache of their own, as a fresh
 * clone (CI) does, so neither profits from the other's or from an earlier run's compiled files.
 *
 * The project keeps the suite well under a minute on a quiet 2-core machine: on a shared one, wall time measures the
 * neighbours too, so compare CPU times, or wall times measured back to back (what --against does).
 * Needs the build (the CLI tests run dist/): `npm run bench:jest` builds first.
 */
import { spawnSync } from "child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { CPU_DIR_ENV, cpuSeconds } from "./bench-jest-env";

const root = path.join(__dirname, "..", "..");

interface JestJson {
    numTotalTests: number;
    numPassedTests: number;
    numFailedTests: number;
    success: boolean;
    testResults: {
        name: string;
        startTime: number;
        endTime: number;
        status: string;
        /** Each test, with the expect() calls that passed in it (jest-circus counts them; a failed one's stop at the failure). */
        assertionResults: { numPassingAsserts: number }[];
    }[];
}

/** One run of the suite in a checkout: what jest reported, and the times measured around it. */
interface Run {
    readonly result: JestJson;
    readonly wall: number;
    readonly cpu: number;
    /** The CPU seconds of each test file (its worker and the processes it started), by path relative to the checkout. */
    readonly cpuByFile: { file: string; s: number }[];
    readonly status: number | null;
    readonly stderr: string;
}

function top(rows: { file: string; s: number }[], title: string): string[] {
    const sorted = [...rows].sort((a, b) => b.s - a.s).slice(0, 15);
    return [title, ...sorted.map((r) => `  ${r.s.toFixed(1).padStart(6)} s  ${r.file}`)];
}

/** Runs jest in `cwd` with `args`, timed; undefined (and the reason on stderr) when jest wrote no results. */
function measure(cwd: string, work: string, name: string, args: readonly string[], cacheDir?: string): Run | undefined {
    const json = path.join(work, `${name}.json`);
    const cpuDir = path.join(work, `${name}-cpu`);
    mkdirSync(cpuDir);
    const jest = path.join(cwd, "node_modules", "jest", "bin", "jest.js");
    const env = path.join(__dirname, "bench-jest-env.js");
    const cache = cacheDir ? [`--cacheDirectory=${cacheDir}`] : [];
    const cpu0 = cpuSeconds();
    const t0 = process.hrtime.bigint();
    const p = spawnSync(process.execPath, [jest, "--json", `--outputFile=${json}`, `--testEnvironment=${env}`, ...cache, ...args], {
        cwd,
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
        process.stderr.write(`bench:jest: jest wrote no results in ${cwd} (exit ${p.status})\n`);
        return undefined;
    }
    const cpuByFile = readdirSync(cpuDir).flatMap((f) =>
        readFileSync(path.join(cpuDir, f), "utf8")
            .trim()
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => JSON.parse(l) as { file: string; cpu: number })
            .map((c) => ({ file: path.relative(cwd, c.file), s: c.cpu })),
    );
    return { result, wall, cpu, cpuByFile, status: p.status, stderr: p.stderr };
}

/** The expect() calls that passed in the run: a change that speeds the suite up must not lower it. */
function passedExpects(r: JestJson): number {
    return r.testResults.reduce((n, f) => n + f.assertionResults.reduce((m, a) => m + a.numPassingAsserts, 0), 0);
}

function summary(run: Run): string {
    const r = run.result;
    return (
        `${r.numPassedTests} of ${r.numTotalTests} tests passed in ${r.testResults.length} files, ${passedExpects(r)} expect() calls passed` +
        (r.success ? "" : ` (${r.numFailedTests} failed: see the run below)`)
    );
}

function details(run: Run, cwd: string): string[] {
    return [
        ...top(
            run.result.testResults.map((t) => ({ file: path.relative(cwd, t.name), s: (t.endTime - t.startTime) / 1000 })),
            "slowest files by wall time:",
        ),
        ...top(run.cpuByFile, "slowest files by CPU time (the file's worker and the processes it started):"),
    ];
}

const loadavg = () => `load average at the end: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`;

/** The ref's tree in `dir`, built, sharing this checkout's node_modules and PowerShell tools; else why not. */
function baseTree(ref: string, dir: string): string | undefined {
    mkdirSync(dir);
    const rev = spawnSync("git", ["-C", root, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { encoding: "utf8" });
    if (rev.status !== 0) return `--against ${ref}: no such commit in ${root} (give a commit, a branch or a tag)`;
    const sha = rev.stdout.trim();
    const tar = spawnSync("sh", ["-c", 'git -C "$0" archive "$1" | tar -x -C "$2"', root, sha, dir], { encoding: "utf8" });
    if (tar.status !== 0) return `--against ${ref}: git archive ${sha} failed: ${tar.stderr.trim()}`;
    const lock = (d: string) => readFileSync(path.join(d, "package-lock.json"), "utf8");
    if (lock(dir) !== lock(root)) {
        return `--against ${ref}: its package-lock.json differs from this checkout's, so it cannot use this node_modules: run npm run bench:jest in a checkout of ${ref} instead`;
    }
    symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
    const tools = path.join(root, ".tools", "powershell.json");
    if (existsSync(tools)) {
        mkdirSync(path.join(dir, ".tools"));
        copyFileSync(tools, path.join(dir, ".tools", "powershell.json"));
    }
    const tsc = spawnSync(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", dir], { encoding: "utf8" });
    if (tsc.status !== 0) return `--against ${ref}: its build (tsc -p) failed:\n${tsc.stdout}${tsc.stderr}`;
    return undefined;
}

function main(argv: string[]): void {
    let ref: string | undefined;
    if (argv[0] === "--against") {
        ref = argv[1];
        if (!ref) {
            process.stderr.write("bench:jest: --against needs a git ref (a commit, a branch: --against main)\n");
            process.exitCode = 2;
            return;
        }
        argv = argv.slice(2);
    }
    const work = mkdtempSync(path.join(tmpdir(), "billu-bench-jest-"));
    try {
        if (ref === undefined) {
            const run = measure(root, work, "run", argv);
            if (!run) return void (process.exitCode = 3);
            const lines = [
                `jest: ${summary(run)}`,
                `wall time: ${run.wall.toFixed(1)} s`,
                `CPU time:  ${run.cpu.toFixed(1)} s (user + system, every process of the run)`,
                loadavg(),
                ...details(run, root),
            ];
            if (!run.result.success) process.stdout.write(run.stderr);
            process.stdout.write(lines.join("\n") + "\n");
            if (run.status !== 0) process.exitCode = run.status ?? 3;
            return;
        }
        const baseDir = path.join(work, "base");
        const why = baseTree(ref, baseDir);
        if (why) {
            process.stderr.write(`bench:jest: ${why}\n`);
            process.exitCode = 2;
            return;
        }
        const base = measure(baseDir, work, "base", argv, path.join(work, "cache-base"));
        const now = measure(root, work, "now", argv, path.join(work, "cache-now"));
        if (!base || !now) return void (process.exitCode = 3);
        const col = (s: string) => s.padStart(16);
        const row = (label: string, a: number, b: number) =>
            `${label.padEnd(10)}${col(`${a.toFixed(1)} s`)}${col(`${b.toFixed(1)} s`)}${col((b / a).toFixed(2))}`;
        const lines = [
            `${ref}: ${summary(base)}`,
            `this checkout: ${summary(now)}`,
            `${"".padEnd(10)}${col(ref)}${col("this checkout")}${col("ratio")}`,
            row("wall time", base.wall, now.wall),
            row("CPU time", base.cpu, now.cpu),
            "(run back to back, the ref first; each with an empty transform cache of its own; CPU: user + system, every process)",
            loadavg(),
            `this checkout's run:`,
            ...details(now, root),
        ];
        for (const r of [base, now]) if (!r.result.success) process.stdout.write(r.stderr);
        process.stdout.write(lines.join("\n") + "\n");
        if (base.status !== 0 || now.status !== 0) process.exitCode = now.status || base.status || 3;
    } finally {
        // The link to this checkout's node_modules first, so that nothing can delete through it.
        rmSync(path.join(work, "base", "node_modules"), { force: true });
        rmSync(work, { recursive: true, force: true });
    }
}

main(process.argv.slice(2));
