import * as pulumi from "@pulumi/pulumi";
import type { DocSections, RoleBuilder } from "../contracts";
import { BaseServer } from "../base-server/BaseServer";
import { webDocsSections } from "./render";
import { WebDmz } from "./WebDmz";

/**
 * The web role: the host billu:web names becomes a WebDmz (Apache, both sites, their certificates) and documents
 * its sites; any other web host is a BaseServer.
 */
export const buildWeb: RoleBuilder = (ctx, hosts, parent) => {
    const ready: pulumi.Resource[] = [];
    const vms = new Map<string, pulumi.Resource>();
    let docs: DocSections | undefined;
    const web = ctx.model.web;
    for (const host of hosts) {
        const name = host.name.toLowerCase();
        if (web && host.name === web.host) {
            const dmz = new WebDmz(name, { ctx, host, web }, { parent });
            ready.push(dmz.step.apply);
            vms.set(host.name, dmz.server.vm.vm);
            docs = webDocsSections(web, dmz.certDocs);
        } else {
            const server = new BaseServer(name, { ctx, host }, { parent });
            ready.push(...server.ready);
            vms.set(host.name, server.vm.vm);
        }
    }
    return { ready, vms, docs };
};
