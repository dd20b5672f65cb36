/**
 * The unit suite's test environment under `npm run bench:jest` (tools/bench-jest.ts passes it with
 * --testEnvironment): jest's node environment, plus one line per test file with the CPU time its worker spent on it,
 * its own and that of the processes it started and waited for (pwsh, depcruise, a CLI run), from /proc/self/stat.
 * Jest reports a file's wall time only, which on a shared machine measures the neighbours as much as the file.
 */
import { appendFileSync, readFileSync } from "fs";
import * as path from "path";
import NodeEnvironment from "jest-environment-node";
import type { EnvironmentContext, JestEnvironmentConfig } from "@jest/environment";

/** Where tools/bench-jest.ts collects the lines (one file per worker). */
export const CPU_DIR_ENV = "BILLU_BENCH_JEST_CPU";

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** This process's CPU seconds, user + system, its own and its waited-for children's. */
export function cpuSeconds(): number {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after the command name (which may hold spaces, inside parentheses): utime is field 14, cstime 17.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS;
}

export default class CpuTimedEnvironment extends NodeEnvironment {
    private readonly testPath: string;
    private readonly start = cpuSeconds();

    constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
        super(config, context);
        this.testPath = context.testPath;
    }

    override async teardown(): Promise<void> {
        await super.teardown();
        const dir = process.env[CPU_DIR_ENV];
        if (dir) appendFileSync(path.join(dir, `${process.pid}.jsonl`), JSON.stringify({ file: this.testPath, cpu: cpuSeconds() - this.start }) + "\n");
    }
}
