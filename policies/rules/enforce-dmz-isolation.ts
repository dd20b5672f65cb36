import { StackValidationPolicy } from "@pulumi/policy";
import {
    accepting,
    addressesWithin,
    destKinds,
    facts,
    flowLabel,
    ownedRules,
    portSet,
    portsWithin,
    PROTECTED_KINDS,
    ruleLabel,
    rulePorts,
    sourceKinds,
} from "./firewall-facts";
import { rule } from "./rule";

export const enforceDmzIsolation = rule<StackValidationPolicy>(
    {
        name: "enforce-dmz-isolation",
        description:
            "The DMZ opens nothing towards department, servers or management zones except flows of the DMZ allowlist; WAN reaches the DMZ only on published services.",
        reason: "A DMZ host faces the internet and will be attacked: if it is taken, it must not be a way into the internal zones.",
        remediation:
            "Remove the flow or rule, or (DMZ -> internal) add it to billu:firewall.dmzAllowlist with a written reason; (WAN -> DMZ) publish the service in billu:firewall.published.",
        enforcementLevel: "mandatory",
    },
    {
        validateStack: (args, report) => {
            const found = facts(args.resources);
            if (!found) return;
            const f = found.facts;
            for (const flow of f.flows) {
                const hit = flow.destinations.filter((d) => d.zoneKind && PROTECTED_KINDS.includes(d.zoneKind));
                if (flow.sources.some((s) => s.zoneKind === "dmz") && hit.length > 0 && !flow.dmzAllowed) {
                    report(
                        `${flowLabel(flow)} lets the DMZ open connections to ${[...new Set(hit.map((d) => `${d.zone} (${d.zoneKind})`))].join(", ")}. Fix: remove billu:flows[${flow.index}], or add it to billu:firewall.dmzAllowlist with the reason.`,
                        found.urn,
                    );
                }
                if (flow.sources.some((s) => s.zoneKind === "wan") && flow.destinations.some((d) => d.zoneKind === "dmz")) {
                    report(
                        `${flowLabel(flow)} opens the DMZ to WAN outside the published services. Fix: publish the service in billu:firewall.published instead.`,
                        found.urn,
                    );
                }
            }
            const allowed = f.flows.filter((x) => x.dmzAllowed);
            for (const o of ownedRules(args.resources)) {
                for (const { rule: r, i } of accepting(o)) {
                    const src = sourceKinds(o, r, f);
                    const dst = destKinds(o, r, f.zones);
                    const dest = r.dest ?? o.vmAddresses.join(",");
                    if (src.includes("dmz") && dst.some((k) => PROTECTED_KINDS.includes(k))) {
                        const covered = allowed.some(
                            (x) =>
                                addressesWithin(
                                    r.source,
                                    x.sources.flatMap((m) => m.addresses),
                                ) &&
                                addressesWithin(
                                    dest,
                                    x.destinations.flatMap((m) => m.addresses),
                                ) &&
                                portsWithin(rulePorts(r), portSet(x.ports)),
                        );
                        if (!covered)
                            report(
                                `${ruleLabel(o, r, i)}: the DMZ may reach ${dst.filter((k) => PROTECTED_KINDS.includes(k)).join(", ")} outside the DMZ allowlist. Fix: remove the rule.`,
                                o.resource.urn,
                            );
                    }
                    if (src.includes("wan") && dst.includes("dmz")) {
                        const published = f.published.filter((p) => addressesWithin(dest, [p.address]));
                        if (
                            !portsWithin(
                                rulePorts(r),
                                published.flatMap((p) => portSet(p.ports)),
                            )
                        ) {
                            report(
                                `${ruleLabel(o, r, i)}: WAN may reach the DMZ outside the published services. Fix: publish the service in billu:firewall.published, or remove the rule.`,
                                o.resource.urn,
                            );
                        }
                    }
                }
            }
        },
    },
);
