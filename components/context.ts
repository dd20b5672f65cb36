import * as pulumi from "@pulumi/pulumi";
import { HostModel, SiteModel } from "../model/site";
import { SiteCa } from "./site-ca/SiteCa";
import { GuestConnection } from "./guest-step/GuestStep";

/**
 * What every component of a site shares: the validated model, where rendered files go, how to reach guests, the
 * site CA, and the deployment order so far. Built once by the stack; components read it and never re-derive the
 * model.
 */
export interface SiteContext {
    readonly model: SiteModel;
    /** Local folder for rendered files: `<renderDir>/<host>/<path in guest>`. */
    readonly renderDir: string;
    /** Secret SSH private key for guest connections; absent means the SSH agent. */
    readonly sshPrivateKey?: pulumi.Output<string>;
    readonly ca: SiteCa;
    /**
     * Deployment order. `router`: the router's configuration, which every other in-guest step waits for (Pulumi
     * reaches guests through it). `domain`: the domain is up (forest, other DCs, FSMO, DNS records); steps that
     * need AD (domain joins, DHCP, file and mail servers) wait for it.
     */
    readonly after: { router: pulumi.Resource[]; domain: pulumi.Resource[] };
    /** Set by the dc role when Debian members join: the join account's password (secret) their `ad-join` step uses. */
    domainJoin?: { readonly password: pulumi.Output<string> };
}

export function connectionFor(ctx: SiteContext, host: HostModel): GuestConnection {
    return {
        host: host.nics[0].address,
        user: ctx.model.config.guest.adminUser,
        privateKey: ctx.sshPrivateKey,
    };
}
