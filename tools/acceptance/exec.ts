/** Runs a client tool (kinit, ldapsearch, ssh) with its input on stdin, never on its command line. */
import { spawn } from "child_process";

export interface ExecResult {
    readonly code: number | null;
    readonly out: string;
}

/** Runs `cmd args`, writing `stdin`; killed after `timeoutMs` (the runner's bound is the outer one). */
export function execTool(
    cmd: string,
    args: readonly string[],
    opts: { stdin?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ExecResult> {
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ["pipe", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (out += d.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 25_000);
        child.on("error", (e) => {
            clearTimeout(timer);
            resolve({ code: null, out: `${cmd}: ${e.message}` });
        });
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, out: out.trim() });
        });
        child.stdin.on("error", () => undefined); // a tool that exits before reading its stdin
        child.stdin.end(opts.stdin ?? "");
    });
}

/** The last line of a tool's output, for a report's "observed" column. */
export const lastLine = (s: string) =>
    s
        .split("\n")
        .filter((l) => l.trim() !== "")
        .pop() ?? "(no output)";

/**
 * curl's reason (`curl: (7) Failed to connect ...`) in its output. stdout and stderr arrive interleaved in one string,
 * and a `-w` line without a newline (`000 `) may come first on the same line: the reason is found anywhere in a line.
 */
export function curlError(out: string): string | undefined {
    return /curl: \(\d+\)[^\r\n]*/.exec(out)?.[0];
}
