import { StackValidationPolicy } from "@pulumi/policy";
import { accepting, destKinds, facts, flowLabel, ownedRules, PROTECTED_KINDS, ruleLabel, sourceKinds } from "./firewall-facts";
import { rule } from "./rule";

export const disallowWanToLan = rule<StackValidationPolicy>(
    {
        name: "disallow-wan-to-lan",
        description: "No flow, port forward or Proxmox rule lets WAN open a connection to a department, servers or management zone.",
        reason: "The internet reaching internal hosts directly is how BillU's hand-made NAT rules went wrong; only DMZ hosts face WAN.",
        remediation: "Remove the flow or rule; to offer a service to the internet, publish a DMZ host's service in billu:firewall.published.",
        enforcementLevel: "mandatory",
    },
    {
        validateStack: (args, report) => {
            const found = facts(args.resources);
            if (!found) return;
            const f = found.facts;
            for (const flow of f.flows) {
                const hit = flow.destinations.filter((d) => d.zoneKind && PROTECTED_KINDS.includes(d.zoneKind));
                if (flow.sources.some((s) => s.zoneKind === "wan") && hit.length > 0) {
                    report(
                        `${flowLabel(flow)} lets WAN open connections to ${[...new Set(hit.map((d) => `${d.zone} (${d.zoneKind})`))].join(", ")}. Fix: remove billu:flows[${flow.index}]; publish a DMZ service in billu:firewall.published instead.`,
                        found.urn,
                    );
                }
            }
            for (const p of f.published) {
                if (PROTECTED_KINDS.includes(p.zoneKind)) {
                    report(
                        `published ${p.index} (${p.service} -> ${p.host}) forwards WAN to zone ${p.zone} (${p.zoneKind}). Fix: publish only DMZ hosts.`,
                        found.urn,
                    );
                }
            }
            for (const o of ownedRules(args.resources)) {
                for (const { rule: r, i } of accepting(o)) {
                    if (!sourceKinds(o, r, f).includes("wan")) continue;
                    const hit = destKinds(o, r, f.zones).filter((k) => PROTECTED_KINDS.includes(k));
                    if (hit.length > 0) {
                        report(
                            `${ruleLabel(o, r, i)}: WAN may reach ${hit.join(", ")}. Fix: give the rule internal sources only (or remove it).`,
                            o.resource.urn,
                        );
                    }
                }
            }
        },
    },
);
