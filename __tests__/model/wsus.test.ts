/**
 * The WSUS plan (model/wsus.ts), its requirements, the clients' GPO and the step's rendered plan: what prod derives,
 * and every bad input with its exact message. Expected values are written from the committed prod stack.
 */
import { renderWsusPlan } from "../../components/wsus/render";
import type { GposPlan } from "../../model/gpo";
import type { WsusPlan } from "../../model/wsus";
import { model, problemsOf, stackRaw } from "../helpers";

const prod = () => stackRaw("prod");
const planOf = (raw: Record<string, unknown>) => model(raw).plan<WsusPlan>("wsus")!;
/** The index of prod's WSUS GPO in billu:gpo.gpos. */
const wsusGpo = (raw: Record<string, any>): number => raw.gpo.gpos.findIndex((g: any) => g.policies?.wsusServer);

describe("the WSUS plan of prod", () => {
    test("PAR-WSUS01 on HTTPS 8531, content on D:, one target group on BillU/Ordinateurs with its GPO, one rule over every product, the weekly cleanup", () => {
        const p = planOf(prod());
        expect([p.host, p.fqdn, p.url, p.ssl, p.port]).toEqual([
            "PAR-WSUS01",
            "par-wsus01.billu.remindme.lan",
            "https://par-wsus01.billu.remindme.lan:8531",
            true,
            8531,
        ]);
        // prod sets no billu:wsus.cleanup: the defaults, every switch in the model's order.
        expect(p.cleanup).toEqual({
            task: "BillU WSUS cleanup",
            day: "Sunday",
            time: "04:00",
            switches: [
                "DeclineSupersededUpdates",
                "DeclineExpiredUpdates",
                "CleanupObsoleteUpdates",
                "CleanupObsoleteComputers",
                "CleanupUnneededContentFiles",
                "CompressUpdates",
            ],
        });
        expect([p.driveLetter, p.contentDir, p.dataDisk]).toEqual(["D", "D:\\WSUS", { index: 1, sizeGiB: 200 }]);
        expect(p.products).toEqual(["Windows 11", "Windows Server 2022"]);
        expect(p.classifications).toEqual(["Critical Updates", "Security Updates", "Definition Updates", "Update Rollups"]);
        expect([p.languages, p.upstream, p.syncTime]).toEqual([["fr", "en"], { kind: "microsoft-update" }, "01:30"]);
        expect(p.targetGroups).toEqual([{ name: "Postes BillU", ou: "BillU/Ordinateurs", gpo: "BillU - Windows Update (WSUS)" }]);
        expect(p.rules).toEqual([
            {
                name: "Securite et definitions",
                classifications: ["Critical Updates", "Security Updates", "Definition Updates"],
                products: ["Windows 11", "Windows Server 2022"],
                targetGroups: ["Postes BillU"],
                enabled: true,
            },
        ]);
    });

    test("the clients' GPO: WUServer on the role's URL, and client-side targeting to its OU's group", () => {
        const gpo = model(prod())
            .plan<GposPlan>("gpo")!
            .gpos.find((g) => g.name === "BillU - Windows Update (WSUS)")!;
        const k = "Software\\Policies\\Microsoft\\Windows\\WindowsUpdate";
        expect(gpo.machine.registry.filter((r) => r.key === k)).toEqual([
            { key: k, valueName: "WUServer", type: "REG_SZ", data: "https://par-wsus01.billu.remindme.lan:8531" },
            { key: k, valueName: "WUStatusServer", type: "REG_SZ", data: "https://par-wsus01.billu.remindme.lan:8531" },
            { key: k, valueName: "TargetGroupEnabled", type: "REG_DWORD", data: 1 },
            { key: k, valueName: "TargetGroup", type: "REG_SZ", data: "Postes BillU" },
        ]);
        expect(gpo.links.map((l) => l.ou)).toEqual(["BillU/Ordinateurs"]);
    });

    test("the step's wsus.json: exactly the plan's data, the disk's size in bytes", () => {
        const p = planOf(prod());
        expect(JSON.parse(renderWsusPlan(p))).toEqual({
            host: "PAR-WSUS01",
            fqdn: "par-wsus01.billu.remindme.lan",
            port: 8531,
            ssl: true,
            driveLetter: "D",
            dataDiskBytes: 200 * 1024 ** 3,
            contentDir: "D:\\WSUS",
            upstream: { kind: "microsoft-update" },
            languages: ["fr", "en"],
            syncTime: "01:30",
            products: ["Windows 11", "Windows Server 2022"],
            classifications: ["Critical Updates", "Security Updates", "Definition Updates", "Update Rollups"],
            targetGroups: [{ name: "Postes BillU", ou: "BillU/Ordinateurs" }],
            rules: p.rules,
            cleanup: p.cleanup,
        });
    });
});

describe("the flows WSUS needs come from its requirements", () => {
    test("without the departments' flow to PAR-WSUS01 on 8531, synth names the line to add", () => {
        const raw = prod();
        raw.flows = raw.flows.filter((f: any) => !(f.to === "PAR-WSUS01" && f.service === "wsus-ssl"));
        expect(problemsOf(raw)).toEqual([
            "billu:flows: lacks kind:department -> PAR-WSUS01 wsus-ssl, which WSUS needs (Windows clients report to and download from WSUS). Fix: append { from: kind:department, to: PAR-WSUS01, service: wsus-ssl } to billu:flows",
        ]);
    });
    test("over HTTP: 8530 is the port the clients need (and the 8531 flow then opens a port nothing listens on)", () => {
        const raw = prod();
        raw.wsus.ssl = false;
        raw.gpo.gpos[wsusGpo(raw)].policies.wsusServer.url = "http://par-wsus01.billu.remindme.lan:8530";
        expect(problemsOf(raw)).toEqual([
            "billu:flows: lacks kind:department -> PAR-WSUS01 wsus, which WSUS needs (Windows clients report to and download from WSUS). Fix: append { from: kind:department, to: PAR-WSUS01, service: wsus } to billu:flows",
            `billu:flows[${raw.flows.findIndex((f: any) => f.to === "PAR-WSUS01" && f.service === "wsus-ssl")}]: opens wsus-ssl (tcp/8531) on PAR-WSUS01, where nothing the site deploys listens: a host of role wsus answers on wsus, zabbix-agent, ssh. Fix: remove the flow, or deploy the service that answers on wsus-ssl on PAR-WSUS01`,
        ]);
    });
});

describe("bad input: one clear message each (key path, value received, fix)", () => {
    const cases: [string, (raw: Record<string, any>) => void, string[]][] = [
        [
            "a GPO URL naming another host",
            (r) => (r.gpo.gpos[wsusGpo(r)].policies.wsusServer.url = "https://par-wsus02.billu.remindme.lan:8531"),
            [
                'billu:gpo.gpos[9].policies.wsusServer.url: is "https://par-wsus02.billu.remindme.lan:8531", but the WSUS server is https://par-wsus01.billu.remindme.lan:8531 (PAR-WSUS01, billu:wsus.ssl true). Fix: set it to https://par-wsus01.billu.remindme.lan:8531',
            ],
        ],
        [
            "a GPO URL on HTTP 8530 while the role serves HTTPS",
            (r) => (r.gpo.gpos[wsusGpo(r)].policies.wsusServer.url = "http://par-wsus01.billu.remindme.lan:8530"),
            [
                'billu:gpo.gpos[9].policies.wsusServer.url: is "http://par-wsus01.billu.remindme.lan:8530", but the WSUS server is https://par-wsus01.billu.remindme.lan:8531 (PAR-WSUS01, billu:wsus.ssl true). Fix: set it to https://par-wsus01.billu.remindme.lan:8531, or change billu:wsus.ssl to false',
            ],
        ],
        [
            "a GPO URL on HTTPS but the HTTP port",
            (r) => (r.gpo.gpos[wsusGpo(r)].policies.wsusServer.url = "https://par-wsus01.billu.remindme.lan:8530"),
            [
                'billu:gpo.gpos[9].policies.wsusServer.url: is "https://par-wsus01.billu.remindme.lan:8530", but the WSUS server is https://par-wsus01.billu.remindme.lan:8531 (PAR-WSUS01, billu:wsus.ssl true). Fix: set it to https://par-wsus01.billu.remindme.lan:8531, or change billu:wsus.ssl to false',
            ],
        ],
        [
            "an unknown cleanup option, a bad day and time (the schema's messages; duplicates are checked after)",
            (r) => (r.wsus.cleanup = { day: "Dimanche", time: "4h", options: ["compressUpdates", "declineExpiredUpdates", "compressUpdates", "purge"] }),
            [
                'billu:wsus.cleanup.day: is "Dimanche". Fix: use one of Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday',
                'billu:wsus.cleanup.time: is "4h", which must be hh:mm (24 h). Fix: correct the value (see README, "Configuration")',
                'billu:wsus.cleanup.options[3]: is "purge". Fix: use one of declineSupersededUpdates, declineExpiredUpdates, obsoleteUpdates, obsoleteComputers, unneededContentFiles, compressUpdates',
            ],
        ],
        [
            "a cleanup option listed twice",
            (r) => (r.wsus.cleanup = { options: ["compressUpdates", "declineExpiredUpdates", "compressUpdates"] }),
            ['billu:wsus.cleanup.options[2]: "compressUpdates" is already options[0]. Fix: list every cleanup option once'],
        ],
        [
            "a target group on an OU the directory plan does not have",
            (r) => (r.wsus.targetGroups[0].ou = "BillU/Postes"),
            [
                expect.stringMatching(
                    /^billu:wsus\.targetGroups\[0\]\.ou: "BillU\/Postes" is not an OU of the directory plan\. Fix: use one of .*BillU\/Ordinateurs/,
                ) as unknown as string,
            ],
        ],
        [
            "a GPO naming a target group the role does not declare",
            (r) => (r.gpo.gpos[wsusGpo(r)].policies.wsusServer.targetGroup = "Serveurs"),
            [
                'billu:gpo.gpos[9].policies.wsusServer.targetGroup: "Serveurs" is not a target group of billu:wsus.targetGroups. Fix: use one of Postes BillU, or add it there',
                'billu:wsus.targetGroups[0]: "Postes BillU" has no GPO: no billu:gpo.gpos entry sets wsusServer.targetGroup "Postes BillU". Fix: add a GPO linked on BillU/Ordinateurs with policies.wsusServer { url: https://par-wsus01.billu.remindme.lan:8531, targetGroup: Postes BillU }',
            ],
        ],
        [
            "a WSUS GPO without a target group",
            (r) => delete r.gpo.gpos[wsusGpo(r)].policies.wsusServer.targetGroup,
            [
                "billu:gpo.gpos[9].policies.wsusServer.targetGroup: is missing: the server uses client-side targeting. Fix: set it to the target group of its OU (one of Postes BillU)",
                'billu:wsus.targetGroups[0]: "Postes BillU" has no GPO: no billu:gpo.gpos entry sets wsusServer.targetGroup "Postes BillU". Fix: add a GPO linked on BillU/Ordinateurs with policies.wsusServer { url: https://par-wsus01.billu.remindme.lan:8531, targetGroup: Postes BillU }',
            ],
        ],
        [
            "a rule approving a classification that is not synchronised, for an unknown group",
            (r) => {
                r.wsus.approvalRules[0].classifications = ["Drivers"];
                r.wsus.approvalRules[0].targetGroups = ["Serveurs"];
            },
            [
                'billu:wsus.approvalRules[0].classifications[0]: "Drivers" is not synchronised. Fix: add it to billu:wsus.classifications, or use one of Critical Updates, Security Updates, Definition Updates, Update Rollups',
                'billu:wsus.approvalRules[0].targetGroups[0]: "Serveurs" is not a target group. Fix: use one of Postes BillU',
            ],
        ],
        [
            "a rule product that is not synchronised, and a product listed twice",
            (r) => {
                r.wsus.approvalRules[0].products = ["Windows 10"];
                r.wsus.products.push("Windows 11");
            },
            [
                'billu:wsus.products[2]: "Windows 11" is already products[0]. Fix: list every product once',
                'billu:wsus.approvalRules[0].products[0]: "Windows 10" is not synchronised. Fix: add it to billu:wsus.products, or use one of Windows 11, Windows Server 2022, Windows 11',
            ],
        ],
        [
            "the WSUS host on Linux, with no data disk",
            (r) => {
                const h = r.hosts.find((x: any) => x.name === "PAR-WSUS01");
                h.os = "debian-12";
                h.disks = h.disks.slice(0, 1);
            },
            [
                expect.stringMatching(
                    /^billu:hosts\[\d+\]\.os: is "debian-12", but WSUS runs on Windows Server\. Fix: use windows-2022-gui or windows-2022-core$/,
                ) as unknown as string,
                expect.stringMatching(
                    /^billu:hosts\[\d+\]\.disks: gives PAR-WSUS01 no data disk after the OS disk\. Fix: add a data disk for the WSUS content/,
                ) as unknown as string,
            ],
        ],
        [
            "a WSUS host without billu:wsus",
            (r) => delete r.wsus,
            [
                "billu:wsus: is required for the WSUS server PAR-WSUS01 but missing. Fix: set billu:wsus (products, classifications, targetGroups; docs/services/wsus.md)",
            ],
        ],
    ];
    test.each(cases)("%s", (_name, edit, expected) => {
        const raw = prod();
        edit(raw);
        expect(problemsOf(raw)).toEqual(expected);
    });
});
