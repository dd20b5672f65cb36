/**
 * The HR export must not be able to take over infrastructure, nor break every later sync (issue 28): server and
 * reserved computer names, AD's own limits, common names and OU names that collide, control, invisible and
 * look-alike characters, the export's real line numbers, the last person of a department leaving.
 */
import * as fc from "fast-check";
import { readdirSync, readFileSync } from "fs";
import * as path from "path";
import { asciiFold, planDirectory, RESERVED_COMPUTER_NAMES, samPart } from "../../model/directory";
import { DirectoryLock, EMPTY_LOCK, parseDirectoryLock } from "../../model/directory-lock";
import { InputError } from "../../model/errors";
import { cleanField, HR_COLUMNS, parseHrExport } from "../../model/hr";
import { buildSiteModel } from "../../model/site";
import { ROOT, stackRaw } from "../helpers";

const SAMPLE = readFileSync(path.join(ROOT, "data", "billu-hr.csv"), "utf8");
const LINES = SAMPLE.trimEnd().split("\n");
const COMMITTED_LOCK = parseDirectoryLock(readFileSync(path.join(ROOT, "directory.lock.json"), "utf8"), "directory.lock.json");
const DEV = stackRaw("dev");
const DEPARTMENTS = new Set<string>(DEV.network.zones.filter((z: any) => z.kind === "department").map((z: any) => z.department as string));
const DEV_HOSTS = DEV.hosts.map((h: any) => ({ name: h.name as string, role: h.role as string }));

function run(csv: string, lock: DirectoryLock = EMPTY_LOCK, departments: Set<string> | undefined = DEPARTMENTS) {
    return planDirectory({
        hr: parseHrExport(Buffer.from(csv), "hr.csv"),
        lock,
        domain: "billu.remindme.lan",
        company: "BillU",
        departments,
        hosts: DEV_HOSTS,
        netbiosName: DEV.site.netbiosName,
    });
}

function problems(csv: string, departments?: Set<string>): string[] {
    return run(csv, EMPTY_LOCK, departments ?? DEPARTMENTS).problems.map((p) => `${p.path}: ${p.message}. Fix: ${p.fix}`);
}

function edited(changes: Record<number, string | null>, append: string[] = []): string {
    const out = LINES.map((l, i) => (i + 1 in changes ? changes[i + 1] : l)).filter((l): l is string => l !== null);
    return [...out, ...append].join("\n") + "\n";
}

function field(line: number, col: (typeof HR_COLUMNS)[number], value: string): string {
    const f = LINES[line - 1].split(";");
    f[HR_COLUMNS.indexOf(col)] = value;
    return f.join(";");
}

/** The problems of an export that parseHrExport refuses as a whole. */
function refused(csv: string): string[] {
    try {
        parseHrExport(Buffer.from(csv), "hr.csv");
        return [];
    } catch (e) {
        return (e as InputError).problems.map((p) => `${p.path}: ${p.message}. Fix: ${p.fix}`);
    }
}

describe("a computer name that belongs to infrastructure is refused", () => {
    test("the file server's name, in any case: the line, the value, the host and the fix", () => {
        // Line 70 is a workstation of the export; PAR-FS01 is the dev stack's file server.
        expect(problems(edited({ 70: field(70, "Nom de PC", "PAR-FS01"), 71: field(71, "Nom de PC", "par-dc01") }))).toEqual([
            "hr.csv:70: has Nom de PC \"PAR-FS01\", the name of the host PAR-FS01 (role fileserver) of this site: the directory would take over the server's machine account. Fix: rename the workstation in the HR export (a workstation never takes a server's name)",
            "hr.csv:71: has Nom de PC \"par-dc01\", the name of the host PAR-DC01 (role dc) of this site: the directory would take over the server's machine account. Fix: rename the workstation in the HR export (a workstation never takes a server's name)",
        ]);
    });

    test("every host of every committed stack, and any name of the server convention", () => {
        const stacks = readdirSync(ROOT)
            .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
            .map((f) => f.split(".")[1]);
        expect(stacks.sort()).toEqual(["dev", "ecotech", "prod"]);
        const hosts = [...new Set(stacks.flatMap((s) => stackRaw(s).hosts.map((h: any) => h.name as string)))];
        expect(hosts.length).toBeGreaterThan(5);
        for (const h of [...hosts, "LYO-SRV03", "PAR-FS02-ARCH"]) {
            const p = problems(edited({ 70: field(70, "Nom de PC", h.toLowerCase()) }));
            expect(p).toHaveLength(1);
            expect(p[0]).toMatch(
                new RegExp(`^hr\\.csv:70: has Nom de PC "${h.toLowerCase()}", (the name of the host ${h} |which follows the server naming convention)`),
            );
        }
        expect(problems(edited({ 70: field(70, "Nom de PC", "ECO-FW01") }))).toEqual([
            'hr.csv:70: has Nom de PC "ECO-FW01", which follows the server naming convention <SITE>-<ROLE><NN>[-<TAG>] (the names of the hosts of every stack). Fix: rename the workstation in the HR export with a name outside the server convention (like the export\'s PC0001)',
        ]);
    });

    test("reserved names: built-in accounts, NetBIOS reserved words, the domain's NetBIOS name; a name ending in $", () => {
        const list = [...RESERVED_COMPUTER_NAMES, "BILLU"].sort().join(", ");
        expect(
            problems(
                edited({
                    70: field(70, "Nom de PC", "krbtgt"),
                    71: field(71, "Nom de PC", "BillU"),
                    72: field(72, "Nom de PC", "SYSTEM"),
                    73: field(73, "Nom de PC", "PC0072$"),
                }),
            ),
        ).toEqual([
            `hr.csv:70: has Nom de PC "krbtgt", a name reserved by Windows or the domain (${list}). Fix: rename the workstation in the HR export`,
            `hr.csv:71: has Nom de PC "BillU", a name reserved by Windows or the domain (${list}). Fix: rename the workstation in the HR export`,
            `hr.csv:72: has Nom de PC "SYSTEM", a name reserved by Windows or the domain (${list}). Fix: rename the workstation in the HR export`,
            'hr.csv:73: has Nom de PC "PC0072$", which is not a valid computer name. Fix: use 1 to 15 letters, digits or dashes, not only digits (a NetBIOS name)',
        ]);
    });
});

describe("what a DC would refuse is refused in the plan", () => {
    test("AD's attribute limits, at the limit accepted and one over refused", () => {
        const at = edited({ 70: field(70, "Fonction", "T".repeat(128)), 71: field(71, "Nom", "N".repeat(64)), 72: field(72, "Marque PC", "M".repeat(1024)) });
        expect(problems(at)).toEqual([]);
        expect(
            problems(
                edited({
                    70: field(70, "Fonction", "T".repeat(129)),
                    71: field(71, "Nom", "N".repeat(65)),
                    72: field(72, "Prenom", "P".repeat(65)),
                    73: field(73, "Telephone fixe", "1".repeat(65)),
                    74: field(74, "Telephone portable", "6".repeat(65)),
                    75: field(75, "Marque PC", "M".repeat(1025)),
                    76: field(76, "Societe", "S".repeat(65)),
                }),
            ),
        ).toEqual([
            "hr.csv:70: has a Fonction of 129 characters, more than the 128 AD allows for title. Fix: shorten the Fonction to at most 128 characters in the HR export",
            "hr.csv:71: has a Nom of 65 characters, more than the 64 AD allows for sn. Fix: shorten the Nom to at most 64 characters in the HR export",
            "hr.csv:72: has a Prenom of 65 characters, more than the 64 AD allows for givenName. Fix: shorten the Prenom to at most 64 characters in the HR export",
            "hr.csv:73: has a Telephone fixe of 65 characters, more than the 64 AD allows for telephoneNumber. Fix: shorten the Telephone fixe to at most 64 characters in the HR export",
            "hr.csv:74: has a Telephone portable of 65 characters, more than the 64 AD allows for mobile. Fix: shorten the Telephone portable to at most 64 characters in the HR export",
            "hr.csv:75: has a Marque PC of 1025 characters, more than the 1024 AD allows for description. Fix: shorten the Marque PC to at most 1024 characters in the HR export",
            "hr.csv:76: has a Societe of 65 characters, more than the 64 AD allows for company. Fix: shorten the Societe to at most 64 characters in the HR export",
        ]);
    });

    test("two people whose common name collides in one OU: both lines and both spellings", () => {
        const csv = edited({}, [
            "M.;Jean Pierre;Dupont;BillU;Paris;QHSE;Qualité;Technicien;;;PC0990;Dell;01/01/1990;;",
            "M.;Jean;Pierre Dupont;BillU;Paris;QHSE;Qualité;Technicien;;;PC0991;Dell;02/02/1991;;",
        ]);
        expect(problems(csv)).toEqual([
            'hr.csv:170: has the common name "Jean Pierre Dupont" (Prenom "Jean", Nom "Pierre Dupont"), already the common name of line 169 (Prenom "Jean Pierre", Nom "Dupont") in OU=Qualité,OU=QHSE,OU=Utilisateurs,OU=BillU,DC=billu,DC=remindme,DC=lan: the DC would refuse the second account. Fix: ask HR to spell one of the two names differently (a hyphenated first name: Jean-Pierre), or to place them in different services',
        ]);
        // In different services, they are in different OUs: no collision.
        expect(problems(csv.replace("QHSE;Qualité;Technicien;;;PC0991", "QHSE;Sécurité;Technicien;;;PC0991"))).toEqual([]);
    });

    test("departments and services that differ only by case or accents: both lines and both values", () => {
        // Line 2: Finance et Comptabilité / Contrôle de gestion; line 3: QHSE / Sécurité.
        const lines = edited({}, [
            "M.;Zoé;Alpha;BillU;Paris;Finance et comptabilité;Contrôle de gestion;Technicien;;;PC0990;Dell;01/01/1990;;",
            "M.;Zoé;Beta;BillU;Paris;Finance et Comptabilité;contrôle de gestion;Technicien;;;PC0991;Dell;01/01/1990;;",
            "M.;Zoé;Gamma;BillU;Paris;QHSE;Securite;Technicien;;;PC0992;Dell;01/01/1990;;",
        ]);
        expect(problems(lines, new Set([...DEPARTMENTS, "Finance et comptabilité"]))).toEqual([
            'hr.csv:169: has Departement "Finance et comptabilité", which differs only by case, accents or punctuation from Departement "Finance et Comptabilité" of line 2. Fix: write the Departement the same way on every line of the HR export',
            'hr.csv:170: has Service "contrôle de gestion", which differs only by case, accents or punctuation from Service "Contrôle de gestion" of line 2. Fix: write the Service the same way on every line of the HR export',
            'hr.csv:171: has Service "Securite", which differs only by case, accents or punctuation from Service "Sécurité" of line 3. Fix: write the Service the same way on every line of the HR export',
        ]);
    });

    test("NUL, other control characters and bidirectional overrides, with the column", () => {
        expect(
            problems(
                edited({
                    70: field(70, "Fonction", "Tech\u0000nicien"),
                    71: field(71, "Nom", "Martin\u202e"),
                    72: field(72, "Telephone fixe", "01\t02"),
                }),
            ),
        ).toEqual([
            'hr.csv:70: has a control character in Fonction "Tech\\u0000nicien" (U+0000). Fix: remove the control characters (line breaks included) from these fields in the HR export',
            `hr.csv:71: has a control character in Nom "Martin\u202e" (U+202E). Fix: remove the control characters (line breaks included) from these fields in the HR export`,
            'hr.csv:72: has a control character in Telephone fixe "01\\t02" (U+0009). Fix: remove the control characters (line breaks included) from these fields in the HR export',
        ]);
    });
});

describe("identity is not fooled by invisible or look-alike characters", () => {
    test("zero-width characters and full-width letters: the same person, the same account, nothing to do", () => {
        // Line 22 is Léa Laurent (lea.laurent in the committed lock).
        const csv = edited({ 22: LINES[21].replace(";Léa;Laurent;", ";L\u200béa\ufeff;Ｌaurent\u2060;") });
        const r = run(csv, COMMITTED_LOCK);
        expect(r.problems).toEqual([]);
        expect(r.plan!.summary).toEqual({ create: 0, move: 0, update: 0, disable: 0, none: 167 });
        expect(r.plan!.people.find((p) => p.line === 22)).toMatchObject({ sam: "lea.laurent", displayName: "Léa Laurent" });
    });

    test("a Cyrillic look-alike or a letter of another script: the line, the column, the value, the fix", () => {
        expect(problems(edited({ 70: field(70, "Prenom", "\u0410lice"), 71: field(71, "Nom", "Mar\u0442in"), 72: field(72, "Prenom", "ƒrançois") }))).toEqual([
            'hr.csv:70: has Prenom "Аlice", whose "А" (U+0410) is not a Latin letter the account name can spell: it would be dropped from the account name. Fix: spell the name in Latin letters in the export',
            'hr.csv:71: has Nom "Marтin", whose "т" (U+0442) is not a Latin letter the account name can spell: it would be dropped from the account name. Fix: spell the name in Latin letters in the export',
            'hr.csv:72: has Prenom "ƒrançois", whose "ƒ" (U+0192) is not a Latin letter the account name can spell: it would be dropped from the account name. Fix: spell the name in Latin letters in the export',
        ]);
    });

    test("property: a Latin name folds to an account name with every letter, or is refused; never silently shortened", () => {
        const alphabet = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèêëàâäîïôöùûüçñÉÈÀÇØøæœßŒÆÅåłđıþƒɐǝ", " ", "-", "'", "\u2019"];
        const name = fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 30 }).map((a) => a.join(""));
        fc.assert(
            fc.property(name, (prenom) => {
                const line = `M.;${prenom};Martin;BillU;Paris;QHSE;Qualité;Technicien;;;PC0990;Dell;01/01/1990;;`;
                const r = run(`${LINES[0]}\n${line}\n`);
                if (r.problems.length > 0) {
                    expect(r.problems.every((p) => p.path === "hr.csv:2")).toBe(true);
                    return;
                }
                const letters = [...asciiFold(cleanField(prenom)).toLowerCase()].filter((c) => /\p{L}/u.test(c)).join("");
                expect(letters).not.toBe("");
                expect(samPart(prenom).replace(/[^a-z]/g, "")).toBe(letters);
            }),
            { numRuns: 500 },
        );
    });
});

describe("the export's own messages", () => {
    test("a quoted field with a line break: every later line keeps its real line number", () => {
        // Line 3's Fonction spans two lines (3 and 4): the sample's line 70 is the file's line 71.
        const csv = edited({ 3: field(3, "Fonction", '"Direc\nteur"'), 70: field(70, "Date de naissance", "1990-01-01") });
        expect(problems(csv)).toEqual([
            'hr.csv:3: has a control character in Fonction "Direc\\nteur" (U+000A). Fix: remove the control characters (line breaks included) from these fields in the HR export',
            'hr.csv:71: has Date de naissance "1990-01-01". Fix: write the date as dd/mm/yyyy',
        ]);
        // Empty lines and Windows line ends count too.
        const crlf = edited({ 3: field(3, "Fonction", '"Direc\nteur"'), 5: `${LINES[4]}\n`, 70: field(70, "Date de naissance", "1990-01-01") }).replace(
            /\n/g,
            "\r\n",
        );
        expect(problems(crlf)).toEqual([
            'hr.csv:3: has a control character in Fonction "Direc\\nteur" (U+000A). Fix: remove the control characters (line breaks included) from these fields in the HR export',
            'hr.csv:72: has Date de naissance "1990-01-01". Fix: write the date as dd/mm/yyyy',
        ]);
    });

    test("a header-only export says it has no data rows", () => {
        expect(refused(`${LINES[0]}\n`)).toEqual([
            "hr.csv: has the header line but no data rows (nobody in the export). Fix: export the staff list again with one line per person below the header; an empty export would disable every account",
        ]);
        expect(refused(`${LINES[0]}\n\n  \n`)).toHaveLength(1);
    });

    test("an impossible date is a date that does not exist, not a format error", () => {
        expect(problems(edited({ 70: field(70, "Date de naissance", "30/02/1990"), 71: field(71, "Date de naissance", "31/04/1990") }))).toEqual([
            'hr.csv:70: has Date de naissance "30/02/1990", a date that does not exist. Fix: correct the day or the month (dd/mm/yyyy) in the HR export',
            'hr.csv:71: has Date de naissance "31/04/1990", a date that does not exist. Fix: correct the day or the month (dd/mm/yyyy) in the HR export',
        ]);
        expect(problems(edited({ 70: field(70, "Date de naissance", "29/02/1992") }))).toEqual([]);
    });
});

describe("the last person of a department leaving", () => {
    test("a warning, not an error: the leaver is disabled as usual", () => {
        // Line 161 is Emma Dupont, the only person of Direction (a department zone of dev).
        const csv = edited({ 161: null });
        const m = buildSiteModel(
            stackRaw("dev"),
            () => parseHrExport(Buffer.from(csv), "data/billu-hr.csv"),
            () => COMMITTED_LOCK,
        );
        const zone = DEV.network.zones.findIndex((z: any) => z.department === "Direction");
        expect(m.directory!.warnings).toEqual([
            `billu:network.zones[${zone}] (${DEV.network.zones[zone].name}) serves Departement "Direction", which has nobody in the HR export data/billu-hr.csv: its people are disabled as leavers, its OUs and groups are kept; remove the zone once the department is closed`,
        ]);
        expect(m.directory!.summary).toEqual({ create: 0, move: 0, update: 0, disable: 1, none: 166 });
        expect(m.directory!.people.find((p) => p.action === "disable")).toMatchObject({ sam: "emma.dupont", enabled: false });
    });
});
