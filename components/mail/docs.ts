/** The mail server's docs sections, from the mail plan. */
import { MailPlan } from "../../model/mail";
import { port } from "./common";

/** The docs sections: the service, the client settings, the DNS records. */
export function mailDocs(plan: MailPlan): Record<string, { columns: string[]; rows: (string | number)[][] }> {
    return {
        Mail: {
            columns: ["what", "value"],
            rows: [
                ["mail domain", plan.domain],
                ["server", `${plan.host.name} (${plan.hostname}), ${plan.host.address}, zone ${plan.host.zone}`],
                ["addresses", "every AD account's mail attribute (directory plan: prenom.nom@domain); aliases as proxyAddresses"],
                ["aliases", plan.aliases.map((a) => `${a.address} -> ${a.to}`).join(", ") || "-"],
                ["logon", "mail address (or account name) and AD password; disabled accounts and passwords to change are refused"],
                ["lookups", `${plan.ldap.uris.join(", ")} as ${plan.ldap.bindDn} (generated password), base ${plan.ldap.baseDn}`],
                ["certificate", `site CA: ${plan.certificate.dnsNames.join(", ")}, ${plan.certificate.ipAddresses.join(", ")}`],
                ["largest message", `${plan.messageSizeBytes / 1024 / 1024} MiB`],
                ["mailbox quota", `${plan.quotaMiB} MiB`],
                ["spam filter", `rspamd (milter): header from score ${plan.spam.addHeaderScore}, refused from ${plan.spam.rejectScore}`],
                [
                    "DKIM",
                    `rspamd signs mail sent with a logon: d=${plan.domain}, s=${plan.dkim.selector}, a generated RSA 2048 key (the record: stack output mailDkimRecord, published at ${plan.dkim.recordName})`,
                ],
                ["SPF, DMARC", `${plan.txt[0].value}; ${plan.txt[1].value} (billu:mail.dmarc)`],
            ],
        },
        "Mail client settings": {
            columns: ["protocol", "host", "port", "security", "authentication"],
            rows: [
                ["IMAP (incoming)", plan.hostname, port("imaps"), "SSL/TLS (IMAPS)", "normal password: mail address and AD password"],
                ["SMTP (outgoing)", plan.hostname, port("submission"), "STARTTLS (required)", "normal password: mail address and AD password"],
                ["SMTP between servers", plan.hostname, port("smtp"), "STARTTLS offered", "none (only mail for the domain is accepted)"],
                ...(plan.webmail
                    ? [
                          [
                              "webmail (browser)",
                              plan.webmail.url,
                              port("https"),
                              "HTTPS (site CA), department networks only",
                              "mail address (or account name) and AD password",
                          ],
                      ]
                    : []),
            ],
        },
        "Mail DNS records": {
            columns: ["zone", "name", "type", "value", "where"],
            rows: plan.dns.map((r) => [
                r.zone,
                r.name,
                r.type,
                r.value,
                !r.managed
                    ? "public DNS: publish at the provider"
                    : r.type === "TXT"
                      ? "AD DNS (applied by the mail-directory step)"
                      : "AD DNS (applied by the DC step)",
            ]),
        },
    };
}
