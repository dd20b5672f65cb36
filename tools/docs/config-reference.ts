/**
 * The configuration reference, generated from the `billu:` config schema (model/schema.ts configSchema and the
 * service schemas it composes): every key path as a user writes it, its type with the bounds and values zod
 * knows, whether it is required, its default and its `.describe()` text. The schema is the single source: a
 * description or a default is written once, beside the field it belongs to.
 *
 * `npm run docs:config` writes docs/configuration-reference.md; a unit test fails when the committed file
 * differs from what this renders, or when a field has no description.
 *
 * Walks zod 3 schemas through their `_def` (typeName): object, array, optional, nullable, default, effects
 * (refinements), enum, literal, union, record, string, number, boolean.
 */
import * as path from "path";
import { z } from "zod";
import { configSchema } from "../../model/schema";
import { writeFileAtomic } from "../paths";
import { table } from "./render";

/** The committed reference, relative to the project root. */
export const REFERENCE_FILE = "docs/configuration-reference.md";
/** The command that rewrites it. */
export const REFERENCE_COMMAND = "npm run docs:config";

/** One documented key. */
export interface FieldDoc {
    /** As a user writes it: `billu:hosts[].disks[].sizeGiB`. */
    readonly path: string;
    readonly type: string;
    /** Whether the key must be written (within its parent, when the parent is written). */
    readonly required: boolean;
    /** The default zod fills in, as YAML-like JSON; undefined when there is none. */
    readonly default?: string;
    /** The field's own `.describe()` text. */
    readonly description?: string;
}

type Def = { typeName: string; description?: string; [k: string]: any };
const defOf = (s: z.ZodTypeAny): Def => s._def as Def;

/** The field's own wrappers peeled off: whether it may be left out, and its default. */
function unwrap(s: z.ZodTypeAny): { core: z.ZodTypeAny; optional: boolean; hasDefault: boolean; default?: unknown } {
    let optional = false;
    let dflt: unknown;
    let hasDefault = false;
    for (;;) {
        const d = defOf(s);
        if (d.typeName === "ZodOptional" || d.typeName === "ZodNullable") {
            optional = true;
            s = d.innerType;
        } else if (d.typeName === "ZodDefault") {
            if (!hasDefault) {
                dflt = d.defaultValue();
                hasDefault = true;
            }
            s = d.innerType;
        } else {
            return { core: s, optional, hasDefault, default: dflt };
        }
    }
}

const code = (v: string): string => "`" + v + "`";

function bounds(min: number | undefined, max: number | undefined, unit: string): string | undefined {
    if (min !== undefined && max !== undefined) return min === max ? `exactly ${min}${unit}` : `${min} to ${max}${unit}`;
    if (min !== undefined) return `at least ${min}${unit}`;
    if (max !== undefined) return `at most ${max}${unit}`;
    return undefined;
}

function stringType(d: Def): string {
    let min: number | undefined;
    let max: number | undefined;
    const more: string[] = [];
    for (const c of d.checks as { kind: string; value?: number; regex?: RegExp }[]) {
        if (c.kind === "min") min = c.value;
        else if (c.kind === "max") max = c.value;
        else if (c.kind === "length") min = max = c.value;
        else if (c.kind === "regex") more.push(`matching ${code(String(c.regex))}`);
        else more.push(c.kind);
    }
    const b = min === 1 && max === undefined ? "not empty" : bounds(min, max, " characters");
    return ["string", ...(b ? [b] : []), ...more].join(", ");
}

function numberType(d: Def): string {
    let int = false;
    let min: { value: number; inclusive: boolean } | undefined;
    let max: { value: number; inclusive: boolean } | undefined;
    const more: string[] = [];
    for (const c of d.checks as { kind: string; value: number; inclusive: boolean }[]) {
        if (c.kind === "int") int = true;
        else if (c.kind === "min") min = c;
        else if (c.kind === "max") max = c;
        else if (c.kind === "multipleOf") more.push(`a multiple of ${c.value}`);
        else more.push(c.kind);
    }
    const range: string[] = [];
    if (min?.inclusive && max?.inclusive) range.push(`${min.value} to ${max.value}`);
    else {
        if (min) range.push(`${min.inclusive ? "at least" : "more than"} ${min.value}`);
        if (max) range.push(`${max.inclusive ? "at most" : "less than"} ${max.value}`);
    }
    return [int ? "integer" : "number", ...range, ...more].join(", ");
}

/**
 * A schema's type as a reader needs it: the zod type, its bounds and allowed values, and the description of a
 * shared type (`text(64, "a name or id")` describes its base string). `own` is the field's description, not
 * repeated.
 */
function typeText(s: z.ZodTypeAny, own?: string): string {
    const d = defOf(s);
    const withDesc = (t: string): string => (d.description && d.description !== own ? `${t}: ${d.description}` : t);
    switch (d.typeName) {
        case "ZodOptional":
        case "ZodNullable":
            return `${typeText(d.innerType, own)}, optional`;
        case "ZodDefault":
            return `${typeText(d.innerType, own)}, default ${JSON.stringify(d.defaultValue())}`;
        case "ZodEffects":
            // A refinement (one line, a key's syntax) checks more than the type shows; its base says what.
            return withDesc(typeText(d.schema, own));
        case "ZodString":
            return withDesc(stringType(d));
        case "ZodNumber":
            return withDesc(numberType(d));
        case "ZodBoolean":
            return withDesc("boolean");
        case "ZodEnum":
            return withDesc(`one of ${(d.values as string[]).map(code).join(", ")}`);
        case "ZodLiteral":
            return withDesc(code(JSON.stringify(d.value)));
        case "ZodUnion":
            return withDesc((d.options as z.ZodTypeAny[]).map((o) => typeText(o, own)).join(" or "));
        case "ZodRecord":
            return withDesc(`map from ${typeText(d.keyType, own)} to ${typeText(d.valueType, own)}`);
        case "ZodArray": {
            const min: number | undefined = d.exactLength?.value ?? d.minLength?.value;
            const max: number | undefined = d.exactLength?.value ?? d.maxLength?.value;
            const b = bounds(min, max, (max ?? min) === 1 ? " entry" : " entries");
            const entry = defOf(d.type).typeName === "ZodObject" && !defOf(d.type).description ? "objects" : typeText(d.type, own);
            return withDesc(`list${b ? ` (${b})` : ""} of ${entry}`);
        }
        case "ZodObject":
            return withDesc("object");
        default:
            throw new Error(`config-reference: no rendering for a ${d.typeName}: add one to tools/docs/config-reference.ts`);
    }
}

/** The object a field holds, directly or as the entries of a list (`hosts[]`), with the path suffix to it. */
function nested(core: z.ZodTypeAny): { object: z.AnyZodObject; suffix: string } | undefined {
    let s = core;
    let suffix = "";
    for (;;) {
        const d = defOf(s);
        if (d.typeName === "ZodObject") return { object: s as z.AnyZodObject, suffix };
        if (d.typeName === "ZodArray") {
            suffix += "[]";
            s = unwrap(d.type).core;
        } else if (d.typeName === "ZodEffects") {
            s = d.schema;
        } else {
            return undefined;
        }
    }
}

/** Every key of the schema, depth first, in the schema's own order. */
export function configFields(schema: z.AnyZodObject = configSchema, prefix = "billu:"): FieldDoc[] {
    const out: FieldDoc[] = [];
    for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodTypeAny>)) {
        const p = prefix === "billu:" ? `billu:${key}` : `${prefix}.${key}`;
        const description = defOf(field).description;
        const { core, optional, hasDefault, default: dflt } = unwrap(field);
        out.push({
            path: p,
            type: typeText(core, description),
            required: !optional && !hasDefault,
            ...(hasDefault ? { default: JSON.stringify(dflt) } : {}),
            ...(description !== undefined ? { description } : {}),
        });
        const inner = nested(core);
        if (inner) out.push(...configFields(inner.object, p + inner.suffix));
    }
    return out;
}

/** The key paths that carry no description of their own. */
export function undescribedFields(fields: readonly FieldDoc[] = configFields()): string[] {
    return fields.filter((f) => !f.description?.trim()).map((f) => f.path);
}

/** Markdown text: `<name>` outside a code span would be read as an HTML tag and vanish. */
function md(s: string): string {
    return s
        .split("`")
        .map((part, i) => (i % 2 === 0 ? part.replace(/</g, "&lt;").replace(/>/g, "&gt;") : part))
        .join("`");
}

/** docs/configuration-reference.md: one table per top-level key of the `billu:` namespace. */
export function renderConfigReference(fields: readonly FieldDoc[] = configFields()): string {
    const lines = [
        "# Configuration reference",
        "",
        `<!-- Generated from the config schema (model/schema.ts and the schemas it composes) by ${REFERENCE_COMMAND}. Do not edit: change a field's .describe() or .default() and run the command. -->`,
        "",
        "Every key of the `billu:` namespace of a `Pulumi.<stack>.yaml`, as the program validates it before any",
        "resource exists. A key is required only when its parent is written; `[]` marks the entries of a list.",
        "Unknown keys are refused. Checks that need several keys at once (overlaps, references between keys) are",
        "described in [configuration.md](configuration.md) and [bad-input.md](bad-input.md).",
        "",
    ];
    const top = fields.filter((f) => !f.path.includes(".") && !f.path.includes("["));
    for (const t of top) {
        const rows = fields.filter((f) => f.path === t.path || f.path.startsWith(t.path + ".") || f.path.startsWith(t.path + "["));
        lines.push(`## ${code(t.path)}`, "");
        lines.push(
            table(
                ["key", "type", "required", "default", "description"],
                rows.map((f) => [code(f.path), md(f.type), f.required ? "yes" : "no", f.default === undefined ? "" : code(f.default), md(f.description ?? "")]),
            ),
            "",
        );
    }
    return lines.join("\n");
}

function main(): number {
    const missing = undescribedFields();
    if (missing.length > 0) {
        process.stderr.write(`config-reference: these keys have no .describe() text (add one beside each field):\n${missing.map((m) => `  ${m}\n`).join("")}`);
        return 3;
    }
    writeFileAtomic(path.join(__dirname, "..", "..", "..", REFERENCE_FILE), renderConfigReference());
    process.stdout.write(`config-reference: wrote ${REFERENCE_FILE}\n`);
    return 0;
}

if (require.main === module) {
    try {
        process.exitCode = main();
    } catch (e) {
        process.stderr.write(`config-reference: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
        process.exitCode = 3;
    }
}
