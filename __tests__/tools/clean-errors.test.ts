/**
 * Bad input to the offline tools is exit 2 with a message naming the flag, file or key, the value and the fix:
 * never exit 3, a stack trace, or a message blaming something else. The built CLIs, in temporary folders.
 */
import { spawnSync } from "child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { siteDocs } from "../../stacks/outputs";
import { renderDocs } from "../../tools/docs/render";
import { runTool, Tool } from "../cli";
import { model, ROOT, stackRaw } from "../helpers";

/** A tool's command line, run in this process (__tests__/cli.ts). */
const cli = (tool: Tool, cwd: string, ...args: string[]) => runTool(tool, args, { cwd });
/** A tool's built file run by Node: each tool's entry point, once. */
const spawned = (tool: Tool, cwd: string, ...args: string[]) =>
    spawnSync(process.execPath, [path.join(ROOT, "dist", "tools", `${tool}.js`), ...args], { cwd, encoding: "utf8" });

/** A copy of the project's inputs, so a test may add or break files in it. */
function project(): string {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-errors-"));
    for (const f of ["Pulumi.yaml", "Pulumi.dev.yaml", "directory.lock.json"]) copyFileSync(path.join(ROOT, f), path.join(dir, f));
    cpSync(path.join(ROOT, "data"), path.join(dir, "data"), { recursive: true });
    cpSync(path.join(ROOT, "sites"), path.join(dir, "sites"), { recursive: true });
    mkdirSync(path.join(dir, "policies"));
    return dir;
}

function expectClean(p: { status: number | null; stderr: string }, stderr: string): void {
    expect(p.stderr).toBe(stderr);
    expect(p.status).toBe(2);
    expect(p.stderr).not.toMatch(/\n\s+at /);
}

const PACK_FIX = 'Fix: write a JSON object: { "<rule name>": { "enforcementLevel": "advisory", "reason": "why this stack may lower it" } }';

describe("a malformed policies/config.<stack>.json", () => {
    test.each([
        ["not JSON", '{ "enforce-default-deny": ', "policies/config.dev.json: cannot be read as JSON (Unexpected end of JSON input)"],
        ["null", "null", "policies/config.dev.json: is null (expected object, received null)"],
        ["a rule that is a number", '{ "enforce-default-deny": 5 }', "policies/config.dev.json.enforce-default-deny: is 5 (expected object, received number)"],
        [
            "a level that is not a string",
            '{ "enforce-default-deny": { "enforcementLevel": false } }',
            "policies/config.dev.json.enforce-default-deny.enforcementLevel: is false (expected string, received boolean)",
        ],
    ])("%s: exit 2 naming the file and the key", async (_, text, problem) => {
        const dir = project();
        writeFileSync(path.join(dir, "policies", "config.dev.json"), text);
        expectClean(
            await cli("synth", dir, "--stack", "dev", "--out", path.join(dir, "out")),
            `synth dev: invalid policy pack config (1 problem):\n  - ${problem}. ${PACK_FIX}\n`,
        );
        expect(readdirSync(dir)).not.toContain("out");
    });
});

describe("docs --outputs", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-docs-errors-"));
    const good = JSON.parse(JSON.stringify(siteDocs(model(stackRaw("dev")))));
    const FIX = "Fix: pass the JSON of `pulumi stack output --json` of a billu-infra stack (or out/<stack>/outputs.json of synth)";
    const file = (name: string, text: string) => {
        writeFileSync(path.join(dir, name), text);
        return path.join(dir, name);
    };

    test.each([
        ["null", "null", "holds null, not an object of stack outputs"],
        ["a string", '"outputs"', 'holds "outputs", not an object of stack outputs'],
        ["an array", "[1]", "holds [1], not an object of stack outputs"],
    ])("%s: exit 2", async (name, text, message) => {
        const f = file(`${name}.json`, text);
        expectClean(await cli("docs", ROOT, "--outputs", f), `docs: invalid arguments (1 problem):\n  - --outputs: ${JSON.stringify(f)} ${message}. ${FIX}\n`);
    });

    test("wrongly typed outputs: exit 2, every bad key path with its value", async () => {
        const bad = JSON.parse(JSON.stringify(good));
        bad.zones[2].vlanId = "ten";
        bad.hosts[0].nics = 5;
        bad.site = { ...bad.site, name: 7 };
        const f = file("typed.json", JSON.stringify(bad));
        expectClean(
            await cli("docs", ROOT, "--outputs", f),
            [
                "docs: invalid stack outputs (3 problems):",
                `  - --outputs ${f}: site.name: is 7 (expected string, received number). ${FIX}`,
                `  - --outputs ${f}: zones[2].vlanId: is "ten" (expected number, received string). ${FIX}`,
                `  - --outputs ${f}: hosts[0].nics: is 5 (expected array, received number). ${FIX}`,
                "",
            ].join("\n"),
        );
    });

    test("--out: a new file, then the README it wrote, are written; any other file is refused and left as it was", async () => {
        const outputs = file("good.json", JSON.stringify(good));
        const readme = path.join(dir, "README.md");
        for (let i = 0; i < 2; i++) {
            const p = await cli("docs", ROOT, "--outputs", outputs, "--out", readme);
            expect([p.status, p.stderr]).toEqual([0, ""]);
            expect(readFileSync(readme, "utf8")).toBe(renderDocs(good));
        }
        const notes = file("notes.md", "# my notes\n\nkeep me\n");
        expectClean(
            await cli("docs", ROOT, "--outputs", outputs, "--out", notes),
            `docs: invalid arguments (1 problem):\n  - --out: ${JSON.stringify(notes)} exists and is not a README written by docs (its third line is not "Generated by billu-infra from the stack outputs. ..."). Fix: pass --out a new file, or a README docs wrote; docs never overwrites another file\n`,
        );
        expect(readFileSync(notes, "utf8")).toBe("# my notes\n\nkeep me\n");
        expectClean(
            await cli("docs", ROOT, "--outputs", outputs, "--out", path.join(dir, "nowhere", "README.md")),
            `docs: invalid arguments (1 problem):\n  - --out: ${JSON.stringify(path.join(dir, "nowhere", "README.md"))} is in a folder that does not exist (${path.join(dir, "nowhere")}). Fix: create ${path.join(dir, "nowhere")}, or correct --out\n`,
        );
        // Written through a temporary file and a rename: none is left beside it.
        expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
    });
});

describe("files named on the command line", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-args-"));
    const missing = path.join(dir, "nope.csv");
    const HR_FIX = "Fix: pass --hr-csv the path of a readable HR export (CSV separated by ;)";
    const CONFIG_FIX = "Fix: pass --config the path of a stack file (Pulumi.<stack>.yaml)";

    test("an unreadable --hr-csv is named by the flag and its path (synth, directory:lock), not by billu:directory.hrCsv", async () => {
        expectClean(
            await cli("synth", ROOT, "--stack", "dev", "--hr-csv", missing, "--out", path.join(dir, "out")),
            `synth dev: invalid configuration (1 problem):\n  - --hr-csv: ${JSON.stringify(missing)} does not exist. ${HR_FIX}\n`,
        );
        expectClean(
            await cli("directory-lock", ROOT, "--stack", "dev", "--hr-csv", "data"),
            `directory:lock: invalid configuration (1 problem):\n  - --hr-csv: "data" is a folder (${path.join(ROOT, "data")}). ${HR_FIX}\n`,
        );
    });

    test("a missing --config is said not to exist (synth, directory:lock, pfsense, firewall-lab), not to be bad YAML", async () => {
        const cfg = path.join(dir, "Pulumi.nope.yaml");
        const problem = `--config: ${JSON.stringify(cfg)} does not exist. ${CONFIG_FIX}`;
        expectClean(
            await cli("synth", ROOT, "--stack", "dev", "--config", cfg, "--out", path.join(dir, "out")),
            `synth dev: invalid configuration (1 problem):\n  - ${problem}\n`,
        );
        expectClean(
            await cli("directory-lock", ROOT, "--stack", "dev", "--config", cfg),
            `directory:lock: invalid configuration (1 problem):\n  - ${problem}\n`,
        );
        expectClean(await cli("pfsense", ROOT, "--stack", "dev", "--config", cfg, "--out", path.join(dir, "pf")), `pfsense dev: ${problem}\n`);
        expectClean(await cli("firewall-lab", ROOT, "--stack", "dev", "--config", cfg, "--out", path.join(dir, "fl")), `firewall-lab dev: ${problem}\n`);
        expect(readdirSync(dir)).toEqual([]);
    });

    test("a stack name that is not Pulumi's is refused by every tool before it reaches a path", () => {
        const message = (tool: string) =>
            `${tool}: --stack: "../../x" is not a stack name. Fix: name a stack with letters, digits, "_", "." and "-" only (Pulumi's rule), not "." or "..": --stack dev`;
        expectClean(
            spawned("directory-lock", ROOT, "--stack", "../../x", "--config", "Pulumi.dev.yaml"),
            `directory:lock: invalid configuration (1 problem):\n  - ${message("x").slice(3)}\n`,
        );
        expectClean(spawned("pfsense", ROOT, "--stack", "../../x", "--config", "Pulumi.dev.yaml"), `${message("pfsense ../../x")}\n`);
        expectClean(
            spawned("firewall-lab", ROOT, "--stack", "../../x", "--config", "Pulumi.dev.yaml", "--out", path.join(dir, "fl")),
            `${message("firewall-lab ../../x")}\n`,
        );
        expect(readdirSync(dir)).toEqual([]);
    });
});

describe("directory:lock's target (billu:directory.lock)", () => {
    const withLock = (lock: string) => {
        const dir = project();
        writeFileSync(
            path.join(dir, "Pulumi.dev.yaml"),
            readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").replace("lock: directory.lock.json", `lock: ${lock}`),
        );
        return dir;
    };

    test("a folder: exit 2 naming the key, for directory:lock and synth", async () => {
        const dir = withLock("locks");
        mkdirSync(path.join(dir, "locks"));
        const problem = `billu:directory.lock: "locks" is a folder (${path.join(dir, "locks")}). Fix: make billu:directory.lock name a file, not a folder`;
        expectClean(await cli("directory-lock", dir, "--stack", "dev"), `directory:lock: invalid configuration (1 problem):\n  - ${problem}\n`);
        expectClean(
            await cli("synth", dir, "--stack", "dev", "--out", path.join(dir, "out")),
            `synth dev: invalid configuration (1 problem):\n  - ${problem}\n`,
        );
        expect(readdirSync(path.join(dir, "locks"))).toEqual([]);
    });

    test("in a missing folder: exit 2 naming the key and the folder; nothing created", async () => {
        const dir = withLock("state/directory.lock.json");
        expectClean(
            await cli("directory-lock", dir, "--stack", "dev"),
            `directory:lock: invalid configuration (1 problem):\n  - billu:directory.lock: "state/directory.lock.json" is in a folder that does not exist (${path.join(dir, "state")}). Fix: create ${path.join(dir, "state")}, or correct billu:directory.lock\n`,
        );
        expect(readdirSync(dir)).not.toContain("state");
    });

    test("written through a temporary file and a rename: the lock is whole and nothing else is left", async () => {
        const dir = withLock("directory.lock.json");
        const before = readdirSync(dir).sort();
        const p = await cli("directory-lock", dir, "--stack", "dev");
        expect([p.status, p.stderr]).toEqual([0, ""]);
        expect(readFileSync(path.join(dir, "directory.lock.json"), "utf8")).toBe(readFileSync(path.join(ROOT, "directory.lock.json"), "utf8"));
        expect(readdirSync(dir).sort()).toEqual(before);
    }, 60000);
});
