/**
 * The directory's side of the mail service: step `mail-directory` on the first DC keeps the mail server's LDAP
 * service account (created with the generated password; the password follows the secret, checked by a bind) and
 * the mail aliases as `proxyAddresses` (`smtp:<alias>`) of the accounts and groups they name, and, when AD DNS
 * serves the mail domain, its TXT records (SPF, DMARC, and DKIM with the generated key). Every `smtp:`
 * address of the mail domain on any object is this step's: one no longer configured is removed. The logic is in
 * scripts/directory/mail-directory.sh (samba: reads with ldbsearch, writes only what differs; the TXT records
 * through scripts/directory/billu-mail-dns.py) and .ps1 (windows: the ActiveDirectory and DnsServer modules). No Pulumi here.
 */
import { readFileSync } from "fs";
import { DomainModel } from "../../model/domain";
import { DKIM_KEY_TOKEN, MailPlan } from "../../model/mail";
import { placeholder, StepSpec, stepScript } from "../guest-step/render";
import { MAIL_DKIM_PUBLIC_SECRET, MAIL_LDAP_SECRET } from "../contracts";
import { repoPath } from "../paths";

/** Where the step puts the aliases it keeps (`<address> TAB <sAMAccountName of the account or group>`). */
export const MAIL_DIRECTORY_PATHS = {
    samba: { aliases: "/etc/billu/mail/aliases.tsv" },
    windows: { aliases: "C:/ProgramData/billu/mail/aliases.tsv" },
} as const;

/** Where the step puts the mail domain's TXT records (SPF, DMARC, DKIM) it keeps in AD DNS (served mail domains). */
export const MAIL_DNS_PATHS = {
    samba: { txt: "/etc/billu/mail/txt-records.tsv", helper: "/usr/local/sbin/billu-mail-dns" },
    windows: { txt: "C:/ProgramData/billu/mail/txt-records.tsv" },
} as const;

/**
 * The mail domain's TXT records for AD DNS, one `<zone> TAB <name> TAB <value>` line each (the name relative to the
 * zone, `@` its apex); the DKIM key is the step's `mail-dkim-public` placeholder, substituted in the guest from the
 * secret channel (the key is generated at apply time). Empty when AD DNS does not serve the mail domain (the docs
 * list the records to publish).
 */
export function renderMailTxtTsv(plan: MailPlan, domain: DomainModel): string {
    if (!plan.served) return "";
    return plan.txt.map((t) => `${domain.fqdn}\t${t.name}\t${t.value.replace(DKIM_KEY_TOKEN, placeholder(MAIL_DKIM_PUBLIC_SECRET))}\n`).join("");
}

/** The aliases the step keeps in AD: `<address> TAB <sAMAccountName of the account or group>`. */
export function renderAliasesTsv(plan: MailPlan): string {
    return plan.aliases.map((a) => `${a.address}\t${a.to}\n`).join("");
}

/** Step `mail-directory` on the first DC, for the domain's flavor. */
export function mailDirectoryStep(plan: MailPlan, domain: DomainModel): StepSpec {
    const data = {
        DOMAIN_DN: domain.dn,
        DC_FQDN: domain.dcs[0].fqdn,
        MAIL_DOMAIN: plan.domain,
        MAIL_HOST: plan.host.name,
        SERVICE_ACCOUNT: plan.ldap.serviceAccount,
        BIND_DN: plan.ldap.bindDn,
    };
    const aliases = MAIL_DIRECTORY_PATHS[domain.flavor].aliases;
    const txt = renderMailTxtTsv(plan, domain);
    const dns = MAIL_DNS_PATHS[domain.flavor];
    const dnsFiles =
        txt === ""
            ? []
            : domain.flavor === "samba"
              ? [
                    { path: MAIL_DNS_PATHS.samba.helper, content: readFileSync(repoPath("scripts", "directory", "billu-mail-dns.py"), "utf8"), mode: "0755" },
                    { path: dns.txt, content: txt },
                ]
              : [{ path: dns.txt, content: txt }];
    return {
        files: [{ path: aliases, content: renderAliasesTsv(plan) }, ...dnsFiles],
        script:
            domain.flavor === "samba"
                ? stepScript("linux", "directory/mail-directory.sh", { ...data, TXT_RECORDS: txt === "" ? "" : dns.txt })
                : stepScript("windows", "directory/mail-directory.ps1", { ...data, ALIASES: aliases, TXT_RECORDS: txt === "" ? "" : dns.txt }),
        secrets: [MAIL_LDAP_SECRET, ...(txt === "" ? [] : [MAIL_DKIM_PUBLIC_SECRET])],
    };
}
