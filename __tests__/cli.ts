/**
 * The offline tools' command lines, run in the test's own process: `runTool("synth", ["--stack", "dev"])` does what
 * `node dist/tools/synth.js --stack dev` does, through the function that file runs (each tool's exported `cli`), and
 * gives back what the child would have: its exit status, stdout and stderr. A child costs a Node start and a fresh
 * load of the tool and the Pulumi SDK (~0.6 s of CPU for a run stopped by bad input, on top of the synth for a good
 * one); the suite ran ~90 of them.
 *
 * What the run sees, as a child would: the working folder given (the project root by default), the environment of the
 * test, Node's default stack trace depth, a fresh copy of the tool's modules (the SDK's mock runtime is module state:
 * tools/synth.ts), stdout and stderr as the streams the tool writes (process.stdout/stderr and console). What it
 * changes is put back: the working folder, every environment variable (synth sets BILLU_RENDER_DIR, ...),
 * process.exitCode, Error.stackTraceLimit (synth turns stack traces off: tools/traces.ts), the console, and the
 * process's event listeners (each load of the SDK adds an `exit` one, which a child takes with it when it ends; kept,
 * the 11th would make Node warn on stderr).
 *
 * What only a real process shows (a pipe closed early, bytes flushed before exit, `node -r`, the built dist/ files)
 * is tested with real processes: __tests__/tools/pipes.test.ts, defer-modules.test.ts, and the entry-point test
 * in clean-errors.test.ts that runs every tool's built file once.
 */
import { format } from "util";
import { ROOT } from "./helpers";

/** What a finished command line gives back, as spawnSync names it. */
export interface ToolRun {
    readonly status: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** The tools that export `cli(argv)`, the function their built file runs. */
export type Tool = "synth" | "docs" | "lab-facts" | "directory-lock" | "hr-report" | "pfsense" | "firewall-lab" | "preflight" | "missing-flows";

/** Node's default Error.stackTraceLimit, which a fresh process starts with. */
const NODE_STACK_TRACE_LIMIT = 10;

/** One at a time: a run owns the process's working folder, environment, streams and exit code. */
let queue: Promise<unknown> = Promise.resolve();

/** Runs `node dist/tools/<tool>.js <args>` in this process (see above), in `cwd` (default: the project root). */
export function runTool(tool: Tool, args: readonly string[], opts: { cwd?: string } = {}): Promise<ToolRun> {
    const run = queue.then(() => runNow(tool, args, opts.cwd ?? ROOT));
    queue = run.catch(() => undefined);
    return run;
}

async function runNow(tool: Tool, args: readonly string[], cwd: string): Promise<ToolRun> {
    let stdout = "";
    let stderr = "";
    const saved = {
        cwd: process.cwd(),
        env: { ...process.env },
        exitCode: process.exitCode,
        stackTraceLimit: Error.stackTraceLimit,
        stdoutWrite: process.stdout.write,
        stderrWrite: process.stderr.write,
        console: { log: console.log, info: console.info, warn: console.warn, error: console.error },
        listeners: new Map(process.eventNames().map((e) => [e, process.listeners(e as never)] as const)),
    };
    const sink =
        (add: (s: string) => void) =>
        (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
            add(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
            const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
            if (done) process.nextTick(done);
            return true;
        };
    const toStdout = (s: string) => void (stdout += s);
    const toStderr = (s: string) => void (stderr += s);
    try {
        process.chdir(cwd);
        process.exitCode = undefined;
        Error.stackTraceLimit = NODE_STACK_TRACE_LIMIT;
        process.stdout.write = sink(toStdout) as typeof process.stdout.write;
        process.stderr.write = sink(toStderr) as typeof process.stderr.write;
        // Node's console writes to these streams; jest's would print to the test report instead.
        console.log = console.info = (...a: unknown[]) => toStdout(format(...a) + "\n");
        console.warn = console.error = (...a: unknown[]) => toStderr(format(...a) + "\n");
        await jest.isolateModulesAsync(async () => {
            const mod = (await import(`../tools/${tool}`)) as { cli(argv: string[]): void | Promise<void> };
            await mod.cli([...args]);
        });
        return { status: Number(process.exitCode ?? 0), stdout, stderr };
    } finally {
        process.stdout.write = saved.stdoutWrite;
        process.stderr.write = saved.stderrWrite;
        Object.assign(console, saved.console);
        Error.stackTraceLimit = saved.stackTraceLimit;
        process.exitCode = saved.exitCode;
        for (const e of process.eventNames()) {
            const before = saved.listeners.get(e) ?? [];
            for (const l of process.listeners(e as never)) if (!before.includes(l)) process.removeListener(e as never, l);
        }
        for (const k of Object.keys(process.env)) if (!(k in saved.env)) delete process.env[k];
        Object.assign(process.env, saved.env);
        process.chdir(saved.cwd);
    }
}
