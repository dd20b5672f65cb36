import * as pulumi from "@pulumi/pulumi";
import type { DocSections, RoleBuilder } from "../contracts";
import { BaseServer } from "../base-server/BaseServer";
import { guestAccess, siteServer } from "../context";
import { webDocsSections } from "./render";
import { WebDmz } from "./WebDmz";

/**
 * The web role: the host billu:web names becomes a WebDmz (Apache, both sites, their certificates) and documents
 * its sites; any other web host is a BaseServer. The only reader of the site context here: the WebDmz gets what it uses.
 */
export const buildWeb: RoleBuilder = (ctx, hosts, parent) => {
    const ready: pulumi.Resource[] = [];
    const vms = new Map<string, pulumi.Resource>();
    let docs: DocSections | undefined;
    const web = ctx.model.web;
    for (const host of hosts) {
        const name = host.name.toLowerCase();
        if (web && host.name === web.host) {
            const { model } = ctx;
            const partnerNetworks = model.firewall?.vpnPartner?.networks.map((c) => c.text) ?? [];
            const dmz = new WebDmz(
                name,
                {
                    ...guestAccess(ctx),
                    host,
                    web,
                    site: model.site,
                    internalNetworks: [...model.zones.filter((z) => z.kind !== "wan" && z.kind !== "dmz").map((z) => z.cidr.text), ...partnerNetworks],
                    baseServer: siteServer(ctx),
                    ca: ctx.ca,
                },
                { parent },
            );
            ready.push(dmz.step.apply);
            vms.set(host.name, dmz.server.vm.vm);
            docs = webDocsSections(web, dmz.certDocs);
        } else {
            const server = new BaseServer(name, { ...siteServer(ctx), host }, { parent });
            ready.push(...server.ready);
            vms.set(host.name, server.vm.vm);
        }
    }
    return { ready, vms, docs };
};
