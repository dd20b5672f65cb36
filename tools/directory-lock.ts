/**
 * `npm run directory:lock -- --stack <name> [--config <file>] [--hr-csv <file>] [--directory-lock <file>]`: plans
 * the directory from the export and the lock exactly as synth does, then writes the updated lock back to the
 * committed lock (`billu:directory.lock` of the stack), for review and commit. Prints what changed against the old
 * lock. Exit 0 written, 2 invalid config or input (every bad line listed; nothing written), 3 internal error.
 */
import { writeFileSync } from "fs";
import * as path from "path";
import { renderDirectoryLock } from "../model/directory-lock";
import { InputError } from "../model/errors";
import { loadModel } from "../stacks/program";
import { EXIT, readBilluConfig } from "./synth";

export interface LockOptions {
    stack: string;
    config?: string;
    hrCsv?: string;
    directoryLock?: string;
    root?: string;
}

/** Plans and writes the lock; returns the file written and the summary of actions. Throws InputError. */
export function writeLock(opts: LockOptions): { file: string; summary: Record<string, number> } {
    const root = path.resolve(opts.root ?? process.cwd());
    const raw = readBilluConfig(path.resolve(root, opts.config ?? `Pulumi.${opts.stack}.yaml`));
    process.env.BILLU_PROJECT_ROOT = root;
    const env = (k: string, v: string | undefined) => (v ? (process.env[k] = path.resolve(v)) : delete process.env[k]);
    env("BILLU_HR_CSV", opts.hrCsv);
    env("BILLU_DIRECTORY_LOCK", opts.directoryLock);
    const model = loadModel(raw);
    const target = model.config.directory?.lock;
    if (!model.directory || target === undefined) {
        throw new InputError([
            {
                path: "billu:directory.lock",
                message: `is not set for stack ${opts.stack}`,
                fix: "set billu:directory.lock to the committed lock (directory.lock.json)",
            },
        ]);
    }
    const file = path.resolve(root, target);
    writeFileSync(file, renderDirectoryLock(model.directory.lock));
    return { file, summary: { ...model.directory.summary } };
}

function parseArgs(argv: string[]): LockOptions {
    const opts: Partial<LockOptions> = {};
    const flags: Record<string, keyof LockOptions> = { "--stack": "stack", "--config": "config", "--hr-csv": "hrCsv", "--directory-lock": "directoryLock" };
    for (let i = 0; i < argv.length; i++) {
        const key = flags[argv[i]];
        const value = argv[i + 1];
        if (!key) throw new InputError([{ path: argv[i], message: "is not an option of directory:lock", fix: `use ${Object.keys(flags).join(", ")}` }]);
        if (value === undefined || value.startsWith("--")) throw new InputError([{ path: argv[i], message: "needs a value", fix: `write ${argv[i]} <value>` }]);
        opts[key] = value;
        i++;
    }
    if (!opts.stack) throw new InputError([{ path: "--stack", message: "is required", fix: "name the stack: npm run directory:lock -- --stack dev" }]);
    return opts as LockOptions;
}

if (require.main === module) {
    try {
        const r = writeLock(parseArgs(process.argv.slice(2)));
        const s = Object.entries(r.summary)
            .map(([k, n]) => `${n} ${k}`)
            .join(", ");
        process.stdout.write(`directory:lock: wrote ${path.relative(process.cwd(), r.file) || r.file} (${s})\n`);
        process.exit(EXIT.ok);
    } catch (e) {
        if (e instanceof InputError) {
            process.stderr.write(`directory:lock: ${e.message}\n`);
            process.exit(EXIT.input);
        }
        process.stderr.write(`directory:lock: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
        process.exit(EXIT.internal);
    }
}
