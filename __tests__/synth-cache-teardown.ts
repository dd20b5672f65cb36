/** Jest globalTeardown: deletes the run's folder (__tests__/synth-cache-setup.ts): its temporary files and shared synths. */
import { rmSync } from "fs";
import { RUN_TMP_ENV } from "./synth-cache-setup";

export default function teardown(): void {
    const dir = process.env[RUN_TMP_ENV];
    if (dir) rmSync(dir, { recursive: true, force: true });
}
