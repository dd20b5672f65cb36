/**
 * What every host gets from the site (the one base step, components/base-server): its resolvers and time sources,
 * allowed by the flow matrix (model/guest-resolvers.ts). `billu:guest` (the admin user, its keys) is core config.
 * What every host requires: sshd, reachable from the management zone, where administrators and the Pulumi runner
 * work (every guest step logs on over SSH, components/guest-step; Windows templates run OpenSSH Server too,
 * scripts/templates/prepare-windows-template.ps1).
 */
import type { CoreModel } from "../core";
import type { FirewallModel } from "../flows";
import { GuestResolvers, planGuestResolvers } from "../guest-resolvers";
import { defineService, Requirement } from "./types";

/** The port catalogue's name of the service the guest steps log on with. */
export const SSH_SERVICE = "ssh";

/**
 * Pure: sshd listens on every host (Debian and Windows), and the management zone (the administrators' and the Pulumi
 * runner's) may reach it. Nothing on a site without a management zone (nowhere to ask it from); the router's own
 * management SSH is the matrix's (model/flows.ts), asked for like any host's.
 */
export function sshRequirements(core: Pick<CoreModel, "zones" | "hosts">): Requirement[] {
    const management = core.zones.find((z) => z.kind === "management");
    if (!management) return [];
    return core.hosts.flatMap((h): Requirement[] => [
        { kind: "listen", host: h.name, service: SSH_SERVICE, why: "sshd: administrators and Pulumi's guest steps log on over SSH" },
        {
            kind: "flow",
            from: management.name,
            to: h.name,
            service: SSH_SERVICE,
            why: "administrators and Pulumi's guest steps log on over SSH from the management zone",
        },
    ]);
}

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
    requires: (_plan, { core }) => sshRequirements(core),
});
