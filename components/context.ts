import * as pulumi from "@pulumi/pulumi";
import { HostModel, SiteModel } from "../model/site";
import { SiteCa } from "./site-ca/SiteCa";
import { GuestConnection } from "./guest-step/GuestStep";
import type { EveryHostRenderer } from "./base-server/every-host";
import { pinnedHostKey } from "./proxmox-vm/pinned-keys";

/**
 * What every component of a site shares: the validated model, where rendered files go, how to reach guests, the
 * site CA, and what the roles built before this one made ready. Built by stacks/site.ts and never changed: after
 * each role the site makes a new context with that role's results (`advance` there), so a component sees exactly
 * what was built before it, and nothing depends on the order of pushes into a shared object.
 */
export interface SiteContext {
    readonly model: SiteModel;
    /** Local folder for rendered files: `<renderDir>/<host>/<path in guest>`. */
    readonly renderDir: string;
    /** Secret SSH private key for guest connections; absent means the SSH agent. */
    readonly sshPrivateKey?: pulumi.Output<string>;
    readonly ca: SiteCa;
    /**
     * What later steps wait for. `router`: the router's configuration, which every other in-guest step waits for
     * (Pulumi reaches guests through it). `domain`: the domain is up (forest, other DCs, FSMO, DNS records); steps
     * that need AD (domain joins, DHCP, file and mail servers) wait for it. Empty until the role that makes it is
     * built.
     */
    readonly after: {
        readonly router: readonly pulumi.Resource[];
        readonly domain: readonly pulumi.Resource[];
        /** The directory step (OUs, groups, accounts), once built: the site-wide services that name them wait for it. @default none */
        readonly directory?: readonly pulumi.Resource[];
    };
    /** The join account's password (secret) Debian members' `ad-join` step uses, once the dc role made it. @default none */
    readonly domainJoin?: { readonly password: pulumi.Output<string> };
    /** The Proxmox VM of each host built by an earlier role, by host name (the router's, the DCs'). */
    readonly vms: ReadonlyMap<string, pulumi.Resource>;
    /**
     * The PBS backup storage's secret (`billu:vmBackupPbsPassword`), read by the program (stacks/program.ts), never
     * by a component. @default none: the site stores no VM image on PBS
     */
    readonly vmBackupPbsPassword?: pulumi.Output<string>;
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

/**
 * What a component's guest steps need from the site, as flat args (a component's `*Args` extends it): where rendered
 * files go and how to log on to the guests. A role builder fills it from its context with `guestAccess(ctx)`.
 */
export interface GuestAccessArgs {
    /** Local folder for rendered files: `<renderDir>/<host>/<path in guest>`. */
    readonly renderDir: string;
    /** The user the steps log on as (`billu:guest.adminUser`). */
    readonly adminUser: string;
    /** Secret SSH private key for the guest connections. @default none: the SSH agent's keys */
    readonly sshPrivateKey?: pulumi.Output<string>;
}

/** The guest access of a site: what a role builder passes its components (GuestAccessArgs). */
export function guestAccess(ctx: SiteContext): GuestAccessArgs {
    return { renderDir: ctx.renderDir, adminUser: ctx.model.config.guest.adminUser, sshPrivateKey: ctx.sshPrivateKey };
}

/**
 * How a step reaches `host`: its first NIC's address as the admin user, with the host key generated for `vm` pinned,
 * and `vm` as the machine the step follows (a re-created VM re-runs its steps).
 */
export function connectionTo(access: GuestAccessArgs, host: HostModel, vm: pulumi.Resource): GuestConnection {
    return {
        host: host.nics[0].address,
        user: access.adminUser,
        privateKey: access.sshPrivateKey,
        machine: vm,
        hostKey: pinnedHostKey(vm),
    };
}

/** connectionTo with the site context's guest access (for the components that still take the context). */
export function connectionFor(ctx: SiteContext, host: HostModel, vm: pulumi.Resource): GuestConnection {
    return connectionTo(guestAccess(ctx), host, vm);
}

/** The VM of a host an earlier role built (the router's for its relay or tunnel, a DC's for the directory). */
export function builtVm(ctx: SiteContext, host: string): pulumi.Resource {
    const vm = ctx.vms.get(host);
    // The site builds roles in start order and passes each one's VMs on; anything else is a bug here.
    if (!vm) throw new Error(`internal: ${host}'s VM is needed before its role was built`);
    return vm;
}
