/**
 * Jest globalSetup: one fresh folder per `jest` run, made before any worker starts; the workers (and every tool,
 * shell and pwsh they start) inherit it through the environment, and the teardown deletes it.
 * - TMPDIR (and TMP, TEMP for PowerShell): every test's mkdtempSync(tmpdir()) lands under it, so a run leaves
 *   nothing in /tmp however a test ends (the suite made about 5000 folders a day there).
 * - BILLU_TEST_SYNTH_CACHE: the shared synths (__tests__/synth/shared.ts), so a run never reads what an earlier
 *   run (or an earlier state of the code) synthesized.
 *
 * The folder is made in /dev/shm (memory) when that is a folder we can write, mounted without noexec, and TMPDIR is
 * not set, else in the system's temporary folder. Why: a run writes and deletes thousands of files (every synth's output, the steps the
 * tests render); on these machines /tmp is a disk mounted with `discard`, where deleting a run's folder took longer
 * than most test files (an rmSync of a few synth outputs: 6.6 s in /tmp, 1.1 s in /dev/shm). A folder of a run that
 * was killed before its teardown does not stay in memory for long: a run deletes the ones older than STALE_HOURS.
 */
import { accessSync, constants, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "fs";
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

export default function setup(): void {
    const run = mkdtempSync(path.join(runParent(), PREFIX));
    process.env[RUN_TMP_ENV] = run;
    for (const k of ["TMPDIR", "TMP", "TEMP"]) process.env[k] = run;
    const cache = path.join(run, "synth");
    mkdirSync(cache);
    process.env[CACHE_ENV] = cache;
}
