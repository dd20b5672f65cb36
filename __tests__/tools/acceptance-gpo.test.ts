/**
 * The gpo scenario (tools/acceptance/scenarios/gpo.ts): its parsers (LDIF with base64 and folded lines, gPLink's link
 * order and options, GPT.INI in UTF-8 or UTF-16LE, gPCFileSysPath to a path of the sysvol share), then the scenario
 * through the runner against stand-ins of `ldapsearch` and `smbclient` on PATH that serve a DC built from dev's GPO
 * plan: every GPO, every link as planned, every GPT.INI at its versionNumber; then one fault at a time (a GPT.INI
 * behind its versionNumber, two links swapped, a GPO missing, the enforcement dropped). The real tools against a real
 * Samba DC: labs/gpo, part 4c.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import type { GposPlan } from "../../model/gpo";
import { runScenarios } from "../../tools/acceptance/runner";
import { gpoScenario, gptIniVersion, parseGpLink, parseLdif, sysvolPath } from "../../tools/acceptance/scenarios/gpo";
import { dryRun, modelOf } from "./acceptance-dry-run";

const dev = modelOf("dev");
const plan = dev.plan<GposPlan>("gpo")!;

describe("parsers", () => {
    test("LDIF: entries split on blank lines, attributes lower-cased, base64 values decoded, folded lines joined", () => {
        const text = [
            "dn: CN={A},CN=Policies,CN=System,DC=x",
            `displayName:: ${Buffer.from("Fond d'écran").toString("base64")}`,
            "versionNumber: 65536",
            "",
            "dn: OU=Utilisateurs,DC=x",
            "gPLink: [LDAP://cn={A},cn=policies,cn=system,DC=x;0][LDAP://cn={B},cn=po",
            " licies,cn=system,DC=x;2]",
            "",
        ].join("\n");
        const es = parseLdif(text);
        expect(es.map((e) => Object.fromEntries(e))).toEqual([
            { dn: ["CN={A},CN=Policies,CN=System,DC=x"], displayname: ["Fond d'écran"], versionnumber: ["65536"] },
            { dn: ["OU=Utilisateurs,DC=x"], gplink: ["[LDAP://cn={A},cn=policies,cn=system,DC=x;0][LDAP://cn={B},cn=policies,cn=system,DC=x;2]"] },
        ]);
    });
    test("gPLink: link order 1 is the attribute's last entry; 2 is enforced, 1 disabled", () => {
        expect(parseGpLink("[LDAP://CN={A},CN=Policies,DC=x;0][LDAP://cn={B},cn=policies,DC=x;2][LDAP://cn={C},DC=x;1]")).toEqual([
            { dn: "cn={c},dc=x", enforced: false, disabled: true },
            { dn: "cn={b},cn=policies,dc=x", enforced: true, disabled: false },
            { dn: "cn={a},cn=policies,dc=x", enforced: false, disabled: false },
        ]);
        expect(parseGpLink("")).toEqual([]);
    });
    test("GPT.INI's Version in UTF-8 and in UTF-16LE with its BOM; none without the line", () => {
        expect(gptIniVersion(Buffer.from("[General]\r\nVersion=65537\r\ndisplayName=x\r\n"))).toBe(65537);
        expect(gptIniVersion(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("[General]\r\nVersion=3\r\n", "utf16le")]))).toBe(3);
        expect(gptIniVersion(Buffer.from("[General]\r\ndisplayName=x\r\n"))).toBeUndefined();
    });
    test("gPCFileSysPath: a path in the sysvol share when it is the domain's SYSVOL (any case), else undefined", () => {
        expect(sysvolPath("\\\\billu.remindme.lan\\SysVol\\billu.remindme.lan\\Policies\\{A}", "billu.remindme.lan")).toBe("billu.remindme.lan/Policies/{A}");
        expect(sysvolPath("\\\\other.lan\\SysVol\\other.lan\\Policies\\{A}", "billu.remindme.lan")).toBeUndefined();
    });
});

/** A DC as the stand-ins serve it: its GPOs (GUID, name, versionNumber, GPT.INI's version) and its gPLinks. */
interface FakeDc {
    gpos: { guid: string; name: string; version: number; ini: number }[];
    links: Record<string, string>;
}

function healthyDc(): FakeDc {
    const gpos = plan.gpos.map((g, i) => {
        const guid = `{00000000-0000-0000-0000-${String(i + 1).padStart(12, "0")}}`;
        const version = (i % 3) * 65536 + 1;
        return { guid, name: g.name, version, ini: version };
    });
    const dnOf = (name: string) => `cn=${gpos.find((g) => g.name === name)!.guid},cn=policies,cn=system,${plan.domainDn}`;
    const links: Record<string, string> = {};
    for (const l of plan.links) {
        // Order 1 last, as AD writes it; a link to a GPO the model does not manage (Default Domain Policy) after them.
        const ours = l.gpos.map((g) => `[LDAP://${dnOf(g.name)};${g.enforced ? 2 : 0}]`);
        links[l.dn] = [`[LDAP://cn={31B2F340-016D-11D2-945F-00C04FB984F9},cn=policies,cn=system,${plan.domainDn};0]`, ...ours.reverse()].join("");
    }
    return { gpos, links };
}

let bin: string;
let work: string;
const STUB = `#!/usr/bin/env node
const fs = require("fs"), path = require("path");
const dc = JSON.parse(fs.readFileSync(process.env.FAKE_DC, "utf8"));
const args = process.argv.slice(2);
const tool = path.basename(process.argv[1]);
fs.appendFileSync(process.env.FAKE_LOG, tool + " " + args.join(" ") + "\\n");
if (tool === "ldapsearch") {
    const pw = fs.readFileSync(args[args.indexOf("-y") + 1], "utf8");
    if (pw !== "right") { console.error("ldap_bind: Invalid credentials (49)"); process.exit(49); }
    const base = args[args.indexOf("-b") + 1];
    if (base.startsWith("CN=Policies")) {
        for (const g of dc.gpos) {
            console.log("dn: CN=" + g.guid + "," + base);
            console.log("displayName:: " + Buffer.from(g.name).toString("base64"));
            console.log("versionNumber: " + g.version);
            console.log("gPCFileSysPath: \\\\\\\\billu.remindme.lan\\\\SysVol\\\\billu.remindme.lan\\\\Policies\\\\" + g.guid + "\\n");
        }
    } else {
        for (const [dn, v] of Object.entries(dc.links)) console.log("dn: " + dn + "\\ngPLink: " + v + "\\n");
    }
} else {
    const auth = fs.readFileSync(args[args.indexOf("-A") + 1], "utf8");
    if (!auth.includes("password = right")) { console.log("session setup failed: NT_STATUS_LOGON_FAILURE"); process.exit(1); }
    const m = /^get "([^"]+)" "([^"]+)"$/.exec(args[args.indexOf("-c") + 1]);
    const g = dc.gpos.find((x) => m[1].includes(x.guid));
    if (!g) { console.log("NT_STATUS_OBJECT_PATH_NOT_FOUND opening remote file " + m[1]); process.exit(1); }
    fs.writeFileSync(m[2], "[General]\\r\\nVersion=" + g.ini + "\\r\\ndisplayName=" + g.name + "\\r\\n");
}
`;

beforeAll(() => {
    bin = mkdtempSync(path.join(tmpdir(), "billu-gpo-bin-"));
    for (const t of ["ldapsearch", "smbclient"]) {
        writeFileSync(path.join(bin, t), STUB);
        chmodSync(path.join(bin, t), 0o755);
    }
});
afterAll(() => rmSync(bin, { recursive: true, force: true }));

async function run(dc: FakeDc, password = "right") {
    work = mkdtempSync(path.join(tmpdir(), "billu-gpo-run-"));
    const env = { PATH: process.env.PATH, FAKE_DC: process.env.FAKE_DC, FAKE_LOG: process.env.FAKE_LOG };
    process.env.PATH = `${bin}:${process.env.PATH}`;
    process.env.FAKE_DC = path.join(work, "dc.json");
    process.env.FAKE_LOG = path.join(work, "calls.log");
    writeFileSync(process.env.FAKE_DC, JSON.stringify(dc));
    writeFileSync(process.env.FAKE_LOG, "");
    try {
        const input = { model: dev, outputs: {}, account: { name: "svc-acceptance", password }, workDir: work, acceptNewHostKeys: false };
        const [r] = await runScenarios([gpoScenario], input);
        return { r, calls: readFileSync(process.env.FAKE_LOG, "utf8").trim().split("\n") };
    } finally {
        Object.assign(process.env, env);
        rmSync(work, { recursive: true, force: true });
    }
}

const failed = (r: Awaited<ReturnType<typeof run>>["r"]) => r.checks.filter((c) => !c.ok).map((c) => `${c.name} => ${c.observed}`);

describe("the scenario against stand-ins of ldapsearch and smbclient (dev's GPO plan)", () => {
    test("a DC as planned: every step passes (each GPO in LDAP and its GPT.INI, each linked OU); one LDAP search each, one SMB read per GPO", async () => {
        const { r, calls } = await run(healthyDc());
        expect(failed(r)).toEqual([]);
        expect(r.checks).toHaveLength(2 * plan.gpos.length + plan.links.length);
        expect(r.ok).toBe(true);
        expect(calls.filter((c) => c.startsWith("ldapsearch"))).toHaveLength(2);
        expect(calls.filter((c) => c.startsWith("smbclient"))).toHaveLength(plan.gpos.length);
        // The PDC emulator's names, the account's, and no password on any command line.
        const dc = dev.domain!.dcs.find((d) => d.name === plan.dc)!;
        expect(calls[0]).toContain(`-H ldaps://${dc.fqdn} -D svc-acceptance@${dev.domain!.fqdn}`);
        expect(calls.find((c) => c.startsWith("smbclient"))).toContain(`//${dc.address}/sysvol -c get "billu.remindme.lan\\Policies\\{`);
        expect(calls.join("\n")).not.toContain("right");
        const lock = r.checks.find((c) => c.name === `gPLink of ${plan.links[1].dn}: the model's GPOs in link order`)!;
        // The link to a GPO the model does not manage (and the stand-in does not list) follows, shown by its DN.
        const unmanaged = `cn={31b2f340-016d-11d2-945f-00c04fb984f9},cn=policies,cn=system,${plan.domainDn.toLowerCase()}`;
        const want = [...plan.links[1].gpos.map((g) => `${g.name}${g.enforced ? " (enforced)" : ""}`), unmanaged];
        expect(lock.observed).toBe(want.map((x, i) => `${i + 1}. ${x}`).join("; "));
    });
    test("a GPT.INI behind, another ahead of its versionNumber (what stops a Windows client applying them): those steps fail, naming both", async () => {
        const dc = healthyDc();
        const [g, h] = [dc.gpos[2], dc.gpos[4]];
        g.ini = g.version - 1;
        h.ini = h.version + 65536;
        const { r } = await run(dc);
        const step = "GPT.INI in its SYSVOL folder (gPCFileSysPath, over SMB) has the object's versionNumber";
        expect(failed(r)).toEqual([
            `GPO "${g.name}": ${step} => GPT.INI Version=${g.version - 1}, versionNumber ${g.version}`,
            `GPO "${h.name}": ${step} => GPT.INI Version=${h.version + 65536}, versionNumber ${h.version}`,
        ]);
    });
    test("two links swapped, and an enforcement dropped: the OU's gPLink step fails, showing the order found", async () => {
        const dc = healthyDc();
        const users = plan.links.find((l) => l.gpos.length > 1 && !l.gpos.some((g) => g.enforced))!;
        const m = dc.links[users.dn].match(/\[[^\]]+\]/g)!;
        // The attribute's last two entries are link orders 1 and 2: swapped.
        dc.links[users.dn] = [...m.slice(0, -2), m[m.length - 1], m[m.length - 2]].join("");
        const domain = plan.links.find((l) => l.gpos.some((g) => g.enforced))!;
        dc.links[domain.dn] = dc.links[domain.dn].replace(/;2\]/g, ";0]");
        const { r } = await run(dc);
        const bad = failed(r);
        expect(bad).toHaveLength(2);
        expect(bad[0]).toMatch(new RegExp(`^gPLink of ${domain.dn}: the model's GPOs in link order => 1\\. ${domain.gpos[0].name}; `));
        expect(bad[1]).toMatch(
            new RegExp(`^gPLink of ${users.dn}: the model's GPOs in link order => 1\\. ${users.gpos[1].name}; 2\\. ${users.gpos[0].name}; `),
        );
    });
    test("a GPO missing on the DC: its LDAP and GPT.INI steps fail, and its OU's link step; a wrong password fails every step", async () => {
        const dc = healthyDc();
        const gone = dc.gpos.pop()!;
        const { r } = await run(dc);
        const bad = failed(r);
        expect(bad).toContain(
            `GPO "${gone.name}": its object in LDAP, readable as svc-acceptance => 0 GPO(s) named "${gone.name}" readable as svc-acceptance in CN=Policies,CN=System,${plan.domainDn}`,
        );
        expect(bad.filter((b) => b.startsWith(`GPO "${gone.name}"`))).toHaveLength(2);
        expect(bad.filter((b) => b.startsWith("gPLink of "))).toHaveLength(1);
        const wrong = await run(healthyDc(), "wrong");
        expect(wrong.r.checks.every((c) => !c.ok)).toBe(true);
        expect(wrong.r.checks[0].observed).toBe(`ldapsearch -b CN=Policies,CN=System,${plan.domainDn} exit 49: ldap_bind: Invalid credentials (49)`);
    });
});

describe("dry run and skip", () => {
    test("dev: the gpo scenario's steps, as the acceptance account, contacting only the PDC emulator", async () => {
        const r = await dryRun("gpo", ["--stack", "dev"]);
        const dc = dev.domain!.dcs.find((d) => d.name === plan.dc)!;
        expect(r.code).toBe(0);
        const lines = r.out.trim().split("\n");
        expect(lines[0]).toBe(
            `gpo: every GPO the model links is visible where a Windows client looks: LDAP, gPLink, SYSVOL's GPT.INI (${2 * plan.gpos.length + plan.links.length} steps; logs on as svc-acceptance)`,
        );
        const contacts = new Set(lines.slice(1).flatMap((l) => l.replace(/^.*; contacts /, "").split(", ")));
        expect([...contacts].sort()).toEqual([`${dc.address} (smb)`, `${dc.fqdn} (ldaps)`]);
    });
    test("a site without billu:gpo is not run, saying why", () => {
        expect(gpoScenario.skip(modelOf("ecotech"))).toBe("the site has no Group Policy (billu:gpo)");
        expect(gpoScenario.skip(dev)).toBeUndefined();
    });
});
