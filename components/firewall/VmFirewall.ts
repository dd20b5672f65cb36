import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import { HostModel, SiteModel } from "../../model/site";
import { planVmFirewall, PveRule, VmFirewallPlan } from "./proxmox";

export interface VmFirewallArgs {
    /** The pure plan (proxmox.ts): options, rules, IP filter. */
    readonly plan: VmFirewallPlan;
    /** The VM the firewall belongs to: everything here waits for it. */
    readonly vm: pulumi.Resource;
    /** What must exist first (the datacenter's IP sets the rules refer to). @default nothing */
    readonly after?: readonly pulumi.Resource[];
}

/** The provider's rule shape from a plan rule (every rule enabled, nothing logged per accept). */
export function providerRule(r: PveRule): proxmox.types.input.firewall.RulesLegacyRule {
    return {
        type: r.type,
        action: r.action,
        iface: r.iface,
        source: r.source,
        dest: r.dest,
        proto: r.proto,
        dport: r.dport,
        sport: r.sport,
        comment: r.comment,
        enabled: true,
        log: "nolog",
    };
}

/**
 * A VM's own Proxmox VE firewall: its rules and IP filter first, then the options that switch it on (input
 * policy DROP), so the firewall never starts without its rules. Every VM of the site gets one (vmForHost).
 */
export class VmFirewall extends pulumi.ComponentResource {
    public readonly options: proxmox.firewall.OptionsLegacy;
    public readonly rules: proxmox.firewall.RulesLegacy;
    public readonly ipfilter?: proxmox.firewall.IpsetLegacy;

    constructor(name: string, args: VmFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:network:VmFirewall", name, {}, opts);
        const { plan } = args;
        const where = { nodeName: plan.node, vmId: plan.vmId };
        const first = [args.vm, ...(args.after ?? [])];
        // A re-created VM (same id) starts with no firewall: its rules, IP set and options are re-created with it.
        const replaceWith = [args.vm];
        this.rules = new proxmox.firewall.RulesLegacy(
            `${name}-rules`,
            { ...where, rules: plan.rules.map(providerRule) },
            { parent: this, dependsOn: first, replaceWith },
        );
        if (plan.ipfilter) {
            this.ipfilter = new proxmox.firewall.IpsetLegacy(
                `${name}-ipfilter`,
                {
                    ...where,
                    name: "ipfilter-net0",
                    comment: `the only source address ${plan.host} may use`,
                    cidrs: plan.ipfilter.map((a) => ({ name: a })),
                },
                { parent: this, dependsOn: [args.vm], replaceWith },
            );
        }
        this.options = new proxmox.firewall.OptionsLegacy(
            `${name}-options`,
            { ...where, ...plan.options },
            { parent: this, dependsOn: [this.rules, ...(this.ipfilter ? [this.ipfilter] : [])], replaceWith },
        );
        this.registerOutputs({ rules: plan.rules.length });
    }
}

// The datacenter firewall's resources per site model, so every VM's firewall can wait for the IP sets it names.
const datacenterOf = new WeakMap<SiteModel, pulumi.Resource[]>();

export function registerDatacenter(model: SiteModel, resources: pulumi.Resource[]): void {
    datacenterOf.set(model, resources);
}

/** The Proxmox VE firewall of a host's VM, from the flow matrix. Named `<vm>-firewall`, beside the VM. */
export function vmFirewallFor(model: SiteModel, host: HostModel, vm: pulumi.Resource, opts?: pulumi.ComponentResourceOptions): VmFirewall | undefined {
    if (!model.firewall) return undefined;
    return new VmFirewall(`${host.name.toLowerCase()}-firewall`, { plan: planVmFirewall(model, host), vm, after: datacenterOf.get(model) }, opts);
}
