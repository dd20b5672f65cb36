/**
 * The flow matrix as one model: zones (plus the `vpn-partner` pseudo-zone and the `router` pseudo-host), hosts,
 * named services, flows `{ from, to, service, hosts? }`, published services (port forwards WAN -> DMZ) and the
 * DMZ allowlist. Everything not listed is denied. Every enforcement point (the router's nftables or pfSense
 * rules, the Proxmox VE datacenter and per-VM firewall, the docs, the lab's expectations) is a rendering of this
 * model, and `evaluate` is its meaning: whether one actor may open one port on another.
 *
 * Config: `billu:flows` (the matrix, a list) and `billu:firewall` (engine, site services, published services,
 * DMZ allowlist, VPN partner networks). Flows are data: a component that needs a flow adds it to the stack's
 * `billu:flows`, naming a service of the catalogue (model/services.ts) or one declared in billu:firewall.services.
 */
import { z } from "zod";
import { CONTROL, text } from "./text";
import { contains, isIpv4, overlaps, parseCidr } from "./addressing";
import { Problems, show } from "./errors";
import { Cidr, HostModel, ZONE_KINDS, ZoneKind, ZoneModel } from "./core";
import { KIND_PREFIX, parseEndpoint, PEER_HOST_PREFIX, ROUTER, VPN_PARTNER } from "./endpoints";
import { buildCatalogue, Catalogue, PortRange, portIn, portsText, portText, Protocol, PROTOCOLS, Service } from "./ports";

/** A zone, a host, `router`, `vpn-partner`, `kind:<kind>` or a service name. */
const name = text(64, "a zone, host or service name");
/** A remark kept in the config and the docs (never in a rendered rule). */
const comment = text(200, "a remark");

/** One flow of `billu:flows`. */
export const flowSchema = z
    .object({
        from: name.describe(
            "A zone, a host, `router`, `vpn-partner`, `vpn-partner:<host>` (one host of billu:firewall.vpnPartner.hosts), or `kind:<zone kind>` (every zone of that kind).",
        ),
        to: name.describe("Same forms as `from`."),
        service: name.describe("A service of the catalogue or of billu:firewall.services."),
        hosts: z.array(name).optional().describe("Restrict a zone endpoint to these hosts of the zone (the destination's when both endpoints hold them)."),
        comment: comment.optional().describe("A remark kept in the config and the docs (never in a rendered rule)."),
    })
    .strict();

const customServiceSchema = z
    .object({
        name: z
            .string()
            .regex(/^[a-z][a-z0-9-]{0,30}$/, "must be kebab-case, at most 31 characters")
            .describe("The service's name, as flows name it."),
        description: text(200, "what the service is").optional().describe("What the service is, for the docs. Default: its name."),
        ports: z.array(text(16, "a port: tcp/<port> or udp/<from>-<to>")).optional().describe("Its ports: `tcp/8080`, `udp/5000-5010`."),
        includes: z.array(name).optional().describe("Other services this one bundles."),
    })
    .strict();

const publishedSchema = z
    .object({
        service: name.describe("The service published: one of the catalogue or of billu:firewall.services (a single-port one when publicPort is set)."),
        host: name.describe("The DMZ host the router forwards to."),
        publicPort: z
            .number()
            .int()
            .optional()
            .describe("The port on the router's WAN address (1 to 65535), when it differs from the service's (single-port services)."),
        comment: comment.optional().describe("A remark kept in the config and the docs (never in a rendered rule)."),
    })
    .strict();

const dmzAllowSchema = z
    .object({
        from: name.describe("The flow's `from`, written exactly as in billu:flows."),
        to: name.describe("The flow's `to`, written exactly as in billu:flows."),
        service: name.describe("The flow's `service`, written exactly as in billu:flows."),
        reason: z
            .string()
            .min(10, "must say why, in at least 10 characters")
            .max(500)
            .refine((v) => !CONTROL.test(v), "must be one line, without control characters")
            .describe("Why the DMZ may open this flow towards an internal zone (one line, 10 to 500 characters)."),
    })
    .strict();

const vpnPartnerSchema = z
    .object({
        networks: z.array(text(18, "an IPv4 network in CIDR notation")).min(1).describe("The partner's networks, reachable through the tunnel."),
        interface: z
            .string()
            .regex(/^[a-z][a-z0-9]{0,14}$/, "must be an interface name, at most 15 characters")
            .default("ipsec0")
            .describe("The router interface that carries the decrypted traffic (route-based VPN: an XFRM interface, or strongSwan kernel-libipsec's TUN)."),
        hosts: z
            .array(
                z
                    .object({
                        name: text(64, "the host's name, as the peer stack exports it").describe("The partner's host, as its stack names it (`PAR-MON01`)."),
                        address: text(15, "an IPv4 address").describe("Its address behind the tunnel, inside one of the networks above."),
                    })
                    .strict(),
            )
            .default([])
            .describe(
                "Single hosts of the partner that flows name as `vpn-partner:<host>` (a narrower endpoint than the whole partner). Checked against the peer stack's exported hosts (output vpnPeer.hosts) when the tunnel pairs.",
            ),
    })
    .strict();

export const firewallSchema = z
    .object({
        engine: z
            .enum(["nftables", "pfsense"])
            .default("nftables")
            .describe("`nftables` (Debian 12 router, pushed and applied) or `pfsense` (rendered config.xml sections)."),
        services: z.array(customServiceSchema).default([]).describe("Site services, added to the built-in catalogue."),
        published: z.array(publishedSchema).default([]).describe("Services of DMZ hosts published on the router's WAN address (port forwards)."),
        dmzAllowlist: z.array(dmzAllowSchema).default([]).describe("Flows from the DMZ towards internal zones that are allowed anyway, each with its reason."),
        vpnPartner: vpnPartnerSchema.optional().describe("The site-to-site VPN partner (the `vpn-partner` endpoint)."),
    })
    .strict()
    .describe("The router's firewall: its engine, site services, published services, DMZ exceptions and VPN partner.");

export type FlowConfig = z.output<typeof flowSchema>;
export type FirewallConfig = z.output<typeof firewallSchema>;

export { ROUTER, VPN_PARTNER };

export type EndpointKind = "zone" | "host" | "router" | "vpn-partner";

/**
 * What the router itself may accept from the WAN: the VPN gateway's IKE (udp/500) and NAT-T, which carries ESP
 * (udp/4500; the tunnel forces encapsulation, so no IP protocol 50 rule), from the declared peer only. The port
 * forwards of billu:firewall.published are the WAN's other way in. Shared with the policy pack
 * (policies/rules/disallow-wan-to-router.ts). RFC 7296 section 2 (IKE ports), RFC 3948 (UDP encapsulation of ESP).
 */
export const VPN_GATEWAY_PORTS: readonly PortRange[] = [
    { proto: "udp", from: 500, to: 500 },
    { proto: "udp", from: 4500, to: 4500 },
];

/**
 * How far each zone kind is trusted, lowest first: the internet; the partner's networks and the DMZ (both face
 * outsiders); the departments' clients; the servers; the management zone and the router itself. A flow that
 * opens every port of a protocol from a less trusted zone to a more trusted one removes the default deny between
 * them, so the model refuses it (and enforce-default-deny checks the rendered rules).
 */
export const ZONE_TRUST: Readonly<Record<string, number>> = {
    wan: 0,
    "vpn-partner": 1,
    dmz: 1,
    department: 2,
    servers: 3,
    management: 4,
    router: 4,
};

/** Whether the ranges lie inside `allowed`. */
export function portsInside(ranges: readonly PortRange[], allowed: readonly PortRange[]): boolean {
    return ranges.every((r) => allowed.some((a) => a.proto === r.proto && a.from <= r.from && r.to <= a.to));
}

/** The protocols of which the ranges cover every port (1-65535). */
export function everyPortOf(ranges: readonly PortRange[]): Protocol[] {
    return PROTOCOLS.filter((proto) => ranges.some((r) => r.proto === proto && r.from <= 1 && r.to >= 65535));
}

/** One concrete member of a flow endpoint. */
export interface Member {
    readonly kind: EndpointKind;
    /** The zone's or host's name, `router`, `vpn-partner`, `vpn-partner:<host>`. */
    readonly name: string;
    /** A single host of the VPN partner (kind `vpn-partner`): its name; absent for the whole partner. */
    readonly peerHost?: string;
    /** The zone of a zone or host member. */
    readonly zone?: string;
    readonly zoneKind?: ZoneKind | "vpn-partner";
    /**
     * The addresses it sends from / is reached at: a zone's network, a host's address, the partner's networks.
     * Empty for the WAN zone (the internet: whatever the router reaches through its WAN interface) and the router.
     */
    readonly addresses: readonly string[];
    /** The router interface it sits behind (the zone's NIC, the VPN interface); absent for the router itself. */
    readonly ifname?: string;
    /** The Proxmox NIC of the router VM facing it (`net<k>`); absent for the router and the VPN partner. */
    readonly routerNic?: string;
}

export interface FlowModel {
    readonly index: number;
    /** As written. */
    readonly from: string;
    readonly to: string;
    readonly service: Service;
    readonly hosts?: readonly string[];
    readonly comment?: string;
    readonly sources: readonly Member[];
    readonly destinations: readonly Member[];
    /** The DMZ allowlist's reason, when the flow goes from the DMZ to an internal zone and is allowed anyway. */
    readonly dmzAllowed?: string;
}

export interface PublishedModel {
    readonly index: number;
    readonly service: Service;
    readonly host: HostModel;
    /** Ports on the host. */
    readonly ports: readonly PortRange[];
    /** Ports on the router's WAN address. */
    readonly publicPorts: readonly PortRange[];
    readonly comment?: string;
}

export interface VpnPartnerModel {
    readonly networks: readonly Cidr[];
    readonly ifname: string;
    /** The partner's hosts that flows may name alone (`vpn-partner:<host>`), each inside `networks`. */
    readonly hosts: readonly { readonly name: string; readonly address: string }[];
}

export interface FirewallModel {
    readonly engine: "nftables" | "pfsense";
    readonly catalogue: Catalogue;
    readonly flows: readonly FlowModel[];
    readonly published: readonly PublishedModel[];
    readonly dmzAllowlist: readonly { readonly from: string; readonly to: string; readonly service: string; readonly reason: string; readonly flow: number }[];
    readonly vpnPartner?: VpnPartnerModel;
    /** Networks of every zone but WAN. */
    readonly internal: readonly Cidr[];
    /** Zones whose clients get addresses by DHCP (through the router's relay). */
    readonly dhcpZones: readonly string[];
    /** The router's WAN address (published services and masquerade). */
    readonly wanAddress: string;
    /** The management zone, which always keeps SSH to the router. */
    readonly managementZone?: string;
    readonly zoneKinds: ReadonlyMap<string, ZoneKind>;
}

/** Who sends or receives a packet, for `evaluate`: a member of a zone (not a declared host), a host, the router, the partner. */
export type Actor =
    | { readonly kind: "zone"; readonly zone: string }
    | { readonly kind: "host"; readonly host: string; readonly zone: string }
    | { readonly kind: "router" }
    /** The partner's networks; `host`: one host of billu:firewall.vpnPartner.hosts (the rest of the partner when absent). */
    | { readonly kind: "vpn-partner"; readonly host?: string };

export function actorName(a: Actor): string {
    return a.kind === "zone" ? a.zone : a.kind === "host" ? a.host : a.kind === "vpn-partner" && a.host ? `${PEER_HOST_PREFIX}${a.host}` : a.kind;
}

function memberKey(m: Member): string {
    return `${m.kind}:${m.name}`;
}

/** Whether two members can exchange packets at all, and through what: the router, a VM firewall only, or nothing. */
export function pairPath(s: Member, d: Member, hasVm: (zone: string) => boolean): "router" | "vm" | { never: string } {
    if (memberKey(s) === memberKey(d) && s.kind !== "zone") return { never: `it goes from ${s.name} to itself` };
    if (s.kind === "router" || d.kind === "router") return "router";
    if (s.zoneKind === "wan" && d.zoneKind === "wan") return { never: "the router does not forward from WAN back to WAN" };
    if (s.kind === "vpn-partner" && d.kind === "vpn-partner") return { never: "the router does not forward from the VPN partner back to it" };
    if (s.zone !== undefined && s.zone === d.zone) {
        if (d.kind === "host") return "vm";
        if (hasVm(d.zone!)) return "vm";
        return { never: `traffic inside zone ${d.zone} does not cross the router, and no VM of billu:hosts sits in it to carry the rule` };
    }
    return "router";
}

function memberMatches(m: Member, a: Actor): boolean {
    switch (m.kind) {
        case "router":
            return a.kind === "router";
        case "vpn-partner":
            return a.kind === "vpn-partner" && (m.peerHost === undefined || a.host === m.peerHost);
        case "host":
            return a.kind === "host" && a.host === m.name;
        case "zone":
            return (a.kind === "zone" || a.kind === "host") && a.zone === m.name;
    }
}

export interface Verdict {
    readonly allowed: boolean;
    /** Indexes of the flows that allow it. */
    readonly flows: readonly number[];
    /** An allowance that is not a flow: `management SSH`, `published <n>`, `reply of flow <n>`, `DHCP clients`. */
    readonly implicit?: string;
    /** For a published service: the DMZ host the router forwards to. */
    readonly forwardedTo?: string;
}

/** Whether flow `f` carries `proto/dport` from `from` to `to` (evaluate's flows). */
function carries(f: FlowModel, from: Actor, to: Actor, proto: Protocol, dport: number): boolean {
    return portIn(f.service.ports, proto, dport) && f.sources.some((m) => memberMatches(m, from)) && f.destinations.some((m) => memberMatches(m, to));
}

/** Whether `from`'s packet to the router from source port `sport` is the reply of the router's flow `f` (a reverse service). */
function repliedBy(f: FlowModel, from: Actor, proto: Protocol, dport: number, sport: number): boolean {
    return (
        f.service.reverse === true &&
        sport === dport &&
        portIn(f.service.ports, proto, dport) &&
        f.sources.some((m) => m.kind === "router") &&
        f.destinations.some((m) => memberMatches(m, from))
    );
}

/** Whether flow `f` makes the router relay DHCP clients. */
function relaysDhcp(f: FlowModel): boolean {
    return f.service.relaysDhcpClients === true && f.sources.some((m) => m.kind === "router");
}

/**
 * The meaning of the model: may `from` open `proto/dport` (from source port `sport`, when it matters) on `to`?
 * The router is reached at its address in the sender's zone; a published service at its WAN address.
 * `without` leaves flows out (what the lab's broken case predicts).
 */
export function evaluate(
    fw: FirewallModel,
    from: Actor,
    to: Actor,
    proto: Protocol,
    dport: number,
    sport?: number,
    without: ReadonlySet<number> = new Set(),
): Verdict {
    if (to.kind === "router" && from.kind === "zone" && fw.zoneKinds.get(from.zone) === "wan") {
        const pub = fw.published.find((p) => portIn(p.publicPorts, proto, dport));
        if (pub) return { allowed: true, flows: [], implicit: `published ${pub.index}`, forwardedTo: pub.host.name };
    }
    const flows = fw.flows.filter((f) => !without.has(f.index) && carries(f, from, to, proto, dport)).map((f) => f.index);
    if (flows.length > 0) return { allowed: true, flows };
    if (
        to.kind === "router" &&
        proto === "tcp" &&
        dport === 22 &&
        fw.managementZone &&
        (from.kind === "zone" || from.kind === "host") &&
        from.zone === fw.managementZone
    ) {
        return { allowed: true, flows: [], implicit: "management SSH" };
    }
    if (to.kind === "router" && sport !== undefined) {
        const reply = fw.flows.find((f) => !without.has(f.index) && repliedBy(f, from, proto, dport, sport));
        if (reply) return { allowed: true, flows: [], implicit: `reply of flow ${reply.index}` };
        const relay = fw.flows.find((f) => !without.has(f.index) && relaysDhcp(f));
        if (relay && proto === "udp" && sport === 68 && dport === 67 && from.kind === "zone" && fw.dhcpZones.includes(from.zone)) {
            return { allowed: true, flows: [], implicit: `DHCP clients of flow ${relay.index}` };
        }
    }
    return { allowed: false, flows: [] };
}

/**
 * The flows whose absence can change `evaluate`'s verdict on this packet: every flow `evaluate` would pick for it (the
 * flows that carry it and, to the router from a source port, the reply and DHCP relay flows it looks for). For any other
 * flow f, `evaluate(..., without + f)` returns what `evaluate(..., without)` does, since f passes none of the tests that
 * select a flow. The lab plan's broken cases (components/firewall/lab-plan.ts) re-evaluate only the packets that the
 * dropped flow decides instead of all of them (about 35,000 packets per flow on prod: 85% of the plan's time).
 */
export function flowsDeciding(fw: FirewallModel, from: Actor, to: Actor, proto: Protocol, dport: number, sport?: number): number[] {
    const toRouterWithSport = to.kind === "router" && sport !== undefined;
    return fw.flows
        .filter((f) => carries(f, from, to, proto, dport) || (toRouterWithSport && (repliedBy(f, from, proto, dport, sport!) || relaysDhcp(f))))
        .map((f) => f.index);
}

/** The flows' written form: `lan-dsi -> PAR-DC01 ad`. */
export function flowText(f: { from: string; to: string; service: string | Service }): string {
    return `${f.from} -> ${f.to} ${typeof f.service === "string" ? f.service : f.service.name}`;
}

interface Inputs {
    readonly flows: readonly FlowConfig[];
    readonly firewall: FirewallConfig;
    readonly zones: readonly ZoneModel[];
    readonly hosts: readonly HostModel[];
    /** Whether billu:vpn declares a tunnel (whose gateway is the router): the only reason for WAN -> router. */
    readonly vpnTunnel?: boolean;
}

function memberTrust(m: Member): number {
    return ZONE_TRUST[m.kind === "router" || m.kind === "vpn-partner" ? m.kind : (m.zoneKind ?? "wan")] ?? 0;
}

/**
 * Validates `billu:flows` and `billu:firewall` against the zones and hosts, and resolves them. Problems name the
 * flow's index (`billu:flows[3].to`): unknown zone, host or service, a port out of range, a flow that can never
 * match, a duplicate, a published service without a DMZ host.
 */
export function buildFirewallModel(input: Inputs, problems: Problems): FirewallModel {
    const { zones, hosts, firewall } = input;
    const catalogue = buildCatalogue(firewall.services, problems);
    const router = hosts.find((h) => h.role === "firewall");
    const zoneByName = new Map(zones.map((z) => [z.name, z]));
    const hostByName = new Map(hosts.map((h) => [h.name, h]));
    const wan = zones.find((z) => z.kind === "wan");
    const nicOf = (zone: string) => router?.nics.findIndex((n) => n.zone === zone) ?? -1;

    // The VPN partner.
    let vpnPartner: VpnPartnerModel | undefined;
    if (firewall.vpnPartner) {
        const nets: Cidr[] = [];
        firewall.vpnPartner.networks.forEach((t, i) => {
            const path = `billu:firewall.vpnPartner.networks[${i}]`;
            const c = parseCidr(t);
            if (!c) {
                problems.add(path, `${show(t)} is not a valid IPv4 network in CIDR notation`, "write the network address and prefix, e.g. 10.30.0.0/16");
                return;
            }
            const clash = zones.find((z) => overlaps(z.cidr, c));
            if (clash) {
                problems.add(
                    path,
                    `${c.text} overlaps zone ${clash.name} (${clash.cidr.text})`,
                    "the partner's networks must not overlap this site's zones (renumber one side, or NAT the tunnel)",
                );
                return;
            }
            nets.push(c);
        });
        const peerHosts: { name: string; address: string }[] = [];
        firewall.vpnPartner.hosts.forEach((h, i) => {
            const path = `billu:firewall.vpnPartner.hosts[${i}]`;
            if (peerHosts.some((x) => x.name === h.name)) {
                problems.add(`${path}.name`, `${show(h.name)} is declared twice`, "declare each partner host once");
            } else if (!isIpv4(h.address)) {
                problems.add(`${path}.address`, `${show(h.address)} is not an IPv4 address`, `give ${h.name}'s address behind the tunnel (e.g. 10.10.0.40)`);
            } else if (nets.length > 0 && !within(h.address, nets)) {
                problems.add(
                    `${path}.address`,
                    `${h.address} (${h.name}) is outside the tunnel's traffic selectors (${nets.map((c) => c.text).join(", ")})`,
                    `give ${h.name}'s address behind the tunnel, or add its network to billu:firewall.vpnPartner.networks and to the partner's end of the tunnel`,
                );
            } else peerHosts.push({ name: h.name, address: h.address });
        });
        vpnPartner = { networks: nets, ifname: firewall.vpnPartner.interface, hosts: peerHosts };
    }

    const zoneMember = (z: ZoneModel): Member => {
        const k = nicOf(z.name);
        return {
            kind: "zone",
            name: z.name,
            zone: z.name,
            zoneKind: z.kind,
            addresses: z.kind === "wan" ? [] : [z.cidr.text],
            ifname: router?.nics[k]?.ifname,
            routerNic: k >= 0 ? `net${k}` : undefined,
        };
    };
    const hostMember = (h: HostModel): Member => {
        const z = zoneByName.get(h.zone)!;
        return { ...zoneMember(z), kind: "host", name: h.name, addresses: [h.address] };
    };
    const routerMember: Member = { kind: "router", name: ROUTER, addresses: [] };
    const partnerMember = (): Member => ({
        kind: "vpn-partner",
        name: VPN_PARTNER,
        zoneKind: "vpn-partner",
        addresses: vpnPartner?.networks.map((c) => c.text) ?? [],
        ifname: vpnPartner?.ifname,
    });

    const hasVm = (zone: string) => hosts.some((h) => h.zone === zone && h.role !== "firewall");
    const selectorHelp = `use a zone (${zones.map((z) => z.name).join(", ")}), a host of billu:hosts, ${ROUTER}, ${VPN_PARTNER}, ${PEER_HOST_PREFIX}<host> or ${KIND_PREFIX}<zone kind> (${ZONE_KINDS.join(", ")})`;

    /** Resolves one endpoint as written; reports and returns undefined when it names nothing. */
    const resolve = (text: string, path: string): Member[] | undefined => {
        const endpoint = parseEndpoint(text);
        if (endpoint.kind === "router") return [routerMember];
        if (endpoint.kind === "vpn-partner") {
            if (!vpnPartner) {
                problems.add(
                    path,
                    `is ${VPN_PARTNER}, but billu:firewall.vpnPartner declares no partner networks, so the flow can never match`,
                    "declare billu:firewall.vpnPartner.networks, or remove the flow",
                );
                return undefined;
            }
            return [partnerMember()];
        }
        if (endpoint.kind === "peer-host") {
            const declared = firewall.vpnPartner?.hosts ?? [];
            if (!vpnPartner) {
                problems.add(
                    path,
                    `is ${show(text)}, but billu:firewall.vpnPartner declares no partner, so the flow can never match`,
                    "declare billu:firewall.vpnPartner (networks and hosts), or remove the flow",
                );
                return undefined;
            }
            const h = vpnPartner.hosts.find((x) => x.name === endpoint.host);
            if (!h) {
                // A host declared but refused (outside the selectors, not an address) has its own problem already.
                if (declared.some((x) => x.name === endpoint.host)) return undefined;
                problems.add(
                    path,
                    `${show(text)} names no host of billu:firewall.vpnPartner.hosts (${declared.length > 0 ? `declared: ${declared.map((x) => x.name).join(", ")}` : "none declared"})`,
                    `declare { name: ${endpoint.host}, address: <its address behind the tunnel> } in billu:firewall.vpnPartner.hosts (the peer stack exports its hosts in output vpnPeer.hosts), or correct the name`,
                );
                return undefined;
            }
            return [{ ...partnerMember(), name: text, peerHost: h.name, addresses: [h.address] }];
        }
        if (endpoint.kind === "zone-kind") {
            const kind = endpoint.zoneKind;
            if (!(ZONE_KINDS as readonly string[]).includes(kind)) {
                problems.add(path, `${show(text)} names no zone kind`, `write ${KIND_PREFIX}<kind> with kind one of ${ZONE_KINDS.join(", ")}`);
                return undefined;
            }
            const zs = zones.filter((z) => z.kind === kind);
            if (zs.length === 0) {
                problems.add(
                    path,
                    `${show(text)} selects no zone of billu:network.zones, so the flow can never match`,
                    `add a zone of kind ${kind}, or name existing zones`,
                );
                return undefined;
            }
            return zs.map(zoneMember);
        }
        const z = zoneByName.get(text);
        if (z) return [zoneMember(z)];
        const h = hostByName.get(text);
        if (h) {
            if (h.role === "firewall") {
                problems.add(path, `${show(text)} is the router/firewall`, `write ${ROUTER} for traffic to or from the firewall itself`);
                return undefined;
            }
            return [hostMember(h)];
        }
        problems.add(
            path,
            `${show(text)} is neither a zone, a host, ${ROUTER}, ${VPN_PARTNER}, ${PEER_HOST_PREFIX}<host> nor ${KIND_PREFIX}<zone kind>`,
            selectorHelp,
        );
        return undefined;
    };

    // DMZ allowlist entries, matched to flows as written.
    const allow = firewall.dmzAllowlist.map((a) => ({ ...a, flow: -1 }));

    const flows: FlowModel[] = [];
    const seen = new Map<string, number>();
    input.flows.forEach((f, i) => {
        const fp = (k?: string) => `billu:flows[${i}]${k ? "." + k : ""}`;
        const service = catalogue.get(f.service);
        if (!service) {
            problems.add(
                fp("service"),
                `${show(f.service)} is not a service`,
                `use one of ${catalogue.names().join(", ")}, or declare it in billu:firewall.services`,
            );
        }
        let sources = resolve(f.from, fp("from"));
        let destinations = resolve(f.to, fp("to"));
        if (!sources || !destinations || !service) return;
        if (f.hosts) {
            if (f.hosts.length === 0) {
                problems.add(fp("hosts"), "is empty, so the flow can never match", "remove hosts to take the whole zone, or list the hosts");
                return;
            }
            const restrictDst = new Map<string, Member[]>();
            const restrictSrc = new Map<string, Member[]>();
            let bad = false;
            f.hosts.forEach((hn, j) => {
                const h = hostByName.get(hn);
                if (!h) {
                    problems.add(fp(`hosts[${j}]`), `${show(hn)} is not a host of billu:hosts`, "name a declared host");
                    bad = true;
                } else if (h.role === "firewall") {
                    problems.add(fp(`hosts[${j}]`), `${show(hn)} is the router/firewall`, `write ${ROUTER} as the flow's endpoint instead`);
                    bad = true;
                } else if (destinations!.some((m) => m.kind === "zone" && m.name === h.zone)) {
                    restrictDst.set(h.zone, [...(restrictDst.get(h.zone) ?? []), hostMember(h)]);
                } else if (sources!.some((m) => m.kind === "zone" && m.name === h.zone)) {
                    restrictSrc.set(h.zone, [...(restrictSrc.get(h.zone) ?? []), hostMember(h)]);
                } else {
                    problems.add(
                        fp(`hosts[${j}]`),
                        `${hn} is in zone ${h.zone}, which is not a zone of the flow's from (${f.from}) or to (${f.to})`,
                        "list only hosts of the flow's zones",
                    );
                    bad = true;
                }
            });
            if (bad) return;
            const apply = (ms: Member[], r: Map<string, Member[]>) => ms.flatMap((m) => (m.kind === "zone" && r.has(m.name) ? r.get(m.name)! : [m]));
            destinations = apply(destinations, restrictDst);
            sources = apply(sources, restrictSrc);
        }
        // A flow that can never match: no pair of its members can exchange a packet through any firewall.
        const paths = sources.flatMap((s) => destinations!.map((d) => pairPath(s, d, hasVm)));
        if (paths.every((p) => typeof p === "object")) {
            problems.add(fp(), `${flowText(f)} can never match: ${(paths[0] as { never: string }).never}`, "correct its from/to, or remove it");
            return;
        }
        // The router itself faces the internet: from WAN, only the VPN gateway's ports, and only with a tunnel.
        if (sources.some((s) => s.zoneKind === "wan") && destinations.some((d) => d.kind === "router")) {
            if (!portsInside(service.ports, VPN_GATEWAY_PORTS)) {
                problems.add(
                    fp(),
                    `${flowText(f)} opens ${portsText(service.ports)} on the router itself to the internet`,
                    `remove the flow (the management zone always keeps SSH to the router); from WAN the router accepts only the VPN's IKE and NAT-T (service ipsec, with billu:vpn) and the port forwards of billu:firewall.published`,
                );
                return;
            }
            if (!input.vpnTunnel) {
                problems.add(
                    fp(),
                    `${flowText(f)} opens the VPN gateway's ports (${portsText(service.ports)}) on the router, but billu:vpn declares no tunnel`,
                    "declare the tunnel in billu:vpn (the router then accepts them from its peer's gateway only), or remove the flow",
                );
                return;
            }
        }
        // Every port of a protocol towards a more trusted zone is no rule at all: the default deny is gone.
        const every = everyPortOf(service.ports);
        if (every.length > 0) {
            const pair = sources.flatMap((s) => destinations!.map((d) => [s, d] as const)).find(([s, d]) => memberTrust(s) < memberTrust(d));
            if (pair) {
                const [s, d] = pair;
                const what = (m: Member) => `${m.name} (${m.kind === "router" || m.kind === "vpn-partner" ? m.kind : m.zoneKind})`;
                problems.add(
                    fp("service"),
                    `${show(f.service)} opens every ${every.join(" and ")} port from ${what(s)} to ${what(d)}, a more trusted zone`,
                    "list only the ports the flow needs in the service (billu:firewall.services)",
                );
                return;
            }
        }
        const key = [service.name, [...new Set(sources.map(memberKey))].sort().join(","), [...new Set(destinations.map(memberKey))].sort().join(",")].join("|");
        if (seen.has(key)) {
            const j = seen.get(key)!;
            problems.add(fp(), `duplicates billu:flows[${j}] (${flowText(input.flows[j])})`, "remove one of them");
            return;
        }
        seen.set(key, i);
        const a = allow.find((x) => x.from === f.from && x.to === f.to && x.service === f.service);
        if (a) a.flow = i;
        flows.push({ index: i, from: f.from, to: f.to, service, hosts: f.hosts, comment: f.comment, sources, destinations, dmzAllowed: a?.reason });
    });

    allow.forEach((a, i) => {
        if (!input.flows.some((f) => f.from === a.from && f.to === a.to && f.service === a.service)) {
            problems.add(
                `billu:firewall.dmzAllowlist[${i}]`,
                `matches no flow of billu:flows (${flowText(a)})`,
                "write the from, to and service of the flow exactly as in billu:flows, or remove the entry",
            );
        }
    });

    // Published services: port forwards from the router's WAN address to a DMZ host.
    const published: PublishedModel[] = [];
    const publicTaken: { r: PortRange; index: number }[] = [];
    firewall.published.forEach((p, i) => {
        const pp = (k: string) => `billu:firewall.published[${i}].${k}`;
        const service = catalogue.get(p.service);
        if (!service)
            problems.add(
                pp("service"),
                `${show(p.service)} is not a service`,
                `use one of ${catalogue.names().join(", ")}, or declare it in billu:firewall.services`,
            );
        const host = hostByName.get(p.host);
        if (!host) {
            problems.add(pp("host"), `${show(p.host)} is not a host of billu:hosts`, "name the DMZ host that serves it");
        } else if (zoneByName.get(host.zone)?.kind !== "dmz") {
            problems.add(
                pp("host"),
                `${host.name} is in zone ${host.zone} (${zoneByName.get(host.zone)?.kind ?? "?"}), not in a DMZ zone`,
                "publish only services of a DMZ host (put a relay or reverse proxy in the DMZ in front of an internal server)",
            );
        }
        if (!service || !host || zoneByName.get(host.zone)?.kind !== "dmz") return;
        let publicPorts: readonly PortRange[] = service.ports;
        if (p.publicPort !== undefined) {
            const single = new Set(service.ports.map((r) => `${r.from}-${r.to}`));
            if (p.publicPort < 1 || p.publicPort > 65535) {
                problems.add(pp("publicPort"), `${p.publicPort} is out of range`, "use a port from 1 to 65535");
                return;
            }
            if (single.size !== 1 || service.ports[0].from !== service.ports[0].to) {
                problems.add(
                    pp("publicPort"),
                    `${p.publicPort} cannot translate ${service.name}, which has several ports`,
                    "leave publicPort out, or publish a single-port service",
                );
                return;
            }
            publicPorts = service.ports.map((r) => ({ proto: r.proto, from: p.publicPort!, to: p.publicPort! }));
        }
        for (const r of publicPorts) {
            const clash = publicTaken.find((t) => t.r.proto === r.proto && t.r.from <= r.to && r.from <= t.r.to);
            if (clash) {
                problems.add(
                    pp("service"),
                    `${r.proto}/${portText(r)} on the WAN address is already published by billu:firewall.published[${clash.index}]`,
                    "publish each WAN port once (set publicPort to another port)",
                );
                return;
            }
        }
        publicTaken.push(...publicPorts.map((r) => ({ r, index: i })));
        published.push({ index: i, service, host, ports: service.ports, publicPorts, comment: p.comment });
    });

    const model: FirewallModel = {
        engine: firewall.engine,
        catalogue,
        flows,
        published,
        dmzAllowlist: allow,
        vpnPartner,
        internal: zones.filter((z) => z.kind !== "wan").map((z) => z.cidr),
        dhcpZones: zones.filter((z) => z.dhcp).map((z) => z.name),
        wanAddress: wan?.routerAddress ?? "",
        managementZone: zones.find((z) => z.kind === "management")?.name,
        zoneKinds: new Map(zones.map((z) => [z.name, z.kind])),
    };
    return model;
}

/** Whether an address or network lies inside one of the networks. */
export function within(text: string, nets: readonly Cidr[]): boolean {
    const c = parseCidr(text.includes("/") ? text : `${text}/32`);
    if (!c) return false;
    return nets.some((n) => contains(n, c.network) && c.last <= n.last);
}
