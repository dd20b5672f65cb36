/**
 * The telephony plan (model/telephony.ts): what dev and prod derive from the committed HR export, every bad input with
 * its exact message, and the properties issue #26 asks for (one extension per desk number, a leaver's number never
 * reassigned, a move changes ring groups only). Expected values come from the export read here with csv-parse and
 * from the stack files, never from the planner.
 */
import { parse } from "csv-parse/sync";
import * as fc from "fast-check";
import { readFileSync } from "fs";
import * as path from "path";
import { planDirectory } from "../../model/directory";
import { EMPTY_LOCK } from "../../model/directory-lock";
import { Problems } from "../../model/errors";
import { parseHrExport } from "../../model/hr";
import { BUILTIN } from "../../model/ports";
import { extensionOf, FREEPBX_INSTALLER, planTelephony, TelephonyInput, TelephonyPerson, TelephonyPlan, telephonySchema } from "../../model/telephony";
import { model, problemsOf, ROOT, stackRaw } from "../helpers";

const HR_TEXT = readFileSync(path.join(ROOT, "data", "billu-hr.csv"), "utf8");
const HR_ROWS: Record<string, string>[] = parse(HR_TEXT, { delimiter: ";", columns: true, bom: true });
const planOf = (raw: Record<string, unknown>) => model(raw).plan<TelephonyPlan>("pbx")!;

describe("the telephony plan of the committed stacks", () => {
    test("dev: PAR-PBX01, one extension per desk number (its last 5 digits), 9 ring groups after the reception", () => {
        const p = planOf(stackRaw("dev"));
        expect(p.host).toEqual({ name: "PAR-PBX01", zone: "servers", address: "10.20.10.71" });
        expect(p.fqdn).toBe("par-pbx01.billu.remindme.lan");
        const desk = HR_ROWS.filter((r) => r["Telephone fixe"].trim() !== "");
        expect(p.extensions).toHaveLength(desk.length);
        expect(new Set(p.extensions.map((e) => e.number)).size).toBe(desk.length);
        expect(p.extensions.map((e) => e.number).sort()).toEqual(desk.map((r) => r["Telephone fixe"].replace(/ /g, "").slice(-5)).sort());
        // Line 2 of the export: Sarah Fournier, 01 78 41 91 73.
        expect(p.extensions.find((e) => e.deskNumber === "01 78 41 91 73")).toEqual({
            number: "19173",
            sam: "sarah.fournier",
            name: "Sarah Fournier",
            department: "Finance et Comptabilité",
            deskNumber: "01 78 41 91 73",
            voicemailEmail: "sarah.fournier@billu.remindme.lan",
        });
        expect(p.reception).toEqual({ number: "80000", operator: "80001", timeoutSeconds: 7 });
        const byDept = new Map<string, number>();
        for (const r of desk) byDept.set(r.Departement, (byDept.get(r.Departement) ?? 0) + 1);
        expect(p.ringGroups.map((g) => [g.number, g.key, g.department, g.members.length])).toEqual([
            ["80001", "1", "Direction", byDept.get("Direction")],
            ["80002", "2", "DSI", byDept.get("DSI")],
            ["80003", "3", "Développement logiciel", byDept.get("Développement logiciel")],
            ["80004", "4", "Finance et Comptabilité", byDept.get("Finance et Comptabilité")],
            ["80005", "5", "Ressources humaines", byDept.get("Ressources humaines")],
            ["80006", "6", "Service commercial", byDept.get("Service commercial")],
            ["80007", "7", "Service juridique", byDept.get("Service juridique")],
            ["80008", "8", "QHSE", byDept.get("QHSE")],
            ["80009", "9", "Communication et Relations publiques", byDept.get("Communication et Relations publiques")],
        ]);
        expect([p.sipTlsPort, p.provisioningPort, p.rtp]).toEqual([5061, 1443, { min: 10000, max: 20000 }]);
        expect(p.quarantined).toEqual([]);
        expect(p.trunk).toEqual({ enabled: false, provider: "operator" });
        expect(p.installer).toEqual({
            url: `https://raw.githubusercontent.com/FreePBX/sng_freepbx_debian_install/${FREEPBX_INSTALLER.commit}/sng_freepbx_debian_install.sh`,
            commit: FREEPBX_INSTALLER.commit,
            sha256: "afef5e4b480cf545b2035f92068dc2fdd32452989d170a16a84acb6e37b7d564",
        });
        expect(p.adminZones).toEqual([{ name: "management", cidr: "10.20.0.0/24" }]);
        const flows = p.flows.map((f) => `${f.from} -> ${f.to} ${f.service}`);
        expect(flows.slice(0, 4)).toEqual([
            "lan-direction -> PAR-PBX01 sip-tls",
            "lan-direction -> PAR-PBX01 rtp",
            "PAR-PBX01 -> lan-direction rtp",
            "lan-direction -> PAR-PBX01 pbx-provisioning",
        ]);
        expect(flows).toHaveLength(9 * 4 + 1);
        expect(flows[36]).toBe("management -> PAR-PBX01 https");
        expect(flows.some((f) => /wan|dmz/.test(f))).toBe(false);
    });

    test("the catalogue: sip-tls tcp/5061, rtp udp/10000-20000, pbx-provisioning tcp/1443", () => {
        expect(["sip-tls", "rtp", "pbx-provisioning"].map((n) => BUILTIN.get(n)!.ports)).toEqual([
            [{ proto: "tcp", from: 5061, to: 5061 }],
            [{ proto: "udp", from: 10000, to: 20000 }],
            [{ proto: "tcp", from: 1443, to: 1443 }],
        ]);
    });
});

describe("bad input: one clear message each", () => {
    test("the default 4 digits on this export: lines 14 and 111 both end in 94 14, named both, with the digits that work", () => {
        const raw = stackRaw("dev");
        raw.telephony = { installer: raw.telephony.installer };
        expect(problemsOf(raw)).toEqual([
            'data/billu-hr.csv:111: Telephone fixe "01 65 12 94 14" (Aïcha Mercier) gives extension 9414, already the extension of data/billu-hr.csv:14 (Camille de La Fontaine, "01 74 63 94 14"). Fix: correct one of the two desk numbers in the export, or set billu:telephony.extensionDigits: 5 (the last 5 digits are unique in this export)',
        ]);
    });

    test("prod without the installer's checksum", () => {
        const raw = stackRaw("prod");
        raw.telephony = { extensionDigits: 5 };
        expect(problemsOf(raw)).toEqual([
            `billu:telephony.installer.sha256: is missing: prod runs only an installer whose checksum was reviewed. Fix: download https://raw.githubusercontent.com/FreePBX/sng_freepbx_debian_install/${FREEPBX_INSTALLER.commit}/sng_freepbx_debian_install.sh, check it, and set its SHA-256 (sha256sum) here (${FREEPBX_INSTALLER.sha256} for the default commit)`,
        ]);
    });

    test("an RTP range outside the catalogue's rtp, a reception number on someone's extension, a release of nobody's number", () => {
        const raw = stackRaw("dev");
        raw.telephony = { ...raw.telephony, rtpPorts: { min: 30000, max: 30100 }, reception: { number: "19172" }, releasedExtensions: ["12345"] };
        expect(problemsOf(raw)).toEqual([
            "billu:telephony.rtpPorts: udp/30000-30100 is not inside rtp (udp/10000-20000), the range the router and the VM firewall open. Fix: choose a range inside udp/10000-20000",
            'billu:telephony.releasedExtensions[0]: "12345" is not the extension of anyone who left. Fix: remove it: only a leaver\'s quarantined number is released',
            "billu:telephony.reception.number: the ring group of Direction would be 19173, which is the extension of data/billu-hr.csv:2 (Sarah Fournier). Fix: choose a reception number followed by 9 free numbers",
        ]);
    });

    test("no host of role pbx, and an RTP range overlapping another service", () => {
        const raw = stackRaw("dev");
        raw.hosts = raw.hosts.filter((h: { name: string }) => h.name !== "PAR-PBX01");
        raw.flows = raw.flows.filter((f: { from: string; to: string }) => f.from !== "PAR-PBX01" && f.to !== "PAR-PBX01");
        raw.telephony = { ...raw.telephony, rtpPorts: { min: 4000, max: 4600 } };
        expect(problemsOf(raw)).toEqual([
            "billu:hosts: has no host of role pbx, but billu:telephony is set. Fix: add the PBX to billu:hosts (role: pbx, os: debian-12, e.g. PAR-PBX01), or remove billu:telephony",
            "billu:telephony.rtpPorts: udp/4000-4600 overlaps the service ipsec (udp/500 udp/4500). Fix: choose a range inside rtp (udp/10000-20000)",
        ]);
    });
});

// ------------------------------------------------------------------------------------------------ properties

const DEPTS = ["DSI", "RH", "Direction"];
const zones = DEPTS.map((d, i) => ({
    name: `lan-${i}`,
    kind: "department" as const,
    department: d,
    cidr: { text: `10.0.${i}.0/24` },
    bridge: "vmbr1",
    gateway: `10.0.${i}.1`,
    routerAddress: `10.0.${i}.1`,
    index: i,
}));
const baseInput = (people: TelephonyPerson[], leavers: TelephonyInput["leavers"] = [], cfg: Record<string, unknown> = {}): TelephonyInput => ({
    cfg: telephonySchema.parse(cfg),
    environment: "dev",
    hosts: [{ name: "PAR-PBX01", role: "pbx", os: "debian-12", zone: "servers", address: "10.0.9.71", index: 0 }],
    zones: [
        ...zones,
        { name: "management", kind: "management", cidr: { text: "10.0.99.0/24" }, bridge: "vmbr1", gateway: "10.0.99.1", routerAddress: "10.0.99.1", index: 9 },
    ] as never,
    domain: { fqdn: "billu.test" },
    people,
    leavers,
});
const run = (input: TelephonyInput) => {
    const problems = new Problems();
    const plan = planTelephony(input, problems);
    return { plan, problems: problems.all.map((p) => `${p.path}: ${p.message}`) };
};

/** People with distinct 4-digit suffixes below 8000 (the reception's block is 8000-8003). */
const peopleArb = fc
    .uniqueArray(fc.integer({ min: 0, max: 7999 }), { minLength: 1, maxLength: 40 })
    .chain((suffixes) =>
        fc.tuple(
            fc.constant(suffixes),
            fc.array(fc.constantFrom(...DEPTS), { minLength: suffixes.length, maxLength: suffixes.length }),
            fc.array(fc.integer({ min: 10, max: 99 }), { minLength: suffixes.length, maxLength: suffixes.length }),
        ),
    )
    .map(([suffixes, depts, prefixes]) =>
        suffixes.map((s, i) => {
            const four = String(s).padStart(4, "0");
            return {
                sam: `p${i}`,
                displayName: `Person ${i}`,
                department: depts[i],
                where: `hr.csv:${i + 2}`,
                phone: `01 ${prefixes[i]} 33 ${four.slice(0, 2)} ${four.slice(2)}`,
                mail: `p${i}@billu.test`,
            };
        }),
    );

describe("properties of the plan", () => {
    test("every person with a desk number has exactly one extension, the last digits of that number, unique", () => {
        fc.assert(
            fc.property(peopleArb, (people) => {
                const { plan, problems } = run(baseInput(people));
                expect(problems).toEqual([]);
                for (const p of people) {
                    const mine = plan!.extensions.filter((e) => e.sam === p.sam);
                    expect(mine.map((e) => e.number)).toEqual([p.phone.replace(/ /g, "").slice(-4)]);
                }
                expect(new Set(plan!.extensions.map((e) => e.number)).size).toBe(people.length);
                // Every extension rings in exactly one ring group: its department's.
                for (const e of plan!.extensions)
                    expect(plan!.ringGroups.filter((g) => g.members.includes(e.number)).map((g) => g.department)).toEqual([e.department]);
            }),
        );
    });

    test("a new hire never takes a leaver's quarantined number: the export is refused naming both, until the number is released", () => {
        fc.assert(
            fc.property(peopleArb, fc.nat(), (people, pick) => {
                const hire = people[pick % people.length];
                const leaver = { sam: "gone.person", name: "Gone Person", phone: `02 00 00 ${hire.phone.slice(-5)}` };
                const refused = run(baseInput(people, [leaver]));
                expect(refused.plan).toBeUndefined();
                const n = extensionOf(hire.phone, 4)!;
                expect(refused.problems).toEqual([
                    `${hire.where}: Telephone fixe "${hire.phone}" (${hire.displayName}) gives extension ${n}, quarantined since Gone Person (gone.person) left: a leaver's number is never reassigned silently`,
                ]);
                // Without the hire, the number is kept reserved and nobody has it.
                const others = people.filter((p) => p !== hire);
                if (others.length > 0) {
                    const kept = run(baseInput(others, [leaver]));
                    expect(kept.plan!.quarantined).toEqual([{ number: n, sam: "gone.person", name: "Gone Person" }]);
                    expect(kept.plan!.extensions.some((e) => e.number === n)).toBe(false);
                }
                // Released by a reviewed change: then it may be given again.
                const released = run(baseInput(people, [leaver], { releasedExtensions: [n] }));
                expect(released.problems).toEqual([]);
                expect(released.plan!.extensions.find((e) => e.number === n)!.sam).toBe(hire.sam);
            }),
        );
    });

    test("a department move changes ring groups only: every extension stays as it was", () => {
        fc.assert(
            fc.property(peopleArb, fc.nat(), fc.constantFrom(...DEPTS), (people, pick, to) => {
                const i = pick % people.length;
                const moved = people.map((p, j) => (j === i ? { ...p, department: to } : p));
                const before = run(baseInput(people)).plan!;
                const after = run(baseInput(moved)).plan!;
                expect(after.extensions.map(({ department: _d, ...e }) => e)).toEqual(before.extensions.map(({ department: _d, ...e }) => e));
                const n = extensionOf(people[i].phone, 4)!;
                const groupOf = (p: TelephonyPlan) => p.ringGroups.find((g) => g.members.includes(n))!.department;
                expect([groupOf(before), groupOf(after)]).toEqual([people[i].department, to]);
                // Every other extension keeps its ring group.
                for (const e of before.extensions.filter((x) => x.number !== n)) {
                    expect(after.ringGroups.find((g) => g.members.includes(e.number))!.department).toBe(e.department);
                }
            }),
        );
    });
});

describe("the directory lock keeps a leaver's desk number", () => {
    test("a person who leaves the export keeps their phone in the lock, so their extension stays quarantined", () => {
        const lines = HR_TEXT.trimEnd().split("\n");
        const hr = (text: string) => parseHrExport(Buffer.from(text), "hr.csv");
        const first = planDirectory({ hr: hr(lines.slice(0, 4).join("\n") + "\n"), lock: EMPTY_LOCK, domain: "billu.remindme.lan", company: "BillU" }).plan!;
        const sarah = first.lock.people.find((e) => e.sam === "sarah.fournier")!;
        expect(sarah.deskDigits).toBe("419173");
        const next = planDirectory({
            hr: hr([lines[0], lines[2], lines[3]].join("\n") + "\n"),
            lock: { people: first.lock.people, computers: first.lock.computers },
            domain: "billu.remindme.lan",
            company: "BillU",
        }).plan!;
        expect(next.lock.people.find((e) => e.sam === "sarah.fournier")).toEqual({ ...sarah, left: true });
    });
});
