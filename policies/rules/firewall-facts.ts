/**
 * What the firewall rules of the pack read (pure helpers, no rule here): the Firewall component's declared facts
 * (zones with their kinds, resolved flows, published services, the router's chain policies; their shape and the
 * type tokens are components/contracts.ts, shared with components/firewall/Firewall.ts `firewallFacts`), the
 * Proxmox VE firewall resources, and the VMs they belong to.
 * Addresses in Proxmox rules are classified by the zone that holds them; anything outside every zone, no address
 * at all, or the `+billu-wan` IP set counts as WAN.
 */
import { PolicyResource } from "@pulumi/policy";
import { FIREWALL_TYPE, FirewallFacts, FlowFact, IPSET_TYPE, RULES_TYPE, VM_TYPE, VM_TAG, WAN_IPSET_REF } from "../../components/contracts";
import { contains, parseCidr } from "../../model/addressing";

/** Zone kinds a WAN or DMZ host must never open a connection to. */
export const PROTECTED_KINDS = ["department", "servers", "management"];

export interface PveRuleFact {
    type?: string;
    action?: string;
    iface?: string;
    source?: string;
    dest?: string;
    proto?: string;
    dport?: string;
    comment?: string;
    enabled?: boolean;
}

export function facts(resources: readonly PolicyResource[]): { facts: FirewallFacts; urn: string } | undefined {
    const r = resources.find((x) => x.type === FIREWALL_TYPE);
    return r ? { facts: r.props as unknown as FirewallFacts, urn: r.urn } : undefined;
}

/** `flow 3 (lan-dsi -> PAR-DC01 ad)`. */
export function flowLabel(f: FlowFact): string {
    return `flow ${f.index} (${f.from} -> ${f.to} ${f.service})`;
}

/** IP sets by name (`management`, `billu-wan`; per VM: `<vmId>/<name>`): match and nomatch entries. */
export type IpSets = Map<string, { match: string[]; nomatch: string[] }>;

export function ipsets(resources: readonly PolicyResource[]): IpSets {
    const out: IpSets = new Map();
    for (const r of resources.filter((x) => x.type === IPSET_TYPE)) {
        const cidrs = (r.props.cidrs ?? []) as { name: string; nomatch?: boolean }[];
        const key = r.props.vmId === undefined ? String(r.props.name) : `${r.props.vmId}/${r.props.name}`;
        out.set(key, { match: cidrs.filter((c) => !c.nomatch).map((c) => c.name), nomatch: cidrs.filter((c) => c.nomatch).map((c) => c.name) });
    }
    return out;
}

function cidrOf(e: string) {
    return parseCidr(e.includes("/") ? e : `${e}/32`);
}

function inside(inner: NonNullable<ReturnType<typeof cidrOf>>, outer: NonNullable<ReturnType<typeof cidrOf>>): boolean {
    return contains(outer, inner.network) && inner.last <= outer.last;
}

/**
 * The kinds of the zones an address entry (IP, CIDR, `+ipset`) may hold; `wan` for what lies outside every zone.
 * An IP set holds a zone unless a nomatch entry covers it; an unknown reference may hold anything.
 */
export function kindsOf(entry: string, zones: FirewallFacts["zones"], sets: IpSets = new Map(), vmId?: number): string[] {
    const e = entry.trim();
    const nets = zones.flatMap((z) => z.networks.map((n) => ({ kind: z.kind, c: cidrOf(n)! })).filter((x) => x.c));
    if (e.startsWith("+")) {
        const name = e.slice(1).replace(/^(dc|guest)\//, "");
        const set = (vmId !== undefined ? sets.get(`${vmId}/${name}`) : undefined) ?? sets.get(name);
        if (!set) return e === WAN_IPSET_REF ? ["wan"] : ["wan", ...new Set(zones.map((z) => z.kind))];
        const match = set.match.map(cidrOf).filter((c): c is NonNullable<typeof c> => !!c);
        const nomatch = set.nomatch.map(cidrOf).filter((c): c is NonNullable<typeof c> => !!c);
        const kinds = new Set<string>();
        for (const n of nets) {
            if (match.some((m) => m.first <= n.c.last && n.c.first <= m.last) && !nomatch.some((x) => inside(n.c, x))) kinds.add(n.kind);
        }
        if (match.some((m) => !nets.some((n) => inside(m, n.c)))) kinds.add("wan");
        return [...kinds];
    }
    const c = cidrOf(e);
    if (!c) return ["wan", ...new Set(zones.map((z) => z.kind))]; // an alias or a range: unknown, so it may hold anything
    const kinds = new Set<string>();
    for (const n of nets) if (n.c.first <= c.last && c.first <= n.c.last) kinds.add(n.kind);
    if (!nets.some((n) => inside(c, n.c))) kinds.add("wan");
    return [...kinds];
}

/** The kinds of a Proxmox address field (comma-separated); an empty field matches anything. */
export function fieldKinds(field: string | undefined, zones: FirewallFacts["zones"], sets?: IpSets, vmId?: number): string[] {
    if (!field) return ["wan", ...zones.map((z) => z.kind)];
    return [...new Set(field.split(",").flatMap((e) => kindsOf(e, zones, sets, vmId)))];
}

export interface OwnedRules {
    resource: PolicyResource;
    /** The VM the rules belong to (absent: datacenter rules). */
    vm?: PolicyResource;
    vmName: string;
    vmAddresses: string[];
    isRouter: boolean;
    vmId?: number;
    rules: PveRuleFact[];
    sets: IpSets;
}

export function vmAddresses(vm: PolicyResource): string[] {
    const init = vm.props.initialization as { ipConfigs?: { ipv4?: { address?: string } }[] } | undefined;
    return (init?.ipConfigs ?? []).map((c) => c.ipv4?.address?.split("/")[0]).filter((a): a is string => !!a);
}

/** Every Proxmox rules resource with the VM it belongs to. */
export function ownedRules(resources: readonly PolicyResource[]): OwnedRules[] {
    const vms = resources.filter((r) => r.type === VM_TYPE);
    const sets = ipsets(resources);
    return resources
        .filter((r) => r.type === RULES_TYPE)
        .map((r) => {
            const vmId = r.props.vmId as number | undefined;
            const vm = vmId === undefined ? undefined : vms.find((v) => v.props.vmId === vmId);
            const tags = Array.isArray(vm?.props.tags) ? (vm!.props.tags as string[]) : [];
            return {
                resource: r,
                vm,
                vmName: vm ? String(vm.props.name ?? vm.name) : vmId === undefined ? "datacenter" : `VM ${vmId}`,
                vmAddresses: vm ? vmAddresses(vm) : [],
                isRouter: tags.includes(VM_TAG.role("firewall")),
                vmId,
                sets,
                rules: ((r.props.rules ?? []) as PveRuleFact[]).filter((x) => x.enabled !== false),
            };
        });
}

/** Accepting inbound rules (what can open a connection). */
export function accepting(o: OwnedRules): { rule: PveRuleFact; i: number }[] {
    return o.rules.map((rule, i) => ({ rule, i })).filter(({ rule }) => (rule.action ?? "").toUpperCase() === "ACCEPT" && (rule.type ?? "in") === "in");
}

/**
 * The source kinds of a rule: what its `source` may hold; on the router a rule bound to a NIC (`iface`) only sees
 * that NIC's zone (the router's anti-spoofing drops anything else there).
 */
export function sourceKinds(o: OwnedRules, rule: PveRuleFact, f: FirewallFacts): string[] {
    const kinds = fieldKinds(rule.source, f.zones, o.sets, o.vmId);
    if (o.isRouter && rule.iface) {
        const nic = (f.routerNics ?? []).find((n) => n.nic === rule.iface);
        if (nic) return nic.kind === "wan" ? kinds : [nic.kind];
    }
    return kinds;
}

/** The destination kinds of a rule: its `dest`, else the VM's own zones (anything, for the router or the datacenter). */
export function destKinds(o: OwnedRules, rule: PveRuleFact, zones: FirewallFacts["zones"]): string[] {
    if (rule.dest) return fieldKinds(rule.dest, zones, o.sets, o.vmId);
    if (!o.vm) return ["management"]; // datacenter rules protect the Proxmox nodes themselves
    if (o.isRouter) return fieldKinds(undefined, zones);
    return [...new Set(o.vmAddresses.flatMap((a) => kindsOf(a, zones)))];
}

export function ruleLabel(o: OwnedRules, rule: PveRuleFact, i: number): string {
    const what = `${rule.proto ?? "any"}${rule.dport ? `/${rule.dport}` : ""}`;
    return `${o.vmName}: Proxmox rule ${i}${rule.comment ? ` (${rule.comment})` : ""} accepts ${what} from ${rule.source || "anywhere"} to ${rule.dest || (o.vm ? o.vmName : "the Proxmox nodes")}`;
}

/** Port ranges of a facts string (`tcp/53 udp/53 tcp/49152-65535`) or a Proxmox rule (proto + `53,88,3268:3269`). */
export function portSet(text: string): { proto: string; from: number; to: number }[] {
    return text
        .split(/\s+/)
        .filter(Boolean)
        .map((t) => {
            const [proto, range] = t.split("/");
            const [a, b] = range.split("-").map(Number);
            return { proto, from: a, to: b ?? a };
        });
}

export function rulePorts(rule: PveRuleFact): { proto: string; from: number; to: number }[] | undefined {
    if (!rule.proto || !rule.dport) return undefined; // any port
    return rule.dport.split(",").map((t) => {
        const [a, b] = t.split(":").map(Number);
        return { proto: rule.proto!, from: a, to: b ?? a };
    });
}

/** Whether every range of `inner` (undefined: every port) lies in `outer`. */
export function portsWithin(inner: { proto: string; from: number; to: number }[] | undefined, outer: { proto: string; from: number; to: number }[]): boolean {
    if (!inner) return false;
    return inner.every((r) => outer.some((o) => o.proto === r.proto && o.from <= r.from && r.to <= o.to));
}

/** Whether every entry of a Proxmox address field lies inside one of the networks. */
export function addressesWithin(field: string | undefined, nets: string[]): boolean {
    if (!field) return false;
    const cs = nets.map((n) => parseCidr(n.includes("/") ? n : `${n}/32`)).filter((c): c is NonNullable<typeof c> => !!c);
    return field.split(",").every((e) => {
        const c = parseCidr(e.includes("/") ? e.trim() : `${e.trim()}/32`);
        return !!c && cs.some((n) => contains(n, c.network) && c.last <= n.last);
    });
}

/** Whether a Proxmox address entry (IP, CIDR, `+ipset`) holds the address; an unknown IP set may hold anything. */
function entryCovers(entry: string, address: string, sets: IpSets): boolean {
    if (!entry.startsWith("+")) return addressesWithin(address, [entry]);
    const set = sets.get(entry.slice(1).replace(/^(dc|guest)\//, ""));
    if (!set) return true;
    return set.match.some((m) => addressesWithin(address, [m])) && !set.nomatch.some((m) => addressesWithin(address, [m]));
}

/** Whether a rule of the router VM lets packets reach the router itself: no destination, or one holding its WAN or own address. */
export function targetsRouter(o: OwnedRules, rule: PveRuleFact, f: FirewallFacts): boolean {
    if (!o.isRouter) return false;
    if (!rule.dest) return true;
    const own = [f.wanAddress, ...o.vmAddresses].filter(Boolean);
    return rule.dest.split(",").some((d) => own.some((a) => entryCovers(d.trim(), a, o.sets)));
}
