/**
 * The stack outputs that document a site: plain JSON derived from the model (pure). The docs renderer reads
 * exactly this shape, from offline synth or from `pulumi stack output --json` of a real deployment.
 */
import type { Input } from "@pulumi/pulumi";
import { netmask, rangeSize } from "../model/addressing";
import { SiteModel } from "../model/site";
import { portsText } from "../model/ports";
import { firewallDocs } from "../components/firewall/docs";

export interface ZoneDoc {
    name: string;
    kind: string;
    department?: string;
    cidr: string;
    netmask: string;
    vlanId?: number;
    bridge: string;
    gateway: string;
    routerAddress: string;
    dhcpPool?: string;
    dhcpPoolSize?: number;
    headcount?: number;
}

export interface HostDoc {
    name: string;
    role: string;
    os: string;
    zone: string;
    address: string;
    vmId: number;
    node: string;
    cores: number;
    memoryMiB: number;
    disks: string[];
    stateful: boolean;
    protected: boolean;
    nics: { zone: string; ifname: string; address: string; vlanId?: number; bridge: string }[];
}

export interface FlowDoc {
    index: number;
    from: string;
    to: string;
    service: string;
    ports: string;
    hosts?: string[];
    comment?: string;
    /** The zones (or `router`, `vpn-partner`) the flow goes from and to, and the hosts it is narrowed to. */
    fromZones?: string[];
    toZones?: string[];
    fromHosts?: string[];
    toHosts?: string[];
    /** Where it is enforced: `router` (crosses it) and/or `vm` (the destination VMs' Proxmox firewall). */
    enforcedAt?: string[];
    /** For a published service (port forward from WAN): the DMZ host. */
    publishedTo?: string;
}

/** Everything the docs need; components add their own sections under `sections`. */
export interface SiteDocs {
    site: { name: string; code: string; company: string; kind: string; environment: string; domain: string };
    zones: ZoneDoc[];
    hosts: HostDoc[];
    flows: FlowDoc[];
    /**
     * Extra sections by component (DHCP scopes, DCs, shares, ...): title -> markdown-ready rows. A cell may be a
     * value known only once deployed (a certificate's expiry): the stack output resolves it.
     */
    sections: Record<string, { columns: string[]; rows: Input<string | number>[][] }>;
}

export function siteDocs(model: SiteModel): SiteDocs {
    return {
        site: {
            name: model.site.name,
            code: model.site.code,
            company: model.site.company,
            kind: model.site.kind,
            environment: model.site.environment,
            domain: model.site.domain,
        },
        zones: model.zones.map((z) => ({
            name: z.name,
            kind: z.kind,
            department: z.department,
            cidr: z.cidr.text,
            netmask: netmask(z.cidr.prefix),
            vlanId: z.vlanId,
            bridge: z.bridge,
            gateway: z.gateway,
            routerAddress: z.routerAddress,
            dhcpPool: z.dhcp ? `${z.dhcp.poolStart}-${z.dhcp.poolEnd}` : undefined,
            dhcpPoolSize: z.dhcp ? rangeSize(z.dhcp.poolStart, z.dhcp.poolEnd) : undefined,
            headcount: z.department ? (model.headcount.get(z.department) ?? 0) : undefined,
        })),
        hosts: model.hosts.map((h) => ({
            name: h.name,
            role: h.role,
            os: h.os,
            zone: h.zone,
            address: h.address,
            vmId: h.vmId,
            node: h.node,
            cores: h.cores,
            memoryMiB: h.memoryMiB,
            disks: h.disks.map((d) => `${d.sizeGiB} GiB on ${d.datastore}`),
            stateful: h.stateful,
            protected: h.stateful && model.site.protectStateful,
            nics: h.nics.map((n) => ({ zone: n.zone, ifname: n.ifname, address: `${n.address}/${n.prefix}`, vlanId: n.vlanId, bridge: n.bridge })),
        })),
        flows: flowDocs(model),
        sections: { ...firewallDocs(model) },
    };
}

/** The flow matrix as documented: every flow of billu:flows, then the published services (port forwards). */
function flowDocs(model: SiteModel): FlowDoc[] {
    const fw = model.firewall;
    if (!fw) return [];
    const zonesOf = (ms: readonly { kind: string; name: string; zone?: string }[]) => [...new Set(ms.map((m) => m.zone ?? m.name))];
    const hostsOf = (ms: readonly { kind: string; name: string }[]) => {
        const hs = ms.filter((m) => m.kind === "host").map((m) => m.name);
        return hs.length > 0 ? hs : undefined;
    };
    const vmOnly = (f: (typeof fw.flows)[number]) => f.sources.every((s) => f.destinations.every((d) => s.zone !== undefined && s.zone === d.zone));
    return [
        ...fw.flows.map((f) => ({
            index: f.index,
            from: f.from,
            to: f.to,
            service: f.service.name,
            ports: portsText(f.service.ports),
            hosts: f.hosts ? [...f.hosts] : undefined,
            comment: f.comment,
            fromZones: zonesOf(f.sources),
            toZones: zonesOf(f.destinations),
            fromHosts: hostsOf(f.sources),
            toHosts: hostsOf(f.destinations),
            enforcedAt: [
                ...(vmOnly(f) ? [] : ["router"]),
                ...(f.destinations.some((d) => d.kind !== "router" && d.kind !== "vpn-partner" && d.zoneKind !== "wan") ? ["vm"] : []),
            ],
        })),
        ...fw.published.map((p) => ({
            index: p.index,
            from: "wan",
            to: p.host.name,
            service: p.service.name,
            ports: portsText(p.publicPorts),
            comment: p.comment,
            fromZones: [model.zones.find((z) => z.kind === "wan")!.name],
            toZones: [p.host.zone],
            toHosts: [p.host.name],
            enforcedAt: ["router", "vm"],
            publishedTo: p.host.name,
        })),
    ];
}
