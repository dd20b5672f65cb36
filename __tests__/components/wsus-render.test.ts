/**
 * The WSUS renderers (components/wsus/render.ts): the step's body and the docs rows, from prod's WSUS plan. The
 * plan file itself (wsus.json) is checked field by field in __tests__/model/wsus.test.ts.
 */
import { wsusDocRows, wsusStepScript } from "../../components/wsus/render";
import type { WsusPlan } from "../../model/wsus";
import { model, stackRaw } from "../helpers";

const plan = model(stackRaw("prod")).plan<WsusPlan>("wsus")!;

test("the step's body: the host and the plan's path as data, then wsus-step.ps1, with CRLF line ends", () => {
    const s = wsusStepScript({ ...plan, ssl: false });
    expect(s.split("\r\n").slice(0, 3)).toEqual([
        "$HOST_NAME = 'PAR-WSUS01'",
        "$PLAN_PATH = 'C:\\ProgramData\\billu\\wsus\\wsus.json'",
        "# Step `wsus` of the WSUS server: the functions, then the plan (rendered from billu:wsus). Data: $HOST_NAME, $PLAN_PATH.",
    ]);
    expect(s).not.toContain("function Import-BilluLdapsCert");
    expect(s).toContain(". 'C:\\ProgramData\\billu\\wsus\\wsus.ps1'\r\n");
    expect(s).not.toMatch(/[^\r]\n/);
});

test("over HTTPS (prod): the PEM importer of the Windows DC comes before the body, which reads the three certificate secrets", () => {
    const s = wsusStepScript(plan);
    expect(plan.ssl).toBe(true);
    const lines = s.split("\r\n");
    expect(lines[2]).toBe("# Used by the Windows DC step `ready`: imports the DC's LDAPS certificate (PEM from the site CA) into");
    expect(lines.indexOf("function Import-BilluLdapsCert([string]$CertPem, [string]$KeyPem) {")).toBeLessThan(
        lines.indexOf(". 'C:\\ProgramData\\billu\\wsus\\wsus.ps1'"),
    );
    expect(s).toContain("@{ ca = Get-BilluSecret 'wsus-site-ca'; cert = Get-BilluSecret 'wsus-cert'; key = Get-BilluSecret 'wsus-key' }");
});

test("the docs rows: the server, its target group with the GPO that names it, its rule", () => {
    expect(wsusDocRows(plan)).toEqual({
        server: [
            [
                "PAR-WSUS01",
                "https://par-wsus01.billu.remindme.lan:8531",
                "D:\\WSUS",
                "Microsoft Update",
                "01:30 UTC",
                "Windows 11, Windows Server 2022",
                "Critical Updates, Security Updates, Definition Updates, Update Rollups",
                "fr, en",
                "Sunday 04:00: DeclineSupersededUpdates, DeclineExpiredUpdates, CleanupObsoleteUpdates, CleanupObsoleteComputers, CleanupUnneededContentFiles, CompressUpdates",
            ],
        ],
        groups: [["Postes BillU", "BillU/Ordinateurs", "BillU - Windows Update (WSUS)"]],
        rules: [
            ["Securite et definitions", "Critical Updates, Security Updates, Definition Updates", "Windows 11, Windows Server 2022", "Postes BillU", "yes"],
        ],
    });
});
