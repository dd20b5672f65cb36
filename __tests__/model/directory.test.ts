/** The directory plan: names, the lock (arrivals, homonyms, moves, departures), every bad line at once. */
import * as fc from "fast-check";
import { readFileSync } from "fs";
import * as path from "path";
import { asciiFold, DirectoryPlan, identityOf, planDirectory, samCandidate, SAM_MAX } from "../../model/directory";
import { DirectoryLock, EMPTY_LOCK, parseDirectoryLock, renderDirectoryLock } from "../../model/directory-lock";
import { InputError } from "../../model/errors";
import { HR_COLUMNS, parseHrExport } from "../../model/hr";
import { buildSiteModel } from "../../model/site";
import { loadHr, ROOT, stackRaw } from "../helpers";

const SAMPLE = readFileSync(path.join(ROOT, "data", "billu-hr.csv"), "utf8");
const LINES = SAMPLE.trimEnd().split("\n");
const COMMITTED_LOCK = parseDirectoryLock(readFileSync(path.join(ROOT, "directory.lock.json"), "utf8"), "directory.lock.json");
const DEPARTMENTS = new Set<string>(
    stackRaw("dev")
        .network.zones.filter((z: any) => z.kind === "department")
        .map((z: any) => z.department as string),
);

function plan(csv: string, lock: DirectoryLock = EMPTY_LOCK): DirectoryPlan {
    const r = planDirectory({ hr: parseHrExport(Buffer.from(csv), "hr.csv"), lock, domain: "billu.remindme.lan", company: "BillU", departments: DEPARTMENTS });
    expect(r.problems).toEqual([]);
    return r.plan!;
}

function problems(csv: string): string[] {
    const r = planDirectory({
        hr: parseHrExport(Buffer.from(csv), "hr.csv"),
        lock: EMPTY_LOCK,
        domain: "billu.remindme.lan",
        company: "BillU",
        departments: DEPARTMENTS,
    });
    return r.problems.map((p) => `${p.path}: ${p.message}. Fix: ${p.fix}`);
}

/** The sample with some lines replaced (by 1-based line number), removed (null) or appended. */
function edited(changes: Record<number, string | null>, append: string[] = []): string {
    const out = LINES.map((l, i) => (i + 1 in changes ? changes[i + 1] : l)).filter((l): l is string => l !== null);
    return [...out, ...append].join("\n") + "\n";
}

function field(line: number, col: (typeof HR_COLUMNS)[number], value: string): string {
    const f = LINES[line - 1].split(";");
    f[HR_COLUMNS.indexOf(col)] = value;
    return f.join(";");
}

const person = (p: DirectoryPlan, sam: string) => p.people.find((x) => x.sam === sam)!;

describe("names", () => {
    test("ASCII folding: accents, ø, æ, œ, ß", () => {
        expect(asciiFold("Éléonore Ødegaard Cæcilie Œdipe Straße Loïc Gaëlle")).toBe("Eleonore Odegaard Caecilie OEdipe Strasse Loic Gaelle");
    });

    test("account names: <first>.<last>, letters, digits and dashes only; initials when too long; suffixes fit", () => {
        expect(samCandidate("Théo", "Ødegaard", 1)).toBe("theo.odegaard");
        expect(samCandidate("Anaïs", "N'Diaye", 1)).toBe("anais.ndiaye");
        expect(samCandidate("Thomas", "Van der Berg", 1)).toBe("thomas.vanderberg");
        expect(samCandidate("Benoît", "Saint-Éxupéry", 1)).toBe("benoit.saint-exupery");
        expect(samCandidate("Jean-François", "Martinez", 1)).toBe("jf.martinez");
        expect(samCandidate("Léa", "Laurent", 2)).toBe("lea.laurent2");
        expect(samCandidate("Marie-Hélène", "Da Silva", 12)).toBe("mh.dasilva12");
        expect(samCandidate("Maximilien", "Bartholomew-Fitzgerald", 1)).toBe("m.bartholomew-fitzge");
    });

    test("property: every account name is at most 20 characters of [a-z0-9.-], whatever the name", () => {
        fc.assert(
            fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 999 }), (f, l, n) => {
                const s = samCandidate(`a${f}`, `b${l}`, n);
                return s.length <= SAM_MAX && /^[a-z0-9][a-z0-9.-]*$/.test(s) && (n === 1 || s.endsWith(String(n)));
            }),
        );
    });

    test("property: names are unique (account and mail, case-insensitive) for any crowd of homonyms", () => {
        const first = fc.constantFrom("Léa", "Lea", "LÉA", "Jean-François", "Jean-Francois", "Théo");
        const last = fc.constantFrom("Laurent", "LAURENT", "Ødegaard", "Odegaard", "Martinez", "Bartholomew-Fitzgerald");
        fc.assert(
            fc.property(
                fc.uniqueArray(fc.tuple(first, last, fc.integer({ min: 1, max: 28 })), {
                    minLength: 1,
                    maxLength: 60,
                    selector: (t) => identityOf(t[0], t[1], `${String(t[2]).padStart(2, "0")}/01/1990`),
                }),
                (people) => {
                    const rows = people.map(
                        ([f, l, d], i) => `M.;${f};${l};BillU;Paris;DSI;Exploitation;Technicien;;;PCX${i};HP;${String(d).padStart(2, "0")}/01/1990;;`,
                    );
                    const p = plan([LINES[0], ...rows].join("\n") + "\n");
                    const sams = p.people.map((x) => x.sam.toLowerCase());
                    const mails = p.people.map((x) => x.mail.toLowerCase());
                    return new Set(sams).size === sams.length && new Set(mails).size === mails.length && sams.every((s) => s.length <= SAM_MAX);
                },
            ),
            { numRuns: 50 },
        );
    });
});

describe("the plan of the sample export", () => {
    const p = plan(SAMPLE);

    test("OU tree, groups, accounts and computers", () => {
        expect(p.rootDn).toBe("OU=BillU,DC=billu,DC=remindme,DC=lan");
        expect(p.ous).toHaveLength(5 + 2 * 9 + 2 * 26);
        expect(p.ous.slice(0, 5).map((o) => o.dn)).toEqual([
            "OU=BillU,DC=billu,DC=remindme,DC=lan",
            "OU=Utilisateurs,OU=BillU,DC=billu,DC=remindme,DC=lan",
            "OU=Ordinateurs,OU=BillU,DC=billu,DC=remindme,DC=lan",
            "OU=Groupes,OU=BillU,DC=billu,DC=remindme,DC=lan",
            "OU=Departs,OU=BillU,DC=billu,DC=remindme,DC=lan",
        ]);
        expect(p.ous.map((o) => o.dn)).toContain("OU=Fiscalité,OU=Finance et Comptabilité,OU=Ordinateurs,OU=BillU,DC=billu,DC=remindme,DC=lan");
        expect(p.groups).toHaveLength(1 + 9 + 26);
        expect(p.groups[0]).toEqual({
            sam: "GG_Personnel",
            dn: "CN=GG_Personnel,OU=Groupes,OU=BillU,DC=billu,DC=remindme,DC=lan",
            description: "All BillU staff",
            kind: "all",
        });
        expect(p.people).toHaveLength(167);
        expect(p.computers).toHaveLength(167);
        expect(p.summary).toEqual({ create: 167, move: 0, update: 0, disable: 0, none: 0 });
    });

    test("one account in full: place, attributes, manager, groups, computer", () => {
        const lea = person(p, "lea.laurent2");
        expect(lea).toEqual({
            identity: "lea|laurent|1997-06-21",
            line: 28,
            sam: "lea.laurent2",
            upn: "lea.laurent2@billu.remindme.lan",
            mail: "lea.laurent2@billu.remindme.lan",
            cn: "Léa Laurent (lea.laurent2)",
            dn: "CN=Léa Laurent (lea.laurent2),OU=Administration des ventes,OU=Service commercial,OU=Utilisateurs,OU=BillU,DC=billu,DC=remindme,DC=lan",
            ou: "OU=Administration des ventes,OU=Service commercial,OU=Utilisateurs,OU=BillU,DC=billu,DC=remindme,DC=lan",
            displayName: "Léa Laurent",
            attributes: {
                givenName: "Léa",
                sn: "Laurent",
                title: "Responsable",
                company: "BillU",
                telephoneNumber: "01 72 56 30 18",
                mobile: "06 74 80 44 35",
            },
            department: "Service commercial",
            service: "Administration des ventes",
            manager: "benoit.martinez",
            groups: ["GG_Personnel", "GG_Service-commercial", "GG_Service-commercial_Administration-des-ventes"],
            enabled: true,
            action: "create",
            computer: "PC0027",
        });
        expect(p.computers.find((c) => c.name === "PC0027")).toEqual({
            name: "PC0027",
            sam: "PC0027$",
            dn: "CN=PC0027,OU=Administration des ventes,OU=Service commercial,OU=Ordinateurs,OU=BillU,DC=billu,DC=remindme,DC=lan",
            ou: "OU=Administration des ventes,OU=Service commercial,OU=Ordinateurs,OU=BillU,DC=billu,DC=remindme,DC=lan",
            description: "Lenovo",
            owner: "lea.laurent2",
            enabled: true,
            line: 28,
        });
    });

    test("homonyms: the elder gets the plain name, whatever the line order; every name unique and short", () => {
        expect(person(p, "lea.laurent").identity).toBe("lea|laurent|1989-11-20");
        expect(person(p, "lea.laurent").cn).toBe("Léa Laurent");
        const reversed = plan([LINES[0], ...LINES.slice(1).reverse()].join("\n") + "\n");
        expect(reversed.people.map((x) => [x.identity, x.sam])).toEqual(p.people.map((x) => [x.identity, x.sam]));
        expect(new Set(p.people.map((x) => x.sam)).size).toBe(167);
        expect(new Set(p.people.map((x) => x.mail)).size).toBe(167);
        expect(Math.max(...p.people.map((x) => x.sam.length))).toBeLessThanOrEqual(20);
        expect(person(p, "jf.martinez").mail).toBe("jean-francois.martinez@billu.remindme.lan");
    });

    test("the committed lock is this plan's lock, byte for byte", () => {
        expect(renderDirectoryLock(p.lock)).toBe(readFileSync(path.join(ROOT, "directory.lock.json"), "utf8"));
    });
});

describe("the lock: arrivals, homonyms, moves, departures", () => {
    // Line 95: Gaëlle Thomas (1975) leaves; line 22: Léa Laurent (1989) moves to DSI/Exploitation; a new Théo
    // Ødegaard (a homonym) arrives; line 141's phone number changes.
    const csv = edited(
        {
            22: field(22, "Departement", "DSI").replace("Contrôle de gestion", "Exploitation"),
            95: null,
            141: field(141, "Telephone portable", "06 00 00 00 00"),
        },
        ["M.;Théo;Ødegaard;BillU;Paris;QHSE;Qualité;Technicien;Lucas;Van der Berg;PC0999;Dell;01/01/1990;;"],
    );
    const after = plan(csv, COMMITTED_LOCK);

    test("actions against the lock: one create, one move, one update, one disable, the rest none", () => {
        expect(after.summary).toEqual({ create: 1, move: 1, update: 1, disable: 1, none: 164 });
        expect(after.people.filter((x) => x.action !== "none").map((x) => [x.sam, x.action])).toEqual([
            ["gaelle.thomas", "update"],
            ["gaelle.thomas2", "disable"],
            ["lea.laurent", "move"],
            ["theo.odegaard2", "create"],
        ]);
    });

    test("nobody is renamed: every identity of the lock keeps its account name and mail", () => {
        for (const e of COMMITTED_LOCK.people) {
            const x = after.people.find((q) => q.identity === e.identity)!;
            expect([x.sam, x.mail]).toEqual([e.sam, e.mail]);
        }
        expect(person(after, "theo.odegaard2")).toMatchObject({
            identity: "theo|odegaard|1990-01-01",
            cn: "Théo Ødegaard (theo.odegaard2)",
            mail: "theo.odegaard2@billu.remindme.lan",
        });
    });

    test("a move changes the OU and the groups", () => {
        expect(person(after, "lea.laurent")).toMatchObject({
            ou: "OU=Exploitation,OU=DSI,OU=Utilisateurs,OU=BillU,DC=billu,DC=remindme,DC=lan",
            groups: ["GG_Personnel", "GG_DSI", "GG_DSI_Exploitation"],
        });
        expect(after.computers.find((c) => c.name === "PC0021")!.ou).toBe("OU=Exploitation,OU=DSI,OU=Ordinateurs,OU=BillU,DC=billu,DC=remindme,DC=lan");
    });

    test("a departure: disabled in the departures OU, in no group, kept in the lock as left", () => {
        expect(person(after, "gaelle.thomas2")).toMatchObject({
            dn: "CN=Gaëlle Thomas (gaelle.thomas2),OU=Departs,OU=BillU,DC=billu,DC=remindme,DC=lan",
            enabled: false,
            groups: [],
            action: "disable",
        });
        expect(after.lock.people.find((e) => e.sam === "gaelle.thomas2")).toMatchObject({ left: true, department: "DSI", service: "Exploitation" });
        expect(after.lock.people).toHaveLength(168);
        expect(after.computers.find((c) => c.name === "PC0094")).toEqual({
            name: "PC0094",
            sam: "PC0094$",
            dn: "CN=PC0094,OU=Departs,OU=BillU,DC=billu,DC=remindme,DC=lan",
            ou: "OU=Departs,OU=BillU,DC=billu,DC=remindme,DC=lan",
            owner: "gaelle.thomas2",
            enabled: false,
        });
        expect(after.lock.computers.find((c) => c.name === "PC0094")).toEqual({ name: "PC0094", owner: "gaelle.thomas2", left: true });
    });

    test("a later plan: the leaver stays disabled (none); their name is never reused; a return moves them back", () => {
        const lock = { people: after.lock.people, computers: after.lock.computers };
        const again = plan(csv, lock);
        expect(again.summary).toEqual({ create: 0, move: 0, update: 0, disable: 0, none: 168 });
        const another = plan(edited({ 95: null }, ["Mme;Gaëlle;Thomas;BillU;Paris;QHSE;Qualité;Technicien;;;PC0998;HP;01/01/2001;;"]), lock);
        expect(person(another, "gaelle.thomas3")).toMatchObject({ identity: "gaelle|thomas|2001-01-01", action: "create" });
        const back = plan(SAMPLE, lock);
        expect(person(back, "gaelle.thomas2")).toMatchObject({ enabled: true, action: "move", groups: ["GG_Personnel", "GG_DSI", "GG_DSI_Exploitation"] });
    });

    test("identity is case-, accent- and space-insensitive: a respelled name is the same person (an update)", () => {
        const respelled = plan(edited({ 22: LINES[21].replace(";Léa;Laurent;", ";  LEA ;laurent;") }), COMMITTED_LOCK);
        expect(person(respelled, "lea.laurent")).toMatchObject({ action: "update", displayName: "LEA laurent", cn: "LEA laurent" });
        expect(respelled.summary.create).toBe(0);
    });
});

describe("bad input: the whole export is checked, every bad line reported at once", () => {
    test("every kind of bad line, in line order, with exact messages", () => {
        const csv = edited(
            {
                40: LINES[39].split(";").slice(0, 14).join(";"),
                50: field(50, "Date de naissance", ""),
                55: field(55, "Service", ""),
                60: field(60, "Departement", "Marketing"),
                70: field(70, "Nom de PC", "pc0001"),
                75: field(75, "Nom de PC", "PC 75"),
                80: field(80, "Manager-Nom", ""),
                85: field(85, "Prenom", "李"),
            },
            [
                LINES[89],
                "M.;Paul;Durand;BillU;Paris;QHSE;Qualité;Technicien;Paul;Inconnu;PC0997;Dell;03/03/1993;;",
                "M.;Paul;Martin;BillU;Paris;QHSE;Qualité;Technicien;Léa;Laurent;PC0996;Dell;04/04/1994;;",
            ],
        );
        expect(problems(csv)).toEqual([
            "hr.csv:40: has 14 columns. Fix: give every line the 15 columns of the header",
            "hr.csv:50: has no Date de naissance. Fix: fill in the missing columns in the HR export",
            "hr.csv:55: has no Service. Fix: fill in the missing columns in the HR export",
            'hr.csv:60: has Departement "Marketing", which no department zone of billu:network.zones serves. Fix: add a zone of kind department with department: "Marketing", or correct the Departement',
            'hr.csv:70: has Nom de PC "pc0001", already the computer of line 2. Fix: give every computer its own name',
            'hr.csv:75: has Nom de PC "PC 75", which is not a valid computer name. Fix: use 1 to 15 letters, digits or dashes, not only digits (a NetBIOS name)',
            'hr.csv:80: has Manager-Prenom "Benoît" but no Manager-Nom. Fix: fill in both manager columns, or neither',
            'hr.csv:85: has Prenom "李", whose "李" (U+674E) is not a Latin letter the account name can spell: it would be dropped from the account name. Fix: spell the name in Latin letters in the export',
            'hr.csv:169: is the same person as line 90 (same Prenom, Nom and Date de naissance: "jean|vincent|1999-06-04"). Fix: remove the duplicate line, or correct the name or birth date',
            'hr.csv:170: has manager "Paul Inconnu", who is not in the export. Fix: correct Manager-Prenom and Manager-Nom, or add the manager to the export',
            'hr.csv:171: has manager "Léa Laurent", who matches several people (lines 22, 28). Fix: the export names a manager by first and last name only: ask HR to tell the homonyms apart in their names, or leave the manager empty',
        ]);
    });

    test("a manager whose line is repeated: the repeat is reported, not an ambiguity on every report", () => {
        // Line 2 is Sarah Fournier, manager of 18 people.
        expect(problems(edited({}, [LINES[1]]))).toEqual([
            'hr.csv:169: is the same person as line 2 (same Prenom, Nom and Date de naissance: "sarah|fournier|1981-12-14"). Fix: remove the duplicate line, or correct the name or birth date',
        ]);
    });

    test("a manager whose own line is bad is reported on that line only, not as missing on every report", () => {
        // Line 2 is Sarah Fournier, manager of 18 people: only her line is reported.
        expect(problems(edited({ 2: field(2, "Date de naissance", "31/02/1981") }))).toEqual([
            'hr.csv:2: has Date de naissance "31/02/1981", a date that does not exist. Fix: correct the day or the month (dd/mm/yyyy) in the HR export',
        ]);
    });

    test("a group name (and a resource name) that two services would share", () => {
        // Line 31 is in Service commercial / Service client, like line 14: "Service  client!" folds to the same name.
        expect(problems(edited({ 31: field(31, "Service", "Service  client!") }))).toEqual([
            'hr.csv:31: has Service "Service  client!", which differs only by case, accents or punctuation from Service "Service client" of line 14. Fix: write the Service the same way on every line of the HR export',
        ]);
    });

    test("undecodable, empty and wrong-header files stop at once", () => {
        const fail = (bytes: Buffer) => {
            try {
                parseHrExport(bytes, "hr.csv");
                return [];
            } catch (e) {
                return (e as InputError).problems.map((p) => `${p.path}: ${p.message}`);
            }
        };
        expect(fail(Buffer.from([0x50, 0x72, 0xe9, 0x6e, 0x6f, 0x6d, 0x0a]))).toEqual(["hr.csv: is not valid UTF-8 text"]);
        expect(fail(Buffer.from(""))).toEqual(["hr.csv: is empty"]);
        expect(fail(Buffer.from("Prenom;Nom\n"))).toEqual(['hr.csv:1: header is "Prenom;Nom"']);
        expect(fail(Buffer.from(`${LINES[0]}\n"M.;Jean\n`))).toEqual([expect.stringMatching(/^hr\.csv:\d+: cannot be read as CSV/)]);
        expect(fail(Buffer.from("\ufeff" + SAMPLE))).toEqual([]);
    });

    test("through buildSiteModel: the export's bad lines come with the config's problems, in one error", () => {
        const raw = stackRaw("dev");
        raw.hosts[1].vmId = 5;
        let message = "";
        try {
            buildSiteModel(raw, () => parseHrExport(Buffer.from(edited({ 50: field(50, "Date de naissance", "") })), "data/billu-hr.csv"));
        } catch (e) {
            message = (e as Error).message;
        }
        expect(message).toBe(
            [
                "invalid configuration (2 problems):",
                "  - billu:hosts[1].vmId: 5 is out of range. Fix: use a Proxmox VM id from 100 to 999999999",
                "  - data/billu-hr.csv:50: has no Date de naissance. Fix: fill in the missing columns in the HR export",
            ].join("\n"),
        );
    });

    test("a bad lock: every problem named by its place in the file", () => {
        const text = readFileSync(path.join(ROOT, "directory.lock.json"), "utf8");
        const doc = JSON.parse(text);
        doc.people[3].sam = doc.people[2].sam;
        doc.people[5].digest = "nope";
        expect(() => parseDirectoryLock(JSON.stringify(doc), "directory.lock.json")).toThrow(
            [
                "invalid directory lock (2 problems):",
                '  - directory.lock.json.people[5].digest: is "nope", which must be 12 hex digits. Fix: restore it from git, or correct the entry',
                `  - directory.lock.json.people[3].sam: "${doc.people[2].sam}" is already the sam of people[2]. Fix: keep one entry per person, name and computer (restore the lock from git)`,
            ].join("\n"),
        );
        expect(() => parseDirectoryLock("{", "directory.lock.json")).toThrow("directory.lock.json: is not valid JSON");
    });

    test("the site model carries the plan; the dev config's lock loader is used", () => {
        const m = buildSiteModel(stackRaw("dev"), loadHr, (p) => {
            expect(p).toBe("directory.lock.json");
            return COMMITTED_LOCK;
        });
        expect(m.directory!.summary).toEqual({ create: 0, move: 0, update: 0, disable: 0, none: 167 });
    });
});
