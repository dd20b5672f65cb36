import type { RoleBuilder } from "../contracts";
import { MailServer } from "./MailServer";
import { mailDocs } from "./docs";

/** The mail role: the site's one MailServer (validated by model/mail.ts), and its docs sections. */
export const buildMail: RoleBuilder = (ctx, hosts, parent) => {
    const servers = hosts.map((host) => ({ host: host.name, server: new MailServer(host.name.toLowerCase(), { ctx, host }, { parent }) }));
    return {
        ready: servers.map((s) => s.server.mail.apply),
        vms: new Map(servers.map((s) => [s.host, s.server.server.vm.vm])),
        docs: ctx.model.mail ? mailDocs(ctx.model.mail) : undefined,
    };
};
