/**
 * `npm run directory:hr-report` (issue #27, the HR drop folder): a new export planned against the committed lock by the
 * program's own parser and planner, written as a review report; nothing applied, no lock written. And the drop
 * folder's script (scripts/hr-drop.sh), run under bash against the built tool, with a hostile file name.
 */
import { spawnSync } from "child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { runTool } from "../cli";
import { ROOT } from "../helpers";

const EXPORT = readFileSync(path.join(ROOT, "data", "billu-hr.csv"), "utf8");
const LOCK = readFileSync(path.join(ROOT, "directory.lock.json"), "utf8");
/** The account name the committed lock gave a person (the report must show the lock's name, never a new one). */
const samOf = (name: string): string => {
    const found = (JSON.parse(LOCK).people as { name: string; sam: string }[]).filter((p) => p.name === name);
    expect(found).toHaveLength(1);
    return found[0].sam;
};

/** The committed export with one hire, one move, one leaver and one title change (each line found by its content). */
function edited(): string {
    const hire = "Mme;Inès;Nouveau;BillU;Paris;DSI;Exploitation;Technicien;;;PC0168;Dell;02/02/1995;01 00 00 00 01;06 00 00 00 01";
    const lines = EXPORT.replace(/\n$/, "").split("\n");
    const edit = (who: string, from: string, to: string) => {
        const i = lines.findIndex((l) => l.includes(who));
        expect(lines[i]).toContain(from);
        lines[i] = lines[i].replace(from, to);
    };
    edit(";Céline;Simon;", ";Analyste;", ";Ingénieur;");
    edit(";Emma;Da Silva;", ";DSI;Exploitation;", ";DSI;Support utilisateurs;");
    const leaver = lines.findIndex((l) => l.includes(";Jean-François;Girard;"));
    lines.splice(leaver, 1);
    return [...lines, hire].join("\n") + "\n";
}

function folder(): string {
    return mkdtempSync(path.join(tmpdir(), "billu-hr-report-"));
}

test("one hire, one move, one leaver, one title change: exactly those four lines, exit 1, the lock untouched", async () => {
    const dir = folder();
    writeFileSync(path.join(dir, "export.csv"), edited());
    const r = await runTool("hr-report", ["--stack", "dev", "--export", path.join(dir, "export.csv")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(1);
    const md = readFileSync(path.join(dir, "export.report.md"), "utf8");
    expect(md.split("\n").filter((l) => l.startsWith("- "))).toEqual([
        "- **create** `ines.nouveau` Inès Nouveau: into DSI / Exploitation; groups +GG_DSI +GG_DSI_Exploitation +GG_Personnel",
        `- **move** \`${samOf("Emma Da Silva")}\` Emma Da Silva: DSI / Exploitation -> DSI / Support utilisateurs; groups +GG_DSI_Support-utilisateurs -GG_DSI_Exploitation`,
        `- **disable** \`${samOf("Jean-François Girard")}\` Jean-François Girard: Développement logiciel / Backend -> Departs; groups -GG_Developpement-logiciel -GG_Developpement-logiciel_Backend -GG_Personnel`,
        '- **update** `celine.simon` Céline Simon: in DSI / Sécurité SI; title: "Analyste" -> "Ingénieur"',
    ]);
    expect(md).toContain("1 to create, 1 to move, 1 to disable, 1 to update, 164 unchanged.");
    expect(md).toContain("**Nothing was applied and no lock was written.**");
    const json = JSON.parse(readFileSync(path.join(dir, "export.report.json"), "utf8"));
    expect(json).toMatchObject({ stack: "dev", export: "export.csv", lock: "directory.lock.json", applied: false, lockWritten: false });
    expect(json.summary).toEqual({ create: 1, move: 1, update: 1, disable: 1, unchanged: 164 });
    expect(json.changes.map((c: { action: string; sam: string }) => `${c.action} ${c.sam}`)).toEqual([
        "create ines.nouveau",
        `move ${samOf("Emma Da Silva")}`,
        `disable ${samOf("Jean-François Girard")}`,
        "update celine.simon",
    ]);
    expect(readFileSync(path.join(ROOT, "directory.lock.json"), "utf8")).toBe(LOCK);
    // Deterministic: a second run writes the same bytes.
    await runTool("hr-report", ["--stack", "dev", "--export", path.join(dir, "export.csv")]);
    expect(readFileSync(path.join(dir, "export.report.md"), "utf8")).toBe(md);
});

test("a phone number change is reported as changed, never with its value", async () => {
    const dir = folder();
    const line = EXPORT.split("\n").find((l) => l.includes(";Céline;Simon;"))!;
    const phone = line.split(";")[14];
    writeFileSync(path.join(dir, "phone.csv"), EXPORT.replace(line, line.replace(phone, "06 11 22 33 44")));
    const r = await runTool("hr-report", ["--stack", "dev", "--export", path.join(dir, "phone.csv"), "--out", dir]);
    expect(r.status).toBe(1);
    const md = readFileSync(path.join(dir, "phone.report.md"), "utf8");
    expect(md.split("\n").filter((l) => l.startsWith("- "))).toEqual(["- **update** `celine.simon` Céline Simon: in DSI / Sécurité SI; mobile: [changed]"]);
    expect(md + readFileSync(path.join(dir, "phone.report.json"), "utf8")).not.toContain("06 11 22 33 44");
});

test("the committed export: no change, exit 0", async () => {
    const dir = folder();
    writeFileSync(path.join(dir, "same.csv"), EXPORT);
    const r = await runTool("hr-report", ["--stack", "dev", "--export", path.join(dir, "same.csv")]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^directory:hr-report: 0 to create, 0 to move, 0 to disable, 0 to update, 167 unchanged; wrote /);
    expect(readFileSync(path.join(dir, "same.report.md"), "utf8")).toContain("No change: an `up` with this export would change nobody.");
});

test("a malformed row: exit 2 with the program's message (file, line, column, fix), no report", async () => {
    const dir = folder();
    const lines = EXPORT.split("\n");
    lines[41] = lines[41].replace(/;(\d{2})\/(\d{2})\/(\d{4});/, ";$3-$2-$1;");
    writeFileSync(path.join(dir, "bad.csv"), lines.join("\n"));
    const r = await runTool("hr-report", ["--stack", "dev", "--export", path.join(dir, "bad.csv")]);
    expect(r.status).toBe(2);
    const date = /;(\d{4}-\d{2}-\d{2});/.exec(lines[41])![1];
    expect(r.stderr).toBe(
        `directory:hr-report: invalid configuration (1 problem):\n  - ${path.join(dir, "bad.csv")}:42: has Date de naissance "${date}". Fix: write the date as dd/mm/yyyy\n`,
    );
    expect(readdirSync(dir)).toEqual(["bad.csv"]);
});

test("the units of billu:directory.hrDrop: a path unit on the folder and a oneshot service running the drop script", async () => {
    const dir = folder();
    const cfg = readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").replace(
        "    hrCsv: data/billu-hr.csv\n",
        "    hrCsv: data/billu-hr.csv\n    hrDrop: /srv/billu/hr-drop\n",
    );
    writeFileSync(path.join(dir, "Pulumi.dev.yaml"), cfg);
    const r = await runTool("hr-report", ["--stack", "dev", "--config", path.join(dir, "Pulumi.dev.yaml"), "--units", dir]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(dir, "billu-hr-drop.path"), "utf8")).toContain("\nPathChanged=/srv/billu/hr-drop\nUnit=billu-hr-drop.service\n");
    expect(readFileSync(path.join(dir, "billu-hr-drop.service"), "utf8")).toContain(
        "\nType=oneshot\nWorkingDirectory=/opt/billu-infra\nExecStart=/bin/bash /opt/billu-infra/scripts/hr-drop.sh /srv/billu/hr-drop dev\n",
    );
    // systemd's own checker (level 3): exit 0 and nothing on stderr (it only warns on a bad key, exit 0).
    const units = ["billu-hr-drop.service", "billu-hr-drop.path"].map((f) => path.join(dir, f));
    const verify = spawnSync("systemd-analyze", ["verify", ...units], { encoding: "utf8", timeout: 30_000 });
    expect(verify.error).toBeUndefined(); // systemd-analyze (Debian package systemd) is a prerequisite of this test
    expect([verify.status, verify.stderr]).toEqual([0, ""]);
    writeFileSync(path.join(dir, "Pulumi.dev.yaml"), cfg.replace("hrDrop: /srv/billu/hr-drop", "hrDrop: /srv/$(id)"));
    const bad = await runTool("hr-report", ["--stack", "dev", "--config", path.join(dir, "Pulumi.dev.yaml"), "--units", dir]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(
        'billu:directory.hrDrop: is "/srv/$(id)", which must be an absolute path of letters, digits, dots, dashes, underscores and slashes',
    );
});

describe("the drop folder's script (scripts/hr-drop.sh under bash, against the built tool)", () => {
    const tool = path.join(ROOT, "dist", "tools", "hr-report.js");
    const script = path.join(ROOT, "scripts", "hr-drop.sh");
    const run = (drop: string) => spawnSync("bash", [script, drop, "dev"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });

    beforeAll(() => {
        if (!existsSync(tool) || statSync(tool).mtimeMs < statSync(path.join(ROOT, "tools", "hr-report.ts")).mtimeMs) {
            throw new Error(`${tool} is missing or older than tools/hr-report.ts: run npm run build first`);
        }
    });

    test("a hostile name: reported beside it, moved to processed/, nothing run from the name", () => {
        const drop = folder();
        const name = "new $(touch pwned) `touch pwned2`; x.csv";
        writeFileSync(path.join(drop, name), edited());
        // The substitutions would run in the script's working folder (the project root) and the drop folder.
        const traces = ["pwned", "pwned2"].flatMap((f) => [path.join(ROOT, f), path.join(drop, f)]);
        expect(traces.filter((f) => existsSync(f))).toEqual([]);
        let r;
        try {
            r = run(drop);
            expect(traces.filter((f) => existsSync(f))).toEqual([]);
        } finally {
            for (const f of traces) rmSync(f, { force: true });
        }
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        const base = name.replace(/\.csv$/, "");
        expect(readdirSync(drop).sort()).toEqual([`${base}.report.json`, `${base}.report.md`, "processed"].sort());
        expect(readdirSync(path.join(drop, "processed"))).toEqual([name]);
        expect(readFileSync(path.join(drop, `${base}.report.md`), "utf8")).toContain("1 to create, 1 to move, 1 to disable, 1 to update, 164 unchanged.");
    });

    test("a name already in processed/ is kept: the new export gets its UTC time in its name, then a counter", () => {
        const drop = folder();
        const processed = path.join(drop, "processed");
        mkdirSync(processed);
        writeFileSync(path.join(processed, "export.csv"), "the earlier export\n");
        const stampOf = (ms: number) =>
            new Date(ms)
                .toISOString()
                .replace(/[-:]/g, "")
                .replace(/\.\d{3}Z$/, "Z");
        const before = Date.now();
        writeFileSync(path.join(drop, "export.csv"), edited());
        const first = run(drop);
        const after = Date.now();
        expect([first.status, first.stderr]).toEqual([0, ""]);
        const added = readdirSync(processed).filter((f) => f !== "export.csv");
        expect(added).toHaveLength(1);
        const m = /^export\.(\d{8}T\d{6}Z)\.csv$/.exec(added[0]);
        expect(m).not.toBeNull();
        expect(m![1] >= stampOf(before - 1000) && m![1] <= stampOf(after)).toBe(true);
        expect(readFileSync(path.join(processed, "export.csv"), "utf8")).toBe("the earlier export\n");
        expect(readFileSync(path.join(processed, added[0]), "utf8")).toBe(edited());
        // Every stamped name of the next two minutes taken: the next export of that name gets "-2", nothing is replaced.
        const taken = new Set(readdirSync(processed));
        const start = Date.now();
        for (let t = start - 1000; t <= start + 120_000; t += 1000) {
            const f = `export.${stampOf(t)}.csv`;
            if (!taken.has(f)) writeFileSync(path.join(processed, f), `seeded ${f}\n`);
        }
        const seeded = readdirSync(processed).length;
        writeFileSync(path.join(drop, "export.csv"), edited().replace(";Ingénieur;", ";Architecte;"));
        const second = run(drop);
        expect([second.status, second.stderr]).toEqual([0, ""]);
        const now = readdirSync(processed);
        expect(now).toHaveLength(seeded + 1);
        const counted = now.filter((f) => /^export\.\d{8}T\d{6}Z-2\.csv$/.test(f));
        expect(counted).toHaveLength(1);
        expect(readFileSync(path.join(processed, counted[0]), "utf8")).toContain(";Architecte;");
        expect(readFileSync(path.join(processed, added[0]), "utf8")).toBe(edited());
        for (const f of now.filter((f) => f.startsWith("export.") && f !== added[0] && f !== counted[0] && f !== "export.csv")) {
            expect(readFileSync(path.join(processed, f), "utf8")).toBe(`seeded ${f}\n`);
        }
        expect(existsSync(path.join(drop, "export.csv"))).toBe(false);
    });

    test("an export that fails validation gets its .errors.txt and stays; a second run does not retry it", () => {
        const drop = folder();
        mkdirSync(path.join(drop, "processed"));
        const lines = EXPORT.split("\n");
        lines[41] = lines[41].split(";").slice(0, 10).join(";");
        writeFileSync(path.join(drop, "bad one.csv"), lines.join("\n"));
        const r = run(drop);
        expect(r.status).toBe(1);
        expect(r.stderr).toBe(`hr-drop: ${drop}/bad one.csv rejected (exit 2), see ${drop}/bad one.errors.txt\n`);
        expect(readFileSync(path.join(drop, "bad one.errors.txt"), "utf8")).toBe(
            `directory:hr-report: invalid configuration (1 problem):\n  - ${drop}/bad one.csv:42: has 10 columns. Fix: give every line the 15 columns of the header\n`,
        );
        expect(readdirSync(drop).sort()).toEqual(["bad one.csv", "bad one.errors.txt", "processed"]);
        expect(readdirSync(path.join(drop, "processed"))).toEqual([]);
        const again = run(drop);
        expect(again.status).toBe(1);
        expect(again.stderr).toBe("");
    });
});

test("an export committed without its lock: the update is still reported, saying the previous values are unknown", async () => {
    const dir = folder();
    mkdirSync(path.join(dir, "data"));
    for (const f of ["Pulumi.dev.yaml", "directory.lock.json"]) writeFileSync(path.join(dir, f), readFileSync(path.join(ROOT, f)));
    cpSync(path.join(ROOT, "sites"), path.join(dir, "sites"), { recursive: true }); // the web server's content (billu:web)
    const line = EXPORT.split("\n").find((l) => l.includes(";Céline;Simon;"))!;
    const changed = EXPORT.replace(line, line.replace(";Analyste;", ";Ingénieur;"));
    writeFileSync(path.join(dir, "data", "billu-hr.csv"), changed);
    writeFileSync(path.join(dir, "new.csv"), changed);
    const r = await runTool("hr-report", ["--stack", "dev", "--export", path.join(dir, "new.csv")], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(1);
    expect(
        readFileSync(path.join(dir, "new.report.md"), "utf8")
            .split("\n")
            .filter((l) => l.startsWith("- ")),
    ).toEqual([
        "- **update** `celine.simon` Céline Simon: in DSI / Sécurité SI; attributes changed since the lock (the committed export does not hold the previous values)",
    ]);
});
