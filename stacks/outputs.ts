/**
 * The stack outputs that document a site: plain JSON derived from the model (pure). The docs renderer reads
 * exactly this shape, from offline synth or from `pulumi stack output --json` of a real deployment.
 */
import type { Input } from "@pulumi/pulumi";
import { netmask, rangeSize } from "../model/addressing";
import { SiteModel } from "../model/site";
import { SERVICES, portText } from "../model/services";

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
        flows: model.config.flows.map((f, i) => ({
            index: i,
            from: f.from,
            to: f.to,
            service: f.service,
            ports: (SERVICES[f.service]?.ports ?? []).map((r) => `${r.proto}/${portText(r)}`).join(" "),
            hosts: f.hosts,
            comment: f.comment,
        })),
        sections: {},
    };
}
