/**
 * The directory's side of the mail service: step `mail-directory` on the first DC keeps the mail server's LDAP
 * service account (created with the generated password; the password follows the secret, checked by a bind) and
 * the mail aliases as `proxyAddresses` (`smtp:<alias>`) of the accounts and groups they name. Every `smtp:`
 * address of the mail domain on any object is this step's: one no longer configured is removed. The logic is in
 * scripts/directory/mail-directory.sh (samba: reads with ldbsearch, writes only what differs) and .ps1 (windows:
 * the ActiveDirectory module). No Pulumi here.
 */
import { DomainModel } from "../../model/domain";
import { MailPlan } from "../../model/mail";
import { StepSpec, stepScript } from "../guest-step/render";
import { MAIL_LDAP_SECRET } from "../contracts";

/** Where the step puts the aliases it keeps (`<address> TAB <sAMAccountName of the account or group>`). */
export const MAIL_DIRECTORY_PATHS = {
    samba: { aliases: "/etc/billu/mail/aliases.tsv" },
    windows: { aliases: "C:/ProgramData/billu/mail/aliases.tsv" },
} as const;

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
    return {
        files: [{ path: aliases, content: renderAliasesTsv(plan) }],
        script:
            domain.flavor === "samba"
                ? stepScript("linux", "directory/mail-directory.sh", data)
                : stepScript("windows", "directory/mail-directory.ps1", { ...data, ALIASES: aliases }),
        secrets: [MAIL_LDAP_SECRET],
    };
}
