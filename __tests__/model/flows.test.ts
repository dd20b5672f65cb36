/** The flow model: bad input gives one exact message naming the flow's index; `evaluate` is the matrix's meaning. */
import fc from "fast-check";
import { Actor, evaluate, FirewallModel, flowsDeciding } from "../../model/flows";
import type { Protocol } from "../../model/ports";
import { BUILTIN, mergePorts, parsePort, PortRange, portIn } from "../../model/ports";
import { model, problemsOf, stackRaw } from "../helpers";

const DEV_FLOWS = stackRaw("dev").flows.length;

describe("bad flows and firewall config: one clear message each (key path with the flow's index, value, fix)", () => {
    const cases: [string, (r: Record<string, any>) => void, string][] = [
        [
            "an unknown zone",
            (r) => r.flows.push({ from: "lan-dsl", to: "servers", service: "ssh" }),
            `billu:flows[${DEV_FLOWS}].from: "lan-dsl" is neither a zone, a host, router, vpn-partner, vpn-partner:<host> nor kind:<zone kind>. Fix: use a zone (wan, management, servers, dmz, lan-direction, lan-dsi, lan-dev, lan-finance, lan-rh, lan-commercial, lan-juridique, lan-qhse, lan-com), a host of billu:hosts, router, vpn-partner, vpn-partner:<host> or kind:<zone kind> (wan, department, servers, dmz, management)`,
        ],
        [
            "an unknown host",
            (r) => r.flows.push({ from: "lan-dsi", to: "PAR-DC09", service: "ad" }),
            `billu:flows[${DEV_FLOWS}].to: "PAR-DC09" is neither a zone, a host, router, vpn-partner, vpn-partner:<host> nor kind:<zone kind>. Fix: use a zone (wan, management, servers, dmz, lan-direction, lan-dsi, lan-dev, lan-finance, lan-rh, lan-commercial, lan-juridique, lan-qhse, lan-com), a host of billu:hosts, router, vpn-partner, vpn-partner:<host> or kind:<zone kind> (wan, department, servers, dmz, management)`,
        ],
        [
            "an unknown service",
            (r) => r.flows.push({ from: "lan-dsi", to: "PAR-FS01", service: "cifs" }),
            `billu:flows[${DEV_FLOWS}].service: "cifs" is not a service. Fix: use one of ad, ad-trust, adws, dhcp-relay, dns, ftp, ftp-passive, global-catalog, http, https, imaps, ipsec, kea-ha, kerberos, kpasswd, ldap, ldaps, msrpc, ntp, pbx-provisioning, proxmox, rdp, restic-rest, rpc-dynamic, rspamd-milter, rtp, sip-tls, smb, smtp, ssh, submission, syslog-tls, sysvol-rsync, web-public-http, web-public-https, wsus, wsus-ssl, zabbix-agent, zabbix-trapper, or declare it in billu:firewall.services`,
        ],
        [
            "an unknown zone kind",
            (r) => r.flows.push({ from: "kind:lan", to: "PAR-FS01", service: "smb" }),
            `billu:flows[${DEV_FLOWS}].from: "kind:lan" names no zone kind. Fix: write kind:<kind> with kind one of wan, department, servers, dmz, management`,
        ],
        [
            "the firewall named as a host",
            (r) => r.flows.push({ from: "management", to: "PAR-FW01", service: "ssh" }),
            `billu:flows[${DEV_FLOWS}].to: "PAR-FW01" is the router/firewall. Fix: write router for traffic to or from the firewall itself`,
        ],
        [
            "a host outside the flow's zones",
            (r) => r.flows.push({ from: "lan-dsi", to: "servers", service: "ssh", hosts: ["PAR-WEB01"] }),
            `billu:flows[${DEV_FLOWS}].hosts[0]: PAR-WEB01 is in zone dmz, which is not a zone of the flow's from (lan-dsi) or to (servers). Fix: list only hosts of the flow's zones`,
        ],
        [
            "a flow from a host to itself can never match",
            (r) => r.flows.push({ from: "PAR-DC01", to: "PAR-DC01", service: "dns" }),
            `billu:flows[${DEV_FLOWS}]: PAR-DC01 -> PAR-DC01 dns can never match: it goes from PAR-DC01 to itself. Fix: correct its from/to, or remove it`,
        ],
        [
            "WAN to WAN can never match",
            (r) => r.flows.push({ from: "wan", to: "wan", service: "https" }),
            `billu:flows[${DEV_FLOWS}]: wan -> wan https can never match: the router does not forward from WAN back to WAN. Fix: correct its from/to, or remove it`,
        ],
        [
            "inside a zone without any VM can never match",
            // lan-dev: a department zone of dev without a VM (lan-dsi holds the client PAR-CLI01).
            (r) => r.flows.push({ from: "lan-dev", to: "lan-dev", service: "smb" }),
            `billu:flows[${DEV_FLOWS}]: lan-dev -> lan-dev smb can never match: traffic inside zone lan-dev does not cross the router, and no VM of billu:hosts sits in it to carry the rule. Fix: correct its from/to, or remove it`,
        ],
        [
            "an empty hosts list can never match",
            (r) => r.flows.push({ from: "lan-dsi", to: "servers", service: "smb", hosts: [] }),
            `billu:flows[${DEV_FLOWS}].hosts: is empty, so the flow can never match. Fix: remove hosts to take the whole zone, or list the hosts`,
        ],
        [
            "vpn-partner without partner networks can never match",
            (r) => r.flows.push({ from: "vpn-partner", to: "PAR-FS01", service: "smb" }),
            `billu:flows[${DEV_FLOWS}].from: is vpn-partner, but billu:firewall.vpnPartner declares no partner networks, so the flow can never match. Fix: declare billu:firewall.vpnPartner.networks, or remove the flow`,
        ],
        [
            "a duplicate, even written another way",
            (r) => r.flows.push({ from: "kind:department", to: "servers", service: "smb", hosts: ["PAR-FS01"] }),
            `billu:flows[${DEV_FLOWS}]: duplicates billu:flows[7] (kind:department -> PAR-FS01 smb). Fix: remove one of them`,
        ],
        [
            "a port out of range in a site service",
            (r) => (r.firewall.services = [{ name: "glpi-agent", ports: ["tcp/62354", "tcp/70000"] }]),
            'billu:firewall.services[0].ports[1]: "tcp/70000" has port 70000 out of range. Fix: write tcp/<port> or udp/<from>-<to> with ports from 1 to 65535',
        ],
        [
            "a malformed port",
            (r) => (r.firewall.services = [{ name: "voip", ports: ["sip/5060"] }]),
            'billu:firewall.services[0].ports[0]: "sip/5060" is not written <proto>/<port> or <proto>/<from>-<to> with proto tcp or udp. Fix: write tcp/<port> or udp/<from>-<to> with ports from 1 to 65535',
        ],
        [
            "a site service shadowing a built-in",
            (r) => (r.firewall.services = [{ name: "ssh", ports: ["tcp/2222"] }]),
            'billu:firewall.services[0].name: "ssh" is a built-in service. Fix: use the built-in service, or give yours another name',
        ],
        [
            "a bundle that includes itself",
            (r) =>
                (r.firewall.services = [
                    { name: "a", includes: ["b"] },
                    { name: "b", includes: ["a"] },
                ]),
            "billu:firewall.services[0].includes: includes itself through a -> b -> a. Fix: remove the cycle from includes",
        ],
        [
            "a published service without a DMZ host",
            (r) => r.firewall.published.push({ service: "imaps", host: "PAR-MAIL01" }),
            "billu:firewall.published[3].host: PAR-MAIL01 is in zone servers (servers), not in a DMZ zone. Fix: publish only services of a DMZ host (put a relay or reverse proxy in the DMZ in front of an internal server)",
        ],
        [
            "a published service on an unknown host",
            (r) => r.firewall.published.push({ service: "imaps", host: "PAR-MAIL09" }),
            'billu:firewall.published[3].host: "PAR-MAIL09" is not a host of billu:hosts. Fix: name the DMZ host that serves it',
        ],
        [
            "a public port out of range",
            (r) => r.firewall.published.push({ service: "ssh", host: "PAR-WEB01", publicPort: 70000 }),
            "billu:firewall.published[3].publicPort: 70000 is out of range. Fix: use a port from 1 to 65535",
        ],
        [
            "a public port for a multi-port service",
            (r) => r.firewall.published.push({ service: "global-catalog", host: "PAR-WEB01", publicPort: 3268 }),
            "billu:firewall.published[3].publicPort: 3268 cannot translate global-catalog, which has several ports. Fix: leave publicPort out, or publish a single-port service",
        ],
        [
            "a WAN port published twice",
            (r) => r.firewall.published.push({ service: "ssh", host: "PAR-WEB01", publicPort: 443 }),
            "billu:firewall.published[3].service: tcp/443 on the WAN address is already published by billu:firewall.published[1]. Fix: publish each WAN port once (set publicPort to another port)",
        ],
        [
            "a DMZ allowlist entry that matches no flow",
            (r) => r.firewall.dmzAllowlist.push({ from: "dmz", to: "PAR-DC01", service: "ntp", reason: "time from the domain" }),
            "billu:firewall.dmzAllowlist[8]: matches no flow of billu:flows (dmz -> PAR-DC01 ntp). Fix: write the from, to and service of the flow exactly as in billu:flows, or remove the entry",
        ],
        [
            "VPN partner networks overlapping a zone",
            (r) => (r.firewall.vpnPartner = { networks: ["10.20.0.0/16"] }),
            "billu:firewall.vpnPartner.networks[0]: 10.20.0.0/16 overlaps zone management (10.20.0.0/24). Fix: the partner's networks must not overlap this site's zones (renumber one side, or NAT the tunnel)",
        ],
        ["an unknown engine", (r) => (r.firewall.engine = "iptables"), 'billu:firewall.engine: is "iptables". Fix: use one of nftables, pfsense'],
        [
            "SSH from WAN to the router itself",
            (r) => r.flows.push({ from: "wan", to: "router", service: "ssh" }),
            `billu:flows[${DEV_FLOWS}]: wan -> router ssh opens tcp/22 on the router itself to the internet. Fix: remove the flow (the management zone always keeps SSH to the router); from WAN the router accepts only the VPN's IKE and NAT-T (service ipsec, with billu:vpn) and the port forwards of billu:firewall.published`,
        ],
        [
            "a site service covering every port from WAN (kind:wan) to the router",
            (r) => {
                r.firewall.services = [{ name: "everything", ports: ["tcp/1-65535", "udp/1-65535"] }];
                r.flows.push({ from: "kind:wan", to: "router", service: "everything" });
            },
            `billu:flows[${DEV_FLOWS}]: kind:wan -> router everything opens tcp/1-65535 udp/1-65535 on the router itself to the internet. Fix: remove the flow (the management zone always keeps SSH to the router); from WAN the router accepts only the VPN's IKE and NAT-T (service ipsec, with billu:vpn) and the port forwards of billu:firewall.published`,
        ],
        [
            "the VPN gateway's ports from WAN on a site without billu:vpn",
            (r) => r.flows.push({ from: "wan", to: "router", service: "ipsec" }),
            `billu:flows[${DEV_FLOWS}]: wan -> router ipsec opens the VPN gateway's ports (udp/500 udp/4500) on the router, but billu:vpn declares no tunnel. Fix: declare the tunnel in billu:vpn (the router then accepts them from its peer's gateway only), or remove the flow`,
        ],
        [
            "a site service covering every port from the DMZ to a more trusted zone",
            (r) => {
                r.firewall.services = [{ name: "all-udp", ports: ["udp/1-100", "udp/101-65535"] }];
                r.flows.push({ from: "dmz", to: "servers", service: "all-udp" });
            },
            `billu:flows[${DEV_FLOWS}].service: "all-udp" opens every udp port from dmz (dmz) to servers (servers), a more trusted zone. Fix: list only the ports the flow needs in the service (billu:firewall.services)`,
        ],
    ];

    test.each(cases)("%s", (_name, mutate, message) => {
        const raw = stackRaw("dev");
        mutate(raw);
        expect(problemsOf(raw)).toEqual([message]);
    });

    test("every port from a more trusted zone to a less trusted one is the site's choice", () => {
        const raw = stackRaw("dev");
        raw.firewall.services = [{ name: "everything", ports: ["tcp/1-65535", "udp/1-65535"] }];
        raw.flows.push({ from: "management", to: "kind:department", service: "everything" });
        expect(problemsOf(raw)).toEqual([]);
    });

    test("several bad flows are reported at once", () => {
        const raw = stackRaw("dev");
        raw.flows.push({ from: "lan-dsl", to: "servers", service: "ssh" }, { from: "lan-dsi", to: "servers", service: "cifs" });
        expect(problemsOf(raw).map((p) => p.split(":").slice(0, 2).join(":"))).toEqual([
            `billu:flows[${DEV_FLOWS}].from`,
            `billu:flows[${DEV_FLOWS + 1}].service`,
        ]);
    });
});

describe("the committed matrices", () => {
    test.each(["dev", "prod"])("%s resolves every flow and publishes only DMZ hosts", (stack) => {
        const fw = model(stackRaw(stack)).firewall!;
        expect(fw.flows).toHaveLength(stackRaw(stack).flows.length);
        expect(fw.published.map((p) => `${p.service.name}->${p.host.name}`)).toEqual([
            "web-public-http->PAR-WEB01",
            "web-public-https->PAR-WEB01",
            "smtp->PAR-MX01",
        ]);
        expect(fw.engine).toBe("nftables");
    });

    test("kind:department expands to the nine department zones; hosts narrow the destination", () => {
        const f = model(stackRaw("dev")).firewall!.flows[6];
        expect(f.sources.map((m) => m.name)).toEqual([
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
        expect(f.destinations).toEqual([
            { kind: "host", name: "PAR-DC01", zone: "servers", zoneKind: "servers", addresses: ["10.20.10.11"], ifname: "eth2", routerNic: "net2" },
        ]);
    });

    test("a site service and a bundle of it resolve to merged ports", () => {
        const raw = stackRaw("dev");
        raw.firewall.services = [
            { name: "glpi", description: "GLPI agent", ports: ["tcp/62354"] },
            { name: "itsm", includes: ["glpi", "https", "http"] },
        ];
        raw.flows.push({ from: "kind:department", to: "dmz", service: "itsm" });
        const f = model(raw).firewall!.flows.at(-1)!;
        expect(f.service).toMatchObject({ name: "itsm", bundle: true, custom: true, includes: ["glpi", "https", "http"] });
        expect(f.service.ports).toEqual([
            { proto: "tcp", from: 80, to: 80 },
            { proto: "tcp", from: 443, to: 443 },
            { proto: "tcp", from: 62354, to: 62354 },
        ]);
    });
});

describe("the AD bundle opens what logons, joins and replication need", () => {
    test("its ports", () => {
        const ad = BUILTIN.get("ad")!;
        const has = (proto: "tcp" | "udp", port: number) => portIn(ad.ports, proto, port);
        for (const port of [53, 88, 135, 389, 445, 464, 636, 3268, 3269, 9389, 49152, 65535]) expect(has("tcp", port)).toBe(true);
        for (const port of [53, 88, 123, 389, 464]) expect(has("udp", port)).toBe(true);
        expect(has("tcp", 139)).toBe(false);
        expect(has("tcp", 49151)).toBe(false);
    });
});

describe("evaluate: the meaning of the dev matrix", () => {
    let fw: FirewallModel;
    beforeAll(() => (fw = model(stackRaw("dev")).firewall!));
    const dept = { kind: "zone" as const, zone: "lan-rh" };
    const dc = { kind: "host" as const, host: "PAR-DC01", zone: "servers" };
    const fs = { kind: "host" as const, host: "PAR-FS01", zone: "servers" };
    const wan = { kind: "zone" as const, zone: "wan" };
    const router = { kind: "router" as const };

    test("departments reach the DC on the AD bundle and the file server on SMB only", () => {
        expect(evaluate(fw, dept, dc, "tcp", 88)).toEqual({ allowed: true, flows: [6] });
        expect(evaluate(fw, dept, fs, "tcp", 445)).toEqual({ allowed: true, flows: [7] });
        expect(evaluate(fw, dept, fs, "tcp", 22).allowed).toBe(false);
        expect(evaluate(fw, dept, { kind: "zone", zone: "lan-dsi" }, "tcp", 445).allowed).toBe(false);
    });
    test("WAN reaches only the published services, through the router's WAN address", () => {
        expect(evaluate(fw, wan, router, "tcp", 443)).toEqual({ allowed: true, flows: [], implicit: "published 1", forwardedTo: "PAR-WEB01" });
        expect(evaluate(fw, wan, { kind: "host", host: "PAR-WEB01", zone: "dmz" }, "tcp", 443).allowed).toBe(false);
        expect(evaluate(fw, wan, dc, "tcp", 445).allowed).toBe(false);
        expect(evaluate(fw, wan, router, "tcp", 22).allowed).toBe(false);
    });
    test("management always keeps SSH to the router; others do not have it", () => {
        expect(evaluate(fw, { kind: "zone", zone: "management" }, router, "tcp", 22)).toEqual({ allowed: true, flows: [], implicit: "management SSH" });
        expect(evaluate(fw, dept, router, "tcp", 22).allowed).toBe(false);
    });
    test("the DHCP relay: the router reaches the DHCP server, which answers from port 67 to port 67", () => {
        const dhcp = { kind: "host" as const, host: "PAR-DHCP01", zone: "servers" };
        expect(evaluate(fw, router, dhcp, "udp", 67)).toEqual({ allowed: true, flows: [23] });
        // Flow 30 (PAR-DHCP01 -> router dhcp-relay, which billu:dhcp requires) allows it outright.
        expect(evaluate(fw, dhcp, router, "udp", 67, 67)).toEqual({ allowed: true, flows: [30] });
        expect(evaluate(fw, dc, router, "udp", 67, 67).allowed).toBe(false);
        expect(evaluate(fw, dept, router, "udp", 67, 68)).toEqual({ allowed: true, flows: [28] });
        expect(evaluate(fw, dhcp, router, "udp", 67, 67, new Set([23, 30])).allowed).toBe(false);
    });
});

describe("port ranges", () => {
    const range = fc
        .tuple(fc.constantFrom<"tcp" | "udp">("tcp", "udp"), fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 0, max: 300 }))
        .map(([proto, from, len]): PortRange => ({ proto, from, to: Math.min(65535, from + len) }));
    test("merging keeps exactly the same ports, sorted and without overlap", () => {
        fc.assert(
            fc.property(
                fc.array(range, { maxLength: 8 }),
                fc.constantFrom<"tcp" | "udp">("tcp", "udp"),
                fc.integer({ min: 1, max: 65535 }),
                (rs, proto, port) => {
                    const merged = mergePorts(rs);
                    expect(portIn(merged, proto, port)).toBe(portIn(rs, proto, port));
                    for (let i = 1; i < merged.length; i++) {
                        if (merged[i].proto === merged[i - 1].proto) expect(merged[i].from).toBeGreaterThan(merged[i - 1].to + 1);
                    }
                },
            ),
        );
    });
    test("parsePort reads tcp/<port> and udp/<from>-<to>", () => {
        expect(parsePort("udp/5000-5010")).toEqual({ proto: "udp", from: 5000, to: 5010 });
        expect(parsePort("tcp/0")).toBe("has port 0 out of range");
        expect(parsePort("tcp/90-80")).toBe("has a range that ends (80) before it starts (90)");
    });
});

describe("flowsDeciding: the only flows whose removal can change a verdict (what the lab plan's broken cases re-evaluate)", () => {
    type Packet = { from: Actor; to: Actor; proto: Protocol; dport: number; sport?: number };
    /**
     * For every flow the packet's flowsDeciding leaves out, dropping it on top of `without` changes nothing that
     * evaluate says; and one that changes the verdict is among them (or evaluate would be blind to it).
     */
    const holds = (fw: FirewallModel, p: Packet, without: ReadonlySet<number>) => {
        const deciding = new Set(flowsDeciding(fw, p.from, p.to, p.proto, p.dport, p.sport));
        const base = evaluate(fw, p.from, p.to, p.proto, p.dport, p.sport, without);
        const changedBy = fw.flows
            .map((f) => f.index)
            .filter((f) => JSON.stringify(evaluate(fw, p.from, p.to, p.proto, p.dport, p.sport, new Set([...without, f]))) !== JSON.stringify(base));
        return changedBy.filter((f) => !deciding.has(f));
    };
    const dhcp: Actor = { kind: "host", host: "PAR-DHCP01", zone: "servers" };
    const router: Actor = { kind: "router" };

    test("dev's DHCP packets to the router: the reply flow and the relay flow decide them once the flows that carry them are gone", () => {
        const fw = model(stackRaw("dev")).firewall!;
        const reply: Packet = { from: dhcp, to: router, proto: "udp", dport: 67, sport: 67 };
        const client: Packet = { from: { kind: "zone", zone: "lan-rh" }, to: router, proto: "udp", dport: 67, sport: 68 };
        expect(flowsDeciding(fw, reply.from, reply.to, reply.proto, reply.dport, reply.sport)).toEqual([23, 30]);
        expect(flowsDeciding(fw, client.from, client.to, client.proto, client.dport, client.sport)).toEqual([23, 28]);
        expect(evaluate(fw, reply.from, reply.to, "udp", 67, 67, new Set([30]))).toEqual({ allowed: true, flows: [], implicit: "reply of flow 23" });
        expect(evaluate(fw, client.from, client.to, "udp", 67, 68, new Set([28]))).toEqual({ allowed: true, flows: [], implicit: "DHCP clients of flow 23" });
        for (const p of [reply, client]) for (const w of [[], [30], [28], [28, 30]]) expect(holds(fw, p, new Set(w))).toEqual([]);
        // A service answered from its port to the same port that relays no DHCP client (none is built in yet): the
        // reply alone makes its flow decide.
        const replyOnly = { ...fw, flows: fw.flows.map((f) => (f.index === 23 ? { ...f, service: { ...f.service, relaysDhcpClients: false } } : f)) };
        expect(flowsDeciding(replyOnly, reply.from, reply.to, "udp", 67, 67)).toEqual([23, 30]);
        expect(evaluate(replyOnly, reply.from, reply.to, "udp", 67, 67, new Set([30]))).toEqual({ allowed: true, flows: [], implicit: "reply of flow 23" });
        for (const w of [[], [30]]) expect(holds(replyOnly, reply, new Set(w))).toEqual([]);
    });

    test.each(["dev", "prod", "ecotech"])("%s: any packet between its actors, with any of its deciding flows already dropped", (stack) => {
        const m = model(stackRaw(stack));
        const fw = m.firewall!;
        const actors: Actor[] = [
            { kind: "router" },
            { kind: "vpn-partner" },
            ...m.zones.map((z) => ({ kind: "zone" as const, zone: z.name })),
            ...m.hosts.map((h) => ({ kind: "host" as const, host: h.name, zone: h.zone })),
        ];
        // Every port a service names (both ends of its ranges), and the implicit rules' ports.
        const ports = [...new Set([22, 67, 68, ...fw.flows.flatMap((f) => f.service.ports.flatMap((r) => [r.from, r.to]))])];
        const packet = fc
            .record({
                from: fc.constantFrom(...actors),
                to: fc.constantFrom(...actors),
                proto: fc.constantFrom<Protocol>("tcp", "udp"),
                dport: fc.constantFrom(...ports),
                sport: fc.constantFrom<"none" | "same" | 68>("none", "same", 68),
            })
            .map(({ sport, ...p }): Packet => ({ ...p, sport: sport === "none" ? undefined : sport === "same" ? p.dport : sport }));
        fc.assert(
            fc.property(packet, fc.integer({ min: 0, max: 0xffff }), (p, mask) => {
                const deciding = flowsDeciding(fw, p.from, p.to, p.proto, p.dport, p.sport);
                const without = new Set(deciding.filter((_, i) => (mask >> i) & 1));
                expect(holds(fw, p, without)).toEqual([]);
            }),
            { numRuns: 300 },
        );
    });
});

describe("a single host of the VPN partner as an endpoint (vpn-partner:<host>, ecotech's matrix)", () => {
    const ECO_FLOWS = stackRaw("ecotech").flows.length;
    const declared = () => stackRaw("ecotech").firewall.vpnPartner.hosts as { name: string; address: string }[];
    const local = (f: { from: string; to: string }) => !f.from.startsWith("vpn-partner") && !f.to.startsWith("vpn-partner");
    const LOCAL_FLOWS = (stackRaw("ecotech").flows as { from: string; to: string }[]).filter(local).length;
    const cases: [string, (r: Record<string, any>) => void, string][] = [
        [
            "a partner host that billu:firewall.vpnPartner.hosts does not declare",
            (r) => r.flows.push({ from: "vpn-partner:PAR-MON09", to: "ECO-DC01", service: "ssh" }),
            `billu:flows[${ECO_FLOWS}].from: "vpn-partner:PAR-MON09" names no host of billu:firewall.vpnPartner.hosts (declared: PAR-MON01). Fix: declare { name: PAR-MON09, address: <its address behind the tunnel> } in billu:firewall.vpnPartner.hosts (the peer stack exports its hosts in output vpnPeer.hosts), or correct the name`,
        ],
        [
            "a partner host outside the tunnel's traffic selectors",
            (r) => r.firewall.vpnPartner.hosts.push({ name: "PAR-WEB01", address: "10.99.0.80" }),
            "billu:firewall.vpnPartner.hosts[1].address: 10.99.0.80 (PAR-WEB01) is outside the tunnel's traffic selectors (10.10.0.0/24, 10.10.10.0/24, 172.16.100.0/24, 10.10.20.0/24, 10.10.21.0/24, 10.10.22.0/24, 10.10.23.0/24, 10.10.24.0/24, 10.10.25.0/24, 10.10.26.0/24, 10.10.27.0/24, 10.10.28.0/24). Fix: give PAR-WEB01's address behind the tunnel, or add its network to billu:firewall.vpnPartner.networks and to the partner's end of the tunnel",
        ],
        [
            "a partner host whose address is not IPv4",
            (r) => r.firewall.vpnPartner.hosts.push({ name: "PAR-WEB01", address: "par-web01" }),
            'billu:firewall.vpnPartner.hosts[1].address: "par-web01" is not an IPv4 address. Fix: give PAR-WEB01\'s address behind the tunnel (e.g. 10.10.0.40)',
        ],
        [
            "a partner host declared twice",
            (r) => r.firewall.vpnPartner.hosts.push({ name: "PAR-MON01", address: "10.10.0.41" }),
            'billu:firewall.vpnPartner.hosts[1].name: "PAR-MON01" is declared twice. Fix: declare each partner host once',
        ],
        [
            "a partner host on a site without a VPN partner",
            (r) => {
                delete r.firewall.vpnPartner;
                delete r.monitoring;
                r.flows = r.flows.filter(local);
                r.flows.push({ from: "vpn-partner:PAR-MON01", to: "ECO-DC01", service: "ssh" });
            },
            `billu:flows[${LOCAL_FLOWS}].from: is "vpn-partner:PAR-MON01", but billu:firewall.vpnPartner declares no partner, so the flow can never match. Fix: declare billu:firewall.vpnPartner (networks and hosts), or remove the flow`,
        ],
    ];
    test.each(cases)("%s", (_name, mutate, message) => {
        const raw = stackRaw("ecotech");
        mutate(raw);
        expect(problemsOf(raw)).toEqual([message]);
    });

    test("the member carries the host's address alone, on the tunnel's interface; the rest of the partner does not match it", () => {
        const fw = model(stackRaw("ecotech")).firewall!;
        const [mon] = declared();
        const agent = fw.flows.find((f) => f.from === `vpn-partner:${mon.name}` && f.to === "ECO-DC01")!;
        expect(agent.sources).toEqual([
            { kind: "vpn-partner", name: `vpn-partner:${mon.name}`, peerHost: mon.name, zoneKind: "vpn-partner", addresses: [mon.address], ifname: "ipsec0" },
        ]);
        const dc = { kind: "host", host: "ECO-DC01", zone: "servers" } as const;
        expect(evaluate(fw, { kind: "vpn-partner", host: mon.name }, dc, "tcp", 10050)).toEqual({ allowed: true, flows: [agent.index] });
        expect(evaluate(fw, { kind: "vpn-partner" }, dc, "tcp", 10050).allowed).toBe(false);
        expect(evaluate(fw, { kind: "vpn-partner", host: "PAR-DC01" }, dc, "tcp", 10050).allowed).toBe(false);
        // The whole partner's flows still match its single hosts (PAR-MON01 is one of BillU's addresses).
        expect(evaluate(fw, { kind: "vpn-partner", host: mon.name }, dc, "tcp", 389).allowed).toBe(true);
    });
});
