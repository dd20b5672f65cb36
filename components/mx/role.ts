import * as pulumi from "@pulumi/pulumi";
import { mxService } from "../../model/services/mx";
import { planOf } from "../../model/services/types";
import { buildServerRole } from "../base-server/server-role";
import { siteServer } from "../context";
import type { RoleBuilder } from "../contracts";
import { MxRelay } from "./MxRelay";
import { mxDocs, renderPublicDns } from "./render";

/** The mx role: the plan's relay becomes an MxRelay; any other host of role mx is a BaseServer (the model refuses a second one). */
export const buildMx: RoleBuilder = (ctx, hosts, parent) => {
    const plan = planOf(mxService, ctx.model);
    const site = siteServer(ctx);
    const built = buildServerRole(
        site,
        hosts,
        parent,
        plan && { host: plan.host.name, make: (name, host) => new MxRelay(name, { site, ca: ctx.ca, host, plan }, { parent }) },
    );
    // What the public DNS must hold (the MX and the relay's A record): a docs section and the stack output mxPublicDns.
    return plan ? { ...built, docs: mxDocs(plan), outputs: { mxPublicDns: pulumi.output(renderPublicDns(plan)) } } : built;
};
