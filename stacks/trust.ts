/**
 * The forest trust in the program: read the owner's password from the partner's stack at the side that is not the
 * owner (the StackReference of billu:vpn.peerStack), build the ForestTrust after the domain and the directory, add
 * its docs, and export the password (secret) at the owner.
 */
import * as pulumi from "@pulumi/pulumi";
import { trustService } from "../model/services/trust";
import { planOf } from "../model/services/types";
import { builtVm, guestAccess, SiteContext } from "../components/context";
import { ForestTrust } from "../components/trust/ForestTrust";
import { TRUST_PASSWORD_OUTPUT, trustDocsSections } from "../components/trust/render";
import { SiteDocs } from "./outputs";

export function buildTrust(name: string, ctx: SiteContext, docs: SiteDocs, parent: pulumi.Resource): ForestTrust | undefined {
    const plan = planOf(trustService, ctx.model);
    if (!plan) return undefined;
    const dc = ctx.model.host(plan.dc.name);
    if (!dc) throw new Error(`internal: the trust's DC ${plan.dc.name} is not a host of the model`);
    const peerPassword = plan.isOwner
        ? undefined
        : (new pulumi.StackReference(`trust-peer-${plan.partner.netbios.toLowerCase()}`, { name: plan.peerStack }, { parent }).requireOutput(
              TRUST_PASSWORD_OUTPUT,
          ) as pulumi.Output<string>);
    const trust = new ForestTrust(
        `${name}-trust-${plan.partner.netbios.toLowerCase()}`,
        {
            ...guestAccess(ctx),
            plan,
            dc: { host: dc, vm: builtVm(ctx, dc.name) },
            after: [...ctx.after.domain, ...(ctx.after.directory ?? [])],
            peerPassword,
        },
        { parent },
    );
    Object.assign(docs.sections, trustDocsSections(plan));
    return trust;
}

/** The stack output the partner's stack reads: the password, at the owner only. */
export function trustOutputs(trust: ForestTrust | undefined): Record<string, unknown> {
    return trust?.isOwner ? { [TRUST_PASSWORD_OUTPUT]: trust.password } : {};
}
