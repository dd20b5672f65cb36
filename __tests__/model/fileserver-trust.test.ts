/**
 * A trust grant's share on its file server (issue #20): billu:trust.grants[i].share is served by the grant's file
 * server, which maps the partner's domain with its own idmap range (billu:fileserver.idmap, pairwise disjoint).
 * Expected values come from the stack config (Pulumi.prod.yaml), never from the renderer under test.
 */
import { renderSharesPs1, renderSmbConf, renderSharesConf, shareDocRows } from "../../components/fileserver/render";
import { model, problemsOf, stackRaw } from "../helpers";

const raw = stackRaw("prod");
const grant = raw.trust.grants[0];
const prod = model(raw);
const fs = prod.fileservers!.find((p) => p.host === grant.hosts[0])!;

/** Prod with <edit> applied to its config: the model and PAR-FS01's plan (the grant's file server). */
function prodWith(edit: (r: Record<string, any>) => void) {
    const r = stackRaw("prod");
    edit(r);
    const m = model(r);
    return { m, fs: m.fileservers!.find((p) => p.host === "PAR-FS01")! };
}

/** The grant's share section, as smb.conf must end: read-only with the admins' write list, or read/write without it. */
function projetsSection(readOnly: boolean): string {
    return [
        "[projets]",
        "    comment = read the shared project folders on the file server (partner ECOTECH)",
        "    path = /srv/shares/projets",
        `    read only = ${readOnly ? "yes" : "no"}`,
        ...(readOnly ? ['    write list = "@BILLU\\Domain Admins"'] : []),
        "    browseable = yes",
        "    access based share enum = yes",
        "    hide unreadable = yes",
        '    valid users = "@BILLU\\Domain Admins" "@BILLU\\DL-ECO-Projets-Lecture"',
        "",
    ].join("\n");
}

describe("prod: the grant's share on PAR-FS01", () => {
    test("the plan: the grant's share, read-only as the model says, and the partner's idmap range", () => {
        expect(grant.share).toEqual({ name: "projets", access: "read" });
        expect(fs.trustShares).toEqual([
            {
                name: grant.share.name,
                group: grant.group,
                partnerGroup: `${raw.trust.partner.netbios}\\${raw.trust.partner.adminGroup}`,
                readOnly: true,
                comment: `${grant.purpose} (partner ${raw.trust.partner.netbios})`,
            },
        ]);
        expect(fs.idmap).toEqual({
            default: { low: 3000, high: 7999 },
            domain: { low: 10000, high: 999999 },
            partner: { netbios: "ECOTECH", range: { low: 1000000, high: 1999999 } },
        });
    });

    test("smb.conf: the partner's domain mapped by rid in its own range, after BillU's", () => {
        const conf = renderSmbConf(prod, fs);
        expect(conf).toContain(
            [
                "    idmap config * : backend = tdb",
                "    idmap config * : range = 3000-7999",
                "    idmap config BILLU : backend = rid",
                "    idmap config BILLU : range = 10000-999999",
                "    # The trusted partner's domain (billu:trust): its users reach the shares of the trust's grants, with ids from their RIDs too.",
                "    idmap config ECOTECH : backend = rid",
                "    idmap config ECOTECH : range = 1000000-1999999",
                "",
            ].join("\n"),
        );
    });

    test("smb.conf: the share's section, read-only, open to the grant's domain-local group (not the partner's group) and the admins", () => {
        const conf = renderSmbConf(prod, fs);
        expect(conf.endsWith(projetsSection(true))).toBe(true);
        expect(conf).not.toMatch(/ECOTECH\\ECO-IT-Admins/);
    });

    test("access: write gives a read/write share with no write list", () => {
        const { m, fs: written } = prodWith((r) => (r.trust.grants[0].share = { name: "projets", access: "write" }));
        const conf = renderSmbConf(m, written);
        expect(conf.slice(conf.indexOf("[projets]"))).toBe(projetsSection(false));
    });

    test("the docs' share table has the grant's share and who it admits", () => {
        expect(shareDocRows(fs).at(-1)).toEqual([
            "PAR-FS01",
            "`\\\\PAR-FS01\\projets`",
            "/srv/shares/projets",
            "trust grant (read-only)",
            "`BILLU\\DL-ECO-Projets-Lecture` (its member: `ECOTECH\\ECO-IT-Admins`)",
            "`BILLU\\Domain Admins`",
        ]);
    });

    test("shares.conf: one TRUST_SHARE line for billu-shares (the folder's ACL: the grant's group read, from the model's access)", () => {
        const lines = renderSharesConf(fs).split("\n");
        expect(lines.filter((l) => l.startsWith("TRUST_SHARE="))).toEqual([
            `TRUST_SHARE=${grant.share.name}|${fs.mountPoint}/${grant.share.name}|${raw.site.netbiosName}\\${grant.group}|read`,
        ]);
        expect(lines.at(-2)).toBe("TRUST_SHARE=projets|/srv/shares/projets|BILLU\\DL-ECO-Projets-Lecture|read");
    });

    test("shares.conf: access write renders modify (rwx on the folder)", () => {
        const r = stackRaw("prod");
        r.trust.grants[0].share = { name: "projets", access: "write" };
        const m = model(r);
        const conf = renderSharesConf(m.fileservers!.find((p) => p.host === "PAR-FS01")!);
        expect(conf.split("\n").filter((l) => l.startsWith("TRUST_SHARE="))).toEqual([
            "TRUST_SHARE=projets|/srv/shares/projets|BILLU\\DL-ECO-Projets-Lecture|modify",
        ]);
    });
});

describe("without a trust share", () => {
    test("dev: no partner range and no trust share; the ranges are the defaults", () => {
        const devModel = model(stackRaw("dev"));
        const dev = devModel.fileservers![0];
        expect(dev.trustShares).toEqual([]);
        expect(dev.idmap).toEqual({ default: { low: 3000, high: 7999 }, domain: { low: 10000, high: 999999 } });
        const conf = renderSmbConf(devModel, dev);
        expect(conf.match(/^ {4}idmap config .*$/gm)).toEqual([
            "    idmap config * : backend = tdb",
            "    idmap config * : range = 3000-7999",
            "    idmap config BILLU : backend = rid",
            "    idmap config BILLU : range = 10000-999999",
        ]);
    });

    test("prod with the grant's share removed: the grant opens the flow only, no partner range", () => {
        const { fs: p } = prodWith((r) => delete r.trust.grants[0].share);
        expect([p.trustShares, p.idmap.partner]).toEqual([[], undefined]);
    });

    test("configured ranges are rendered as written", () => {
        const { m, fs: ranged } = prodWith((r) => (r.fileserver.idmap = { default: "2000-2999", domain: "100000-1099999", partner: "2000000-2999999" }));
        const conf = renderSmbConf(m, ranged);
        expect(conf.match(/^ {4}idmap config .* range = .*$/gm)).toEqual([
            "    idmap config * : range = 2000-2999",
            "    idmap config BILLU : range = 100000-1099999",
            "    idmap config ECOTECH : range = 2000000-2999999",
        ]);
    });
});

describe("bad input, every message pinned", () => {
    const withProd = (edit: (r: Record<string, any>) => void) => {
        const r = stackRaw("prod");
        edit(r);
        return problemsOf(r);
    };

    test("the partner's range overlapping BillU's", () => {
        expect(withProd((r) => (r.fileserver.idmap = { partner: "500000-1499999" }))).toEqual([
            'billu:fileserver.idmap.partner: "500000-1499999" overlaps billu:fileserver.idmap.domain ("10000-999999"): ids 500000-999999 would map two accounts. Fix: give partner a range outside 10000-999999, e.g. 1000000-1999999',
        ]);
    });

    test("BillU's range overlapping the default one, and a reversed range", () => {
        expect(withProd((r) => (r.fileserver.idmap = { domain: "5000-999999", default: "7999-3000" }))).toEqual([
            'billu:fileserver.idmap.default: "7999-3000" is not a range of ids: its low end is above its high end. Fix: write low-high with 0 < low <= high <= 4294967295, e.g. 1000000-1999999',
        ]);
        expect(withProd((r) => (r.fileserver.idmap = { domain: "5000-999999" }))).toEqual([
            'billu:fileserver.idmap.domain: "5000-999999" overlaps billu:fileserver.idmap.default ("3000-7999"): ids 5000-7999 would map two accounts. Fix: give domain a range outside 3000-7999, e.g. 8000-1002999',
        ]);
    });

    test("a range starting at 0, or past 32 bits, or not a range", () => {
        expect(withProd((r) => (r.fileserver.idmap = { default: "0-7999", partner: "1000000-4294967296" }))).toEqual([
            'billu:fileserver.idmap.default: "0-7999" is not a range of ids: 0 is root\'s id. Fix: write low-high with 0 < low <= high <= 4294967295, e.g. 1000000-1999999',
            'billu:fileserver.idmap.partner: "1000000-4294967296" is not a range of ids: its high end is above 4294967295. Fix: write low-high with 0 < low <= high <= 4294967295, e.g. 1000000-1999999',
        ]);
        expect(withProd((r) => (r.fileserver.idmap = { partner: "1000000" }))).toEqual([
            'billu:fileserver.idmap.partner: is "1000000", which must be an id range low-high, e.g. 1000000-1999999. Fix: correct the value (see README, "Configuration")',
        ]);
    });

    test("a share on a grant that is not smb", () => {
        expect(withProd((r) => (r.trust.grants[0].service = "ssh"))).toEqual(
            expect.arrayContaining([
                'billu:trust.grants[0].share: is set but the grant\'s service is "ssh": a share is served over smb. Fix: set service: smb, or remove share',
            ]),
        );
    });

    test("a share on a host that is not a file server", () => {
        expect(withProd((r) => (r.trust.grants[0].hosts = ["PAR-WEB01"]))).toEqual(
            expect.arrayContaining([
                'billu:trust.grants[0].hosts[0]: "PAR-WEB01" has role web, but the grant\'s share ("projets") is served by a file server. Fix: name a host of role fileserver, or remove share and configure that host\'s share yourself',
            ]),
        );
    });

    test("a share named like one of the file server's", () => {
        expect(withProd((r) => (r.trust.grants[0].share.name = "commun"))).toEqual([
            'billu:trust.grants[0].share.name: "commun" is also the file server\'s share "commun". Fix: give the grant\'s share a name of its own',
        ]);
        expect(withProd((r) => (r.trust.grants[0].share.name = "home"))).toEqual([
            'billu:trust.grants[0].share.name: "home" is also the file server\'s share "home$". Fix: give the grant\'s share a name of its own',
        ]);
    });
});

describe("a Windows file server serves the grant's share too (shares.ps1)", () => {
    /** prod with PAR-FS01 on Windows Server, the windows flavor (no home share: linux only). */
    function windowsProd(edit?: (r: Record<string, any>) => void) {
        const r = stackRaw("prod");
        r.fileserver.flavor = "windows";
        const h = r.hosts.find((x: { name: string }) => x.name === "PAR-FS01");
        h.os = "windows-2022-gui";
        h.joinDomain = false;
        delete r.fileserver.homeShare;
        r.gpo.gpos = r.gpo.gpos.filter((g: { policies: Record<string, unknown> }) => !g.policies.folderRedirectionDocuments);
        edit?.(r);
        expect(problemsOf(r)).toEqual([]);
        return model(r).fileservers!.find((p) => p.host === "PAR-FS01")!;
    }

    test("the plan has the share; no idmap range (winbind is the linux flavor's)", () => {
        const p = windowsProd();
        expect(p.trustShares.map((t) => [t.name, t.group, t.readOnly])).toEqual([[grant.share.name, grant.group, true]]);
        expect(p.idmap.partner).toBeUndefined();
    });

    test("shares.ps1's data: the share's drive path, the grant's group qualified, Read for access read and Modify for write", () => {
        const line = (p: ReturnType<typeof windowsProd>) =>
            renderSharesPs1(p)
                .split("\r\n")
                .find((l) => l.startsWith("$TRUST_SHARES_JSON = "));
        const comment = `${grant.purpose} (partner ${raw.trust.partner.netbios})`;
        const json = (access: string) =>
            `$TRUST_SHARES_JSON = '${JSON.stringify([{ Name: "projets", Path: "S:\\Shares\\projets", Comment: comment, Group: "BILLU\\DL-ECO-Projets-Lecture", Access: access }])}'`;
        expect(line(windowsProd())).toBe(json("Read"));
        expect(line(windowsProd((r) => (r.trust.grants[0].share.access = "write")))).toBe(json("Modify"));
    });
});
