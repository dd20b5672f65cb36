/**
 * The router's builder: the site (stacks/site.ts) builds the Firewall first; this is the one place that reads the
 * site context for it and hands the component what it uses (issue 15, narrow component inputs).
 */
import { extensionsFor } from "../base-server/every-host";
import { guestAccess, SiteContext } from "../context";
import { FirewallArgs } from "./Firewall";
import { firewallOf } from "./plan";

/** The Firewall's args from the site context: the model, the pool, and the router's every-host extensions. */
export function firewallArgs(ctx: SiteContext): FirewallArgs {
    const { model } = ctx;
    return {
        ...guestAccess(ctx),
        model,
        poolId: ctx.poolId,
        // Only a Debian router (nftables) has a base step; a pfSense one runs no guest step at all.
        extensions: firewallOf(model).engine === "nftables" ? extensionsFor(model, model.router, ctx.everyHostResources, ctx.everyHostRenderers) : undefined,
    };
}
