/**
 * Adopting an existing cluster's datacenter firewall (#16): the `pulumi import --file` document that takes the
 * cluster's existing `management` and `billu-wan` IP sets and its firewall options into the stack's state under the
 * names and parents the program gives them, so the first `pulumi preview` shows what changes in the existing config
 * (an update of each) instead of a create that clashes with it. Built from synth's resources.json (the program's
 * own names). Import IDs are the provider's (bpg/terraform-provider-proxmox docs): an IP set `cluster/<name>`, the
 * cluster options any ID (`cluster`). The datacenter rules resource documents no import: it is left out, and the
 * procedure (docs/operations.md) saves the existing rules before the first `up`.
 */
import { RecordedResource } from "./mock-runtime";

export const DATACENTER_TYPES = {
    ipset: "proxmoxve:firewall/ipsetLegacy:IpsetLegacy",
    options: "proxmoxve:cluster/firewallLegacy:FirewallLegacy",
    rules: "proxmoxve:firewall/rulesLegacy:RulesLegacy",
    component: "billu:network:DatacenterFirewall",
} as const;

export interface ImportEntry {
    readonly type: string;
    readonly name: string;
    readonly id?: string;
    readonly parent?: string;
    readonly component?: boolean;
}

type Res = Pick<RecordedResource, "urn" | "type" | "name" | "parent" | "inputs">;

/** The import file's `resources`: the datacenter's IP sets and options, after their parent components (created empty). */
export function datacenterImports(resources: readonly Res[]): { resources: ImportEntry[]; leftOut: string[] } {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const dc = resources.filter((r) => r.type === DATACENTER_TYPES.component);
    const out: ImportEntry[] = [];
    const leftOut: string[] = [];
    const seen = new Set<string>();
    const addComponent = (urn: string | undefined): string | undefined => {
        const r = urn === undefined ? undefined : byUrn.get(urn);
        if (!r || r.type === "pulumi:pulumi:Stack") return undefined;
        const parent = addComponent(r.parent);
        if (!seen.has(r.urn)) {
            seen.add(r.urn);
            out.push({ type: r.type, name: r.name, component: true, ...(parent ? { parent } : {}) });
        }
        return r.name;
    };
    for (const c of dc) {
        const parent = addComponent(c.urn);
        for (const r of resources.filter((x) => x.parent === c.urn)) {
            if (r.type === DATACENTER_TYPES.ipset) out.push({ type: r.type, name: r.name, id: `cluster/${String(r.inputs.name)}`, parent });
            else if (r.type === DATACENTER_TYPES.options) out.push({ type: r.type, name: r.name, id: "cluster", parent });
            else leftOut.push(`${r.type}::${r.name}`);
        }
    }
    return { resources: out, leftOut };
}
