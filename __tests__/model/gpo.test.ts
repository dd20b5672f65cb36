/** The Group Policy plan (model/gpo.ts): BillU's eleven GPOs from the committed stack, and every bad input pinned. */
import type { AssetsPlan } from "../../model/assets";
import type { GposPlan } from "../../model/gpo";
import { GPO_POLICIES, ouPaths, rdnValues } from "../../model/gpo";
import { model, problemsOf, prodWithoutGlpi, stackRaw } from "../helpers";

const dev = () => stackRaw("dev");
const planOf = (raw: Record<string, any>) => model(raw).plan<GposPlan>("gpo")!;

describe("the GPO plan of the dev stack", () => {
    const plan = planOf(dev());

    test("eleven GPOs, five security and six standard (the GLPI agent's), on the PDC emulator of the Samba domain", () => {
        expect([plan.dc, plan.flavor, plan.domain, plan.domainDn]).toEqual(["PAR-DC01", "samba", "billu.remindme.lan", "DC=billu,DC=remindme,DC=lan"]);
        expect(plan.gpos.map((g) => g.kind)).toEqual([...Array(5).fill("security"), ...Array(6).fill("standard")]);
    });

    test("links per OU in link order: explicit orders first, then billu:gpo.gpos order", () => {
        expect(plan.links.map((l) => [l.dn, l.gpos.map((g) => `${g.name}${g.enforced ? " (enforced)" : ""}`)])).toEqual([
            [
                "DC=billu,DC=remindme,DC=lan",
                ["BillU - Mots de passe et verrouillage (enforced)", "BillU - Durcissement SMB et NTLM (enforced)", "BillU - Agent GLPI"],
            ],
            [
                "OU=Utilisateurs,OU=BillU,DC=billu,DC=remindme,DC=lan",
                [
                    "BillU - Verrouillage de session",
                    "BillU - Stockage amovible",
                    "BillU - Panneau de configuration et invite de commandes",
                    "BillU - Fond ecran",
                    "BillU - Lecteur du departement",
                    "BillU - Redirection des Documents",
                ],
            ],
            ["OU=Ordinateurs,OU=BillU,DC=billu,DC=remindme,DC=lan", ["BillU - Banniere de connexion", "BillU - Windows Update (WSUS)"]],
        ]);
        expect(plan.gpos[3].links).toEqual([
            { ou: "BillU/Utilisateurs", dn: "OU=Utilisateurs,OU=BillU,DC=billu,DC=remindme,DC=lan", order: 3, enforced: false },
        ]);
    });

    test("security filtering: standard users are every department but the DSI; unfiltered GPOs apply to Authenticated Users", () => {
        expect(plan.gpos[2].applyTo).not.toContain("GG_DSI");
        expect(plan.gpos[2].applyTo).toHaveLength(8);
        expect(plan.gpos[2].filtered).toBe(true);
        expect([plan.gpos[0].applyTo, plan.gpos[0].filtered]).toEqual([["Authenticated Users"], false]);
    });

    test("named policies become Microsoft's registry values and security settings", () => {
        const byName = new Map(plan.gpos.map((g) => [g.name, g]));
        expect(byName.get("BillU - Panneau de configuration et invite de commandes")!.user.registry).toEqual([
            { key: "Software\\Policies\\Microsoft\\Windows\\System", valueName: "DisableCMD", type: "REG_DWORD", data: 2 },
            { key: "Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer", valueName: "NoControlPanel", type: "REG_DWORD", data: 1 },
        ]);
        expect(byName.get("BillU - Mots de passe et verrouillage")!.security.systemAccess).toEqual([["ForceLogoffWhenHourExpire", 1]]);
        expect(byName.get("BillU - Durcissement SMB et NTLM")!.security.registryValues.map((v) => `${v.path}=${v.data}`)).toEqual([
            "MACHINE\\System\\CurrentControlSet\\Control\\Lsa\\LmCompatibilityLevel=5",
            "MACHINE\\System\\CurrentControlSet\\Control\\Lsa\\NoLMHash=1",
            "MACHINE\\System\\CurrentControlSet\\Services\\LanManServer\\Parameters\\EnableSecuritySignature=1",
            "MACHINE\\System\\CurrentControlSet\\Services\\LanManServer\\Parameters\\RequireSecuritySignature=1",
            "MACHINE\\System\\CurrentControlSet\\Services\\LanmanWorkstation\\Parameters\\EnableSecuritySignature=1",
            "MACHINE\\System\\CurrentControlSet\\Services\\LanmanWorkstation\\Parameters\\RequireSecuritySignature=1",
        ]);
        expect(byName.get("BillU - Windows Update (WSUS)")!.machine.registry[0]).toEqual({
            key: "Software\\Policies\\Microsoft\\Windows\\WindowsUpdate",
            valueName: "WUServer",
            type: "REG_SZ",
            data: "http://par-wsus01.billu.remindme.lan:8530",
        });
        expect(byName.get("BillU - Redirection des Documents")!.user.registry[0].data).toBe("\\\\par-fs01.billu.remindme.lan\\home$\\%USERNAME%\\Documents");
        expect(plan.sysvolFiles).toEqual([
            { source: "data/gpo/wallpaper.bmp", target: "billu/wallpaper.bmp" },
            { source: "scripts/assets/Install-GlpiAgent.ps1", target: "billu/glpi-agent/Install-GlpiAgent.ps1" },
        ]);
    });

    test("the GLPI agent (glpiAgent): GLPI's endpoint and the MSI from the assets plan in HKLM, the startup script in SYSVOL", () => {
        const assets = model(dev()).plan<AssetsPlan>("assets")!;
        const g = plan.gpos.find((x) => x.name === "BillU - Agent GLPI")!;
        const key = "Software\\Policies\\BillU\\GlpiAgent";
        // dev pins no hash: no Sha256 value, so the script installs nothing and says why.
        expect(g.machine.registry).toEqual([
            { key, valueName: "Server", type: "REG_SZ", data: assets.inventory.url },
            { key, valueName: "MsiUrl", type: "REG_SZ", data: "https://github.com/glpi-project/glpi-agent/releases/download/1.11/GLPI-Agent-1.11-x64.msi" },
            { key, valueName: "Version", type: "REG_SZ", data: "1.11" },
            { key, valueName: "Tag", type: "REG_SZ", data: "windows" },
        ]);
        expect(assets.inventory.url).toBe("https://par-glpi01.billu.remindme.lan/front/inventory.php");
        expect(g.machine.startupScripts).toEqual([
            { cmdLine: "\\\\billu.remindme.lan\\SYSVOL\\billu.remindme.lan\\billu\\glpi-agent\\Install-GlpiAgent.ps1", parameters: "" },
        ]);
        expect(g.links.map((l) => l.ou)).toEqual(["domain"]);
        const sha = "ab".repeat(32);
        const pinned = planOf({ ...dev(), assets: { ...(dev().assets as object), windowsAgent: { sha256: sha } } });
        expect(pinned.gpos.find((x) => x.name === "BillU - Agent GLPI")!.machine.registry).toContainEqual({
            key,
            valueName: "Sha256",
            type: "REG_SZ",
            data: sha.toUpperCase(),
        });
    });

    test("the department drive: one S: per department share, targeted at that department's users OU", () => {
        const drives = plan.gpos.find((g) => g.name === "BillU - Lecteur du departement")!.user.drives;
        expect(drives).toHaveLength(9);
        expect(drives.find((d) => d.path.endsWith("\\dsi"))).toMatchObject({
            letter: "S",
            path: "\\\\par-fs01.billu.remindme.lan\\dsi",
            ouFilter: "OU=DSI,OU=Utilisateurs,OU=BillU,DC=billu,DC=remindme,DC=lan",
        });
        expect(new Set(drives.map((d) => d.uid)).size).toBe(9);
    });

    test("the catalogue names the settings the issue asks for", () => {
        expect(Object.keys(GPO_POLICIES)).toEqual([
            "screenLockTimeoutSeconds",
            "removableStorageDenyAll",
            "disableCmd",
            "noControlPanel",
            "smb1Disabled",
            "lmCompatibilityLevel",
            "smbSigningRequired",
            "glpiAgent",
            "wallpaper",
            "driveMap",
            "folderRedirectionDocuments",
            "logonBanner",
            "wsusServer",
            "windowsLaps",
            "forceLogoffWhenHoursExpire",
        ]);
    });

    test("OU paths come from the DNs, escaped commas included", () => {
        expect(rdnValues("OU=A\\, B,OU=C,DC=x")).toEqual(["A, B", "C", "x"]);
        expect([...ouPaths({ domainDn: "DC=x", groups: [], ous: [{ key: "k", name: "A, B", dn: "OU=A\\, B,OU=C,DC=x", description: "" }] }).keys()]).toEqual([
            "C/A, B",
        ]);
    });
});

describe("bad input: exit 2 with the key path, the value and the fix", () => {
    const gpos = (edit: (g: any[]) => void) => {
        const raw = dev();
        edit(raw.gpo.gpos);
        return problemsOf(raw);
    };

    test("an unknown OU, with the path it probably means", () => {
        expect(gpos((g) => (g[1].links[0].ou = "Utilisateurs"))).toEqual([
            'billu:gpo.gpos[1].links[0].ou: "Utilisateurs" is not an OU of the directory plan. Fix: write its path from the domain: "BillU/Utilisateurs"',
        ]);
        expect(gpos((g) => (g[1].links[0].ou = "BillU/Nowhere"))).toEqual([
            'billu:gpo.gpos[1].links[0].ou: "BillU/Nowhere" is not an OU of the directory plan. Fix: write `domain` or an OU path from the domain such as "BillU/Utilisateurs" (docs/services/directory.md lists the tree)',
        ]);
    });

    test("an unknown group in the security filtering", () => {
        expect(gpos((g) => (g[1].securityFiltering = ["GG_Personnel", "gg_dsi", "GG_Nobody"]))).toEqual([
            'billu:gpo.gpos[1].securityFiltering[1]: "gg_dsi" is not a group of the directory plan nor a well-known principal. Fix: write it as "GG_DSI" (names are case-sensitive here)',
            'billu:gpo.gpos[1].securityFiltering[2]: "GG_Nobody" is not a group of the directory plan nor a well-known principal. Fix: name a group of the directory plan (GG_Personnel, a department\'s GG_ group) or one of Authenticated Users, Domain Users, Domain Computers, Domain Admins',
        ]);
    });

    test("an unknown share", () => {
        expect(gpos((g) => (g[6].policies.driveMap.share = "homes"))).toEqual([
            'billu:gpo.gpos[6].policies.driveMap.share: "homes" is not a share of the file server\'s plan. Fix: name one of direction, dsi, developpement-logiciel, finance-et-comptabilite, ressources-humaines, service-commercial, service-juridique, qhse, communication-et-relations-publiques, commun',
        ]);
    });

    test("a mapped drive on the accounts' home drive (billu:fileserver.homeDrive, default H:) is refused, naming both keys", () => {
        const msg = (letter: string, drive: string) =>
            `billu:gpo.gpos[6].policies.driveMap.letter: "${letter}" is the accounts' home drive, billu:fileserver.homeDrive ("${drive}"). Fix: give the mapped drive another letter, or set billu:fileserver.homeDrive to a letter no mapped drive uses`;
        expect(gpos((g) => (g[6].policies.driveMap.letter = "H"))).toEqual([msg("H", "H:")]);
        const raw = dev();
        raw.fileserver.homeDrive = "S:";
        expect(problemsOf(raw)).toEqual([msg("S", "S:")]);
        // Another letter, or no home share (no homeDrive written): no problem.
        raw.fileserver.homeDrive = "P:";
        expect(problemsOf(raw)).toEqual([]);
    });

    test("billu:fileserver.homeDrive is a letter and a colon", () => {
        const raw = dev();
        raw.fileserver.homeDrive = "H";
        expect(problemsOf(raw)).toEqual([
            `billu:fileserver.homeDrive: is "H", which is not a drive letter from D to Z followed by a colon (A, B and C are the system's). Fix: write a letter and a colon, e.g. H:`,
        ]);
    });

    test("the Documents redirection names another share than the file server's home share, or there is none", () => {
        expect(gpos((g) => (g[7].policies.folderRedirectionDocuments.share = "commun"))).toEqual([
            'billu:gpo.gpos[7].policies.folderRedirectionDocuments.share: "commun" is not the file server\'s home share "home$" (billu:fileserver.homeShare). Fix: write share: home$, or leave share out',
        ]);
        const raw = dev();
        delete raw.fileserver.homeShare;
        expect(problemsOf(raw)).toEqual([
            "billu:gpo.gpos[7].policies.folderRedirectionDocuments.share: \"home$\": the file server's plan has no home share, so the redirected Documents would have no per-user folder. Fix: set billu:fileserver.homeShare (e.g. home$): the file server makes each account's folder there",
        ]);
        // Without share, the path is the home share's.
        const bare = dev();
        bare.gpo.gpos[7].policies.folderRedirectionDocuments = {};
        const plan = planOf(bare).gpos.find((g) => g.name === "BillU - Redirection des Documents")!;
        expect(plan.user.registry[0].data).toBe("\\\\par-fs01.billu.remindme.lan\\home$\\%USERNAME%\\Documents");
    });

    test("a drive letter already used", () => {
        expect(gpos((g) => (g[7].policies.driveMap = { letter: "S", share: "commun" }))).toEqual([
            'billu:gpo.gpos[7].policies.driveMap.letter: "S" is already the drive letter of billu:gpo.gpos[6].policies.driveMap.letter. Fix: give each mapped drive its own letter',
        ]);
        expect(gpos((g) => (g[6].policies.driveMap.letter = "C"))).toEqual([
            'billu:gpo.gpos[6].policies.driveMap.letter: is "C", which is not a drive letter from D to Z (A, B and C are the system\'s). Fix: use an upper-case letter from D to Z that no other mapped drive uses',
        ]);
    });

    test("an unknown named policy, with the spelling it probably means", () => {
        expect(gpos((g) => (g[3].policies = { disablecmd: true, noUsb: true }))).toEqual([
            'billu:gpo.gpos[3].policies.disablecmd: "disablecmd" is not a policy of the catalogue. Fix: write "disableCmd"',
            `billu:gpo.gpos[3].policies.noUsb: "noUsb" is not a policy of the catalogue. Fix: use one of ${Object.keys(GPO_POLICIES).join(", ")}, or write the value under registry`,
        ]);
    });

    test("a named policy's value out of its range (checked by the catalogue's schema)", () => {
        expect(gpos((g) => (g[1].policies.screenLockTimeoutSeconds = 5))).toEqual([
            'billu:gpo.gpos[1].policies.screenLockTimeoutSeconds: is 5, which number must be greater than or equal to 60. Fix: correct the value (see README, "Configuration")',
        ]);
    });

    test("a duplicate name, a link order used twice, registry data of the wrong type", () => {
        expect(
            gpos((g) => {
                g[2].name = "billu - verrouillage de session";
                g[2].links[0].order = 1;
                g[2].registry = [{ hive: "HKLM", key: "Software\\X", valueName: "V", type: "REG_DWORD", data: "1" }];
            }),
        ).toEqual([
            'billu:gpo.gpos[2].name: "billu - verrouillage de session" is already the name of billu:gpo.gpos[1] (display names are compared ignoring case). Fix: give each GPO its own name',
            'billu:gpo.gpos[2].registry[0].data: "1" is not an integer from 0 to 4294967295, as REG_DWORD needs. Fix: write an integer from 0 to 4294967295, or change type',
            'billu:gpo.gpos[2].links[0].order: 1 is already the link order of "BillU - Verrouillage de session" on "BillU/Utilisateurs". Fix: give each GPO linked on an OU its own order',
        ]);
    });

    test("a value written twice (a raw registry value a named policy already writes)", () => {
        expect(
            gpos(
                (g) =>
                    (g[3].registry = [
                        { hive: "HKCU", key: "Software\\Policies\\Microsoft\\Windows\\System", valueName: "DisableCMD", type: "REG_DWORD", data: 1 },
                    ]),
            ),
        ).toEqual([
            "billu:gpo.gpos[3]: writes HKCU\\Software\\Policies\\Microsoft\\Windows\\System\\DisableCMD twice. Fix: keep one of the two settings (a named policy may already write it)",
        ]);
    });
});

describe("windowsLaps: the settings as GPO data, Windows DCs only", () => {
    const laps = { readers: "GG_DSI", passwordAgeDays: 30 };
    const withLaps = (raw: Record<string, any>, value: unknown) => {
        raw.gpo.gpos[8].policies = { ...raw.gpo.gpos[8].policies, windowsLaps: value };
        return raw;
    };

    test("prod (Windows DCs): Windows LAPS' registry policy in the computers' GPO, encrypted for the admin group", () => {
        const g = planOf(withLaps(stackRaw("prod"), laps)).gpos[8];
        const k = "Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\LAPS";
        expect(g.machine.registry.filter((r) => r.key === k).map((r) => [r.valueName, r.type, r.data])).toEqual([
            ["BackupDirectory", "REG_DWORD", 2],
            ["PasswordAgeDays", "REG_DWORD", 30],
            ["PasswordLength", "REG_DWORD", 20],
            ["PasswordComplexity", "REG_DWORD", 4],
            ["ADPasswordEncryptionEnabled", "REG_DWORD", 1],
            ["ADPasswordEncryptionPrincipal", "REG_SZ", "GG_DSI"],
        ]);
    });

    test("dev (a Samba DC) is refused, and so is a reader group the directory does not have", () => {
        expect(problemsOf(withLaps(dev(), { readers: "GG_Nobody" }))).toEqual([
            "billu:gpo.gpos[8].policies.windowsLaps: Windows LAPS stores the password in the msLAPS-* attributes, which a Samba DC's schema does not have (Samba 4.17's stops at Windows Server 2016's). Fix: remove windowsLaps from this GPO, or run the domain on Windows DCs (docs/services/gpo.md, LAPS)",
            'billu:gpo.gpos[8].policies.windowsLaps.readers: "GG_Nobody" is not a group of the directory plan. Fix: name a group of the directory plan, such as GG_DSI',
        ]);
    });

    test("the GLPI agent on a site without GLPI", () => {
        const prod = prodWithoutGlpi();
        expect(problemsOf(prod)).toEqual([]);
        const cfg = prod.gpo as { gpos: { name: string; kind: string; links: { ou: string }[]; policies: Record<string, unknown> }[] };
        const n = cfg.gpos.length;
        const raw = {
            ...prod,
            gpo: { gpos: [...cfg.gpos, { name: "BillU - Agent GLPI", kind: "standard", links: [{ ou: "domain" }], policies: { glpiAgent: true } }] },
        };
        expect(problemsOf(raw)).toEqual([
            `billu:gpo.gpos[${n}].policies.glpiAgent: deploys the GLPI agent, but the site has no GLPI server (billu:assets). Fix: declare GLPI (billu:assets and a host of role assets), or remove glpiAgent`,
        ]);
    });
});
