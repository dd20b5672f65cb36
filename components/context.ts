import * as pulumi from "@pulumi/pulumi";
import { HostModel, SiteModel } from "../model/site";
import { SiteCa } from "./site-ca/SiteCa";
import { GuestConnection } from "./guest-step/GuestStep";
import type { EveryHostRenderer } from "./base-server/every-host";
import { pinnedHostKey } from "./proxmox-vm/pinned-keys";

/**
 * What the role builders read of a site: the validated model, where rendered files go, how to reach guests, the
 * site CA, and what the roles built before this one made ready. Built by stacks/site.ts and never changed: after
 * each role the site makes a new context with that role's results (`advance` there), so a builder sees exactly
 * what was built before it, and nothing depends on the order of pushes into a shared object. Components never take
 * it: a builder hands each one flat values (`guestAccess`, `siteHost`, `siteServer` below, the readiness lists, the
 * join secret, the VMs of earlier roles).
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
        /**
         * The forest trust's step (the grants' domain-local groups), once built: the file servers' `shares` step
         * waits for it (a trust share's ACL names the grant's group). @default none
         */
        readonly trust?: readonly pulumi.Resource[];
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
     * The VPN partner's monitored hosts' PSKs (secret), by host name, read from its stack by the program (stacks/vpn.ts
     * withVpnPeer) when this site's Zabbix server watches them. @default none
     */
    readonly monitoringPartnerPsks?: ReadonlyMap<string, pulumi.Output<string>>;
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
 * What any host of the site takes from it for its VM and its base step (a BaseServer, a DC), as flat values: a role
 * builder fills it from its context with `siteHost(ctx)`.
 */
export interface SiteHostArgs extends GuestAccessArgs {
    /** The site's model: the VM's plan, the base step's time sources and banner, the every-host needs of each host. */
    readonly model: SiteModel;
    /** The Proxmox pool the VM joins (created by the site). @default no pool */
    readonly poolId?: pulumi.Output<string>;
    /** The router's configuration: the host's first steps wait for it (Pulumi reaches guests through the router). */
    readonly routerReady: readonly pulumi.Resource[];
    /**
     * What the services' components made for their every-host needs (a certificate per host, a key), by need: the
     * renderers read it (components/base-server/every-host.ts `extensionsFor`). @default none
     */
    readonly everyHostResources?: ReadonlyMap<string, unknown>;
    /** The renderers of the every-host needs, by need (components/registry.ts). @default none */
    readonly everyHostRenderers?: Readonly<Record<string, EveryHostRenderer>>;
}

/** What a BaseServer takes from the site besides its host: a host's args, and the domain its Debian member joins. */
export interface SiteServerArgs extends SiteHostArgs {
    /** The domain's readiness (forest, DCs, FSMO, DNS records): the `ad-join` step waits for it (empty before the dc role or without a domain). */
    readonly domainReady: readonly pulumi.Resource[];
    /** The join account's password (secret) the `ad-join` step joins with, once the dc role made it. @default none: no `ad-join` step */
    readonly domainJoin?: { readonly password: pulumi.Output<string> };
}

/** A host's args from a site context: what a role builder passes the DCs (SiteHostArgs). */
export function siteHost(ctx: SiteContext): SiteHostArgs {
    return {
        ...guestAccess(ctx),
        model: ctx.model,
        poolId: ctx.poolId,
        routerReady: ctx.after.router,
        everyHostResources: ctx.everyHostResources,
        everyHostRenderers: ctx.everyHostRenderers,
    };
}

/** A server's args from a site context: what a role builder passes a BaseServer, or a component for its BaseServer (SiteServerArgs). */
export function siteServer(ctx: SiteContext): SiteServerArgs {
    return { ...siteHost(ctx), domainReady: ctx.after.domain, domainJoin: ctx.domainJoin };
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

/** The VM of a host an earlier role built (the router's for its relay or tunnel, a DC's for the directory). */
export function builtVm(ctx: SiteContext, host: string): pulumi.Resource {
    const vm = ctx.vms.get(host);
    // The site builds roles in start order and passes each one's VMs on; anything else is a bug here.
    if (!vm) throw new Error(`internal: ${host}'s VM is needed before its role was built`);
    return vm;
}
