/**
 * Output piped into a slow program arrives whole: the tools set process.exitCode and return instead of calling
 * process.exit, which drops what a pipe has not yet taken (anything past 64 KiB).
 */
import { execFileSync, spawn, spawnSync } from "child_process";
import { closeSync, constants, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { Socket } from "net";
import { tmpdir } from "os";
import * as path from "path";
import { ROOT } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "../synth/shared";

const dir = mkdtempSync(path.join(tmpdir(), "billu-pipes-"));
const DIST = path.join(ROOT, "dist", "tools");

/**
 * Runs a tool with its stdout (fd 1) or stderr (fd 2) on a real pipe (a FIFO: 64 KiB, like a shell's `|`) read by
 * a slow consumer: it reads nothing until the tool has exited, or until 1.5 s have passed (a tool that waits for
 * its pipe to drain is then read to the end). A tool that exits with output still queued loses that output.
 */
function slowPipe(args: string[], fd: 1 | 2): Promise<{ status: number | null; text: string }> {
    const fifo = path.join(mkdtempSync(path.join(dir, "fifo-")), "pipe");
    execFileSync("mkfifo", [fifo]);
    const rfd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const wfd = openSync(fifo, constants.O_WRONLY);
    const stdio: ("ignore" | number)[] = ["ignore", "ignore", "ignore"];
    stdio[fd] = wfd;
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio });
    closeSync(wfd);
    return new Promise((resolve) => {
        let status: number | null | undefined;
        let ended = false;
        let started = false;
        const chunks: Buffer[] = [];
        const done = () => ended && status !== undefined && resolve({ status, text: Buffer.concat(chunks).toString("utf8") });
        const start = () => {
            if (started) return;
            started = true;
            const s = new Socket({ fd: rfd, readable: true, writable: false });
            s.on("data", (c: Buffer) => chunks.push(c));
            s.on("close", () => {
                ended = true;
                done();
            });
        };
        const timer = setTimeout(start, 1500);
        child.on("exit", (code) => {
            status = code;
            clearTimeout(timer);
            start();
            done();
        });
    });
}

test(
    "docs on prod's outputs (> 64 KiB) piped to a slow reader: every byte of the README",
    async () => {
        // prod's shared synth (__tests__/synth/shared.ts): its outputs.json and the README synth wrote from them.
        const { r, out, stderr } = await committedSynth("prod");
        expect([r.exitCode, r.error, stderr]).toEqual([0, undefined, ""]);
        const written = path.join(dir, "prod-README.md");
        const w = spawnSync(process.execPath, [path.join(DIST, "docs.js"), "--outputs", path.join(out, "outputs.json"), "--out", written], {
            encoding: "utf8",
        });
        expect([w.status, w.stderr]).toEqual([0, ""]);
        const full = readFileSync(written, "utf8");
        expect(full).toBe(readFileSync(path.join(out, "docs", "README.md"), "utf8"));
        expect(Buffer.byteLength(full)).toBeGreaterThan(64 * 1024);
        const piped = await slowPipe([path.join(DIST, "docs.js"), "--outputs", path.join(out, "outputs.json")], 1);
        expect(piped.status).toBe(0);
        expect(Buffer.byteLength(piped.text)).toBe(Buffer.byteLength(full));
        expect(piped.text).toBe(full);
    },
    SYNTH_TIMEOUT,
);

test("synth with an HR export of > 600 bad lines, stderr piped to a slow reader: every line, the last included", async () => {
    const lines = readFileSync(path.join(ROOT, "data", "billu-hr.csv"), "utf8")
        .trimEnd()
        .split("\n");
    // The export four more times over: each copy of a person is "the same person as line N".
    const csv = path.join(dir, "many.csv");
    writeFileSync(csv, [...lines, ...lines.slice(1), ...lines.slice(1), ...lines.slice(1), ...lines.slice(1)].join("\n") + "\n");
    const args = [path.join(DIST, "synth.js"), "--stack", "dev", "--hr-csv", csv, "--out", path.join(dir, "many-out")];
    // The whole message, as a reader that keeps up gets it.
    const fast = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
    expect(fast.status).toBe(2);
    const count = Number(/^synth dev: invalid configuration \((\d+) problems\):\n/.exec(fast.stderr)?.[1]);
    expect(count).toBeGreaterThan(600);
    expect(fast.stderr.split("\n").filter((l) => l.startsWith("  - "))).toHaveLength(count);
    expect(fast.stderr).toContain(`  - ${csv}:669: is the same person as line 168 `);
    expect(Buffer.byteLength(fast.stderr)).toBeGreaterThan(64 * 1024);
    const slow = await slowPipe(args, 2);
    expect(slow.status).toBe(2);
    expect(Buffer.byteLength(slow.text)).toBe(Buffer.byteLength(fast.stderr));
    expect(slow.text).toBe(fast.stderr);
    expect(existsSync(path.join(dir, "many-out"))).toBe(false);
}, 120000);

test("no tool calls process.exit (it drops output a pipe has not taken yet)", () => {
    const tools = path.join(ROOT, "tools");
    const offenders = readdirSync(tools)
        .filter((f) => f.endsWith(".ts"))
        .filter((f) => /process\.exit\(/.test(readFileSync(path.join(tools, f), "utf8").replace(/\/\/.*|\/\*[\s\S]*?\*\//g, "")));
    expect(offenders).toEqual([]);
});
