/** Jest globalTeardown: deletes the run's shared synth folder (__tests__/synth-cache-setup.ts). */
import { rmSync } from "fs";
import { CACHE_ENV } from "./synth-cache-setup";

export default function teardown(): void {
    const dir = process.env[CACHE_ENV];
    if (dir) rmSync(dir, { recursive: true, force: true });
}
