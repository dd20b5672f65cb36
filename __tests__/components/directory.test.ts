/** The directory's renderings: the appliers' plan file, the Samba and Windows steps (rendered text), the docs. */
import { spawnSync } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";
import { parseDirectoryLock } from "../../model/directory-lock";
import { buildSiteModel } from "../../model/site";
import { FileServerPlan, homeDirectoriesOf } from "../../model/fileserver";
import { ipPhonesOf, TelephonyPlan } from "../../model/telephony";
import { renderStep } from "../../components/guest-step/render";
import { directoryDocs, renderApplierPlan, renderDirectoryStep, SAMBA_PATHS, WINDOWS_PATHS } from "../../components/directory/render";
import { loadHr, ROOT, stackRaw } from "../helpers";

const lock = parseDirectoryLock(readFileSync(path.join(ROOT, "directory.lock.json"), "utf8"), "directory.lock.json");
const prodModel = buildSiteModel(stackRaw("prod"), loadHr, () => lock);
const plan = prodModel.directory!;
const ipPhones = ipPhonesOf(prodModel.plan<TelephonyPlan>("pbx"))!;
const PS1 = readFileSync(path.join(ROOT, "scripts", "directory", "Apply-Directory.ps1"), "utf8");
const PY = readFileSync(path.join(ROOT, "scripts", "directory", "apply_samba.py"), "utf8");

describe("the plan file the appliers read", () => {
    // As the site renders it: with the telephony plan's extensions and the home share's folders.
    const text = renderApplierPlan(plan, ipPhones, homeDirectoriesOf(prodModel.plan<FileServerPlan[]>("fileserver"), prodModel.domain?.fqdn));
    const doc = JSON.parse(text);

    test('ipPhone (issue #26): each person\'s extension from the telephony plan, "" for a leaver; absent without a PBX', () => {
        const users = doc.users as { sam: string; enabled: boolean; ipPhone?: string }[];
        const ext = prodModel.plan<TelephonyPlan>("pbx")!.extensions;
        expect(ext.length).toBeGreaterThan(100);
        for (const e of ext) expect(users.find((u) => u.sam === e.sam)?.ipPhone).toBe(e.number);
        // Everyone else in the export has "" (cleared); a leaver (enabled false) too: their quarantined extension rings nobody.
        const others = users.filter((u) => u.enabled && u.sam.includes(".") && !ext.some((e) => e.sam === u.sam));
        for (const u of others) expect(u.ipPhone).toBe("");
        const left = renderApplierPlan({ ...plan, people: plan.people.map((p, i) => (i === 0 ? { ...p, enabled: false } : p)) }, ipPhones);
        expect(JSON.parse(left).users[0]).toEqual({
            sam: plan.people[0].sam,
            dn: plan.people[0].dn,
            cn: plan.people[0].cn,
            enabled: false,
            groups: [],
            ipPhone: "",
        });
        // The service accounts (acceptance, drift reader) carry no key: their ipPhone is left alone.
        expect(users.filter((u) => u.sam.startsWith("svc-")).map((u) => "ipPhone" in u)).toEqual([false, false]);
        // Without a telephony plan, no key at all: the appliers leave ipPhone as it is.
        expect(renderApplierPlan(plan)).not.toContain('"ipPhone"');
    });

    test("homeDirectory and homeDrive with a home share: every enabled person's folder and the drive; no key for a leaver or a service account, nor without one", () => {
        const homes = homeDirectoriesOf(prodModel.plan<FileServerPlan[]>("fileserver"), prodModel.domain?.fqdn)!;
        // From prod's config: billu:fileserver.homeShare home$ on PAR-FS01, homeDrive left at its default.
        expect(homes).toEqual({ root: "\\\\par-fs01.billu.remindme.lan\\home$", drive: "H:" });
        const left = { ...plan, people: plan.people.map((p, i) => (i === 0 ? { ...p, enabled: false } : p)) };
        const users = JSON.parse(renderApplierPlan(left, undefined, homes)).users as {
            sam: string;
            enabled: boolean;
            homeDirectory?: string;
            homeDrive?: string;
        }[];
        const people = users.filter((u) => u.enabled && !u.sam.startsWith("svc-"));
        expect(people.length).toBeGreaterThan(100);
        for (const u of people) expect([u.homeDirectory, u.homeDrive]).toEqual([`\\\\par-fs01.billu.remindme.lan\\home$\\${u.sam}`, "H:"]);
        expect(users.filter((u) => !u.enabled || u.sam.startsWith("svc-")).map((u) => "homeDirectory" in u || "homeDrive" in u)).toEqual([false, false, false]);
        expect(renderApplierPlan(plan, ipPhones)).not.toMatch(/"home(Directory|Drive)"/);
    });

    test("the privileged groups and their only members (issue #27): the built-in Administrator, and the admin's account on a Windows DC", () => {
        // prod runs Windows DCs: its first DC's ready step makes billu:guest.adminUser a domain admin (admin-login.ts).
        expect(doc.privilegedGroups).toEqual([
            { sam: "Domain Admins", members: ["Administrator", "billu-admin"] },
            { sam: "Enterprise Admins", members: ["Administrator"] },
            { sam: "Schema Admins", members: ["Administrator"] },
        ]);
        const dev = JSON.parse(renderApplierPlan(buildSiteModel(stackRaw("dev"), loadHr, () => lock).directory!));
        expect(dev.privilegedGroups[0]).toEqual({ sam: "Domain Admins", members: ["Administrator"] });
    });

    test("every object, one per line, and nothing personal the DC does not need (no identity, no birth date)", () => {
        expect(Object.keys(doc)).toEqual([
            "version",
            "domainDn",
            "rootDn",
            "departuresDn",
            "ous",
            "groups",
            "privilegedGroups",
            "onboarding",
            "users",
            "computers",
        ]);
        // The 167 people of the export plus the acceptance account and its OU (billu:directory.acceptance) and the drift reader.
        expect([doc.ous.length, doc.groups.length, doc.users.length, doc.computers.length]).toEqual([76, 36, 169, 167]);
        expect(text.split("\n").filter((l) => l.startsWith('    {"sam":"lea.laurent2"'))).toHaveLength(1);
        expect(text).not.toMatch(/\d{2}\/\d{2}\/\d{4}|\|\d{4}-\d{2}-\d{2}|identity/);
        expect(doc.users.find((u: { sam: string }) => u.sam === "lea.laurent2")).toEqual({
            sam: "lea.laurent2",
            dn: "CN=Léa Laurent (lea.laurent2),OU=Administration des ventes,OU=Service commercial,OU=Utilisateurs,OU=BillU,DC=billu,DC=remindme,DC=lan",
            cn: "Léa Laurent (lea.laurent2)",
            enabled: true,
            upn: "lea.laurent2@billu.remindme.lan",
            mail: "lea.laurent2@billu.remindme.lan",
            displayName: "Léa Laurent",
            givenName: "Léa",
            sn: "Laurent",
            title: "Responsable",
            department: "Service commercial",
            company: "BillU",
            telephoneNumber: "01 72 56 30 18",
            mobile: "06 74 80 44 35",
            // Its extension: the last digits of its desk number (the telephony plan, model/telephony.ts).
            ipPhone: "63018",
            homeDirectory: "\\\\par-fs01.billu.remindme.lan\\home$\\lea.laurent2",
            homeDrive: "H:",
            manager: "benoit.martinez",
            groups: ["GG_Personnel", "GG_Service-commercial", "GG_Service-commercial_Administration-des-ventes"],
            // No password (issue #24): the applier generates it on the DC and writes it to the onboarding sheet.
            // prod's working hours (billu:directory.accountPolicy.logonHours): Mon-Fri 05:00-19:00 UTC, Sunday 00:00 UTC first.
            logonHours: "000000e0ff07e0ff07e0ff07e0ff07e0ff07000000",
        });
    });

    test("no person's password (issue #24): no person carries a password key; the service accounts keep theirs; the onboarding key names the readers", () => {
        const users = doc.users as { sam: string; password?: string }[];
        expect(users.filter((u) => "password" in u).map((u) => [u.sam, u.password])).toEqual([
            ["svc-acceptance", "pw-svc-acceptance"],
            ["svc-drift-read", "pw-svc-drift-read"],
        ]);
        expect(doc.onboarding).toEqual({
            readers: "GG_DSI",
            readersDn: "CN=GG_DSI,OU=Groupes,OU=BillU,DC=billu,DC=remindme,DC=lan",
            share: "onboarding$",
            path: "C:/ProgramData/billu/onboarding",
            retentionDays: 14,
        });
    });

    test("the acceptance account: its mailbox address and its department's group (billu:directory.acceptance), no person's attributes", () => {
        expect(doc.users.find((u: { sam: string }) => u.sam === "svc-acceptance")).toEqual({
            sam: "svc-acceptance",
            dn: "CN=svc-acceptance,OU=Acceptance,OU=BillU,DC=billu,DC=remindme,DC=lan",
            cn: "svc-acceptance",
            enabled: true,
            upn: "svc-acceptance@billu.remindme.lan",
            mail: "svc-acceptance@billu.remindme.lan",
            displayName: "svc-acceptance",
            givenName: "",
            sn: "",
            title: "",
            department: "",
            company: "",
            telephoneNumber: "",
            mobile: "",
            manager: "",
            groups: ["GG_DSI"],
            logonHours: "",
            password: "pw-svc-acceptance",
            mustChangePassword: false,
            extraGroups: ["GRP-Linux-SSH"],
        });
    });

    test("both appliers manage exactly the attributes the plan carries", () => {
        const user = doc.users[0] as Record<string, unknown>;
        const planned = Object.keys(user)
            // logonHours is binary and optional (only with billu:directory.accountPolicy.logonHours): handled on its own.
            .filter((k) => !["sam", "dn", "cn", "enabled", "manager", "groups", "password", "logonHours"].includes(k))
            .map((k) => (k === "upn" ? "userPrincipalName" : k))
            .sort();
        const py = /^USER_ATTRS = \[(.*)\]$/m
            .exec(PY)![1]
            .match(/"([A-Za-z]+)"/g)!
            .map((s) => s.slice(1, -1));
        expect([...py].sort()).toEqual(planned);
        const ps = [
            ...PS1.slice(PS1.indexOf("$userAttrs = [ordered]@{"), PS1.indexOf("}", PS1.indexOf("$userAttrs = [ordered]@{"))).matchAll(/(\w+) = '(\w+)'/g),
        ];
        expect(ps.map((m) => m[1]).sort()).toEqual(planned);
        expect(ps.every((m) => m[2] === (m[1] === "userPrincipalName" ? "upn" : m[1]))).toBe(true);
    });
});

describe("the Samba step", () => {
    const r = renderDirectoryStep(plan, "samba");

    test("ships the plan (0600) and the applier, runs Debian's python3 with the secrets file, no secret in any file", () => {
        // With the drift check's units (issue #27, __tests__/components/directory-drift.test.ts).
        expect(r.files.map((f) => [f.path, f.mode])).toEqual([
            [SAMBA_PATHS.plan, "0600"],
            [SAMBA_PATHS.applier, "0644"],
            ["/etc/systemd/system/billu-directory-drift.service", undefined],
            ["/etc/systemd/system/billu-directory-drift.timer", undefined],
        ]);
        expect(r.script.split("\n")).toContain(
            '/usr/bin/python3 /usr/local/lib/billu/directory/apply_samba.py --plan /var/lib/billu/directory/plan.json --secrets "$BILLU_SECRETS"',
        );
        const step = renderStep({ host: "PAR-DC01", step: "directory", os: "linux", files: r.files, script: r.script, secrets: ["pw-lea.laurent2"] });
        expect(step.command).toBe("sudo -n sh '/var/lib/billu/stage/directory/run.sh'");
        for (const f of r.files) expect(f.content).not.toMatch(/\{\{secret:/);
        expect(step.staged.find((s) => s.remotePath.endsWith("/run.sh"))!.content).not.toMatch(/\{\{secret:/);
    });

    test("the Python applier parses (python3's own parser)", () => {
        const py = spawnSync(
            "python3",
            ["-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", path.join(ROOT, "scripts", "directory", "apply_samba.py")],
            {
                encoding: "utf8",
            },
        );
        expect(py.error ? "python3 is required by the unit suite" : py.stderr).toBe("");
        expect(py.status).toBe(0);
    });

    test("the Python applier never deletes an object and never prints a password", () => {
        expect(PY).not.toMatch(/\.delete\(|changetype: delete/);
        expect(PY).toMatch(/secret = \[l\.split\("::"\)\[0\] \+ ":: \[secret\]" for l in self\.secret_lines\] if redact/);
    });
});

describe("the Windows step (rendered PowerShell; ladder level 2: no PowerShell on these machines)", () => {
    const r = renderDirectoryStep(plan, "windows");
    const run = renderStep({ host: "PAR-DC01", step: "directory", os: "windows", files: r.files, script: r.script, secrets: ["pw-lea.laurent2"] });
    const runPs1 = run.staged.find((s) => s.remotePath.endsWith("/run.ps1"))!.content;
    const code = PS1.split("\n").filter((l) => !l.trimStart().startsWith("#"));
    const WRITES =
        /\b(New-ADOrganizationalUnit|New-ADGroup|New-ADUser|New-ADComputer|Set-ADOrganizationalUnit|Set-ADGroup|Set-ADUser|Set-ADComputer|Move-ADObject|Rename-ADObject|Enable-ADAccount|Disable-ADAccount|Add-ADGroupMember|Remove-ADGroupMember)\b/;

    test("run.ps1 installs the plan and the applier, then dot-sources it and applies the plan", () => {
        expect(r.files.map((f) => f.path)).toEqual([WINDOWS_PATHS.plan, WINDOWS_PATHS.applier, "C:/ProgramData/billu/directory/drift-task.ps1"]);
        // Then the drift task's registration (issue #27, __tests__/components/directory-drift.test.ts).
        expect(runPs1.split("\r\n").slice(-9, -5)).toEqual([
            "# same plan twice writes nothing. Initial passwords come from the step's secrets (stdin), never a file.",
            ". 'C:/ProgramData/billu/directory/Apply-Directory.ps1'",
            "Invoke-BilluDirectory -PlanPath 'C:/ProgramData/billu/directory/plan.json'",
            "# scripts/directory/drift-task-step.ps1: the call that follows directory.ps1 in a Windows first DC's directory step",
        ]);
        expect(runPs1).toContain("Install-BilluFile 'C:/ProgramData/billu/directory/plan.json'");
    });

    test("every write is counted: each AD write is followed by Write-Change, so 'nothing to write' means nothing was", () => {
        const writes = code.map((l, i) => [l, i] as const).filter(([l]) => WRITES.test(l));
        expect(writes.length).toBeGreaterThan(15);
        for (const [l, i] of writes) expect([l.trim(), code[i + 1].trim().split(" ")[0]]).toEqual([l.trim(), "Write-Change"]);
        expect(PS1).toContain('if ($script:BilluDirectoryChanges -eq 0) {\n        Write-Output "directory: nothing to write');
    });

    test("the state is read, and refusals thrown, before the first write", () => {
        const firstWrite = code.findIndex((l) => WRITES.test(l));
        const lastRead = code.map((l) => /\bGet-AD(User|Group|Computer|OrganizationalUnit)\b/.test(l)).lastIndexOf(true);
        const refusal = code.findIndex((l) => l.includes('throw "directory: nothing written'));
        expect(lastRead).toBeLessThan(firstWrite);
        expect(refusal).toBeGreaterThan(lastRead);
        expect(refusal).toBeLessThan(firstWrite);
    });

    test("nothing is ever deleted; a service account's password from the step's secrets, a person's generated (issue #24), to change at first logon", () => {
        expect(PS1).not.toMatch(/Remove-AD(User|Object|OrganizationalUnit|Group|Computer)\b/);
        expect(PS1).toContain("$initial = if ($generated) { New-BilluInitialPassword } else { Get-BilluSecret $u.password }");
        expect(PS1).toContain("AccountPassword = (ConvertTo-SecureString $initial -AsPlainText -Force)");
        // Every person must change it; the acceptance account (mustChangePassword: false in the plan) keeps its own.
        expect(PS1).toContain("ChangePasswordAtLogon = ($u.mustChangePassword -ne $false)");
        expect(code.join("\n").match(/Get-BilluSecret/g)).toHaveLength(2);
        expect(PS1).not.toMatch(/Write-(Output|Host|Change)[^\n]*(password|Secret)/i);
    });

    test("balanced braces and parentheses (a cheap syntax guard)", () => {
        const count = (c: string) => PS1.split(c).length - 1;
        expect(count("{")).toBe(count("}"));
        expect(count("(")).toBe(count(")"));
    });
});

test("docs: one row per service, then the departures", () => {
    const d = directoryDocs(plan);
    expect(d.columns).toEqual(["department", "service", "group", "accounts", "computers"]);
    expect(d.rows).toHaveLength(27);
    expect(d.rows[0]).toEqual([
        "Communication et Relations publiques",
        "Communication interne",
        "GG_Communication-et-Relations-publiques_Communication-interne",
        3,
        3,
    ]);
    expect(d.rows[26]).toEqual(["(departures)", "OU=Departs,OU=BillU,DC=billu,DC=remindme,DC=lan", "", 0, 0]);
    expect(d.rows.slice(0, 26).reduce((n, r) => n + (r[3] as number), 0)).toBe(167);
});
