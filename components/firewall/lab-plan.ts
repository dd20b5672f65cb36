/**
 * The firewall lab's plan (pure): the network-namespace topology of a site, the listeners, and one probe per
 * (source, destination, protocol, port) with what the flow model says must happen (`evaluate`), grouped into the
 * matrix's cells (source zone or host x destination host x service). Also the deliberately broken rulesets and the
 * exact probes each must make fail. labs/firewall/lab.sh builds the topology, runs the ruleset synth rendered in
 * the router namespace, and labs/firewall/probe.py sends the probes.
 *
 * Topology: a router namespace with the model's interfaces (eth0.. in zone order: no interface override is
 * needed, the names are the model's); one namespace per zone holding a bridge (the zone's switch), the zone's
 * anonymous member (an address of the zone that no host uses) and the link to the router; one namespace per host
 * that a flow or published service names, on its zone's bridge. The WAN namespace is the ISP's gateway and holds
 * one internet address (LAB_INTERNET), with routes to every internal zone through the router: an attacker on the
 * ISP's segment, so "WAN reaches nothing internal" is tested with packets that really target internal addresses.
 * Flows inside one zone do not cross the router (the Proxmox VM firewall carries them): they are not probed here.
 *
 * Probes: each port range of a service at both ends and one port inside; ICMP echo between every pair (the
 * site's fixed ICMP policy, ICMP_POLICY); spoofed sources: from each zone's namespace (and the VPN partner's), a
 * packet carrying another zone's source address towards a destination that zone may really reach, which the
 * router must drop in its anti-spoofing prerouting chain (the lab counts it before and after that chain).
 */
import { intToIp, ipToInt } from "../../model/addressing";
import { PEER_HOST_PREFIX } from "../../model/endpoints";
import { Actor, evaluate, FirewallModel, flowsDeciding, within } from "../../model/flows";
import { Protocol, Service } from "../../model/ports";
import { SiteModel } from "../../model/site";
import { firewallOf } from "./plan";

/** The internet host of the lab's WAN namespace (TEST-NET-1, RFC 5737): lab-only, not a fact of BillU. */
export const LAB_INTERNET = "192.0.2.10";
/** Link addresses between the router and the VPN partner's stand-in (lab-only: a real tunnel interface has none). */
export const LAB_VPN_LINK = { router: "169.254.200.1/30", partner: "169.254.200.2/30" };
/**
 * With single partner hosts (billu:firewall.vpnPartner.hosts), the link is a segment instead: the router, the partner's
 * stand-in on a bridge, and one namespace per partner host (lab-only link-local addresses: a real tunnel has none).
 */
export const LAB_VPN_SEGMENT = { prefix: 24, router: "169.254.200.1", partner: "169.254.200.2", firstHost: 3 };

/**
 * The site's ICMP policy (fixed, not configurable by billu:flows): echo requests to the router's own addresses are
 * answered from every zone, host, the WAN and the VPN partner (rate-limited: the lab paces them); echo through the
 * router is never forwarded, and the router itself sends none.
 */
export const ICMP_POLICY = "echo to the router from anywhere: answered; echo through or from the router: dropped";

/** What ICMP_POLICY says for an echo request from one actor to another. */
export function icmpVerdict(from: Actor, to: Actor): { allowed: boolean; why?: string } {
    return to.kind === "router" && from.kind !== "router" ? { allowed: true, why: "ICMP policy: echo to the router" } : { allowed: false };
}

/** The probes' protocols: the model's, and ICMP echo (its port is 0). */
export type LabProtocol = Protocol | "icmp";

/** A packet from one zone's namespace carrying another zone's source address: the router must drop it. */
export interface SpoofProbe {
    readonly id: number;
    /** The sender (its namespace sends it) and the actor whose address it forges. */
    readonly src: string;
    readonly as: string;
    readonly ns: string;
    readonly bind: string;
    readonly dst: string;
    readonly proto: Protocol;
    readonly port: number;
    /** The router interface it arrives on (the model's name). */
    readonly ifname: string;
    /** Why the forged source would otherwise be let through (the genuine sender's verdict). */
    readonly genuine: string;
}

export interface LabActor {
    readonly label: string;
    readonly ns: string;
    readonly actor: Actor;
    /** Where it sends from (its address; the router: per destination zone). */
    readonly address: string;
}

export interface Probe {
    readonly id: number;
    readonly src: string;
    /** The destination actor (before any port forward). */
    readonly to: string;
    readonly ns: string;
    /** Source address to bind (absent: the kernel's choice, i.e. the router's address on the egress interface). */
    readonly bind?: string;
    readonly sport?: number;
    readonly dst: string;
    readonly proto: LabProtocol;
    readonly port: number;
    readonly expect: "allow" | "deny";
    /** Allowed probes: the listener that must answer, and the source address it must see. */
    readonly label?: string;
    readonly peer?: string;
    /** Why: the flows or implicit rule that allow it. */
    readonly why?: string;
}

export interface Cell {
    readonly src: string;
    readonly dst: string;
    readonly service: string;
    readonly expect: "allow" | "deny" | "partly";
    readonly probes: readonly number[];
}

export interface Mutation {
    readonly name: string;
    readonly description: string;
    /** Lines of the ruleset containing this text are removed... */
    readonly deleteLinesContaining?: string;
    /** ...or this text is replaced. */
    readonly replace?: readonly [string, string];
    /** The probes that must now fail, exactly. */
    readonly expectFailed: readonly number[];
}

export interface LabPlan {
    readonly prefix: string;
    /** The WAN actor's label, and the router's WAN address (what masqueraded traffic shows). */
    readonly wan: string;
    readonly routerWan: string;
    /** Shell-friendly topology lines (see labs/firewall/lab.sh). */
    readonly topology: readonly string[];
    readonly actors: readonly LabActor[];
    readonly listeners: readonly { readonly ns: string; readonly label: string; readonly tcp: readonly number[]; readonly udp: readonly number[] }[];
    readonly probes: readonly Probe[];
    readonly cells: readonly Cell[];
    readonly services: readonly string[];
    readonly mutations: readonly Mutation[];
    readonly spoofs: readonly SpoofProbe[];
    readonly icmpPolicy: string;
    /** Flows the lab cannot see (inside one zone: Proxmox VM firewall only). */
    readonly notProbed: readonly string[];
}

/** A free address of a zone for its anonymous member: the highest usable one nobody else holds. */
function memberAddress(model: SiteModel, zone: string): string {
    const z = model.zones.find((x) => x.name === zone)!;
    const taken = new Set([z.gateway, z.routerAddress, ...model.hosts.map((h) => h.address)]);
    for (let n = z.cidr.last - 1; n > z.cidr.first; n--) {
        const a = intToIp(n);
        if (!taken.has(a) && !(z.dhcp && n >= ipToInt(z.dhcp.poolStart) && n <= ipToInt(z.dhcp.poolEnd))) return a;
    }
    throw new Error(`zone ${zone} has no free address for the lab`);
}

/** Probe points of a service: both ends of each range and one port inside (the middle) when there is one. */
export function points(s: Service): { proto: Protocol; port: number }[] {
    const out = new Map<string, { proto: Protocol; port: number }>();
    for (const r of s.ports) {
        const inside = r.to - r.from >= 2 ? [Math.floor((r.from + r.to) / 2)] : [];
        for (const port of [r.from, ...inside, r.to]) out.set(`${r.proto}/${port}`, { proto: r.proto, port });
    }
    return [...out.values()];
}

export function planLab(model: SiteModel, prefix: string): LabPlan {
    const fw: FirewallModel = firewallOf(model);
    const router = model.router;
    const topo: string[] = [];
    const actors: LabActor[] = [];
    const rns = `${prefix}-r`;
    const routerActor: LabActor = { label: "router", ns: rns, actor: { kind: "router" }, address: "" };
    actors.push(routerActor);
    topo.push(`ns ${rns}`);
    const wanZone = model.zones.find((z) => z.kind === "wan")!;
    const zoneNs = new Map<string, string>();
    model.zones.forEach((z, i) => {
        const ns = `${prefix}-z${i}`;
        zoneNs.set(z.name, ns);
        const nic = router.nics.find((n) => n.zone === z.name)!;
        topo.push(`ns ${ns}`);
        topo.push(`link ${rns} ${nic.ifname} ${nic.address}/${nic.prefix} ${ns} up0 -`);
        if (z.kind === "wan") {
            topo.push(`bridge ${ns} br0 ${z.gateway}/${z.cidr.prefix} up0`);
            topo.push(`addr ${ns} lo ${LAB_INTERNET}/32`);
            for (const other of model.zones.filter((x) => x.kind !== "wan")) topo.push(`route ${ns} ${other.cidr.text} ${z.routerAddress}`);
            // ...and to the VPN partner's networks: without these routes "WAN reaches no partner address" was
            // never sent to the router at all (a probe that could not fail).
            for (const c of fw.vpnPartner?.networks ?? []) topo.push(`route ${ns} ${c.text} ${z.routerAddress}`);
            actors.push({ label: z.name, ns, actor: { kind: "zone", zone: z.name }, address: LAB_INTERNET });
        } else {
            const a = memberAddress(model, z.name);
            topo.push(`bridge ${ns} br0 ${a}/${z.cidr.prefix} up0`);
            topo.push(`route ${ns} default ${z.gateway}`);
            actors.push({ label: z.name, ns, actor: { kind: "zone", zone: z.name }, address: a });
        }
    });
    const wanNic = router.nics.find((n) => n.zone === wanZone.name)!;
    topo.push(`route ${rns} default ${wanNic.gateway ?? wanZone.gateway}`);

    // A namespace per host a flow or published service names.
    const named = new Set<string>([
        ...fw.flows.flatMap((f) => [...f.sources, ...f.destinations].filter((m) => m.kind === "host").map((m) => m.name)),
        ...fw.flows.flatMap((f) => f.hosts ?? []),
        ...fw.published.map((p) => p.host.name),
    ]);
    model.hosts
        .filter((h) => named.has(h.name))
        .forEach((h, j) => {
            const ns = `${prefix}-h${j}`;
            const z = model.zones.find((x) => x.name === h.zone)!;
            topo.push(`ns ${ns}`);
            topo.push(`link ${zoneNs.get(h.zone)} p${j} - ${ns} eth0 ${h.address}/${z.cidr.prefix}`);
            topo.push(`enslave ${zoneNs.get(h.zone)} br0 p${j}`);
            topo.push(`route ${ns} default ${z.gateway}`);
            actors.push({ label: h.name, ns, actor: { kind: "host", host: h.name, zone: h.zone }, address: h.address });
        });

    if (fw.vpnPartner) {
        const ns = `${prefix}-vp`;
        const peerHosts = fw.vpnPartner.hosts;
        // The rest of the partner: the first address of its first network that no declared partner host holds.
        let n = fw.vpnPartner.networks[0].first + 1;
        while (peerHosts.some((h) => h.address === intToIp(n))) n++;
        const partner = intToIp(n);
        topo.push(`ns ${ns}`);
        if (peerHosts.length === 0) {
            topo.push(`link ${rns} ${fw.vpnPartner.ifname} ${LAB_VPN_LINK.router} ${ns} up0 ${LAB_VPN_LINK.partner}`);
        } else {
            const seg = LAB_VPN_SEGMENT;
            topo.push(`link ${rns} ${fw.vpnPartner.ifname} ${seg.router}/${seg.prefix} ${ns} up0 -`);
            topo.push(`bridge ${ns} br0 ${seg.partner}/${seg.prefix} up0`);
        }
        topo.push(`addr ${ns} lo ${partner}/32`);
        topo.push(`route ${ns} default ${LAB_VPN_LINK.router.split("/")[0]}`);
        for (const c of fw.vpnPartner.networks) topo.push(`route ${rns} ${c.text} ${LAB_VPN_LINK.partner.split("/")[0]}`);
        actors.push({ label: "vpn-partner", ns, actor: { kind: "vpn-partner" }, address: partner });
        // Each single partner host a flow may name (vpn-partner:<host>): its own namespace behind the same router
        // interface, reached by a host route, so a probe from it and one from the rest of the partner differ only by
        // their source address.
        peerHosts.forEach((h, j) => {
            const hns = `${prefix}-vh${j}`;
            const link = intToIp(ipToInt(LAB_VPN_SEGMENT.router) + LAB_VPN_SEGMENT.firstHost - 1 + j);
            topo.push(`ns ${hns}`);
            topo.push(`link ${ns} q${j} - ${hns} eth0 ${link}/${LAB_VPN_SEGMENT.prefix}`);
            topo.push(`enslave ${ns} br0 q${j}`);
            topo.push(`addr ${hns} lo ${h.address}/32`);
            topo.push(`route ${hns} default ${LAB_VPN_SEGMENT.router}`);
            topo.push(`route ${rns} ${h.address}/32 ${link}`);
            actors.push({ label: `${PEER_HOST_PREFIX}${h.name}`, ns: hns, actor: { kind: "vpn-partner", host: h.name }, address: h.address });
        });
    }

    const zoneOf = (a: Actor) => (a.kind === "zone" || a.kind === "host" ? a.zone : a.kind === "vpn-partner" ? "vpn-partner" : undefined);
    const routerAddressFor = (s: LabActor): string => {
        if (s.actor.kind === "vpn-partner") return LAB_VPN_LINK.router.split("/")[0];
        return router.nics.find((n) => n.zone === zoneOf(s.actor))!.address;
    };
    /** The source address a destination sees: the sender's, the WAN address after masquerade, the router's egress. */
    const peerSeen = (s: LabActor, d: LabActor): string => {
        const dz = zoneOf(d.actor);
        const dWan = d.actor.kind === "zone" && d.actor.zone === wanZone.name;
        if (s.actor.kind === "router")
            return dWan ? wanNic.address : dz === "vpn-partner" ? LAB_VPN_LINK.router.split("/")[0] : router.nics.find((n) => n.zone === dz)!.address;
        if (dWan && !(s.actor.kind === "zone" && s.actor.zone === wanZone.name)) return wanNic.address;
        return s.address;
    };

    const services = [...new Set([...fw.flows.map((f) => f.service.name), ...fw.published.map((p) => p.service.name)])].sort();
    const probes: Probe[] = [];
    const probeIndex = new Map<string, number>();
    const cells: Cell[] = [];
    const tcp = new Set<number>();
    const udp = new Set<number>();
    /** By flow, the probes (in order) whose verdict that flow can decide (flowsDeciding): the only ones its removal can change. */
    const decidedBy = new Map<number, number[]>();
    // The flow model allows WAN -> router for the VPN's ports from the whole WAN zone, but the router accepts them
    // from the paired peer's gateway only (components/firewall/plan.ts; model/flows.ts refuses any other flow from
    // the WAN to the router). The lab's WAN sender is an internet address, not the peer: it must be refused.
    const peerGateway = model.vpn?.remote.gateway.address;
    const fromWanToRouter = (s: LabActor, d: LabActor) => s.actor.kind === "zone" && s.actor.zone === wanZone.name && d.actor.kind === "router";
    const verdict = (s: LabActor, d: LabActor, proto: LabProtocol, port: number, sport: number | undefined, drop: ReadonlySet<number> = new Set()) => {
        if (proto === "icmp")
            return { ...icmpVerdict(s.actor, d.actor), flows: [] as number[], implicit: icmpVerdict(s.actor, d.actor).why, forwardedTo: undefined };
        const v = evaluate(fw, s.actor, d.actor, proto, port, sport, drop);
        if (v.allowed && v.flows.length > 0 && !v.implicit && fromWanToRouter(s, d) && s.address !== peerGateway) {
            return { allowed: false, flows: [] as number[], implicit: undefined, forwardedTo: undefined };
        }
        return v;
    };
    const addProbe = (s: LabActor, d: LabActor, proto: LabProtocol, port: number, sport?: number): number => {
        const key = `${s.label}|${d.label}|${proto}|${port}|${sport ?? ""}`;
        if (probeIndex.has(key)) return probeIndex.get(key)!;
        const v = verdict(s, d, proto, port, sport);
        const dst = d.actor.kind === "router" ? (s.actor.kind === "zone" && s.actor.zone === wanZone.name ? wanNic.address : routerAddressFor(s)) : d.address;
        const target = v.forwardedTo ? actors.find((a) => a.label === v.forwardedTo)! : d;
        const id = probes.length;
        probes.push({
            id,
            src: s.label,
            to: d.label,
            ns: s.ns,
            bind: s.actor.kind === "router" ? undefined : s.address,
            sport,
            dst,
            proto,
            port,
            expect: v.allowed ? "allow" : "deny",
            label: v.allowed ? target.label : undefined,
            peer: v.allowed ? peerSeen(s, target) : undefined,
            why: v.allowed ? (v.flows.length > 0 ? `flow ${v.flows.join(", ")}` : v.implicit) : undefined,
        });
        if (proto !== "icmp") {
            (proto === "tcp" ? tcp : udp).add(port);
            for (const f of flowsDeciding(fw, s.actor, d.actor, proto, port, sport)) (decidedBy.get(f) ?? decidedBy.set(f, []).get(f)!).push(id);
        }
        probeIndex.set(key, id);
        return id;
    };

    for (const s of actors) {
        for (const d of actors) {
            if (s === d) continue;
            const sz = zoneOf(s.actor);
            if (sz !== undefined && sz === zoneOf(d.actor)) continue; // inside one zone: not the router's business
            for (const name of services) {
                const svc = fw.catalogue.get(name)!;
                const ids = points(svc).map((pt) => addProbe(s, d, pt.proto, pt.port));
                cells.push(cellOf(s, d, name, ids, probes));
                if (svc.reverse && d.actor.kind === "router" && s.actor.kind !== "router") {
                    const rids = points(svc).map((pt) => addProbe(s, d, pt.proto, pt.port, pt.port));
                    cells.push(cellOf(s, d, `${name} (reply)`, rids, probes));
                }
            }
            cells.push(cellOf(s, d, "icmp-echo", [addProbe(s, d, "icmp", 0)], probes));
        }
    }

    // Spoofed sources: each zone (and the partner) forges another zone's member address, towards a destination
    // outside the sender's zone that the forged zone may really reach (through the router if it can, else to the
    // router), else the router's address in that zone.
    const zoneActors = actors.filter((a) => a.actor.kind === "zone");
    const spoofs: SpoofProbe[] = [];
    const senders = [...zoneActors, ...actors.filter((a) => a.actor.kind === "vpn-partner" && a.actor.host === undefined)];
    for (const z of senders) {
        // The next zone in order; the partner forges the first internal zone.
        const at = zoneActors.indexOf(z);
        const y = at < 0 ? zoneActors.find((a) => a.actor.kind === "zone" && a.actor.zone !== wanZone.name)! : zoneActors[(at + 1) % zoneActors.length];
        const candidates = probes.filter(
            (p) =>
                p.src === y.label &&
                p.expect === "allow" &&
                p.proto !== "icmp" &&
                zoneOf(byLabelAll(actors, p.to).actor) !== zoneOf(z.actor) &&
                p.to !== z.label,
        );
        const genuine = candidates.find((p) => p.to !== "router") ?? candidates[0];
        const yz = model.zones.find((x) => x.name === zoneOf(y.actor))!;
        const ifname = z.actor.kind === "vpn-partner" ? fw.vpnPartner!.ifname : router.nics.find((n) => n.zone === zoneOf(z.actor))!.ifname;
        spoofs.push({
            id: spoofs.length,
            src: z.label,
            as: y.label,
            ns: z.ns,
            bind: y.address,
            dst: genuine ? genuine.dst : yz.kind === "wan" ? wanNic.address : router.nics.find((n) => n.zone === yz.name)!.address,
            proto: genuine ? (genuine.proto as Protocol) : "udp",
            port: genuine ? genuine.port : 9,
            ifname,
            genuine: genuine ? `${y.label} -> ${genuine.to} ${genuine.proto}/${genuine.port} is allowed (${genuine.why})` : `${y.label}'s gateway`,
        });
    }

    // The broken rulesets and what each must break, exactly.
    const mutations: Mutation[] = [];
    const byLabel = new Map(actors.map((a) => [a.label, a]));
    // ICMP verdicts never depend on flows; any other probe can change only if the dropped flow decides it.
    const changed = (drop: number) =>
        (decidedBy.get(drop) ?? [])
            .map((id) => probes[id])
            .filter((p) => {
                const s = byLabel.get(p.src)!;
                const d = byLabel.get(p.to)!;
                return (verdict(s, d, p.proto, p.port, p.sport, new Set([drop])).allowed ? "allow" : "deny") !== p.expect;
            });
    const routerFlows = fw.flows.filter((f) => !f.sources.every((s) => f.destinations.every((d) => s.zone !== undefined && s.zone === d.zone)));
    const best = routerFlows.map((f) => ({ f, n: changed(f.index).length })).sort((a, b) => b.n - a.n || a.f.index - b.f.index)[0];
    if (best && best.n > 0) {
        mutations.push({
            name: `without-flow-${best.f.index}`,
            description: `the rules of flow ${best.f.index} (${best.f.from} -> ${best.f.to} ${best.f.service.name}) removed`,
            deleteLinesContaining: `comment "flow ${best.f.index}: `,
            expectFailed: changed(best.f.index).map((p) => p.id),
        });
    }
    // A stack whose internal zones reach nothing on the WAN has nothing masquerade could break: no such case.
    const masqueraded = probes.filter((p) => p.expect === "allow" && p.src !== "router" && p.peer === wanNic.address).map((p) => p.id);
    if (masqueraded.length > 0) {
        mutations.push({
            name: "without-masquerade",
            description: "the masquerade rule removed",
            deleteLinesContaining: " masquerade comment ",
            expectFailed: masqueraded,
        });
    }
    // A partner host's rules widened to its whole network (`ip saddr <host>` -> `ip saddr <network>`): the rest of
    // the partner, in the same network, must then get through exactly where that host may.
    const standIn = byLabel.get("vpn-partner");
    for (const h of fw.vpnPartner?.hosts ?? []) {
        const net = fw.vpnPartner!.networks.find((c) => within(h.address, [c]));
        const hostActor = byLabel.get(`${PEER_HOST_PREFIX}${h.name}`);
        if (!standIn || !net || !hostActor || !within(standIn.address, [net])) continue;
        const widened = probes.filter(
            (p) =>
                p.src === standIn.label &&
                p.expect === "deny" &&
                p.proto !== "icmp" &&
                p.sport === undefined &&
                verdict(hostActor, byLabel.get(p.to)!, p.proto, p.port, undefined).flows.length > 0,
        );
        if (widened.length === 0) continue;
        mutations.push({
            name: `peer-host-widened-${h.name}`,
            description: `the rules from ${PEER_HOST_PREFIX}${h.name} (${h.address}) widened to its network ${net.text}`,
            replace: [`ip saddr ${h.address} `, `ip saddr ${net.text} `],
            expectFailed: widened.map((p) => p.id),
        });
    }
    mutations.push({
        name: "forward-accept",
        description: "the forward chain's policy changed from drop to accept",
        replace: ["type filter hook forward priority filter; policy drop;", "type filter hook forward priority filter; policy accept;"],
        expectFailed: probes.filter((p) => p.expect === "deny" && p.src !== "router" && p.to !== "router").map((p) => p.id),
    });

    const notProbed = fw.flows
        .filter((f) => !routerFlows.includes(f))
        .map((f) => `flow ${f.index} (${f.from} -> ${f.to} ${f.service.name}): inside one zone, carried by the Proxmox VM firewall only`);
    return {
        prefix,
        wan: wanZone.name,
        routerWan: wanNic.address,
        topology: topo,
        actors,
        listeners: actors.map((a) => ({ ns: a.ns, label: a.label, tcp: [...tcp].sort((x, y) => x - y), udp: [...udp].sort((x, y) => x - y) })),
        probes,
        cells,
        services,
        mutations,
        spoofs,
        icmpPolicy: ICMP_POLICY,
        notProbed,
    };
}

function byLabelAll(actors: readonly LabActor[], label: string): LabActor {
    return actors.find((a) => a.label === label)!;
}

function cellOf(s: LabActor, d: LabActor, service: string, ids: number[], probes: readonly Probe[]): Cell {
    const e = new Set(ids.map((i) => probes[i].expect));
    return { src: s.label, dst: d.label, service, expect: e.size === 2 ? "partly" : ([...e][0] as "allow" | "deny"), probes: ids };
}
