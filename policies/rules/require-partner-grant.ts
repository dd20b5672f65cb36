import { StackValidationPolicy } from "@pulumi/policy";
import { TRUST_TYPE } from "../../components/contracts";
import { facts, flowLabel } from "./firewall-facts";
import { rule } from "./rule";

/**
 * The services on which a partner account logs on to a host (a share, a shell, a desktop): a flow from the partner
 * on one of them is access for the partner's accounts, which only a grant of billu:trust may give.
 */
export const PARTNER_LOGON_SERVICES = ["smb", "ssh", "rdp"] as const;

interface GrantFact {
    readonly group: string;
    readonly service: string;
    readonly hosts: readonly string[];
}

export const requirePartnerGrant = rule<StackValidationPolicy>(
    {
        name: "require-partner-grant",
        description: `A flow from the partner (vpn-partner) on a logon service (${PARTNER_LOGON_SERVICES.join(", ")}) goes only to hosts a grant of billu:trust names for that service.`,
        reason: "A logon port opened to the partner is access for the partner's accounts: it must be a grant (a domain-local group whose member is the partner's admin group), reviewed, documented and revocable, never a bare open port.",
        remediation:
            "Add a grant to billu:trust.grants (group, purpose, service, hosts) for that host and service, or remove the flow; narrow a zone-wide flow with hosts: [...].",
        enforcementLevel: "mandatory",
    },
    {
        validateStack: (args, report) => {
            const found = facts(args.resources);
            if (!found) return;
            const grants: GrantFact[] = args.resources
                .filter((r) => r.type === TRUST_TYPE)
                .flatMap((r) => (Array.isArray(r.props.grants) ? (r.props.grants as GrantFact[]) : []));
            for (const flow of found.facts.flows) {
                if (!flow.sources.some((s) => s.kind === "vpn-partner")) continue;
                if (!(PARTNER_LOGON_SERVICES as readonly string[]).includes(flow.service)) continue;
                for (const d of flow.destinations) {
                    if (d.kind === "host") {
                        if (grants.some((g) => g.service === flow.service && g.hosts.includes(d.name))) continue;
                        report(
                            `${flowLabel(flow)} opens ${flow.service} on ${d.name} to the partner, but no grant of billu:trust names ${d.name} for ${flow.service}. Fix: add a grant for it to billu:trust.grants, or remove billu:flows[${flow.index}].`,
                            found.urn,
                        );
                    } else if (d.kind === "zone") {
                        report(
                            `${flowLabel(flow)} opens ${flow.service} on the whole zone ${d.name} to the partner. Fix: narrow billu:flows[${flow.index}] to the granted hosts (hosts: [...]).`,
                            found.urn,
                        );
                    }
                }
            }
        },
    },
);
