import { StackValidationPolicy } from "@pulumi/policy";
import { VPN_TYPE } from "../../components/contracts";
import { parseCidr } from "../../model/addressing";
import { rule } from "./rule";

/** Why a traffic selector is not one site network, or undefined. */
function selectorProblem(ts: string): string | undefined {
    const cidr = parseCidr(ts);
    if (!cidr) return "is not an IPv4 network";
    if (cidr.prefix < 8) return `covers /${cidr.prefix}, more than any site network`;
    return undefined;
}

export const disallowVpnAnySelector = rule<StackValidationPolicy>(
    {
        name: "disallow-vpn-any-selector",
        description: "A site-to-site tunnel's traffic selectors are exactly the two sites' internal networks: never 0.0.0.0/0, never empty.",
        reason: "An any-to-any selector sends every destination through the partner (or lets the partner inject any source), bypassing the flow matrix.",
        remediation: "Let the selectors come from the site models (billu:vpn.localZones, default every internal zone); do not widen them.",
        enforcementLevel: "mandatory",
    },
    {
        validateStack: (args, reportViolation) => {
            for (const r of args.resources) {
                if (r.type !== VPN_TYPE) continue;
                const p = r.props as Record<string, unknown>;
                const name = String(p.tunnel ?? r.name);
                for (const side of ["localTs", "remoteTs"] as const) {
                    const list = Array.isArray(p[side]) ? (p[side] as unknown[]).map(String) : [];
                    if (list.length === 0 && (side === "localTs" || p.paired === true)) {
                        reportViolation(`VPN ${name}: ${side} is empty, which strongSwan takes as the whole address space.`, r.urn);
                    }
                    for (const ts of list) {
                        const problem = selectorProblem(ts);
                        if (problem) reportViolation(`VPN ${name}: ${side} ${ts} ${problem}.`, r.urn);
                    }
                }
            }
        },
    },
);
