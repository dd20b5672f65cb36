/**
 * Jest globalSetup: one fresh folder per `jest` run, made before any worker starts; the workers (and every tool,
 * shell and pwsh they start) inherit it through the environment, and the teardown deletes it.
 * - TMPDIR (and TMP, TEMP for PowerShell): every test's mkdtempSync(tmpdir()) lands under it, so a run leaves
 *   nothing in /tmp however a test ends (the suite made about 5000 folders a day there).
 * - BILLU_TEST_SYNTH_CACHE: the shared synths (__tests__/synth/shared.ts), so a run never reads what an earlier
 *   run (or an earlier state of the code) synthesized.
 */
import { mkdirSync, mkdtempSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

export const CACHE_ENV = "BILLU_TEST_SYNTH_CACHE";
export const RUN_TMP_ENV = "BILLU_TEST_RUN_TMP";

export default function setup(): void {
    const run = mkdtempSync(path.join(tmpdir(), "billu-jest-"));
    process.env[RUN_TMP_ENV] = run;
    for (const k of ["TMPDIR", "TMP", "TEMP"]) process.env[k] = run;
    const cache = path.join(run, "synth");
    mkdirSync(cache);
    process.env[CACHE_ENV] = cache;
}
