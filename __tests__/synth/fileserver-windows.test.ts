/** The windows flavor synthesizes too: the dev stack with PAR-FS01 on Windows Server and billu:fileserver.flavor windows. */
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { SynthResult } from "../../tools/synth";
import { ROOT } from "../helpers";
import { SYNTH_TIMEOUT, variantSynth } from "./shared";

let r: SynthResult;
let out: string;

beforeAll(async () => {
    const doc = parse(readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));
    const fs = doc.config["billu:hosts"].find((h: { name: string }) => h.name === "PAR-FS01");
    fs.os = "windows-2022-gui";
    fs.joinDomain = false; // Windows members are not joined by this program
    doc.config["billu:fileserver"].flavor = "windows";
    // Without the home share and its Documents redirection GPO (the Windows home share runs under Pester: FileServerShares.Tests.ps1).
    delete doc.config["billu:fileserver"].homeShare;
    doc.config["billu:gpo"].gpos = doc.config["billu:gpo"].gpos.filter((g: { policies: Record<string, unknown> }) => !g.policies.folderRedirectionDocuments);
    // The same text as __tests__/powershell/parse.test.ts writes: the two files share one synth of it.
    ({ r, out } = await variantSynth("fsw", stringify(doc)));
}, SYNTH_TIMEOUT);

test("synthesizes clean", () => {
    expect(r.error).toBeUndefined();
    expect(r.violations).toEqual([]);
    expect(r.exitCode).toBe(0);
});

test("the base step (its in-guest backup client: dev has a backup server), a PowerShell step after the VM and the router, and the shares step after it (fileserver-order.test.ts), pushing the three rendered scripts", () => {
    const steps = r.resources.filter((x) => x.type === "billu:guest:GuestStep" && x.name.startsWith("par-fs01-"));
    expect(steps.map((s) => s.name)).toEqual(["par-fs01-base", "par-fs01-fileserver", "par-fs01-shares"]);
    // The Windows client backs up the shares' folder on the mirrored volume, not the Linux flavor's mount point.
    const settings = JSON.parse(readFileSync(path.join(out, "rendered", "PAR-FS01", "C", "ProgramData", "billu", "backup", "client.json"), "utf8"));
    expect([settings.Classes, settings.Paths, settings.PreHooks]).toEqual([["files"], ["S:\\Shares"], []]);
    const prepare = r.resources.find((x) => x.name === "par-fs01-fileserver-prepare")!;
    const urn = (n: string) => r.resources.find((x) => x.name === n)!.urn;
    // Its VM, the base step (which waits for the router's configuration), and the domain (the dc role's last step).
    expect(prepare.options.dependsOn).toEqual(expect.arrayContaining([urn("par-fs01-vm"), urn("par-fs01-base-apply")]));
    expect(r.resources.find((x) => x.name === "par-fs01-base-prepare")!.options.dependsOn).toContain(urn("par-fw01-router-apply"));
    expect(prepare.options.dependsOn).toContain(urn("par-domain-domain-apply"));
    const apply = r.resources.find((x) => x.name === "par-fs01-fileserver-apply")!;
    expect(apply.inputs.create).toBe('powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "C:/ProgramData/billu/stage/fileserver/run.ps1"');
    for (const f of ["storage.ps1", "shares.ps1", "health.ps1"]) {
        expect(existsSync(path.join(out, "rendered", "PAR-FS01", "C", "ProgramData", "billu", "fileserver", f))).toBe(true);
    }
    const vm = r.resources.find((x) => x.name === "par-fs01-vm")!;
    expect((vm.inputs.operatingSystem as { type: string }).type).toBe("win11");
});

test("the docs describe a Storage Spaces mirror on S:", () => {
    const docs = readFileSync(path.join(out, "docs", "README.md"), "utf8");
    expect(docs).toContain(
        "| PAR-FS01 | Storage Spaces two-way mirror | scsi1: 16 GiB on data-a, scsi2: 16 GiB on data-b | 16 GiB | S: (NTFS) | dsi-alertes@billu.remindme.lan |",
    );
    expect(docs).toContain("| PAR-FS01 | `\\\\PAR-FS01\\dsi` | S:\\Shares\\dsi | department | `BILLU\\GG_DSI` | `BILLU\\Domain Admins` |");
});
