import { DomainModel, domainOf } from "../../model/domain";
import { MailPlan } from "../../model/mail";
import { builtVm, guestAccess, siteServer } from "../context";
import type { RoleBuilder } from "../contracts";
import { StepSpec } from "../guest-step/render";
import { MailServer } from "./MailServer";
import { mailDocs } from "./docs";

/**
 * What the mail role takes from other components, as values: components/registry.ts passes them in, so the mail
 * component imports no other component's internals.
 */
export interface MailRoleInputs {
    /** The directory's renderer of its `mail-directory` step (components/directory/mail.ts), which the mail server runs on the first DC. */
    readonly directoryStep: (plan: MailPlan, domain: DomainModel) => StepSpec;
}

/**
 * The mail role: the site's one MailServer (validated by model/mail.ts), and its docs sections. The only reader of
 * the site context here: the server gets what it uses.
 */
export const mailBuilder =
    (inputs: MailRoleInputs): RoleBuilder =>
    (ctx, hosts, parent) => {
        const plan = ctx.model.mail;
        if (!plan) throw new Error("the site has no billu:mail");
        const domain = domainOf(ctx.model);
        const directoryStep = inputs.directoryStep(plan, domain);
        const dc1 = ctx.model.host(domain.dcs[0].name);
        const args = {
            ...guestAccess(ctx),
            plan,
            domain,
            firstDc: { host: dc1, vm: builtVm(ctx, dc1.name) },
            baseServer: siteServer(ctx),
            ca: ctx.ca,
            domainReady: ctx.after.domain,
            directoryStep,
            // The department zones, as the webmail flows (model/mail.ts requiredMailFlows).
            webmailNetworks: ctx.model.zones.filter((z) => z.kind === "department").map((z) => z.cidr.text),
            siteName: ctx.model.site.name,
        };
        const servers = hosts.map((host) => ({ host: host.name, server: new MailServer(host.name.toLowerCase(), { ...args, host }, { parent }) }));
        return {
            ready: servers.map((s) => (s.server.webmail ?? s.server.mail).apply),
            vms: new Map(servers.map((s) => [s.host, s.server.server.vm.vm])),
            docs: mailDocs(plan),
            // The DKIM record's value (`v=DKIM1; k=rsa; p=...`): public data the docs point at for the public DNS.
            outputs: Object.fromEntries(servers.map((s) => ["mailDkimRecord", s.server.dkimRecord])),
        };
    };
