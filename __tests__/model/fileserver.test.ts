/** The file server plan: the default shares and groups, the array identity, and every bad input with its message. */
import fc from "fast-check";
import { arrayIdentity, departmentGroup, departmentShareName, groupPart, serviceGroup } from "../../model/fileserver";
import { buildSiteModel } from "../../model/site";
import { readFileSync } from "fs";
import path from "path";
import { parseDirectoryLock } from "../../model/directory-lock";
import { loadHr, model, problemsOf, ROOT, stackRaw } from "../helpers";

describe("group naming convention", () => {
    test.each([
        ["Direction", "GG_Direction"],
        ["Finance et Comptabilité", "GG_Finance-et-Comptabilite"],
        ["Développement logiciel", "GG_Developpement-logiciel"],
        ["Communication et Relations publiques", "GG_Communication-et-Relations-publiques"],
        ["  Cœur  d'équipe ", "GG_Coeur-d-equipe"],
    ])("%s -> %s", (dept, group) => expect(departmentGroup(dept)).toBe(group));

    test("service groups carry their department", () => {
        expect(serviceGroup("DSI", "Sécurité SI")).toBe("GG_DSI_Securite-SI");
        expect(serviceGroup("QHSE", "Sécurité")).toBe("GG_QHSE_Securite");
    });

    test("any department gives an ASCII group name and a valid share name", () => {
        fc.assert(
            fc.property(
                fc.string({ minLength: 1, maxLength: 80 }).filter((s) => /[A-Za-z0-9]/.test(s)),
                (d) => {
                    expect(groupPart(d)).toMatch(/^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/);
                    expect(departmentShareName(d)).toMatch(/^[a-z0-9][a-z0-9-]{0,62}$/);
                    expect(departmentShareName(d).endsWith("-")).toBe(false);
                },
            ),
        );
    });
});

describe("the dev plan", () => {
    const plan = model(stackRaw("dev")).fileservers![0];

    test("one share per department zone, read/write for its group, then the common share", () => {
        expect(plan.shares.map((s) => [s.name, s.kind, s.groups.join(",")])).toEqual([
            ["direction", "department", "GG_Direction"],
            ["dsi", "department", "GG_DSI"],
            ["developpement-logiciel", "department", "GG_Developpement-logiciel"],
            ["finance-et-comptabilite", "department", "GG_Finance-et-Comptabilite"],
            ["ressources-humaines", "department", "GG_Ressources-humaines"],
            ["service-commercial", "department", "GG_Service-commercial"],
            ["service-juridique", "department", "GG_Service-juridique"],
            ["qhse", "department", "GG_QHSE"],
            ["communication-et-relations-publiques", "department", "GG_Communication-et-Relations-publiques"],
            ["commun", "common", "GG_Personnel"],
        ]);
        expect(plan.adminGroup).toBe("Domain Admins");
        expect(plan.workgroup).toBe("BILLU");
    });

    test("the mirror: the host's two data disks, a stable identity per host", () => {
        expect(plan.flavor).toBe("linux");
        expect(plan.array.disks).toEqual([
            { index: 1, datastore: "data-a", sizeGiB: 16 },
            { index: 2, datastore: "data-b", sizeGiB: 16 },
        ]);
        expect(plan.array.mdUuid).toMatch(/^[0-9a-f]{8}(:[0-9a-f]{8}){3}$/);
        expect(plan.array.fsUuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(arrayIdentity("billu.remindme.lan", "PAR-FS01")).toEqual({ mdUuid: plan.array.mdUuid, fsUuid: plan.array.fsUuid });
        expect(arrayIdentity("billu.remindme.lan", "PAR-FS02").mdUuid).not.toBe(plan.array.mdUuid);
    });

    test("the home share: one folder per enabled account of the directory plan, and a leaver gets none", () => {
        const m = model(stackRaw("dev"));
        const h = m.fileservers![0].homes!;
        const enabled = m.directory!.people.filter((p) => p.enabled).map((p) => p.sam);
        expect(enabled.length).toBeGreaterThan(100);
        expect({ name: h.name, folder: h.folder, group: h.group }).toEqual({ name: "home$", folder: "home", group: "GG_Personnel" });
        expect(h.users).toEqual([...enabled].sort());
        // A leaver (in the lock, gone from the export) stays in the directory plan, disabled: no folder is planned for them.
        // The last line of the export leaves (the committed lock still has them): their account is disabled.
        const hr = loadHr(stackRaw("dev").directory.hrCsv);
        const last = hr.rows[hr.rows.length - 1];
        const left = m.directory!.people.find((p) => p.line === last.line)!.sam;
        const lock = parseDirectoryLock(readFileSync(path.join(ROOT, "directory.lock.json"), "utf8"), "directory.lock.json");
        const withLeaver = buildSiteModel(
            stackRaw("dev"),
            (p) => ({ ...loadHr(p), rows: loadHr(p).rows.slice(0, -1) }),
            () => lock,
        );
        expect(withLeaver.directory!.people.find((p) => p.sam === left)?.enabled).toBe(false);
        expect(withLeaver.fileservers![0].homes!.users).not.toContain(left);
        expect(withLeaver.fileservers![0].homes!.users).toHaveLength(enabled.length - 1);
    });

    test("an explicit share list replaces the default", () => {
        const raw = stackRaw("dev");
        raw.fileserver.shares = [
            { name: "dsi", department: "DSI" },
            { name: "support", groups: ["GG_DSI_Support-utilisateurs", "GG_Direction"], comment: "Support" },
            { name: "tous", groups: ["GG_Personnel"] },
        ];
        expect(model(raw).fileservers![0].shares).toEqual([
            { name: "dsi", kind: "department", department: "DSI", groups: ["GG_DSI"], comment: "DSI (department share)" },
            { name: "support", kind: "custom", department: undefined, groups: ["GG_DSI_Support-utilisateurs", "GG_Direction"], comment: "Support" },
            { name: "tous", kind: "common", department: undefined, groups: ["GG_Personnel"], comment: "Common share (all staff)" },
        ]);
    });
});

describe("bad input: one clear message each (key path, value received, fix)", () => {
    const fs = 3; // billu:hosts[3] is PAR-FS01 in the dev stack
    const cases: [string, (r: Record<string, any>) => void, string[]][] = [
        [
            "both data disks on one datastore",
            (r) => (r.hosts[fs].disks[2].datastore = "data-a"),
            [
                'billu:hosts[3].disks[2].datastore: "data-a" is also the datastore of disks[1]. Fix: put the two data disks on distinct datastores (e.g. local-lvm or data-b or backup), so losing one datastore leaves one half of the mirror',
            ],
        ],
        [
            "data disks of different sizes",
            (r) => (r.hosts[fs].disks[2].sizeGiB = 20),
            [
                "billu:hosts[3].disks[2].sizeGiB: is 20 but disks[1].sizeGiB is 16. Fix: give both data disks the same size: a mirror is only as large as its smaller disk",
            ],
        ],
        [
            "a single data disk",
            (r) => r.hosts[fs].disks.pop(),
            [
                "billu:hosts[3].disks: gives PAR-FS01 1 data disk after the OS disk. Fix: give a file server exactly three disks: the OS disk, then two data disks of the same size on two distinct datastores",
            ],
        ],
        [
            "a share for an unknown department",
            (r) => (r.fileserver.shares = [{ name: "marketing", department: "Marketing" }]),
            [
                'billu:fileserver.shares[0].department: "Marketing" is not the department of any department zone. Fix: use one of Direction, DSI, Développement logiciel, Finance et Comptabilité, Ressources humaines, Service commercial, Service juridique, QHSE, Communication et Relations publiques',
            ],
        ],
        [
            "a share for an unknown group",
            (r) => (r.fileserver.shares = [{ name: "x", groups: ["GG_Personnel", "GG_Marketing"] }]),
            [
                'billu:fileserver.shares[0].groups[1]: "GG_Marketing" is not a group of the directory plan. Fix: use GG_Personnel, a department group (GG_Direction, GG_DSI, GG_Developpement-logiciel, GG_Finance-et-Comptabilite, GG_Ressources-humaines, GG_Service-commercial, GG_Service-juridique, GG_QHSE, GG_Communication-et-Relations-publiques) or a service group (directory naming)',
            ],
        ],
        [
            "a share with both a department and groups",
            (r) => (r.fileserver.shares = [{ name: "x", department: "DSI", groups: ["GG_DSI"] }]),
            ["billu:fileserver.shares[0]: sets both department and groups. Fix: give a share either a department or a list of groups"],
        ],
        [
            "two shares with one name",
            (r) =>
                (r.fileserver.shares = [
                    { name: "dsi", department: "DSI" },
                    { name: "dsi", groups: ["GG_Personnel"] },
                ]),
            ['billu:fileserver.shares[1].name: "dsi" is already the name of billu:fileserver.shares[0]. Fix: give every share its own name'],
        ],
        [
            "a common share named like a department share",
            (r) => (r.fileserver.commonShare = "qhse"),
            ['billu:fileserver.commonShare: "qhse" is already the name of a department share. Fix: give every share its own name'],
        ],
        [
            "the windows flavor on a Debian host",
            (r) => (r.fileserver.flavor = "windows"),
            [
                // The home share is no longer refused on Windows (shares.ps1 builds it): the OS is the one problem.
                'billu:fileserver.flavor: is "windows" but PAR-FS01 runs debian-12 (billu:hosts[3].os). Fix: use flavor linux, or give the host a Windows OS',
            ],
        ],
        [
            "a home share on another share's folder",
            (r) => (r.fileserver.homeShare = "commun$"),
            [
                'billu:fileserver.homeShare: "commun$" would use the folder "commun" of the share "commun". Fix: give the home share a name of its own (e.g. home$)',
            ],
        ],
        [
            "a home share name with a capital",
            (r) => (r.fileserver.homeShare = "Home$"),
            [
                'billu:fileserver.homeShare: is "Home$", which must be lower-case kebab-case, at most 62 characters, optionally ending with $ (hidden from browsing), e.g. home$. Fix: correct the value (see README, "Configuration")',
            ],
        ],
        [
            "no billu:fileserver with a file server host",
            (r) => delete r.fileserver,
            [
                'billu:fileserver: is required for the file server PAR-FS01 but missing. Fix: set billu:fileserver.alertEmail (and optionally flavor, mountPoint, shares; see README, "File server")',
            ],
        ],
        [
            "an alert address that is not one",
            (r) => (r.fileserver.alertEmail = "dsi-alertes"),
            ['billu:fileserver.alertEmail: is "dsi-alertes", which must be an e-mail address. Fix: correct the value (see README, "Configuration")'],
        ],
        [
            "a share name that is not kebab-case",
            (r) => (r.fileserver.shares = [{ name: "Finance Docs", department: "DSI" }]),
            [
                'billu:fileserver.shares[0].name: is "Finance Docs", which must be lower-case kebab-case, at most 63 characters. Fix: correct the value (see README, "Configuration")',
            ],
        ],
    ];
    test.each(cases)("%s", (_name, edit, expected) => {
        const raw = stackRaw("dev");
        edit(raw);
        expect(problemsOf(raw)).toEqual(expected);
    });
});
