/**
 * Jest globalSetup: one fresh folder per `jest` run for the shared synths (__tests__/synth/shared.ts). It is made
 * before any worker starts, and the workers inherit its path through the environment; the teardown deletes it, so a
 * run never reads what an earlier run (or an earlier state of the code) synthesized.
 */
import { mkdtempSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

export const CACHE_ENV = "BILLU_TEST_SYNTH_CACHE";

export default function setup(): void {
    process.env[CACHE_ENV] = mkdtempSync(path.join(tmpdir(), "billu-jest-synth-"));
}
