/**
 * Offline synth of the directory (the committed export: dev's shared synth; the edited exports: the CLI, one run at
 * a time in this process): one resource per OU and group, people and computers in chunks keyed by name (issue #24), the apply step on the first DC after the domain, directory.json and the lock; an edited export changes exactly its objects in resources.json;
 * a bad export exits 2 listing every bad line and writes nothing.
 */
import { createHash } from "crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { renderApplierPlan } from "../../components/directory/render";
import { FileServerPlan, homeDirectoriesOf } from "../../model/fileserver";
import { ipPhonesOf, TelephonyPlan } from "../../model/telephony";
import { loadModel } from "../../stacks/program";
import { readBilluConfig } from "../../tools/stack-config";
import { runTool } from "../cli";
import { ROOT, orderingDeps } from "../helpers";
import { committedSynth, Synthesized } from "./shared";

const dir = mkdtempSync(path.join(tmpdir(), "billu-directory-"));
const LINES = readFileSync(path.join(ROOT, "data", "billu-hr.csv"), "utf8")
    .trimEnd()
    .split("\n");

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
    out: string;
}

/** The synth command line, run in this process (__tests__/cli.ts). */
async function synth(name: string, ...args: string[]): Promise<Run> {
    const out = path.join(dir, name);
    return { ...(await runTool("synth", ["--stack", "dev", "--out", out, ...args])), out };
}

function csv(name: string, change: (lines: string[]) => string[]): string {
    const file = path.join(dir, name);
    writeFileSync(file, change([...LINES]).join("\n") + "\n");
    return file;
}

function set(line: string, col: number, value: string): string {
    const f = line.split(";");
    f[col] = value;
    return f.join(";");
}

type Res = {
    urn: string;
    parent?: string;
    type: string;
    name: string;
    inputs: Record<string, any>;
    options: { dependsOn: string[]; additionalSecretOutputs: string[]; replaceWith: string[] };
};
/**
 * The chunk a name belongs to, computed here on its own (the first 32 bits of the SHA-256 of the lower-cased name,
 * modulo 16): the test's oracle for components/directory/Directory.ts chunkOf.
 */
const chunk = (name: string) => String(createHash("sha256").update(name.toLowerCase()).digest().readUInt32BE(0) % 16).padStart(2, "0");

/**
 * What `pulumi preview --diff` would name between two resources' inputs: the paths of the leaves that differ
 * (`accounts["lea.laurent"].dn`), a key present on one side only as one path.
 */
function changedPaths(a: unknown, b: unknown, at = "", depth = 0): string[] {
    const obj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
    // The property, then the name it is keyed by (quoted: `lea.laurent`), then that object's fields.
    const step = (k: string) => (depth === 0 ? k : depth === 1 ? `[${JSON.stringify(k)}]` : `.${k}`);
    if (obj(a) && obj(b))
        return [...new Set([...Object.keys(a), ...Object.keys(b)])]
            .sort()
            .flatMap((k) => (k in a && k in b ? changedPaths(a[k], b[k], at + step(k), depth + 1) : [at + step(k)]));
    return JSON.stringify(a) === JSON.stringify(b) ? [] : [at];
}

const resources = (r: { out: string }): Res[] => JSON.parse(readFileSync(path.join(r.out, "resources.json"), "utf8")).resources;
const json = (r: { out: string }, f: string) => JSON.parse(readFileSync(path.join(r.out, f), "utf8"));

let committed: Synthesized;
let edited: Run;
let bad: Run;
let hostile: Run;
let closed: Run;

beforeAll(async () => {
    // Edited: line 95 (Gaëlle Thomas, 1975) leaves, line 22 (Léa Laurent, 1989) moves to DSI/Exploitation, a homonym
    // of Théo Ødegaard arrives, line 141 (the other Gaëlle Thomas) changes her mobile number and her title (the number
    // alone is an update of a secret input, `[secret]` on both sides of resources.json: __tests__/synth/directory-phones).
    const editedCsv = csv("edited.csv", (l) => [
        ...l
            .map((x, i) => (i === 21 ? set(set(x, 5, "DSI"), 6, "Exploitation") : i === 140 ? set(set(x, 14, "06 00 00 00 00"), 7, "Chargée de mission") : x))
            .filter((_, i) => i !== 94),
        "M.;Théo;Ødegaard;BillU;Paris;QHSE;Qualité;Technicien;Lucas;Van der Berg;PC0999;Dell;01/01/1990;;",
    ]);
    const badCsv = csv("bad.csv", (l) => [...l.map((x, i) => (i === 49 ? set(x, 12, "") : i === 59 ? set(x, 5, "Marketing") : x)), l[89]]);
    // Hostile: line 70's computer takes the file server's name, line 71's first name starts with a Cyrillic A.
    const hostileCsv = csv("hostile.csv", (l) => l.map((x, i) => (i === 69 ? set(x, 10, "PAR-FS01") : i === 70 ? set(x, 1, "\u0410lice") : x)));
    // Closed: line 161 (Emma Dupont) is the last person of Direction, a department zone of dev.
    const closedCsv = csv("closed.csv", (l) => l.filter((_, i) => i !== 160));
    // One synth at a time: the Pulumi runtime a synth drives is this process's (__tests__/synth/shared.ts).
    committed = await committedSynth("dev");
    edited = await synth("edited", "--hr-csv", editedCsv);
    bad = await synth("bad", "--hr-csv", badCsv);
    hostile = await synth("hostile", "--hr-csv", hostileCsv);
    closed = await synth("closed", "--hr-csv", closedCsv);
}, 240000);

describe("the committed export and lock", () => {
    test("synth is clean and writes directory.json and the lock beside resources.json", () => {
        expect([committed.r.exitCode, committed.r.error, committed.stderr]).toEqual([0, undefined, ""]);
        expect(readdirSync(committed.out).sort()).toEqual([
            ".billu-synth-output",
            "directory.json",
            "directory.lock.json",
            "docs",
            "gpo",
            "outputs.json",
            "policy-report.json",
            "rendered",
            "resources.json",
        ]);
    });

    test("one resource per OU and group; people and computers in chunks by a hash of their name; a RandomPassword for the two service accounts only, none per person (issue #24)", () => {
        const rs = resources(committed);
        const count = (t: string) => rs.filter((r) => r.type === t).length;
        const d = json(committed, "directory.json");
        const people: string[] = d.people.map((p: { sam: string }) => p.sam);
        const computers: string[] = d.computers.map((c: { name: string }) => c.name);
        // Every chunk that has a member, and no other: the resource count is OUs + groups + chunks (+ the two service accounts).
        const chunks = (names: string[]) => new Set(names.map(chunk)).size;
        expect([people.length, computers.length, chunks(people), chunks(computers)]).toEqual([167, 167, 16, 16]);
        expect([
            count("billu:directory:OrganizationalUnit"),
            count("billu:directory:Group"),
            count("billu:directory:Accounts"),
            count("billu:directory:Computers"),
            rs.filter((r) => r.type === "random:index/randomPassword:RandomPassword" && r.name.startsWith("par-directory-")).length,
            count("billu:directory:AcceptanceAccount"),
            count("billu:directory:DriftReaderAccount"),
        ]).toEqual([d.ous.length, d.groups.length, chunks(people), chunks(computers), 2, 1, 1]);
        // Each person in exactly the chunk its name hashes to, keyed by account name; each computer likewise.
        const members = (type: string, field: string) =>
            rs
                .filter((r) => r.type === type)
                .flatMap((r) => Object.keys(r.inputs[field]).map((k) => `${r.name.slice(-2)} ${k}`))
                .sort();
        expect(members("billu:directory:Accounts", "accounts")).toEqual(people.map((p) => `${chunk(p)} ${p}`).sort());
        expect(members("billu:directory:Computers", "computers")).toEqual(computers.map((c) => `${chunk(c)} ${c}`).sort());
        // The only RandomPasswords of the directory: the acceptance account's and the drift reader's (the stack must
        // know them); a person's initial password is generated on the DC by the applier, never in Pulumi state.
        expect(
            rs
                .filter((r) => r.type === "random:index/randomPassword:RandomPassword" && r.name.startsWith("par-directory-"))
                .map((r) => r.name)
                .sort(),
        ).toEqual(["par-directory-acceptance-password", "par-directory-drift-reader-password"]);
        // The drift reader (billu:directory.drift.reader): in the acceptance account's OU, in no group.
        expect(rs.find((r) => r.name === "par-directory-drift-reader")!.inputs).toEqual({
            sam: "svc-drift-read",
            upn: "svc-drift-read@billu.remindme.lan",
            dn: "CN=svc-drift-read,OU=Acceptance,OU=BillU,DC=billu,DC=remindme,DC=lan",
        });
        expect(rs.find((r) => r.name === "par-directory-drift-reader-password")!.inputs).toMatchObject({ length: 20, minSpecial: 17 });
        // The acceptance account (billu:directory.acceptance): its own password, the same alphabet as a person's.
        const acc = rs.find((r) => r.name === "par-directory-acceptance")!;
        expect(acc.inputs).toEqual({
            sam: "svc-acceptance",
            upn: "svc-acceptance@billu.remindme.lan",
            dn: "CN=svc-acceptance,OU=Acceptance,OU=BillU,DC=billu,DC=remindme,DC=lan",
            groups: ["GRP-Linux-SSH"],
            enabled: true,
        });
        expect(rs.find((r) => r.name === "par-directory-acceptance-password")!.inputs).toMatchObject({
            length: 20,
            upper: false,
            lower: false,
            minSpecial: 17,
        });
        const leaChunk = rs.find((r) => r.name === `par-directory-accounts-${chunk("lea.laurent2")}`)!;
        expect(leaChunk.parent).toBe(rs.find((r) => r.type === "billu:directory:Directory")!.urn);
        expect(leaChunk.inputs.accounts["lea.laurent2"]).toMatchObject({
            sam: "lea.laurent2",
            enabled: true,
            manager: "benoit.martinez",
            title: "Responsable",
        });
        expect(rs.filter((r) => r.parent === leaChunk.urn)).toEqual([]);
    });

    test("the apply step runs on the first DC after the domain, its passwords on stdin only", () => {
        const rs = resources(committed);
        const urn = (n: string) => rs.find((r) => r.name === n)!.urn;
        const prepare = rs.find((r) => r.name === "par-directory-apply-prepare")!;
        // ctx.after.domain: the domain's last step (DNS records, after the forest, the other DCs and FSMO).
        expect(orderingDeps(prepare)).toEqual([urn("par-domain-domain-apply")]);
        const apply = rs.find((r) => r.name === "par-directory-apply-apply")!;
        expect(apply.inputs.create).toBe("sudo -n sh '/var/lib/billu/stage/directory/run.sh'");
        expect([apply.inputs.stdin, apply.inputs.logging, apply.inputs.triggers[1]]).toEqual(["[secret]", "none", "[secret]"]);
        expect(apply.options.additionalSecretOutputs).toEqual(expect.arrayContaining(["stdout", "stderr"]));
        const plan = readFileSync(path.join(committed.out, "rendered", "PAR-DC01", "var", "lib", "billu", "directory", "plan.json"), "utf8");
        // The 167 people (no password: generated on the DC, issue #24), the acceptance account and the drift reader, whose
        // passwords are the step's only secrets.
        expect(JSON.parse(plan).users).toHaveLength(169);
        expect(
            JSON.parse(plan)
                .users.filter((u: { password?: string }) => "password" in u)
                .map((u: { sam: string }) => u.sam),
        ).toEqual(["svc-acceptance", "svc-drift-read"]);
        expect(JSON.parse(plan).onboarding).toMatchObject({ readers: "GG_DSI", share: "onboarding$", path: "/var/lib/billu/onboarding", retentionDays: 14 });
        expect(JSON.parse(plan).users[167]).toMatchObject({ sam: "svc-acceptance", password: "pw-svc-acceptance", mustChangePassword: false });
        expect(JSON.parse(plan).users[168]).toMatchObject({
            sam: "svc-drift-read",
            dn: "CN=svc-drift-read,OU=Acceptance,OU=BillU,DC=billu,DC=remindme,DC=lan",
            enabled: true,
            groups: [],
            password: "pw-svc-drift-read",
            mustChangePassword: false,
        });
        expect(JSON.parse(plan).users[168]).not.toHaveProperty("extraGroups");
        // `npm run directory:drift` compares against the plan the step ships: the same bytes from the same stack file.
        process.env.BILLU_PROJECT_ROOT ??= ROOT;
        const devModel = loadModel(readBilluConfig(path.join(ROOT, "Pulumi.dev.yaml")));
        expect(
            renderApplierPlan(
                devModel.directory!,
                ipPhonesOf(devModel.plan<TelephonyPlan>("pbx")),
                homeDirectoriesOf(devModel.plan<FileServerPlan[]>("fileserver"), devModel.domain?.fqdn),
            ),
        ).toBe(plan);
        // dev's home share (billu:fileserver.homeShare home$ on PAR-FS01, homeDrive at its default H:): in the shipped plan.
        expect(JSON.parse(plan).users.find((u: { sam: string }) => u.sam === "theo.odegaard")).toMatchObject({
            homeDirectory: "\\\\par-fs01.billu.remindme.lan\\home$\\theo.odegaard",
            homeDrive: "H:",
        });
        // The extensions the telephony plan gives (issue #26) are in the shipped plan, as AD's ipPhone.
        const ext = devModel.plan<TelephonyPlan>("pbx")!.extensions[0];
        expect(JSON.parse(plan).users.find((u: { sam: string }) => u.sam === ext.sam).ipPhone).toBe(ext.number);
        // What `npm run acceptance` and `npm run directory:drift` read: the accounts by name, their passwords secret outputs (`[secret]` here).
        const outputs = JSON.parse(readFileSync(path.join(committed.out, "outputs.json"), "utf8"));
        expect([outputs.acceptanceAccount, outputs.acceptancePassword]).toEqual(["svc-acceptance", "[secret]"]);
        expect([outputs.driftReaderAccount, outputs.driftReaderPassword]).toEqual(["svc-drift-read", "[secret]"]);
    });

    test("directory.json: every person against the lock (all none); the lock written equals the committed one", () => {
        const d = json(committed, "directory.json");
        expect(Object.keys(d)).toEqual(["domain", "hrCsv", "lock", "summary", "ous", "groups", "people", "computers", "acceptance"]);
        // The acceptance account and the group it joins (a group's members are its people and it).
        expect(d.acceptance).toEqual({ sam: "svc-acceptance", dn: "CN=svc-acceptance,OU=Acceptance,OU=BillU,DC=billu,DC=remindme,DC=lan", groups: ["GG_DSI"] });
        const people = (g: string) => d.people.filter((p: { groups: string[] }) => p.groups.includes(g)).length;
        expect(d.groups.find((g: { sam: string }) => g.sam === "GG_DSI").members).toBe(people("GG_DSI") + 1);
        expect([d.hrCsv, d.lock, d.summary]).toEqual(["data/billu-hr.csv", "directory.lock.json", { create: 0, move: 0, update: 0, disable: 0, none: 167 }]);
        expect(d.people.find((p: { sam: string }) => p.sam === "theo.odegaard")).toEqual({
            identity: "theo|odegaard|2003-12-04",
            line: 101,
            sam: "theo.odegaard",
            upn: "theo.odegaard@billu.remindme.lan",
            mail: "theo.odegaard@billu.remindme.lan",
            displayName: "Théo Ødegaard",
            ou: "OU=Analyse et conception,OU=Développement logiciel,OU=Utilisateurs,OU=BillU,DC=billu,DC=remindme,DC=lan",
            dn: "CN=Théo Ødegaard,OU=Analyse et conception,OU=Développement logiciel,OU=Utilisateurs,OU=BillU,DC=billu,DC=remindme,DC=lan",
            department: "Développement logiciel",
            service: "Analyse et conception",
            title: "Assistant",
            manager: "fatou.francois",
            computer: "PC0100",
            groups: ["GG_Personnel", "GG_Developpement-logiciel", "GG_Developpement-logiciel_Analyse-et-conception"],
            enabled: true,
            action: "none",
        });
        expect(readFileSync(path.join(committed.out, "directory.lock.json"), "utf8")).toBe(readFileSync(path.join(ROOT, "directory.lock.json"), "utf8"));
        expect(readFileSync(path.join(committed.out, "docs", "README.md"), "utf8")).toContain(
            "| Service commercial | Administration des ventes | GG_Service-commercial_Administration-des-ventes | 8 | 8 |",
        );
    });
});

describe("an edited export: exactly its objects change", () => {
    test("directory.json: one create (the homonym, a new name), one move, one update, one disable", () => {
        expect(edited.status).toBe(0);
        const d = json(edited, "directory.json");
        expect(d.summary).toEqual({ create: 1, move: 1, update: 1, disable: 1, none: 164 });
        expect(d.people.filter((p: { action: string }) => p.action !== "none").map((p: { sam: string; action: string }) => `${p.action} ${p.sam}`)).toEqual([
            "update gaelle.thomas",
            "disable gaelle.thomas2",
            "move lea.laurent",
            "create theo.odegaard2",
        ]);
        const lock = json(edited, "directory.lock.json").people;
        expect(lock.find((e: { sam: string }) => e.sam === "gaelle.thomas2").left).toBe(true);
        expect(lock.find((e: { sam: string }) => e.sam === "theo.odegaard2").identity).toBe("theo|odegaard|1990-01-01");
    });

    test("resources.json: new objects and changed inputs are exactly the arrival, the move, the update, the departure", () => {
        const before = new Map(resources(committed).map((r) => [r.urn, r]));
        const after = new Map(resources(edited).map((r) => [r.urn, r]));
        const pbxType = (u: string) => u.includes("billu:telephony:PbxServer$");
        const dirType = (u: string) =>
            !pbxType(u) && (/billu:directory:(Accounts|Computers|Group|OrganizationalUnit)::/.test(u) || u.includes("RandomPassword"));
        // The PBX: the leaver's extension (line 95's desk number, its last 5 digits: billu:telephony.extensionDigits) leaves
        // the PBX's extension count and its step's secrets; the homonym has no desk number, so no extension is added. No
        // resource comes or goes: the extensions' secrets derive from the PBX's one master key (issue #24).
        const ext = readFileSync(path.join(ROOT, "data", "billu-hr.csv"), "utf8")
            .split("\n")[94]
            .split(";")[13]
            .replace(/ /g, "")
            .slice(-5);
        expect([...before.keys()].filter((u) => !after.has(u) && pbxType(u))).toEqual([]);
        expect([...after.keys()].filter((u) => !before.has(u) && pbxType(u))).toEqual([]);
        const pbxOf = (m: Map<string, Res>) => [...m.values()].find((r) => r.type === "billu:telephony:PbxServer")!;
        expect(pbxOf(after).inputs.extensions).toBe(pbxOf(before).inputs.extensions - 1);
        const csvOf = (r: { out: string }) => readFileSync(path.join(r.out, "rendered", "PAR-PBX01", "etc", "billu", "pbx", "extensions.csv"), "utf8");
        const secretRefs = (r: { out: string }) => csvOf(r).match(/\{\{secret:[a-z]+-[0-9]+\}\}/g)!;
        expect(secretRefs(committed).filter((n) => !secretRefs(edited).includes(n))).toEqual([`{{secret:sip-${ext}}}`, `{{secret:vm-${ext}}}`]);
        const keyOf = (m: Map<string, Res>) => [...m.values()].filter((r) => r.name === "par-pbx01-extension-key");
        expect(keyOf(after)).toEqual(keyOf(before));
        expect(keyOf(after)).toHaveLength(1);
        const added = [...after.keys()].filter((u) => !before.has(u) && dirType(u)).map((u) => after.get(u)!.name);
        const removed = [...before.keys()].filter((u) => !after.has(u) && dirType(u));
        // Every changed input, as the path `pulumi preview --diff` shows under the chunk's name: each names its person
        // or computer, and sits in the one chunk that name hashes to.
        const changed = [...after.keys()]
            .filter((u) => before.has(u) && dirType(u))
            .flatMap((u) => changedPaths(before.get(u)!.inputs, after.get(u)!.inputs).map((p) => `${after.get(u)!.name} ${p}`));
        // Nothing added (the arrival's chunk already exists; no password per person, issue #24), nothing removed.
        expect(added).toEqual([]);
        expect(removed).toEqual([]);
        const a = (sam: string, field: string) => `par-directory-accounts-${chunk(sam)} accounts[${JSON.stringify(sam)}]${field}`;
        const c = (name: string, field: string) => `par-directory-computers-${chunk(name)} computers[${JSON.stringify(name)}]${field}`;
        expect(changed.sort()).toEqual(
            [
                // The arrival: a new key of its chunk, and its computer's.
                a("theo.odegaard2", ""),
                c("PC0999", ""),
                // The update: her title (the mobile number is a secret on both sides: directory-phones).
                a("gaelle.thomas", ".title"),
                // The departure, in her own chunk: disabled in the departures OU, out of her groups, no manager, and
                // the attributes HR no longer gives dropped (the applier leaves them as they were in AD).
                ...[".company", ".dn", ".enabled", ".givenName", ".groups", ".manager", ".mobile", ".sn", ".telephoneNumber", ".title"].map((f) =>
                    a("gaelle.thomas2", f),
                ),
                // The move: place, department, service and groups.
                ...[".department", ".dn", ".groups", ".service"].map((f) => a("lea.laurent", f)),
                // The leaver's computer retired, the mover's computer moved with her.
                ...[".description", ".dn", ".enabled"].map((f) => c("PC0094", f)),
                c("PC0021", ".dn"),
            ].sort(),
        );
        const leaver = after.get([...after.keys()].find((u) => u.endsWith(`::par-directory-accounts-${chunk("gaelle.thomas2")}`))!)!;
        expect(leaver.inputs.accounts["gaelle.thomas2"]).toMatchObject({
            enabled: false,
            groups: [],
            dn: "CN=Gaëlle Thomas (gaelle.thomas2),OU=Departs,OU=BillU,DC=billu,DC=remindme,DC=lan",
        });
    });
});

describe("a bad export", () => {
    test("exit 2, every bad line listed, no stack trace, nothing written", () => {
        expect(bad.status).toBe(2);
        const file = path.join(dir, "bad.csv");
        expect(bad.stderr).toBe(
            [
                "synth dev: invalid configuration (3 problems):",
                `  - ${file}:50: has no Date de naissance. Fix: fill in the missing columns in the HR export`,
                `  - ${file}:60: has Departement "Marketing", which no department zone of billu:network.zones serves. Fix: add a zone of kind department with department: "Marketing", or correct the Departement`,
                `  - ${file}:169: is the same person as line 90 (same Prenom, Nom and Date de naissance: "jean|vincent|1999-06-04"). Fix: remove the duplicate line, or correct the name or birth date`,
                "",
            ].join("\n"),
        );
        expect(existsSync(bad.out)).toBe(false);
    });
});

describe("an export that would take over a server or mangle a name (issue 28)", () => {
    test("exit 2: the file server's name and a Cyrillic look-alike, each with its line, value and fix", () => {
        const file = path.join(dir, "hostile.csv");
        expect([hostile.status, hostile.stderr]).toEqual([
            2,
            [
                "synth dev: invalid configuration (2 problems):",
                `  - ${file}:70: has Nom de PC "PAR-FS01", the name of the host PAR-FS01 (role fileserver) of this site: the directory would take over the server's machine account. Fix: rename the workstation in the HR export (a workstation never takes a server's name)`,
                `  - ${file}:71: has Prenom "Аlice", whose "А" (U+0410) is not a Latin letter the account name can spell: it would be dropped from the account name. Fix: spell the name in Latin letters in the export`,
                "",
            ].join("\n"),
        ]);
        expect(existsSync(hostile.out)).toBe(false); // a refused run creates no output folder (tools/synth.ts)
    });
});

describe("the last person of a department leaves", () => {
    test("exit 0 with a warning on stderr and in directory.json; the leaver is disabled as usual", () => {
        const file = path.join(dir, "closed.csv");
        const warning = `billu:network.zones[4] (lan-direction) serves Departement "Direction", which has nobody in the HR export ${file}: its people are disabled as leavers, its OUs and groups are kept; remove the zone once the department is closed`;
        expect([closed.status, closed.stderr]).toEqual([0, `warning: [runtime] ${warning}\n`]);
        const d = json(closed, "directory.json");
        expect([d.summary, d.warnings]).toEqual([{ create: 0, move: 0, update: 0, disable: 1, none: 166 }, [warning]]);
        expect(d.people.find((p: any) => p.action === "disable")).toMatchObject({ sam: "emma.dupont", enabled: false, groups: [] });
        expect(json(committed, "directory.json").warnings).toBeUndefined();
    });
});
