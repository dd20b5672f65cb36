/**
 * Every PowerShell file the project ships (scripts/**) or renders for every committed stack (and for the Windows
 * file server variant of dev, the only renderer of the Windows file server's scripts) parses with PowerShell's own
 * parser, with zero errors. One pwsh process parses them all; a deliberately broken file in the same run proves the
 * parser reports what it finds.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { filesUnder, ROOT } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT, Synthesized, variantSynth } from "../synth/shared";
import { powershellTools, PWSH_VERSION, runPwsh } from "./pwsh";

const dir = mkdtempSync(path.join(tmpdir(), "billu-ps-parse-"));
const STACKS = readdirSync(ROOT)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();

/**
 * dev with PAR-FS01 on Windows Server and the windows file server flavor: the same text as
 * __tests__/synth/fileserver-windows.test.ts writes, so the two files share one synth of it.
 */
function windowsFileServerConfig(): string {
    const doc = parse(readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));
    const fs = doc.config["billu:hosts"].find((h: { name: string }) => h.name === "PAR-FS01");
    fs.os = "windows-2022-gui";
    fs.joinDomain = false;
    doc.config["billu:fileserver"].flavor = "windows";
    // Without the home share and its Documents redirection GPO (the Windows home share runs under Pester: FileServerShares.Tests.ps1).
    delete doc.config["billu:fileserver"].homeShare;
    doc.config["billu:gpo"].gpos = doc.config["billu:gpo"].gpos.filter((g: { policies: Record<string, unknown> }) => !g.policies.folderRedirectionDocuments);
    return stringify(doc);
}

interface Parsed {
    version: string;
    files: { file: string; errors: { line: number; column: number; message: string }[] }[];
}

const BROKEN = path.join(dir, "broken.ps1");
let parsed: Parsed;
let shipped: string[];
let rendered: string[];
/** `<stack>/rendered/...`: a rendered file named by its stack, wherever the shared synth put it. */
let named: Map<string, string>;

beforeAll(async () => {
    const tools = powershellTools();
    expect(typeof tools === "string" ? tools : "").toBe("");
    if (typeof tools === "string") return;
    // One after the other: each shared synth runs once per jest run, and a file runs one synth at a time.
    const runs: [string, Synthesized][] = [];
    for (const s of STACKS) runs.push([s, await committedSynth(s)]);
    runs.push(["fsw", await variantSynth("fsw", windowsFileServerConfig())]);
    expect(runs.map(([s, { r, stderr }]) => [s, r.exitCode, r.error, stderr])).toEqual(runs.map(([s]) => [s, 0, undefined, ""]));
    shipped = filesUnder(path.join(ROOT, "scripts")).filter((f) => f.endsWith(".ps1"));
    named = new Map(
        runs.flatMap(([s, { out }]) =>
            filesUnder(out)
                .filter((f) => f.endsWith(".ps1"))
                .map((f) => [f, `${s}/${path.relative(out, f)}`] as const),
        ),
    );
    rendered = [...named.keys()];
    // A function never closed and a pipe to nothing: the parser must report both, on their lines.
    writeFileSync(BROKEN, "function Test-Broken {\n    Get-Item 'x' |\n");
    const list = path.join(dir, "files.txt");
    writeFileSync(list, [...shipped, ...rendered, BROKEN].join("\n") + "\n");
    const run = await runPwsh(tools.pwsh, path.join(__dirname, "parse-files.ps1"), { BILLU_PS_LIST: list });
    expect([run.status, run.stderr]).toEqual([0, ""]);
    parsed = JSON.parse(run.stdout) as Parsed;
}, SYNTH_TIMEOUT);

test(`PowerShell ${PWSH_VERSION} parsed every shipped and rendered file, one process for all`, () => {
    expect(parsed.version).toBe(PWSH_VERSION);
    expect(parsed.files.map((f) => f.file)).toEqual([...shipped, ...rendered, BROKEN]);
    const rel = (f: string) => path.relative(ROOT, f);
    expect(shipped.map(rel).sort()).toEqual([
        "scripts/assets/Install-GlpiAgent.ps1",
        "scripts/backup/backup-run.ps1",
        "scripts/backup/client-step.ps1",
        "scripts/client/client-join.ps1",
        "scripts/client/client-ou.ps1",
        "scripts/client/client-rsop.ps1",
        "scripts/dc/admin-login.ps1",
        "scripts/dc/windows-dc.ps1",
        "scripts/dc/windows-dns-client.ps1",
        "scripts/dc/windows-domain.ps1",
        "scripts/dc/windows-fsmo.ps1",
        "scripts/dc/windows-ldaps-cert.ps1",
        "scripts/dc/windows-ready.ps1",
        "scripts/dc/windows-site-ca.ps1",
        "scripts/directory/Apply-Directory.ps1",
        "scripts/directory/Apply-PasswordPolicy.ps1",
        "scripts/directory/assets-directory.ps1",
        "scripts/directory/directory.ps1",
        "scripts/directory/drift-task-step.ps1",
        "scripts/directory/drift-task.ps1",
        "scripts/directory/mail-directory.ps1",
        "scripts/directory/password-policy.ps1",
        "scripts/fileserver/fileserver-step.ps1",
        "scripts/fileserver/health.ps1",
        "scripts/fileserver/shares-step.ps1",
        "scripts/fileserver/shares.ps1",
        "scripts/fileserver/storage.ps1",
        "scripts/gpo/Apply-Gpo.ps1",
        "scripts/gpo/gpo.ps1",
        "scripts/lib/billu-lib.ps1",
        "scripts/monitoring/agent-windows-step.ps1",
        "scripts/monitoring/agent-windows.ps1",
        "scripts/templates/prepare-windows-template.ps1",
        "scripts/trust/windows-trust.ps1",
        "scripts/wsus/wsus-step.ps1",
        "scripts/wsus/wsus.ps1",
    ]);
    // The Windows DCs' steps (prod), the directory applier as rendered, the Windows file server's scripts, dev's Windows client.
    expect(rendered.map((f) => named.get(f))).toEqual(
        expect.arrayContaining([
            "prod/rendered/PAR-DC01/C/ProgramData/billu/stage/domain/run.ps1",
            "prod/rendered/PAR-DC01/C/ProgramData/billu/directory/Apply-Directory.ps1",
            "prod/rendered/PAR-DC01/C/ProgramData/billu/directory/drift-task.ps1",
            "prod/rendered/PAR-DC01/C/ProgramData/billu/stage/directory/run.ps1",
            "prod/rendered/PAR-DC02/C/ProgramData/billu/stage/dc/run.ps1",
            "prod/rendered/PAR-DC02/C/ProgramData/billu/stage/ready/run.ps1",
            "prod/rendered/PAR-DC03/C/ProgramData/billu/stage/fsmo/run.ps1",
            "prod/rendered/PAR-DC02/C/ProgramData/billu/gpo/Apply-Gpo.ps1",
            "prod/rendered/PAR-DC02/C/ProgramData/billu/stage/gpo/run.ps1",
            "fsw/rendered/PAR-FS01/C/ProgramData/billu/fileserver/storage.ps1",
            "fsw/rendered/PAR-FS01/C/ProgramData/billu/fileserver/shares.ps1",
            "fsw/rendered/PAR-FS01/C/ProgramData/billu/fileserver/health.ps1",
            "prod/rendered/PAR-WSUS01/C/ProgramData/billu/wsus/wsus.ps1",
            "prod/rendered/PAR-WSUS01/C/ProgramData/billu/stage/wsus/run.ps1",
            "prod/rendered/PAR-DC01/C/ProgramData/billu/stage/trust/run.ps1",
            // dev's Windows 11 client: its join (Add-Computer) and its RSoP steps.
            "dev/rendered/PAR-CLI02/C/ProgramData/billu/stage/client-join/run.ps1",
            "dev/rendered/PAR-CLI02/C/ProgramData/billu/stage/client-rsop/run.ps1",
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
