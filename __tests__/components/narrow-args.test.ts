/**
 * Narrow component inputs (issue 15): a component takes flat, documented args, never the whole site context. A role
 * builder (components/<key>/role.ts, the dc role's components/domain-controller/builder.ts) is the one place that
 * reads the SiteContext and hands each component what it uses, as values (readiness, the join secret, the VMs of
 * earlier roles); besides them only the modules that define the context and the role-builder contract name it. Read
 * with the TypeScript compiler's parser (syntax only), like args-docs.test.ts.
 */
import { readFileSync } from "fs";
import * as path from "path";
// jest maps "typescript" to a lazy stand-in (__tests__/deferred) that `import * as` cannot copy; a require reads it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import ts = require("typescript");
import { filesUnder, ROOT } from "../helpers";

interface Source {
    readonly file: string;
    readonly text: string;
}

const parse = (s: Source): ts.SourceFile => ts.createSourceFile(s.file, s.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);

/** Pure: `<file> <Args>.<field>` for each field of an `*Args` interface named `ctx` or typed with the SiteContext. */
export function contextFields(sources: readonly Source[]): string[] {
    const out: string[] = [];
    for (const s of sources) {
        const sf = parse(s);
        for (const st of sf.statements) {
            if (!ts.isInterfaceDeclaration(st) || !/Args$/.test(st.name.text)) continue;
            for (const m of st.members) {
                if (!ts.isPropertySignature(m)) continue;
                const field = m.name.getText(sf);
                if (field === "ctx" || /\bSiteContext\b/.test(m.type?.getText(sf) ?? "")) out.push(`${s.file} ${st.name.text}.${field}`);
            }
        }
    }
    return out;
}

/** The helpers of components/context.ts that read a SiteContext (a component calling one reads the context). */
const CONTEXT_READERS = ["builtVm", "guestAccess", "siteHost", "siteServer", "connectionFor"];

/**
 * Pure: every use of the site context in a file: the name `SiteContext` (an import, a type), the name `ctx` (a
 * variable, a parameter, a field, a property read), a call of a helper that reads the context. One line each,
 * `<file>:<line> <what>`.
 */
export function contextUses(source: Source): string[] {
    const sf = parse(source);
    const out: string[] = [];
    const at = (n: ts.Node): string => `${source.file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
    const visit = (n: ts.Node): void => {
        if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && CONTEXT_READERS.includes(n.expression.text)) {
            out.push(`${at(n)} calls ${n.expression.text}`);
        }
        if (ts.isIdentifier(n) && (n.text === "ctx" || n.text === "SiteContext")) out.push(`${at(n)} names ${n.text}`);
        ts.forEachChild(n, visit);
    };
    visit(sf);
    return out;
}

const read = (rel: string): Source => ({ file: rel, text: readFileSync(path.join(ROOT, rel), "utf8") });

const componentSources = (): Source[] =>
    filesUnder(path.join(ROOT, "components"))
        .filter((f) => f.endsWith(".ts"))
        .sort()
        .map((f) => read(path.relative(ROOT, f).split(path.sep).join("/")));

/**
 * The files that may read the site context: the role builders (each service's role.ts, the dc role's builder.ts), the
 * context itself, the role-builder contract, and the registry that lists the builders.
 */
const readsContext = (file: string): boolean =>
    /^components\/[^/]+\/role\.ts$/.test(file) ||
    ["components/domain-controller/builder.ts", "components/context.ts", "components/contracts.ts", "components/registry.ts"].includes(file);

test("no component's args take the site context: no `ctx` field, no field typed with the SiteContext", () => {
    expect(contextFields(componentSources())).toEqual([]);
});

test("no component reads the site context: only the role builders, the context, the contract and the registry name it", () => {
    expect(
        componentSources()
            .filter((s) => !readsContext(s.file))
            .flatMap(contextUses),
    ).toEqual([]);
});

test("the role builders are the files allowed to read the context, and nothing else is", () => {
    expect(["components/web/role.ts", "components/domain-controller/builder.ts", "components/context.ts"].every(readsContext)).toBe(true);
    expect(
        ["components/web/WebDmz.ts", "components/base-server/server-role.ts", "components/web/role.test.ts", "components/x/y/role.ts"].some(readsContext),
    ).toBe(false);
});

test("the checks name what they find: a ctx field, a field typed with the context, its import, the name ctx, a helper that reads it", () => {
    const text = [
        'import { connectionTo, SiteContext } from "../context";',
        "export interface ThingArgs {",
        "    /** The site. */",
        "    readonly ctx: SiteContext;",
        "    /** For its BaseServer only. */",
        "    readonly baseServerContext: SiteContext;",
        "    readonly other: Readonly<SiteContext>;",
        "    readonly host: HostModel;",
        "}",
        "interface Shape { readonly ctx: Site }",
        "const server = new BaseServer(name, { ...siteServer(args.site), host }, { parent: this });",
        "const c = connectionTo(args, host, builtVm(args.site, host.name));",
        "const { ctx } = args;",
        "const access = guestAccess(site);",
    ].join("\n");
    const file = { file: "components/x/Thing.ts", text };
    expect(contextFields([file])).toEqual([
        "components/x/Thing.ts ThingArgs.ctx",
        "components/x/Thing.ts ThingArgs.baseServerContext",
        "components/x/Thing.ts ThingArgs.other",
    ]);
    expect(contextUses(file)).toEqual([
        "components/x/Thing.ts:1 names SiteContext",
        "components/x/Thing.ts:4 names ctx",
        "components/x/Thing.ts:4 names SiteContext",
        "components/x/Thing.ts:6 names SiteContext",
        "components/x/Thing.ts:7 names SiteContext",
        "components/x/Thing.ts:10 names ctx",
        "components/x/Thing.ts:11 calls siteServer",
        "components/x/Thing.ts:12 calls builtVm",
        "components/x/Thing.ts:13 names ctx",
        "components/x/Thing.ts:14 calls guestAccess",
    ]);
});
