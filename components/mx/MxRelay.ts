import * as pulumi from "@pulumi/pulumi";
import type { MxPlan } from "../../model/mx";
import { CertifiedServerComponent, ServiceServerArgs } from "../base-server/certified-server";
import { stepScript } from "../guest-step/render";
import { MX_SECRETS, MX_STEP, mxDirs, mxFiles, mxStepData } from "./render";

/** The relay's args: the site and its CA, the relay's host, the validated plan (model/mx.ts `planMx`: domain, recipients, next hop), what its step waits for. */
export type MxRelayArgs = ServiceServerArgs<MxPlan>;

/**
 * The inbound mail relay: its Debian VM and base step (BaseServer, under the same name), a server certificate from the
 * site CA for its public name, FQDN and address, and the `mx-relay` step: Postfix accepting mail for the mail domain's
 * known recipients only and handing it to the mail server over verified TLS. Built as every service's own server is
 * (components/base-server/certified-server.ts).
 */
export class MxRelay extends CertifiedServerComponent {
    constructor(name: string, args: MxRelayArgs, opts?: pulumi.ComponentResourceOptions) {
        const { plan } = args;
        const props = { host: plan.host.name, address: plan.host.address, publicName: plan.publicName, domain: plan.domain, nextHop: plan.nextHop.host };
        const spec = () => ({
            site: args.site,
            ca: args.ca,
            host: args.host,
            certName: "mx",
            certificate: plan.certificate,
            step: MX_STEP,
            secretNames: MX_SECRETS,
            dirs: mxDirs(),
            files: mxFiles(plan),
            script: stepScript("linux", "mx/relay-step.sh", mxStepData(plan)),
            after: args.after,
        });
        super("billu:mx:MxRelay", name, props, spec, opts);
    }
}
