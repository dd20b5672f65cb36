import * as pulumi from "@pulumi/pulumi";
import { HostModel, SiteModel } from "../../model/site";
import { BaseServer } from "../base-server/BaseServer";
import { connectionTo, GuestAccessArgs, SiteServerArgs } from "../context";
import type { SiteCa } from "../site-ca/SiteCa";
import { GuestStep } from "../guest-step/GuestStep";
import { stepScript } from "../guest-step/render";
import { HA_TLS_SECRETS, haTlsFiles, KEA, renderKeaDhcp4, renderRelayUnit, RELAY_UNIT } from "./render";

export interface DhcpServerArgs extends GuestAccessArgs {
    /** The site's model: its `dhcp` plan (scopes, options, the HA pair) renders Kea's configuration; `site.domain` names the HA certificate. */
    readonly model: SiteModel;
    /** A host of role dhcp; its scopes, options and HA peer come from `model.dhcp`. */
    readonly host: HostModel;
    /**
     * What this server's BaseServer takes from the site (its VM, base step and domain join): the model, the render
     * folder and guest access, the router's and the domain's readiness, the join password, the every-host needs.
     * Nothing else of this component reads it.
     */
    readonly baseServer: SiteServerArgs;
    /** The site CA: it issues the HA peers' certificate (client and server auth) and its certificate is their trust anchor. */
    readonly ca: SiteCa;
    /** The domain's readiness (forest, DCs, DNS records): the Kea package step waits for it. */
    readonly domainReady: readonly pulumi.Resource[];
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
        const { model, host, ca } = args;
        this.server = new BaseServer(name, { ...args.baseServer, host }, { parent: this });
        const common = { host: host.name, os: "linux" as const, connection: connectionTo(args, host, this.server.vm.vm), renderDir: args.renderDir };
        // The package first: the configuration step's check runs kea-dhcp4 before its body could install it.
        const packages = new GuestStep(
            `${name}-kea-packages`,
            {
                ...common,
                step: "kea-packages",
                after: [...this.server.ready, ...args.domainReady],
                files: [],
                script: stepScript("linux", "dhcp/kea-packages.sh"),
            },
            { parent: this },
        );
        // An HA pair authenticates its peer API with certificates of the site CA (client and server auth).
        const tlsFiles = haTlsFiles(model);
        let secrets: Record<string, pulumi.Input<string>> | undefined;
        if (tlsFiles.length > 0) {
            const cert = ca.issue(`${name}-kea-ha`, {
                commonName: host.name,
                dnsNames: [`${host.name.toLowerCase()}.${model.site.domain}`],
                ipAddresses: [host.address],
                allowedUses: ["digital_signature", "server_auth", "client_auth"],
            });
            secrets = { [HA_TLS_SECRETS.ca]: ca.certPem, [HA_TLS_SECRETS.cert]: cert.certPem, [HA_TLS_SECRETS.key]: cert.privateKeyPem };
        }
        const files = [...tlsFiles, { path: KEA.config, content: renderKeaDhcp4(model, host.name), check: "kea-dhcp4 -t {}" }];
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

export interface DhcpRelayArgs extends GuestAccessArgs {
    /** The site's model: the router (where the relay runs), the zones it relays for and the DHCP servers. */
    readonly model: SiteModel;
    /** The router's VM (built before the dhcp role), which the relay's step follows. */
    readonly routerVm: pulumi.Resource;
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
        const router = args.model.router;
        this.step = new GuestStep(
            `${name}-step`,
            {
                host: router.name,
                step: "dhcp-relay",
                os: "linux",
                connection: connectionTo(args, router, args.routerVm),
                renderDir: args.renderDir,
                after: [...args.after],
                files: [{ path: RELAY_UNIT, content: renderRelayUnit(args.model) }],
                script: stepScript("linux", "dhcp/dhcp-relay.sh"),
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
