import * as pulumi from "@pulumi/pulumi";
import { HostModel } from "../../model/site";
import { intranetNetworks, WebModel, WebRole } from "../../model/web";
import { BaseServer } from "../base-server/BaseServer";
import { connectionTo, GuestAccessArgs, SiteServerArgs } from "../context";
import { WEB_TYPE } from "../contracts";
import { GuestStep } from "../guest-step/GuestStep";
import { stepScript } from "../guest-step/render";
import { IssuedCert, SiteCa } from "../site-ca/SiteCa";
import { CertDoc, TLS, WEB_SECRETS, webFiles, webStepBody } from "./render";

export interface WebDmzArgs extends GuestAccessArgs {
    /** The web server's host (`model.web.host`). */
    readonly host: HostModel;
    /** The validated sites (`model.web`). */
    readonly web: WebModel;
    /** The site (`model.site`): its name and domain (the server's FQDN, the sites' pages) and company (the certificates' subject in the docs). */
    readonly site: { readonly name: string; readonly company: string; readonly domain: string };
    /**
     * The site's networks but the WAN and the DMZ, and the VPN partner's (`billu:firewall.vpnPartner`): what may be
     * trusted with the intranet, declared for the policy pack (`disallow-intranet-from-wan`).
     */
    readonly internalNetworks: readonly string[];
    /**
     * What this server's BaseServer takes from the site (its VM, base step and domain join): the model, the render
     * folder and guest access, the router's and the domain's readiness, the join password, the every-host needs.
     * Nothing else of this component reads it.
     */
    readonly baseServer: SiteServerArgs;
    /** The site CA: it issues the two sites' certificates. */
    readonly ca: SiteCa;
}

/**
 * The DMZ web server: its Debian VM and base step (BaseServer, under the same name so the VM keeps the name the
 * foundation gave it), a certificate per site from the site CA, then Apache: the package step, and the `web`
 * step that installs the content, the certificates and keys (0600, through the step's secret channel) and the
 * whole Apache configuration, checked with `apache2ctl -t` before it replaces the installed one. Apache is
 * started if stopped, and reloaded only when its configuration or a certificate changed.
 *
 * The component's inputs carry what the policy pack checks (`disallow-intranet-from-wan`): the intranet's
 * listeners and allowed networks, the site's internal networks and the ports forwarded from the WAN.
 */
export class WebDmz extends pulumi.ComponentResource {
    public readonly server: BaseServer;
    public readonly certificates: Readonly<Record<WebRole, IssuedCert>>;
    /** The Apache configuration step: depend on it to order later steps after the sites are served. */
    public readonly step: GuestStep;
    /** The certificates as the docs show them. */
    public readonly certDocs: readonly CertDoc[];

    constructor(name: string, args: WebDmzArgs, opts?: pulumi.ComponentResourceOptions) {
        const { host, web, site } = args;
        const allowed = intranetNetworks(web);
        const props = {
            host: web.host,
            address: web.address,
            vmId: host.vmId,
            publicName: web.public.name,
            intranetName: web.intranet.name,
            /** Ports where the intranet answers (by name, beside the public site). */
            intranetPorts: [web.ports.https, web.ports.http],
            /** Ports of the public site alone, with the WAN ports the router forwards to them. */
            publishedListeners: web.published.map((p) => ({ hostPort: p.hostPort, wanPort: p.wanPort, scheme: p.scheme })),
            intranetAllowedNetworks: allowed,
            /** The site's networks but the WAN and the DMZ, and the tunnel's far side: what may be trusted with the intranet. */
            internalNetworks: [...args.internalNetworks],
            tlsProtocols: [...TLS.protocols],
            hstsMaxAgeSeconds: TLS.hstsMaxAgeSeconds,
        };
        super(WEB_TYPE, name, props, opts);
        this.server = new BaseServer(name, { ...args.baseServer, host }, { parent: this });
        const issue = (role: WebRole): IssuedCert => {
            const site = web[role];
            return args.ca.issue(`${name}-${role}`, { commonName: site.name, dnsNames: [site.name] });
        };
        this.certificates = { public: issue("public"), intranet: issue("intranet") };
        this.certDocs = (["public", "intranet"] as const).map((role) => ({
            role,
            subject: `CN=${web[role].name}, O=${site.company}`,
            dnsNames: [web[role].name],
            expires: this.certificates[role].validityEndTime,
        }));
        const common = { host: host.name, os: "linux" as const, connection: connectionTo(args, host, this.server.vm.vm), renderDir: args.renderDir };
        // The package first: the web step's check runs apache2ctl before its body could install it.
        const packages = new GuestStep(
            `${name}-apache-packages`,
            {
                ...common,
                step: "apache-packages",
                after: [...this.server.ready],
                files: [],
                script: stepScript("linux", "web/apache-packages.sh"),
            },
            { parent: this },
        );
        const secrets: Record<string, pulumi.Input<string>> = {};
        for (const role of ["public", "intranet"] as const) {
            secrets[WEB_SECRETS.cert(role)] = this.certificates[role].certPem;
            secrets[WEB_SECRETS.key(role)] = this.certificates[role].privateKeyPem;
        }
        this.step = new GuestStep(
            `${name}-web`,
            {
                ...common,
                step: "web",
                after: [packages.apply],
                files: webFiles({
                    web,
                    intranetNetworks: allowed,
                    serverFqdn: `${host.name.toLowerCase()}.${site.domain}`,
                    siteName: site.name,
                }),
                secrets: Object.keys(secrets),
                secretValues: secrets,
                script: webStepBody(web),
            },
            { parent: this },
        );
        this.registerOutputs(props);
    }
}
