/**
 * A lab's documented changes to rendered files, and the tree a lab's read-back compares with:
 * `node dist/tools/lab-overrides.js --lab <name> --stack <stack> --from <out>/rendered --to <dir> [--var NAME=value]...`
 * copies the rendered tree of that stack to <dir> with every override of labs/<name>/overrides.json that names the
 * stack applied (its `{NAME}` variables filled from --var). A lab then reads back what it installed and compares it
 * with <dir> (labs/lib/common.sh lab_readback); nothing else in the lab edits a rendered file.
 *
 * labs/<lab>/overrides.json: { "overrides": [ { "stacks": [...], "file": "<host>/<guest path>", "find": "<literal>"
 * | "regex": "<JavaScript regex, flags gm>", "replace": "<text with {NAME} variables>", "why": "<reason>" } ] }.
 * Every occurrence is replaced. An override that matches nothing is dead: the tool refuses it (exit 1), and
 * __tests__/labs/overrides.test.ts fails on it against the current synth output of every stack it names.
 * Exit 0 written, 1 an override matches nothing, 2 bad arguments or a malformed overrides file.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { z } from "zod";

const OverrideSchema = z
    .object({
        stacks: z.array(z.string().min(1)).min(1),
        file: z.string().regex(/^[A-Za-z0-9-]+\/[^/].*$/, "is not <host>/<guest path>"),
        find: z.string().min(1).optional(),
        regex: z.string().min(1).optional(),
        replace: z.string(),
        why: z.string().min(10, "must say why the lab needs this override"),
    })
    .strict()
    .refine((o) => (o.find === undefined) !== (o.regex === undefined), { message: "needs exactly one of find and regex" });

const FileSchema = z.object({ overrides: z.array(OverrideSchema) }).strict();

export type Override = z.infer<typeof OverrideSchema>;

export class OverrideError extends Error {
    constructor(
        message: string,
        readonly exitCode: 1 | 2,
    ) {
        super(message);
    }
}

/** The overrides file of a lab, in labs/<lab>/overrides.json under root. */
export function overridesFile(root: string, lab: string): string {
    return path.join(root, "labs", lab, "overrides.json");
}

/** Reads and checks a lab's overrides file; every problem names the key path (overrides[i].field). */
export function readOverrides(file: string): Override[] {
    let doc: unknown;
    try {
        doc = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
        throw new OverrideError(`${file}: cannot be read as JSON (${(e as Error).message}). Fix: correct the file`, 2);
    }
    const r = FileSchema.safeParse(doc);
    if (!r.success) {
        const lines = r.error.issues.map((i) => `  - ${i.path.join(".") || "(file)"}: ${i.message}`);
        throw new OverrideError(
            `${file}: malformed (${lines.length} problem${lines.length > 1 ? "s" : ""}):\n${lines.join("\n")}\nFix: see the format in tools/lab-overrides.ts`,
            2,
        );
    }
    for (const [i, o] of r.data.overrides.entries()) {
        if (o.regex === undefined) continue;
        try {
            new RegExp(o.regex, "gm");
        } catch (e) {
            throw new OverrideError(`${file}: overrides.${i}.regex is ${JSON.stringify(o.regex)}: ${(e as Error).message}. Fix: correct the expression`, 2);
        }
    }
    return r.data.overrides;
}

/** The override's pattern as a global, multi-line regular expression (a literal `find` escaped). */
export function pattern(o: Override): RegExp {
    const source = o.regex ?? o.find!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(source, "gm");
}

/** How many times the override matches the text (0: the override is dead). */
export function matchCount(text: string, o: Override): number {
    return [...text.matchAll(pattern(o))].length;
}

/** The replacement with its {NAME} variables filled; an unknown variable is an error (exit 2). */
export function fillVars(replace: string, vars: Readonly<Record<string, string>>): string {
    return replace.replace(/\{([A-Z][A-Z0-9_]*)\}/g, (_, name: string) => {
        if (!(name in vars)) throw new OverrideError(`the override's replacement uses {${name}} but no --var ${name}=... was given. Fix: pass it`, 2);
        return vars[name];
    });
}

/** Applies the overrides to one file's text; throws (exit 1) when one matches nothing. */
export function applyOverrides(text: string, overrides: readonly Override[], vars: Readonly<Record<string, string>>): string {
    let out = text;
    for (const o of overrides) {
        if (matchCount(out, o) === 0) {
            throw new OverrideError(
                `dead override: ${JSON.stringify(o.find ?? o.regex)} matches nothing in ${o.file}. Fix: remove it from the lab's overrides.json`,
                1,
            );
        }
        const value = fillVars(o.replace, vars);
        out = out.replace(pattern(o), () => value);
    }
    return out;
}

/** Copies <from> (a stack's rendered tree) to <to> with the lab's overrides for <stack> applied. Returns the files changed. */
export function writeExpectedTree(overrides: readonly Override[], stack: string, from: string, to: string, vars: Readonly<Record<string, string>>): string[] {
    if (!existsSync(from)) throw new OverrideError(`--from ${from} does not exist. Fix: run node dist/tools/synth.js --stack ${stack} first`, 2);
    cpSync(from, to, { recursive: true, preserveTimestamps: true });
    const mine = overrides.filter((o) => o.stacks.includes(stack));
    const files = [...new Set(mine.map((o) => o.file))];
    for (const f of files) {
        const src = path.join(from, f);
        if (!existsSync(src))
            throw new OverrideError(`dead override: ${f} is not in the ${stack} stack's rendered files. Fix: remove it from the lab's overrides.json`, 1);
        const text = applyOverrides(
            readFileSync(src, "utf8"),
            mine.filter((o) => o.file === f),
            vars,
        );
        writeFileSync(path.join(to, f), text);
    }
    return files;
}

function main(argv: string[]): number {
    const one = (flag: string) => {
        const i = argv.indexOf(flag);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const vars: Record<string, string> = {};
    argv.forEach((a, i) => {
        if (a !== "--var") return;
        const m = /^([A-Z][A-Z0-9_]*)=(.*)$/s.exec(argv[i + 1] ?? "");
        if (!m) throw new OverrideError(`--var ${JSON.stringify(argv[i + 1] ?? "")} is not NAME=value. Fix: for example --var ROOT=/tmp/lab`, 2);
        vars[m[1]] = m[2];
    });
    const lab = one("--lab"),
        stack = one("--stack"),
        from = one("--from"),
        to = one("--to");
    if (!lab || !stack || !from || !to)
        throw new OverrideError("usage: lab-overrides --lab <name> --stack <stack> --from <rendered dir> --to <dir> [--var NAME=value]...", 2);
    const root = path.resolve(__dirname, "..", "..");
    const file = overridesFile(root, lab);
    if (!existsSync(file))
        throw new OverrideError(`${path.relative(root, file)} is missing. Fix: every lab that installs rendered files has one (it may list none)`, 2);
    const changed = writeExpectedTree(readOverrides(file), stack, path.resolve(from), path.resolve(to), vars);
    process.stdout.write(`lab-overrides ${lab} ${stack}: ${changed.length} file(s) with overrides: ${changed.join(" ") || "-"}\n`);
    return 0;
}

if (require.main === module) {
    try {
        process.exitCode = main(process.argv.slice(2));
    } catch (e) {
        process.stderr.write(`lab-overrides: ${e instanceof OverrideError ? e.message : `internal error: ${(e as Error).stack}`}\n`);
        process.exitCode = e instanceof OverrideError ? e.exitCode : 3;
    }
}
