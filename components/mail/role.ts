import type { RoleBuilder } from "../contracts";
import { MailServer } from "./MailServer";
import { mailDocs } from "./docs";

/** The mail role: the site's one MailServer (validated by model/mail.ts), and its docs sections. */
export const buildMail: RoleBuilder = (ctx, hosts, parent, docs) => {
    const servers = hosts.map((host) => new MailServer(host.name.toLowerCase(), { ctx, host }, { parent }));
    if (ctx.model.mail) Object.assign(docs.sections, mailDocs(ctx.model.mail));
    return { ready: servers.map((s) => s.mail.apply) };
};
