import * as pulumi from "@pulumi/pulumi";
import { HostModel, SiteModel } from "../model/site";
import { SiteCa } from "./site-ca/SiteCa";
import { GuestConnection } from "./guest-step/GuestStep";
import type { EveryHostRenderer } from "./base-server/every-host";
import { pinnedHostKey } from "./proxmox-vm/pinned-keys";

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
    /** The Proxmox VM of each host built so far, by host name: guest steps follow their VM's identity. */
    readonly vms: Map<string, pulumi.Resource>;
    /** The Proxmox pool the VMs join (created by the site). @default no pool */
    readonly poolId?: pulumi.Output<string>;
    /**
     * What the services' components made for their every-host needs (a certificate per host, a key), by need: the
     * renderers of components/base-server/every-host.ts read it. @default none
     */
    readonly everyHostResources?: ReadonlyMap<string, unknown>;
    /** The renderers of the every-host needs, by need (components/registry.ts). @default none */
    readonly everyHostRenderers?: Readonly<Record<string, EveryHostRenderer>>;
}

export function connectionFor(ctx: SiteContext, host: HostModel): GuestConnection {
    return {
        host: host.nics[0].address,
        user: ctx.model.config.guest.adminUser,
        privateKey: ctx.sshPrivateKey,
        machine: machineOf(ctx, host),
        hostKey: pinnedHostKey(machineOf(ctx, host)),
    };
}

function machineOf(ctx: SiteContext, host: HostModel): pulumi.Resource {
    const vm = ctx.vms.get(host.name);
    // A step is always built after its host's VM (the builders make the VM first); anything else is a bug here.
    if (!vm) throw new Error(`internal: a guest step on ${host.name} was built before its VM`);
    return vm;
}
