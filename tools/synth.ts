/**
 * Offline synthesis: `npm run synth -- --stack <name> [--config <file>] [--out <dir>] [--hr-csv <file>]
 * [--directory-lock <file>]`. Runs the real program (index.ts) under the Pulumi SDK's mock runtime with the
 * stack's config, records every resource, runs the policy pack over them and writes:
 *   <out>/resources.json      every resource: urn, type, name, parent, inputs (secrets "[secret]"), options
 *   <out>/policy-report.json  every violation: policy, enforcement level, urn, message
 *   <out>/outputs.json        the stack outputs (what `pulumi stack output --json` gives)
 *   <out>/docs/README.md      addressing plan, hosts, flow matrix, network diagram, component sections
 *   <out>/rendered/<host>/... every file pushed into a guest, byte for byte (secret placeholders only)
 * Exit status: 0 clean, 1 a mandatory policy is violated, 2 invalid config or input, 3 internal error.
 */
import "./defer-modules";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { formatProblem, InputError } from "../model/errors";
import { assertNoPlaintextSecrets, CONFIG_KEYS } from "../model/schema";
import { RULES } from "../policies/rules";
import { renderDocs } from "./docs/render";
import { disableStackTraces } from "./traces";
import { installRecordingMocks, RecordedResource, resolveOutputs, SECRET_MARK, SynthMocks, waitForRegistrations } from "./mock-runtime";
import { offlineStackOutputs } from "./peer-stack";
import { effectiveLevels, PackConfig, runPolicies, Violation } from "./policy-runner";

/** `billu:` keys read as secrets (never part of the model). */
export const SECRET_KEYS = ["sshPrivateKey"];

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
}

/** Reads a stack file into Pulumi's flat config map; secure values become placeholders. */
export function readStackConfig(file: string): { config: Record<string, string>; secretKeys: string[] } {
    let doc: unknown;
    try {
        doc = parseYaml(readFileSync(file, "utf8"));
    } catch (e) {
        throw new InputError([{ path: file, message: `cannot be read as YAML (${(e as Error).message.split("\n")[0]})`, fix: "fix the YAML syntax" }]);
    }
    const cfg = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
    assertNoPlaintextSecrets(cfg, path.basename(file));
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const unknown: string[] = [];
    for (const [key, value] of Object.entries(cfg)) {
        if (key.startsWith("billu:")) {
            const k = key.slice("billu:".length);
            if (!(CONFIG_KEYS as string[]).includes(k) && !SECRET_KEYS.includes(k)) unknown.push(key);
        }
        if (value && typeof value === "object" && "secure" in (value as object)) {
            config[key] = SECRET_MARK;
            secretKeys.push(key);
        } else {
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    if (unknown.length > 0) {
        throw new InputError(
            unknown.map((k) => ({
                path: k,
                message: "is not a key of the billu namespace",
                fix: `use one of ${[...CONFIG_KEYS, ...SECRET_KEYS].map((c) => "billu:" + c).join(", ")}`,
            })),
        );
    }
    return { config, secretKeys };
}

/**
 * The `billu:` namespace of a stack file as the program reads it (`stacks/program.ts` readRawConfig): each value
 * parsed as JSON, a plain string kept as it is. For the offline tools that build a model without synthesizing.
 */
export function readBilluConfig(file: string): Record<string, unknown> {
    const { config } = readStackConfig(file);
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) {
        if (!k.startsWith("billu:")) continue;
        try {
            raw[k.slice("billu:".length)] = JSON.parse(v);
        } catch {
            raw[k.slice("billu:".length)] = v;
        }
    }
    return raw;
}

function projectName(root: string): string {
    const doc = parseYaml(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { name: string };
    return doc.name;
}

function readPackConfig(root: string, stack: string): { config: PackConfig; source: string } {
    const file = path.join(root, "policies", `config.${stack}.json`);
    if (!existsSync(file)) return { config: {}, source: file };
    return { config: JSON.parse(readFileSync(file, "utf8")) as PackConfig, source: path.relative(root, file) };
}

function isInputError(e: unknown): e is Error & { problems: readonly unknown[] } {
    return e instanceof InputError || (e instanceof Error && e.name === "InvalidInput");
}

/** Runs one synthesis in this process. The mock runtime is global: one synth per process. */
export async function synth(opts: SynthOptions): Promise<SynthResult> {
    const root = path.resolve(opts.root ?? process.cwd());
    const outDir = path.resolve(root, opts.out ?? path.join("out", opts.stack));
    const mocks = new SynthMocks();
    mocks.stackReference = (name) => offlineStackOutputs(root, name);
    const result: SynthResult = { exitCode: EXIT.ok, resources: [], violations: [], outputs: {}, producedSecrets: mocks.producedSecrets, outDir };
    let recorded: RecordedResource[] = [];
    try {
        const configFile = path.resolve(root, opts.config ?? `Pulumi.${opts.stack}.yaml`);
        if (!existsSync(configFile)) {
            throw new InputError([
                { path: configFile, message: "does not exist", fix: `name a stack with a committed Pulumi.<stack>.yaml, or pass --config <file>` },
            ]);
        }
        const { config, secretKeys } = readStackConfig(configFile);
        const pack = readPackConfig(root, opts.stack);
        const levels = effectiveLevels(RULES, pack.config, pack.source);

        try {
            rmSync(outDir, { recursive: true, force: true });
            mkdirSync(outDir, { recursive: true });
        } catch (e) {
            throw new InputError([
                {
                    path: opts.out ?? outDir,
                    message: `cannot be emptied and used as the output folder (${(e as Error).message})`,
                    fix: "pass --out <a folder you can write>",
                },
            ]);
        }
        process.env.BILLU_RENDER_DIR = path.join(outDir, "rendered");
        process.env.BILLU_PROJECT_ROOT = root;
        if (opts.hrCsv) process.env.BILLU_HR_CSV = path.resolve(opts.hrCsv);
        if (opts.directoryLock) process.env.BILLU_DIRECTORY_LOCK = path.resolve(opts.directoryLock);
        process.env.BILLU_SYNTH_OUT = outDir;

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
        result.resources = [...recorded].sort((a, b) => a.urn.localeCompare(b.urn));
        result.violations = await runPolicies(result.resources, RULES, levels);

        writeFileSync(
            path.join(outDir, "resources.json"),
            JSON.stringify({ project: projectName(root), stack: opts.stack, resources: result.resources }, null, 2) + "\n",
        );
        writeFileSync(path.join(outDir, "policy-report.json"), JSON.stringify({ stack: opts.stack, violations: result.violations }, null, 2) + "\n");
        writeFileSync(path.join(outDir, "outputs.json"), JSON.stringify(result.outputs, null, 2) + "\n");
        mkdirSync(path.join(outDir, "docs"), { recursive: true });
        const { caCertPem, ...docs } = result.outputs as Record<string, unknown>;
        writeFileSync(path.join(outDir, "docs", "README.md"), renderDocs(docs as never, typeof caCertPem === "string" ? caCertPem : undefined));
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
            default:
                throw new InputError([{ path: a, message: "is not an option of synth", fix: "use --stack, --config, --out, --hr-csv or --directory-lock" }]);
        }
    }
    if (!opts.stack) throw new InputError([{ path: "--stack", message: "is required", fix: "name the stack: npm run synth -- --stack dev" }]);
    return opts as SynthOptions;
}

if (require.main === module) {
    (async () => {
        let opts: SynthOptions;
        try {
            opts = parseArgs(process.argv.slice(2));
        } catch (e) {
            process.stderr.write(`synth: ${(e as InputError).problems.map(formatProblem).join("\n")}\n`);
            process.exit(EXIT.input);
        }
        const r = await synth(opts);
        if (r.error) {
            process.stderr.write(`synth ${opts.stack}: ${r.error}\n`);
        } else {
            process.stdout.write(summary(r, opts.stack) + "\n");
        }
        process.exit(r.exitCode);
    })().catch((e) => {
        process.stderr.write(`synth: internal error: ${(e as Error)?.stack ?? e}\n`);
        process.exit(EXIT.internal);
    });
}
