import type * as pulumi from "@pulumi/pulumi";
import { gpoService } from "../../model/services/gpo";
import { planOf } from "../../model/services/types";
import { builtVm, guestAccess, SiteContext } from "../context";
import type { DocSections } from "../contracts";
import { GroupPolicy } from "./GroupPolicy";

/** The site's GPOs, once the domain and the directory are applied; their docs section. */
export function buildGpo(ctx: SiteContext, parent: pulumi.Resource): DocSections | undefined {
    const plan = planOf(gpoService, ctx.model);
    if (!plan) return undefined;
    // The GPOs are applied on the plan's DC (the PDC emulator), whose VM the dc role built (Samba or Windows).
    const dc = ctx.model.host(plan.dc);
    if (!dc) throw new Error(`internal: the GPO plan's DC ${plan.dc} is not a host of the model`);
    new GroupPolicy(
        `${ctx.model.site.code.toLowerCase()}-gpo`,
        {
            ...guestAccess(ctx),
            plan,
            dc: { host: dc, vm: builtVm(ctx, dc.name) },
            after: [...ctx.after.domain, ...(ctx.after.directory ?? [])],
        },
        { parent },
    );
    return {
        "Group Policy": {
            columns: ["GPO", "kind", "links (order)", "applies to"],
            rows: plan.gpos.map((g) => [
                g.name,
                g.kind,
                g.links.map((l) => `${l.ou} (${l.order}${l.enforced ? ", enforced" : ""})`).join("; "),
                g.applyTo.join(", "),
            ]),
        },
    };
}
