import { StackValidationPolicy } from "@pulumi/policy";
import { CLUSTER_FIREWALL_TYPE, MemberFact, OPTIONS_TYPE, VM_TYPE } from "../../components/contracts";
import { ZONE_TRUST } from "../../model/flows";
import { accepting, destKinds, facts, flowLabel, ownedRules, portSet, ruleLabel, sourceKinds, targetsRouter } from "./firewall-facts";
import { rule } from "./rule";

function trust(kind: string): number {
    return ZONE_TRUST[kind] ?? 0;
}

/** Whether a Proxmox port list (`1:65535`, `1:1024,1025:65535`) covers every port. */
function everyPort(dport: string): boolean {
    const ranges = dport.split(",").map((t) => t.trim().split(":").map(Number));
    let next = 1;
    for (const [a, b] of ranges.sort((x, y) => x[0] - y[0])) {
        if (a > next) return false;
        next = Math.max(next, (b ?? a) + 1);
    }
    return next > 65535;
}

export const enforceDefaultDeny = rule<StackValidationPolicy>(
    {
        name: "enforce-default-deny",
        description:
            "The router (input and forward), the Proxmox VE datacenter and every VM firewall drop what no rule accepts, and no flow or rule accepts every port or every protocol from a less trusted zone.",
        reason: "With a default of accept, every flow the matrix forgot is open; with drop, a forgotten flow fails loudly and is added on purpose.",
        remediation:
            "Keep the Firewall component's generated ruleset, the datacenter firewall (cluster.FirewallLegacy enabled, inputPolicy DROP) and each VM's firewall.OptionsLegacy (enabled, inputPolicy DROP); give every flow a service that lists the ports it needs.",
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
            if (found) {
                // A rule accepting every port (or protocol) towards a more trusted zone is a default of accept there.
                const f = found.facts;
                const kindOf = (m: MemberFact) => (m.kind === "router" || m.kind === "vpn-partner" ? m.kind : (m.zoneKind ?? "wan"));
                for (const flow of f.flows) {
                    const every = ["tcp", "udp"].filter((p) => portSet(flow.ports).some((r) => r.proto === p && r.from <= 1 && r.to >= 65535));
                    if (every.length === 0) continue;
                    const pair = flow.sources
                        .flatMap((s) => flow.destinations.map((d) => [s, d] as const))
                        .find(([s, d]) => trust(kindOf(s)) < trust(kindOf(d)));
                    if (pair) {
                        report(
                            `${flowLabel(flow)} accepts every ${every.join(" and ")} port from ${pair[0].name} (${kindOf(pair[0])}) to ${pair[1].name} (${kindOf(pair[1])}), a more trusted zone. Fix: list only the ports the flow needs in its service.`,
                            found.urn,
                        );
                    }
                }
                for (const o of ownedRules(args.resources)) {
                    for (const { rule: r, i } of accepting(o)) {
                        const all = !r.proto ? "every protocol" : !r.dport || everyPort(r.dport) ? `every ${r.proto} port` : undefined;
                        if (!all) continue;
                        const src = sourceKinds(o, r, f);
                        const dst = [...destKinds(o, r, f.zones), ...(targetsRouter(o, r, f) ? ["router"] : [])];
                        const low = src.reduce((a, k) => (trust(k) < trust(a) ? k : a), src[0]);
                        const high = dst.reduce((a, k) => (trust(k) > trust(a) ? k : a), dst[0]);
                        if (low !== undefined && high !== undefined && trust(low) < trust(high)) {
                            report(
                                `${ruleLabel(o, r, i)}: ${all} from ${low} to ${high}, a more trusted zone. Fix: name the protocol and the ports the flow needs.`,
                                o.resource.urn,
                            );
                        }
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
