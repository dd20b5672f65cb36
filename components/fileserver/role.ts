import type * as pulumi from "@pulumi/pulumi";
import type { SiteModel } from "../../model/site";
import { guestAccess, SiteContext, siteServer } from "../context";
import type { DocSections, RoleBuilder } from "../contracts";
import { arrayDocRows, shareDocRows } from "./render";
import { FileServerRaid1 } from "./FileServerRaid1";

/** The file servers the role built, by model, for the site-wide pass that applies their shares (one site, one model). */
const built = new WeakMap<SiteModel, readonly FileServerRaid1[]>();

/**
 * The `fileserver` role: a FileServerRaid1 per host, and the docs sections for its shares and its mirror. The only
 * reader of the site context here: each server gets what it uses, the domain's join account among it.
 */
export const buildFileServers: RoleBuilder = (ctx, hosts, parent) => {
    const { model } = ctx;
    // Samba joins the domain itself (winbind), with the site's join account when the dc role made its password.
    const domainJoin = model.domain && ctx.domainJoin ? { user: model.domain.joinAccount, password: ctx.domainJoin.password } : undefined;
    const servers = hosts.map((host) => {
        const plan = model.fileservers?.find((p) => p.host === host.name);
        if (!plan) throw new Error(`no file server plan for ${host.name}: buildSiteModel plans every host of role fileserver`);
        const args = { ...guestAccess(ctx), model, host, plan, baseServer: siteServer(ctx), domainReady: ctx.after.domain, domainJoin };
        return { host: host.name, server: new FileServerRaid1(host.name.toLowerCase(), args, { parent }) };
    });
    built.set(
        model,
        servers.map((s) => s.server),
    );
    const plans = ctx.model.fileservers ?? [];
    return {
        ready: servers.flatMap((s) => s.server.ready),
        vms: new Map(servers.map((s) => [s.host, s.server.server.vm.vm])),
        docs: {
            "File server shares": {
                columns: ["host", "share", "path", "kind", "read/write groups", "full control"],
                rows: plans.flatMap(shareDocRows),
            },
            "File server array": {
                columns: ["host", "mirror", "data disks", "usable size", "filesystem", "alerts to"],
                rows: plans.flatMap(arrayDocRows),
            },
        },
    };
};

/**
 * The site-wide pass (components/registry.ts `site`): each file server's `shares` step, after the directory step (the
 * departments' groups, the home share's accounts) and the trust step (the grants' groups), which the site builds
 * after every role: a first `pulumi up` runs DCs -> directory -> trust -> shares.
 */
export function shareFileServers(ctx: SiteContext, _parent: pulumi.Resource): DocSections | undefined {
    for (const server of built.get(ctx.model) ?? []) server.shares([...(ctx.after.directory ?? []), ...(ctx.after.trust ?? [])]);
    return undefined;
}
