import * as pulumi from "@pulumi/pulumi";
import type { RoleBuilder } from "../contracts";
import { BaseServer } from "../base-server/BaseServer";
import { webDocsSections } from "./render";
import { WebDmz } from "./WebDmz";

/**
 * The web role: the host billu:web names becomes a WebDmz (Apache, both sites, their certificates) and documents
 * its sites; any other web host is a BaseServer.
 */
export const buildWeb: RoleBuilder = (ctx, hosts, parent, docs) => {
    const ready: pulumi.Resource[] = [];
    const web = ctx.model.web;
    for (const host of hosts) {
        const name = host.name.toLowerCase();
        if (web && host.name === web.host) {
            const dmz = new WebDmz(name, { ctx, host, web }, { parent });
            ready.push(dmz.step.apply);
            Object.assign(docs.sections, webDocsSections(web, dmz.certDocs));
        } else {
            ready.push(...new BaseServer(name, { ctx, host }, { parent }).ready);
        }
    }
    return { ready };
};
