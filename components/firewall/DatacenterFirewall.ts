import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import { DatacenterPlan, MANAGEMENT_IPSET, WAN_IPSET } from "./proxmox";
import { providerRule } from "./VmFirewall";

export interface DatacenterFirewallArgs {
    /** The pure plan (proxmox.ts). */
    readonly plan: DatacenterPlan;
}

/**
 * The Proxmox VE datacenter firewall: the `management` IP set (Proxmox's own allowlist for the GUI, API, SSH and
 * consoles) and explicit rules for it, the `billu-wan` IP set the VM rules name, then the cluster options that
 * enable the firewall with input policy DROP: the allowlist exists before the first packet is dropped, so
 * administrators are never locked out.
 */
export class DatacenterFirewall extends pulumi.ComponentResource {
    public readonly options: proxmox.cluster.FirewallLegacy;
    /** The IP sets VM rules refer to: wait for them before creating VM rules. */
    public readonly ipsets: proxmox.firewall.IpsetLegacy[];

    constructor(name: string, args: DatacenterFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:network:DatacenterFirewall", name, {}, opts);
        const { plan } = args;
        const management = new proxmox.firewall.IpsetLegacy(
            `${name}-management`,
            {
                name: MANAGEMENT_IPSET,
                comment: "administrators' networks (billu:proxmox.managementAllowlist)",
                cidrs: plan.management.map((c) => ({ name: c, comment: "management allowlist" })),
            },
            { parent: this },
        );
        const wan = new proxmox.firewall.IpsetLegacy(
            `${name}-wan`,
            { name: WAN_IPSET, comment: "every address outside BillU's zones: the internet", cidrs: plan.wan.map((c) => ({ ...c })) },
            { parent: this },
        );
        const rules = new proxmox.firewall.RulesLegacy(`${name}-rules`, { rules: plan.rules.map(providerRule) }, { parent: this, dependsOn: [management] });
        this.options = new proxmox.cluster.FirewallLegacy(`${name}-options`, { ...plan.options }, { parent: this, dependsOn: [management, rules] });
        this.ipsets = [management, wan];
        this.registerOutputs({});
    }
}
