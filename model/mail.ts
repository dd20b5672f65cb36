/**
 * The mail service of a company site (`billu:mail`): Postfix and Dovecot on the host of role `mail`, every AD
 * account a mailbox. Pure: the schema, the semantic checks (through Problems, naming the key path) and the derived
 * `MailPlan` the renderers, the components and the docs read.
 *
 * Design:
 * - One user list: AD. Postfix looks recipients, aliases and sender ownership up over LDAPS with a dedicated
 *   service account; Dovecot authenticates a user by binding to AD as that user (so a disabled account, a wrong
 *   password or a password that must be changed first are refused by AD itself). Addresses come from the
 *   directory plan (its `mail` attribute), which makes them unique; aliases from this key become
 *   `proxyAddresses` (`smtp:<alias>@<domain>`) of the account or group they name.
 * - The mail domain's DNS: when the site's AD DNS serves it (the AD domain or a name below it), the MX record
 *   joins the domain model's `extraRecords` and the DC step creates it (the host's A record is already there);
 *   otherwise the records to publish at the public DNS provider are listed in the docs.
 */
import { z } from "zod";
import type { HostView } from "./core";
import { dnsNameViolation, ExtraDnsRecord } from "./domain";
import { Problems, show } from "./errors";

/**
 * Attachment types refused by default: Windows executables, scripts and installers, shortcuts and disk images that
 * phishing uses to deliver malware (Microsoft's "blocked attachments in Outlook" list, shortened to what mail carries).
 */
export const DANGEROUS_EXTENSIONS = [
    "exe",
    "scr",
    "com",
    "pif",
    "bat",
    "cmd",
    "vbs",
    "vbe",
    "js",
    "jse",
    "wsf",
    "wsh",
    "hta",
    "msi",
    "lnk",
    "jar",
    "ps1",
    "iso",
    "img",
] as const;

/** The refusals' texts, shown to the sender in the SMTP reply (rspamd's antivirus and force_actions). */
export const MAIL_REFUSALS = {
    virus: "BillU policy: a virus was found in this message",
    attachment: "BillU policy: attachments of this type are refused (executables and scripts)",
    scannerDown: "BillU policy: the virus scanner is unavailable, try again later",
    dmarcReject: "BillU policy: the sender's domain publishes DMARC p=reject and this message fails it (neither SPF nor DKIM aligned)",
} as const;

const localPart = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "must be the part before the @, lower-case letters, digits, dots, dashes or underscores");

export const mailSchema = z
    .object({
        domain: z
            .string()
            .min(1)
            .optional()
            .describe("Domain of the addresses (`prenom.nom@<domain>`). Default: the directory's mail domain, else billu:site.domain."),
        certificate: z
            .object({
                source: z
                    .enum(["site-ca"])
                    .optional()
                    .describe("Required when billu:mail is set: `site-ca` (issued by the site CA, which BillU's clients trust)."),
            })
            .strict()
            .optional()
            .describe("Where the server's TLS certificate comes from."),
        serviceAccount: z
            .string()
            .regex(/^[a-z][a-z0-9-]{0,19}$/, "must be a sAMAccountName of at most 20 lowercase letters, digits or dashes")
            .default("svc-mail")
            .describe("The AD account Postfix and Dovecot look addresses up with (read-only; its own generated password)."),
        aliases: z
            .array(
                z
                    .object({
                        address: localPart.describe("The part before the @ of the alias (`postmaster`)."),
                        to: z.string().min(1).describe("The AD account or group it delivers to (a sAMAccountName; a group delivers to each member)."),
                    })
                    .strict(),
            )
            .default([])
            .describe("Extra addresses: `<address>@<domain>` delivers to the AD account or group `to`. `postmaster` is required (RFC 5321, section 4.5.1)."),
        messageSizeMiB: z.number().int().min(1).max(1024).default(25).describe("Largest message accepted, MiB (Postfix message_size_limit)."),
        quotaMiB: z.number().int().min(10).default(2048).describe("Mailbox quota per user, MiB (Dovecot quota)."),
        spam: z
            .object({
                addHeaderScore: z.number().positive().default(6).describe("rspamd score from which a spam header is added."),
                rejectScore: z.number().positive().default(15).describe("rspamd score from which the message is refused."),
            })
            .strict()
            .default({})
            .describe("rspamd's actions: score from which a header is added, and from which the message is refused."),
        dkim: z
            .object({
                selector: z
                    .string()
                    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be one label of lower-case letters, digits and dashes")
                    .default("billu")
                    .describe("DKIM selector: the public key is published at `<selector>._domainkey.<domain>`; change it to roll the key over."),
            })
            .strict()
            .default({})
            .describe("DKIM signing by rspamd of every message sent with a logon (a generated RSA 2048 key for the mail domain)."),
        attachments: z
            .object({
                refusedExtensions: z
                    .array(z.string().regex(/^[a-z0-9]{1,10}$/, "must be a file extension without its dot, lower case (exe)"))
                    .default([...DANGEROUS_EXTENSIONS])
                    .describe(
                        "Attachments with these extensions (also inside a double extension, `invoice.pdf.exe`) are refused at SMTP by rspamd (mime_types, force_actions).",
                    ),
            })
            .strict()
            .default({})
            .describe("Attachment types refused by policy: executables and scripts that phishing delivers."),
        dmarc: z
            .object({
                policy: z
                    .enum(["none", "quarantine", "reject"])
                    .default("none")
                    .describe("DMARC policy published at `_dmarc.<domain>`: start with `none` (reports only), then `quarantine`, then `reject`."),
                rua: localPart
                    .default("postmaster")
                    .describe("The part before the @ of the address (in the mail domain) that receives the aggregate reports (`rua`)."),
            })
            .strict()
            .default({})
            .describe("The DMARC record: the policy receivers apply to mail that fails SPF and DKIM, and where they report."),
        webmail: z
            .object({
                enabled: z
                    .boolean()
                    .default(false)
                    .describe(
                        "Roundcube (Debian's package) on the mail server at `https://<mail host's FQDN>/`, for the department zones only: AD logon through Dovecot (IMAPS), sending through submission.",
                    ),
            })
            .strict()
            .default({})
            .describe("The webmail: Roundcube over HTTPS with the server's site-CA certificate, its SQLite database backed up."),
    })
    .strict()
    .describe("The mail server (Postfix, Dovecot, rspamd): addresses from the directory, aliases, limits and spam scores.");

export type MailConfig = z.output<typeof mailSchema>;

/** What the mail validation reads of a host (model/core.ts). */
export type MailHost = HostView;

/** An account of the directory plan: its name and address (unique by construction). */
export interface MailAccount {
    readonly sam: string;
    readonly mail: string;
    readonly enabled: boolean;
}

export interface MailDnsRecord {
    /** The DNS zone the record lives in, and the record's name in it (`@` for the zone's apex). */
    readonly zone: string;
    readonly name: string;
    readonly type: "MX" | "A" | "TXT";
    readonly value: string;
    /** True when the site's AD DNS holds it (applied by the DC step); false: to publish at the public DNS provider. */
    readonly managed: boolean;
}

export interface MailRequiredFlow {
    readonly from: string;
    readonly to: string;
    readonly service: string;
    readonly why: string;
}

export interface MailPlan {
    /** The mail domain, lower case. */
    readonly domain: string;
    /** The mail host (`PAR-MAIL01`), its zone and address. */
    readonly host: { readonly name: string; readonly zone: string; readonly address: string };
    /** The name clients and other servers use (the host's name in the AD domain), in the certificate. */
    readonly hostname: string;
    /** Names and addresses of the server's certificate. */
    readonly certificate: { readonly source: "site-ca"; readonly dnsNames: readonly string[]; readonly ipAddresses: readonly string[] };
    /** Whether the site's AD DNS serves the mail domain. */
    readonly served: boolean;
    readonly dns: readonly MailDnsRecord[];
    /** The MX record the DC step publishes (served domains only; buildSiteModel adds it to the domain's extraRecords). */
    readonly mx: readonly ExtraDnsRecord[];
    /** LDAPS: every DC (first one first), the search base, the service account. */
    readonly ldap: {
        readonly uris: readonly string[];
        readonly baseDn: string;
        readonly serviceAccount: string;
        /** The service account's bind name (`svc-mail@billu.remindme.lan`). */
        readonly bindDn: string;
    };
    readonly aliases: readonly { readonly address: string; readonly to: string }[];
    readonly messageSizeBytes: number;
    readonly quotaMiB: number;
    readonly spam: { readonly addHeaderScore: number; readonly rejectScore: number };
    /** Attachment extensions refused (rspamd mime_types + force_actions); ClamAV scans every message (rspamd antivirus). */
    readonly attachments: { readonly refusedExtensions: readonly string[] };
    /** DKIM: the selector and the record's name (`<selector>._domainkey.<domain>`); the key is generated by the stack. */
    readonly dkim: { readonly selector: string; readonly recordName: string };
    /**
     * The TXT records of the mail domain's authenticity (SPF, DMARC, DKIM), as names in the domain and values. The DKIM
     * value carries `DKIM_KEY_TOKEN` where the generated public key goes (the stack's key, known at apply time only).
     */
    readonly txt: readonly { readonly name: string; readonly fqdn: string; readonly value: string; readonly purpose: string }[];
    /** Flows the mail service needs in billu:flows. */
    readonly flows: readonly MailRequiredFlow[];
    /** The webmail (Roundcube) when `billu:mail.webmail.enabled`: its address (the server's FQDN, in its certificate). */
    readonly webmail?: { readonly url: string };
    /** Accounts of the directory plan (their mailboxes), when the site has a directory plan. */
    readonly accounts: readonly MailAccount[];
    /**
     * The inbound relay (role mx, billu:mx) that hands the internet's mail to this server, when the site has one:
     * rspamd takes the sender's address from its Received line (external_relay), not the relay's own.
     */
    readonly relay?: { readonly name: string; readonly address: string; readonly fqdn: string };
}

/** Stands for the generated DKIM public key (base64 DER) in a rendered TXT value: replaced at apply time. */
export const DKIM_KEY_TOKEN = "<dkim-public-key>";

/** SPF: only the domain's MX sends its mail; everything else fails (`-all`). */
export const SPF_RECORD = "v=spf1 mx -all";

/** The DMARC record's value (RFC 7489, section 6.3): the policy, the same policy for subdomains, aggregate reports to `rua`. */
export function dmarcRecord(policy: "none" | "quarantine" | "reject", rua: string): string {
    return `v=DMARC1; p=${policy}; sp=${policy}; adkim=r; aspf=r; rua=mailto:${rua}`;
}

/** The DKIM key record's value (RFC 6376, section 3.6.1) for a public key given as base64 DER (SubjectPublicKeyInfo). */
export function dkimRecord(publicKeyBase64: string): string {
    return `v=DKIM1; k=rsa; p=${publicKeyBase64}`;
}

export interface MailInput {
    readonly site: { readonly domain: string };
    readonly cfg: MailConfig | undefined;
    readonly hosts: readonly MailHost[];
    readonly zones: readonly { readonly name: string; readonly kind: string }[];
    /** The AD domain (absent: the site has none). */
    readonly domain?: { readonly fqdn: string; readonly dn: string; readonly dcs: readonly { readonly name: string; readonly fqdn: string }[] };
    /** The router's WAN address (public records point there). */
    readonly wanAddress?: string;
    /** The directory plan's mail domain and accounts, when the site has one. */
    readonly directory?: { readonly mailDomain: string; readonly accounts: readonly MailAccount[]; readonly groups: readonly string[] };
}

/**
 * Checks `billu:mail` against the hosts, the domain and the directory, and derives the mail plan. Returns undefined
 * when the site has no mail host (and no `billu:mail`) or when a problem was found (the caller throws them all).
 */
export function planMail(input: MailInput, problems: Problems): MailPlan | undefined {
    const { cfg, hosts } = input;
    const before = problems.count;
    const mailHosts = hosts.filter((h) => h.role === "mail");
    if (!cfg) {
        if (mailHosts.length > 0) {
            problems.add(
                "billu:mail",
                `is missing, but billu:hosts has a mail server (${mailHosts.map((h) => h.name).join(", ")})`,
                'set billu:mail (at least certificate: { source: site-ca } and a postmaster alias; see README, "Mail")',
            );
        }
        return undefined;
    }
    if (mailHosts.length !== 1) {
        problems.add(
            "billu:hosts",
            mailHosts.length === 0
                ? "has no host of role mail, but billu:mail is set"
                : `has ${mailHosts.length} hosts of role mail (${mailHosts.map((h) => h.name).join(", ")})`,
            mailHosts.length === 0 ? "add the mail server to billu:hosts (role: mail), or remove billu:mail" : "declare exactly one mail server",
        );
        return undefined;
    }
    const host = mailHosts[0];
    const hp = (k: string) => `billu:hosts[${host.index}].${k}`;
    if (!host.os.startsWith("debian")) {
        problems.add(hp("os"), `${show(host.os)} cannot run Postfix and Dovecot`, "use os: debian-12 for the mail server");
    }
    const zoneKind = new Map(input.zones.map((z) => [z.name, z.kind]));
    const kind = zoneKind.get(host.zone);
    if (kind !== undefined && kind !== "servers" && kind !== "dmz") {
        problems.add(
            hp("zone"),
            `${show(host.zone)} is a ${kind} zone, but ${host.name} is the mail server`,
            `put the mail server in a servers zone, or in the DMZ (${input.zones
                .filter((z) => z.kind === "servers" || z.kind === "dmz")
                .map((z) => z.name)
                .join(", ")})`,
        );
    }
    const domain = input.domain;
    if (!domain) {
        problems.add(
            "billu:mail",
            `is set, but the site has no AD domain to look ${host.name}'s users up in`,
            "add domain controllers and billu:domain, or remove billu:mail",
        );
        return undefined;
    }

    // The mail domain: from this key, else the directory's, else the site's; the directory's addresses must be in it.
    const mailDomain = (cfg.domain ?? input.directory?.mailDomain ?? input.site.domain).toLowerCase();
    const bad = dnsNameViolation(mailDomain, { what: "a mail domain", example: "billu.fr" });
    if (bad) {
        problems.add(
            "billu:mail.domain",
            `${show(cfg.domain ?? mailDomain)} ${bad}`,
            "write the mail domain as a DNS name, e.g. billu.fr or billu.remindme.lan",
        );
    } else if (input.directory && cfg.domain !== undefined && input.directory.mailDomain.toLowerCase() !== mailDomain) {
        problems.add(
            "billu:mail.domain",
            `${show(cfg.domain)} differs from ${show(input.directory.mailDomain)}, the domain of the addresses the directory plan gives (billu:directory.mailDomain)`,
            "set both to the same domain, or remove billu:mail.domain (it defaults to the directory's)",
        );
    }
    if (cfg.certificate?.source === undefined) {
        problems.add(
            "billu:mail.certificate.source",
            "is required but missing",
            "set billu:mail.certificate.source: site-ca (the site CA issues the server's certificate; BillU's clients trust the site CA)",
        );
    }
    if (cfg.spam.rejectScore <= cfg.spam.addHeaderScore) {
        problems.add(
            "billu:mail.spam.rejectScore",
            `${cfg.spam.rejectScore} is not above addHeaderScore ${cfg.spam.addHeaderScore}`,
            "refuse only what scores above the tagging threshold: rejectScore > addHeaderScore",
        );
    }

    // Aliases: one address each, never an account's address (those are the directory's), postmaster present.
    const accounts = input.directory?.accounts ?? [];
    const bySam = new Map(accounts.map((a) => [a.sam.toLowerCase(), a]));
    const byMail = new Map(accounts.map((a) => [a.mail.toLowerCase(), a]));
    const groups = new Set((input.directory?.groups ?? []).map((g) => g.toLowerCase()));
    const seen = new Map<string, number>();
    cfg.aliases.forEach((a, i) => {
        const p = `billu:mail.aliases[${i}]`;
        const address = `${a.address}@${mailDomain}`;
        const first = seen.get(a.address);
        if (first !== undefined) {
            problems.add(`${p}.address`, `${show(a.address)} is already the address of billu:mail.aliases[${first}]`, "give every alias its own address");
            return;
        }
        seen.set(a.address, i);
        const owner = byMail.get(address);
        if (owner) {
            problems.add(
                `${p}.address`,
                `${show(a.address)} gives ${address}, the address of the account ${owner.sam} (directory plan)`,
                `choose another alias address; ${address} already delivers to ${owner.sam}`,
            );
        }
        if (a.address === cfg.serviceAccount) {
            problems.add(`${p}.address`, `${show(a.address)} is the name of the service account billu:mail.serviceAccount`, "choose another alias address");
        }
        if (input.directory) {
            const target = bySam.get(a.to.toLowerCase());
            if (!target && !groups.has(a.to.toLowerCase())) {
                problems.add(
                    `${p}.to`,
                    `${show(a.to)} is neither an account nor a group of the directory plan`,
                    "name the sAMAccountName of a person or a group (GG_<Department>) of the directory plan",
                );
            } else if (target && !target.enabled) {
                problems.add(`${p}.to`, `${show(a.to)} is the account of a person who left (disabled)`, "deliver the alias to a current account or a group");
            }
        }
    });
    if (!cfg.aliases.some((a) => a.address === "postmaster")) {
        problems.add(
            "billu:mail.aliases",
            "has no postmaster alias, which every mail domain must have (RFC 5321, section 4.5.1)",
            "add { address: postmaster, to: <the account or group that reads it> }",
        );
    }
    if (problems.count > before || bad) return undefined;

    const hostname = `${host.name.toLowerCase()}.${domain.fqdn}`;
    const served = mailDomain === domain.fqdn || mailDomain.endsWith(`.${domain.fqdn}`);
    const publicHost = `mail.${mailDomain}`;
    const mx: ExtraDnsRecord[] = served
        ? [
              {
                  zone: domain.fqdn,
                  name: mailDomain === domain.fqdn ? "@" : mailDomain.slice(0, -domain.fqdn.length - 1),
                  fqdn: mailDomain,
                  type: "MX",
                  value: hostname,
                  preference: 10,
                  owner: "billu:mail.domain",
                  purpose: `mail for ${mailDomain} goes to ${host.name}`,
              },
          ]
        : [];
    // Authenticity: SPF, DMARC and the DKIM key, named in the mail domain (relative names for the zone that holds it).
    const rua = `${cfg.dmarc.rua}@${mailDomain}`;
    const dkimName = `${cfg.dkim.selector}._domainkey`;
    const txt = [
        { name: "@", fqdn: mailDomain, value: SPF_RECORD, purpose: "SPF: only the MX sends the domain's mail" },
        {
            name: "_dmarc",
            fqdn: `_dmarc.${mailDomain}`,
            value: dmarcRecord(cfg.dmarc.policy, rua),
            purpose: `DMARC: policy ${cfg.dmarc.policy}, reports to ${rua}`,
        },
        { name: dkimName, fqdn: `${dkimName}.${mailDomain}`, value: dkimRecord(DKIM_KEY_TOKEN), purpose: "DKIM: the public key rspamd signs with" },
    ];
    // In AD DNS the records live in the AD domain's zone: a mail domain below it prefixes their names.
    const inZone = (name: string) =>
        !served || mailDomain === domain.fqdn
            ? name
            : name === "@"
              ? mailDomain.slice(0, -domain.fqdn.length - 1)
              : `${name}.${mailDomain.slice(0, -domain.fqdn.length - 1)}`;
    const txtDns = (zone: string, managed: boolean): MailDnsRecord[] =>
        txt.map((t) => ({ zone, name: inZone(t.name), type: "TXT" as const, value: `"${t.value}"`, managed }));
    const dns: MailDnsRecord[] = served
        ? [
              { zone: domain.fqdn, name: mx[0].name, type: "MX", value: `10 ${hostname}.`, managed: true },
              { zone: domain.fqdn, name: host.name.toLowerCase(), type: "A", value: host.address, managed: true },
              ...txtDns(domain.fqdn, true),
          ]
        : [
              { zone: mailDomain, name: "@", type: "MX", value: `10 ${publicHost}.`, managed: false },
              { zone: mailDomain, name: "mail", type: "A", value: input.wanAddress ?? "<the site's public address>", managed: false },
              ...txtDns(mailDomain, false),
          ];
    // The flow matrix is checked against these by the site's one requirements check (model/requirements.ts).
    // With an inbound relay in the DMZ (role mx, billu:mx) the internet's mail reaches the relay, never this host.
    const relayHost = hosts.find((h) => h.role === "mx");
    const relayed = relayHost !== undefined;
    const flows = requiredMailFlows(host, input.zones, domain.dcs, served, cfg.webmail.enabled, relayed);
    if (problems.count > before) return undefined;
    return {
        domain: mailDomain,
        host: { name: host.name, zone: host.zone, address: host.address },
        hostname,
        certificate: { source: "site-ca", dnsNames: served ? [hostname] : [hostname, publicHost], ipAddresses: [host.address] },
        served,
        dns,
        mx,
        ldap: {
            uris: domain.dcs.map((d) => `ldaps://${d.fqdn}`),
            baseDn: domain.dn,
            serviceAccount: cfg.serviceAccount,
            bindDn: `${cfg.serviceAccount}@${domain.fqdn}`,
        },
        aliases: cfg.aliases.map((a) => ({ address: `${a.address}@${mailDomain}`, to: a.to })),
        messageSizeBytes: cfg.messageSizeMiB * 1024 * 1024,
        quotaMiB: cfg.quotaMiB,
        spam: cfg.spam,
        attachments: { refusedExtensions: [...new Set(cfg.attachments.refusedExtensions)] },
        dkim: { selector: cfg.dkim.selector, recordName: `${dkimName}.${mailDomain}` },
        txt: txt.map((t) => ({ ...t, name: inZone(t.name) })),
        flows,
        ...(cfg.webmail.enabled ? { webmail: { url: `https://${hostname}/` } } : {}),
        accounts,
        ...(relayHost ? { relay: { name: relayHost.name, address: relayHost.address, fqdn: `${relayHost.name.toLowerCase()}.${domain.fqdn}` } } : {}),
    };
}

/**
 * The flows mail needs: clients of every department submit (587) and read (993); the server looks users up in and
 * authenticates them against every DC (LDAPS) and resolves through them (DNS); it sends mail out (SMTP to the WAN);
 * a public mail domain also receives from the WAN, unless an inbound relay (role mx, billu:mx) receives it.
 */
export function requiredMailFlows(
    host: MailHost,
    zones: readonly { readonly name: string; readonly kind: string }[],
    dcs: readonly { readonly name: string }[],
    served: boolean,
    webmail = false,
    relayed = false,
): MailRequiredFlow[] {
    const out: MailRequiredFlow[] = [];
    for (const z of zones.filter((x) => x.kind === "department")) {
        out.push({ from: z.name, to: host.name, service: "submission", why: "mail clients send through the server" });
        out.push({ from: z.name, to: host.name, service: "imaps", why: "mail clients read their mailbox" });
        // Webmail from the departments only: nothing from the WAN (and not the VPN partner, which the model does not give mail).
        if (webmail) out.push({ from: z.name, to: host.name, service: "https", why: "the webmail (Roundcube) in the browser" });
    }
    for (const dc of dcs) {
        out.push({ from: host.name, to: dc.name, service: "ldaps", why: "recipients, aliases and logons are looked up in AD" });
        out.push({ from: host.name, to: dc.name, service: "dns", why: "the server resolves through the DCs" });
    }
    const wan = zones.find((z) => z.kind === "wan");
    if (wan) {
        out.push({ from: host.name, to: wan.name, service: "smtp", why: "mail to other domains" });
        out.push({ from: host.name, to: wan.name, service: "https", why: "freshclam downloads the ClamAV signatures" });
        if (!served && !relayed) out.push({ from: wan.name, to: host.name, service: "smtp", why: "mail from other domains to the public mail domain" });
    }
    return out;
}
