/**
 * The client role (issue #23): each host of role `client` is a BaseServer VM (no SSSD join), built with the roles;
 * once the directory is applied (the site-wide pass, components/registry.ts `site`), the first DC's `client-ou` step
 * delegates computer creation in the clients' OUs to the join account, then each client's `client-join` step
 * (components/client/render.ts) makes its computer account there. The join waits for the directory because the OUs
 * are the directory step's, which the site builds after every role.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { SiteModel } from "../../model/site";
import { clientService } from "../../model/services/client";
import { planOf } from "../../model/services/types";
import { BaseServer } from "../base-server/BaseServer";
import { builtVm, connectionTo, SiteContext, siteServer } from "../context";
import type { DocSections, RoleBuilder } from "../contracts";
import { DOMAIN_JOIN_SECRET } from "../contracts";
import { GuestStep } from "../guest-step/GuestStep";
import { clientJoinStep, clientOuStep } from "./render";

/** The clients' BaseServers the role built, by model, for the site-wide pass that joins them (one site, one model). */
const built = new WeakMap<SiteModel, ReadonlyMap<string, BaseServer>>();

export const buildClients: RoleBuilder = (ctx, hosts, parent) => {
    const site = siteServer(ctx);
    const servers = new Map<string, BaseServer>();
    for (const host of hosts) {
        // The winbind join owns the machine account: an SSSD join beside it would fight over its password.
        servers.set(host.name, new BaseServer(host.name.toLowerCase(), { ...site, host, sssdJoin: false }, { parent }));
    }
    built.set(ctx.model, servers);
    return { ready: [...servers.values()].flatMap((s) => s.ready), vms: new Map([...servers].map(([n, s]) => [n, s.vm.vm])) };
};

/** After the directory: the `client-ou` step on the first DC, then each client's `client-join`; the clients' docs section. */
export function joinClients(ctx: SiteContext, parent: pulumi.Resource): DocSections | undefined {
    const plan = planOf(clientService, ctx.model);
    const domain = ctx.model.domain;
    const servers = built.get(ctx.model);
    if (!plan || !domain || !servers) return undefined;
    const site = siteServer(ctx);
    const dc1 = ctx.model.host(domain.dcs[0].name);
    const ouSpec = clientOuStep(domain, plan);
    const delegation =
        ouSpec &&
        new GuestStep(
            `${ctx.model.site.code.toLowerCase()}-client-ou`,
            {
                host: dc1.name,
                step: "client-ou",
                os: domain.flavor === "samba" ? "linux" : "windows",
                connection: connectionTo(site, dc1, builtVm(ctx, dc1.name)),
                renderDir: site.renderDir,
                after: [...site.domainReady, ...(ctx.after.directory ?? [])],
                ...ouSpec,
            },
            { parent },
        );
    for (const client of plan.clients) {
        const server = servers.get(client.name);
        if (!server || !site.domainJoin || !server.base) continue;
        new GuestStep(
            `${client.name.toLowerCase()}-client-join`,
            {
                host: client.name,
                step: "client-join",
                os: "linux",
                connection: connectionTo(site, ctx.model.host(client.name), server.vm.vm),
                renderDir: site.renderDir,
                after: [...server.ready, ...site.domainReady, ...(ctx.after.directory ?? []), ...(delegation ? [delegation.apply] : [])],
                ...clientJoinStep(domain, plan, client),
                secretValues: { [DOMAIN_JOIN_SECRET]: site.domainJoin.password },
            },
            { parent: server },
        );
    }
    return {
        "Client workstations": {
            columns: ["client", "zone", "address", "computer OU", "idmap (domain)", "idmap (other)"],
            rows: plan.clients.map((c) => [
                c.name,
                c.zone,
                c.address,
                c.ou,
                `${plan.idmap.domain.low}-${plan.idmap.domain.high}`,
                `${plan.idmap.other.low}-${plan.idmap.other.high}`,
            ]),
        },
    };
}
