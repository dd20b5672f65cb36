/**
 * Jest globalSetup: one fresh folder per `jest` run, made before any worker starts; the workers (and every tool,
 * shell and pwsh they start) inherit it through the environment, and the teardown deletes it.
 * - TMPDIR (and TMP, TEMP for PowerShell): every test's mkdtempSync(tmpdir()) lands under it, so a run leaves
 *   nothing in /tmp however a test ends (the suite made about 5000 folders a day there).
 * - BILLU_TEST_SYNTH_CACHE: the shared synths (__tests__/synth/shared.ts), so a run never reads what an earlier
 *   run (or an earlier state of the code) synthesized.
 * - PATH: the run's bin folder first, with a `python3` that starts the interpreter directly (pythonFirst).
 *
 * The folder is made in /dev/shm (memory) when that is a folder we can write, mounted without noexec, and TMPDIR is
 * not set, else in the system's temporary folder. Why: a run writes and deletes thousands of files (every synth's output, the steps the
 * tests render); on these machines /tmp is a disk mounted with `discard`, where deleting a run's folder took longer
 * than most test files (an rmSync of a few synth outputs: 6.6 s in /tmp, 1.1 s in /dev/shm). A folder of a run that
 * was killed before its teardown does not stay in memory for long: a run deletes the ones older than STALE_HOURS.
 */
import { spawnSync } from "child_process";
import { accessSync, constants, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

export const CACHE_ENV = "BILLU_TEST_SYNTH_CACHE";
export const RUN_TMP_ENV = "BILLU_TEST_RUN_TMP";

const SHM = "/dev/shm";
const PREFIX = "billu-jest-";
/** A run's folder this old belongs to no running jest (a run takes minutes). */
const STALE_HOURS = 12;

/** Where the run's folder is made (see above). */
function runParent(): string {
    if (process.env.TMPDIR) return tmpdir();
    try {
        if (!statSync(SHM).isDirectory()) return tmpdir();
        accessSync(SHM, constants.W_OK);
        // Tests run programs they write there (fake restic, curl, ... on PATH): not on a noexec mount.
        const mount = readFileSync("/proc/mounts", "utf8")
            .split("\n")
            .map((l) => l.split(" "))
            .find((f) => f[1] === SHM);
        if (!mount || mount[3].split(",").includes("noexec")) return tmpdir();
    } catch {
        return tmpdir();
    }
    const old = Date.now() - STALE_HOURS * 3600 * 1000;
    for (const f of readdirSync(SHM)) {
        if (!f.startsWith(PREFIX)) continue;
        const p = path.join(SHM, f);
        try {
            if (statSync(p).mtimeMs < old) rmSync(p, { recursive: true, force: true });
        } catch {
            // Deleted meanwhile, or not ours to delete: nothing to do.
        }
    }
    return SHM;
}

/** The folder of the run that goes first on the workers' PATH (see pythonFirst). */
export const RUN_BIN = "bin";

/**
 * The interpreter that `python3` on PATH runs, started directly: the workers' PATH begins with the run's bin folder,
 * where `python3` is a two-line sh script that execs that interpreter by its path. The suite starts python3 several
 * hundred times (the Samba, directory and Zabbix helpers: a process per case), and where PATH's python3 is a version
 * manager's shim (pyenv's: a bash script that runs a dozen programs to pick the version, as on these machines) each
 * start cost 0.41 s of CPU instead of 0.08 s (measured 2026-12-05). The same interpreter runs, with the same sys.prefix
 * and sys.path; with no python3 on PATH nothing is added (the tests that need it say so).
 */
function pythonFirst(run: string): void {
    const r = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" });
    const exe = r.status === 0 ? r.stdout.trim() : "";
    if (!path.isAbsolute(exe)) return;
    const bin = path.join(run, RUN_BIN);
    mkdirSync(bin);
    // A script that execs it by its own path, not a symlink: a virtual environment's python finds its pyvenv.cfg beside
    // the path it was started by.
    writeFileSync(path.join(bin, "python3"), `#!/bin/sh\nexec '${exe.replace(/'/g, "'\\''")}' "$@"\n`, { mode: 0o755 });
    process.env.PATH = `${bin}${path.delimiter}${process.env.PATH ?? ""}`;
}

export default function setup(): void {
    const run = mkdtempSync(path.join(runParent(), PREFIX));
    process.env[RUN_TMP_ENV] = run;
    for (const k of ["TMPDIR", "TMP", "TEMP"]) process.env[k] = run;
    pythonFirst(run);
    const cache = path.join(run, "synth");
    mkdirSync(cache);
    process.env[CACHE_ENV] = cache;
}
