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
        const decl = [...readFileSync(path.join(ROOT, "labs", l, "sabotage.txt"), "utf8").matchAll(/^([A-Z][A-Z0-9_]*_SABOTAGE=\S+)/gm)].map((m) => m[1]);
        for (const p of phases(readFileSync(path.join(ROOT, "labs", l, "lab.sh"), "utf8"), `labs/${l}/lab.sh`)) {
            for (const s of p.switches.filter((x) => !decl.includes(x))) {
                problems.push(`labs/${l}/lab.sh: phase "${p.title}" names ${s}, which labs/${l}/sabotage.txt does not declare: name one of ${decl.join(", ")}`);
            }
        }
    }
    expect(problems).toEqual([]);
    const mail = phases(readFileSync(path.join(ROOT, "labs", "mail", "lab.sh"), "utf8"), "labs/mail/lab.sh");
    expect(mail.length).toBeGreaterThanOrEqual(15);
    // Every switch whose probe comes after the mail step logs on as a user: the password reset phase names each.
    expect(mail.find((p) => p.title.startsWith("a new account must change its password"))?.switches).toEqual([
        "MBL_SABOTAGE=milter",
        "MBL_SABOTAGE=dkim",
        "MBL_SABOTAGE=webmail",
        "MBL_SABOTAGE=mx",
        "MBL_SABOTAGE=spf",
        "MBL_SABOTAGE=dmarc",
        "MBL_SABOTAGE=relay-milter",
        "MBL_SABOTAGE=postscreen",
        "MBL_SABOTAGE=dnsbl",
    ]);
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
