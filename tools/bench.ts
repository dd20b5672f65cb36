/**
 * `npm run bench`: prints, in one run, the figures the foundation issue asks for, after the scale goals of issue #24
 * (tools/bench-goals.ts; `npm run bench -- --goals` prints only those). Each measurement runs in a
 * fresh process (tools/bench-worker.ts); times are medians of several runs since these machines are noisy.
 *  - synth wall time of `dev` and `prod` (the whole CLI: node start, program, policies, files);
 *  - a generated large site (1, 5, 10, 20 BillU-sized sites in one program) against the bare SDK registering
 *    the same number of plain resources, as a ratio per resource, and the growth with size;
 *  - the cost of the SDK's per-resource and per-promise stack traces (on vs off);
 *  - the directory: the dev site with a 5,000-person export (BENCH_ACCOUNTS) next to the bare SDK registering as
 *    many resources (the plan alone: npm run bench:directory).
 */
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { FOOTPRINT_HEADER, footprint, footprintRow, GOALS, largeDevArgs, pass, StateResource, synthCli } from "./bench-goals";

const root = path.join(__dirname, "..", "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

function wall(args: string[]): number {
    const t = process.hrtime.bigint();
    const p = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
    if (p.status !== 0) throw new Error(`${args.join(" ")} exited ${p.status}: ${p.stderr}`);
    return Number(process.hrtime.bigint() - t) / 1e6;
}

interface Measure {
    resources: number;
    ms: number;
    /** CPU time of the worker (all its threads, the GC's included): steadier than wall time on a shared machine. */
    cpuMs: number;
    rssMiB: number;
    peakMiB: number;
}

function worker(args: string[]): Measure {
    const p = spawnSync(process.execPath, [path.join(__dirname, "bench-worker.js"), ...args], { cwd: root, encoding: "utf8", maxBuffer: 1 << 26 });
    if (p.status !== 0) throw new Error(`bench-worker ${args.join(" ")} exited ${p.status}: ${p.stderr}`);
    return JSON.parse(p.stdout.trim().split("\n").pop()!) as Measure;
}

function measure(args: string[]): Measure {
    const runs = Array.from({ length: RUNS }, () => worker(args));
    return {
        resources: runs[0].resources,
        ms: median(runs.map((r) => r.ms)),
        cpuMs: median(runs.map((r) => r.cpuMs)),
        rssMiB: median(runs.map((r) => r.rssMiB)),
        peakMiB: median(runs.map((r) => r.peakMiB)),
    };
}

function main(): void {
    const out: string[] = [];
    const log = (s: string) => {
        out.push(s);
        process.stdout.write(s + "\n");
    };
    log(`billu-infra bench (median of ${RUNS} runs each, node ${process.version})`);
    goals(log);
    if (process.argv.includes("--goals")) return;
    for (const stack of ["dev", "prod"]) {
        const ms = median(
            Array.from({ length: RUNS }, () =>
                wall([path.join(__dirname, "synth.js"), "--stack", stack, "--out", path.join("out", "bench", `synth-${stack}`)]),
            ),
        );
        log(`synth ${stack}: ${ms.toFixed(0)} ms wall (whole CLI)`);
    }
    log("");
    log("bare: the SDK registering as many plain resources (three small inputs each); replay: the SDK registering our");
    log("very graph (same provider classes, names, inputs, parents, dependsOn) without our program. replay/bare is");
    log("what the SDK itself charges for resources shaped like ours; ours/replay is our program's own overhead.");
    log("Wall time, and in brackets the CPU time ratio (all threads), which a busy machine disturbs less.");
    log("sites  resources   ours ms  bare ms  ours/bare (cpu)  replay ms  replay/bare (cpu)  ours/replay (cpu)  ours us/res  ours MiB");
    const rows: { n: number; ours: Measure; bare: Measure }[] = [];
    const dir = mkdtempSync(path.join(tmpdir(), "billu-bench-"));
    for (const n of [1, 5, 10, 20]) {
        const dump = path.join(dir, `sites-${n}.json`);
        worker(["--mode", "sites", "--count", String(n), "--traces", "off", "--dump", dump]);
        const ours = measure(["--mode", "sites", "--count", String(n), "--traces", "off"]);
        const bare = measure(["--mode", "bare", "--count", String(ours.resources), "--traces", "off"]);
        const replay = measure(["--mode", "replay", "--from", dump, "--traces", "off"]);
        rows.push({ n, ours, bare });
        const ratio = (a: Measure, b: Measure) => `${(a.ms / b.ms).toFixed(2)} (${(a.cpuMs / b.cpuMs).toFixed(2)})`;
        log(
            `${String(n).padStart(5)}  ${String(ours.resources).padStart(9)}  ${ours.ms.toFixed(0).padStart(8)}  ${bare.ms.toFixed(0).padStart(7)}  ${ratio(ours, bare).padStart(15)}  ${replay.ms.toFixed(0).padStart(9)}  ${ratio(replay, bare).padStart(17)}  ${ratio(ours, replay).padStart(17)}  ${((ours.ms * 1000) / ours.resources).toFixed(0).padStart(11)}  ${ours.rssMiB.toFixed(0).padStart(8)}`,
        );
    }
    const first = rows[0];
    const last = rows[rows.length - 1];
    log(
        `growth: ${last.n / first.n}x sites -> ${(last.ours.ms / first.ours.ms).toFixed(1)}x time (per resource ${((first.ours.ms * 1000) / first.ours.resources).toFixed(0)} -> ${((last.ours.ms * 1000) / last.ours.resources).toFixed(0)} us)`,
    );
    log("");
    const n = 20;
    const on = measure(["--mode", "sites", "--count", String(n), "--traces", "default"]);
    const off = measure(["--mode", "sites", "--count", String(n), "--traces", "off"]);
    const bareOn = measure(["--mode", "bare", "--count", String(on.resources), "--traces", "default"]);
    const bareOff = measure(["--mode", "bare", "--count", String(on.resources), "--traces", "off"]);
    log(
        `stack traces (${n} sites, ${on.resources} resources): ours ${on.ms.toFixed(0)} ms with, ${off.ms.toFixed(0)} ms without (${(on.ms / off.ms).toFixed(2)}x); bare SDK ${bareOn.ms.toFixed(0)} ms with, ${bareOff.ms.toFixed(0)} ms without (${(bareOn.ms / bareOff.ms).toFixed(2)}x)`,
    );
    log(`ratio with traces on both sides: ${(on.ms / bareOn.ms).toFixed(2)}; off on both sides: ${(off.ms / bareOff.ms).toFixed(2)}`);
    log("");
    // The directory site of 5,000 people against the bare SDK registering as many resources (tools/bench-directory.ts:
    // the plan alone). One run each; BENCH_ACCOUNTS=0 skips it.
    const people = Number(process.env.BENCH_ACCOUNTS ?? 5000);
    if (people > 0) {
        const accounts = worker(["--mode", "accounts", "--count", String(people), "--traces", "default"]);
        const accountsBare = worker(["--mode", "bare", "--count", String(accounts.resources), "--traces", "default"]);
        log(
            `directory: the dev site with ${people} accounts, ${accounts.resources} resources: ours ${accounts.ms.toFixed(0)} ms, bare SDK ${accountsBare.ms.toFixed(0)} ms for as many (${(accounts.ms / accountsBare.ms).toFixed(2)}x), ${accounts.rssMiB.toFixed(0)} MiB (one run)`,
        );
    }
}

/** Issue #24: the directory's footprint, the 5,000-person synth against its goal, 20 sites, state and checkpoints. */
function goals(log: (s: string) => void): void {
    log("");
    log(`scale goals (issue #24)`);
    const dev = synthCli(root, ["--stack", "dev"]);
    const prod = synthCli(root, ["--stack", "prod"]);
    const largeArgs = largeDevArgs(GOALS.people);
    const large = Array.from({ length: RUNS }, () => synthCli(root, largeArgs));
    const largeMs = median(large.map((r) => r.wallMs));
    const largePeak = median(large.map((r) => r.peakMiB));
    const largeCpu = median(large.map((r) => r.cpuMs));
    const dir = mkdtempSync(path.join(tmpdir(), "billu-bench-goals-"));
    const dumped = (n: number) => {
        const file = path.join(dir, `sites-${n}.json`);
        worker(["--mode", "sites", "--count", String(n), "--traces", "off", "--dump", file]);
        return JSON.parse(readFileSync(file, "utf8")) as StateResource[];
    };
    const one = measure(["--mode", "sites", "--count", "1", "--traces", "off"]);
    const twenty = measure(["--mode", "sites", "--count", "20", "--traces", "off"]);
    log("resources (person pw: the directory's per-person RandomPasswords, which branch onboard removes; ext secr: the");
    log(
        "PBX's SIP secret and voicemail PIN RandomPasswords per extension, which branch pbxkey removes); state est: inputs + outputs as a checkpoint stores them",
    );
    log("(tools/bench-goals.ts stateBytes); ckpt wr: checkpoint writes of a first `up` on a self-managed backend, 2 per");
    log("resource + 1 (pulumi/pulumi#10960, #14967, #13502); ckpt bytes: what they write, about resources x state.");
    log(FOOTPRINT_HEADER);
    const f5000 = footprint(large[0].resources);
    log(footprintRow("dev", footprint(dev.resources)));
    log(footprintRow("prod", footprint(prod.resources)));
    log(footprintRow(`dev, ${GOALS.people} people`, f5000));
    log(footprintRow("20 sites (prod x20, 1 prog)", footprint(dumped(20))));
    const devF = footprint(dev.resources);
    log(
        `growth dev -> ${GOALS.people} people (${(GOALS.people / 167).toFixed(0)}x the staff): resources x${(f5000.resources / devF.resources).toFixed(1)}, without per-person passwords x${((f5000.resources - f5000.personPasswords) / (devF.resources - devF.personPasswords)).toFixed(1)}, without them and the extension secrets x${((f5000.resources - f5000.personPasswords - f5000.extensionSecrets) / (devF.resources - devF.personPasswords - devF.extensionSecrets)).toFixed(2)}`,
    );
    log(
        `synth of dev with ${GOALS.people} people (whole CLI, median of ${RUNS}): ${(largeMs / 1000).toFixed(1)} s wall (goal <= ${GOALS.wallS} s: ${pass(largeMs <= GOALS.wallS * 1000)}; ${(largeCpu / 1000).toFixed(1)} s CPU), peak RSS ${largePeak.toFixed(0)} MiB (goal <= ${GOALS.peakMiB} MiB: ${pass(largePeak <= GOALS.peakMiB)})`,
    );
    const perSite = twenty.ms / 20 / one.ms;
    log(
        `20 sites in one program: ${(twenty.ms / 1000).toFixed(1)} s, 1 site ${(one.ms / 1000).toFixed(1)} s: per-site time ratio ${perSite.toFixed(2)} (1.00 is linear; goal <= 1.25: ${pass(perSite <= 1.25)}), peak ${twenty.peakMiB.toFixed(0)} MiB vs ${one.peakMiB.toFixed(0)} MiB`,
    );
}

main();
