/**
 * The mail host's guest steps: `mail-packages` (Debian's packages) and `mail` (TLS, Postfix, Dovecot, rspamd, each
 * file checked by its daemon before it replaces the installed one). The logic is in scripts/mail/; this module
 * gives it the files and the site's data. No Pulumi here.
 */
import { DomainModel } from "../../model/domain";
import { MailPlan } from "../../model/mail";
import { GuestDir, GuestFile, placeholder, StepSpec, stepScript } from "../guest-step/render";
import { MAIL_PATHS, MAIL_SECRET, RSPAMD_USER } from "./common";
import { dkimKeyPath } from "./dkim";
import { renderDovecotConf, renderDovecotLdap } from "./dovecot";
import { LDAP_TABLES, postfixCheck, renderLdapTable, renderMainCf, renderMasterCf } from "./postfix";
import { renderRspamd } from "./rspamd";

/**
 * Debian's packages, installed by scripts/mail/mail-packages.sh (which names them itself: postfix's debconf
 * question is answered first so the package writes no configuration).
 */
export function mailPackagesStep(): StepSpec {
    return { files: [], script: stepScript("linux", "mail/mail-packages.sh") };
}

/** Step `mail` of the mail host: TLS, Postfix, Dovecot, rspamd, each checked before it replaces the installed one. */
export function mailStep(plan: MailPlan, domain: DomainModel): StepSpec {
    const secretFile = { mode: "0600" };
    const tls: GuestFile[] = [
        { path: MAIL_PATHS.ca, content: placeholder(MAIL_SECRET.ca) },
        { path: MAIL_PATHS.cert, content: placeholder(MAIL_SECRET.cert) },
        { path: MAIL_PATHS.key, content: placeholder(MAIL_SECRET.key), ...secretFile },
    ];
    const rspamd = Object.entries(renderRspamd(plan, domain)).map(([f, content]) => ({ path: `${MAIL_PATHS.rspamd}/${f}`, content }));
    const ldapTables: GuestFile[] = LDAP_TABLES.map((t) => ({
        path: `${MAIL_PATHS.ldapDir}/${t}.cf`,
        content: renderLdapTable(plan, t),
        // Read by Postfix's proxymap, which runs as postfix.
        mode: "0600",
        owner: "postfix:postfix",
    }));
    const files: GuestFile[] = [
        ...tls,
        ...ldapTables,
        { path: MAIL_PATHS.masterCf, content: renderMasterCf(plan), check: postfixCheck("master.cf") },
        { path: MAIL_PATHS.mainCf, content: renderMainCf(plan), check: postfixCheck("main.cf") },
        { path: MAIL_PATHS.dovecotLdap, content: renderDovecotLdap(plan), ...secretFile },
        // doveconf parses the whole configuration (and reads the certificate and key the TLS files above installed).
        { path: MAIL_PATHS.dovecotConf, content: renderDovecotConf(plan), check: "doveconf -n -c {} >/dev/null" },
        // The DKIM key before rspamd's configuration that names it; readable by rspamd only.
        { path: dkimKeyPath(plan), content: placeholder(MAIL_SECRET.dkimKey), mode: "0600", owner: `${RSPAMD_USER}:${RSPAMD_USER}` },
        ...rspamd,
    ];
    const script = stepScript("linux", "mail/mail.sh", {
        LDAP_URI: plan.ldap.uris[0],
        BIND_DN: plan.ldap.bindDn,
        SERVICE_ACCOUNT: plan.ldap.serviceAccount,
        DKIM_KEY: dkimKeyPath(plan),
    });
    // The LDAP tables' folder is postfix's to read and nobody else's to list (the library's default is 0755, root's).
    // The DKIM keys' folder likewise: rspamd's.
    const dirs: GuestDir[] = [
        { path: MAIL_PATHS.ldapDir, mode: "0750", owner: "root:postfix" },
        { path: MAIL_PATHS.dkimDir, mode: "0750", owner: `root:${RSPAMD_USER}` },
    ];
    return { files, dirs, script, secrets: [MAIL_SECRET.ldap, MAIL_SECRET.cert, MAIL_SECRET.key, MAIL_SECRET.ca, MAIL_SECRET.dkimKey] };
}
