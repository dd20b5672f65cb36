/**
 * Path safety for the offline tools. A tool never deletes or overwrites what it did not write:
 *   - a stack name is checked against Pulumi's rule before it becomes part of any path (`out/<stack>`,
 *     `Pulumi.<stack>.yaml`, `policies/config.<stack>.json`), so `--stack ../../x` cannot reach outside;
 *   - synth owns the output folders it marks with OUTPUT_MARKER: it replaces only a folder carrying the marker
 *     (or a missing or empty one), and only once the run succeeded, by renaming a folder it filled beside it;
 *   - single files (the directory lock, docs) are written to a temporary file beside them, then renamed over,
 *     so a reader never sees half a file and a failed write leaves the old one.
 */
import { closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "fs";
import { randomBytes } from "crypto";
import * as path from "path";
import { InputError } from "../model/errors";

/** The value after `flag` in a tool's arguments (`--stack dev`), or undefined when the flag is absent. */
export function flagValue(argv: readonly string[], flag: string): string | undefined {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
}

/** Pulumi's rule for a stack name (`pulumi stack init`): letters, digits, `_`, `.` and `-`. */
export const STACK_NAME = /^[A-Za-z0-9_.-]+$/;

/** Throws (exit 2) unless `stack` is a stack name that is safe in a path. */
export function checkStackName(stack: string, flag = "--stack"): void {
    if (STACK_NAME.test(stack) && stack !== "." && stack !== "..") return;
    throw new InputError([
        {
            path: flag,
            message: `${JSON.stringify(stack)} is not a stack name`,
            fix: `name a stack with letters, digits, "_", "." and "-" only (Pulumi's rule), not "." or "..": ${flag} dev`,
        },
    ]);
}

/** The file that marks a folder synth wrote and may replace as a whole. */
export const OUTPUT_MARKER = ".billu-synth-output";
export const OUTPUT_MARKER_TEXT =
    "This folder is written by billu-infra's offline synth (npm run synth, tools/synth.ts).\n" +
    "Each successful run replaces the whole folder: keep no files of your own here.\n" +
    "synth refuses to replace a folder that does not hold this file.\n";

function lstatOrUndefined(p: string): ReturnType<typeof lstatSync> | undefined {
    try {
        return lstatSync(p);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
    }
}

/**
 * Throws (exit 2) unless synth may replace `dir`: it does not exist, or is an empty folder, or a folder holding
 * OUTPUT_MARKER. `flag` and `shown` are how the user wrote it (`--out`, `out/dev`).
 */
export function checkOutputFolder(dir: string, flag: string, shown: string): void {
    const refuse = (message: string, fix: string): never => {
        throw new InputError([{ path: flag, message: `${JSON.stringify(shown)} ${message}`, fix }]);
    };
    const fix = `pass ${flag} a new or empty folder, or one synth wrote (it holds ${OUTPUT_MARKER}); synth replaces its output folder as a whole and deletes nothing it did not write`;
    let st: ReturnType<typeof lstatSync> | undefined;
    try {
        st = lstatOrUndefined(dir);
    } catch (e) {
        return refuse(`cannot be used as the output folder (${(e as Error).message})`, `pass ${flag} <a folder you can write>`);
    }
    if (!st) return;
    if (st.isSymbolicLink()) return refuse(`(${dir}) is a symbolic link`, `pass ${flag} the folder it points to`);
    if (!st.isDirectory()) return refuse(`(${dir}) exists and is not a folder`, fix);
    const entries = readdirSync(dir).sort();
    if (entries.length === 0) return;
    if (lstatOrUndefined(path.join(dir, OUTPUT_MARKER))?.isFile()) return;
    const shownEntries = entries.slice(0, 3).join(", ") + (entries.length > 3 ? ", ..." : "");
    // Folders written before synth marked its own: say how to move on rather than guess they are ours.
    if (["outputs.json", "policy-report.json", "resources.json"].every((f) => entries.includes(f))) {
        return refuse(
            `(${dir}) has no ${OUTPUT_MARKER}: it looks like the output of a synth from before output folders were marked`,
            `check it holds nothing of yours, delete it once (rm -r ${shown}) and run synth again, or pass ${flag} another folder`,
        );
    }
    return refuse(`(${dir}) exists and is not a synth output folder: it has no ${OUTPUT_MARKER} and holds ${entries.length} entries (${shownEntries})`, fix);
}

/**
 * A synth output folder being written: everything goes to a fresh folder beside the target, which replaces the
 * target only on commit(). discard() removes the fresh folder and leaves the target as it was.
 */
export class StagedFolder {
    /** Where the run writes. */
    readonly staging: string;

    constructor(
        readonly target: string,
        flag: string,
        shown: string,
    ) {
        checkOutputFolder(target, flag, shown);
        try {
            mkdirSync(path.dirname(target), { recursive: true });
            this.staging = mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}.synth-new-`));
            writeFileSync(path.join(this.staging, OUTPUT_MARKER), OUTPUT_MARKER_TEXT);
        } catch (e) {
            throw new InputError([
                {
                    path: flag,
                    message: `${JSON.stringify(shown)} cannot be used as the output folder (${(e as Error).message})`,
                    fix: `pass ${flag} <a folder whose parent you can write>`,
                },
            ]);
        }
    }

    /** Swaps the filled folder in; the previous output (a marked or empty folder) is removed only after. */
    commit(flag: string, shown: string): void {
        checkOutputFolder(this.target, flag, shown); // still ours: nothing else appeared there during the run
        const old = lstatOrUndefined(this.target)
            ? path.join(path.dirname(this.target), `.${path.basename(this.target)}.synth-old-${randomBytes(6).toString("hex")}`)
            : undefined;
        if (old) renameSync(this.target, old);
        try {
            renameSync(this.staging, this.target);
        } catch (e) {
            if (old) renameSync(old, this.target);
            throw e;
        }
        if (old) rmSync(old, { recursive: true, force: true });
    }

    discard(): void {
        rmSync(this.staging, { recursive: true, force: true });
    }
}

/** Writes a file through a temporary file beside it and a rename: readers see the old file or the new one. */
export function writeFileAtomic(file: string, content: string): void {
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${randomBytes(6).toString("hex")}`);
    try {
        writeFileSync(tmp, content, { flag: "wx" });
        renameSync(tmp, file);
    } catch (e) {
        rmSync(tmp, { force: true });
        throw e;
    }
}

/** Throws (exit 2) when `file` is a folder (a file that may be missing: a lock read as empty when absent). */
export function checkNotFolder(file: string, where: string, shown: string): void {
    let isDir = false;
    try {
        isDir = statSync(file).isDirectory();
    } catch {
        isDir = false;
    }
    if (isDir) {
        throw new InputError([{ path: where, message: `${JSON.stringify(shown)} is a folder (${file})`, fix: `make ${where} name a file, not a folder` }]);
    }
}

/**
 * Throws (exit 2) unless `file` can be written as a whole: its folder exists, and it is not a folder. `where` and
 * `shown` are how the user wrote it (a flag or config key, and its value).
 */
export function checkWritableFile(file: string, where: string, shown: string): void {
    checkNotFolder(file, where, shown);
    const dir = path.dirname(file);
    let isDir = false;
    try {
        isDir = statSync(dir).isDirectory();
    } catch {
        isDir = false;
    }
    if (!isDir) {
        throw new InputError([
            { path: where, message: `${JSON.stringify(shown)} is in a folder that does not exist (${dir})`, fix: `create ${dir}, or correct ${where}` },
        ]);
    }
}

/**
 * Throws (exit 2) unless `file` exists and is a readable file. `where` and `shown` are how the user named it.
 */
export function checkReadableFile(file: string, where: string, shown: string, fix: string): void {
    let problem: string | undefined;
    const also = shown === file ? "" : ` (${file})`;
    try {
        if (statSync(file).isDirectory()) problem = `is a folder${also}`;
        else closeSync(openSync(file, "r"));
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        problem = code === "ENOENT" ? `does not exist${also}` : `cannot be read (${(e as Error).message})`;
    }
    if (problem) throw new InputError([{ path: where, message: `${JSON.stringify(shown)} ${problem}`, fix }]);
}
