/**
 * `npm run synth -- --stack <name> --diff <folder>`: what a change does, offline, the way `pulumi preview --diff`
 * shows it against a real stack. The folder is the output of an earlier synth run (its `--out`, `out/<stack>` by
 * default; it may be the folder this run replaces: it is read before the run). Compared: the rendered files (every
 * file pushed into a guest: added, removed, changed bytes) and the resources (by URN: added, removed, and changed
 * inputs or options, naming the top-level keys that differ). Pure but for reading the folders.
 */
import { createHash } from "crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";
import { InputError, show } from "../model/errors";
import { OUTPUT_MARKER } from "./paths";

export interface SynthSnapshot {
    /** Rendered file (path under rendered/, `/`-separated) -> sha256 of its bytes. */
    readonly rendered: ReadonlyMap<string, string>;
    /** URN -> `{ inputs, options }` with the output folder's own path taken out of the file assets. */
    readonly resources: ReadonlyMap<string, { readonly type: string; readonly name: string; readonly inputs: unknown; readonly options: unknown }>;
}

export interface SynthDiff {
    readonly rendered: { readonly added: string[]; readonly removed: string[]; readonly changed: string[] };
    readonly resources: {
        readonly added: string[];
        readonly removed: string[];
        /** URN and the top-level input and option keys that differ. */
        readonly changed: { readonly urn: string; readonly keys: string[] }[];
    };
}

/** Checks (exit 2) that `dir` is a folder an earlier synth run wrote; `flag` is how the user named it. */
export function checkSynthFolder(dir: string, flag: string): void {
    const fix = "pass the --out folder of an earlier synth run (out/<stack> by default), e.g. --diff out/dev";
    if (!existsSync(dir)) throw new InputError([{ path: flag, message: `${show(dir)} does not exist`, fix }]);
    if (!statSync(dir).isDirectory()) throw new InputError([{ path: flag, message: `${show(dir)} is not a folder`, fix }]);
    if (!existsSync(path.join(dir, OUTPUT_MARKER)) || !existsSync(path.join(dir, "resources.json"))) {
        throw new InputError([{ path: flag, message: `${show(dir)} is not a synth output folder (it holds no ${OUTPUT_MARKER} and resources.json)`, fix }]);
    }
}

function walk(root: string, rel = ""): string[] {
    const dir = path.join(root, rel);
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const r = rel ? `${rel}/${e.name}` : e.name;
        return e.isDirectory() ? walk(root, r) : e.isFile() ? [r] : [];
    });
}

/** File assets name the folder they were written to: keep only their path under rendered/, so two folders compare. */
function withoutFolder(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(withoutFolder);
    if (v === null || typeof v !== "object") return v;
    return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([k, x]) => {
            if (k === "fileAsset" && typeof x === "string") {
                const i = x.replace(/\\/g, "/").lastIndexOf("/rendered/");
                return [k, i >= 0 ? `<out>${x.replace(/\\/g, "/").slice(i)}` : x];
            }
            return [k, withoutFolder(x)];
        }),
    );
}

/** Reads a synth output folder (checked first with checkSynthFolder). */
export function readSnapshot(dir: string): SynthSnapshot {
    const renderedRoot = path.join(dir, "rendered");
    const rendered = new Map(
        walk(renderedRoot).map(
            (f) =>
                [
                    f,
                    createHash("sha256")
                        .update(readFileSync(path.join(renderedRoot, f)))
                        .digest("hex"),
                ] as const,
        ),
    );
    let doc: { resources: { urn: string; type: string; name: string; inputs: unknown; options: unknown }[] };
    try {
        doc = JSON.parse(readFileSync(path.join(dir, "resources.json"), "utf8")) as typeof doc;
        if (!Array.isArray(doc.resources)) throw new Error("no resources array");
    } catch (e) {
        throw new InputError([
            {
                path: path.join(dir, "resources.json"),
                message: `is not synth's resources.json (${(e as Error).message})`,
                fix: "run synth again into that folder, or compare with another one",
            },
        ]);
    }
    const resources = new Map(
        doc.resources.map((r) => [r.urn, { type: r.type, name: r.name, inputs: withoutFolder(r.inputs), options: withoutFolder(r.options) }] as const),
    );
    return { rendered, resources };
}

function changedKeys(a: unknown, b: unknown, prefix: string): string[] {
    const oa = (a ?? {}) as Record<string, unknown>;
    const ob = (b ?? {}) as Record<string, unknown>;
    return [...new Set([...Object.keys(oa), ...Object.keys(ob)])]
        .filter((k) => JSON.stringify(oa[k]) !== JSON.stringify(ob[k]))
        .sort()
        .map((k) => `${prefix}${k}`);
}

export function diffSnapshots(before: SynthSnapshot, after: SynthSnapshot): SynthDiff {
    const sorted = (xs: Iterable<string>) => [...xs].sort();
    return {
        rendered: {
            added: sorted([...after.rendered.keys()].filter((f) => !before.rendered.has(f))),
            removed: sorted([...before.rendered.keys()].filter((f) => !after.rendered.has(f))),
            changed: sorted([...after.rendered].filter(([f, h]) => before.rendered.has(f) && before.rendered.get(f) !== h).map(([f]) => f)),
        },
        resources: {
            added: sorted([...after.resources.keys()].filter((u) => !before.resources.has(u))),
            removed: sorted([...before.resources.keys()].filter((u) => !after.resources.has(u))),
            changed: sorted([...after.resources.keys()].filter((u) => before.resources.has(u)))
                .map((urn) => {
                    const [b, a] = [before.resources.get(urn)!, after.resources.get(urn)!];
                    return { urn, keys: [...changedKeys(b.inputs, a.inputs, ""), ...changedKeys(b.options, a.options, "options.")] };
                })
                .filter((c) => c.keys.length > 0),
        },
    };
}

/** `type::name` of a URN: what identifies a resource to a reader (the URN's last part). */
function shortUrn(urn: string): string {
    const parts = urn.split("::");
    const type = parts[parts.length - 2].split("$").pop()!;
    return `${type}::${parts[parts.length - 1]}`;
}

/** The report synth prints: counts first, then one line per rendered file and resource (`+` added, `-` removed, `~` changed). */
export function renderSynthDiff(d: SynthDiff, against: string): string {
    const r = d.rendered;
    const s = d.resources;
    const lines = [
        `diff against ${against}: rendered files: ${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed; ` +
            `resources: ${s.added.length} added, ${s.removed.length} removed, ${s.changed.length} changed`,
    ];
    if (r.added.length + r.removed.length + r.changed.length > 0) {
        lines.push("  rendered files (rendered/<host>/<path in the guest>):");
        const all = [...r.added.map((f) => [f, "+"]), ...r.removed.map((f) => [f, "-"]), ...r.changed.map((f) => [f, "~"])].sort((x, y) =>
            x[0].localeCompare(y[0]),
        );
        for (const [f, mark] of all) lines.push(`    ${mark} ${f}`);
    }
    if (s.added.length + s.removed.length + s.changed.length > 0) {
        lines.push("  resources:");
        const all: [string, string][] = [
            ...s.added.map((u): [string, string] => [u, `+ ${shortUrn(u)}`]),
            ...s.removed.map((u): [string, string] => [u, `- ${shortUrn(u)}`]),
            ...s.changed.map((c): [string, string] => [c.urn, `~ ${shortUrn(c.urn)} (${c.keys.join(", ")})`]),
        ].sort((x, y) => x[0].localeCompare(y[0]));
        for (const [, line] of all) lines.push(`    ${line}`);
    }
    if (lines.length === 1) lines.push("  no change");
    return lines.join("\n");
}
