import { StackValidationPolicy } from "@pulumi/policy";
import { CLUSTER_FIREWALL_TYPE, facts, OPTIONS_TYPE } from "./firewall-facts";
import { rule, VM_TYPE } from "./rule";

export const enforceDefaultDeny = rule<StackValidationPolicy>(
    {
        name: "enforce-default-deny",
        description: "The router (input and forward), the Proxmox VE datacenter and every VM firewall drop what no rule accepts.",
        reason: "With a default of accept, every flow the matrix forgot is open; with drop, a forgotten flow fails loudly and is added on purpose.",
        remediation:
            "Keep the Firewall component's generated ruleset, the datacenter firewall (cluster.FirewallLegacy enabled, inputPolicy DROP) and each VM's firewall.OptionsLegacy (enabled, inputPolicy DROP).",
        enforcementLevel: "mandatory",
    },
    {
        validateStack: (args, report) => {
            const vms = args.resources.filter((r) => r.type === VM_TYPE);
            if (vms.length === 0) return;
            const found = facts(args.resources);
            if (!found) {
                report("The stack declares no router ruleset (no billu:network:Firewall). Fix: build the site's router with the Firewall component.");
            } else {
                for (const chain of ["input", "forward"]) {
                    const policy = found.facts.routerPolicies?.[chain];
                    if (policy !== "drop") {
                        report(
                            `The router's ${chain} chain policy is ${policy ?? "missing"}, not drop. Fix: keep the generated ruleset (policy drop).`,
                            found.urn,
                        );
                    }
                }
            }
            const clusters = args.resources.filter((r) => r.type === CLUSTER_FIREWALL_TYPE);
            if (clusters.length === 0) {
                report(
                    "The Proxmox VE datacenter firewall is not declared. Fix: declare cluster.FirewallLegacy (enabled, inputPolicy DROP) with the management allowlist.",
                );
            }
            for (const c of clusters) {
                if (c.props.enabled !== true) report(`The Proxmox VE datacenter firewall ${c.name} is not enabled. Fix: set enabled: true.`, c.urn);
                if (c.props.inputPolicy !== "DROP")
                    report(
                        `The Proxmox VE datacenter firewall ${c.name} has input policy ${c.props.inputPolicy ?? "unset"}. Fix: set inputPolicy: "DROP".`,
                        c.urn,
                    );
            }
            const options = args.resources.filter((r) => r.type === OPTIONS_TYPE);
            for (const vm of vms) {
                const name = String(vm.props.name ?? vm.name);
                const o = options.find((x) => x.props.vmId === vm.props.vmId);
                if (!o) {
                    report(
                        `VM ${name} (${vm.props.vmId}) has no Proxmox firewall options. Fix: give it a firewall.OptionsLegacy with enabled: true and inputPolicy: "DROP".`,
                        vm.urn,
                    );
                    continue;
                }
                if (o.props.enabled !== true) report(`VM ${name}: its Proxmox firewall is not enabled. Fix: set enabled: true.`, o.urn);
                if (o.props.inputPolicy !== "DROP")
                    report(`VM ${name}: its Proxmox firewall input policy is ${o.props.inputPolicy ?? "unset"}. Fix: set inputPolicy: "DROP".`, o.urn);
            }
        },
    },
);
