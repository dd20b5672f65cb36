/**
 * Lab phases (lab_phase, labs/lib/common.sh): a sabotage run takes only the phases that name its switch, so it reaches
 * its probe sooner; a normal run must take every phase. These tests run the library's own code (bash) on a small lab
 * made here, and check that every switch a lab's phases name is one its sabotage.txt declares (a misspelt switch would
 * skip the phase its sabotage run needs: that run would then fail somewhere else, or die).
 */
import { spawnSync } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ROOT } from "../helpers";

const LABS = readdirSync(path.join(ROOT, "labs"))
    .filter((d) => existsSync(path.join(ROOT, "labs", d, "lab.sh")))
    .sort();

/** A lab's `if lab_phase "<title>" [NAME=value]...; then` lines (continuation lines joined): title and switches. */
export function phases(text: string, file: string): { title: string; switches: string[] }[] {
    const out: { title: string; switches: string[] }[] = [];
    for (const line of text.replace(/\\\n\s*/g, " ").split("\n")) {
        if (!/^if lab_phase\b/.test(line)) continue;
        const m = /^if lab_phase "([^"]+)"((?:\s+[A-Z][A-Z0-9_]*_SABOTAGE=[^\s;]+)*);\s*then(\s+#.*)?$/.exec(line);
        if (!m) throw new Error(`${file}: ${JSON.stringify(line)} is not: if lab_phase "<title>" [NAME_SABOTAGE=value]...; then`);
        out.push({ title: m[1], switches: m[2].trim() === "" ? [] : m[2].trim().split(/\s+/) });
    }
    return out;
}

test("every switch a lab's phases name is declared in its sabotage.txt; the mail lab's probes run in phases", () => {
    const problems: string[] = [];
    for (const l of LABS) {
        // sabotage.txt's switches, as scripts/run-labs.sh reads them (lab-sabotage.test.ts checks the file's form).
        const decl = declared(l);
        for (const p of phases(readFileSync(path.join(ROOT, "labs", l, "lab.sh"), "utf8"), `labs/${l}/lab.sh`)) {
            for (const s of p.switches.filter((x) => !decl.includes(x))) {
                problems.push(`labs/${l}/lab.sh: phase "${p.title}" names ${s}, which labs/${l}/sabotage.txt does not declare: name one of ${decl.join(", ")}`);
            }
        }
    }
    expect(problems).toEqual([]);
    const mail = phases(readFileSync(path.join(ROOT, "labs", "mail", "lab.sh"), "utf8"), "labs/mail/lab.sh");
    expect(mail.length).toBeGreaterThanOrEqual(15);
});

/** The switches of a lab's sabotage.txt, in the file's order, as scripts/run-labs.sh reads them. */
function declared(lab: string): string[] {
    return [...readFileSync(path.join(ROOT, "labs", lab, "sabotage.txt"), "utf8").matchAll(/^([A-Z][A-Z0-9_]*_SABOTAGE=\S+)/gm)].map((m) => m[1]);
}

/**
 * What a phase that every later probe needs (the mail lab's password reset: each probe after it logs on as a user)
 * must name, derived and not pinned: every switch of sabotage.txt that a later phase names, or whose probe the phase's
 * own body holds (`[ "${X_SABOTAGE:-}" = v ]`), in sabotage.txt's order; and what it misses, as a message.
 */
export function gateProblems(lab: string, text: string, gate: string): { expected: string[]; problems: string[] } {
    const file = `labs/${lab}/lab.sh`;
    const all = phases(text, file);
    const at = all.findIndex((p) => p.title.startsWith(gate));
    if (at < 0) throw new Error(`${file}: no phase titled "${gate}..."`);
    const lines = text.replace(/\\\n\s*/g, " ").split("\n");
    const start = lines.findIndex((l) => /^if lab_phase\b/.test(l) && l.includes(`"${all[at].title}"`));
    const end = lines.findIndex((l, i) => i > start && /^if lab_phase\b/.test(l));
    const body = lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
    const own = [...body.matchAll(/\[ "\$\{([A-Z][A-Z0-9_]*_SABOTAGE):-\}" = ([^\s\]]+) \]/g)].map((m) => `${m[1]}=${m[2]}`);
    const later = all.slice(at + 1);
    const expected = declared(lab).filter((s) => own.includes(s) || later.some((p) => p.switches.includes(s)));
    const problems = expected
        .filter((s) => !all[at].switches.includes(s))
        .map((s) => {
            const by = later.find((p) => p.switches.includes(s));
            const why = by ? `phase "${by.title}" names it` : "its probe is in this phase";
            return `${file}: phase "${all[at].title}" does not name ${s} (${why}; every probe after this phase needs it): add ${s} to its lab_phase line`;
        });
    return { expected, problems };
}

/** A lab's lines (continuations joined), each with the phase it lies in (its index among the lab's phases; -1: ungated). */
function regions(text: string): { line: string; phase: number }[] {
    const out: { line: string; phase: number }[] = [];
    let depth = 0;
    let phase = -1;
    let phaseDepth = -1;
    let count = -1;
    for (const line of text.replace(/\\\n\s*/g, " ").split("\n")) {
        // Column-0 if/fi only: a phase's body is not indented, and neither are the ifs inside it.
        if (/^if\b/.test(line) && !/\bfi\s*(#.*)?$/.test(line)) {
            // A phase inside a phase (none today) counts, its lines stay the outer one's.
            if (/^if lab_phase\b/.test(line)) count += 1;
            if (/^if lab_phase\b/.test(line) && phase < 0) {
                phase = count;
                phaseDepth = depth;
                out.push({ line, phase: -1 });
                depth += 1;
                continue;
            }
            depth += 1;
        } else if (/^fi\b/.test(line)) {
            depth -= 1;
            if (phase >= 0 && depth === phaseDepth) {
                out.push({ line, phase: -1 });
                phase = -1;
                continue;
            }
        }
        out.push({ line, phase });
    }
    return out;
}

/** Where a shell command may start: the line's start, after ; & | ( { or a do/then/else/while. */
const CMD = String.raw`(?:^|[;&|({]|\b(?:do|then|else|while)\s)\s*`;

/** The variables a line sets (NAME=, NAME+=, read, mapfile, for and local targets) and the functions it defines. */
function sets(line: string): { vars: string[]; fns: string[] } {
    if (/^\s*#/.test(line)) return { vars: [], fns: [] };
    const vars = [...line.matchAll(new RegExp(`${CMD}(?:(?:local|export)\\s+)?([A-Za-z_]\\w*)(?:\\[[^\\]=]*\\])?\\+?=`, "g"))].map((m) => m[1]);
    // A command's own environment (A=1 B=2 cmd) and local's further names: every NAME= after the first.
    vars.push(
        ...[...line.matchAll(/\s([A-Za-z_]\w*)=/g)]
            .map((m) => m[1])
            .filter((n) => new RegExp(`${CMD}(?:local\\s+)?(?:[A-Za-z_]\\w*=\\S*\\s+)*${n}=`).test(line)),
    );
    for (const m of line.matchAll(new RegExp(`${CMD}for\\s+([A-Za-z_]\\w*)\\s+in\\b`, "g"))) vars.push(m[1]);
    for (const m of line.matchAll(new RegExp(`${CMD}(?:read|mapfile|readarray)((?:\\s+-[A-Za-z]+)*)((?:\\s+[A-Za-z_]\\w*)+)\\s*(?=$|[<;|&])`, "g"))) {
        vars.push(...m[2].trim().split(/\s+/));
    }
    for (const m of line.matchAll(new RegExp(`${CMD}local((?:\\s+[A-Za-z_]\\w*(?:=\\S*)?)+)`, "g")))
        vars.push(
            ...m[1]
                .trim()
                .split(/\s+/)
                .map((x) => x.split("=")[0]),
        );
    const fns = [...line.matchAll(new RegExp(`${CMD}([A-Za-z_][\\w-]*)\\(\\)\\s*\\{`, "g"))].map((m) => m[1]);
    return { vars, fns };
}

/** The variables a line reads (not through ${NAME:-...}) and the words outside quotes (the functions it may call). */
function reads(line: string): { vars: Set<string>; words: Set<string> } {
    if (/^\s*#/.test(line) || /^(if lab_phase\b|fi\b)/.test(line)) return { vars: new Set(), words: new Set() };
    const vars = new Set([...line.matchAll(/\$(?:\{[#!]?)?([A-Za-z_]\w*)(?![\w:])|\$\{([A-Za-z_]\w*):[^-]/g)].map((m) => m[1] ?? m[2]));
    // Strings out, then a trailing comment (`f() { # <user>: a logon ...` names no call).
    const bare = line
        .replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '""')
        .replace(/(^|\s)#.*$/, "$1")
        .replace(new RegExp(`${CMD}[A-Za-z_][\\w-]*\\(\\)`, "g"), " ");
    const words = new Set([...bare.matchAll(/(?:^|[\s;&|(])([A-Za-z_][\w-]*)(?=$|[\s;)])/g)].map((m) => m[1]));
    return { vars, words };
}

/**
 * What a lab's phases feed each other, derived from its text: a phase that reads a variable or calls a function which
 * only earlier phases set (no ungated line before it, nor its own lines before the read) needs those phases, so each of
 * them must name every switch the reading phase names (a sabotage run of that switch would skip the setter and die on
 * `set -u`, or run a probe on an empty value); and ungated code must not read what only phases set.
 */
export function phaseNeeds(lab: string, text: string): string[] {
    const file = `labs/${lab}/lab.sh`;
    const all = phases(text, file);
    const lines = regions(text);
    const problems: string[] = [];
    const seen = new Set<string>();
    // Where each name is set: [line index, phase] in order.
    const where = { vars: new Map<string, [number, number][]>(), fns: new Map<string, [number, number][]>() };
    lines.forEach(({ line, phase }, i) => {
        const s = sets(line);
        for (const [kind, names] of [
            ["vars", s.vars],
            ["fns", s.fns],
        ] as const) {
            for (const n of names) where[kind].set(n, [...(where[kind].get(n) ?? []), [i, phase]]);
        }
    });
    lines.forEach(({ line, phase }, i) => {
        const r = reads(line);
        for (const [kind, names] of [
            ["vars", r.vars],
            ["fns", r.words],
        ] as const) {
            for (const name of names) {
                const at = (where[kind].get(name) ?? []).filter(([k]) => k < i || (kind === "vars" && k === i));
                // Never set before (the environment's, common.sh's), or set by ungated code or this phase's own lines.
                if (at.length === 0 || at.some(([, p]) => p === -1 || p === phase)) continue;
                const setters = [...new Set(at.map(([, p]) => p))];
                if (phase < 0) {
                    const key = `ungated ${name}`;
                    if (!seen.has(key))
                        problems.push(
                            `${file}: ungated code reads ${name}, which only phase "${all[setters[0]].title}" sets: a sabotage run that skips that phase dies there; set it before the phases`,
                        );
                    seen.add(key);
                    continue;
                }
                for (const p of setters) {
                    for (const s of all[phase].switches.filter((x) => !all[p].switches.includes(x))) {
                        const key = `${p} ${s} ${name}`;
                        if (!seen.has(key)) {
                            problems.push(
                                `${file}: phase "${all[phase].title}" (${s}) reads ${name}, which phase "${all[p].title}" sets: add ${s} to that phase's lab_phase line, or set ${name} before the phases`,
                            );
                        }
                        seen.add(key);
                    }
                }
            }
        }
    });
    return problems;
}

test("a lab's phases name the switches of the later phases that read what they set (derived from the variables and functions each sets)", () => {
    const problems: string[] = [];
    for (const l of LABS) problems.push(...phaseNeeds(l, readFileSync(path.join(ROOT, "labs", l, "lab.sh"), "utf8")));
    expect(problems).toEqual([]);
    // The monitoring lab's probes run in phases: the LDAPS certificate phase feeds the certificate swaps (the triggers'
    // names it reads), so it names their switches too.
    const mon = phases(readFileSync(path.join(ROOT, "labs", "monitoring", "lab.sh"), "utf8"), "labs/monitoring/lab.sh");
    expect(mon.length).toBeGreaterThanOrEqual(15);
    const swaps = mon.find((p) => p.title.startsWith("the LDAPS certificate swapped"));
    const ldaps = mon.find((p) => p.title.startsWith("certificates: the LDAPS stand-in's"));
    expect(swaps?.switches.length).toBeGreaterThan(0);
    expect(ldaps?.switches).toEqual(expect.arrayContaining(swaps?.switches ?? ["(none)"]));
});

test("a phase that sets what a later phase of another switch reads is reported, and so is ungated code reading it", () => {
    const lab = [
        'if lab_phase "names" X_SABOTAGE=a; then',
        "T_WARN=$(cert_trigger warn)",
        'crit_quiet() { probe "$T_WARN"; }',
        "fi # names",
        'if lab_phase "swap" X_SABOTAGE=a X_SABOTAGE=b; then',
        "ASKED=$(date +%s)",
        'lab_expect "warning" pass probe "$T_WARN" "$ASKED"',
        'if [ -n "${X_SABOTAGE:-}" ]; then',
        "    lab_log x",
        "fi",
        'lab_expect "quiet" pass crit_quiet',
        "fi # swap",
        'if lab_phase "again" X_SABOTAGE=b; then',
        'lab_expect "asked" pass test -n "$ASKED"',
        "fi # again",
        'lab_fig "x" "$T_WARN ${ASKED:-none}"',
        "",
    ].join("\n");
    expect(phaseNeeds("monitoring", lab)).toEqual([
        'labs/monitoring/lab.sh: phase "swap" (X_SABOTAGE=b) reads T_WARN, which phase "names" sets: add X_SABOTAGE=b to that phase\'s lab_phase line, or set T_WARN before the phases',
        'labs/monitoring/lab.sh: phase "swap" (X_SABOTAGE=b) reads crit_quiet, which phase "names" sets: add X_SABOTAGE=b to that phase\'s lab_phase line, or set crit_quiet before the phases',
        'labs/monitoring/lab.sh: ungated code reads T_WARN, which only phase "names" sets: a sabotage run that skips that phase dies there; set it before the phases',
    ]);
});

test("the mail lab's password reset phase names every switch whose probe comes after it or in it", () => {
    const text = readFileSync(path.join(ROOT, "labs", "mail", "lab.sh"), "utf8");
    const { expected, problems } = gateProblems("mail", text, "a new account must change its password");
    expect(problems).toEqual([]);
    expect(phases(text, "labs/mail/lab.sh").find((p) => p.title.startsWith("a new account must change its password"))?.switches).toEqual(expected);
    // The switches that stop before the phases (the open relay's probe, the mail step's) are not among them.
    expect(expected).not.toContain("MBL_SABOTAGE=1");
    expect(expected).not.toContain("BILLU_LAB_SABOTAGE=1");
});

test("a switch a later phase names but the password phase does not is reported, with the phase that needs it", () => {
    const lab = [
        'if lab_phase "a new account must change its password first" MBL_SABOTAGE=dkim; then',
        '[ "${MBL_SABOTAGE:-}" = milter ] && milter_drill',
        "fi",
        'if lab_phase "inbound" \\',
        "    MBL_SABOTAGE=dkim MBL_SABOTAGE=postscreen; then",
        "fi",
        "",
    ].join("\n");
    expect(gateProblems("mail", lab, "a new account must change its password")).toEqual({
        expected: ["MBL_SABOTAGE=milter", "MBL_SABOTAGE=dkim", "MBL_SABOTAGE=postscreen"],
        problems: [
            'labs/mail/lab.sh: phase "a new account must change its password first" does not name MBL_SABOTAGE=milter (its probe is in this phase; every probe after this phase needs it): add MBL_SABOTAGE=milter to its lab_phase line',
            'labs/mail/lab.sh: phase "a new account must change its password first" does not name MBL_SABOTAGE=postscreen (phase "inbound" names it; every probe after this phase needs it): add MBL_SABOTAGE=postscreen to its lab_phase line',
        ],
    });
});

test("a phase line that does not parse says what it should be", () => {
    expect(() => phases('if lab_phase "x" mbl_sabotage=dkim; then\n', "labs/x/lab.sh")).toThrow(
        'labs/x/lab.sh: "if lab_phase \\"x\\" mbl_sabotage=dkim; then" is not: if lab_phase "<title>" [NAME_SABOTAGE=value]...; then',
    );
    expect(phases('if lab_phase "a b" \\\n    X_SABOTAGE=1 X_SABOTAGE=y; then\nfi\n', "f")).toEqual([
        { title: "a b", switches: ["X_SABOTAGE=1", "X_SABOTAGE=y"] },
    ]);
});

describe("lab_phase, run by bash on a lab of three phases", () => {
    let dir = "";
    // Phase "three" sits inside a condition that a normal run does not meet when FAKE_HIDE=1: the regression the
    // phase count must catch (a probe that silently stopped running).
    const lab = [
        "LAB=fk",
        `source ${JSON.stringify(path.join(ROOT, "labs", "lib", "common.sh"))}`,
        'if lab_phase "one"; then',
        'lab_expect "probe one" pass true',
        "fi",
        'if lab_phase "two" FK_SABOTAGE=b; then',
        'lab_expect "probe two" pass test -z "${FK_SABOTAGE:-}"',
        "fi",
        'if [ -z "${FAKE_HIDE:-}" ]; then',
        'if lab_phase "three" FK_SABOTAGE=b; then',
        'lab_expect "probe three" pass true',
        "fi",
        "fi",
        "lab_finish",
        "",
    ].join("\n");
    beforeAll(() => {
        dir = mkdtempSync(path.join(tmpdir(), "billu-lab-phases-"));
        mkdirSync(path.join(dir, "fake"));
        writeFileSync(path.join(dir, "fake", "lab.sh"), lab);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const run = (env: Record<string, string>) => {
        const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/_SABOTAGE$|^LAB_STOP_AT_FIRST_FAIL$/.test(k)));
        const r = spawnSync("bash", [path.join(dir, "fake", "lab.sh")], { env: { ...clean, ...env }, encoding: "utf8", timeout: 30_000 });
        return { status: r.status, lines: r.stdout.trim().split("\n") };
    };

    test("a normal run takes every phase and says so", () => {
        expect(run({})).toEqual({
            status: 0,
            lines: [
                "[fk] phase 1: one",
                "[fk]   ok    pass   probe one",
                "[fk] phase 2: two",
                "[fk]   ok    pass   probe two",
                "[fk] phase 3: three",
                "[fk]   ok    pass   probe three",
                "[fk]   ok    pass   every phase of labs/fake/lab.sh ran (3 of 3)",
                "[fk] 4 passed, 0 failed",
            ],
        });
    });

    test("a normal run that misses a phase fails, every probe it ran passing", () => {
        const r = run({ FAKE_HIDE: "1" });
        expect(r.status).toBe(1);
        expect(r.lines.slice(-2)).toEqual(["[fk]   FAIL  want pass, got fail: every phase of labs/fake/lab.sh ran (2 of 3)", "[fk] 2 passed, 1 failed"]);
    });

    test("a sabotage run skips the phases that do not name its switch and stops at its probe", () => {
        expect(run({ FK_SABOTAGE: "b", LAB_STOP_AT_FIRST_FAIL: "1" })).toEqual({
            status: 1,
            lines: [
                "[fk] phase skipped: one (it leads to no probe of FK_SABOTAGE=b)",
                "[fk] phase 1: two",
                "[fk]   FAIL  want pass, got fail: probe two",
                "[fk] stopping at the first failed probe (LAB_STOP_AT_FIRST_FAIL=1)",
                "[fk] phases: 1 of 3 run, 1 skipped for this sabotage run",
                "[fk] 0 passed, 1 failed",
            ],
        });
    });

    test("a switch no phase names runs none of them (the lab then passes: run-labs.sh counts that run as failed)", () => {
        const r = run({ FK_SABOTAGE: "c", LAB_STOP_AT_FIRST_FAIL: "1" });
        expect(r.status).toBe(0);
        expect(r.lines).toContain("[fk] phases: 0 of 3 run, 3 skipped for this sabotage run");
    });
});
