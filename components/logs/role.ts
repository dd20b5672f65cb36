import * as pulumi from "@pulumi/pulumi";
import type { LogsPlan } from "../../model/logs";
import { logsService } from "../../model/services/logs";
import { planOf } from "../../model/services/types";
import type { EveryHostRenderer } from "../base-server/every-host";
import { buildServerRole } from "../base-server/server-role";
import { SiteContext, siteServer } from "../context";
import type { RoleBuilder } from "../contracts";
import { LogClientStep, LogCollector, logClientStep } from "./LogCollector";

/** The logs role: the plan's collector becomes a LogCollector; any other host of role logs is a BaseServer. */
export const buildLogs: RoleBuilder = (ctx, hosts, parent) => {
    const plan = planOf(logsService, ctx.model);
    const site = siteServer(ctx);
    return buildServerRole(
        site,
        hosts,
        parent,
        plan && { host: plan.host.name, make: (name, host) => new LogCollector(name, { site, ca: ctx.ca, host, plan }, { parent }) },
    );
};

/**
 * Every forwarding host's client certificate from the site CA, made once before the hosts are built (their base
 * steps carry the forwarding configuration and the certificate), by host name.
 */
export function logShipperResources(ctx: SiteContext, parent: pulumi.Resource): ReadonlyMap<string, LogClientStep> {
    const plan = planOf(logsService, ctx.model);
    const out = new Map<string, LogClientStep>();
    for (const c of plan?.clients ?? []) {
        const step = logClientStep(ctx.ca, plan as LogsPlan, c.name, { parent });
        if (step) out.set(c.name, step);
    }
    return out;
}

/** The log shipper in a host's base step: rsyslog forwarding over TLS with the host's client certificate. */
export const renderLogShipper: EveryHostRenderer = (_model, host, resources) => {
    const step = (resources as ReadonlyMap<string, LogClientStep> | undefined)?.get(host.name);
    if (!step) return { unsupported: "billu:logs plans no forwarding for this host (a Windows host, or one left out by billu:logs.forward)" };
    return { files: step.files, dirs: step.dirs, script: step.script, secrets: step.secrets };
};
