import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { TelephonyPlan } from "../../model/telephony";
import { CertifiedServerComponent, ServiceServerArgs } from "../base-server/certified-server";
import { deriveSipSecret, deriveVoicemailPin } from "./extension-secrets";
import { PBX_SECRETS, pbxDirs, pbxFiles, pbxStepScript, sipSecretName, voicemailPinName } from "./render";

/** The PBX's args: the site and its CA, the server's host, the validated plan (model/telephony.ts `planTelephony`), what its step waits for. */
export type PbxServerArgs = ServiceServerArgs<TelephonyPlan>;

/**
 * The PBX: its Debian VM and base step (BaseServer, under the same name), a server certificate from the site CA for
 * its FQDN and address (SIP over TLS, the admin and provisioning sites), one generated master key (@pulumi/random,
 * `<name>-extension-key`) from which each extension's SIP secret and voicemail PIN are derived (./extension-secrets.ts),
 * delivered only through the step's secret channel, and the `pbx` step: FreePBX 17
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
            // One master key per PBX, every extension's secrets derived from it (./extension-secrets.ts, issue #24): the
            // engine keeps one resource, not two per person. The derived values travel as before, on the step's stdin.
            const key = new random.RandomPassword(`${name}-extension-key`, { length: 64, special: false }, { parent: self }).result;
            const derived = key.apply((k) => {
                const all: Record<string, string> = {};
                for (const e of plan.extensions) {
                    all[sipSecretName(e.number)] = deriveSipSecret(k, e.number, e.sam);
                    all[voicemailPinName(e.number)] = deriveVoicemailPin(k, e.number, e.sam);
                }
                return all;
            });
            // One Output for all of them (GuestStep's secretMap), not one per secret: 10,000 Outputs for 5,000 extensions
            // held 235 MiB until the step registered.
            const moreSecretMap = {
                names: plan.extensions.flatMap((e) => [sipSecretName(e.number), voicemailPinName(e.number)]),
                values: pulumi.secret(derived),
            };
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
                moreSecretMap,
                after: args.after,
            };
        };
        super("billu:telephony:PbxServer", name, props, spec, opts);
    }
}
