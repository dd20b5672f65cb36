/**
 * Every sabotage switch a lab reads is declared in labs/<lab>/sabotage.txt, and every declared one is read: that list
 * is what `npm run lab -- --sabotage` (scripts/run-labs.sh) runs, one lab run per line, each required to exit 1 at a
 * probe. A switch added to a lab without its line would never run in CI; a line whose switch is gone would run a
 * lab that corrupts nothing (and pass as "failed at a probe" only by luck).
 */
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import { filesUnder, ROOT } from "../helpers";

const LABS = readdirSync(path.join(ROOT, "labs"))
    .filter((d) => existsSync(path.join(ROOT, "labs", d, "lab.sh")))
    .sort();

/** One switch: the variable and the value that turns it on ("*" when the lab only asks whether it is set). */
interface Switch {
    readonly name: string;
    readonly value: string;
}
const key = (s: Switch) => `${s.name}=${s.value}`;

/**
 * The switches a lab's code reads (comment lines skipped): `"${X_SABOTAGE:-}" = v` reads X=v; any other `X_SABOTAGE`
 * in shell or Python reads X=* (set at all); a call of `lab_sabotage` (labs/lib/common.sh) reads BILLU_LAB_SABOTAGE=1.
 */
export function switchesRead(text: string): Switch[] {
    const found = new Map<string, Switch>();
    const add = (s: Switch) => found.set(key(s), s);
    for (const line of text.split("\n")) {
        if (/^\s*#/.test(line)) continue;
        let rest = line;
        for (const m of line.matchAll(/"\$\{([A-Z][A-Z0-9_]*_SABOTAGE)(?::-)?\}"\s*==?\s*"?([^\s"\]]+)"?/g)) {
            add({ name: m[1], value: m[2] });
            rest = rest.replace(m[0], "");
        }
        for (const m of rest.matchAll(/\b([A-Z][A-Z0-9_]*_SABOTAGE)\b/g)) add({ name: m[1], value: "*" });
        if (/(^|[^\w-])lab_sabotage\b(?!\(\))/.test(line)) add({ name: "BILLU_LAB_SABOTAGE", value: "1" });
    }
    return [...found.values()].sort((a, b) => key(a).localeCompare(key(b)));
}

/** labs/<lab>/sabotage.txt: `NAME=value what it corrupts and which probe must catch it`, comments and blanks skipped. */
export function declared(text: string, file: string): Switch[] {
    const out: Switch[] = [];
    text.split("\n").forEach((line, i) => {
        if (/^\s*(#|$)/.test(line)) return;
        const m = /^([A-Z][A-Z0-9_]*_SABOTAGE)=(\S+)\s+\S/.exec(line);
        if (!m) throw new Error(`${file}:${i + 1}: ${JSON.stringify(line)} is not NAME_SABOTAGE=value followed by what it corrupts`);
        if (out.some((s) => s.name === m[1] && s.value === m[2])) throw new Error(`${file}:${i + 1}: ${m[1]}=${m[2]} is declared twice`);
        out.push({ name: m[1], value: m[2] });
    });
    return out;
}

/** Each read switch without its line, and each line no code reads, as messages that say how to fix them. */
export function mismatches(lab: string, read: readonly Switch[], decl: readonly Switch[]): string[] {
    const file = `labs/${lab}/sabotage.txt`;
    const problems: string[] = [];
    for (const r of read) {
        const ok = r.value === "*" ? decl.some((d) => d.name === r.name) : decl.some((d) => d.name === r.name && d.value === r.value);
        if (!ok) {
            const v = r.value === "*" ? "<value>" : r.value;
            problems.push(
                `labs/${lab} reads ${r.name}${r.value === "*" ? "" : `=${r.value}`}, which ${file} does not declare: add a line "${r.name}=${v} <what it corrupts>" (npm run lab -- --sabotage runs each line)`,
            );
        }
    }
    for (const d of decl) {
        if (!read.some((r) => r.name === d.name && (r.value === "*" || r.value === d.value))) {
            problems.push(`${file} declares ${key(d)}, which labs/${lab} never reads: remove the line or make the lab read it`);
        }
    }
    return problems;
}

const labCode = (lab: string) =>
    filesUnder(path.join(ROOT, "labs", lab))
        .filter((f) => /\.(sh|py)$/.test(f))
        .sort()
        .map((f) => readFileSync(f, "utf8"))
        .join("\n");

test("every lab declares its sabotage switches in labs/<lab>/sabotage.txt, BILLU_LAB_SABOTAGE=1 among them", () => {
    expect(LABS.length).toBeGreaterThanOrEqual(10);
    expect(LABS.filter((l) => !existsSync(path.join(ROOT, "labs", l, "sabotage.txt")))).toEqual([]);
    for (const l of LABS) {
        const d = declared(readFileSync(path.join(ROOT, "labs", l, "sabotage.txt"), "utf8"), `labs/${l}/sabotage.txt`);
        expect([l, d.some((s) => key(s) === "BILLU_LAB_SABOTAGE=1")]).toEqual([l, true]);
    }
});

test("each lab reads exactly the switches it declares (a switch read but not declared would never run in CI)", () => {
    const problems = LABS.flatMap((l) =>
        mismatches(l, switchesRead(labCode(l)), declared(readFileSync(path.join(ROOT, "labs", l, "sabotage.txt"), "utf8"), `labs/${l}/sabotage.txt`)),
    );
    expect(problems).toEqual([]);
});

test("the mail lab declares its twelve switches; the shared library reads only BILLU_LAB_SABOTAGE", () => {
    expect(declared(readFileSync(path.join(ROOT, "labs", "mail", "sabotage.txt"), "utf8"), "mail").map(key)).toEqual([
        "BILLU_LAB_SABOTAGE=1",
        "MBL_SABOTAGE=milter",
        "MBL_SABOTAGE=1",
        "MBL_SABOTAGE=dkim",
        "MBL_SABOTAGE=webmail",
        "MBL_SABOTAGE=mx",
        "MBL_SABOTAGE=spf",
        "MBL_SABOTAGE=dmarc",
        "MBL_SABOTAGE=relay-milter",
        "MBL_SABOTAGE=postscreen",
        "MBL_SABOTAGE=dnsbl",
        "MBL_SABOTAGE=resolver",
    ]);
    // A switch read in labs/lib would apply to every lab without any lab declaring it.
    const lib = filesUnder(path.join(ROOT, "labs", "lib"))
        .map((f) => readFileSync(f, "utf8"))
        .join("\n");
    expect(switchesRead(lib).map(key)).toEqual(["BILLU_LAB_SABOTAGE=1"]);
});

test("the scan finds a switch read by value, by presence, through lab_sabotage and in Python, and says how to fix it", () => {
    const code = [
        "# MBL_SABOTAGE=ignored in a comment",
        'if [ "${MBL_SABOTAGE:-}" = quota ]; then :; fi',
        'if [ -n "${BX_SABOTAGE:-}" ] || lab_sabotage; then :; fi',
        "lab_sabotage() { :; }",
        'x = os.environ.get("PY_SABOTAGE")',
    ].join("\n");
    expect(switchesRead(code).map(key)).toEqual(["BILLU_LAB_SABOTAGE=1", "BX_SABOTAGE=*", "MBL_SABOTAGE=quota", "PY_SABOTAGE=*"]);
    expect(
        mismatches("mail", switchesRead(code), [
            { name: "BILLU_LAB_SABOTAGE", value: "1" },
            { name: "OLD_SABOTAGE", value: "1" },
        ]),
    ).toEqual([
        'labs/mail reads BX_SABOTAGE, which labs/mail/sabotage.txt does not declare: add a line "BX_SABOTAGE=<value> <what it corrupts>" (npm run lab -- --sabotage runs each line)',
        'labs/mail reads MBL_SABOTAGE=quota, which labs/mail/sabotage.txt does not declare: add a line "MBL_SABOTAGE=quota <what it corrupts>" (npm run lab -- --sabotage runs each line)',
        'labs/mail reads PY_SABOTAGE, which labs/mail/sabotage.txt does not declare: add a line "PY_SABOTAGE=<value> <what it corrupts>" (npm run lab -- --sabotage runs each line)',
        "labs/mail/sabotage.txt declares OLD_SABOTAGE=1, which labs/mail never reads: remove the line or make the lab read it",
    ]);
    expect(() => declared("MBL_SABOTAGE=milter\n", "labs/mail/sabotage.txt")).toThrow(
        'labs/mail/sabotage.txt:1: "MBL_SABOTAGE=milter" is not NAME_SABOTAGE=value followed by what it corrupts',
    );
});
