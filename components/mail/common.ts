/**
 * What the mail server's renderers share: the secrets' names, the paths in the guest, the mailbox owner, the
 * catalogue's ports, and AD's filter for an enabled person. Pure: no Pulumi here.
 */
import { SERVICES } from "../../model/ports";
import { RSPAMD_MILTER_PORT } from "../../model/mx";
import { MAIL_DKIM_PUBLIC_SECRET, MAIL_LDAP_SECRET } from "../contracts";

/** Names of the secrets the mail steps receive on stdin (never in a staged file or on a command line). */
export const MAIL_SECRET = {
    /** The LDAP service account's password (generated, @pulumi/random; the directory's `mail-directory` step sets it). */
    ldap: MAIL_LDAP_SECRET,
    /** The server's certificate and key from the site CA, and the CA certificate. */
    cert: "mail-cert",
    key: "mail-key",
    ca: "site-ca-cert",
    /** The mail domain's DKIM private key (@pulumi/tls, RSA 2048), and its public key (base64 DER) for the DNS record. */
    dkimKey: "mail-dkim-key",
    dkimPublic: MAIL_DKIM_PUBLIC_SECRET,
} as const;

export const MAIL_PATHS = {
    mainCf: "/etc/postfix/main.cf",
    masterCf: "/etc/postfix/master.cf",
    /** Outside /etc/postfix: they hold a secret, so they are 0600 postfix's, which postfix-script's check of its own folder would flag. */
    ldapDir: "/etc/billu/mail/postfix-ldap",
    dovecotConf: "/etc/dovecot/dovecot.conf",
    dovecotLdap: "/etc/dovecot/billu-ldap.conf.ext",
    tlsDir: "/etc/billu/mail/tls",
    ca: "/etc/billu/mail/tls/ca.pem",
    cert: "/etc/billu/mail/tls/server.pem",
    key: "/etc/billu/mail/tls/server.key",
    rspamd: "/etc/rspamd/local.d",
    /** DKIM private keys, `<domain>.<selector>.key`, readable by rspamd only. */
    dkimDir: "/etc/billu/mail/dkim",
    mailboxes: "/var/vmail",
} as const;

/** rspamd's system user on Debian (it reads the DKIM key). */
export const RSPAMD_USER = "_rspamd";

/** The one system user owning every mailbox (fixed id, so Dovecot's valid-uid range can be exact). */
export const VMAIL = { user: "vmail", uid: 5000 } as const;
/** clamd's socket (Debian's clamd.conf LocalSocket), which rspamd's antivirus module scans through. */
export const CLAMD_SOCKET = "/run/clamav/clamd.ctl";
/** The refused attachment extensions, one a line (rspamd multimap). */
export const REFUSED_EXTENSIONS_MAP = "/etc/rspamd/local.d/billu-refused-extensions.map";

/** rspamd's milter (proxy worker) on the loopback. */
export const RSPAMD_MILTER = `127.0.0.1:${RSPAMD_MILTER_PORT}`;

/** Ports of a service of the catalogue (one port each for these). */
export const port = (service: string) => SERVICES[service].ports[0].from;

/** AD: a person's account that is not disabled (userAccountControl bit 2, LDAP_MATCHING_RULE_BIT_AND). */
export const ENABLED_PERSON = "(objectCategory=person)(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2))";
