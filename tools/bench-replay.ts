/**
 * The bench's `replay` mode: the bare SDK registering the very resource graph a `sites` run recorded (same
 * provider classes, types, names, inputs, parents and dependsOn), without our program. What `sites` costs beyond
 * `replay` is our program's own work: the model, the renderers, the files it writes and its Output wiring.
 */
import * as command from "@pulumi/command";
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { SECRET_MARK } from "./mock-runtime";

/** One recorded registration, as `--dump` writes it. */
export interface DumpedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent?: string;
    dependsOn: string[];
    inputs: Record<string, unknown>;
}

type ResourceClass = new (name: string, args: Record<string, unknown>, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** The provider classes the program uses, by type token. A type missing here is replayed as a generic resource. */
const CLASSES: readonly unknown[] = [
    proxmox.VmLegacy,
    proxmox.cluster.FirewallLegacy,
    proxmox.firewall.IpsetLegacy,
    proxmox.firewall.RulesLegacy,
    proxmox.firewall.OptionsLegacy,
    command.remote.Command,
    command.remote.CopyToRemote,
    command.local.Command,
    random.RandomPassword,
    random.RandomString,
    tls.PrivateKey,
    tls.CertRequest,
    tls.LocallySignedCert,
    tls.SelfSignedCert,
];

function classByType(): Map<string, ResourceClass> {
    const m = new Map<string, ResourceClass>();
    for (const c of CLASSES) m.set((c as { __pulumiType: string }).__pulumiType, c as ResourceClass);
    return m;
}

/** The recorded (readable) form back to what a program passes: assets, secrets. */
function revive(v: unknown): unknown {
    if (v === SECRET_MARK) return pulumi.secret(v);
    if (Array.isArray(v)) return v.map(revive);
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (typeof o.fileAsset === "string" && Object.keys(o).length === 1) return new pulumi.asset.FileAsset(o.fileAsset);
        if (typeof o.stringAsset === "string" && Object.keys(o).length === 1) return new pulumi.asset.StringAsset(o.stringAsset);
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(o)) out[k] = revive(x);
        return out;
    }
    return v;
}

/** Registers the dumped graph; returns the types replayed as generic resources (none when the list is complete). */
export function replay(dump: readonly DumpedResource[]): string[] {
    const classes = classByType();
    class Generic extends pulumi.CustomResource {}
    const byUrn = new Map<string, pulumi.Resource>();
    const generic = new Set<string>();
    for (const r of dump) {
        const opts = {
            parent: r.parent ? byUrn.get(r.parent) : undefined,
            dependsOn: r.dependsOn.map((u) => byUrn.get(u)).filter((x): x is pulumi.Resource => x !== undefined),
        };
        let res: pulumi.Resource;
        const inputs = revive(r.inputs) as Record<string, unknown>;
        if (!r.custom) {
            // A component's arguments are its inputs too (the directory's accounts, groups, OUs and computers).
            res = new pulumi.ComponentResource(r.type, r.name, inputs, opts);
            (res as unknown as { registerOutputs(o: object): void }).registerOutputs({});
        } else {
            const Cls = classes.get(r.type);
            if (Cls) res = new Cls(r.name, inputs, opts);
            else {
                generic.add(r.type);
                res = new Generic(r.type, r.name, inputs, opts);
            }
        }
        byUrn.set(r.urn, res);
    }
    return [...generic];
}
