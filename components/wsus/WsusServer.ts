import * as pulumi from "@pulumi/pulumi";
import type { HostModel } from "../../model/site";
import type { WsusPlan } from "../../model/wsus";
import { BaseServer } from "../base-server/BaseServer";
import { connectionTo, GuestAccessArgs, SiteServerArgs } from "../context";
import { GuestStep } from "../guest-step/GuestStep";
import type { SiteCa } from "../site-ca/SiteCa";
import { renderWsusPlan, WSUS_DIR, WSUS_PLAN_PATH, WSUS_SECRET, wsusFunctions, wsusStepScript } from "./render";

export interface WsusServerArgs extends GuestAccessArgs {
    /** The WSUS host of the model (role wsus: Windows, an OS disk and the content's data disk). */
    readonly host: HostModel;
    /** Its plan from the model (`plan<WsusPlan>("wsus")`). */
    readonly plan: WsusPlan;
    /** The site CA: over HTTPS (`plan.ssl`) it issues the WSUS site's certificate for the host's FQDN, and the step trusts it. */
    readonly ca: SiteCa;
    /** What its BaseServer takes from the site (VM, base step, every-host needs). Nothing else here reads it. */
    readonly baseServer: SiteServerArgs;
}

/**
 * The WSUS server: a Windows VM (BaseServer) and one step `wsus` after its base step, which pushes the functions
 * (scripts/wsus/wsus.ps1) and the plan (wsus.json) and runs Invoke-BilluWsus: features, content volume, postinstall,
 * then (over HTTPS) the site-CA certificate bound to the WSUS site on 8531, the server's settings through the
 * UpdateServices API, each written only when it differs, and the weekly cleanup task.
 */
export class WsusServer extends pulumi.ComponentResource {
    public readonly server: BaseServer;
    /** The `wsus` step: what later roles wait for. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: WsusServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:wsus:WsusServer", name, { host: args.host.name, url: args.plan.url, contentDir: args.plan.contentDir }, opts);
        const { host, plan } = args;
        this.server = new BaseServer(name, { ...args.baseServer, host }, { parent: this });
        // Over HTTPS the clients reach https://<fqdn>:8531: the certificate names that FQDN (and the address, for tools).
        const cert = plan.ssl
            ? args.ca.issue(`${name}-wsus`, { commonName: plan.fqdn, dnsNames: [plan.fqdn], ipAddresses: [host.address] }, { parent: this })
            : undefined;
        const step = new GuestStep(
            `${name}-wsus`,
            {
                host: host.name,
                step: "wsus",
                os: "windows",
                connection: connectionTo(args, host, this.server.vm.vm),
                renderDir: args.renderDir,
                after: this.server.ready,
                files: [
                    { path: `${WSUS_DIR}/wsus.ps1`, content: wsusFunctions().replace(/\r?\n/g, "\r\n") },
                    { path: WSUS_PLAN_PATH, content: renderWsusPlan(plan) },
                ],
                script: wsusStepScript(plan),
                ...(cert
                    ? {
                          secrets: [WSUS_SECRET.ca, WSUS_SECRET.cert, WSUS_SECRET.key],
                          secretValues: { [WSUS_SECRET.ca]: args.ca.certPem, [WSUS_SECRET.cert]: cert.certPem, [WSUS_SECRET.key]: cert.privateKeyPem },
                      }
                    : {}),
            },
            { parent: this },
        );
        this.ready = [step.apply];
        this.registerOutputs({});
    }
}
