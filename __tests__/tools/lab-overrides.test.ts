/**
 * The labs' overrides (labs/<lab>/overrides.json, applied by tools/lab-overrides.ts) stay minimal and current: every
 * lab that installs rendered files has the file (possibly empty), every override still applies to today's synth
 * output of each stack it names (a dead one fails here), and a lab that reads back what it installed
 * (lab_readback: every lab does) edits no rendered file on its own (no sed on a rendered file).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { applyOverrides, matchCount, Override, OverrideError, overridesFile, readOverrides, writeExpectedTree } from "../../tools/lab-overrides";
import { ROOT } from "../helpers";
import { committedSynth, labSynth } from "../synth/shared";

const LABS = readdirSync(path.join(ROOT, "labs")).filter((d) => existsSync(path.join(ROOT, "labs", d, "lab.sh")));
const script = (lab: string) => readFileSync(path.join(ROOT, "labs", lab, "lab.sh"), "utf8");
const SAMBA = readFileSync(path.join(ROOT, "labs", "lib", "samba.sh"), "utf8");
const calls = (text: string, fn: string) => new RegExp(`^[^#\\n]*\\b${fn}\\b`, "m").test(text);
/** The lab compares copies (lab_hash_check), itself or through samba.sh's guest steps. */
const onHashCheck = (lab: string) => calls(script(lab), "lab_hash_check") || (calls(script(lab), "guest_step") && calls(SAMBA, "lab_hash_check"));
/** The lab reads back what it installed, itself or through samba.sh's guest steps. */
const readsBack = (lab: string) => calls(script(lab), "lab_readback(_report)?") || (calls(script(lab), "guest_step") && calls(SAMBA, "lab_readback"));
/** A lab installs rendered files when it synthesizes a stack. */
const installsRendered = (lab: string) => /\blab_synth\b|dist\/tools\/synth\.js/.test(script(lab));
test("every lab that installs rendered files has an overrides file, and every overrides file is well formed", () => {
    const labs = LABS.filter(installsRendered);
    expect(labs.length).toBeGreaterThanOrEqual(9);
    expect(labs.filter((l) => !existsSync(overridesFile(ROOT, l)))).toEqual([]);
    for (const l of labs) expect(() => readOverrides(overridesFile(ROOT, l))).not.toThrow();
});

test("every lab reads back what it installed; none compares a copy (lab_hash_check is gone) or runs ad-hoc sed on rendered files", () => {
    // lab_hash_check copied a rendered file and compared the copy with its source: it could not fail. Gone for good.
    expect(LABS.filter(onHashCheck)).toEqual([]);
    expect(calls(readFileSync(path.join(ROOT, "labs", "lib", "common.sh"), "utf8"), "lab_hash_check")).toBe(false);
    for (const l of LABS.filter(installsRendered)) {
        expect([l, readsBack(l)]).toEqual([l, true]);
        // A rendered file is edited only through overrides.json: no sed -i in the lab itself, except a broken case
        // or a sabotage switch (named on the line or the two before it).
        const lines = script(l).split("\n");
        const edits = lines.filter((line, i) => /\bsed\b[^|]*\s-i\b/.test(line) && !/sabotage|broken/i.test(lines.slice(Math.max(0, i - 2), i + 1).join("\n")));
        expect([l, edits]).toEqual([l, []]);
    }
});

describe("every override applies to today's synth output of each stack it names", () => {
    const all: { lab: string; index: number; o: Override }[] = [];
    for (const lab of LABS.filter((l) => existsSync(overridesFile(ROOT, l)))) {
        readOverrides(overridesFile(ROOT, lab)).forEach((o, index) => all.push({ lab, index, o }));
    }
    const stacks = new Map<string, string>(); // "<lab>:<stack>" -> out dir
    beforeAll(async () => {
        for (const { lab, o } of all) {
            for (const stack of o.stacks) {
                const labStack = path.join(ROOT, "labs", lab, `Pulumi.${stack}.yaml`);
                const key = existsSync(labStack) ? `${lab}:${stack}` : `:${stack}`;
                if (stacks.has(key)) continue;
                if (!existsSync(labStack)) {
                    // A committed stack: this run's shared synth of it (__tests__/synth/shared.ts).
                    const { r, out, stderr } = await committedSynth(stack);
                    expect([key, r.exitCode, r.error, stderr]).toEqual([key, 0, undefined, ""]);
                    stacks.set(key, out);
                    continue;
                }
                // A lab's own stack file: this run's shared synth of it, as the lab's other tests use it.
                const { r, out, stderr } = await labSynth(lab, stack);
                expect([key, r.exitCode, r.error, stderr]).toEqual([key, 0, undefined, ""]);
                stacks.set(key, out);
            }
        }
    }, 240000);
    const outOf = (lab: string, stack: string) => stacks.get(`${lab}:${stack}`) ?? stacks.get(`:${stack}`)!;

    test.each(all.map(({ lab, index, o }) => [`${lab} overrides[${index}] ${o.file}`, lab, o] as const))("%s", (_name, lab, o) => {
        for (const stack of o.stacks) {
            const file = path.join(outOf(lab, stack), "rendered", o.file);
            expect([stack, existsSync(file)]).toEqual([stack, true]);
            expect([stack, matchCount(readFileSync(file, "utf8"), o) > 0]).toEqual([stack, true]);
        }
    });
});

describe("tools/lab-overrides", () => {
    const o = (x: Partial<Override>): Override => ({ stacks: ["dev"], file: "H/etc/x.conf", replace: "", why: "because the lab needs it", ...x });

    test("applies a literal everywhere and a regex per line, filling variables", () => {
        const text = "path=/etc/a\nagain /etc/a\nSTAGE='/var/lib/s'\n";
        const out = applyOverrides(text, [o({ find: "/etc/a", replace: "{ROOT}/etc/a" }), o({ regex: "^STAGE='.*'$", replace: "STAGE='{STAGE}'" })], {
            ROOT: "/tmp/r",
            STAGE: "/tmp/s",
        });
        expect(out).toBe("path=/tmp/r/etc/a\nagain /tmp/r/etc/a\nSTAGE='/tmp/s'\n");
        // Regex metacharacters in a literal are literal; $ in a value is not a replacement pattern.
        expect(applyOverrides("a.b axb", [o({ find: "a.b", replace: "{V}" })], { V: "$&$1" })).toBe("$&$1 axb");
    });

    test("a dead override is refused with exit 1, naming it and the fix", () => {
        let err: unknown;
        try {
            applyOverrides("nothing here\n", [o({ find: '"ipsec0"' })], {});
        } catch (e) {
            err = e;
        }
        expect(err).toBeInstanceOf(OverrideError);
        expect((err as OverrideError).exitCode).toBe(1);
        expect((err as OverrideError).message).toBe(
            'dead override: "\\"ipsec0\\"" matches nothing in H/etc/x.conf. Fix: remove it from the lab\'s overrides.json',
        );
    });

    test("an unknown variable and a malformed file are refused with exit 2 and the key path", () => {
        expect(() => applyOverrides("/etc/a", [o({ find: "/etc/a", replace: "{ROOT}/etc/a" })], {})).toThrow(
            "the override's replacement uses {ROOT} but no --var ROOT=... was given. Fix: pass it",
        );
        const dir = mkdtempSync(path.join(tmpdir(), "billu-ovr-"));
        const f = path.join(dir, "overrides.json");
        writeFileSync(f, JSON.stringify({ overrides: [{ stacks: ["dev"], file: "/etc/x", find: "a", regex: "b", replace: "", why: "x" }] }));
        expect(() => readOverrides(f)).toThrow(
            `${f}: malformed (3 problems):\n` +
                "  - overrides.0.file: is not <host>/<guest path>\n" +
                "  - overrides.0.why: must say why the lab needs this override\n" +
                "  - overrides.0: needs exactly one of find and regex\n" +
                "Fix: see the format in tools/lab-overrides.ts",
        );
    });

    test("the expected tree: a copy of the rendered tree with only the stack's overrides applied", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "billu-ovr-"));
        mkdirSync(path.join(dir, "from", "H", "etc"), { recursive: true });
        writeFileSync(path.join(dir, "from", "H", "etc", "x.conf"), "root=/srv\n");
        writeFileSync(path.join(dir, "from", "H", "etc", "y.conf"), "untouched /srv\n");
        const ovr = [o({ find: "/srv", replace: "{ROOT}/srv" }), o({ stacks: ["prod"], file: "H/etc/y.conf", find: "/srv", replace: "X" })];
        expect(writeExpectedTree(ovr, "dev", path.join(dir, "from"), path.join(dir, "to"), { ROOT: "/lab" })).toEqual(["H/etc/x.conf"]);
        expect(readFileSync(path.join(dir, "to", "H", "etc", "x.conf"), "utf8")).toBe("root=/lab/srv\n");
        expect(readFileSync(path.join(dir, "to", "H", "etc", "y.conf"), "utf8")).toBe("untouched /srv\n");
        expect(readFileSync(path.join(dir, "from", "H", "etc", "x.conf"), "utf8")).toBe("root=/srv\n");
        expect(() => writeExpectedTree([o({ file: "H/etc/gone.conf", find: "a" })], "dev", path.join(dir, "from"), path.join(dir, "to2"), {})).toThrow(
            "dead override: H/etc/gone.conf is not in the dev stack's rendered files. Fix: remove it from the lab's overrides.json",
        );
    });
});
