import * as pulumi from "@pulumi/pulumi";
import { builtVm, guestAccess, siteServer } from "../context";
import type { RoleBuilder } from "../contracts";
import { DhcpRelay, DhcpServer } from "./DhcpServer";
import { dhcpDocSections } from "./render";

/**
 * The dhcp role: one DhcpServer per host (the first is the HA primary; the standby's Kea step follows the
 * primary's, so a configuration change never restarts both at once), then the router's relay, then the docs. The
 * only reader of the site context here: each component gets what it uses.
 */
export const buildDhcp: RoleBuilder = (ctx, hosts, parent) => {
    const access = guestAccess(ctx);
    const baseServer = siteServer(ctx);
    const servers: DhcpServer[] = [];
    for (const host of hosts) {
        const previous = servers.length > 0 ? [servers[servers.length - 1].kea.apply] : [];
        servers.push(
            new DhcpServer(
                host.name.toLowerCase(),
                { ...access, model: ctx.model, host, baseServer, ca: ctx.ca, domainReady: ctx.after.domain, after: previous },
                { parent },
            ),
        );
    }
    const ready: pulumi.Resource[] = servers.map((s) => s.kea.apply);
    if (ctx.model.dhcp && ctx.model.dhcp.scopes.length > 0) {
        const relay = new DhcpRelay(
            `${ctx.model.router.name.toLowerCase()}-dhcp-relay`,
            { ...access, model: ctx.model, routerVm: builtVm(ctx, ctx.model.router.name), after: [...ctx.after.router, ...ready] },
            { parent },
        );
        ready.push(relay.step.apply);
    }
    return {
        ready,
        vms: new Map(hosts.map((h, i) => [h.name, servers[i].server.vm.vm])),
        docs: ctx.model.dhcp ? dhcpDocSections(ctx.model) : undefined,
    };
};
