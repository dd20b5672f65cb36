import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { TelephonyPlan } from "../../model/telephony";
import { CertifiedServerComponent, ServiceServerArgs } from "../base-server/certified-server";
import { PBX_SECRETS, pbxDirs, pbxFiles, pbxStepScript, sipSecretName, voicemailPinName } from "./render";

/** The PBX's args: the site and its CA, the server's host, the validated plan (model/telephony.ts `planTelephony`), what its step waits for. */
export type PbxServerArgs = ServiceServerArgs<TelephonyPlan>;

/**
 * The PBX: its Debian VM and base step (BaseServer, under the same name), a server certificate from the site CA for
 * its FQDN and address (SIP over TLS, the admin and provisioning sites), one generated SIP secret and voicemail PIN
 * per extension (@pulumi/random, delivered only through the step's secret channel), and the `pbx` step: FreePBX 17
 * from its pinned installer, the extensions through the Bulk Handler, ring groups, the reception, `fwconsole reload`.
 */
export class PbxServer extends CertifiedServerComponent {
    constructor(name: string, args: PbxServerArgs, opts?: pulumi.ComponentResourceOptions) {
        const { plan } = args;
        const props = {
            host: plan.host.name,
            fqdn: plan.fqdn,
            address: plan.host.address,
            extensions: plan.extensions.length,
            ringGroups: plan.ringGroups.map((g) => g.number),
            rtpPorts: `${plan.rtp.min}-${plan.rtp.max}`,
        };
        const spec = (self: pulumi.Resource) => {
            const moreSecrets: Record<string, pulumi.Input<string>> = {};
            for (const e of plan.extensions) {
                // Letters and digits only: a SIP secret travels in a CSV field and a digest; a PIN is what a phone keypad types.
                moreSecrets[sipSecretName(e.number)] = new random.RandomPassword(
                    `${name}-sip-${e.number}`,
                    { length: 32, special: false },
                    { parent: self },
                ).result;
                moreSecrets[voicemailPinName(e.number)] = new random.RandomPassword(
                    `${name}-vm-${e.number}`,
                    { length: 6, upper: false, lower: false, special: false, numeric: true },
                    { parent: self },
                ).result;
            }
            return {
                site: args.site,
                ca: args.ca,
                host: args.host,
                certName: "pbx",
                certificate: plan.certificate,
                step: "pbx",
                secretNames: PBX_SECRETS,
                dirs: pbxDirs(),
                files: pbxFiles(plan),
                script: pbxStepScript(plan),
                moreSecrets,
                after: args.after,
            };
        };
        super("billu:telephony:PbxServer", name, props, spec, opts);
    }
}
