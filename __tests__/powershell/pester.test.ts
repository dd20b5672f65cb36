/**
 * The Windows appliers and steps executed by PowerShell under Pester, with the Windows-only cmdlets mocked
 * (__tests__/powershell/pester/*.Tests.ps1 say which). The inputs are what the model renders, written here:
 * - dev's directory plan from the committed export and lock, and the plan of the Samba lab's edited export (one
 *   arrival, one move, one departure: labs/directory/probe.py `edit`) against the same lock;
 * - the plan of a small export whose names need DN escaping (a comma, a plus, a trailing backslash, a #, < = >);
 * - prod's `domain` step on the first Windows DC (windowsDomainStep) and the DNS records the model wants there.
 * One pwsh process runs every Pester file; the test names and results come back as JSON.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { windowsDomainStep } from "../../components/domain-controller/windows";
import { renderApplierPlan } from "../../components/directory/render";
import { parseDirectoryLock } from "../../model/directory-lock";
import { EMPTY_LOCK } from "../../model/directory-lock";
import { planDirectory } from "../../model/directory";
import { parseHrExport } from "../../model/hr";
import { buildSiteModel } from "../../model/site";
import { ROOT, stackRaw } from "../helpers";
import { powershellTools, runPwsh } from "./pwsh";

const dir = mkdtempSync(path.join(tmpdir(), "billu-pester-"));
const read = (p: string) => readFileSync(path.isAbsolute(p) ? p : path.join(ROOT, p));

/** A committed stack's model with its export and its lock, as synth builds it (an export path may be replaced). */
function siteModel(stack: string, hrCsv?: string) {
    const raw = stackRaw(stack);
    if (hrCsv) raw.directory.hrCsv = hrCsv;
    return buildSiteModel(
        raw,
        (p) => parseHrExport(read(p), p),
        (p) => (p ? parseDirectoryLock(read(p).toString("utf8"), p) : EMPTY_LOCK),
    );
}

/** The Samba lab's edit (labs/directory/probe.py `edit`): a homonym arrives, Léa Laurent (1989) moves, Gaëlle Thomas (1975) leaves. */
function editedExport(): string {
    const lines = read("data/billu-hr.csv").toString("utf8").trimEnd().split("\n");
    const out = lines
        .filter((l) => !/^[^;]*;Gaëlle;Thomas;(?:[^;]*;){9}13\/01\/1975;/.test(l))
        .map((l) => {
            const f = l.split(";");
            if (f[1] === "Léa" && f[2] === "Laurent" && f[12] === "20/11/1989") [f[5], f[6]] = ["DSI", "Exploitation"];
            return f.join(";");
        });
    expect(lines.length - out.length).toBe(1);
    out.push("M.;Théo;Ødegaard;BillU;Paris;QHSE;Qualité;Technicien;Lucas;Van der Berg;PC0999;Dell;01/01/1990;01 11 22 33 44;06 11 22 33 44");
    const file = path.join(dir, "edited.csv");
    writeFileSync(file, out.join("\n") + "\n");
    return file;
}

/** People and places whose names need escaping in a DN. */
const EDGE_CSV = [
    "Civilite;Prenom;Nom;Societe;Site;Departement;Service;Fonction;Manager-Prenom;Manager-Nom;Nom de PC;Marque PC;Date de naissance;Telephone fixe;Telephone portable",
    "M.;Jean+Paul;Dupont, Jr;BillU;Paris;R&D, Lab;Support\\;Technicien;;;PC-EDGE1;Dell;01/02/1980;;",
    "Mme;Zoé;Martin;BillU;Paris;R&D, Lab;#Ops <A=B>;Ingénieure;Jean+Paul;Dupont, Jr;PC-EDGE2;HP;03/04/1985;01 23 45 67 89;",
].join("\n");

function write(name: string, text: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
}

interface PesterResult {
    passed: string[];
    failed: { name: string; error: string }[];
    skipped: string[];
    containers: string[];
}

let result: PesterResult;

beforeAll(async () => {
    const tools = powershellTools();
    expect(typeof tools === "string" ? tools : "").toBe("");
    if (typeof tools === "string") return;
    const dev = siteModel("dev");
    const edited = siteModel("dev", editedExport());
    expect(edited.directory!.summary).toEqual({ create: 1, move: 1, update: 0, disable: 1, none: 165 });
    const edge = planDirectory({
        hr: parseHrExport(Buffer.from(EDGE_CSV + "\n"), "edge.csv"),
        lock: EMPTY_LOCK,
        domain: "billu.remindme.lan",
        company: "BillU",
    });
    expect(edge.problems).toEqual([]);
    const prod = siteModel("prod");
    const domain = prod.domain!;
    const env = {
        BILLU_PLAN_DEV: write("plan-dev.json", renderApplierPlan(dev.directory!)),
        BILLU_PLAN_EDITED: write("plan-edited.json", renderApplierPlan(edited.directory!)),
        BILLU_PLAN_EDGE: write("plan-edge.json", renderApplierPlan(edge.plan!)),
        BILLU_DOMAIN_STEP: write("domain-step.ps1", windowsDomainStep(domain).script),
        BILLU_DOMAIN_MODEL: write(
            "domain-model.json",
            JSON.stringify({
                fqdn: domain.fqdn,
                reverseZones: domain.subnets.map((s) => s.reverseZone),
                extraZones: domain.extraZones,
                records: domain.records,
                extraRecords: domain.extraRecords,
                forwarders: domain.conditionalForwarders,
            }),
        ),
        BILLU_PESTER: tools.pester,
    };
    const run = await runPwsh(tools.pwsh, path.join(__dirname, "run-pester.ps1"), env);
    expect([run.status, run.stderr]).toEqual([0, ""]);
    result = JSON.parse(run.stdout.slice(run.stdout.indexOf("{"))) as PesterResult;
}, 300000);

test("every Pester test passes", () => {
    expect(result.failed).toEqual([]);
    expect(result.containers).toEqual([]);
    expect(result.skipped).toEqual([]);
});

test("the Pester tests that ran are exactly these", () => {
    expect(result.passed).toEqual([
        "DN parsing (RFC 4514).splits off the first RDN after a value that ends in a backslash",
        "DN parsing (RFC 4514).keeps escaped commas and plus signs inside their RDN",
        "DN parsing (RFC 4514).unescapes every special character, a leading #, and hex pairs",
        "DN parsing (RFC 4514).refuses a DN that ends inside an escape, naming it",
        "DN parsing (RFC 4514).tells a DN under another one by its RDNs, not by the text's ending",
        "the dev plan, then the Samba lab's edited plan, applied to one directory.dev, from an empty directory: creates exactly the planned OUs, groups, accounts and computers, each at its planned DN",
        "the dev plan, then the Samba lab's edited plan, applied to one directory.dev again: writes nothing",
        "the dev plan, then the Samba lab's edited plan, applied to one directory.edited: the plans differ by one arrival, one move to another service and one departure (with their computers)",
        "the dev plan, then the Samba lab's edited plan, applied to one directory.edited: creates, moves and disables exactly those, and the directory then matches the plan",
        "the dev plan, then the Samba lab's edited plan, applied to one directory.edited again: writes nothing",
        "the dev plan, then the Samba lab's edited plan, applied to one directory.adopts a computer found elsewhere under the managed OU, moving it back to its planned place",
        "names that need DN escaping (a comma, a plus, a trailing backslash, a leading #, angle brackets, an equals sign).the plan has them",
        "names that need DN escaping (a comma, a plus, a trailing backslash, a leading #, angle brackets, an equals sign).creates every object at its planned DN",
        "names that need DN escaping (a comma, a plus, a trailing backslash, a leading #, angle brackets, an equals sign).writes nothing the second time",
        "names that need DN escaping (a comma, a plus, a trailing backslash, a leading #, angle brackets, an equals sign).writes nothing when the directory spells the same DNs with hex escapes (\\2B, \\2C, \\5C)",
        "refusals: checked before anything is written.refuses accounts, groups and computers outside the managed OU, CN=Computers included, and writes nothing",
        "the Windows DC's domain step (prod, PAR-DC01): zones and DNS records.on a DC just promoted: creates every zone and record the model wants, and nothing else",
        "the Windows DC's domain step (prod, PAR-DC01): zones and DNS records.a second run changes nothing",
        "the Windows DC's domain step (prod, PAR-DC01): zones and DNS records.repairs tampered records (a changed address, a stray second value, a wrong PTR target) and leaves the correct ones alone",
        "the Windows DC's domain step (prod, PAR-DC01): zones and DNS records.after the repair, a run changes nothing",
    ]);
});
