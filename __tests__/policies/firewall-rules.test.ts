/**
 * The firewall rules of the pack on hand-built resources (config validation would stop most of these cases
 * earlier): a compliant baseline, then one property changed per failing case.
 */
import { disallowWanToLan } from "../../policies/rules/disallow-wan-to-lan";
import { disallowWanToRouter } from "../../policies/rules/disallow-wan-to-router";
import { enforceDefaultDeny } from "../../policies/rules/enforce-default-deny";
import { enforceDmzIsolation } from "../../policies/rules/enforce-dmz-isolation";
import type { FirewallFacts, FlowFact } from "../../components/contracts";
import { PveRuleFact } from "../../policies/rules/firewall-facts";
import { RecordedResource } from "../../tools/mock-runtime";
import { check, resource, vm } from "./harness";

const zones = [
    { name: "wan", kind: "wan", networks: ["198.51.100.0/29"] },
    { name: "management", kind: "management", networks: ["10.20.0.0/24"] },
    { name: "servers", kind: "servers", networks: ["10.20.10.0/24"] },
    { name: "dmz", kind: "dmz", networks: ["172.16.120.0/24"] },
    { name: "lan-dsi", kind: "department", networks: ["10.20.21.0/24"] },
];
const member = (name: string, kind: string, zone: string, zoneKind: string, addresses: string[]) => ({ kind, name, zone, zoneKind, addresses });
const flow = (
    index: number,
    from: ReturnType<typeof member>,
    to: ReturnType<typeof member>,
    service: string,
    ports: string,
    extra: Partial<FlowFact> = {},
): FlowFact => ({
    index,
    from: from.name,
    to: to.name,
    service,
    ports,
    sources: [from],
    destinations: [to],
    ...extra,
});
const M = {
    dsi: member("lan-dsi", "zone", "lan-dsi", "department", ["10.20.21.0/24"]),
    wan: member("wan", "zone", "wan", "wan", []),
    dmz: member("dmz", "zone", "dmz", "dmz", ["172.16.120.0/24"]),
    dc: member("PAR-DC01", "host", "servers", "servers", ["10.20.10.11"]),
    web: member("PAR-WEB01", "host", "dmz", "dmz", ["172.16.120.10"]),
};

function baseFacts(): FirewallFacts {
    return {
        engine: "nftables",
        router: "PAR-FW01",
        wanAddress: "198.51.100.2",
        routerNics: [
            { nic: "net0", zone: "management", kind: "management" },
            { nic: "net1", zone: "wan", kind: "wan" },
            { nic: "net2", zone: "servers", kind: "servers" },
            { nic: "net3", zone: "dmz", kind: "dmz" },
            { nic: "net4", zone: "lan-dsi", kind: "department" },
        ],
        zones,
        flows: [flow(0, M.dsi, M.dc, "ad", "tcp/88 udp/88"), flow(1, M.dmz, M.wan, "https", "tcp/443")],
        published: [
            { index: 0, service: "https", host: "PAR-WEB01", zone: "dmz", zoneKind: "dmz", address: "172.16.120.10", ports: "tcp/443", publicPorts: "tcp/443" },
        ],
        routerPolicies: { input: "drop", forward: "drop", output: "drop" },
    };
}

const accept = (r: Partial<PveRuleFact>): PveRuleFact => ({ type: "in", action: "ACCEPT", enabled: true, ...r });
const vmRules = (name: string, vmId: number, rules: PveRuleFact[]) =>
    resource("proxmoxve:firewall/rulesLegacy:RulesLegacy", `${name}-rules`, { nodeName: "pve1", vmId, rules });
const options = (name: string, vmId: number, o: Record<string, unknown> = {}) =>
    resource("proxmoxve:firewall/optionsLegacy:OptionsLegacy", `${name}-options`, { nodeName: "pve1", vmId, enabled: true, inputPolicy: "DROP", ...o });
const server = (name: string, vmId: number, role: string, address: string) =>
    vm(name, { name, vmId, tags: ["billu", "env-dev", `role-${role}`], initialization: { ipConfigs: [{ ipv4: { address: `${address}/24` } }] } });

interface Site {
    facts: FirewallFacts;
    cluster?: Record<string, unknown>;
    dcRules: PveRuleFact[];
    webRules: PveRuleFact[];
    routerRules: PveRuleFact[];
    datacenterRules: PveRuleFact[];
    dcOptions?: Record<string, unknown> | null;
    wanSet: { name: string; nomatch?: boolean }[];
}

function baseline(): Site {
    return {
        facts: baseFacts(),
        cluster: { enabled: true, inputPolicy: "DROP", outputPolicy: "ACCEPT" },
        dcRules: [accept({ source: "10.20.21.0/24", dest: "10.20.10.11", proto: "tcp", dport: "88", comment: "flow 0: lan-dsi -> PAR-DC01 ad" })],
        webRules: [accept({ source: "+billu-wan", dest: "172.16.120.10", proto: "tcp", dport: "443", comment: "published 0: https -> PAR-WEB01" })],
        routerRules: [
            accept({ iface: "net0", source: "10.20.0.0/24", dest: "10.20.0.1", proto: "tcp", dport: "22" }),
            accept({ iface: "net1", source: "+billu-wan", dest: "198.51.100.2", proto: "tcp", dport: "443" }),
            accept({ iface: "net4", source: "10.20.21.0/24", dest: "10.20.10.11", proto: "tcp", dport: "88" }),
            accept({ iface: "net3", source: "172.16.120.0/24", dest: "+billu-wan", proto: "tcp", dport: "443" }),
            accept({ iface: "net4", proto: "udp", dport: "67" }), // DHCP clients: no source yet
        ],
        datacenterRules: [accept({ source: "+management", proto: "tcp", dport: "8006" })],
        dcOptions: {},
        wanSet: [{ name: "0.0.0.0/1" }, { name: "128.0.0.0/1" }, ...zones.filter((z) => z.kind !== "wan").map((z) => ({ name: z.networks[0], nomatch: true }))],
    };
}

function resources(s: Site): RecordedResource[] {
    const out: RecordedResource[] = [
        { ...resource("billu:network:Firewall", "par-fw01", s.facts as unknown as Record<string, unknown>), custom: false },
        server("PAR-FW01", 100, "firewall", "10.20.0.1"),
        server("PAR-DC01", 110, "dc", "10.20.10.11"),
        server("PAR-WEB01", 150, "web", "172.16.120.10"),
        options("fw", 100),
        options("web", 150),
        vmRules("fw", 100, s.routerRules),
        vmRules("dc", 110, s.dcRules),
        vmRules("web", 150, s.webRules),
        resource("proxmoxve:firewall/rulesLegacy:RulesLegacy", "datacenter-rules", { rules: s.datacenterRules }),
        resource("proxmoxve:firewall/ipsetLegacy:IpsetLegacy", "management", { name: "management", cidrs: [{ name: "10.20.0.0/24" }] }),
        resource("proxmoxve:firewall/ipsetLegacy:IpsetLegacy", "wan", { name: "billu-wan", cidrs: s.wanSet }),
    ];
    if (s.dcOptions !== null) out.push(options("dc", 110, s.dcOptions));
    if (s.cluster) out.push(resource("proxmoxve:cluster/firewallLegacy:FirewallLegacy", "datacenter", s.cluster));
    return out;
}

describe("disallow-wan-to-lan", () => {
    const run = (s: Site) => check(disallowWanToLan, resources(s));
    test("baseline passes (published DMZ service, the router's WAN rule, DHCP clients on a department NIC)", async () =>
        expect(await run(baseline())).toEqual([]));
    test("a disabled rule is ignored", async () => {
        const s = baseline();
        s.dcRules.push(accept({ source: "+billu-wan", dest: "10.20.10.11", proto: "tcp", dport: "22", enabled: false }));
        expect(await run(s)).toEqual([]);
    });
    test("1: a flow from WAN to a servers host", async () => {
        const s = baseline();
        s.facts.flows.push(flow(7, M.wan, M.dc, "ssh", "tcp/22"));
        expect(await run(s)).toEqual([
            "flow 7 (wan -> PAR-DC01 ssh) lets WAN open connections to servers (servers). Fix: remove billu:flows[7]; publish a DMZ service in billu:firewall.published instead.",
        ]);
    });
    test("2: a port forward to a servers host", async () => {
        const s = baseline();
        s.facts.published.push({
            index: 1,
            service: "smtp",
            host: "PAR-MAIL01",
            zone: "servers",
            zoneKind: "servers",
            address: "10.20.10.41",
            ports: "tcp/25",
            publicPorts: "tcp/25",
        });
        expect(await run(s)).toEqual(["published 1 (smtp -> PAR-MAIL01) forwards WAN to zone servers (servers). Fix: publish only DMZ hosts."]);
    });
    test("3: a VM rule accepting the internet", async () => {
        const s = baseline();
        s.dcRules.push(accept({ source: "+billu-wan", dest: "10.20.10.11", proto: "tcp", dport: "22", comment: "x" }));
        expect(await run(s)).toEqual([
            "PAR-DC01: Proxmox rule 1 (x) accepts tcp/22 from +billu-wan to 10.20.10.11: WAN may reach servers. Fix: give the rule internal sources only (or remove it).",
        ]);
    });
    test("4: a VM rule with no source at all", async () => {
        const s = baseline();
        s.dcRules[0] = { ...s.dcRules[0], source: undefined };
        expect(await run(s)).toEqual([
            "PAR-DC01: Proxmox rule 0 (flow 0: lan-dsi -> PAR-DC01 ad) accepts tcp/88 from anywhere to 10.20.10.11: WAN may reach servers. Fix: give the rule internal sources only (or remove it).",
        ]);
    });
    test("5: a router NIC rule letting WAN in to a department", async () => {
        const s = baseline();
        s.routerRules.push(accept({ iface: "net1", source: "+billu-wan", dest: "10.20.21.0/24", proto: "tcp", dport: "3389" }));
        expect(await run(s)).toEqual([
            "PAR-FW01: Proxmox rule 5 accepts tcp/3389 from +billu-wan to 10.20.21.0/24: WAN may reach department. Fix: give the rule internal sources only (or remove it).",
        ]);
    });
    test("6: a datacenter rule accepting an outside address", async () => {
        const s = baseline();
        s.datacenterRules.push(accept({ source: "203.0.113.7", proto: "tcp", dport: "8006" }));
        expect(await run(s)).toEqual([
            "datacenter: Proxmox rule 1 accepts tcp/8006 from 203.0.113.7 to the Proxmox nodes: WAN may reach management. Fix: give the rule internal sources only (or remove it).",
        ]);
    });
    test("7: a WAN set that forgets to exclude a zone lets a WAN-facing rule reach it", async () => {
        const s = baseline();
        s.wanSet = s.wanSet.filter((w) => w.name !== "10.20.10.0/24");
        s.routerRules.push(accept({ iface: "net3", source: "172.16.120.0/24", dest: "+billu-wan", proto: "tcp", dport: "80" }));
        s.routerRules.push(accept({ iface: "net1", dest: "+billu-wan", proto: "tcp", dport: "80" }));
        expect(await run(s)).toEqual([
            "PAR-FW01: Proxmox rule 6 accepts tcp/80 from anywhere to +billu-wan: WAN may reach servers. Fix: give the rule internal sources only (or remove it).",
        ]);
    });
});

describe("enforce-dmz-isolation", () => {
    const run = (s: Site) => check(enforceDmzIsolation, resources(s));
    test("baseline passes", async () => expect(await run(baseline())).toEqual([]));
    test("1: a flow from the DMZ to a servers host", async () => {
        const s = baseline();
        s.facts.flows.push(flow(5, M.web, M.dc, "ldaps", "tcp/636"));
        expect(await run(s)).toEqual([
            "flow 5 (PAR-WEB01 -> PAR-DC01 ldaps) lets the DMZ open connections to servers (servers). Fix: remove billu:flows[5], or add it to billu:firewall.dmzAllowlist with the reason.",
        ]);
    });
    test("the same flow in the DMZ allowlist, with its VM rule, passes", async () => {
        const s = baseline();
        s.facts.flows.push(flow(5, M.web, M.dc, "ldaps", "tcp/636", { dmzAllowed: "the intranet site authenticates users" }));
        s.dcRules.push(accept({ source: "172.16.120.10", dest: "10.20.10.11", proto: "tcp", dport: "636" }));
        expect(await run(s)).toEqual([]);
    });
    test("the inbound relay: its smtp to the mail server passes in the allowlist; any other opening from it into servers is refused", async () => {
        const mx = member("PAR-MX01", "host", "dmz", "dmz", ["172.16.120.20"]);
        const mail = member("PAR-MAIL01", "host", "servers", "servers", ["10.20.10.41"]);
        const s = baseline();
        s.facts.flows.push(flow(5, mx, mail, "smtp", "tcp/25", { dmzAllowed: "the inbound relay hands the internet's mail to the mail server" }));
        expect(await run(s)).toEqual([]);
        s.facts.flows.push(flow(6, mx, mail, "imaps", "tcp/993"));
        expect(await run(s)).toEqual([
            "flow 6 (PAR-MX01 -> PAR-MAIL01 imaps) lets the DMZ open connections to servers (servers). Fix: remove billu:flows[6], or add it to billu:firewall.dmzAllowlist with the reason.",
        ]);
    });
    test("2: a flow from WAN to the DMZ outside the published services", async () => {
        const s = baseline();
        s.facts.flows.push(flow(6, M.wan, M.web, "ssh", "tcp/22"));
        expect(await run(s)).toEqual([
            "flow 6 (wan -> PAR-WEB01 ssh) opens the DMZ to WAN outside the published services. Fix: publish the service in billu:firewall.published instead.",
        ]);
    });
    test("3: a VM rule accepting the DMZ outside the allowlist", async () => {
        const s = baseline();
        s.dcRules.push(accept({ source: "172.16.120.10", dest: "10.20.10.11", proto: "tcp", dport: "636" }));
        expect(await run(s)).toEqual([
            "PAR-DC01: Proxmox rule 1 accepts tcp/636 from 172.16.120.10 to 10.20.10.11: the DMZ may reach servers outside the DMZ allowlist. Fix: remove the rule.",
        ]);
    });
    test("4: an allowlisted flow does not cover other ports", async () => {
        const s = baseline();
        s.facts.flows.push(flow(5, M.web, M.dc, "ldaps", "tcp/636", { dmzAllowed: "the intranet site authenticates users" }));
        s.dcRules.push(accept({ source: "172.16.120.10", dest: "10.20.10.11", proto: "tcp", dport: "636,445" }));
        expect(await run(s)).toEqual([
            "PAR-DC01: Proxmox rule 1 accepts tcp/636,445 from 172.16.120.10 to 10.20.10.11: the DMZ may reach servers outside the DMZ allowlist. Fix: remove the rule.",
        ]);
    });
    test("5: a DMZ VM rule accepting WAN on a port it does not publish", async () => {
        const s = baseline();
        s.webRules.push(accept({ source: "+billu-wan", dest: "172.16.120.10", proto: "tcp", dport: "22" }));
        expect(await run(s)).toEqual([
            "PAR-WEB01: Proxmox rule 1 accepts tcp/22 from +billu-wan to 172.16.120.10: WAN may reach the DMZ outside the published services. Fix: publish the service in billu:firewall.published, or remove the rule.",
        ]);
    });
    test("6: a router NIC rule from the DMZ NIC to the servers zone", async () => {
        const s = baseline();
        s.routerRules.push(accept({ iface: "net3", source: "172.16.120.0/24", dest: "10.20.10.0/24", proto: "tcp", dport: "445" }));
        expect(await run(s)).toEqual([
            "PAR-FW01: Proxmox rule 5 accepts tcp/445 from 172.16.120.0/24 to 10.20.10.0/24: the DMZ may reach servers outside the DMZ allowlist. Fix: remove the rule.",
        ]);
    });
});

describe("enforce-default-deny", () => {
    const run = (s: Site) => check(enforceDefaultDeny, resources(s));
    test("baseline passes", async () => expect(await run(baseline())).toEqual([]));
    test("1: no datacenter firewall", async () => {
        const s = baseline();
        delete s.cluster;
        expect(await run(s)).toEqual([
            "The Proxmox VE datacenter firewall is not declared. Fix: declare cluster.FirewallLegacy (enabled, inputPolicy DROP) with the management allowlist.",
        ]);
    });
    test("2: the datacenter firewall disabled", async () => {
        const s = baseline();
        s.cluster = { ...s.cluster, enabled: false };
        expect(await run(s)).toEqual(["The Proxmox VE datacenter firewall datacenter is not enabled. Fix: set enabled: true."]);
    });
    test("3: the datacenter input policy ACCEPT", async () => {
        const s = baseline();
        s.cluster = { ...s.cluster, inputPolicy: "ACCEPT" };
        expect(await run(s)).toEqual(['The Proxmox VE datacenter firewall datacenter has input policy ACCEPT. Fix: set inputPolicy: "DROP".']);
    });
    test("4: a VM without firewall options", async () => {
        const s = baseline();
        s.dcOptions = null;
        expect(await run(s)).toEqual([
            'VM PAR-DC01 (110) has no Proxmox firewall options. Fix: give it a firewall.OptionsLegacy with enabled: true and inputPolicy: "DROP".',
        ]);
    });
    test("5: a VM firewall disabled", async () => {
        const s = baseline();
        s.dcOptions = { enabled: false };
        expect(await run(s)).toEqual(["VM PAR-DC01: its Proxmox firewall is not enabled. Fix: set enabled: true."]);
    });
    test("6: a VM firewall with input policy ACCEPT", async () => {
        const s = baseline();
        s.dcOptions = { inputPolicy: "ACCEPT" };
        expect(await run(s)).toEqual(['VM PAR-DC01: its Proxmox firewall input policy is ACCEPT. Fix: set inputPolicy: "DROP".']);
    });
    test("7: the router's forward chain accepting by default", async () => {
        const s = baseline();
        s.facts.routerPolicies = { input: "drop", forward: "accept", output: "drop" };
        expect(await run(s)).toEqual(["The router's forward chain policy is accept, not drop. Fix: keep the generated ruleset (policy drop)."]);
    });
    test("a flow with every port from a more trusted zone passes (management -> a department)", async () => {
        const s = baseline();
        s.facts.flows.push(flow(9, member("management", "zone", "management", "management", ["10.20.0.0/24"]), M.dsi, "everything", "tcp/1-65535"));
        expect(await run(s)).toEqual([]);
    });
    test("9: a site service covering every port from WAN to the router", async () => {
        const s = baseline();
        s.facts.flows.push({
            ...flow(9, M.wan, M.wan, "everything", "tcp/1-65535 udp/1-65535"),
            to: "router",
            destinations: [{ kind: "router", name: "router", addresses: [] }],
        });
        expect(await run(s)).toEqual([
            "flow 9 (wan -> router everything) accepts every tcp and udp port from wan (wan) to router (router), a more trusted zone. Fix: list only the ports the flow needs in its service.",
        ]);
    });
    test("10: a flow with every UDP port from the DMZ to a servers host", async () => {
        const s = baseline();
        s.facts.flows.push(flow(9, M.web, M.dc, "all-udp", "udp/1-65535"));
        expect(await run(s)).toEqual([
            "flow 9 (PAR-WEB01 -> PAR-DC01 all-udp) accepts every udp port from PAR-WEB01 (dmz) to PAR-DC01 (servers), a more trusted zone. Fix: list only the ports the flow needs in its service.",
        ]);
    });
    test("11: a VM rule accepting every protocol from a department", async () => {
        const s = baseline();
        s.dcRules.push(accept({ source: "10.20.21.0/24", dest: "10.20.10.11" }));
        expect(await run(s)).toEqual([
            "PAR-DC01: Proxmox rule 1 accepts any from 10.20.21.0/24 to 10.20.10.11: every protocol from department to servers, a more trusted zone. Fix: name the protocol and the ports the flow needs.",
        ]);
    });
    test("12: a router NIC rule accepting every TCP port from WAN", async () => {
        const s = baseline();
        s.routerRules.push(accept({ iface: "net1", source: "+billu-wan", dest: "198.51.100.2", proto: "tcp" }));
        expect(await run(s)).toEqual([
            "PAR-FW01: Proxmox rule 5 accepts tcp from +billu-wan to 198.51.100.2: every tcp port from wan to router, a more trusted zone. Fix: name the protocol and the ports the flow needs.",
        ]);
    });
    test("13: a VM rule whose port list covers every port", async () => {
        const s = baseline();
        s.dcRules.push(accept({ source: "172.16.120.0/24", dest: "10.20.10.11", proto: "udp", dport: "1:1023,1024:65535" }));
        expect(await run(s)).toEqual([
            "PAR-DC01: Proxmox rule 1 accepts udp/1:1023,1024:65535 from 172.16.120.0/24 to 10.20.10.11: every udp port from dmz to servers, a more trusted zone. Fix: name the protocol and the ports the flow needs.",
        ]);
    });
    test("8: no router ruleset at all", async () => {
        const r = resources(baseline()).filter((x) => x.type !== "billu:network:Firewall");
        expect(await check(enforceDefaultDeny, r)).toEqual([
            "The stack declares no router ruleset (no billu:network:Firewall). Fix: build the site's router with the Firewall component.",
        ]);
    });
});

describe("disallow-wan-to-router", () => {
    const run = (s: Site) => check(disallowWanToRouter, resources(s));
    const router = { kind: "router", name: "router", addresses: [] as string[] };
    /** The baseline with a paired VPN: the ipsec flow, its input rule and its router NIC rule, from the peer only. */
    function vpnBaseline(): Site {
        const s = baseline();
        s.facts.vpnPeerGateway = "192.0.2.2";
        s.facts.flows.push({ ...flow(2, M.wan, M.wan, "ipsec", "udp/500 udp/4500"), to: "router", destinations: [router] });
        s.facts.wanInput = [{ proto: "udp", ports: "udp/500 udp/4500", sources: ["192.0.2.2"], comment: "flow 2: wan -> router ipsec" }];
        s.routerRules.push(accept({ iface: "net1", source: "192.0.2.2", dest: "198.51.100.2", proto: "udp", dport: "500,4500", comment: "flow 2" }));
        return s;
    }
    const wanToRouter = (index: number, service: string, ports: string): FlowFact => ({
        ...flow(index, M.wan, M.wan, service, ports),
        to: "router",
        destinations: [router],
    });
    test("baseline passes (the VPN peer's IKE and NAT-T, the published port forward)", async () => expect(await run(vpnBaseline())).toEqual([]));
    test("a site without a VPN and without WAN -> router passes", async () => expect(await run(baseline())).toEqual([]));
    test("1: a flow opening SSH on the router to the WAN", async () => {
        const s = vpnBaseline();
        s.facts.flows.push(wanToRouter(7, "ssh", "tcp/22"));
        expect(await run(s)).toEqual([
            "flow 7 (wan -> router ssh) lets WAN open tcp/22 on the router itself. Fix: remove billu:flows[7]; from WAN the router accepts only the VPN's IKE and NAT-T from its peer and the published port forwards.",
        ]);
    });
    test("2: a site service covering every port from WAN to the router", async () => {
        const s = vpnBaseline();
        s.facts.flows.push(wanToRouter(8, "everything", "tcp/1-65535 udp/1-65535"));
        expect(await run(s)).toEqual([
            "flow 8 (wan -> router everything) lets WAN open tcp/1-65535 udp/1-65535 on the router itself. Fix: remove billu:flows[8]; from WAN the router accepts only the VPN's IKE and NAT-T from its peer and the published port forwards.",
        ]);
    });
    test("3: the VPN's ports with no peer paired", async () => {
        const s = vpnBaseline();
        delete s.facts.vpnPeerGateway;
        expect(await run(s)).toEqual([
            "flow 2 (wan -> router ipsec) opens the VPN gateway's ports on the router, but no VPN peer is paired. Fix: declare the tunnel in billu:vpn, or remove billu:flows[2].",
            "The router's input rule \"flow 2: wan -> router ipsec\" accepts udp udp/500 udp/4500 from 192.0.2.2, not only from a VPN peer (none is paired). Fix: remove it; from WAN the router accepts only the VPN's IKE and NAT-T from its peer and the published port forwards.",
            "PAR-FW01: Proxmox rule 5 (flow 2) accepts udp/500,4500 from 192.0.2.2 to the router itself (198.51.100.2). Fix: remove it; from WAN the router accepts only the VPN's IKE and NAT-T from its peer and the published port forwards.",
        ]);
    });
    test("4: the rendered input rule accepts IKE from any WAN address", async () => {
        const s = vpnBaseline();
        s.facts.wanInput![0].sources = [];
        expect(await run(s)).toEqual([
            "The router's input rule \"flow 2: wan -> router ipsec\" accepts udp udp/500 udp/4500 from any WAN address, not only from the VPN peer's gateway 192.0.2.2. Fix: remove it; from WAN the router accepts only the VPN's IKE and NAT-T from its peer and the published port forwards.",
        ]);
    });
    test("5: the rendered input rule accepts another port", async () => {
        const s = vpnBaseline();
        s.facts.wanInput![0].ports = "udp/500 udp/4500 tcp/22";
        expect(await run(s)).toEqual([
            "The router's input rule \"flow 2: wan -> router ipsec\" accepts udp udp/500 udp/4500 tcp/22 from 192.0.2.2. Fix: remove it; from WAN the router accepts only the VPN's IKE and NAT-T from its peer and the published port forwards.",
        ]);
    });
    test("6: a router NIC rule accepting SSH from the internet on the WAN address", async () => {
        const s = vpnBaseline();
        s.routerRules.push(accept({ iface: "net1", source: "+billu-wan", dest: "198.51.100.2", proto: "tcp", dport: "22" }));
        expect(await run(s)).toEqual([
            "PAR-FW01: Proxmox rule 6 accepts tcp/22 from +billu-wan to the router itself (198.51.100.2). Fix: remove it; from WAN the router accepts only the VPN's IKE and NAT-T from its peer and the published port forwards.",
        ]);
    });
    test("7: a router NIC rule on the WAN NIC with no destination and no protocol", async () => {
        const s = vpnBaseline();
        s.routerRules.push(accept({ iface: "net1" }));
        expect(await run(s)).toEqual([
            "PAR-FW01: Proxmox rule 6 accepts any protocol from anywhere to the router itself. Fix: remove it; from WAN the router accepts only the VPN's IKE and NAT-T from its peer and the published port forwards.",
        ]);
    });
    test("8: the VPN's ports from a WAN address that is not the peer", async () => {
        const s = vpnBaseline();
        s.routerRules[5] = { ...s.routerRules[5], source: "+billu-wan" };
        expect(await run(s)).toEqual([
            "PAR-FW01: Proxmox rule 5 (flow 2) accepts udp/500,4500 from +billu-wan to the router itself (198.51.100.2). Fix: remove it; from WAN the router accepts only the VPN's IKE and NAT-T from its peer and the published port forwards.",
        ]);
    });
});
