/**
 * What every host gets from the site (the one base step, components/base-server): its resolvers and time sources,
 * allowed by the flow matrix (model/guest-resolvers.ts). `billu:guest` (the admin user, its keys) is core config.
 */
import type { FirewallModel } from "../flows";
import { GuestResolvers, planGuestResolvers } from "../guest-resolvers";
import { defineService } from "./types";

export const baseService = defineService<undefined, ReadonlyMap<string, GuestResolvers>>({
    key: "base",
    title: "every host's base step",
    docs: "docs/services/base.md",
    after: ["firewall", "dc"],
    plan: ({ all, core, plan, problems }) => {
        const firewall = plan<FirewallModel>("firewall");
        if (!firewall) return undefined;
        const network = all.network as { dnsForwarders?: string[]; ntpServers?: string[] };
        return planGuestResolvers(
            {
                hosts: core.hosts.map((h) => ({ name: h.name, role: h.role, os: h.os, zone: h.zone, address: h.nics[0].address, index: h.index })),
                firewall,
                wanZone: core.wanZone?.name,
                dnsForwarders: network.dnsForwarders ?? [],
                ntpServers: network.ntpServers ?? [],
            },
            problems,
        );
    },
});
