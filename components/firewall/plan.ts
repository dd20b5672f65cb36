/**
 * The router's rules as data, from the flow model: what the nftables and pfSense renderers write and what the
 * docs list. Pure: model in, plan out.
 *
 * Every flow becomes one rule per (source member, destination member, protocol) whose packets cross the router:
 * `forward` between zones, `input` to the router, `output` from it. Flows inside one zone never reach the router
 * (the Proxmox VM firewall carries them, see proxmox.ts). Implicit rules: the management zone always keeps SSH to
 * the router; a published service is a port forward from the WAN address plus a forward rule that only accepts
 * packets the router translated; a relayed service also opens its replies and the DHCP clients' broadcasts.
 */
import { FirewallModel, flowText, Member, pairPath, VPN_PARTNER } from "../../model/flows";
import { OTHER_PORTS, PortRange, PROTOCOLS, Protocol } from "../../model/ports";
import { SiteModel } from "../../model/site";

export type Chain = "input" | "forward" | "output";

export interface RouterRule {
    readonly chain: Chain;
    readonly iif?: string;
    readonly oif?: string;
    readonly saddr?: readonly string[];
    readonly daddr?: readonly string[];
    readonly proto: Protocol;
    readonly dports?: readonly PortRange[];
    readonly sports?: readonly PortRange[];
    /** Only packets the router port-forwarded (published services). */
    readonly ctDnat?: boolean;
    /** `flow 3: management -> servers ssh`, `published 0: https -> PAR-WEB01`, ... */
    readonly comment: string;
    readonly flow?: number;
    readonly published?: number;
    /** The zone (or vpn-partner) the packet comes from / goes to, for docs and pfSense; absent for the router. */
    readonly fromZone?: string;
    readonly toZone?: string;
}

export interface RouterInterface {
    readonly ifname: string;
    /** The zone, or `vpn-partner`. */
    readonly zone: string;
    readonly kind: string;
    /** The zone's network; absent for WAN and the VPN interface. */
    readonly network?: string;
    /** The router's address on it. */
    readonly address?: string;
    readonly prefix?: number;
    /** Source addresses accepted on it (anti-spoofing); for WAN, `denied` lists the sources refused instead. */
    readonly allowedSources?: readonly string[];
    readonly deniedSources?: readonly string[];
}

export interface PortForward {
    readonly published: number;
    readonly proto: Protocol;
    readonly publicPorts: readonly PortRange[];
    readonly host: string;
    readonly address: string;
    /** Set when the port is translated (publicPort). */
    readonly toPort?: number;
    readonly comment: string;
}

export interface RouterPlan {
    readonly interfaces: readonly RouterInterface[];
    readonly wan: RouterInterface;
    readonly management?: RouterInterface;
    readonly rules: readonly RouterRule[];
    readonly portForwards: readonly PortForward[];
    /** Sources masqueraded behind the WAN address. */
    readonly masquerade: readonly string[];
    /** Flows the router does not see (inside one zone): for the docs. */
    readonly vmOnly: readonly number[];
}

export function firewallOf(model: SiteModel): FirewallModel {
    if (!model.firewall) throw new Error("the site model has no flow matrix (buildSiteModel sets it)");
    return model.firewall;
}

/** `IF_LAN_DSI`. */
export function ifVar(zone: string): string {
    return "IF_" + zone.toUpperCase().replace(/-/g, "_");
}

export function planRouter(model: SiteModel): RouterPlan {
    const fw = firewallOf(model);
    const router = model.router;
    const zoneOf = (n: string) => model.zones.find((z) => z.name === n)!;
    const internal = fw.internal.map((c) => c.text);
    const interfaces: RouterInterface[] = router.nics.map((n) => {
        const z = zoneOf(n.zone);
        const base = { ifname: n.ifname, zone: z.name, kind: z.kind, address: n.address, prefix: n.prefix };
        if (z.kind === "wan") return { ...base, deniedSources: [...internal, ...(fw.vpnPartner?.networks.map((c) => c.text) ?? []), "127.0.0.0/8"] };
        // DHCP clients send their discover from 0.0.0.0 before they have an address.
        return { ...base, network: z.cidr.text, allowedSources: [...(z.dhcp ? ["0.0.0.0"] : []), z.cidr.text] };
    });
    if (fw.vpnPartner) {
        interfaces.push({ ifname: fw.vpnPartner.ifname, zone: "vpn-partner", kind: "vpn-partner", allowedSources: fw.vpnPartner.networks.map((c) => c.text) });
    }
    const wan = interfaces.find((i) => i.kind === "wan")!;
    const hasVm = (zone: string) => model.hosts.some((h) => h.zone === zone && h.role !== "firewall");
    const routerAddressIn = (zone?: string) => router.nics.find((n) => n.zone === zone)?.address;
    const peerGateway = model.vpn?.remote.gateway.address;

    const rules: RouterRule[] = [];
    const vmOnly = new Set<number>();
    const dhcpDone = new Set<string>();
    const byProto = (ports: readonly PortRange[]) =>
        PROTOCOLS.map((proto) => ({ proto, ports: ports.filter((r) => r.proto === proto) })).filter((x) => x.ports.length > 0);
    const addrs = (m: Member) => (m.addresses.length > 0 ? m.addresses : undefined);

    for (const f of fw.flows) {
        const comment = `flow ${f.index}: ${flowText(f)}`;
        let crossed = false;
        for (const s of f.sources) {
            for (const d of f.destinations) {
                if (pairPath(s, d, hasVm) !== "router") continue;
                crossed = true;
                for (const { proto, ports } of byProto(f.service.ports)) {
                    const common = { proto, dports: ports, comment, flow: f.index, fromZone: s.zone ?? (s.kind === "vpn-partner" ? VPN_PARTNER : undefined) };
                    const toZone = d.zone ?? (d.kind === "vpn-partner" ? VPN_PARTNER : undefined);
                    if (s.kind === "router") {
                        rules.push({ ...common, chain: "output", oif: d.ifname, daddr: addrs(d), toZone });
                        if (f.service.reverse) {
                            // The server answers from its service port to the relay's (a DHCP server to the giaddr).
                            rules.push({
                                chain: "input",
                                iif: d.ifname,
                                saddr: addrs(d),
                                proto,
                                sports: ports,
                                dports: ports,
                                comment: `flow ${f.index}: reply of ${flowText(f)}`,
                                flow: f.index,
                                fromZone: toZone,
                            });
                        }
                    } else if (d.kind === "router") {
                        const at = routerAddressIn(s.zone);
                        // From WAN (the VPN gateway's ports, model/flows.ts): the paired peer's gateway only. Before
                        // the peer is deployed there is no tunnel to answer (stacks/vpn.ts), so nothing is opened.
                        const saddr = s.zoneKind === "wan" ? (peerGateway ? [peerGateway] : undefined) : addrs(s);
                        if (s.zoneKind === "wan" && !saddr) continue;
                        rules.push({ ...common, chain: "input", iif: s.ifname, saddr, daddr: at ? [at] : undefined });
                    } else {
                        rules.push({ ...common, chain: "forward", iif: s.ifname, oif: d.ifname, saddr: addrs(s), daddr: addrs(d), toZone });
                    }
                }
            }
        }
        if (!crossed) vmOnly.add(f.index);
        if (f.service.relaysDhcpClients && f.sources.some((s) => s.kind === "router")) {
            for (const zone of fw.dhcpZones) {
                if (dhcpDone.has(zone)) continue;
                dhcpDone.add(zone);
                const iface = interfaces.find((i) => i.zone === zone)!;
                const c = `flow ${f.index}: DHCP clients of ${zone} (relay)`;
                rules.push({
                    chain: "input",
                    iif: iface.ifname,
                    proto: "udp",
                    sports: [p(OTHER_PORTS.dhcpClient)],
                    dports: [p(OTHER_PORTS.dhcpServer)],
                    comment: c,
                    flow: f.index,
                    fromZone: zone,
                });
                rules.push({
                    chain: "output",
                    oif: iface.ifname,
                    proto: "udp",
                    sports: [p(OTHER_PORTS.dhcpServer)],
                    dports: [p(OTHER_PORTS.dhcpClient)],
                    comment: c,
                    flow: f.index,
                    toZone: zone,
                });
            }
        }
    }

    const portForwards: PortForward[] = [];
    for (const pub of fw.published) {
        const dmz = interfaces.find((i) => i.zone === pub.host.zone)!;
        const comment = `published ${pub.index}: ${pub.service.name} -> ${pub.host.name}`;
        for (const { proto, ports } of byProto(pub.publicPorts)) {
            const hostPorts = pub.ports.filter((r) => r.proto === proto);
            const translated = ports.length === 1 && hostPorts.length === 1 && ports[0].from !== hostPorts[0].from ? hostPorts[0].from : undefined;
            portForwards.push({ published: pub.index, proto, publicPorts: ports, host: pub.host.name, address: pub.host.address, toPort: translated, comment });
            rules.push({
                chain: "forward",
                iif: wan.ifname,
                oif: dmz.ifname,
                daddr: [pub.host.address],
                proto,
                dports: hostPorts,
                ctDnat: true,
                comment,
                published: pub.index,
                fromZone: wan.zone,
                toZone: dmz.zone,
            });
        }
    }

    return {
        interfaces,
        wan,
        management: interfaces.find((i) => i.kind === "management"),
        rules,
        portForwards,
        masquerade: internal,
        vmOnly: [...vmOnly],
    };
}

function p(port: number): PortRange {
    return { proto: "udp", from: port, to: port };
}
