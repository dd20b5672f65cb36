/**
 * Every PowerShell file the project ships (scripts/**) or renders for every committed stack (and for the Windows
 * file server variant of dev, the only renderer of the Windows file server's scripts) parses with PowerShell's own
 * parser, with zero errors. One pwsh process parses them all; a deliberately broken file in the same run proves the
 * parser reports what it finds.
 */
import { spawn } from "child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { filesUnder, ROOT } from "../helpers";
import { powershellTools, PWSH_VERSION, runPwsh } from "./pwsh";

const dir = mkdtempSync(path.join(tmpdir(), "billu-ps-parse-"));
const CLI = path.join(ROOT, "dist", "tools", "synth.js");
const STACKS = readdirSync(ROOT)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();

function synth(stack: string, ...args: string[]): Promise<{ stack: string; status: number | null; stderr: string }> {
    return new Promise((resolve) => {
        const p = spawn(process.execPath, [CLI, "--stack", stack, "--out", path.join(dir, "out", stack), ...args], { cwd: ROOT });
        let stderr = "";
        p.stderr.on("data", (d) => (stderr += d));
        p.on("close", (status) => resolve({ stack, status, stderr }));
    });
}

/** dev with PAR-FS01 on Windows Server and the windows file server flavor (as __tests__/synth/fileserver-windows). */
function windowsFileServerConfig(): string {
    const doc = parse(readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));
    const fs = doc.config["billu:hosts"].find((h: { name: string }) => h.name === "PAR-FS01");
    fs.os = "windows-2022-gui";
    fs.joinDomain = false;
    doc.config["billu:fileserver"].flavor = "windows";
    const file = path.join(dir, "Pulumi.fsw.yaml");
    writeFileSync(file, stringify(doc));
    return file;
}

interface Parsed {
    version: string;
    files: { file: string; errors: { line: number; column: number; message: string }[] }[];
}

const BROKEN = path.join(dir, "broken.ps1");
let parsed: Parsed;
let shipped: string[];
let rendered: string[];

beforeAll(async () => {
    const tools = powershellTools();
    expect(typeof tools === "string" ? tools : "").toBe("");
    if (typeof tools === "string") return;
    expect(existsSync(CLI) ? "" : "run npm run build first").toBe("");
    const runs = await Promise.all([...STACKS.map((s) => synth(s)), synth("fsw", "--config", windowsFileServerConfig())]);
    expect(runs.map((r) => [r.stack, r.status, r.stderr])).toEqual(runs.map((r) => [r.stack, 0, ""]));
    shipped = filesUnder(path.join(ROOT, "scripts")).filter((f) => f.endsWith(".ps1"));
    rendered = filesUnder(path.join(dir, "out")).filter((f) => f.endsWith(".ps1"));
    // A function never closed and a pipe to nothing: the parser must report both, on their lines.
    writeFileSync(BROKEN, "function Test-Broken {\n    Get-Item 'x' |\n");
    const list = path.join(dir, "files.txt");
    writeFileSync(list, [...shipped, ...rendered, BROKEN].join("\n") + "\n");
    const run = await runPwsh(tools.pwsh, path.join(__dirname, "parse-files.ps1"), { BILLU_PS_LIST: list });
    expect([run.status, run.stderr]).toEqual([0, ""]);
    parsed = JSON.parse(run.stdout) as Parsed;
}, 120000);

test(`PowerShell ${PWSH_VERSION} parsed every shipped and rendered file, one process for all`, () => {
    expect(parsed.version).toBe(PWSH_VERSION);
    expect(parsed.files.map((f) => f.file)).toEqual([...shipped, ...rendered, BROKEN]);
    const rel = (f: string) => path.relative(ROOT, f);
    expect(shipped.map(rel).sort()).toEqual([
        "scripts/directory/Apply-Directory.ps1",
        "scripts/directory/directory.ps1",
        "scripts/directory/mail-directory.ps1",
        "scripts/fileserver/fileserver-step.ps1",
        "scripts/lib/billu-lib.ps1",
        "scripts/templates/prepare-windows-template.ps1",
    ]);
    // The Windows DCs' steps (prod), the directory applier as rendered, and the Windows file server's scripts.
    const out = (f: string) => path.relative(path.join(dir, "out"), f);
    expect(rendered.map(out)).toEqual(
        expect.arrayContaining([
            "prod/rendered/PAR-DC01/C/ProgramData/billu/stage/domain/run.ps1",
            "prod/rendered/PAR-DC01/C/ProgramData/billu/directory/Apply-Directory.ps1",
            "prod/rendered/PAR-DC02/C/ProgramData/billu/stage/dc/run.ps1",
            "fsw/rendered/PAR-FS01/C/ProgramData/billu/fileserver/storage.ps1",
            "fsw/rendered/PAR-FS01/C/ProgramData/billu/fileserver/shares.ps1",
            "fsw/rendered/PAR-FS01/C/ProgramData/billu/fileserver/health.ps1",
        ]),
    );
});

test("every shipped and rendered .ps1 parses with zero errors", () => {
    const bad = parsed.files.filter((f) => f.file !== BROKEN && f.errors.length > 0);
    expect(bad.map((f) => `${f.file}: ${f.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join("; ")}`)).toEqual([]);
});

test("the deliberately broken file is reported, so a clean result comes from a parser that ran", () => {
    const broken = parsed.files.find((f) => f.file === BROKEN)!;
    expect(broken.errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual([
        "2:19 An empty pipe element is not allowed.",
        "1:22 Missing closing '}' in statement block or type definition.",
    ]);
});
