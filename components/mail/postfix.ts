/**
 * Postfix's files on the mail host: main.cf, master.cf (with the submission service), the LDAP lookup tables
 * (ldap_table(5)), and the check a candidate main.cf or master.cf must pass before it is installed. From the mail
 * plan (model/mail.ts); no Pulumi here.
 *
 * References: Postfix ldap_table(5), postconf(5), SASL_README ("Dovecot SASL"), VIRTUAL_README.
 */
import { MailPlan } from "../../model/mail";
import { placeholder, stageRoot } from "../guest-step/render";
import { ENABLED_PERSON, MAIL_PATHS, MAIL_SECRET, port, RSPAMD_MILTER } from "./common";
import { generatedHeader } from "../header";
import { internalServices, masterLine, smtpListener } from "../postfix-master";

export function renderMainCf(plan: MailPlan): string {
    return [
        generatedHeader("#", { host: plan.host.name, what: `mail for ${plan.domain}.`, note: "Do not edit: change billu:mail." }),
        "compatibility_level = 3.6",
        `myhostname = ${plan.hostname}`,
        `mydomain = ${plan.domain}`,
        "myorigin = $mydomain",
        "# Nothing is delivered locally: every mailbox is an AD account, delivered by Dovecot (LMTP).",
        "mydestination =",
        "local_transport = error:local delivery is disabled",
        "local_recipient_maps =",
        "alias_maps =",
        "alias_database =",
        "# Only the server itself may relay without authenticating: clients of every zone submit on 587 with a login.",
        "mynetworks = 127.0.0.0/8",
        "inet_interfaces = all",
        "inet_protocols = ipv4",
        "biff = no",
        "append_dot_mydomain = no",
        "smtputf8_enable = no",
        `message_size_limit = ${plan.messageSizeBytes}`,
        "mailbox_size_limit = 0",
        "recipient_delimiter = +",
        "",
        "# Recipients, aliases and group aliases from AD over LDAPS (ldap_table(5)); Dovecot stores the mail.",
        `virtual_mailbox_domains = ${plan.domain}`,
        `virtual_mailbox_maps = proxy:ldap:${MAIL_PATHS.ldapDir}/mailboxes.cf`,
        `virtual_alias_maps = proxy:ldap:${MAIL_PATHS.ldapDir}/aliases.cf, proxy:ldap:${MAIL_PATHS.ldapDir}/groups.cf`,
        "virtual_transport = lmtp:unix:private/dovecot-lmtp",
        `smtpd_sender_login_maps = proxy:ldap:${MAIL_PATHS.ldapDir}/senders.cf`,
        "",
        "# Authentication through Dovecot (SASL_README), offered only on submission and only under TLS.",
        "smtpd_sasl_type = dovecot",
        "smtpd_sasl_path = private/auth",
        "smtpd_sasl_auth_enable = no",
        "smtpd_tls_auth_only = yes",
        "broken_sasl_auth_clients = no",
        "",
        "# TLS with the site CA's certificate.",
        `smtpd_tls_chain_files = ${MAIL_PATHS.key}, ${MAIL_PATHS.cert}`,
        "smtpd_tls_security_level = may",
        "smtpd_tls_protocols = >=TLSv1.2",
        "smtpd_tls_mandatory_protocols = >=TLSv1.2",
        "smtpd_tls_loglevel = 1",
        "smtpd_tls_received_header = yes",
        "smtp_tls_security_level = may",
        `smtp_tls_CAfile = ${MAIL_PATHS.ca}`,
        "smtp_tls_protocols = >=TLSv1.2",
        "smtp_tls_loglevel = 1",
        "",
        "# No open relay: without a login, mail is accepted only for our own domain and our own users.",
        "smtpd_helo_required = yes",
        "disable_vrfy_command = yes",
        "smtpd_helo_restrictions = reject_invalid_helo_hostname",
        "smtpd_sender_restrictions = reject_non_fqdn_sender",
        "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination",
        "smtpd_recipient_restrictions = reject_non_fqdn_recipient, reject_unlisted_recipient",
        "",
        "# Every message passes rspamd (milter); while it is down, mail is deferred, never accepted unscanned.",
        `smtpd_milters = inet:${RSPAMD_MILTER}`,
        "non_smtpd_milters = $smtpd_milters",
        "milter_protocol = 6",
        "milter_default_action = tempfail",
        "milter_mail_macros = i {mail_addr} {client_addr} {client_name} {auth_authen}",
        "",
    ].join("\n");
}

/**
 * master.cf: Debian's services, not chrooted (the LDAP tables and Dovecot's sockets need no copy inside a jail),
 * and the submission service: TLS required, a login required, and the sender must be one of the login's addresses.
 */
export function renderMasterCf(plan: MailPlan): string {
    const svc = masterLine;
    return [
        generatedHeader("#", { host: plan.host.name, what: "Postfix services (master(5)).", note: "Do not edit: change billu:mail." }),
        ...smtpListener(),
        svc(String(port("submission")), "inet", "n", "-", "n", "-", "-", "smtpd"),
        "  -o syslog_name=postfix/submission",
        "  -o smtpd_tls_security_level=encrypt",
        "  -o smtpd_sasl_auth_enable=yes",
        "  -o smtpd_tls_auth_only=yes",
        "  -o smtpd_client_restrictions=permit_sasl_authenticated,reject",
        "  -o smtpd_sender_restrictions=reject_non_fqdn_sender,reject_sender_login_mismatch",
        "  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject",
        "  -o smtpd_recipient_restrictions=reject_non_fqdn_recipient",
        "  -o milter_macro_daemon_name=ORIGINATING",
        ...internalServices({ proxywrite: true, lmtp: true }),
        "",
    ].join("\n");
}

/**
 * What each LDAP table looks up (its query filter) and what it returns (its result attribute lines), one entry per
 * table: a new table is one line here.
 */
const TABLE_QUERIES = {
    mailboxes: { filter: `(&${ENABLED_PERSON}(mail=%s))`, result: ["result_attribute = mail"] },
    aliases: { filter: `(&${ENABLED_PERSON}(proxyAddresses=smtp:%s))`, result: ["result_attribute = mail"] },
    groups: { filter: "(&(objectClass=group)(proxyAddresses=smtp:%s))", result: ["special_result_attribute = member", "leaf_result_attribute = mail"] },
    senders: { filter: `(&${ENABLED_PERSON}(|(mail=%s)(proxyAddresses=smtp:%s)))`, result: ["result_attribute = mail"] },
} as const satisfies Record<string, { filter: string; result: readonly string[] }>;

export type LdapTable = keyof typeof TABLE_QUERIES;
export const LDAP_TABLES = Object.keys(TABLE_QUERIES) as readonly LdapTable[];

/**
 * One Postfix LDAP table (ldap_table(5)), bound as the service account over LDAPS with the site CA verified:
 * - mailboxes: an enabled person whose `mail` is the address (virtual_mailbox_maps);
 * - aliases: an enabled person with the address among its `proxyAddresses` delivers to its `mail`;
 * - groups: a group with the address among its `proxyAddresses` delivers to every member's `mail`;
 * - senders: who may send as an address: the owner's `mail`, the login name Dovecot gives (smtpd_sender_login_maps).
 */
export function renderLdapTable(plan: MailPlan, table: LdapTable): string {
    const { filter, result } = TABLE_QUERIES[table];
    return [
        generatedHeader("#", { host: plan.host.name, what: `Postfix LDAP table "${table}" (ldap_table(5)).`, note: "Holds a secret: mode 0600." }),
        `server_host = ${plan.ldap.uris.join(" ")}`,
        "version = 3",
        "bind = yes",
        `bind_dn = ${plan.ldap.bindDn}`,
        `bind_pw = ${placeholder(MAIL_SECRET.ldap)}`,
        `tls_ca_cert_file = ${MAIL_PATHS.ca}`,
        "tls_require_cert = yes",
        `search_base = ${plan.ldap.baseDn}`,
        "scope = sub",
        "dereference = 0",
        `domain = ${plan.domain}`,
        `query_filter = ${filter}`,
        ...result,
        "",
    ].join("\n");
}

/** The staged copy of a file of a step (for checks that need a companion file the step installs). */
function staged(step: string, path: string): string {
    return `${stageRoot("linux")}/${step}/files${path}`;
}

/**
 * `postfix check` and `postconf -n` (which warns on unknown parameters and bad values) over a candidate main.cf or
 * master.cf, in a scratch config directory holding the candidate and the other staged file.
 */
export function postfixCheck(candidate: "main.cf" | "master.cf"): string {
    const other = candidate === "main.cf" ? "master.cf" : "main.cf";
    return [
        "d=$(mktemp -d)",
        `cp {} "$d/${candidate}"`,
        `cp ${staged("mail", `/etc/postfix/${other}`)} "$d/${other}"`,
        'postfix -c "$d" check 2>"$d/err"; rc=$?',
        'postconf -c "$d" -n >/dev/null 2>>"$d/err" || rc=1',
        'if [ -s "$d/err" ]; then cat "$d/err"; rc=1; fi',
        'rm -rf "$d"',
        'exit "$rc"',
    ].join("; ");
}
