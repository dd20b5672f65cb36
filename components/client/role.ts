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
import * as command from "@pulumi/command";
import type { ClientHost } from "../../model/client";
import { clientJoinStep, clientOuStep, CLIENT_REBOOT_MARK, renderClientRebootWait, windowsClientJoinStep, windowsClientRsopStep } from "./render";

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
        if (!server || !site.domainJoin) continue;
        if (client.flavor === "windows") {
            joinWindowsClient(ctx, client, server, [...site.domainReady, ...(ctx.after.directory ?? []), ...(delegation ? [delegation.apply] : [])]);
            continue;
        }
        if (!server.base) continue;
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

/**
 * A Windows 11 client (flavor windows): `client-join` (DNS to the DCs, Add-Computer into its OU, a detached reboot),
 * a bounded wait from the Pulumi machine for that reboot, then `client-rsop` (gpupdate, the computer's RSoP as the
 * step's output). The join waits for the client's own readiness, the domain, the directory and the OU's delegation.
 */
function joinWindowsClient(ctx: SiteContext, client: ClientHost, server: BaseServer, domainAfter: readonly pulumi.Resource[]): void {
    const site = siteServer(ctx);
    const domain = ctx.model.domain!;
    const connection = connectionTo(site, ctx.model.host(client.name), server.vm.vm);
    const name = client.name.toLowerCase();
    const join = new GuestStep(
        `${name}-client-join`,
        {
            host: client.name,
            step: "client-join",
            os: "windows",
            connection,
            renderDir: site.renderDir,
            after: [...server.ready, ...domainAfter],
            ...windowsClientJoinStep(domain, client),
            secretValues: { [DOMAIN_JOIN_SECRET]: site.domainJoin!.password },
        },
        { parent: server },
    );
    // The join's reboot is detached; wait from outside for the SSH port to drop and come back (bounded), so the
    // next step never lands in the session the reboot kills.
    const rebootWait = new command.local.Command(
        `${name}-reboot-wait`,
        {
            create: renderClientRebootWait(client),
            interpreter: ["/bin/bash", "-c"],
            environment: { BILLU_REBOOT: join.apply.stdout.apply((s) => (s.includes(CLIENT_REBOOT_MARK) ? "1" : "0")) },
            triggers: [join.hash],
        },
        { parent: server, dependsOn: [join.apply] },
    );
    new GuestStep(
        `${name}-client-rsop`,
        {
            host: client.name,
            step: "client-rsop",
            os: "windows",
            connection,
            renderDir: site.renderDir,
            after: [rebootWait],
            ...windowsClientRsopStep(domain, client),
        },
        { parent: server },
    );
}
