/**
 * Offline synthesis: `npm run synth -- --stack <name> [--config <file>] [--out <dir>] [--hr-csv <file>]
 * [--directory-lock <file>] [--diff <earlier out dir>]`. Runs the real program (index.ts) under the Pulumi SDK's mock runtime with the
 * stack's config, records every resource, runs the policy pack over them and writes:
 *   <out>/resources.json      every resource: urn, type, name, parent, inputs (secrets "[secret]"), options
 *   <out>/policy-report.json  every violation: policy, enforcement level, urn, message
 *   <out>/outputs.json        the stack outputs (what `pulumi stack output --json` gives)
 *   <out>/docs/README.md      addressing plan, hosts, flow matrix, network diagram, component sections
 *   <out>/rendered/<host>/... every file pushed into a guest, byte for byte (secret placeholders only)
 *   <out>/.billu-synth-output marks the folder as synth's own
 * The run writes into a fresh folder beside <out>, which replaces <out> only when the run completes (exit 0 or 1):
 * a run stopped by bad input keeps the last output. synth replaces only a folder it marked (or a missing or empty
 * one) and refuses any other (tools/paths.ts), so `--out .` in a checkout deletes nothing.
 * With --diff, it then prints what changed against an earlier run's output folder (tools/synth-diff.ts: rendered files
 * and resources added, removed, changed); the folder may be the one this run replaces (it is read first).
 * Exit status: 0 clean, 1 a mandatory policy is violated, 2 invalid config or input, 3 internal error.
 */
import "./defer-modules";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { formatProblem, InputError, show } from "../model/errors";
import { RULES } from "../policies/rules";
import { renderDocs } from "./docs/render";
import { disableStackTraces } from "./traces";
import { checkUniqueUrns, installRecordingMocks, RecordedResource, resolveOutputs, SynthMocks, waitForRegistrations } from "./mock-runtime";
import { offlineStackOutputs } from "./peer-stack";
import { readStackConfig } from "./stack-config";
import { checkNotFolder, checkReadableFile, checkStackName, OUTPUT_MARKER, StagedFolder } from "./paths";
import { effectiveLevels, PackConfig, runPolicies, Violation } from "./policy-runner";
import { checkSynthFolder, diffSnapshots, readSnapshot, renderSynthDiff, SynthSnapshot } from "./synth-diff";

// Where the other tools, labs and tests have always imported the stack-file readers from.
export { readBilluConfig, readStackConfig, SECRET_KEYS } from "./stack-config";

export const EXIT = { ok: 0, policy: 1, input: 2, internal: 3 } as const;

export interface SynthOptions {
    stack: string;
    /** Stack config file. @default Pulumi.<stack>.yaml in the project root */
    config?: string;
    /** @default out/<stack> */
    out?: string;
    hrCsv?: string;
    directoryLock?: string;
    /** Project root. @default the current directory */
    root?: string;
    /** Print the summary. @default true */
    quiet?: boolean;
    /** CLI only: an earlier run's output folder to compare the new output with. @default no comparison */
    diff?: string;
}

export interface SynthResult {
    exitCode: number;
    resources: RecordedResource[];
    violations: Violation[];
    outputs: Record<string, unknown>;
    producedSecrets: string[];
    outDir: string;
    /** The user-facing error message, for exit 2 and 3. */
    error?: string;
    /** For exit 2 and 3, when --out held synth's last output: that it is kept. */
    kept?: string;
}

function projectName(root: string): string {
    const doc = parseYaml(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { name: string };
    return doc.name;
}

/** `policies/config.<stack>.json`: rule name -> `{ enforcementLevel, reason }` (effectiveLevels checks the values). */
const PACK_CONFIG = z.record(z.string(), z.object({ enforcementLevel: z.string(), reason: z.string().optional() }).passthrough());

/** Reads the stack's policy pack config (none: every rule at its own level). Throws InputError on a bad file. */
export function readPackConfig(root: string, stack: string): { config: PackConfig; source: string } {
    const file = path.join(root, "policies", `config.${stack}.json`);
    const source = path.relative(root, file);
    if (!existsSync(file)) return { config: {}, source };
    const fix = 'write a JSON object: { "<rule name>": { "enforcementLevel": "advisory", "reason": "why this stack may lower it" } }';
    let doc: unknown;
    try {
        doc = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
        throw new InputError([{ path: source, message: `cannot be read as JSON (${(e as Error).message.split("\n")[0]})`, fix }], "invalid policy pack config");
    }
    const parsed = PACK_CONFIG.safeParse(doc);
    if (!parsed.success) {
        throw new InputError(
            parsed.error.issues.map((i) => ({
                path: [source, ...i.path].join("."),
                message: `is ${show(at(doc, i.path))} (${i.message.replace(/^Expected/, "expected")})`,
                fix,
            })),
            "invalid policy pack config",
        );
    }
    return { config: parsed.data as PackConfig, source };
}

/** The value at a zod issue's path. */
function at(v: unknown, p: readonly (string | number)[]): unknown {
    return p.reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), v);
}

function isInputError(e: unknown): e is Error & { problems: readonly unknown[] } {
    return e instanceof InputError || (e instanceof Error && e.name === "InvalidInput");
}

/**
 * `{ fileAsset: <staging>/... }` -> `{ fileAsset: <target>/... }`: where the file is once the folder is swapped in.
 * Copies only the objects and arrays on the way to a changed asset and shares the rest: copying every resource's
 * inputs whole was ~46 MB of garbage for the 5,000-person site (issue #24).
 */
function relocate(v: unknown, from: string, to: string): unknown {
    if (Array.isArray(v)) {
        let out: unknown[] | undefined;
        v.forEach((x, i) => {
            const y = relocate(x, from, to);
            if (y !== x) (out ??= [...v])[i] = y;
        });
        return out ?? v;
    }
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (typeof o.fileAsset === "string" && o.fileAsset.startsWith(from + path.sep)) return { ...o, fileAsset: to + o.fileAsset.slice(from.length) };
        let out: Record<string, unknown> | undefined;
        for (const k of Object.keys(o)) {
            const y = relocate(o[k], from, to);
            if (y !== o[k]) (out ??= { ...o })[k] = y;
        }
        return out ?? o;
    }
    return v;
}

/**
 * Checks the files the flags and the config name before anything reads them, so that a bad path is named by the
 * flag or key the user wrote (not by what a loader made of it): --config, --hr-csv, --directory-lock and the
 * config's billu:directory.lock.
 */
function checkInputFiles(opts: SynthOptions, configFile: string): void {
    if (opts.config !== undefined) {
        checkReadableFile(configFile, "--config", opts.config, "pass --config the path of a stack file (Pulumi.<stack>.yaml)");
    } else if (!existsSync(configFile)) {
        throw new InputError([
            { path: configFile, message: "does not exist", fix: `name a stack with a committed Pulumi.<stack>.yaml, or pass --config <file>` },
        ]);
    }
    if (opts.hrCsv !== undefined) {
        checkReadableFile(path.resolve(opts.hrCsv), "--hr-csv", opts.hrCsv, "pass --hr-csv the path of a readable HR export (CSV separated by ;)");
    }
    if (opts.directoryLock !== undefined) {
        checkNotFolder(path.resolve(opts.directoryLock), "--directory-lock", opts.directoryLock);
    }
}

/** A billu:directory.lock that is a folder would be read as a file by the program: name the key now. */
function checkConfiguredLock(root: string, directory: string | undefined): void {
    let lock: unknown;
    try {
        lock = (JSON.parse(directory ?? "{}") as { lock?: unknown } | null)?.lock;
    } catch {
        return; // the program reports a malformed billu:directory with its key path
    }
    if (typeof lock === "string") checkNotFolder(path.resolve(root, lock), "billu:directory.lock", lock);
}

/** Runs one synthesis in this process. The mock runtime is global: one synth per process. */
export async function synth(opts: SynthOptions): Promise<SynthResult> {
    const root = path.resolve(opts.root ?? process.cwd());
    const outDir = path.resolve(root, opts.out ?? path.join("out", opts.stack));
    const outFlag = opts.out !== undefined ? "--out" : "--out (default out/<stack>)";
    const outShown = opts.out ?? path.join("out", opts.stack);
    const mocks = new SynthMocks();
    mocks.stackReference = (name) => offlineStackOutputs(root, name);
    const result: SynthResult = { exitCode: EXIT.ok, resources: [], violations: [], outputs: {}, producedSecrets: mocks.producedSecrets, outDir };
    let recorded: RecordedResource[] = [];
    let staged: StagedFolder | undefined;
    try {
        // The stack name becomes part of paths (out/<stack>, Pulumi.<stack>.yaml, policies/config.<stack>.json).
        checkStackName(opts.stack);
        const configFile = path.resolve(root, opts.config ?? `Pulumi.${opts.stack}.yaml`);
        checkInputFiles(opts, configFile);
        const { config, secretKeys } = readStackConfig(configFile);
        if (opts.directoryLock === undefined) checkConfiguredLock(root, config["billu:directory"]);
        const pack = readPackConfig(root, opts.stack);
        const levels = effectiveLevels(RULES, pack.config, pack.source);

        staged = new StagedFolder(outDir, outFlag, outShown);
        const work = staged.staging;
        process.env.BILLU_RENDER_DIR = path.join(work, "rendered");
        process.env.BILLU_PROJECT_ROOT = root;
        if (opts.hrCsv) process.env.BILLU_HR_CSV = path.resolve(opts.hrCsv);
        if (opts.directoryLock) process.env.BILLU_DIRECTORY_LOCK = path.resolve(opts.directoryLock);
        process.env.BILLU_SYNTH_OUT = work;

        const pulumi = await import("@pulumi/pulumi");
        // Source positions and promise-leak traces serve the engine's display only; capturing them per resource
        // and per promise more than doubles synth time (npm run bench prints the figure).
        if (process.env.BILLU_SYNTH_TRACES !== "1") disableStackTraces();
        recorded = installRecordingMocks(mocks, projectName(root), opts.stack);
        pulumi.runtime.setAllConfig(config, secretKeys);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require(path.join(__dirname, "..", "index"));
        const exported = await program;
        await waitForRegistrations();
        result.outputs = await resolveOutputs(exported as Record<string, unknown>);
        await waitForRegistrations();
        checkUniqueUrns(recorded);
        // Recorded paths name the folder as it will be once swapped in.
        result.resources = [...recorded].sort((a, b) => a.urn.localeCompare(b.urn)).map((r) => relocate(r, work, outDir) as RecordedResource);
        result.violations = await runPolicies(result.resources, RULES, levels);

        writeFileSync(
            path.join(work, "resources.json"),
            JSON.stringify({ project: projectName(root), stack: opts.stack, resources: result.resources }, null, 2) + "\n",
        );
        writeFileSync(path.join(work, "policy-report.json"), JSON.stringify({ stack: opts.stack, violations: result.violations }, null, 2) + "\n");
        writeFileSync(path.join(work, "outputs.json"), JSON.stringify(result.outputs, null, 2) + "\n");
        mkdirSync(path.join(work, "docs"), { recursive: true });
        const { caCertPem, ...docs } = result.outputs as Record<string, unknown>;
        writeFileSync(path.join(work, "docs", "README.md"), renderDocs(docs as never, typeof caCertPem === "string" ? caCertPem : undefined));
        staged.commit(outFlag, outShown);
        staged = undefined;
        result.exitCode = result.violations.some((v) => v.enforcementLevel === "mandatory") ? EXIT.policy : EXIT.ok;
    } catch (e) {
        result.resources = [...recorded];
        if (isInputError(e)) {
            result.exitCode = EXIT.input;
            result.error = (e as Error).message;
        } else {
            result.exitCode = EXIT.internal;
            result.error = `internal error: ${(e as Error)?.stack ?? String(e)}`;
        }
        staged?.discard();
        // Only a run that found synth's last output can keep it; a folder it never wrote was not touched either.
        if (existsSync(path.join(outDir, OUTPUT_MARKER))) result.kept = `the last good output in ${outShown} is kept unchanged`;
    }
    return result;
}

function summary(r: SynthResult, stack: string): string {
    const byType = new Map<string, number>();
    for (const res of r.resources) byType.set(res.type, (byType.get(res.type) ?? 0) + 1);
    const lines = [`synth ${stack}: ${r.resources.length} resources -> ${path.relative(process.cwd(), r.outDir) || "."}`];
    for (const [t, n] of [...byType].sort((a, b) => a[0].localeCompare(b[0]))) lines.push(`  ${String(n).padStart(5)}  ${t}`);
    const mandatory = r.violations.filter((v) => v.enforcementLevel === "mandatory");
    lines.push(`policy: ${r.violations.length} violation(s), ${mandatory.length} mandatory`);
    for (const v of r.violations) lines.push(`  [${v.enforcementLevel}] ${v.policy}: ${v.message}${v.urn ? ` (${v.urn})` : ""}`);
    return lines.join("\n");
}

function parseArgs(argv: string[]): SynthOptions {
    const opts: Partial<SynthOptions> = {};
    const take = (i: number, flag: string): string => {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith("--")) throw new InputError([{ path: flag, message: "needs a value", fix: `write ${flag} <value>` }]);
        return v;
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        switch (a) {
            case "--stack":
                opts.stack = take(i++, a);
                break;
            case "--config":
                opts.config = take(i++, a);
                break;
            case "--out":
                opts.out = take(i++, a);
                break;
            case "--hr-csv":
                opts.hrCsv = take(i++, a);
                break;
            case "--directory-lock":
                opts.directoryLock = take(i++, a);
                break;
            case "--diff":
                opts.diff = take(i++, a);
                break;
            default:
                throw new InputError([
                    { path: a, message: "is not an option of synth", fix: "use --stack, --config, --out, --hr-csv, --directory-lock or --diff" },
                ]);
        }
    }
    if (!opts.stack) throw new InputError([{ path: "--stack", message: "is required", fix: "name the stack: npm run synth -- --stack dev" }]);
    return opts as SynthOptions;
}

/** The CLI. Sets process.exitCode and returns: a pipe reading stdout or stderr gets every byte (never process.exit). */
async function main(argv: string[]): Promise<void> {
    let opts: SynthOptions;
    let before: SynthSnapshot | undefined;
    try {
        opts = parseArgs(argv);
        checkStackName(opts.stack);
        // Read before the run: the folder compared with may be the one this run replaces.
        if (opts.diff !== undefined) {
            checkSynthFolder(opts.diff, "--diff");
            before = readSnapshot(opts.diff);
        }
    } catch (e) {
        if (!(e instanceof InputError)) throw e;
        process.stderr.write(`synth: ${e.problems.map(formatProblem).join("\n")}\n`);
        process.exitCode = EXIT.input;
        return;
    }
    const r = await synth(opts);
    if (r.error) {
        process.stderr.write(`synth ${opts.stack}: ${r.error}\n`);
        if (r.kept) process.stderr.write(`synth ${opts.stack}: ${r.kept}\n`);
    } else {
        process.stdout.write(summary(r, opts.stack) + "\n");
        if (before) process.stdout.write(renderSynthDiff(diffSnapshots(before, readSnapshot(r.outDir)), opts.diff!) + "\n");
    }
    process.exitCode = r.exitCode;
}

/** The command line: `node dist/tools/synth.js <argv>` runs this; the unit tests call it in their own process (__tests__/cli.ts). */
export function cli(argv: string[]): Promise<void> {
    return main(argv).catch((e) => {
        process.stderr.write(`synth: internal error: ${(e as Error)?.stack ?? e}\n`);
        process.exitCode = EXIT.internal;
    });
}

if (require.main === module) void cli(process.argv.slice(2));
