import type { WsusPlan } from "../../model/wsus";
import { guestAccess, siteServer } from "../context";
import type { RoleBuilder } from "../contracts";
import { wsusDocRows } from "./render";
import { WsusServer } from "./WsusServer";

/** The `wsus` role: a WsusServer per host (one per site), and the docs sections of its server, groups and rules. */
export const buildWsus: RoleBuilder = (ctx, hosts, parent) => {
    const plan = ctx.model.plan<WsusPlan>("wsus");
    const servers = hosts.map((host) => {
        if (!plan || plan.host !== host.name) throw new Error(`no WSUS plan for ${host.name}: buildSiteModel plans the host of role wsus`);
        const server = new WsusServer(host.name.toLowerCase(), { ...guestAccess(ctx), host, plan, ca: ctx.ca, baseServer: siteServer(ctx) }, { parent });
        return { host: host.name, server };
    });
    const rows = plan ? wsusDocRows(plan) : { server: [], groups: [], rules: [] };
    return {
        ready: servers.flatMap((s) => s.server.ready),
        vms: new Map(servers.map((s) => [s.host, s.server.server.vm.vm])),
        docs: {
            "WSUS server": {
                columns: ["host", "URL", "content", "upstream", "sync", "products", "classifications", "languages", "weekly cleanup"],
                rows: rows.server,
            },
            "WSUS target groups": { columns: ["group", "OU", "GPO (client-side targeting)"], rows: rows.groups },
            "WSUS approval rules": { columns: ["rule", "classifications", "products", "target groups", "enabled"], rows: rows.rules },
        },
    };
};
