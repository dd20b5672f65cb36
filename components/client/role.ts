/**
 * The client role (issue #23): each host of role `client` is a BaseServer VM (no SSSD join) with the `client-join`
 * step (components/client/render.ts), after the domain is up. Its readiness is the join.
 */
import type * as pulumi from "@pulumi/pulumi";
import { clientService } from "../../model/services/client";
import { planOf } from "../../model/services/types";
import { BaseServer } from "../base-server/BaseServer";
import { connectionTo, siteServer } from "../context";
import type { RoleBuilder } from "../contracts";
import { DOMAIN_JOIN_SECRET } from "../contracts";
import { GuestStep } from "../guest-step/GuestStep";
import { clientJoinStep } from "./render";

export const buildClients: RoleBuilder = (ctx, hosts, parent) => {
    const plan = planOf(clientService, ctx.model);
    const site = siteServer(ctx);
    const ready: pulumi.Resource[] = [];
    const vms = new Map<string, pulumi.Resource>();
    for (const host of hosts) {
        const name = host.name.toLowerCase();
        // The winbind join owns the machine account: an SSSD join beside it would fight over its password.
        const server = new BaseServer(name, { ...site, host, sssdJoin: false }, { parent });
        vms.set(host.name, server.vm.vm);
        const client = plan?.clients.find((c) => c.name === host.name);
        const domain = ctx.model.domain;
        if (!plan || !client || !domain || !site.domainJoin || !server.base) {
            ready.push(...server.ready);
            continue;
        }
        const step = new GuestStep(
            `${name}-client-join`,
            {
                host: host.name,
                step: "client-join",
                os: "linux",
                connection: connectionTo(site, host, server.vm.vm),
                renderDir: site.renderDir,
                after: [...server.ready, ...site.domainReady],
                ...clientJoinStep(domain, plan, client),
                secretValues: { [DOMAIN_JOIN_SECRET]: site.domainJoin.password },
            },
            { parent: server },
        );
        ready.push(step.apply);
    }
    return { ready, vms };
};
