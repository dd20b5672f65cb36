/** The DHCP plan: scopes from the model, sizing against the HR export, reservations, HA, flows; bad input. */
import fc from "fast-check";
import { ipToInt } from "../../model/addressing";
import { addressesNeeded } from "../../model/dhcp";
import { model, problemsOf, stackRaw } from "../helpers";

describe("the plan of the committed stacks", () => {
    test("dev: one server, nine relayed department scopes keyed by VLAN id, options from the DCs and the domain", () => {
        const p = model(stackRaw("dev")).dhcp!;
        expect(p.servers).toEqual([{ name: "PAR-DHCP01", address: "10.20.10.21", ifname: "eth0", haRole: undefined, haUrl: undefined }]);
        expect(p.ha).toBeUndefined();
        expect(p.scopes.map((s) => [s.zone, s.subnetId, `${s.poolStart}-${s.poolEnd}`, s.gateway, s.relayAddress, s.relayInterface])).toEqual([
            ["lan-direction", 20, "10.20.20.100-10.20.20.250", "10.20.20.1", "10.20.20.1", "eth4"],
            ["lan-dsi", 21, "10.20.21.100-10.20.21.250", "10.20.21.1", "10.20.21.1", "eth5"],
            ["lan-dev", 22, "10.20.22.100-10.20.22.250", "10.20.22.1", "10.20.22.1", "eth6"],
            ["lan-finance", 23, "10.20.23.100-10.20.23.250", "10.20.23.1", "10.20.23.1", "eth7"],
            ["lan-rh", 24, "10.20.24.100-10.20.24.250", "10.20.24.1", "10.20.24.1", "eth8"],
            ["lan-commercial", 25, "10.20.25.100-10.20.25.250", "10.20.25.1", "10.20.25.1", "eth9"],
            ["lan-juridique", 26, "10.20.26.100-10.20.26.250", "10.20.26.1", "10.20.26.1", "eth10"],
            ["lan-qhse", 27, "10.20.27.100-10.20.27.250", "10.20.27.1", "10.20.27.1", "eth11"],
            ["lan-com", 28, "10.20.28.100-10.20.28.250", "10.20.28.1", "10.20.28.1", "eth12"],
        ]);
        expect(p.relay).toEqual({
            upstream: ["eth2"],
            downstream: ["eth4", "eth5", "eth6", "eth7", "eth8", "eth9", "eth10", "eth11", "eth12"],
            servers: ["10.20.10.21"],
        });
        expect([p.dnsServers, p.ntpServers, p.domain]).toEqual([["10.20.10.11"], ["10.20.10.11"], "billu.remindme.lan"]);
        expect(p.lease).toEqual({ validSeconds: 28800, renewSeconds: 14400, rebindSeconds: 25200 });
        // 40 developers x 2 devices + 25 % = 100 addresses of 151.
        expect(p.scopes.find((s) => s.zone === "lan-dev")).toMatchObject({ headcount: 40, needed: 100, poolSize: 151 });
        expect(p.scopes.find((s) => s.zone === "lan-dsi")!.reservations).toEqual([
            { name: "prn-dsi-01", mac: "02:b1:11:21:00:20", zone: "lan-dsi", address: "10.20.21.20" },
        ]);
    });

    test("prod: a hot-standby pair, the first DHCP host primary, peers on the kea-ha port, three DCs for DNS and NTP", () => {
        const p = model(stackRaw("prod")).dhcp!;
        expect(p.servers.map((s) => [s.name, s.haRole, s.haUrl])).toEqual([
            ["PAR-DHCP01", "primary", "https://10.10.10.21:8005/"],
            ["PAR-DHCP02", "standby", "https://10.10.10.22:8005/"],
        ]);
        expect(p.ha).toEqual({ mode: "hot-standby", heartbeatDelayMs: 2000, maxResponseDelayMs: 6000, maxAckDelayMs: 3000, maxUnackedClients: 0 });
        expect(p.relay.servers).toEqual(["10.10.10.21", "10.10.10.22"]);
        expect(p.dnsServers).toEqual(["10.10.10.11", "10.10.10.12", "10.10.10.13"]);
    });

    test.each(["dev", "prod"])("%s: no pool holds a static host, a router address or a reservation; reservations sit in their zone", (stack) => {
        const m = model(stackRaw(stack));
        const taken = [...m.hosts.flatMap((h) => h.nics.map((n) => n.address)), ...m.zones.flatMap((z) => [z.gateway, z.routerAddress])];
        for (const s of m.dhcp!.scopes) {
            const inPool = (a: string) => ipToInt(a) >= ipToInt(s.poolStart) && ipToInt(a) <= ipToInt(s.poolEnd);
            expect([...taken, ...m.dhcp!.scopes.flatMap((x) => x.reservations.map((r) => r.address))].filter(inPool)).toEqual([]);
            for (const r of s.reservations) expect(ipToInt(r.address) > s.subnet.first && ipToInt(r.address) < s.subnet.last).toBe(true);
        }
    });

    test("a zone-wide flow to the servers zone covers the renewals as well as a flow naming the servers", () => {
        const raw = stackRaw("dev");
        for (const f of raw.flows) if (f.to === "servers") delete f.hosts;
        expect(problemsOf(raw)).toEqual([]);
    });
});

describe("addresses a department needs", () => {
    test("40 people x 2 devices + 25 % is 100; 29 x 1.5 + 20 % is 52.2, rounded up to 53", () => {
        expect(addressesNeeded(40, 2, 25)).toBe(100);
        expect(addressesNeeded(29, 1.5, 20)).toBe(53);
        expect(addressesNeeded(0, 2, 25)).toBe(0);
    });

    test("property: the least whole number of addresses covering headcount x factor x (1 + margin)", () => {
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 300 }), (people, tenths, margin) => {
                const n = addressesNeeded(people, tenths / 10, margin);
                // Exact in integers: n >= people x tenths/10 x (100 + margin)/100, and n - 1 is not.
                const need1000 = people * tenths * (100 + margin);
                return n * 1000 >= need1000 && (n - 1) * 1000 < need1000;
            }),
        );
    });
});

describe("bad input: exit 2 with the key path, the value and the fix", () => {
    const cases: [string, string, (r: Record<string, any>) => void, string[]][] = [
        [
            "a pool overlapping a static host (the model's own check)",
            "dev",
            (r) => {
                r.hosts[4].zone = "lan-dsi";
                r.hosts[4].address = "10.20.21.120";
            },
            [
                "billu:hosts[4].address: 10.20.21.120 is inside the DHCP pool 10.20.21.100-10.20.21.250 of zone lan-dsi. Fix: pick a static address outside the pool, or shrink the pool",
            ],
        ],
        [
            "a pool overlapping another pool",
            "dev",
            (r) => {
                r.network.zones[5].cidr = "10.20.20.0/23";
                r.network.zones[5].dhcp = { enabled: true, poolStart: "10.20.20.240", poolEnd: "10.20.20.254" };
                r.dhcp.devicesPerPerson = 0.1;
            },
            [
                "billu:network.zones[5].cidr: 10.20.20.0/23 (lan-dsi) overlaps 10.20.20.0/24 (lan-direction, billu:network.zones[4]). Fix: give each zone its own non-overlapping network",
                "billu:network.zones[5].dhcp: pool 10.20.20.240-10.20.20.254 overlaps pool 10.20.20.100-10.20.20.250 of zone lan-direction (billu:network.zones[4]). Fix: give each zone a pool inside its own network; the DHCP server would hand out these addresses twice",
            ],
        ],
        [
            "a reservation outside its zone",
            "dev",
            (r) => (r.dhcp.reservations[0].address = "10.20.99.20"),
            [
                "billu:dhcp.reservations[0].address: 10.20.99.20 is outside zone lan-dsi (10.20.21.0/24). Fix: reserve a usable address inside 10.20.21.0/24 outside the pool 10.20.21.100-10.20.21.250, or move the reservation to the zone that holds it",
            ],
        ],
        [
            "a reservation inside the pool",
            "dev",
            (r) => (r.dhcp.reservations[0].address = "10.20.21.150"),
            [
                "billu:dhcp.reservations[0].address: 10.20.21.150 is inside the DHCP pool 10.20.21.100-10.20.21.250 of zone lan-dsi. Fix: reserve an address outside the pool (the server hands pool addresses to anyone), or shrink the pool",
            ],
        ],
        [
            "a reservation on a static host's address",
            "dev",
            (r) => {
                r.hosts[4].zone = "lan-dsi";
                r.hosts[4].address = "10.20.21.20";
            },
            [
                "billu:dhcp.reservations[0].address: 10.20.21.20 is the static address of host PAR-MAIL01. Fix: reserve another address; static hosts and reservations must not share one",
                // Reported in the same pass: the mail service's own check of the moved host.
                'billu:hosts[4].zone: "lan-dsi" is a department zone, but PAR-MAIL01 is the mail server. Fix: put the mail server in a servers zone, or in the DMZ (servers, dmz)',
            ],
        ],
        [
            "a reservation on the gateway",
            "dev",
            (r) => (r.dhcp.reservations[0].address = "10.20.21.1"),
            [
                "billu:dhcp.reservations[0].address: 10.20.21.1 is the router's address in zone lan-dsi. Fix: reserve another address; this one belongs to the router",
            ],
        ],
        [
            "a MAC reserved twice (any case)",
            "dev",
            (r) => r.dhcp.reservations.push({ name: "prn-dsi-02", mac: "02:B1:11:21:00:20", zone: "lan-dsi", address: "10.20.21.21" }),
            ["billu:dhcp.reservations[2].mac: 02:B1:11:21:00:20 is already reserved by billu:dhcp.reservations[0] (prn-dsi-01). Fix: reserve each MAC once"],
        ],
        [
            "an address reserved twice",
            "dev",
            (r) => r.dhcp.reservations.push({ name: "prn-dsi-02", mac: "02:b1:11:21:00:21", zone: "lan-dsi", address: "10.20.21.20" }),
            ["billu:dhcp.reservations[2].address: 10.20.21.20 is already reserved by billu:dhcp.reservations[0] (prn-dsi-01). Fix: reserve each address once"],
        ],
        [
            "a reservation in a zone without DHCP",
            "dev",
            (r) => {
                r.dhcp.reservations[0].zone = "servers";
                r.dhcp.reservations[0].address = "10.20.10.50";
            },
            [
                'billu:dhcp.reservations[0].zone: "servers" has no DHCP. Fix: use a zone with DHCP enabled (lan-direction, lan-dsi, lan-dev, lan-finance, lan-rh, lan-commercial, lan-juridique, lan-qhse, lan-com), or enable DHCP in servers',
            ],
        ],
        [
            "a malformed MAC",
            "dev",
            (r) => (r.dhcp.reservations[1].mac = "02-b1-11-22-00-20"),
            [
                'billu:dhcp.reservations[1].mac: is "02-b1-11-22-00-20", which must be a mac address written aa:bb:cc:dd:ee:ff. Fix: correct the value (see README, "Configuration")',
            ],
        ],
        [
            "a DHCP zone without gateway",
            "dev",
            (r) => delete r.network.zones[5].gateway,
            [
                'billu:network.zones[5].gateway: is required but missing. Fix: set billu:network.zones[5].gateway in the stack config (see README, "Configuration")',
            ],
        ],
        [
            "a pool too small for its department",
            "dev",
            (r) => {
                r.dhcp.devicesPerPerson = 3;
                r.dhcp.marginPercent = 30;
            },
            [
                'billu:network.zones[6].dhcp: pool 10.20.22.100-10.20.22.250 holds 151 addresses, but department "Développement logiciel" needs 156 (40 people in the HR export x 3 devices per person (billu:dhcp.devicesPerPerson) + 30% margin (billu:dhcp.marginPercent)). Fix: widen the pool to at least 156 addresses, or lower billu:dhcp.devicesPerPerson or billu:dhcp.marginPercent',
            ],
        ],
        [
            "DHCP on the DHCP servers' own zone",
            "dev",
            (r) => (r.network.zones[2].dhcp = { enabled: true, poolStart: "10.20.10.100", poolEnd: "10.20.10.200" }),
            [
                "billu:network.zones[2].dhcp: enables DHCP on zone servers, which holds the DHCP server PAR-DHCP01. Fix: set dhcp.enabled to false: the servers serve the other zones through the router's relay, so their own zone uses static addresses",
            ],
        ],
        [
            "DHCP on the WAN",
            "dev",
            (r) => (r.network.zones[0].dhcp = { enabled: true, poolStart: "198.51.100.3", poolEnd: "198.51.100.6" }),
            ["billu:network.zones[0].dhcp: enables DHCP on the WAN zone. Fix: set dhcp.enabled to false: BillU's DHCP servers serve internal zones only"],
        ],
        [
            "a renewal time not before the rebinding time",
            "dev",
            (r) => (r.dhcp.lease.renewSeconds = 25200),
            [
                "billu:dhcp.lease.renewSeconds: 25200 is not shorter than rebindSeconds 25200. Fix: renew before rebinding: renewSeconds < rebindSeconds < validSeconds (e.g. half and seven eighths of validSeconds)",
            ],
        ],
        [
            "an HA partner declared down before a heartbeat is missed",
            "prod",
            (r) => (r.dhcp.ha.maxResponseDelayMs = 2000),
            [
                "billu:dhcp.ha.maxResponseDelayMs: 2000 is not longer than heartbeatDelayMs 2000. Fix: let at least one heartbeat go unanswered before the partner is declared down: maxResponseDelayMs > heartbeatDelayMs",
            ],
        ],
        [
            "a DHCP server without billu:dhcp",
            "dev",
            (r) => delete r.dhcp,
            ['billu:dhcp: is required when a host has role dhcp but missing. Fix: set billu:dhcp (lease, devicesPerPerson, marginPercent; see README, "DHCP")'],
        ],
        [
            "three DHCP servers",
            "prod",
            (r) => r.hosts.push({ ...r.hosts.find((h: any) => h.name === "PAR-DHCP02"), name: "PAR-DHCP03", address: "10.10.10.23", vmId: 122 }),
            ["billu:hosts: has 3 hosts of role dhcp (PAR-DHCP01, PAR-DHCP02, PAR-DHCP03). Fix: declare one DHCP server, or two for a hot-standby pair"],
        ],
        [
            "a flow the relay needs missing from the matrix",
            "dev",
            (r) => (r.flows = r.flows.filter((f: any) => !(f.from === "PAR-DHCP01" && f.to === "router"))),
            [
                "billu:flows: lacks PAR-DHCP01 -> router dhcp-relay, which DHCP needs (the server answers the relay). Fix: append { from: PAR-DHCP01, to: router, service: dhcp-relay } to billu:flows",
            ],
        ],
        [
            "a renewal flow to the servers naming another host",
            "prod",
            (r) => (r.flows.find((f: any) => f.from === "kind:department" && f.to === "servers" && f.service === "dhcp-relay").hosts = ["PAR-DHCP01"]),
            ["lan-direction", "lan-dsi", "lan-dev", "lan-finance", "lan-rh", "lan-commercial", "lan-juridique", "lan-qhse", "lan-com"].map(
                (z) =>
                    `billu:flows: lacks ${z} -> servers dhcp-relay to PAR-DHCP01, PAR-DHCP02, which DHCP needs (clients renew their lease directly with the server). Fix: append { from: ${z}, to: servers, service: dhcp-relay, hosts: [PAR-DHCP01, PAR-DHCP02] } to billu:flows`,
            ),
        ],
    ];

    test.each(cases)("%s", (_name, stack, mutate, messages) => {
        const raw = stackRaw(stack);
        mutate(raw);
        expect(problemsOf(raw)).toEqual(messages);
    });
});
