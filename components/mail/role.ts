import { DomainModel, domainOf } from "../../model/domain";
import { MailPlan } from "../../model/mail";
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

/** The mail role: the site's one MailServer (validated by model/mail.ts), and its docs sections. */
export const mailBuilder =
    (inputs: MailRoleInputs): RoleBuilder =>
    (ctx, hosts, parent) => {
        const plan = ctx.model.mail;
        if (!plan) throw new Error("the site has no billu:mail");
        const directoryStep = inputs.directoryStep(plan, domainOf(ctx.model));
        const servers = hosts.map((host) => ({ host: host.name, server: new MailServer(host.name.toLowerCase(), { ctx, host, directoryStep }, { parent }) }));
        return {
            ready: servers.map((s) => s.server.mail.apply),
            vms: new Map(servers.map((s) => [s.host, s.server.server.vm.vm])),
            docs: mailDocs(plan),
        };
    };
