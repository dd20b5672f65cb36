/**
 * Narrow component inputs (issue 15): a component takes flat, documented args, never the whole site context. Its
 * role builder (components/<key>/role.ts) is the one place that reads the SiteContext and hands each component what it
 * uses. Read with the TypeScript compiler's parser (syntax only), like args-docs.test.ts.
 *
 * What still takes the context is pinned below, so the list only shrinks: the components other work converts, and
 * the `baseServerContext` field of the components that build a BaseServer (which still takes the whole context: that
 * field goes to their BaseServer and nowhere else, checked by the second test).
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

/**
 * Pure: in a converted component's file, every use of the site context: a call of a helper that reads it
 * (`connectionFor`, `builtVm`), the name `ctx` (a variable, a field, a property read), or `args.baseServerContext` anywhere but as the `ctx`
 * of a `new BaseServer(...)`. One line each, `<file>:<line> <what>`.
 */
export function contextUses(source: Source): string[] {
    const sf = parse(source);
    const out: string[] = [];
    const at = (n: ts.Node): string => `${source.file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
    const visit = (n: ts.Node): void => {
        if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && ["connectionFor", "builtVm"].includes(n.expression.text)) {
            out.push(`${at(n)} calls ${n.expression.text}`);
        }
        if (ts.isIdentifier(n) && n.text === "ctx" && !(ts.isPropertyAssignment(n.parent) && n.parent.name === n)) out.push(`${at(n)} names ctx`);
        if (ts.isPropertyAccessExpression(n) && n.name.text === "baseServerContext") {
            const assigned = n.parent;
            const literal = assigned.parent;
            const ok =
                ts.isPropertyAssignment(assigned) &&
                assigned.name.getText(sf) === "ctx" &&
                ts.isObjectLiteralExpression(literal) &&
                ts.isNewExpression(literal.parent) &&
                literal.parent.expression.getText(sf) === "BaseServer";
            if (!ok) out.push(`${at(n)} reads baseServerContext outside its BaseServer`);
        }
        ts.forEachChild(n, visit);
    };
    visit(sf);
    return out;
}

const read = (rel: string): Source => ({ file: rel, text: readFileSync(path.join(ROOT, rel), "utf8") });

/** The components issue 15's "narrow component inputs" converted: their files never read the site context. */
const CONVERTED = [
    "components/base-server/BaseServer.ts",
    "components/base-server/certified-server.ts",
    "components/base-server/server-role.ts",
    "components/backup/BackupServer.ts",
    "components/dhcp/DhcpServer.ts",
    "components/directory/Directory.ts",
    "components/domain-controller/DomainController.ts",
    "components/fileserver/FileServerRaid1.ts",
    "components/firewall/Firewall.ts",
    "components/gpo/GroupPolicy.ts",
    "components/logs/LogCollector.ts",
    "components/mail/MailServer.ts",
    "components/monitoring/MonitoringServer.ts",
    "components/vpn/SiteToSiteVpn.ts",
    "components/web/WebDmz.ts",
];

test("no component's args take the site context but the pinned ones, which only go to a BaseServer or are not converted yet", () => {
    const sources = filesUnder(path.join(ROOT, "components"))
        .filter((f) => f.endsWith(".ts"))
        .sort()
        .map((f) => read(path.relative(ROOT, f).split(path.sep).join("/")));
    expect(contextFields(sources)).toEqual([
        // Not converted yet (other work of issue 15).
    ]);
});

test("the converted components read the site context nowhere: no ctx, no helper that reads it, their BaseServer's context only for it", () => {
    expect(CONVERTED.flatMap((f) => contextUses(read(f)))).toEqual([]);
});

test("the checks name what they find: a ctx field, a helper call, the name ctx, the BaseServer's context read elsewhere", () => {
    const text = [
        "export interface ThingArgs {",
        "    /** The site. */",
        "    readonly ctx: SiteContext;",
        "    /** For its BaseServer only. */",
        "    readonly baseServerContext: SiteContext;",
        "    readonly other: Readonly<SiteContext>;",
        "    readonly host: HostModel;",
        "}",
        "interface Shape { readonly ctx: SiteContext }",
        "const server = new BaseServer(name, { ctx: args.baseServerContext, host }, { parent: this });",
        "const c = connectionFor(args.ctx, host, vm);",
        "const m = args.baseServerContext.model;",
        "const { ctx } = args;",
    ].join("\n");
    const file = { file: "components/x/Thing.ts", text };
    expect(contextFields([file])).toEqual([
        "components/x/Thing.ts ThingArgs.ctx",
        "components/x/Thing.ts ThingArgs.baseServerContext",
        "components/x/Thing.ts ThingArgs.other",
    ]);
    // The `ctx:` of the `new BaseServer(...)` literal (line 10) is the one place the name may appear.
    expect(contextUses(file)).toEqual([
        "components/x/Thing.ts:3 names ctx",
        "components/x/Thing.ts:9 names ctx",
        "components/x/Thing.ts:11 calls connectionFor",
        "components/x/Thing.ts:11 names ctx",
        "components/x/Thing.ts:12 reads baseServerContext outside its BaseServer",
        "components/x/Thing.ts:13 names ctx",
    ]);
});
