/**
 * The FTP plan (model/ftp.ts): what dev and prod derive, and every bad input with its exact message. Expected values
 * are written from the committed stacks and the port catalogue, not read back from the planner.
 */
import type { FtpPlan } from "../../model/ftp";
import { BUILTIN, overlappingServices, Service } from "../../model/ports";
import { model, problemsOf, stackRaw } from "../helpers";

const dev = () => stackRaw("dev");
const planOf = (raw: Record<string, unknown>) => model(raw).plan<FtpPlan>("ftp")!;

describe("the ftp plan of the committed stacks", () => {
    test("dev: PAR-FTP01, the catalogue's passive range, DSI and Direction from their zones, their folders and the common one", () => {
        const p = planOf(dev());
        expect(p.host).toEqual({ name: "PAR-FTP01", zone: "servers", address: "10.20.10.51" });
        expect(p.fqdn).toBe("par-ftp01.billu.remindme.lan");
        expect(p.certificate).toEqual({ commonName: "par-ftp01.billu.remindme.lan", dnsNames: ["par-ftp01.billu.remindme.lan"], ipAddresses: ["10.20.10.51"] });
        expect([p.controlPort, p.passive, p.advertisedAddress]).toEqual([21, { min: 40000, max: 40099 }, "10.20.10.51"]);
        expect(p.allowedZones).toEqual([
            { name: "lan-dsi", cidr: "10.20.21.0/24" },
            { name: "lan-direction", cidr: "10.20.20.0/24" },
        ]);
        expect(p.allowedGroups).toEqual(["GG_DSI", "GG_Direction"]);
        expect(p.folders).toEqual([
            { name: "dsi", path: "/srv/ftp/dsi", kind: "department", department: "DSI", group: "GG_DSI" },
            { name: "direction", path: "/srv/ftp/direction", kind: "department", department: "Direction", group: "GG_Direction" },
            { name: "commun", path: "/srv/ftp/commun", kind: "common", group: "GG_Personnel" },
        ]);
        expect([p.root, p.adminGroup, p.maxUploadMiB, p.forwardLogs]).toEqual(["/srv/ftp", "Domain Admins", 2, true]);
        expect(p.flows.map((f) => `${f.from} -> ${f.to} ${f.service}`)).toEqual([
            "lan-dsi -> PAR-FTP01 ftp",
            "lan-dsi -> PAR-FTP01 ftp-passive",
            "lan-direction -> PAR-FTP01 ftp",
            "lan-direction -> PAR-FTP01 ftp-passive",
        ]);
    });

    test("prod: the defaults, every department zone, all staff, a folder per department", () => {
        const p = planOf(stackRaw("prod"));
        expect(p.allowedZones.map((z) => z.name)).toEqual([
            "lan-direction",
            "lan-dsi",
            "lan-dev",
            "lan-finance",
            "lan-rh",
            "lan-commercial",
            "lan-juridique",
            "lan-qhse",
            "lan-com",
        ]);
        expect(p.allowedGroups).toEqual(["GG_Personnel"]);
        expect(p.folders.map((f) => `${f.name}:${f.group}`)).toEqual([
            "direction:GG_Direction",
            "dsi:GG_DSI",
            "developpement-logiciel:GG_Developpement-logiciel",
            "finance-et-comptabilite:GG_Finance-et-Comptabilite",
            "ressources-humaines:GG_Ressources-humaines",
            "service-commercial:GG_Service-commercial",
            "service-juridique:GG_Service-juridique",
            "qhse:GG_QHSE",
            "communication-et-relations-publiques:GG_Communication-et-Relations-publiques",
            "commun:GG_Personnel",
        ]);
        expect(p.maxUploadMiB).toBe(2048);
    });

    test("the catalogue: ftp is the control port alone, ftp-passive the default range, and no two built-in services share a port", () => {
        expect(BUILTIN.get("ftp")!.ports).toEqual([{ proto: "tcp", from: 21, to: 21 }]);
        expect(BUILTIN.get("ftp-passive")!.ports).toEqual([{ proto: "tcp", from: 40000, to: 40099 }]);
        expect(overlappingServices(BUILTIN.services.values())).toEqual([]);
    });

    test("the overlap check names both services and the ports they share; bundles are made of others and are not judged", () => {
        const svc = (name: string, ports: [number, number][], bundle = false): Service => ({
            name,
            description: name,
            ports: ports.map(([from, to]) => ({ proto: "tcp", from, to })),
            includes: [],
            bundle,
            reverse: false,
            relaysDhcpClients: false,
            custom: false,
        });
        const oldFtp = svc("ftp", [
            [21, 21],
            [50000, 50100],
        ]);
        const rpc = svc("rpc-dynamic", [[49152, 65535]]);
        expect(overlappingServices([oldFtp, rpc, svc("ad", [[49152, 65535]], true)]).map(([a, b, r]) => [a.name, b.name, r])).toEqual([
            ["ftp", "rpc-dynamic", { proto: "tcp", from: 50000, to: 50100 }],
        ]);
    });

    test("without the FTP flows the site is refused, naming each line to add", () => {
        const raw = dev();
        raw.flows = raw.flows.filter((f: { service: string }) => !f.service.startsWith("ftp"));
        const line = (zone: string, service: string, why: string) =>
            `billu:flows: lacks ${zone} -> PAR-FTP01 ${service}, which the FTP server needs (staff of ${zone} ${why}). Fix: append { from: ${zone}, to: PAR-FTP01, service: ${service} } to billu:flows`;
        expect(problemsOf(raw)).toEqual([
            line("lan-dsi", "ftp", "log in over explicit TLS"),
            line("lan-dsi", "ftp-passive", "transfer files in passive mode"),
            line("lan-direction", "ftp", "log in over explicit TLS"),
            line("lan-direction", "ftp-passive", "transfer files in passive mode"),
        ]);
    });
});

describe("bad input: one clear message each (key path, value received, fix)", () => {
    const cases: [string, (raw: Record<string, any>) => void, string[]][] = [
        [
            "a passive range overlapping another service's ports (the old 50000-50100, inside rpc-dynamic)",
            (r) => (r.ftp.passivePorts = { min: 50000, max: 50100 }),
            [
                "billu:ftp.passivePorts: tcp/50000-50100 overlaps the service rpc-dynamic (tcp/49152-65535). Fix: choose a range inside ftp-passive (tcp/40000-40099), which no other service uses",
            ],
        ],
        [
            "a passive range overlapping a site service",
            (r) => {
                r.firewall.services = [{ name: "glpi-agent", ports: ["tcp/40050"] }];
            },
            [
                "billu:ftp.passivePorts: tcp/40000-40099 overlaps the service glpi-agent (tcp/40050). Fix: choose a range inside ftp-passive (tcp/40000-40099), which no other service uses",
            ],
        ],
        [
            "a passive range outside ftp-passive (the flows would not open it)",
            (r) => (r.ftp.passivePorts = { min: 30000, max: 30099 }),
            [
                "billu:ftp.passivePorts: tcp/30000-30099 is not inside ftp-passive (tcp/40000-40099), the range the router and the VM firewall open. Fix: choose a range inside tcp/40000-40099",
            ],
        ],
        [
            "min above max",
            (r) => (r.ftp.passivePorts = { min: 40090, max: 40010 }),
            [
                "billu:ftp.passivePorts: min 40090 is above max 40010. Fix: give the first port of the range as min and the last as max (e.g. min: 40000, max: 40099)",
            ],
        ],
        [
            "a privileged port",
            (r) => (r.ftp.passivePorts = { min: 1000, max: 40099 }),
            ['billu:ftp.passivePorts.min: is 1000, which number must be greater than or equal to 1024. Fix: correct the value (see README, "Configuration")'],
        ],
        [
            "an unknown zone",
            (r) => r.ftp.allowedZones.push("lan-compta"),
            [
                'billu:ftp.allowedZones[2]: "lan-compta" is not a zone of billu:network.zones. Fix: name one of management, servers, dmz, lan-direction, lan-dsi, lan-dev, lan-finance, lan-rh, lan-commercial, lan-juridique, lan-qhse, lan-com',
            ],
        ],
        [
            "a zone named twice",
            (r) => r.ftp.allowedZones.push("lan-dsi"),
            ['billu:ftp.allowedZones[2]: "lan-dsi" is already billu:ftp.allowedZones[0]. Fix: name each zone once'],
        ],
        [
            "the WAN",
            (r) => r.ftp.allowedZones.push("wan"),
            ['billu:ftp.allowedZones[2]: "wan" is the WAN: FTP is for staff inside the site. Fix: remove it; staff outside connect through the VPN'],
        ],
        [
            "an unknown group",
            (r) => r.ftp.allowedGroups.push("GG_Compta"),
            [
                'billu:ftp.allowedGroups[2]: "GG_Compta" is not a group of the directory plan. Fix: use GG_Personnel, a department group (GG_Direction, GG_DSI, GG_Developpement-logiciel, GG_Finance-et-Comptabilite, GG_Ressources-humaines, GG_Service-commercial, GG_Service-juridique, GG_QHSE, GG_Communication-et-Relations-publiques) or a service group (directory naming)',
            ],
        ],
        [
            "an unknown department folder",
            (r) => r.ftp.folders.departments.push("Compta"),
            [
                'billu:ftp.folders.departments[2]: "Compta" is not the department of any department zone. Fix: use one of Direction, DSI, Développement logiciel, Finance et Comptabilité, Ressources humaines, Service commercial, Service juridique, QHSE, Communication et Relations publiques',
            ],
        ],
        [
            "a common folder named like a department's",
            (r) => (r.ftp.folders.common = "dsi"),
            ['billu:ftp.folders.common: "dsi" is already the folder of the department DSI. Fix: give the common folder another name (e.g. commun)'],
        ],
        [
            "an advertised address that is no IPv4 address",
            (r) => (r.ftp.advertisedAddress = "par-ftp01"),
            [
                'billu:ftp.advertisedAddress: "par-ftp01" is not an IPv4 address. Fix: write the address clients reach the server at (dotted IPv4, e.g. 10.20.10.51), or leave it out for the server\'s own',
            ],
        ],
        [
            "an FTP server that does not join the domain",
            (r) => (r.hosts.find((h: { name: string }) => h.name === "PAR-FTP01").joinDomain = false),
            [
                "billu:hosts[9].joinDomain: is false, but PAR-FTP01 is the FTP server: its users are AD users (PAM through SSSD). Fix: set billu:hosts[9].joinDomain: true",
            ],
        ],
        [
            "billu:ftp naming a host of another role",
            (r) => (r.ftp.host = "PAR-FS01"),
            ['billu:ftp.host: "PAR-FS01" has role fileserver, not ftp. Fix: give the FTP server its own host of role ftp (e.g. PAR-FTP01)'],
        ],
        [
            "billu:ftp without an FTP server",
            (r) => {
                r.hosts = r.hosts.filter((h: { name: string }) => h.name !== "PAR-FTP01");
                r.flows = r.flows.filter((f: { from: string; to: string }) => f.from !== "PAR-FTP01" && f.to !== "PAR-FTP01");
            },
            [
                "billu:hosts: has no host of role ftp, but billu:ftp is set. Fix: add the FTP server to billu:hosts (role: ftp, os: debian-12, joinDomain: true, e.g. PAR-FTP01), or remove billu:ftp",
            ],
        ],
        [
            "an upload limit of zero",
            (r) => (r.ftp.maxUploadMiB = 0),
            ['billu:ftp.maxUploadMiB: is 0, which number must be greater than or equal to 1. Fix: correct the value (see README, "Configuration")'],
        ],
    ];
    test.each(cases)("%s", (_name, mutate, expected) => {
        const raw = dev();
        mutate(raw);
        expect(problemsOf(raw)).toEqual(expected);
    });
});
