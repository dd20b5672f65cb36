/**
 * The inbound mail relay (`billu:mx`): Postfix on a small Debian host of role `mx` in the DMZ, the MX of the mail
 * domain. The router publishes its smtp on the WAN address (billu:firewall.published); it accepts mail for the mail
 * domain only, for recipients the model knows (the directory's enabled accounts and billu:mail's aliases, refused
 * at RCPT otherwise), and hands it to the mail server on smtp over verified TLS. It keeps nothing but its queue, and
 * it needs no directory access from the DMZ: the recipient list is rendered from the model. Pure: schema, checks
 * (through Problems, naming the key path) and the plan the renderers, the component and the docs read.
 */
import { z } from "zod";
import type { HostView } from "./core";
import { dnsNameViolation } from "./domain";
import { KIND_PREFIX } from "./endpoints";
import { Problems, show } from "./errors";
import type { MailPlan } from "./mail";

export const mxSchema = z
    .object({
        publicName: z
            .string()
            .min(1)
            .optional()
            .describe("The relay's public name, the MX record's target at the public DNS provider. Default: `mx.<mail domain>`."),
        messageSizeMiB: z
            .number()
            .int()
            .min(1)
            .max(1024)
            .optional()
            .describe("Largest message accepted from the internet, MiB. Default: billu:mail.messageSizeMiB (the mail server would refuse more)."),
        dnsbl: z
            .object({
                threshold: z
                    .number()
                    .int()
                    .min(1)
                    .describe("postscreen_dnsbl_threshold: a new client whose weights add up to this is refused (550 5.7.1 at RCPT)."),
                sites: z
                    .array(
                        z
                            .object({
                                zone: z.string().min(1).describe("The DNS list's zone, queried as <reversed client address>.<zone> (e.g. zen.spamhaus.org)."),
                                weight: z
                                    .number()
                                    .int()
                                    .min(-100)
                                    .max(100)
                                    .refine(
                                        (w) => w !== 0,
                                        "a weight of 0 adds nothing: use a positive weight (a block list) or a negative one (an allow list)",
                                    )
                                    .describe("What a listing adds to the client's score (negative: an allow list)."),
                                reply: z
                                    .string()
                                    .min(1)
                                    .optional()
                                    .describe(
                                        "The answers that count, in Postfix's pattern (127.0.0.[2..11], 127.0.[0..255].[1;2]). Default: any answer. " +
                                            "Set it for lists that answer errors in 127.0.0.0/8 (Spamhaus: 127.255.255.x), or such an answer refuses every client.",
                                    ),
                            })
                            .strict(),
                    )
                    .min(1)
                    .describe("The DNS lists postscreen asks about each new client, with their weights."),
            })
            .strict()
            .optional()
            .describe(
                "postscreen's DNSBL test on the relay (POSTSCREEN_README): new clients listed with enough weight are refused. Absent: no DNSBL. " +
                    "Public lists have usage terms (docs/services/mx.md): check them before production.",
            ),
        resolver: z
            .enum(["own", "site"])
            .optional()
            .describe(
                "What the relay's own processes (postscreen's DNSBL lookups) resolve through. `own`: a caching, validating, recursive unbound on the " +
                    "relay's 127.0.0.1 (refusing every other client), which asks the authoritative servers from the site's own address over the " +
                    "relay's `dns` flow to the WAN: Spamhaus refuses queries that come through public resolvers. `site`: the VM's cloud-init resolvers " +
                    "(the DCs, else billu:network.dnsForwarders). Default: `own` with billu:mx.dnsbl, else `site`.",
            ),
    })
    .strict()
    .describe("The inbound mail relay in the DMZ (Postfix): the MX of the mail domain, published on the WAN's smtp, relaying to the mail server.");

export type MxConfig = z.output<typeof mxSchema>;

export interface MxRequiredFlow {
    readonly from: string;
    readonly to: string;
    readonly service: string;
    readonly why: string;
}

export interface MxPlan {
    /** The relay host (`PAR-MX01`), its zone and address. */
    readonly host: { readonly name: string; readonly zone: string; readonly address: string };
    /** The relay's name in the site's DNS (`par-mx01.billu.remindme.lan`), its Postfix myhostname. */
    readonly hostname: string;
    /** The name the internet reaches it by (the MX target), and the router's WAN address it resolves to. */
    readonly publicName: string;
    readonly publicAddress?: string;
    /** The mail domain it relays for (relay_domains). */
    readonly domain: string;
    /** Every address it accepts (relay_recipient_maps), sorted: enabled accounts and billu:mail's aliases. */
    readonly recipients: readonly string[];
    /**
     * The mail server's rspamd milter the relay asks before its 250 (smtpd_milters): its address in the servers zone
     * and port (the catalogue's `rspamd-milter`).
     */
    readonly milter: { readonly address: string; readonly port: number };
    /** Where it delivers: the mail server's address, port and the name its certificate must carry. */
    readonly nextHop: { readonly host: string; readonly address: string; readonly port: number; readonly hostname: string };
    readonly messageSizeBytes: number;
    /** postscreen's DNSBL test (billu:mx.dnsbl), zones lower-cased; absent: none. */
    readonly dnsbl?: MxDnsbl;
    /**
     * What the relay resolves through (billu:mx.resolver): `own`, an unbound of its own on 127.0.0.1 recursing from the
     * root over its dns flow to the WAN (then `flows` holds that flow); `site`, its VM's cloud-init resolvers.
     */
    readonly resolver: MxResolver;
    readonly certificate: { readonly commonName: string; readonly dnsNames: readonly string[]; readonly ipAddresses: readonly string[] };
    /** The records to publish at the public DNS provider (the MX and the relay's A record). */
    readonly publicDns: readonly { readonly name: string; readonly type: "MX" | "A"; readonly value: string }[];
    /** The index of billu:firewall.published that forwards the WAN's smtp to it. */
    readonly published: number;
    readonly flows: readonly MxRequiredFlow[];
}

export type MxResolver = "own" | "site";

/** The zones of a list that refuses queries through public resolvers (Spamhaus: answered 127.255.255.254 or NXDOMAIN). */
const PUBLIC_RESOLVER_REFUSED = /(^|\.)spamhaus\.org$/;

export interface MxDnsbl {
    readonly threshold: number;
    readonly sites: readonly { readonly zone: string; readonly weight: number; readonly reply?: string }[];
}

export interface MxInput {
    readonly cfg: MxConfig | undefined;
    readonly hosts: readonly HostView[];
    readonly zones: readonly { readonly name: string; readonly kind: string }[];
    /** The site's DNS domain (the relay's internal FQDN). */
    readonly siteDomain: string;
    /** The mail plan (absent: the site has no mail server, or it failed). */
    readonly mail?: MailPlan;
    /** Whether billu:mail failed to plan (then only the relay's own problems are reported). */
    readonly mailPending?: boolean;
    /** billu:firewall.published as written. */
    readonly published: readonly { readonly service: string; readonly host: string; readonly publicPort?: number }[];
    /** The router's WAN address. */
    readonly wanAddress?: string;
    /** The WAN zone's name (the relay's own resolver needs dns to it). */
    readonly wanZone?: string;
}

/** The mail server's SMTP port the relay delivers to. */
export const SMTP_PORT = 25;
/** rspamd's milter port (the proxy worker; the catalogue's service `rspamd-milter`, model/ports.ts). */
export const RSPAMD_MILTER_PORT = 11332;
/** The catalogue service of that port, the flow relay -> mail server. */
export const RSPAMD_MILTER_SERVICE = "rspamd-milter";

/**
 * Checks `billu:mx` against the hosts, the zones, the mail plan and the published services, and derives the relay's
 * plan. Returns undefined when the site has no relay (and no `billu:mx`) or when a problem was found.
 */
export function planMx(input: MxInput, problems: Problems): MxPlan | undefined {
    const { cfg, hosts } = input;
    const before = problems.count;
    const relays = hosts.filter((h) => h.role === "mx");
    if (!cfg) {
        if (relays.length > 0) {
            problems.add(
                "billu:mx",
                `is missing, but billu:hosts has an inbound mail relay (${relays.map((h) => h.name).join(", ")})`,
                "set billu:mx (it may be empty: {}), or remove the host of role mx",
            );
        }
        return undefined;
    }
    if (relays.length !== 1) {
        problems.add(
            "billu:hosts",
            relays.length === 0
                ? "has no host of role mx, but billu:mx is set"
                : `has ${relays.length} hosts of role mx (${relays.map((h) => h.name).join(", ")})`,
            relays.length === 0
                ? "add the inbound relay to billu:hosts (role: mx, os: debian-12, in the DMZ, e.g. PAR-MX01), or remove billu:mx"
                : "declare exactly one inbound relay",
        );
        return undefined;
    }
    const host = relays[0];
    const hp = (k: string) => `billu:hosts[${host.index}].${k}`;
    if (!host.os.startsWith("debian")) {
        problems.add(hp("os"), `${show(host.os)} cannot run Postfix`, "use os: debian-12 for the inbound relay");
    }
    const kind = input.zones.find((z) => z.name === host.zone)?.kind;
    const dmzZones = input.zones.filter((z) => z.kind === "dmz").map((z) => z.name);
    if (kind !== "dmz") {
        problems.add(
            hp("zone"),
            `${show(host.zone)} is a ${kind ?? "unknown"} zone, but ${host.name} is the inbound mail relay, which the internet reaches`,
            dmzZones.length > 0 ? `put the relay in a DMZ zone (${dmzZones.join(", ")})` : "add a zone of kind dmz and put the relay in it",
        );
    }
    const mail = input.mail;
    if (!mail && !input.mailPending) {
        problems.add(
            "billu:mx",
            `is set, but the site has no mail server for ${host.name} to relay to`,
            "declare the mail server (billu:mail and a host of role mail), or remove billu:mx",
        );
    }
    const smtpPublished = input.published.map((p, i) => ({ ...p, i })).filter((p) => p.service === "smtp");
    const mine = smtpPublished.find((p) => p.host === host.name);
    smtpPublished
        .filter((p) => p.host !== host.name)
        .forEach((p) =>
            problems.add(
                `billu:firewall.published[${p.i}].host`,
                `publishes smtp to ${show(p.host)}, but ${host.name} is the site's inbound mail relay`,
                `publish smtp to ${host.name} only`,
            ),
        );
    if (!mine) {
        problems.add(
            "billu:firewall.published",
            `does not publish smtp to ${host.name}: the internet cannot reach the inbound relay`,
            `append { service: smtp, host: ${host.name} } to billu:firewall.published`,
        );
    } else if (mine.publicPort !== undefined && mine.publicPort !== SMTP_PORT) {
        problems.add(
            `billu:firewall.published[${mine.i}].publicPort`,
            `${mine.publicPort} is not ${SMTP_PORT}: other mail servers deliver to an MX on port ${SMTP_PORT} only (RFC 5321, section 4.5.4.2)`,
            "remove publicPort",
        );
    }
    const mailDomain = mail?.domain ?? "";
    const publicName = (cfg.publicName ?? `mx.${mailDomain}`).toLowerCase();
    if (cfg.publicName !== undefined) {
        const bad = dnsNameViolation(publicName, { what: "the relay's public name", example: "mx.billu.fr" });
        if (bad) problems.add("billu:mx.publicName", `${show(cfg.publicName)} ${bad}`, "write the relay's public name as a DNS name, e.g. mx.billu.fr");
    }
    if (mail && cfg.messageSizeMiB !== undefined && cfg.messageSizeMiB * 1024 * 1024 > mail.messageSizeBytes) {
        problems.add(
            "billu:mx.messageSizeMiB",
            `${cfg.messageSizeMiB} is above billu:mail.messageSizeMiB (${mail.messageSizeBytes / 1024 / 1024}): the mail server would refuse what the relay accepted`,
            "set it at most to billu:mail.messageSizeMiB, or leave it out",
        );
    }
    const dnsbl = cfg.dnsbl ? checkDnsbl(cfg.dnsbl, problems) : undefined;
    const resolver: MxResolver = cfg.resolver ?? (cfg.dnsbl ? "own" : "site");
    const refusing = resolver === "site" ? (dnsbl?.sites ?? []).map((s, i) => ({ ...s, i })).filter((s) => PUBLIC_RESOLVER_REFUSED.test(s.zone)) : [];
    if (refusing.length > 0) {
        problems.add(
            "billu:mx.resolver",
            `"site" makes the relay ask ${refusing.map((s) => `billu:mx.dnsbl.sites[${s.i}] (${s.zone})`).join(", ")} through the site's resolvers, ` +
                "public ones in the end (billu:network.dnsForwarders), which Spamhaus refuses (127.255.255.254 or NXDOMAIN): that list would refuse no client",
            "remove billu:mx.resolver (own is the default with billu:mx.dnsbl: an unbound on the relay asks the lists itself), or remove the Spamhaus list",
        );
    }
    if (problems.count > before || !mail || !mine) return undefined;

    const hostname = `${host.name.toLowerCase()}.${input.siteDomain.toLowerCase()}`;
    const recipients = [
        ...new Set([...mail.accounts.filter((a) => a.enabled && a.mail).map((a) => a.mail.toLowerCase()), ...mail.aliases.map((a) => a.address)]),
    ].sort();
    return {
        host: { name: host.name, zone: host.zone, address: host.address },
        hostname,
        publicName,
        ...(input.wanAddress ? { publicAddress: input.wanAddress } : {}),
        domain: mail.domain,
        recipients,
        milter: { address: mail.host.address, port: RSPAMD_MILTER_PORT },
        nextHop: { host: mail.host.name, address: mail.host.address, port: SMTP_PORT, hostname: mail.hostname },
        messageSizeBytes: cfg.messageSizeMiB !== undefined ? cfg.messageSizeMiB * 1024 * 1024 : mail.messageSizeBytes,
        ...(dnsbl ? { dnsbl } : {}),
        resolver,
        certificate: { commonName: publicName, dnsNames: [...new Set([publicName, hostname])], ipAddresses: [host.address] },
        publicDns: [
            { name: mail.domain, type: "MX", value: `10 ${publicName}.` },
            { name: publicName, type: "A", value: input.wanAddress ?? "<the site's public address>" },
        ],
        published: mine.i,
        flows: [
            { from: host.name, to: mail.host.name, service: "smtp", why: "the inbound relay hands the internet's mail to the mail server" },
            {
                from: host.name,
                to: mail.host.name,
                service: RSPAMD_MILTER_SERVICE,
                why: "the inbound relay asks the mail server's rspamd before its 250, so the internet's client is told of a refusal",
            },
            ...(resolver === "own"
                ? [
                      {
                          from: host.name,
                          to: input.wanZone ?? `${KIND_PREFIX}wan`,
                          service: "dns",
                          why: "the relay's own resolver (billu:mx.resolver: own) asks the DNS block lists' authoritative servers itself",
                      },
                  ]
                : []),
        ],
    };
}

/**
 * One octet of a DNSBL reply pattern as postscreen_dnsbl_sites takes it (postconf(5)): a number, or in brackets
 * numbers and `low..high` ranges separated by `;`. Each number 0-255, each range low <= high.
 */
function octetViolation(octet: string): string | undefined {
    const num = (t: string) => (/^\d{1,3}$/.test(t) && Number(t) <= 255 ? Number(t) : undefined);
    if (num(octet) !== undefined) return undefined;
    const inner = /^\[(.+)\]$/.exec(octet)?.[1];
    if (inner === undefined) return `has the octet ${show(octet)}, which is neither a number 0-255 nor a bracketed list like [2..11] or [2;4]`;
    for (const item of inner.split(";")) {
        const [lo, hi, ...rest] = item.split("..");
        const a = num(lo);
        const b = hi === undefined ? a : num(hi);
        if (rest.length > 0 || a === undefined || b === undefined)
            return `has ${show(item)} in ${show(octet)}, which is neither a number 0-255 nor a range low..high`;
        if (a > b) return `has the range ${show(item)}, whose low end is above its high end`;
    }
    return undefined;
}

/** Checks billu:mx.dnsbl: each zone a DNS name and listed once, each reply pattern Postfix's, a threshold some client can reach. */
function checkDnsbl(cfg: NonNullable<MxConfig["dnsbl"]>, problems: Problems): MxDnsbl {
    const seen = new Map<string, number>();
    const sites = cfg.sites.map((s, i) => {
        const key = `billu:mx.dnsbl.sites[${i}]`;
        const zone = s.zone.toLowerCase().replace(/\.$/, "");
        const bad = dnsNameViolation(zone, { what: "a DNSBL zone", example: "zen.spamhaus.org" });
        if (bad) problems.add(`${key}.zone`, `${show(s.zone)} ${bad}`, "write the list's DNS zone, e.g. zen.spamhaus.org");
        const id = `${zone}=${s.reply ?? ""}`;
        const first = seen.get(id);
        if (first !== undefined) {
            problems.add(
                `${key}.zone`,
                `${show(s.zone)} is listed again (billu:mx.dnsbl.sites[${first}] has the same zone and reply)`,
                "keep one entry per zone and reply",
            );
        } else seen.set(id, i);
        if (s.reply !== undefined) {
            const octets = s.reply.split(/\.(?![^[]*\])/); // the dots between octets, not those of a range inside brackets
            const why = octets.length !== 4 ? `has ${octets.length} octets, not 4` : octets.map(octetViolation).find((v) => v !== undefined);
            if (why)
                problems.add(
                    `${key}.reply`,
                    `${show(s.reply)} ${why}`,
                    "write the answers that count as an address pattern, e.g. 127.0.0.[2..11], or remove reply",
                );
        }
        return { zone, weight: s.weight, ...(s.reply !== undefined ? { reply: s.reply } : {}) };
    });
    const reach = sites.filter((s) => s.weight > 0).reduce((n, s) => n + s.weight, 0);
    if (reach < cfg.threshold) {
        problems.add(
            "billu:mx.dnsbl.threshold",
            `${cfg.threshold} is above what every block list together adds (${reach}): no client could ever be refused`,
            `set it at most to ${reach}, or raise the block lists' weights`,
        );
    }
    return { threshold: cfg.threshold, sites };
}
