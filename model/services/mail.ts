/** The mail server: Postfix, Dovecot and rspamd with AD logons (`billu:mail`), model/mail.ts. */
import type { DirectoryPlan } from "../directory";
import type { DomainModel } from "../domain";
import { MailConfig, MailPlan, mailSchema, planMail } from "../mail";
import { defineService, Requirement } from "./types";

/** The mail store the Dovecot step keeps the mailboxes in. */
export const MAIL_STORE = "/var/vmail";
/** Roundcube's data folder (its SQLite database), backed up. */
export const WEBMAIL_DATA = "/var/lib/roundcube/db";

export const mailService = defineService<MailConfig, MailPlan>({
    key: "mail",
    title: "mail",
    config: { mail: mailSchema.optional() },
    role: { code: "MAIL", startOrder: 4, stateful: true },
    after: ["dc", "directory"],
    plan: ({ config, core, plan, problems }) => {
        const directory = plan<DirectoryPlan>("directory");
        return planMail(
            {
                site: core.site,
                cfg: config,
                hosts: core.hosts,
                zones: core.zones,
                domain: plan<DomainModel>("dc"),
                wanAddress: core.wanZone?.routerAddress,
                directory: directory && {
                    mailDomain: directory.mailDomain,
                    // The people's mailboxes, and the acceptance account's (billu:directory.acceptance.mailbox) for the mail scenario.
                    accounts: [
                        ...directory.people.map((p) => ({ sam: p.sam, mail: p.mail, enabled: p.enabled })),
                        ...(directory.acceptance?.mail
                            ? [{ sam: directory.acceptance.sam, mail: directory.acceptance.mail, enabled: directory.acceptance.enabled }]
                            : []),
                    ],
                    groups: directory.groups.map((g) => g.sam),
                },
            },
            problems,
        );
    },
    requires: (mail): Requirement[] => [
        ...mail.flows.map((f) => ({ kind: "flow" as const, ...f })),
        ...mail.mx.map((record) => ({ kind: "dns" as const, record })),
        ...["smtp", "submission", "imaps"].map((service) => ({ kind: "listen" as const, host: mail.host.name, service, why: "Postfix and Dovecot" })),
        // Behind an inbound relay rspamd's milter also listens on the server's own address, for the relay (components/mail/rspamd.ts).
        ...(mail.relay
            ? [{ kind: "listen" as const, host: mail.host.name, service: "rspamd-milter", why: "rspamd's milter, which the inbound relay asks" }]
            : []),
        // The mailboxes (components/mail/common.ts MAIL_PATHS.mailboxes, pinned equal by __tests__/model/backup.test.ts).
        { kind: "backup", host: mail.host.name, dataClass: "mail", paths: [MAIL_STORE], why: "the mailboxes (Maildir under the mail store)" },
        ...(mail.webmail
            ? [
                  { kind: "listen" as const, host: mail.host.name, service: "https", why: "the webmail (Apache, Roundcube)" },
                  // Roundcube's SQLite database: users' settings, identities, address books (components/mail/webmail.ts pins the path).
                  {
                      kind: "backup" as const,
                      host: mail.host.name,
                      dataClass: "database" as const,
                      paths: [WEBMAIL_DATA],
                      why: "the webmail's database (Roundcube's settings and contacts)",
                  },
              ]
            : []),
    ],
});
