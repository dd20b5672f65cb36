/**
 * `npm run directory:lock -- --stack <name> [--config <file>] [--hr-csv <file>] [--directory-lock <file>]`: plans
 * the directory from the export and the lock exactly as synth does, then writes the updated lock back to the
 * committed lock (`billu:directory.lock` of the stack), for review and commit. Prints what changed against the old
 * lock. Exit 0 written, 2 invalid config or input (every bad line listed; nothing written), 3 internal error.
 * The lock is written atomically (a temporary file beside it, renamed over it): an interrupted run leaves the old one.
 */
// Before anything loads @pulumi/pulumi, as synth does: a run loads only the SDK parts it uses (tools/defer-modules.ts).
import "./defer-modules";
import * as path from "path";
import { renderDirectoryLock } from "../model/directory-lock";
import { InputError } from "../model/errors";
import { loadModel } from "../stacks/program";
import { checkNotFolder, checkReadableFile, checkStackName, checkWritableFile, writeFileAtomic } from "./paths";
import { EXIT, readBilluConfig } from "./synth";
import { directoryService } from "../model/services/directory";
import { configOf } from "../model/services/types";

export interface LockOptions {
    stack: string;
    config?: string;
    hrCsv?: string;
    directoryLock?: string;
    root?: string;
}

/** Plans and writes the lock; returns the file written and the summary of actions. Throws InputError. */
export function writeLock(opts: LockOptions): { file: string; summary: Record<string, number> } {
    checkStackName(opts.stack);
    const root = path.resolve(opts.root ?? process.cwd());
    if (opts.config !== undefined) {
        checkReadableFile(path.resolve(root, opts.config), "--config", opts.config, "pass --config the path of a stack file (Pulumi.<stack>.yaml)");
    }
    if (opts.hrCsv !== undefined) {
        checkReadableFile(path.resolve(opts.hrCsv), "--hr-csv", opts.hrCsv, "pass --hr-csv the path of a readable HR export (CSV separated by ;)");
    }
    if (opts.directoryLock !== undefined) checkNotFolder(path.resolve(opts.directoryLock), "--directory-lock", opts.directoryLock);
    const raw = readBilluConfig(path.resolve(root, opts.config ?? `Pulumi.${opts.stack}.yaml`));
    // The lock is read, then written, at billu:directory.lock: a folder there, or a missing folder, is named now.
    const configured = (raw.directory as { lock?: unknown } | undefined)?.lock;
    if (typeof configured === "string") checkWritableFile(path.resolve(root, configured), "billu:directory.lock", configured);
    process.env.BILLU_PROJECT_ROOT = root;
    const env = (k: string, v: string | undefined) => (v ? (process.env[k] = path.resolve(v)) : delete process.env[k]);
    env("BILLU_HR_CSV", opts.hrCsv);
    env("BILLU_DIRECTORY_LOCK", opts.directoryLock);
    const model = loadModel(raw);
    const target = configOf(directoryService, model.config)?.lock;
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
    writeFileAtomic(file, renderDirectoryLock(model.directory.lock));
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

/** The CLI. Sets process.exitCode and returns (never process.exit: a pipe gets every byte of a long error list). */
function main(argv: string[]): void {
    try {
        const r = writeLock(parseArgs(argv));
        const s = Object.entries(r.summary)
            .map(([k, n]) => `${n} ${k}`)
            .join(", ");
        process.stdout.write(`directory:lock: wrote ${path.relative(process.cwd(), r.file) || r.file} (${s})\n`);
        process.exitCode = EXIT.ok;
    } catch (e) {
        if (e instanceof InputError) {
            process.stderr.write(`directory:lock: ${e.message}\n`);
            process.exitCode = EXIT.input;
            return;
        }
        process.stderr.write(`directory:lock: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
        process.exitCode = EXIT.internal;
    }
}

/** The command line: `node dist/tools/directory-lock.js <argv>` runs this; the unit tests call it in their own process (__tests__/cli.ts). */
export const cli = main;

if (require.main === module) cli(process.argv.slice(2));
