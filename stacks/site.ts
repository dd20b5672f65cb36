import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import { HostModel, SiteModel } from "../model/site";
import { BaseServer } from "../components/base-server/BaseServer";
import { SiteContext, siteServer } from "../components/context";
import type { RoleResult } from "../components/contracts";
import { COMPONENTS } from "../components/registry";
import type { EveryHostRenderer } from "../components/base-server/every-host";
import { Directory } from "../components/directory/Directory";
import { directoryArgs } from "../components/directory/role";
import { directoryDocs } from "../components/directory/render";
import { Firewall } from "../components/firewall/Firewall";
import { firewallArgs } from "../components/firewall/role";
import { SiteCa } from "../components/site-ca/SiteCa";
import { ProxmoxHa } from "../components/proxmox-vm/ha";
import { SiteDocs, siteDocs } from "./outputs";
import { ForestTrust } from "../components/trust/ForestTrust";
import { SiteToSiteVpn } from "../components/vpn/SiteToSiteVpn";
import { buildTrust } from "./trust";
import { buildVpn } from "./vpn";

export interface SiteArgs {
    readonly model: SiteModel;
    readonly renderDir: string;
    readonly sshPrivateKey?: pulumi.Output<string>;
    /** The site-to-site key read from the owner's stack (secret), at the end that is not the owner. */
    readonly vpnPeerPsk?: pulumi.Output<string>;
    /** The PBS backup storage's secret (`billu:vmBackupPbsPassword`), read by the program. @default none (no PBS storage) */
    readonly vmBackupPbsPassword?: pulumi.Output<string>;
    /** The VPN partner's monitored hosts' PSKs (secret), by host name (stacks/vpn.ts withVpnPeer). @default none */
    readonly monitoringPartnerPsks?: ReadonlyMap<string, pulumi.Output<string>>;
}

function baseServers(ctx: SiteContext, hosts: readonly HostModel[], parent: pulumi.Resource): RoleResult {
    const site = siteServer(ctx);
    const servers = hosts.map((h) => ({ host: h.name, server: new BaseServer(h.name.toLowerCase(), { ...site, host: h }, { parent }) }));
    return { ready: servers.flatMap((s) => s.server.ready), vms: new Map(servers.map((s) => [s.host, s.server.vm.vm])) };
}

/**
 * The context the roles after `role` get: its VMs added, and what it made ready where later roles look for it (the
 * router's configuration, the domain and its join secret). A new value each time: nothing shared is changed.
 */
export function advance(ctx: SiteContext, role: string, result: RoleResult): SiteContext {
    return Object.freeze({
        ...ctx,
        vms: new Map([...ctx.vms, ...result.vms]),
        after: Object.freeze({
            router: Object.freeze(role === "firewall" ? [...ctx.after.router, ...result.ready] : ctx.after.router),
            domain: Object.freeze(role === "dc" ? [...ctx.after.domain, ...result.ready] : ctx.after.domain),
        }),
        domainJoin: result.domainJoin ?? ctx.domainJoin,
    });
}

/**
 * A whole site from a validated model: the site CA, the router first, then every role in start order. The
 * component's `docs` is the documentation the stack exports.
 */
export class Site extends pulumi.ComponentResource {
    /** The context after every role was built (the model, every VM by host name, ...). */
    public readonly ctx: SiteContext;
    public readonly docs: SiteDocs;
    public readonly caCertPem: pulumi.Output<string>;
    /** Stack outputs the roles add (RoleResult.outputs: the mail domain's DKIM record). */
    public readonly roleOutputs: Record<string, pulumi.Output<string>> = {};
    /** The acceptance account and its password (a secret), for `npm run acceptance` (issue #23). */
    public readonly acceptance?: { readonly account: string; readonly password: pulumi.Output<string> };
    /** The drift reader and its password (a secret), for `npm run directory:drift` (issue #27). */
    public readonly driftReader?: { readonly account: string; readonly password: pulumi.Output<string> };
    /** This site's end of the site-to-site tunnel (billu:vpn), if any. */
    public readonly vpn?: SiteToSiteVpn;
    /** The secret stack outputs the roles add (RoleResult.secretOutputs), by name. */
    public readonly roleSecretOutputs: Record<string, pulumi.Output<string>> = {};
    /** This domain's half of the forest trust with the partner (billu:trust), if any. */
    public readonly trust?: ForestTrust;

    constructor(name: string, args: SiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:site:Site", name, {}, opts);
        const { model } = args;
        const ca = new SiteCa(
            `${name}-ca`,
            { organization: model.site.company, commonName: `${model.site.company} ${model.site.name} root CA` },
            { parent: this },
        );
        // The pool the VMs join: created here, so a first `pulumi up` on an empty cluster does not fail on a
        // missing pool (an existing one is adopted with `pulumi import`, see docs/operations.md).
        const pool = model.config.proxmox.pool
            ? new proxmox.PoolLegacy(
                  `${name}-pool`,
                  { poolId: model.config.proxmox.pool, comment: `${model.site.company} ${model.site.name} (managed by Pulumi, project billu-infra)` },
                  { parent: this },
              )
            : undefined;
        const base: SiteContext = {
            model,
            renderDir: args.renderDir,
            sshPrivateKey: args.sshPrivateKey,
            ca,
            after: Object.freeze({ router: Object.freeze([]), domain: Object.freeze([]) }),
            vms: new Map(),
            poolId: pool?.poolId,
            vmBackupPbsPassword: args.vmBackupPbsPassword,
            monitoringPartnerPsks: args.monitoringPartnerPsks,
        };
        // The every-host needs the services declared (model.everyHost): what their components make once for every
        // host (a client certificate each), and their renderers, which every host's base step calls.
        const needs = new Set(model.everyHost.map((a) => a.need.need));
        const everyHost = Object.values(COMPONENTS).flatMap((c) => (c.everyHost && needs.has(c.everyHost.need) ? [c.everyHost] : []));
        let ctx: SiteContext = Object.freeze({
            ...base,
            everyHostResources: new Map(everyHost.map((e) => [e.need, e.resources(base, this)])),
            everyHostRenderers: Object.fromEntries(everyHost.map((e): [string, EveryHostRenderer] => [e.need, e.render])),
        });
        this.docs = siteDocs(model);
        const firewall = new Firewall(model.router.name.toLowerCase(), firewallArgs(ctx), { parent: this });
        ctx = advance(ctx, "firewall", { ready: [firewall.ready], vms: new Map([[model.router.name, firewall.vm.vm]]) });
        this.vpn = buildVpn(name, ctx, this.docs, args.vpnPeerPsk, this);
        const roles = [
            ...new Set(
                model.hosts
                    .filter((h) => h.role !== "firewall")
                    .sort((a, b) => a.startOrder - b.startOrder)
                    .map((h) => h.role),
            ),
        ];
        for (const role of roles) {
            const hosts = model.hostsByRole(role);
            const builder = COMPONENTS[role]?.build;
            const result = builder ? builder(ctx, hosts, this) : baseServers(ctx, hosts, this);
            Object.assign(this.docs.sections, result.docs);
            for (const [k, v] of Object.entries(result.secretOutputs ?? {})) this.roleSecretOutputs[k] = pulumi.secret(v);
            Object.assign(this.roleOutputs, result.outputs);
            ctx = advance(ctx, role, result);
        }
        this.ctx = ctx;
        // The directory from the HR export, applied on the first DC once the domain is up (components/directory).
        if (model.directory && model.hostsByRole("dc").length > 0) {
            const directory = new Directory(`${name}-directory`, directoryArgs(ctx), { parent: this });
            this.acceptance = directory.acceptance;
            this.driftReader = directory.driftReader;
            this.docs.sections["Directory"] = directoryDocs(model.directory);
            ctx = Object.freeze({ ...ctx, after: Object.freeze({ ...ctx.after, directory: Object.freeze([...directory.ready]) }) });
        }
        // The forest trust with the partner, on the first DC once the domain and the directory are applied.
        this.trust = buildTrust(name, ctx, this.docs, this);
        if (this.trust) ctx = Object.freeze({ ...ctx, after: Object.freeze({ ...ctx.after, trust: Object.freeze([this.trust.step.apply]) }) });
        // Proxmox VE HA for the stateful VMs, on a cluster of more than one node (nothing to fail over to otherwise).
        const nodes = model.config.proxmox.nodes.map((n) => n.name);
        const statefulVms = model.hosts.filter((h) => h.stateful && model.site.protectStateful && ctx.vms.has(h.name));
        if (nodes.length > 1 && statefulVms.length > 0) {
            new ProxmoxHa(
                `${name}-ha`,
                { nodes, vms: statefulVms.map((h) => ({ name: h.name, vmId: h.vmId, node: h.node, vm: ctx.vms.get(h.name)! })) },
                { parent: this },
            );
        }
        // Site-wide services, once every VM exists (the VM images' backup jobs cover them) and after the directory and
        // the trust (the file servers' shares name their groups: DCs -> directory -> trust -> shares on a first `pulumi up`).
        for (const c of Object.values(COMPONENTS)) Object.assign(this.docs.sections, c.site?.(ctx, this));
        this.caCertPem = ca.certPem;
        this.registerOutputs({ caCertPem: this.caCertPem });
    }
}
