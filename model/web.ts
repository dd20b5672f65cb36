/**
 * The DMZ web server in the site model: `billu:web` (the public site and the intranet site, their content, the
 * networks that may reach the intranet), validated against the zones, hosts and the flow matrix, resolved into the
 * one `WebModel` every enforcement point renders from:
 *
 *  - Apache: two name-based virtual hosts on the server's HTTPS (and HTTP, redirecting) port, the intranet with
 *    `Require ip` of exactly the allowed networks; and the public site alone on the listeners the router forwards
 *    from the WAN (billu:firewall.published), so the internet never reaches the port the intranet listens on.
 *  - the flow matrix and the VM's Proxmox firewall: every allowed source must have a flow to the server's HTTPS
 *    port; no flow and no port forward may bring the WAN to the intranet's port.
 *  - DNS: both names in the AD DNS (internal view, `dnsRecords`, which the DC step publishes through the domain
 *    model's `extraRecords`), the public name at the router's WAN address (`publicRecords`, documented for the
 *    public DNS).
 */
import { z } from "zod";
import type { Cidr } from "./core";
import { KIND_PREFIX, VPN_PARTNER } from "./endpoints";
import { ExtraDnsRecord } from "./domain";
import { Problems, show } from "./errors";
import { Actor, evaluate, FirewallModel } from "./flows";
import { SERVICES } from "./ports";
import { ContentFile, ContentLoader } from "./web-content";

const siteName = z.string().min(1);

export const webSchema = z
    .object({
        host: z.string().min(1).optional().describe("The web server, a host of billu:hosts in a DMZ zone. Default: the one host of role web."),
        publicDomains: z.array(z.string().min(1)).min(1).describe("Public DNS domains the site owns (`billu.fr`); the public site's name lies in one of them."),
        public: z
            .object({
                name: siteName.describe("The public site's name (`www.billu.fr`)."),
                content: z.string().min(1).default("sites/public").describe("Folder of the site's files, relative to the project root."),
            })
            .strict()
            .describe("The public site, reachable from the internet."),
        intranet: z
            .object({
                name: siteName.describe("The intranet site's name (`intranet.billu.remindme.lan`)."),
                content: z.string().min(1).default("sites/intranet").describe("Folder of the site's files, relative to the project root."),
                allowedFrom: z
                    .array(z.string().min(1))
                    .min(1)
                    .describe(
                        "Who may reach the intranet: zones, `kind:<zone kind>` (every zone of that kind) and `vpn-partner` (the site-to-site tunnel's far networks). Never the WAN or a DMZ.",
                    ),
            })
            .strict()
            .describe("The intranet site, reachable only from inside."),
    })
    .strict()
    .describe("The DMZ web server (Apache) and its two sites: a public one and an intranet.");

export type WebConfig = z.output<typeof webSchema>;

export type WebRole = "public" | "intranet";

export interface WebSiteModel {
    readonly role: WebRole;
    /** Lowercase DNS name. */
    readonly name: string;
    /** Folder of its files in the repository, as configured. */
    readonly contentDir: string;
    readonly files: readonly ContentFile[];
}

/** One entry of `billu:web.intranet.allowedFrom`, resolved. */
export interface IntranetSource {
    /** As written (`kind:department`, `lan-dsi`, `vpn-partner`). */
    readonly written: string;
    readonly index: number;
    readonly kind: "zones" | "vpn-partner";
    /** The zones it selects (empty for the partner). */
    readonly zones: readonly string[];
    /** Their networks; the partner's are the router's (`billu:firewall.vpnPartner.networks`). */
    readonly networks: readonly string[];
    /**
     * The flows of billu:flows that let each member (a zone, or `vpn-partner`) reach the server's HTTPS port, when
     * the site has a flow model to check (empty otherwise).
     */
    readonly flows: Readonly<Record<string, readonly number[]>>;
}

/** A port forward from the WAN to the web server (`billu:firewall.published[index]`): one public-only listener. */
export interface PublishedListener {
    readonly index: number;
    readonly service: string;
    readonly scheme: "https" | "http";
    /** The port on the router's WAN address (443 or 80). */
    readonly wanPort: number;
    /** The port Apache listens on for it, with the public site alone. */
    readonly hostPort: number;
}

export interface PublicDnsRecord {
    readonly fqdn: string;
    readonly type: "A";
    /** The router's WAN address. */
    readonly value: string;
    readonly purpose: string;
}

export interface WebModel {
    /** The web server (`PAR-WEB01`), its address and zone. */
    readonly host: string;
    readonly address: string;
    readonly zone: string;
    readonly publicDomains: readonly string[];
    readonly public: WebSiteModel;
    readonly intranet: WebSiteModel & { readonly allowedFrom: readonly IntranetSource[] };
    /** Where both sites listen, by name (from inside): the catalogue's https and http ports. */
    readonly ports: { readonly https: number; readonly http: number };
    /** The public site's own listeners, forwarded from the WAN. Empty until billu:firewall publishes them. */
    readonly published: readonly PublishedListener[];
    /** Whether the flow matrix was checked (a site model with the firewall's flow model). */
    readonly flowsChecked: boolean;
    /** Internal view: both names at the server's address, asked of the AD DNS (published by the DC step). */
    readonly dnsRecords: readonly ExtraDnsRecord[];
    /** Public view: the public name at the router's WAN address, for the public DNS. */
    readonly publicRecords: readonly PublicDnsRecord[];
}

/** A source that may open a connection, for the flow matrix. */
export type WebFlowSource = { readonly kind: "zone"; readonly zone: string } | { readonly kind: "vpn-partner" };

/**
 * What the web model needs of the firewall's flow model (model/flows.ts, when the site has one): the port forwards
 * and whether a source may reach a host's port. Kept narrow so the web model does not depend on its internals.
 */
export interface WebFirewallView {
    readonly published: readonly {
        readonly index: number;
        readonly service: string;
        readonly host: string;
        readonly wanPorts: readonly { proto: string; from: number; to: number }[];
        readonly hostPorts: readonly { proto: string; from: number; to: number }[];
    }[];
    /** Indexes of the flows of billu:flows that let the source open tcp/<port> on the host ([] when none). */
    flowsTo(source: WebFlowSource, host: string, port: number): readonly number[];
}

/** The parts of the site model `validateWeb` reads. */
export interface WebSiteView {
    readonly site: { readonly domain: string };
    readonly zones: readonly { readonly name: string; readonly kind: string; readonly cidr: Cidr; readonly routerAddress: string }[];
    readonly hosts: readonly { readonly name: string; readonly role: string; readonly zone: string; readonly address: string; readonly index: number }[];
    /** Every zone name of billu:network.zones, valid or not (an invalid zone is reported where it is declared). */
    readonly configuredZones: readonly string[];
    /** The partner's networks behind the tunnel, as the router knows them (billu:firewall.vpnPartner); absent: no partner. */
    readonly partnerNetworks?: readonly string[];
    /** The flow model's view; absent: the flows cannot be checked yet (and nothing is published). */
    readonly firewall?: WebFirewallView;
}

const PARTNER = VPN_PARTNER;
const KIND = KIND_PREFIX;

/** Why a text is not a host name of the DNS (RFC 1123 labels, at least two, at most 253 characters), or undefined. */
export function dnsNameViolation(name: string): string | undefined {
    if (name.length > 253) return "is longer than 253 characters";
    const labels = name.split(".");
    if (labels.length < 2) return "has a single label";
    for (const l of labels) {
        if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(l)) return `has the label ${show(l)}, which is not 1 to 63 letters, digits or inner dashes`;
    }
    if (/^\d+$/.test(labels[labels.length - 1])) return "ends with an all-numeric label";
    return undefined;
}

/** Whether a name is a domain or lies inside it. */
export function inDomain(name: string, domain: string): boolean {
    return name === domain || name.endsWith("." + domain);
}

/** The catalogue's services of the public site's own listeners, which the router publishes (model/services.ts). */
const PUBLIC_LISTENER = { https: "web-public-https", http: "web-public-http" } as const;

/** The (single) port of a catalogue service. */
function httpPort(service: string): number {
    return SERVICES[service].ports[0].from;
}

function portsText(ranges: readonly { proto: string; from: number; to: number }[]): string {
    return ranges.map((r) => `${r.proto}/${r.from === r.to ? r.from : `${r.from}-${r.to}`}`).join(" ");
}

/** Validates `billu:web`; returns the web model, or undefined (problems added). */
export function validateWeb(cfg: WebConfig | undefined, view: WebSiteView, problems: Problems, loadContent: ContentLoader): WebModel | undefined {
    if (!cfg) return undefined;
    const before = problems.count;
    const adDomain = view.site.domain.toLowerCase();

    // The server: a host of role web, in a DMZ zone.
    const webHosts = view.hosts.filter((h) => h.role === "web");
    let host = undefined as WebSiteView["hosts"][number] | undefined;
    if (cfg.host !== undefined) {
        host = view.hosts.find((h) => h.name === cfg.host);
        if (!host) {
            problems.add(
                "billu:web.host",
                `${show(cfg.host)} is not a host of billu:hosts`,
                webHosts.length > 0 ? `use one of ${webHosts.map((h) => h.name).join(", ")}` : "declare the web server in billu:hosts (role: web, in the DMZ)",
            );
        } else if (host.role !== "web") {
            problems.add("billu:web.host", `${show(cfg.host)} is a host of role ${host.role}`, "name a host of role web");
            host = undefined;
        }
    } else if (webHosts.length === 1) {
        host = webHosts[0];
    } else if (webHosts.length === 0) {
        problems.add(
            "billu:web",
            "publishes a public site but billu:hosts has no host of role web to serve it",
            "declare the web server in billu:hosts (role: web, in a zone of kind dmz), or remove billu:web",
        );
    } else {
        problems.add(
            "billu:web.host",
            `is missing, and billu:hosts has ${webHosts.length} hosts of role web`,
            `name the one that serves the sites: ${webHosts.map((h) => h.name).join(", ")}`,
        );
    }
    const hostZone = host && view.zones.find((z) => z.name === host!.zone);
    if (host && hostZone && hostZone.kind !== "dmz") {
        problems.add(
            `billu:hosts[${host.index}].zone`,
            `${show(host.zone)} is a zone of kind ${hostZone.kind}, but ${host.name} publishes the public site to the internet`,
            `put the web server in a zone of kind dmz (${
                view.zones
                    .filter((z) => z.kind === "dmz")
                    .map((z) => z.name)
                    .join(", ") || "declare one in billu:network.zones"
            })`,
        );
    }

    // Names: valid, distinct, inside the site's domains.
    const publicDomains: string[] = [];
    cfg.publicDomains.forEach((d, i) => {
        const p = `billu:web.publicDomains[${i}]`;
        const lower = d.toLowerCase();
        const bad = dnsNameViolation(d);
        if (bad) problems.add(p, `${show(d)} ${bad}`, "write a DNS domain such as billu.fr");
        else if (inDomain(lower, adDomain) || inDomain(adDomain, lower)) {
            problems.add(
                p,
                `${show(d)} is or holds the AD domain ${adDomain}, which is internal`,
                "list the public domains the site owns at a registrar (billu.fr)",
            );
        } else publicDomains.push(lower);
    });
    const names: Record<WebRole, string | undefined> = { public: undefined, intranet: undefined };
    for (const role of ["public", "intranet"] as const) {
        const p = `billu:web.${role}.name`;
        const written = cfg[role].name;
        const name = written.toLowerCase();
        const bad = dnsNameViolation(written);
        const allowed = role === "public" ? publicDomains : [adDomain, ...publicDomains];
        if (bad) {
            problems.add(p, `${show(written)} ${bad}`, `write a DNS name such as ${role === "public" ? "www.billu.fr" : `intranet.${adDomain}`}`);
        } else if (role === "intranet" && dnsNameViolation(adDomain) !== undefined) {
            names[role] = name; // billu:site.domain itself is reported where it is declared
        } else if (!allowed.some((d) => inDomain(name, d))) {
            const where =
                role === "public" ? `the site's public domains (${publicDomains.join(", ") || "none"})` : `the site's domains (${allowed.join(", ")})`;
            problems.add(
                p,
                `${show(written)} is outside ${where}`,
                role === "public"
                    ? "name the public site inside billu:web.publicDomains (e.g. www." +
                          (publicDomains[0] ?? "billu.fr") +
                          "), or add its domain there if the site owns it"
                    : `name the intranet inside the AD domain (intranet.${adDomain}) or a public domain of the site`,
            );
        } else names[role] = name;
    }
    if (names.public && names.public === names.intranet) {
        problems.add("billu:web.intranet.name", `${show(cfg.intranet.name)} is also the public site's name`, "give each site its own name");
    }

    // Content from the repository.
    const files: Record<WebRole, readonly ContentFile[]> = { public: [], intranet: [] };
    for (const role of ["public", "intranet"] as const) {
        const r = loadContent(cfg[role].content);
        if ("problem" in r) problems.add(`billu:web.${role}.content`, r.problem, r.fix);
        else files[role] = r.files;
    }

    // Who may reach the intranet.
    const allowedFrom: IntranetSource[] = [];
    const internalKinds = [...new Set(view.zones.filter((z) => z.kind !== "wan" && z.kind !== "dmz").map((z) => z.kind))];
    const choices = `a zone (${view.zones
        .filter((z) => z.kind !== "wan" && z.kind !== "dmz")
        .map((z) => z.name)
        .join(", ")}), ${internalKinds.map((k) => KIND + k).join(", ")}${view.partnerNetworks ? `, or ${PARTNER}` : ""}`;
    cfg.intranet.allowedFrom.forEach((w, i) => {
        const p = `billu:web.intranet.allowedFrom[${i}]`;
        if (w === PARTNER) {
            if (!view.partnerNetworks) {
                problems.add(
                    p,
                    `is ${PARTNER}, but the router knows no partner networks (billu:firewall.vpnPartner)`,
                    "remove it, or declare the tunnel (billu:vpn) and its far networks (billu:firewall.vpnPartner) first",
                );
            } else allowedFrom.push({ written: w, index: i, kind: "vpn-partner", zones: [], networks: [...view.partnerNetworks], flows: {} });
            return;
        }
        let zones: (typeof view.zones)[number][];
        if (w.startsWith(KIND)) {
            const kind = w.slice(KIND.length);
            zones = view.zones.filter((z) => z.kind === kind);
            if (zones.length === 0 && kind !== "wan" && kind !== "dmz") {
                problems.add(p, `${show(w)} selects no zone of billu:network.zones`, `use ${choices}`);
                return;
            }
        } else {
            const z = view.zones.find((x) => x.name === w);
            if (!z && view.configuredZones.includes(w)) return; // the zone itself is reported
            if (!z) {
                problems.add(p, `${show(w)} is not a zone of billu:network.zones`, `use ${choices}`);
                return;
            }
            zones = [z];
        }
        const wan = zones.find((z) => z.kind === "wan");
        if (wan || w === KIND + "wan") {
            problems.add(
                p,
                `${show(w)} opens the intranet to the WAN (the internet)`,
                "remove it: the intranet is for the site's own networks; what the internet may see belongs on the public site",
            );
            return;
        }
        const dmz = zones.find((z) => z.kind === "dmz");
        if (dmz || w === KIND + "dmz") {
            problems.add(
                p,
                `${show(w)} opens the intranet to a DMZ, whose hosts face the internet`,
                "remove it: a compromised DMZ host must not reach internal sites",
            );
            return;
        }
        allowedFrom.push({ written: w, index: i, kind: "zones", zones: zones.map((z) => z.name), networks: zones.map((z) => z.cidr.text), flows: {} });
    });

    const ports = { https: httpPort("https"), http: httpPort("http") };
    const published: PublishedListener[] = [];
    const fw = view.firewall;
    if (fw && host) {
        const intranetPorts = new Set([ports.https, ports.http]);
        for (const pub of fw.published.filter((x) => x.host === host!.name)) {
            const p = `billu:firewall.published[${pub.index}]`;
            const wan =
                pub.wanPorts.length === 1 && pub.wanPorts[0].proto === "tcp" && pub.wanPorts[0].from === pub.wanPorts[0].to ? pub.wanPorts[0].from : undefined;
            const hostPort = pub.hostPorts.length === 1 && pub.hostPorts[0].from === pub.hostPorts[0].to ? pub.hostPorts[0].from : undefined;
            const scheme = wan === ports.https ? "https" : wan === ports.http ? "http" : undefined;
            const onIntranet = [...intranetPorts].filter((port) => pub.hostPorts.some((r) => r.proto === "tcp" && port >= r.from && port <= r.to));
            if (onIntranet.length > 0) {
                const own = PUBLIC_LISTENER[scheme ?? "https"];
                problems.add(
                    p,
                    `forwards WAN ${portsText(pub.wanPorts)} to ${host.name} tcp/${onIntranet.join(",")}, where the intranet site listens too: the internet would reach the intranet's listener and only Apache would stop it`,
                    `forward to a listener of the public site alone: publish ${own} (tcp/${httpPort(own)}) with publicPort ${wan ?? ports.https}`,
                );
                continue;
            }
            // Anything else forwarded to the server (not the web's concern) gets no Apache listener.
            if (!scheme || hostPort === undefined) continue;
            const clash = published.find((x) => x.hostPort === hostPort);
            if (clash) {
                problems.add(
                    p,
                    `forwards to ${host.name} tcp/${hostPort}, the listener of billu:firewall.published[${clash.index}] already`,
                    "give the https and http listeners their own ports",
                );
                continue;
            }
            published.push({ index: pub.index, service: pub.service, scheme, wanPort: wan!, hostPort });
        }
        if (!published.some((x) => x.scheme === "https")) {
            problems.add(
                "billu:web.public",
                `is not published: no entry of billu:firewall.published forwards WAN tcp/${ports.https} to ${host.name}`,
                `publish the public site's own listener: add { service: ${PUBLIC_LISTENER.https}, host: ${host.name}, publicPort: ${ports.https} } to billu:firewall.published`,
            );
        }
        // The WAN must not reach the intranet's listeners through a flow either.
        const wanZone = view.zones.find((z) => z.kind === "wan");
        if (wanZone) {
            for (const port of [...intranetPorts].sort((a, b) => b - a)) {
                for (const f of fw.flowsTo({ kind: "zone", zone: wanZone.name }, host.name, port)) {
                    problems.add(
                        `billu:flows[${f}]`,
                        `lets the WAN reach ${host.name} on tcp/${port}, where the intranet site listens`,
                        "remove the flow: the internet reaches the public site through billu:firewall.published only",
                    );
                }
            }
        }
        // Every allowed source needs a flow to the intranet's HTTPS port, or the router drops it before Apache sees it.
        for (const s of allowedFrom) {
            const sources: WebFlowSource[] = s.kind === "vpn-partner" ? [{ kind: "vpn-partner" }] : s.zones.map((zone) => ({ kind: "zone", zone }));
            for (const src of sources) {
                const from = src.kind === "zone" ? src.zone : PARTNER;
                const via = fw.flowsTo(src, host.name, ports.https);
                (s.flows as Record<string, readonly number[]>)[from] = [...via];
                if (via.length > 0) continue;
                problems.add(
                    `billu:web.intranet.allowedFrom[${s.index}]`,
                    `${show(s.written)} may reach the intranet, but no flow of billu:flows lets ${from} reach ${host.name} on https (tcp/${ports.https}), so the router drops it`,
                    `add { from: ${s.written}, to: ${host.name}, service: https } to billu:flows, or remove ${s.written} here`,
                );
            }
        }
    }

    if (problems.count > before || !host || !names.public || !names.intranet) return undefined;
    const wanZone = view.zones.find((z) => z.kind === "wan");
    const record = (role: WebRole, fqdn: string, purpose: string): ExtraDnsRecord => {
        const at = inDomain(fqdn, adDomain)
            ? { zone: adDomain, name: fqdn === adDomain ? "@" : fqdn.slice(0, -(adDomain.length + 1)) }
            : { zone: fqdn, name: "@" };
        return { ...at, fqdn, type: "A", value: host!.address, owner: `billu:web.${role}.name`, purpose };
    };
    return {
        host: host.name,
        address: host.address,
        zone: host.zone,
        publicDomains,
        public: { role: "public", name: names.public, contentDir: cfg.public.content, files: files.public },
        intranet: { role: "intranet", name: names.intranet, contentDir: cfg.intranet.content, files: files.intranet, allowedFrom },
        ports,
        published: published.sort((a, b) => a.hostPort - b.hostPort),
        flowsChecked: fw !== undefined,
        dnsRecords: [
            record("intranet", names.intranet, `the intranet site on ${host.name}`),
            record("public", names.public, `the public site on ${host.name}, reached directly from inside (no hairpin through the router)`),
        ],
        publicRecords: wanZone ? [{ fqdn: names.public, type: "A", value: wanZone.routerAddress, purpose: "the public site, forwarded by the router" }] : [],
    };
}

/** The networks the intranet admits: the allowed zones', and the partner's for `vpn-partner`. */
export function intranetNetworks(web: WebModel): string[] {
    return [...new Set(web.intranet.allowedFrom.flatMap((s) => s.networks))];
}

/** The firewall's flow model as the web model reads it: its port forwards, and `evaluate` for a source and a host port. */
export function webFirewallView(fw: FirewallModel, hosts: readonly { readonly name: string; readonly zone: string }[]): WebFirewallView {
    return {
        published: fw.published.map((p) => ({ index: p.index, service: p.service.name, host: p.host.name, wanPorts: p.publicPorts, hostPorts: p.ports })),
        flowsTo: (source, host, port) => {
            const h = hosts.find((x) => x.name === host);
            if (!h) return [];
            const from: Actor = source.kind === "vpn-partner" ? { kind: "vpn-partner" } : { kind: "zone", zone: source.zone };
            return evaluate(fw, from, { kind: "host", host, zone: h.zone }, "tcp", port).flows;
        },
    };
}
