/**
 * The Proxmox VE firewall from the same flow model (pure): the datacenter (enabled, input DROP, the management
 * allowlist so administrators are never locked out, the `billu-wan` IP set meaning "the internet"), and each VM:
 * options (enabled, input DROP, logging, MAC and IP filters) and rules so it accepts only the flows that target
 * it, even from inside its own zone. The router VM's NIC rules carry the whole matrix, since every forwarded
 * packet enters it through one of its NICs (`net<k>` is the NIC of zone k: cloud-init's eth<k>).
 * Reference: Proxmox VE admin guide, "Proxmox VE Firewall" (https://pve.proxmox.com/pve-docs/chapter-pve-firewall.html):
 * rule syntax (`dport` lists with `:` ranges, `+ipset` references), the `management` IP set, `ipfilter-net<n>`.
 */
import { FirewallModel, flowText, Member } from "../../model/flows";
import { OTHER_PORTS, PortRange, portOf, PROTOCOLS, Protocol } from "../../model/ports";
import { HostModel, SiteModel } from "../../model/site";
import { WAN_IPSET } from "../contracts";
import { firewallOf, planRouter, RouterPlan, RouterRule } from "./plan";

/** Cluster IP set of every address outside BillU's zones (and the VPN partner's): the internet, as seen from a VM (named in components/contracts.ts, which the policies read). */
export { WAN_IPSET };
/** Proxmox's own name for the hosts' management allowlist (GUI, API, SSH, consoles). */
export const MANAGEMENT_IPSET = "management";

export interface PveRule {
    readonly type: "in" | "out";
    readonly action: "ACCEPT" | "DROP";
    readonly iface?: string;
    readonly source?: string;
    readonly dest?: string;
    readonly proto?: Protocol;
    readonly dport?: string;
    readonly sport?: string;
    readonly comment: string;
}

export interface VmFirewallPlan {
    readonly host: string;
    readonly vmId: number;
    readonly node: string;
    readonly router: boolean;
    readonly options: {
        readonly enabled: true;
        readonly inputPolicy: "DROP";
        readonly outputPolicy: "ACCEPT";
        readonly macfilter: true;
        /** Off on the router, which forwards other hosts' packets. */
        readonly ipfilter: boolean;
        readonly dhcp: false;
        readonly ndp: false;
        readonly radv: false;
        readonly logLevelIn: "info";
        readonly logLevelOut: "nolog";
    };
    readonly rules: readonly PveRule[];
    /** `ipfilter-net0`: the only source address the VM may use (anti-spoofing at the hypervisor). */
    readonly ipfilter?: readonly string[];
}

export interface DatacenterPlan {
    readonly management: readonly string[];
    readonly wan: readonly { readonly name: string; readonly nomatch?: boolean; readonly comment: string }[];
    readonly rules: readonly PveRule[];
    readonly options: {
        readonly enabled: true;
        readonly inputPolicy: "DROP";
        readonly outputPolicy: "ACCEPT";
        readonly ebtables: true;
        readonly logRatelimit: { readonly enabled: true; readonly rate: string; readonly burst: number };
    };
}

/** Proxmox `dport` syntax: `53,88,3268:3269`. */
export function pvePorts(ports: readonly PortRange[]): string {
    return ports.map((r) => (r.from === r.to ? String(r.from) : `${r.from}:${r.to}`)).join(",");
}

/**
 * Port lists as Proxmox takes them: its iptables backend matches a list with `multiport`, at most 15 ports per
 * rule where a range counts twice, so a longer list becomes several rules.
 */
export function pvePortChunks(ports: readonly PortRange[]): string[] {
    const chunks: PortRange[][] = [];
    let cur: PortRange[] = [];
    let slots = 0;
    for (const r of ports) {
        const n = r.from === r.to ? 1 : 2;
        if (slots + n > 15) {
            chunks.push(cur);
            cur = [];
            slots = 0;
        }
        cur.push(r);
        slots += n;
    }
    if (cur.length > 0) chunks.push(cur);
    return chunks.map(pvePorts);
}

export function planDatacenter(model: SiteModel): DatacenterPlan {
    const fw = firewallOf(model);
    const rule = (dport: string, what: string): PveRule => ({
        type: "in",
        action: "ACCEPT",
        source: `+${MANAGEMENT_IPSET}`,
        proto: "tcp",
        dport,
        comment: `management allowlist: ${what}`,
    });
    return {
        management: [...model.config.proxmox.managementAllowlist],
        // hash:net sets take no /0: two halves, minus every internal network (nomatch entries win).
        wan: [
            { name: "0.0.0.0/1", comment: "the internet" },
            { name: "128.0.0.0/1", comment: "the internet" },
            ...model.zones.filter((z) => z.kind !== "wan").map((z) => ({ name: z.cidr.text, nomatch: true, comment: `zone ${z.name}` })),
            ...(fw.vpnPartner?.networks ?? []).map((c) => ({ name: c.text, nomatch: true, comment: "VPN partner" })),
        ],
        rules: [
            rule(String(portOf("proxmox")), "web UI and API"),
            rule(String(portOf("ssh")), "SSH"),
            rule(`${OTHER_PORTS.pveVnc.from}:${OTHER_PORTS.pveVnc.to}`, "VNC consoles"),
            rule(String(OTHER_PORTS.pveSpice), "SPICE proxy"),
        ],
        options: { enabled: true, inputPolicy: "DROP", outputPolicy: "ACCEPT", ebtables: true, logRatelimit: { enabled: true, rate: "1/second", burst: 5 } },
    };
}

/** The source field for members: their addresses, or the WAN IP set. Mixed groups are split (one list per rule). */
function sourceGroups(members: readonly Member[], routerAddress: string | undefined): string[] {
    const wan = members.some((m) => m.zoneKind === "wan");
    const addrs = [...new Set(members.flatMap((m) => (m.kind === "router" ? (routerAddress ? [routerAddress] : []) : m.addresses)))];
    return [...(wan ? [`+${WAN_IPSET}`] : []), ...(addrs.length > 0 ? [addrs.join(",")] : [])];
}

function byProto(ports: readonly PortRange[]): { proto: Protocol; ports: PortRange[] }[] {
    return PROTOCOLS.map((proto) => ({ proto, ports: ports.filter((r) => r.proto === proto) })).filter((x) => x.ports.length > 0);
}

/** Rules of a server VM: every flow whose destination includes it, from exactly the flow's sources. */
function serverRules(model: SiteModel, fw: FirewallModel, host: HostModel): PveRule[] {
    const rules: PveRule[] = [];
    const routerAddress = model.router.nics.find((n) => n.zone === host.zone)?.address;
    for (const f of fw.flows) {
        const targets = f.destinations.some((d) => (d.kind === "host" && d.name === host.name) || (d.kind === "zone" && d.name === host.zone));
        if (!targets) continue;
        const sources = f.sources.filter((s) => !(s.kind === "host" && s.name === host.name));
        for (const source of sourceGroups(sources, routerAddress)) {
            for (const { proto, ports } of byProto(f.service.ports)) {
                rules.push({
                    type: "in",
                    action: "ACCEPT",
                    source,
                    dest: host.address,
                    proto,
                    dport: pvePorts(ports),
                    comment: `flow ${f.index}: ${flowText(f)}`,
                });
            }
        }
    }
    for (const pub of fw.published.filter((p) => p.host.name === host.name)) {
        for (const { proto, ports } of byProto(pub.ports)) {
            for (const dport of pvePortChunks(ports)) {
                rules.push({
                    type: "in",
                    action: "ACCEPT",
                    source: `+${WAN_IPSET}`,
                    dest: host.address,
                    proto,
                    dport,
                    comment: `published ${pub.index}: ${pub.service.name} -> ${host.name}`,
                });
            }
        }
    }
    return rules;
}

/** Rules of the router VM: what enters each of its NICs, i.e. the whole matrix (input and forward chains). */
function routerRules(model: SiteModel, plan: RouterPlan): PveRule[] {
    const nic = new Map(model.router.nics.map((n, k) => [n.ifname, `net${k}`]));
    const wanIf = plan.wan.ifname;
    const rules: PveRule[] = [];
    if (plan.management) {
        rules.push({
            type: "in",
            action: "ACCEPT",
            iface: nic.get(plan.management.ifname),
            source: plan.management.network,
            dest: plan.management.address,
            proto: "tcp",
            dport: String(portOf("ssh")),
            comment: "management always keeps SSH to the router",
        });
    }
    const entering = (r: RouterRule) => (r.chain === "input" || r.chain === "forward") && r.iif !== undefined && nic.has(r.iif);
    for (const r of plan.rules.filter(entering)) {
        if (r.ctDnat) continue; // the port forwards below: the packet enters with the WAN address as destination
        const fromWan = r.iif === wanIf;
        const source = r.saddr ? r.saddr.join(",") : fromWan ? `+${WAN_IPSET}` : undefined;
        const dest = r.daddr ? r.daddr.join(",") : r.chain === "forward" && r.oif === wanIf ? `+${WAN_IPSET}` : undefined;
        for (const dport of r.dports ? pvePortChunks(r.dports) : [undefined]) {
            rules.push({
                type: "in",
                action: "ACCEPT",
                iface: nic.get(r.iif!),
                source,
                dest,
                proto: r.proto,
                dport,
                sport: r.sports ? pvePorts(r.sports) : undefined,
                comment: r.comment,
            });
        }
    }
    for (const f of plan.portForwards) {
        for (const dport of pvePortChunks(f.publicPorts)) {
            rules.push({
                type: "in",
                action: "ACCEPT",
                iface: nic.get(wanIf),
                source: `+${WAN_IPSET}`,
                dest: plan.wan.address,
                proto: f.proto,
                dport,
                comment: f.comment,
            });
        }
    }
    return rules;
}

export function planVmFirewall(model: SiteModel, host: HostModel): VmFirewallPlan {
    const fw = firewallOf(model);
    const router = host.role === "firewall";
    return {
        host: host.name,
        vmId: host.vmId,
        node: host.node,
        router,
        options: {
            enabled: true,
            inputPolicy: "DROP",
            outputPolicy: "ACCEPT",
            macfilter: true,
            ipfilter: !router,
            dhcp: false,
            ndp: false,
            radv: false,
            logLevelIn: "info",
            logLevelOut: "nolog",
        },
        rules: router ? routerRules(model, planRouter(model)) : serverRules(model, fw, host),
        ipfilter: router ? undefined : [host.address],
    };
}
