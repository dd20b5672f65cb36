import { telephonyService } from "../../model/services/telephony";
import { planOf } from "../../model/services/types";
import { buildServerRole } from "../base-server/server-role";
import { siteServer } from "../context";
import type { RoleBuilder } from "../contracts";
import { PbxServer } from "./PbxServer";
import { pbxDocs } from "./render";

/** The pbx role: the plan's server becomes a PbxServer; any other host of role pbx is a BaseServer. */
export const buildPbx: RoleBuilder = (ctx, hosts, parent) => {
    const plan = planOf(telephonyService, ctx.model);
    const site = siteServer(ctx);
    const built = buildServerRole(
        site,
        hosts,
        parent,
        plan && { host: plan.host.name, make: (name, host) => new PbxServer(name, { site, ca: ctx.ca, host, plan }, { parent }) },
    );
    return plan ? { ...built, docs: pbxDocs(plan) } : built;
};
