/**
 * Every component's args are documented (issue 15, STYLE.md habit 2): each field of an `*Args` interface under
 * components/ (its own fields and those it inherits from an interface of components/, through `extends` or a type
 * alias) has a doc comment, and each optional field says what happens without it with `@default`. Read with the
 * TypeScript compiler's parser (syntax only: fast, and it sees the comments exactly as an editor shows them).
 */
import { readFileSync } from "fs";
import * as path from "path";
// jest maps "typescript" to a lazy stand-in (__tests__/deferred) that `import * as` cannot copy; a require reads it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import ts = require("typescript");
import { filesUnder, ROOT } from "../helpers";

interface Source {
    /** Path as reported, `/`-separated, relative to the repository (`components/web/WebDmz.ts`). */
    readonly file: string;
    readonly text: string;
}

interface Declared {
    readonly sf: ts.SourceFile;
    readonly file: string;
    /** The interface's members, or the type an alias names. */
    readonly node: ts.InterfaceDeclaration | ts.TypeAliasDeclaration;
}

function jsDocsOf(node: ts.Node): ts.JSDoc[] {
    return ts.getJSDocCommentsAndTags(node).filter((d): d is ts.JSDoc => ts.isJSDoc(d));
}

function textOf(comment: string | ts.NodeArray<ts.JSDocComment> | undefined): string {
    if (comment === undefined) return "";
    return typeof comment === "string" ? comment : comment.map((c) => c.text).join("");
}

/**
 * Pure: one line per undocumented field of every `*Args` interface (or alias) of `sources`, as
 * `<file>:<line> <Component>: <Args>.<field> <problem>`, in file order; a field several args inherit, once.
 */
export function argsDocProblems(sources: readonly Source[]): string[] {
    const declared = new Map<string, Declared>();
    const parsed = sources.map((s) => ({ ...s, sf: ts.createSourceFile(s.file, s.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS) }));
    for (const p of parsed) {
        for (const st of p.sf.statements) {
            if ((ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) && !declared.has(st.name.text)) {
                declared.set(st.name.text, { sf: p.sf, file: p.file, node: st });
            }
        }
    }
    const problems: string[] = [];
    // A field inherited by several args is reported once, with the first args that reaches it.
    const said = new Set<string>();
    const say = (key: string, line: string): void => {
        if (!said.has(key)) problems.push(line);
        said.add(key);
    };
    // The fields an interface has, its own and those of the interfaces of `sources` it extends or an alias names.
    const fieldsOf = (name: string, seen: Set<string>): { d: Declared; m: ts.PropertySignature; from: string }[] => {
        const d = declared.get(name);
        if (!d || seen.has(name)) return [];
        seen.add(name);
        const out: { d: Declared; m: ts.PropertySignature; from: string }[] = [];
        const named = (t: ts.TypeNode | ts.ExpressionWithTypeArguments): void => {
            const expr = ts.isExpressionWithTypeArguments(t) ? t.expression : ts.isTypeReferenceNode(t) ? t.typeName : undefined;
            if (expr && ts.isIdentifier(expr)) out.push(...fieldsOf(expr.text, seen));
            if (ts.isIntersectionTypeNode(t as ts.Node)) for (const part of (t as ts.IntersectionTypeNode).types) named(part);
            if (ts.isTypeLiteralNode(t as ts.Node)) {
                for (const m of (t as ts.TypeLiteralNode).members) if (ts.isPropertySignature(m)) out.push({ d, m, from: name });
            }
        };
        if (ts.isInterfaceDeclaration(d.node)) {
            for (const h of d.node.heritageClauses ?? []) for (const t of h.types) named(t);
            for (const m of d.node.members) if (ts.isPropertySignature(m)) out.push({ d, m, from: name });
        } else {
            named(d.node.type);
        }
        return out;
    };
    for (const p of parsed) {
        for (const st of p.sf.statements) {
            if (!(ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) || !/Args$/.test(st.name.text)) continue;
            const args = st.name.text;
            const component = args.replace(/Args$/, "");
            for (const { d, m, from } of fieldsOf(args, new Set())) {
                const field = m.name.getText(d.sf);
                const where = `${d.file}:${d.sf.getLineAndCharacterOfPosition(m.getStart(d.sf)).line + 1}`;
                const label = `${where} ${component}: ${args}.${field}${from === args ? "" : ` (from ${from})`}`;
                const docs = jsDocsOf(m);
                const text = docs
                    .map((j) => textOf(j.comment))
                    .join("")
                    .trim();
                const defaults = docs.flatMap((j) => j.tags ?? []).filter((t) => t.tagName.text === "default");
                if (text === "") say(`${where} doc`, `${label} has no doc comment: say what the field is in a /** ... */ above it`);
                if (m.questionToken && !defaults.some((t) => textOf(t.comment).trim() !== "")) {
                    say(`${where} default`, `${label} is optional and has no @default: add "@default <value>" saying what the component does without it`);
                }
            }
        }
    }
    return problems;
}

const componentSources = (): Source[] =>
    filesUnder(path.join(ROOT, "components"))
        .filter((f) => f.endsWith(".ts"))
        .sort()
        .map((f) => ({ file: path.relative(ROOT, f).split(path.sep).join("/"), text: readFileSync(f, "utf8") }));

test("every field of every component's args is documented, and every optional one has its @default", () => {
    const sources = componentSources();
    // The checker read the components: the ones the issue names are among them.
    expect(sources.map((s) => s.file)).toEqual(expect.arrayContaining(["components/web/WebDmz.ts", "components/firewall/Firewall.ts"]));
    expect(argsDocProblems(sources)).toEqual([]);
});

test("the checker names the component, field and file:line of a missing doc and a missing @default, inherited ones too", () => {
    const text = [
        "export interface BaseArgs {",
        "    /** The site. */",
        "    readonly ctx: string;",
        "    readonly tag?: string;",
        "}",
        "export interface ThingArgs extends BaseArgs {",
        "    readonly host: string;",
        "    /** Extra steps. @default none */",
        "    readonly after?: string[];",
        "    /** Size in GiB. */",
        "    readonly diskGiB?: number;",
        "    /**",
        "     * Documented on its own line.",
        "     * @default 2",
        "     */",
        "    readonly cores?: number;",
        "}",
        "export type OtherArgs = BaseArgs;",
        "interface NotArgsShape { readonly x?: number }",
    ].join("\n");
    expect(argsDocProblems([{ file: "components/x/Thing.ts", text }])).toEqual([
        "components/x/Thing.ts:4 Base: BaseArgs.tag has no doc comment: say what the field is in a /** ... */ above it",
        'components/x/Thing.ts:4 Base: BaseArgs.tag is optional and has no @default: add "@default <value>" saying what the component does without it',
        "components/x/Thing.ts:7 Thing: ThingArgs.host has no doc comment: say what the field is in a /** ... */ above it",
        'components/x/Thing.ts:11 Thing: ThingArgs.diskGiB is optional and has no @default: add "@default <value>" saying what the component does without it',
    ]);
    // Inherited through an alias, with no args of its own declaring it first: named as the alias reaches it.
    const alias = ["export type OtherArgs = BaseArgs;", "export interface BaseShape {", "    readonly tag?: string;", "}"].join("\n");
    expect(argsDocProblems([{ file: "components/x/Other.ts", text: alias.replace("BaseArgs", "BaseShape") }])).toEqual([
        "components/x/Other.ts:3 Other: OtherArgs.tag (from BaseShape) has no doc comment: say what the field is in a /** ... */ above it",
        'components/x/Other.ts:3 Other: OtherArgs.tag (from BaseShape) is optional and has no @default: add "@default <value>" saying what the component does without it',
    ]);
});
