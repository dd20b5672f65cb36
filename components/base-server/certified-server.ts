/**
 * The shape a service's own server shares (the backup server, the log collector, the monitoring server after them):
 * a BaseServer (its Debian VM and base step, under the component's name), one server certificate from the site CA,
 * and one guest step that receives the CA's certificate, the server's certificate and its key (0600) through the
 * step's secret channel, after the host's own readiness. A base class, not a component of its own: each service's
 * component keeps its type token, and the children keep the names and parents they had (renaming them would replace
 * real VMs).
 */
import * as pulumi from "@pulumi/pulumi";
import type { HostModel } from "../../model/site";
import { connectionTo, SiteServerArgs } from "../context";
import { GuestStep } from "../guest-step/GuestStep";
import type { GuestDir, GuestFile } from "../guest-step/render";
import type { IssuedCert, SiteCa } from "../site-ca/SiteCa";
import { BaseServer } from "./BaseServer";

/** What a service's own server component takes (BackupServerArgs, LogCollectorArgs extend it). */
export interface ServiceServerArgs<P> {
    /** What the server's BaseServer takes from the site (SiteServerArgs): the model, render folder, guest access, readiness. */
    readonly site: SiteServerArgs;
    /** The site CA: it issues the server's certificate, and its certificate is the step's trust anchor. */
    readonly ca: SiteCa;
    /** The server's host of the model (the plan's host, `model.host(plan.host.name)`). */
    readonly host: HostModel;
    /** The service's validated plan (its `host` is the server). */
    readonly plan: P;
    /** What the server's step must wait for besides its own base step. @default nothing more than the host's own readiness (BaseServer.ready) */
    readonly after?: readonly pulumi.Resource[];
}

export interface CertifiedServerArgs {
    /** What the server's BaseServer takes from the site (SiteServerArgs): the model, render folder, guest access, readiness. */
    readonly site: SiteServerArgs;
    /** The site CA: it issues the certificate, and its certificate is the step's trust anchor. */
    readonly ca: SiteCa;
    /** The server's host of the model (the plan's host, `model.host(plan.host.name)`). */
    readonly host: HostModel;
    /** The certificate's child, `<name>-<certName>` under the site CA (`backup`, `logs`). */
    readonly certName: string;
    /** The certificate's subject and names: the plan's `certificate` (common name, DNS names, IP addresses). */
    readonly certificate: {
        readonly commonName: string;
        readonly dnsNames: readonly string[];
        readonly ipAddresses: readonly string[];
    };
    /** The step's name on the host (`backup-server`, `logs-collector`); its child is `<name>-<step>`. */
    readonly step: string;
    /** The secret names the step's files use for the CA's certificate, the server's certificate and its key. */
    readonly secretNames: { readonly ca: string; readonly cert: string; readonly key: string };
    /** The step's rendered files (placeholders `{{secret:<name>}}` where a secret goes). */
    readonly files: readonly GuestFile[];
    /** The step's folders with their own mode and owner. */
    readonly dirs: readonly GuestDir[];
    /** The step's body (scripts/<area>/*.sh, read verbatim). */
    readonly script: string;
    /** More secrets of the step, by name, after the three of the certificate (say, each client's key). @default none */
    readonly moreSecrets?: Readonly<Record<string, pulumi.Input<string>>>;
    /**
     * More secrets computed together (say, one per person): their names, and their values in one Output keyed by name
     * (GuestStep's `secretMap`: one Output, not one per value). @default none
     */
    readonly moreSecretMap?: { readonly names: readonly string[]; readonly values: pulumi.Input<Readonly<Record<string, string>>> };
    /** What the step must wait for besides the host's own readiness. @default nothing more than BaseServer.ready */
    readonly after?: readonly pulumi.Resource[];
}

/** What a certified server made: its BaseServer, its certificate and its step (depend on `step.apply`). */
export interface CertifiedServer {
    readonly server: BaseServer;
    readonly certificate: IssuedCert;
    readonly step: GuestStep;
}

/** Builds the server under `parent` (the service's component), children named after `name`. */
export function certifiedServer(parent: pulumi.Resource, name: string, args: CertifiedServerArgs): CertifiedServer {
    const { site, ca, host } = args;
    const server = new BaseServer(name, { ...site, host }, { parent });
    const certificate = ca.issue(`${name}-${args.certName}`, {
        commonName: args.certificate.commonName,
        dnsNames: args.certificate.dnsNames,
        ipAddresses: args.certificate.ipAddresses,
    });
    const secretValues: Record<string, pulumi.Input<string>> = {
        [args.secretNames.ca]: ca.certPem,
        [args.secretNames.cert]: certificate.certPem,
        [args.secretNames.key]: certificate.privateKeyPem,
        ...args.moreSecrets,
    };
    const step = new GuestStep(
        `${name}-${args.step}`,
        {
            host: host.name,
            step: args.step,
            os: "linux",
            connection: connectionTo(site, host, server.vm.vm),
            renderDir: site.renderDir,
            after: [...server.ready, ...(args.after ?? [])],
            dirs: args.dirs,
            files: args.files,
            script: args.script,
            secrets: [...Object.keys(secretValues), ...(args.moreSecretMap?.names ?? [])],
            secretValues,
            secretMap: args.moreSecretMap?.values,
        },
        { parent },
    );
    return { server, certificate, step };
}

/**
 * A service's own server component: `type` its token (`billu:<area>:<Name>`), `props` its inputs and outputs (what
 * the docs and the policy pack read), `spec` the rest of certifiedServer's arguments, given the component itself (for
 * a ResourceError naming it).
 */
export abstract class CertifiedServerComponent extends pulumi.ComponentResource {
    public readonly server: BaseServer;
    public readonly certificate: IssuedCert;
    /** The service's step: depend on it to order later steps after the server serves. */
    public readonly step: GuestStep;

    protected constructor(
        type: string,
        name: string,
        props: Record<string, unknown>,
        spec: (self: pulumi.Resource) => CertifiedServerArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super(type, name, props, opts);
        ({ server: this.server, certificate: this.certificate, step: this.step } = certifiedServer(this, name, spec(this)));
        this.registerOutputs(props);
    }
}
