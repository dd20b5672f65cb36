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
    readonly certificate: { readonly commonName: string; readonly dnsNames: readonly string[]; readonly ipAddresses: readonly string[] };
    /** The records to publish at the public DNS provider (the MX and the relay's A record). */
    readonly publicDns: readonly { readonly name: string; readonly type: "MX" | "A"; readonly value: string }[];
    /** The index of billu:firewall.published that forwards the WAN's smtp to it. */
    readonly published: number;
    readonly flows: readonly MxRequiredFlow[];
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
        const bad = dnsNameViolation(publicName);
        if (bad) problems.add("billu:mx.publicName", `${show(cfg.publicName)} ${bad}`, "write the relay's public name as a DNS name, e.g. mx.billu.fr");
    }
    if (mail && cfg.messageSizeMiB !== undefined && cfg.messageSizeMiB * 1024 * 1024 > mail.messageSizeBytes) {
        problems.add(
            "billu:mx.messageSizeMiB",
            `${cfg.messageSizeMiB} is above billu:mail.messageSizeMiB (${mail.messageSizeBytes / 1024 / 1024}): the mail server would refuse what the relay accepted`,
            "set it at most to billu:mail.messageSizeMiB, or leave it out",
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
        ],
    };
}
