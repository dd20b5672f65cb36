/**
 * A checker of our own for the Asterisk dialplan snippet we render (extensions_custom.conf): Asterisk is not
 * installable here, so this parser is the snippet's level-2+ oracle. It reads the subset of extensions.conf syntax
 * (https://docs.asterisk.org/Configuration/Dialplan/) the renderer uses and refuses anything else: `; comments`,
 * `[context]` headers, `exten => <pattern>,<priority>,<App>(<args>)` and `same => n,<App>(<args>)` lines. It checks
 * what would make Asterisk drop or misroute a line: a line outside a context, `same` before any `exten`, a priority
 * 1 missing or given twice, unbalanced parentheses, an application name that is not a word, and a Goto to a context
 * of this file that does not exist or has no such extension. Contexts of FreePBX itself (ext-group,
 * from-internal-custom's includer) are outside the file and taken as given. Pure; returns every problem with its line.
 */
export interface DialplanProblem {
    readonly line: number;
    readonly message: string;
}

export interface ParsedDialplan {
    /** context -> extension -> priorities in order (`1`, `n`, ...). */
    readonly contexts: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
    /** Every Goto(context,exten,priority) with its line. */
    readonly gotos: readonly { readonly line: number; readonly context: string; readonly exten: string; readonly priority: string }[];
    readonly problems: readonly DialplanProblem[];
}

const APP = /^([A-Za-z][A-Za-z0-9_]*)\((.*)\)$/;

function balanced(s: string): boolean {
    let depth = 0;
    for (const c of s) {
        if (c === "(") depth++;
        else if (c === ")" && --depth < 0) return false;
    }
    return depth === 0;
}

export function parseDialplan(text: string): ParsedDialplan {
    const contexts = new Map<string, Map<string, string[]>>();
    const gotos: { line: number; context: string; exten: string; priority: string }[] = [];
    const problems: DialplanProblem[] = [];
    let context: Map<string, string[]> | undefined;
    let last: string | undefined;
    text.split("\n").forEach((raw, i) => {
        const line = i + 1;
        const s = raw.replace(/;.*$/, "").trim();
        if (s === "") return;
        const header = /^\[([A-Za-z0-9_-]+)\]$/.exec(s);
        if (header) {
            if (contexts.has(header[1])) problems.push({ line, message: `context [${header[1]}] is declared twice` });
            context = new Map();
            contexts.set(header[1], context);
            last = undefined;
            return;
        }
        const m = /^(exten|same)\s*=>\s*(.*)$/.exec(s);
        if (!m) return void problems.push({ line, message: `not a context header, an exten or a same line: ${JSON.stringify(s)}` });
        if (!context) return void problems.push({ line, message: "a dialplan line before any [context]" });
        let exten: string;
        let priority: string;
        let app: string;
        if (m[1] === "exten") {
            const parts = /^([^,]+),([^,]+),(.*)$/.exec(m[2]);
            if (!parts) return void problems.push({ line, message: `exten needs <pattern>,<priority>,<application>: ${JSON.stringify(m[2])}` });
            [, exten, priority, app] = parts;
            if (!/^(_?[0-9A-Za-z*#.!\[\]-]+)$/.test(exten))
                return void problems.push({ line, message: `${JSON.stringify(exten)} is not an extension pattern` });
            const prios = context.get(exten);
            if (!prios) {
                if (priority !== "1") return void problems.push({ line, message: `extension ${exten} starts at priority ${priority}, not 1` });
                context.set(exten, ["1"]);
            } else {
                if (priority === "1") return void problems.push({ line, message: `extension ${exten} has priority 1 twice` });
                prios.push(priority);
            }
            last = exten;
        } else {
            const parts = /^([^,]+),(.*)$/.exec(m[2]);
            if (!parts) return void problems.push({ line, message: `same needs <priority>,<application>: ${JSON.stringify(m[2])}` });
            if (last === undefined) return void problems.push({ line, message: "same => before any exten => in its context" });
            [, priority, app] = parts;
            if (priority !== "n") return void problems.push({ line, message: `same => takes priority n, not ${priority}` });
            context.get(last)!.push("n");
            exten = last;
        }
        if (!balanced(app)) return void problems.push({ line, message: `unbalanced parentheses in ${JSON.stringify(app)}` });
        const a = APP.exec(app.trim());
        if (!a) return void problems.push({ line, message: `${JSON.stringify(app)} is not <Application>(<arguments>)` });
        if (a[1] === "Goto") {
            const args = a[2].split(",");
            if (args.length !== 3) return void problems.push({ line, message: `Goto takes context,extension,priority: ${JSON.stringify(a[2])}` });
            gotos.push({ line, context: args[0], exten: args[1], priority: args[2] });
        }
    });
    for (const g of gotos) {
        const target = contexts.get(g.context);
        if (!target) continue; // a FreePBX context (ext-group, ...)
        if (!target.has(g.exten))
            problems.push({ line: g.line, message: `Goto(${g.context},${g.exten},${g.priority}): [${g.context}] has no extension ${g.exten}` });
    }
    return { contexts, gotos, problems };
}
