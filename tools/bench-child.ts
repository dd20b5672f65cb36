/**
 * One Node.js program in a fresh process, timed as `npm run bench` times the synth CLI: the wall time from spawn to
 * exit, and the peak RSS and CPU time the process records itself at exit (peak-rss.js, preloaded). bench-goals
 * (the 5,000-person goal, 20 sites) and bench-directory (`--synth`) both time synth with it.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

export interface ChildRun {
    /** The exit status (null when a signal ended it), and what it printed. */
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly wallMs: number;
    /** The child's peak resident set size and its CPU time (user + system); NaN when it died before its exit handler. */
    readonly peakMiB: number;
    readonly cpuMs: number;
}

/** Runs `node -r <preload> <script> <args...>` in <root> and times it. */
export function timedNode(root: string, script: string, args: readonly string[], preload = path.join(__dirname, "peak-rss.js")): ChildRun {
    const peakFile = path.join(mkdtempSync(path.join(tmpdir(), "billu-bench-child-")), "peak");
    const t = process.hrtime.bigint();
    const p = spawnSync(process.execPath, ["-r", preload, script, ...args], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, BILLU_PEAK_RSS_FILE: peakFile },
        maxBuffer: 1 << 26,
    });
    const wallMs = Number(process.hrtime.bigint() - t) / 1e6;
    let usage = { maxRssKiB: NaN, cpuMs: NaN };
    try {
        usage = JSON.parse(readFileSync(peakFile, "utf8")) as typeof usage;
    } catch {
        // No figures: the child died before its exit handler ran (a signal, or node refused the preload).
    }
    return { status: p.status, stdout: p.stdout, stderr: p.stderr, wallMs, peakMiB: usage.maxRssKiB / 1024, cpuMs: usage.cpuMs };
}
