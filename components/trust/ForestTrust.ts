/**
 * This domain's half of the forest trust with the partner (`billu:trust`, model/trust.ts): the trust password (at the
 * owner: generated here with @pulumi/random, exported as a secret by the stack; at the other side: read from the
 * owner's stack and passed in) and the `trust` step on the plan's DC, after the domain and the directory.
 *
 * The component's inputs carry the trust's settings (direction, selective authentication, SID filtering, grants) so
 * `pulumi preview` and the policy pack see what the DC will run.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { HostModel } from "../../model/site";
import type { TrustPlan } from "../../model/trust";
import { connectionTo, GuestAccessArgs } from "../context";
import { TRUST_TYPE } from "../contracts";
import { GuestStep } from "../guest-step/GuestStep";
import { TRUST_SECRET, trustStep } from "./render";

export interface ForestTrustArgs extends GuestAccessArgs {
    /** The plan (model/trust.ts). */
    readonly plan: TrustPlan;
    /** The DC the `trust` step runs on (the plan's `dc`) and its VM, built by the dc role. */
    readonly dc: { readonly host: HostModel; readonly vm: pulumi.Resource };
    /** What must be done first: the domain (and the directory step, when the site has one). */
    readonly after: readonly pulumi.Resource[];
    /**
     * The password read from the owner's stack (secret); required at the side that is not the owner, refused at the owner's.
     * @default none: at the owner the password is generated (`<name>-password`)
     */
    readonly peerPassword?: pulumi.Input<string>;
}

export class ForestTrust extends pulumi.ComponentResource {
    /** This side generated the password (and its stack exports it). */
    public readonly isOwner: boolean;
    /** The trust password (secret): generated here at the owner, the owner's otherwise. */
    public readonly password: pulumi.Output<string>;
    public readonly step: GuestStep;

    constructor(name: string, args: ForestTrustArgs, opts?: pulumi.ComponentResourceOptions) {
        const { plan } = args;
        const props = {
            partner: plan.partner.domain,
            direction: plan.direction,
            selectiveAuthentication: plan.selectiveAuthentication,
            sidFiltering: plan.sidFiltering,
            owner: plan.isOwner,
            passwordLength: plan.passwordLength ?? 0,
            dc: plan.dc.name,
            grants: plan.grants.map((g) => ({ group: g.group, member: g.member, service: g.service, hosts: g.hosts.map((h) => h.name) })),
        };
        super(TRUST_TYPE, name, props, opts);
        this.isOwner = plan.isOwner;
        if (plan.isOwner) {
            if (args.peerPassword !== undefined) throw new Error(`ForestTrust ${name}: [peerPassword] is set at the owner, which generates the password`);
            const pw = new random.RandomPassword(`${name}-password`, { length: plan.passwordLength!, special: false }, { parent: this });
            this.password = pulumi.secret(pw.result);
        } else {
            if (args.peerPassword === undefined) throw new Error(`ForestTrust ${name}: [peerPassword] is required at the side that is not the owner`);
            this.password = pulumi.secret(pulumi.output(args.peerPassword));
        }
        const spec = trustStep(plan);
        this.step = new GuestStep(
            `${name}-step`,
            {
                ...spec,
                host: args.dc.host.name,
                step: "trust",
                os: plan.local.flavor === "windows" ? "windows" : "linux",
                connection: connectionTo(args, args.dc.host, args.dc.vm),
                renderDir: args.renderDir,
                after: args.after,
                secretValues: { [TRUST_SECRET]: this.password },
            },
            { parent: this },
        );
        this.registerOutputs(props);
    }
}
