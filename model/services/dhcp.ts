/** DHCP: Kea servers behind the router's relay (`billu:dhcp`), model/dhcp.ts. */
import { DhcpConfig, DhcpPlan, dhcpSchema, planDhcp, requiredDhcpFlows } from "../dhcp";
import { defineService, Requirement } from "./types";

export const dhcpService = defineService<DhcpConfig, DhcpPlan>({
    key: "dhcp",
    title: "DHCP",
    config: { dhcp: dhcpSchema.optional() },
    role: { code: "DHCP", startOrder: 3, stateful: false },
    after: [],
    plan: ({ config, all, core, headcount, problems }) =>
        planDhcp(
            { dhcp: config, hosts: (all.hosts ?? []) as { name: string; role: string }[], site: core.site },
            core.zones,
            core.hosts,
            headcount,
            core.site.kind === "company",
            problems,
        ),
    requires: (plan, { core }): Requirement[] => {
        const zoneOfHost = new Map(core.hosts.map((h) => [h.name, h.zone]));
        return [
            // With no scope (no zone has DHCP on), the servers serve nobody: no flow is needed.
            ...(plan.scopes.length > 0 ? requiredDhcpFlows(plan, zoneOfHost).map((f) => ({ kind: "flow" as const, ...f })) : []),
            ...plan.servers.map((s) => ({ kind: "listen" as const, host: s.name, service: "dhcp-relay", why: "Kea answers relayed requests" })),
            ...(plan.ha ? plan.servers.map((s) => ({ kind: "listen" as const, host: s.name, service: "kea-ha", why: "the HA peer API" })) : []),
        ];
    },
});
