/**
 * Pure renderers of the inbound mail relay (model/mx.ts): Postfix's main.cf and master.cf, the recipient table, the
 * transport to the mail server and its TLS policy. No Pulumi here; the step logic is scripts/mx/relay-step.sh, read
 * verbatim. The certificate and key never appear in a rendered file: the TLS files carry the guest step's
 * `{{secret:<name>}}` placeholders and receive the values on the step's stdin.
 *
 * References: Postfix STANDARD_CONFIGURATION_README ("Configuring Postfix as primary or backup MX host for a remote
 * site"), ADDRESS_VERIFICATION / relay_recipient_maps in postconf(5), TLS_README ("Server-side TLS", "Client-side
 * TLS": the `secure` level with `match=`), SMTPD_ACCESS_README.
 */
import type { MxPlan } from "../../model/mx";
import { GuestDir, GuestFile, placeholder, stageRoot } from "../guest-step/render";
import { generatedHeader } from "../header";
import { internalServices, smtpListener } from "../postfix-master";

/** Where each file lives in the guest. */
export const MX_PATHS = {
    mainCf: "/etc/postfix/main.cf",
    masterCf: "/etc/postfix/master.cf",
    recipients: "/etc/postfix/billu-relay-recipients",
    transport: "/etc/postfix/billu-transport",
    tlsPolicy: "/etc/postfix/billu-tls-policy",
    milterHeaders: "/etc/postfix/billu-milter-headers",
    tlsDir: "/etc/billu/mx/tls",
    ca: "/etc/billu/mx/tls/ca.pem",
    cert: "/etc/billu/mx/tls/server.pem",
    key: "/etc/billu/mx/tls/server.key",
    /** The relay's own resolver (billu:mx.resolver: own): unbound's drop-in, read by Debian's unbound.conf (include-toplevel). */
    unbound: "/etc/unbound/unbound.conf.d/billu-relay.conf",
    /** The resolv.conf the step puts in place once unbound answers (staged here first: the step's own apt-get still needs the old one). */
    resolvConf: "/etc/billu/mx/resolv.conf",
    /** Where the step keeps the resolv.conf it replaced (cloud-init's), put back if billu:mx.resolver becomes `site`. */
    resolvConfBefore: "/etc/billu/mx/resolv.conf.before",
} as const;

/** The relay's own resolver's address: the loopback only (its processes, nobody else). */
export const MX_RESOLVER_ADDRESS = "127.0.0.1";

/** The secrets the relay step receives on stdin: the site CA's certificate, the relay's certificate and key. */
export const MX_SECRETS = { ca: "site-ca-cert", cert: "mx-cert", key: "mx-key" } as const;

/** The relay's guest step. */
export const MX_STEP = "mx-relay";

/** The next hop as Postfix writes it: an address in brackets (no MX lookup) and the port. */
export function nextHop(plan: MxPlan): string {
    return `[${plan.nextHop.address}]:${plan.nextHop.port}`;
}

export function renderMxMainCf(plan: MxPlan): string {
    return [
        generatedHeader("#", { host: plan.host.name, what: `inbound relay (MX) for ${plan.domain}.`, note: "Do not edit: change billu:mx." }),
        "compatibility_level = 3.6",
        `myhostname = ${plan.hostname}`,
        `mydomain = ${plan.domain}`,
        "# The relay's own notices (postmaster) go to the mail domain, that is to the mail server.",
        "myorigin = $mydomain",
        "# Nothing is delivered here: the relay only queues and forwards.",
        "mydestination =",
        "local_recipient_maps =",
        "local_transport = error:local delivery is disabled",
        "alias_maps =",
        "alias_database =",
        "# No client may relay, not even the relay's own network: only mail for the mail domain is accepted.",
        "mynetworks = 127.0.0.0/8",
        "inet_interfaces = all",
        "inet_protocols = ipv4",
        "biff = no",
        "append_dot_mydomain = no",
        "smtputf8_enable = no",
        `message_size_limit = ${plan.messageSizeBytes}`,
        "",
        "# The mail domain, its known recipients (refused at RCPT otherwise: 550 5.1.1), delivered to the mail server.",
        `relay_domains = ${plan.domain}`,
        `relay_recipient_maps = texthash:${MX_PATHS.recipients}`,
        "unknown_relay_recipient_reject_code = 550",
        `transport_maps = texthash:${MX_PATHS.transport}`,
        "",
        "# TLS offered to the internet with the site CA's certificate; to the mail server TLS is required and verified.",
        `smtpd_tls_chain_files = ${MX_PATHS.key}, ${MX_PATHS.cert}`,
        "smtpd_tls_security_level = may",
        "smtpd_tls_protocols = >=TLSv1.2",
        "smtpd_tls_mandatory_protocols = >=TLSv1.2",
        "smtpd_tls_loglevel = 1",
        "smtpd_tls_received_header = yes",
        "smtp_tls_security_level = may",
        `smtp_tls_CAfile = ${MX_PATHS.ca}`,
        `smtp_tls_policy_maps = texthash:${MX_PATHS.tlsPolicy}`,
        "smtp_tls_protocols = >=TLSv1.2",
        "smtp_tls_loglevel = 1",
        "",
        "# No open relay, and the basic hygiene of an internet-facing MX (SMTPD_ACCESS_README).",
        "smtpd_helo_required = yes",
        "disable_vrfy_command = yes",
        "smtpd_helo_restrictions = reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname",
        "smtpd_sender_restrictions = reject_non_fqdn_sender",
        "smtpd_relay_restrictions = reject_unauth_destination",
        "smtpd_recipient_restrictions = reject_non_fqdn_recipient, reject_unlisted_recipient",
        "smtpd_data_restrictions = reject_unauth_pipelining",
        "smtpd_client_connection_rate_limit = 60",
        "",
        `# The mail server's rspamd judges each message before the relay's 250 (MILTER_README): a refusal (DMARC p=reject,`,
        "# a virus, a refused attachment, spam above the reject score) reaches the internet's client at the end of DATA,",
        "# from the relay itself, instead of a bounce the relay would have to drop. rspamd unreachable: 4xx, the sender retries.",
        `smtpd_milters = inet:${plan.milter.address}:${plan.milter.port}`,
        "milter_protocol = 6",
        "milter_default_action = tempfail",
        "# rspamd's verdict only: the headers it adds here are dropped, so the mail server's own scan of the message (its",
        "# milter, through external_relay) is not swayed by them (an X-Spam: Yes would count again) and writes the only ones.",
        `milter_header_checks = regexp:${MX_PATHS.milterHeaders}`,
        "",
        "# postscreen on port 25 (POSTSCREEN_README): a client that talks before the greeting is a spambot; it is refused",
        "# at RCPT (550 5.5.1, logged with its sender and recipients). Those that wait are handed to smtpd and remembered",
        "# for a day.",
        "postscreen_greet_action = enforce",
        ...renderDnsbl(plan),
        "",
    ].join("\n");
}

/** One postscreen_dnsbl_sites entry (postconf(5)): `zone[=reply pattern]*weight`. */
export function dnsblSite(site: NonNullable<MxPlan["dnsbl"]>["sites"][number]): string {
    return `${site.zone}${site.reply !== undefined ? `=${site.reply}` : ""}*${site.weight}`;
}

/**
 * postscreen's DNSBL test (billu:mx.dnsbl, POSTSCREEN_README "Tests before the 220 SMTP server greeting"): each new
 * client's address is looked up in every list during the greeting pause, through the relay's resolvers; a client
 * whose weights reach the threshold is refused at RCPT (550 5.7.1 ... blocked using <list>) and logged, never
 * handed to smtpd. Nothing rendered when the model has no DNSBL.
 */
function renderDnsbl(plan: MxPlan): string[] {
    if (!plan.dnsbl) return ["# No DNSBL (billu:mx.dnsbl is not set)."];
    return [
        "# DNSBL (billu:mx.dnsbl): a new client listed with a weight of at least the threshold is refused at RCPT.",
        `postscreen_dnsbl_sites = ${plan.dnsbl.sites.map(dnsblSite).join(", ")}`,
        `postscreen_dnsbl_threshold = ${plan.dnsbl.threshold}`,
        "postscreen_dnsbl_action = enforce",
    ];
}

/**
 * master.cf: the services a relay runs, not chrooted; postscreen in front of smtpd on 25 (with dnsblog when it asks
 * DNS block lists); no submission, no local delivery.
 */
export function renderMxMasterCf(plan: MxPlan): string {
    return [
        generatedHeader("#", { host: plan.host.name, what: "Postfix services (master(5)) of the inbound relay.", note: "Do not edit: change billu:mx." }),
        ...smtpListener({ postscreen: true }),
        ...internalServices({ tlsproxy: true, dnsblog: plan.dnsbl !== undefined }),
        "",
    ].join("\n");
}

/** The recipients the relay accepts (relay_recipient_maps, texthash: `<address> OK`), from the model. */
export function renderRecipients(plan: MxPlan): string {
    return [
        generatedHeader("#", {
            host: plan.host.name,
            what: `the ${plan.recipients.length} addresses of ${plan.domain} the relay accepts.`,
            note: "From the directory and billu:mail.aliases.",
        }),
        ...plan.recipients.map((r) => `${r} OK`),
        "",
    ].join("\n");
}

/**
 * milter_header_checks (header_checks(5), applied by cleanup to the headers a milter adds): every header rspamd adds
 * at the relay is dropped (IGNORE). The relay asks rspamd for its verdict alone (a refusal before its 250); the mail
 * server's rspamd scans the message again and adds the headers users see; a relay's `X-Spam: Yes` would otherwise be
 * scored again there (rspamd's SPAM_FLAG), pushing a message the relay accepted towards a refusal no one is told of.
 */
export function renderMilterHeaders(plan: MxPlan): string {
    return [generatedHeader("#", { host: plan.host.name, what: "the headers rspamd adds at the relay are dropped." }), "/^/ IGNORE", ""].join("\n");
}

/**
 * The mail domain's transport: the mail server's address in brackets (no MX lookup, no DNS from the DMZ). Anything
 * else the relay would send can only be its own bounce to an internet sender (it accepts mail for the domain alone,
 * and its own notices go to the domain): that is discarded, with a log line, never sent. Unknown recipients are
 * refused at RCPT, so such a bounce is rare (the mail server refusing what the relay accepted); sent, it would be
 * backscatter to a sender address that is often forged, and the DMZ has no smtp flow to the internet anyway.
 */
export function renderTransport(plan: MxPlan): string {
    return [
        generatedHeader("#", { host: plan.host.name, what: `mail for ${plan.domain} goes to ${plan.nextHop.host}.` }),
        `${plan.domain} smtp:${nextHop(plan)}`,
        `* ${NO_BACKSCATTER}`,
        "",
    ].join("\n");
}

/** The transport of everything outside the mail domain: the relay's bounces are dropped (logged), never sent. */
export const NO_BACKSCATTER = "discard:no backscatter, the relay sends nothing outside its mail domain";

/** TLS to the mail server: required, its certificate signed by the site CA and naming its FQDN (TLS_README `secure`). */
export function renderTlsPolicy(plan: MxPlan): string {
    return [
        generatedHeader("#", { host: plan.host.name, what: `TLS to ${plan.nextHop.host} is required and verified.` }),
        `${nextHop(plan)} secure match=${plan.nextHop.hostname}`,
        "",
    ].join("\n");
}

/**
 * The relay's own resolver (billu:mx.resolver: own): Debian's unbound, caching, validating (the root trust anchor of
 * Debian's own drop-in, root-auto-trust-anchor-file.conf, from dns-root-data) and recursive from the root, on the
 * loopback only and refusing every other client. postscreen's DNSBL lookups (dnsblog, through the system resolver) then
 * reach each list's authoritative servers from the site's own address over the relay's dns flow to the WAN, never
 * through a public resolver, which Spamhaus refuses (https://www.spamhaus.org/faq/section/DNSBL%20Usage).
 */
export function renderMxUnbound(plan: MxPlan): string {
    return [
        generatedHeader("#", {
            host: plan.host.name,
            what: "the inbound relay's own resolver (unbound.conf(5)): recursive from the root, for the relay's own processes only.",
            note: "Do not edit: change billu:mx.resolver.",
        }),
        "server:",
        `    interface: ${MX_RESOLVER_ADDRESS}`,
        "    port: 53",
        "    do-ip6: no",
        "    # Nobody but the relay itself: an open resolver in the DMZ would serve (and amplify) the internet's queries.",
        "    access-control: 0.0.0.0/0 refuse",
        "    access-control: 127.0.0.0/8 allow",
        "    # Validating, then iterating from the root hints: no forwarder (a public resolver is what Spamhaus refuses).",
        '    module-config: "validator iterator"',
        "    qname-minimisation: yes",
        "    harden-dnssec-stripped: yes",
        "    hide-identity: yes",
        "    hide-version: yes",
        "    # No private-address: a DNSBL answers inside 127.0.0.0/8, which that option would strip from every reply.",
        "",
    ].join("\n");
}

/** The relay's resolv.conf with its own resolver: what postscreen's dnsblog (the system resolver) asks. */
export function renderMxResolvConf(plan: MxPlan): string {
    return [
        generatedHeader("#", { host: plan.host.name, what: "the relay resolves through its own unbound (billu:mx.resolver: own)." }),
        `nameserver ${MX_RESOLVER_ADDRESS}`,
        "",
    ].join("\n");
}

/** The step's data: the resolver mode and the paths its body reads. */
export function mxStepData(plan: MxPlan): Record<string, string> {
    return {
        RESOLVER: plan.resolver,
        UNBOUND_CONF: MX_PATHS.unbound,
        RESOLV_CONF: MX_PATHS.resolvConf,
        RESOLV_CONF_BEFORE: MX_PATHS.resolvConfBefore,
        RESOLVER_ADDRESS: MX_RESOLVER_ADDRESS,
    };
}

/** unbound-checkconf over the candidate drop-in alone; skipped on a first run, before the step body installed unbound. */
export const MX_UNBOUND_CHECK = "command -v unbound-checkconf >/dev/null 2>&1 || exit 0; unbound-checkconf {} >/dev/null";

/** The staged copy of a file of the relay step (for a check that needs a companion file the step installs). */
function staged(path: string): string {
    return `${stageRoot("linux")}/${MX_STEP}/files${path}`;
}

/**
 * `postfix check` and `postconf -n` over a candidate main.cf or master.cf, in a scratch folder with the other staged
 * file; skipped on a first run, before the step body installed Postfix (the body checks the whole configuration
 * again before any restart).
 */
export function mxPostfixCheck(candidate: "main.cf" | "master.cf"): string {
    const other = candidate === "main.cf" ? "master.cf" : "main.cf";
    return [
        "command -v postfix >/dev/null 2>&1 || exit 0",
        "d=$(mktemp -d)",
        `cp {} "$d/${candidate}"`,
        `cp ${staged(`/etc/postfix/${other}`)} "$d/${other}"`,
        'postfix -c "$d" check 2>"$d/err"; rc=$?',
        'postconf -c "$d" -n >/dev/null 2>>"$d/err" || rc=1',
        'if [ -s "$d/err" ]; then cat "$d/err"; rc=1; fi',
        'rm -rf "$d"',
        'exit "$rc"',
    ].join("; ");
}

/** The relay step's files, the certificates first (main.cf names them), master.cf before main.cf (each check reads the other). */
export function mxFiles(plan: MxPlan): GuestFile[] {
    return [
        { path: MX_PATHS.ca, content: placeholder(MX_SECRETS.ca) },
        { path: MX_PATHS.cert, content: placeholder(MX_SECRETS.cert) },
        { path: MX_PATHS.key, content: placeholder(MX_SECRETS.key), mode: "0600" },
        { path: MX_PATHS.recipients, content: renderRecipients(plan) },
        { path: MX_PATHS.transport, content: renderTransport(plan) },
        { path: MX_PATHS.tlsPolicy, content: renderTlsPolicy(plan) },
        { path: MX_PATHS.milterHeaders, content: renderMilterHeaders(plan) },
        { path: MX_PATHS.masterCf, content: renderMxMasterCf(plan), check: mxPostfixCheck("master.cf") },
        { path: MX_PATHS.mainCf, content: renderMxMainCf(plan), check: mxPostfixCheck("main.cf") },
        ...(plan.resolver === "own"
            ? [
                  { path: MX_PATHS.unbound, content: renderMxUnbound(plan), check: MX_UNBOUND_CHECK },
                  { path: MX_PATHS.resolvConf, content: renderMxResolvConf(plan) },
              ]
            : []),
    ];
}

/** The TLS folder: root's only (the key inside is 0600 anyway). */
export function mxDirs(): GuestDir[] {
    return [{ path: MX_PATHS.tlsDir, mode: "0700", owner: "root:root" }];
}

/**
 * What the public DNS must hold for the internet to deliver to the relay (stack output `mxPublicDns`): zone-file lines,
 * the mail domain's MX naming the relay's public name, and that name's A record, the router's WAN address, whose smtp
 * the router forwards (DNAT) to the relay. Public data, nothing secret.
 */
export function renderPublicDns(plan: MxPlan): string {
    return plan.publicDns.map((r) => `${r.name}. ${r.type} ${r.value}`).join("\n");
}

/** The docs section: the public records, where to publish them. */
export function mxDocs(plan: MxPlan): Record<string, { columns: string[]; rows: (string | number)[][] }> {
    return {
        "Inbound relay: public DNS": {
            columns: ["name", "type", "value", "where"],
            rows: plan.publicDns.map((r) => [
                r.name,
                r.type,
                r.value,
                r.type === "MX"
                    ? `public DNS: the internet delivers ${plan.domain} to ${plan.publicName} (stack output mxPublicDns)`
                    : `public DNS: the router's WAN address, whose smtp goes to ${plan.host.name} (DNAT)`,
            ]),
        },
    };
}
