import * as pulumi from "@pulumi/pulumi";
import { HostModel } from "../../model/site";
import { BaseServer } from "../base-server/BaseServer";
import { builtVm, connectionFor, SiteContext } from "../context";
import { GuestStep } from "../guest-step/GuestStep";
import { stepScript } from "../guest-step/render";
import { HA_TLS_SECRETS, haTlsFiles, KEA, renderKeaDhcp4, renderRelayUnit, RELAY_UNIT } from "./render";

export interface DhcpServerArgs {
    /**
     * The site: the model (`dhcp`: scopes, options, the HA pair), the CA that issues the HA peers' certificates, the
     * render folder and guest connection, and the domain's readiness the Kea steps wait for.
     */
    readonly ctx: SiteContext;
    /** A host of role dhcp; its scopes, options and HA peer come from `ctx.model.dhcp`. */
    readonly host: HostModel;
    /** More steps this server's Kea configuration waits for (the primary's, for the standby: a rolling restart). @default none */
    readonly after?: readonly pulumi.Resource[];
}

/**
 * A DHCP server of the site: its Debian VM and base step (BaseServer, under the same name so the VM keeps the name
 * the foundation gave it), then Kea DHCPv4 (package step, then the configuration step). The configuration is
 * checked with `kea-dhcp4 -t` before it replaces the installed one; the service is enabled and restarted only
 * when its configuration changed. Kea steps wait for the router's and the domain's configuration.
 */
export class DhcpServer extends pulumi.ComponentResource {
    public readonly server: BaseServer;
    /** The Kea configuration step: depend on it to order later steps after this server is serving. */
    public readonly kea: GuestStep;

    constructor(name: string, args: DhcpServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:dhcp:DhcpServer", name, {}, opts);
        const { ctx, host } = args;
        this.server = new BaseServer(name, { ctx, host }, { parent: this });
        const common = { host: host.name, os: "linux" as const, connection: connectionFor(ctx, host, this.server.vm.vm), renderDir: ctx.renderDir };
        // The package first: the configuration step's check runs kea-dhcp4 before its body could install it.
        const packages = new GuestStep(
            `${name}-kea-packages`,
            {
                ...common,
                step: "kea-packages",
                after: [...this.server.ready, ...ctx.after.domain],
                files: [],
                script: stepScript("linux", "dhcp/kea-packages.sh"),
            },
            { parent: this },
        );
        // An HA pair authenticates its peer API with certificates of the site CA (client and server auth).
        const tlsFiles = haTlsFiles(ctx.model);
        let secrets: Record<string, pulumi.Input<string>> | undefined;
        if (tlsFiles.length > 0) {
            const cert = ctx.ca.issue(`${name}-kea-ha`, {
                commonName: host.name,
                dnsNames: [`${host.name.toLowerCase()}.${ctx.model.site.domain}`],
                ipAddresses: [host.address],
                allowedUses: ["digital_signature", "server_auth", "client_auth"],
            });
            secrets = { [HA_TLS_SECRETS.ca]: ctx.ca.certPem, [HA_TLS_SECRETS.cert]: cert.certPem, [HA_TLS_SECRETS.key]: cert.privateKeyPem };
        }
        const files = [...tlsFiles, { path: KEA.config, content: renderKeaDhcp4(ctx.model, host.name), check: "kea-dhcp4 -t {}" }];
        this.kea = new GuestStep(
            `${name}-kea`,
            {
                ...common,
                step: "kea",
                after: [packages.apply, ...(args.after ?? [])],
                files,
                secrets: secrets ? Object.keys(secrets) : undefined,
                secretValues: secrets,
                script: stepScript("linux", "dhcp/kea.sh"),
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}

export interface DhcpRelayArgs {
    /** The site: the model (the router, the zones it relays for, the DHCP servers), the render folder, the router's VM. */
    readonly ctx: SiteContext;
    /** What the relay waits for: the router's configuration and the DHCP servers' Kea steps. */
    readonly after: readonly pulumi.Resource[];
}

/**
 * The DHCP relay on the router: ISC dhcrelay as its own systemd unit, from every served zone's router interface to
 * the DHCP server(s). A guest step of the router host, separate from the router's own (nftables) step.
 */
export class DhcpRelay extends pulumi.ComponentResource {
    public readonly step: GuestStep;

    constructor(name: string, args: DhcpRelayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:dhcp:DhcpRelay", name, {}, opts);
        const { ctx } = args;
        const router = ctx.model.router;
        this.step = new GuestStep(
            `${name}-step`,
            {
                host: router.name,
                step: "dhcp-relay",
                os: "linux",
                connection: connectionFor(ctx, router, builtVm(ctx, router.name)),
                renderDir: ctx.renderDir,
                after: [...args.after],
                files: [{ path: RELAY_UNIT, content: renderRelayUnit(ctx.model) }],
                script: stepScript("linux", "dhcp/dhcp-relay.sh"),
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
