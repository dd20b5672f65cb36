import { ftpService } from "../../model/services/ftp";
import { planOf } from "../../model/services/types";
import { buildServerRole } from "../base-server/server-role";
import { siteServer } from "../context";
import type { RoleBuilder } from "../contracts";
import { FtpServer } from "./FtpServer";

/** The ftp role: the plan's server becomes an FtpServer; any other host of role ftp is a BaseServer. */
export const buildFtp: RoleBuilder = (ctx, hosts, parent) => {
    const plan = planOf(ftpService, ctx.model);
    const site = siteServer(ctx);
    return buildServerRole(
        site,
        hosts,
        parent,
        plan && { host: plan.host.name, make: (name, host) => new FtpServer(name, { site, ca: ctx.ca, host, plan }, { parent }) },
    );
};
