/**
 * The site-to-site VPN in the site model: `billu:vpn` (this site's end of one IKEv2 tunnel), the data a site
 * exports for its peer (`vpnPeer` stack output), and the pairing of both ends into one `VpnModel` that both
 * sites' renderers read, so the two ends cannot disagree.
 *
 * Who decides what: exactly one end is the tunnel's *owner* (`billu:vpn.owner`): it generates the pre-shared key
 * (exported as a secret stack output the other end reads), sets the suites and the dead peer detection, and
 * initiates. The other end takes those from the owner's `vpnPeer` output. Each end exports its own gateway and
 * networks; traffic selectors are exactly the two sites' internal networks.
 */
import { z } from "zod";
import { Cidr, isIpv4, isUsableHost, overlaps, parseCidr } from "./addressing";
import { InputError, Problems, show } from "./errors";
import { DEFAULT_ESP_PROPOSALS, DEFAULT_IKE_PROPOSALS, proposalSyntaxError } from "./vpn-crypto";

/** Pulumi stack names: `stack`, `org/stack` or `org/project/stack` (DIY backends: `organization/<project>/<stack>`). */
const STACK_NAME = /^([A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/;

export const vpnOwnerSchema = z
    .object({
        pskLength: z.number().int().positive().default(48).describe("Length of the generated pre-shared key (random alphanumeric characters)."),
        ikeProposals: z.array(z.string()).min(1).default(DEFAULT_IKE_PROPOSALS).describe("IKE (phase 1) proposals, strongSwan notation."),
        espProposals: z.array(z.string()).min(1).default(DEFAULT_ESP_PROPOSALS).describe("ESP (phase 2) proposals, with a key exchange group for PFS."),
        dpdDelaySeconds: z
            .number()
            .int()
            .min(1)
            .max(3600)
            .default(10)
            .describe("Dead peer detection: probe after this many seconds without traffic from the peer."),
    })
    .strict();

export const vpnSchema = z
    .object({
        tunnel: z
            .string()
            .regex(/^[a-z][a-z0-9-]{0,30}$/, "must be kebab-case, at most 31 characters")
            .describe("The tunnel's name at this end: the strongSwan connection and child name (`ecotech`)."),
        peerStack: z
            .string()
            .regex(STACK_NAME, "must be a stack name: <stack>, <org>/<stack> or <org>/<project>/<stack>")
            .describe("The peer site's stack, as `pulumi.StackReference` names it (`organization/billu-infra/ecotech`)."),
        interface: z
            .string()
            .regex(/^[a-z][a-z0-9]{0,14}$/, "must be an interface name of at most 15 lowercase letters and digits")
            .default("ipsec0")
            .describe("The tunnel interface, the same name in production (XFRM) and in the lab (libipsec TUN)."),
        ifId: z.number().int().min(1).max(4294967294).default(1).describe("The XFRM interface id the SAs are bound to (`if_id_in`/`if_id_out`)."),
        localZones: z
            .array(z.string().min(1))
            .min(1)
            .optional()
            .describe("Zones whose networks this end offers through the tunnel. Default: every zone but the WAN."),
        resolvers: z
            .array(z.string())
            .optional()
            .describe("This site's DNS resolvers the peer forwards this site's domain to. Default: the DCs of a company site."),
        owner: vpnOwnerSchema
            .optional()
            .describe("Present at exactly one end: that end generates the key, sets the suites and the dead peer detection, and initiates."),
    })
    .strict()
    .describe("This site's end of the site-to-site IPsec tunnel (IKEv2, route-based) to a partner site's stack.");

export type VpnConfig = z.output<typeof vpnSchema>;
export type VpnOwnerConfig = z.output<typeof vpnOwnerSchema>;

/** One end of the tunnel. */
export interface VpnEnd {
    readonly site: { readonly name: string; readonly code: string; readonly company: string; readonly domain: string };
    /** The gateway host (`PAR-FW01`), its public (WAN) address, and its IKE identity. */
    readonly gateway: { readonly host: string; readonly address: string; readonly id: string };
    /** The networks this end offers through the tunnel: its traffic selectors. */
    readonly networks: readonly string[];
    /** This end's DNS resolvers (where the other end forwards this end's domain). */
    readonly resolvers: readonly string[];
    /**
     * This end's hosts behind the tunnel (inside `networks`), by name: what the other end's flows may name alone
     * (`vpn-partner:<host>`, billu:firewall.vpnPartner.hosts). Absent in the export of a peer deployed before it existed.
     */
    readonly hosts?: readonly { readonly name: string; readonly address: string }[];
}

/** This site's end, as validated from `billu:vpn` and the site's own model (before the peer is known). */
export interface VpnLocal extends VpnEnd {
    readonly tunnel: string;
    readonly peerStack: string;
    readonly interface: string;
    readonly ifId: number;
    readonly owner?: VpnOwnerConfig;
    /** The router's WAN interface (the XFRM interface's underlying device). */
    readonly wanIfname: string;
    /** Source address of the router's own traffic into the tunnel: its address in the first offered network. */
    readonly sourceAddress: string;
    /** The zones offered, in config order. */
    readonly zones: readonly string[];
}

/** What a site exports for its peer (`vpnPeer` stack output): plain data, never a secret. */
export interface VpnPeerExport extends VpnEnd {
    readonly tunnel: string;
    readonly owner?: VpnOwnerConfig;
}

/** Both ends paired: what the renderers of either site read. */
export interface VpnModel {
    readonly tunnel: string;
    readonly peerStack: string;
    readonly interface: string;
    readonly ifId: number;
    /** This end generates the key and initiates; the other end reads the key and responds. */
    readonly isOwner: boolean;
    /** The tunnel's suites and DPD, set by the owner. */
    readonly settings: VpnOwnerConfig;
    readonly local: VpnLocal;
    readonly remote: VpnEnd;
    /**
     * Conditional forwarder this site's resolvers need: the peer's domain to the peer's resolvers. (The DC
     * component of a company site applies it; a partner site's resolver gets it in its docs.)
     */
    readonly conditionalForwarders: readonly { readonly domain: string; readonly servers: readonly string[] }[];
}

/** The parts of the site model `validateVpn` needs (kept narrow so the model module does not import this one twice). */
export interface VpnSiteView {
    readonly site: { name: string; code: string; company: string; domain: string; kind: "company" | "partner" };
    readonly zones: readonly { name: string; kind: string; cidr: Cidr; routerAddress: string; index: number }[];
    readonly router?: { name: string; nics: readonly { zone: string; ifname: string }[] };
    readonly dcAddresses: readonly string[];
    /** The site's hosts (the ones inside the offered zones are exported to the peer). */
    readonly hosts: readonly { name: string; zone: string; address: string }[];
}

/** Validates `billu:vpn` against the site's own model; returns this site's end, or undefined (problems added). */
export function validateVpn(cfg: VpnConfig | undefined, site: VpnSiteView, problems: Problems): VpnLocal | undefined {
    if (!cfg) return undefined;
    const before = problems.count;
    const wan = site.zones.find((z) => z.kind === "wan");
    const internal = site.zones.filter((z) => z.kind !== "wan");
    let zones = internal;
    if (cfg.localZones) {
        zones = [];
        cfg.localZones.forEach((name, i) => {
            const z = site.zones.find((x) => x.name === name);
            if (!z) {
                problems.add(
                    `billu:vpn.localZones[${i}]`,
                    `${show(name)} is not a zone of billu:network.zones`,
                    `use one of ${internal.map((x) => x.name).join(", ")}`,
                );
            } else if (z.kind === "wan") {
                problems.add(`billu:vpn.localZones[${i}]`, `${show(name)} is the WAN`, "offer only internal zones through the tunnel");
            } else if (zones.includes(z)) {
                problems.add(`billu:vpn.localZones[${i}]`, `${show(name)} is listed twice`, "list each zone once");
            } else zones.push(z);
        });
    }
    const resolvers = cfg.resolvers ?? (site.site.kind === "company" ? [...site.dcAddresses] : []);
    (cfg.resolvers ?? []).forEach((r, i) => {
        if (!isIpv4(r)) {
            problems.add(`billu:vpn.resolvers[${i}]`, `${show(r)} is not an IPv4 address`, "write a dotted IPv4 address");
        } else if (!zones.some((z) => isUsableHost(z.cidr, r))) {
            problems.add(
                `billu:vpn.resolvers[${i}]`,
                `${r} is in none of the networks offered through the tunnel (${zones.map((z) => z.cidr.text).join(", ")})`,
                "name a resolver inside an offered zone, or offer its zone in billu:vpn.localZones",
            );
        }
    });
    if (cfg.owner) {
        for (const kind of ["ike", "esp"] as const) {
            const list = kind === "ike" ? cfg.owner.ikeProposals : cfg.owner.espProposals;
            list.forEach((p, i) => {
                const err = proposalSyntaxError(p, kind);
                if (err) {
                    problems.add(
                        `billu:vpn.owner.${kind}Proposals[${i}]`,
                        `${show(p)} ${err}`,
                        `write a strongSwan ${kind.toUpperCase()} proposal such as ${kind === "ike" ? DEFAULT_IKE_PROPOSALS[0] : DEFAULT_ESP_PROPOSALS[0]}`,
                    );
                }
            });
        }
    }
    const wanNic = wan && site.router?.nics.find((n) => n.zone === wan.name);
    if (!wan || !site.router || !wanNic || zones.length === 0 || problems.count > before) return undefined;
    return {
        tunnel: cfg.tunnel,
        peerStack: cfg.peerStack,
        interface: cfg.interface,
        ifId: cfg.ifId,
        owner: cfg.owner,
        site: { name: site.site.name, code: site.site.code, company: site.site.company, domain: site.site.domain },
        gateway: { host: site.router.name, address: wan.routerAddress, id: wan.routerAddress },
        networks: zones.map((z) => z.cidr.text),
        resolvers,
        hosts: site.hosts.filter((h) => zones.some((z) => z.name === h.zone)).map((h) => ({ name: h.name, address: h.address })),
        wanIfname: wanNic.ifname,
        sourceAddress: zones[0].routerAddress,
        zones: zones.map((z) => z.name),
    };
}

/** The `vpnPeer` stack output: what the other end needs of this one. */
export function vpnPeerExport(local: VpnLocal): VpnPeerExport {
    return {
        tunnel: local.tunnel,
        site: local.site,
        gateway: local.gateway,
        networks: [...local.networks],
        resolvers: [...local.resolvers],
        hosts: (local.hosts ?? []).map((h) => ({ ...h })),
        ...(local.owner ? { owner: local.owner } : {}),
    };
}

const peerExportSchema = z.object({
    tunnel: z.string().min(1),
    site: z.object({ name: z.string().min(1), code: z.string().min(1), company: z.string().min(1), domain: z.string().min(1) }),
    gateway: z.object({ host: z.string().min(1), address: z.string().min(1), id: z.string().min(1) }),
    networks: z.array(z.string()).min(1),
    resolvers: z.array(z.string()),
    hosts: z.array(z.object({ name: z.string().min(1), address: z.string().min(1) })).optional(),
    owner: vpnOwnerSchema.optional(),
});

/**
 * Pairs this end with the peer's `vpnPeer` output. Throws InputError (exit 2) when the ends cannot form one
 * tunnel: overlapping networks, no owner or two, a malformed export.
 */
export function pairVpn(local: VpnLocal, peer: unknown, zones: readonly { name: string; cidr: Cidr; index: number; kind: string }[]): VpnModel {
    const problems = new Problems();
    const source = `stack ${local.peerStack} output vpnPeer`;
    const parsed = peerExportSchema.safeParse(peer);
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            problems.add(
                `${source}${issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("")}`,
                issue.message.toLowerCase(),
                `deploy ${local.peerStack} with a billu:vpn key that names this stack`,
            );
        }
        problems.throwIfAny("invalid VPN peer");
    }
    const remote = parsed.data as VpnPeerExport;
    const nets: { text: string; cidr?: Cidr }[] = remote.networks.map((n) => ({ text: n, cidr: parseCidr(n) }));
    nets.forEach((n, i) => {
        if (!n.cidr)
            problems.add(`${source}.networks[${i}]`, `${show(n.text)} is not a network in CIDR notation`, `fix billu:network.zones in ${local.peerStack}`);
    });
    if (!isIpv4(remote.gateway.address)) {
        problems.add(`${source}.gateway.address`, `${show(remote.gateway.address)} is not an IPv4 address`, `fix the WAN zone of ${local.peerStack}`);
    }
    if (local.owner && remote.owner) {
        problems.add(
            "billu:vpn.owner",
            `is set here and in ${local.peerStack} too`,
            "keep billu:vpn.owner at one end only: that end generates the key, sets the suites and initiates",
        );
    } else if (!local.owner && !remote.owner) {
        problems.add("billu:vpn.owner", `is set neither here nor in ${local.peerStack}`, "set billu:vpn.owner at exactly one end (BillU's)");
    }
    // A route-based tunnel routes each network to one side: the two sites must not share an address.
    const allInternal = zones.filter((z) => z.kind !== "wan");
    for (const n of nets) {
        if (!n.cidr) continue;
        for (const z of allInternal) {
            if (overlaps(n.cidr, z.cidr)) {
                problems.add(
                    "billu:vpn.peerStack",
                    `the partner network ${n.text} (${remote.site.company}, stack ${local.peerStack}) overlaps ${z.cidr.text} (zone ${z.name}, billu:network.zones[${z.index}])`,
                    "a tunnel cannot route a network that exists at both ends: renumber one of the two networks, or NAT it to a free range on its gateway",
                );
            }
        }
    }
    for (const n of nets) {
        const wan = zones.find((z) => z.kind === "wan");
        if (n.cidr && wan && overlaps(n.cidr, wan.cidr)) {
            problems.add(
                "billu:vpn.peerStack",
                `the partner network ${n.text} (${remote.site.company}, stack ${local.peerStack}) overlaps this site's WAN ${wan.cidr.text}`,
                "renumber the partner network, or NAT it to a free range on its gateway",
            );
        }
    }
    problems.throwIfAny("invalid VPN pairing");
    const settings = (local.owner ?? remote.owner)!;
    return {
        tunnel: local.tunnel,
        peerStack: local.peerStack,
        interface: local.interface,
        ifId: local.ifId,
        isOwner: !!local.owner,
        settings,
        local,
        remote,
        conditionalForwarders: remote.resolvers.length > 0 ? [{ domain: remote.site.domain, servers: [...remote.resolvers] }] : [],
    };
}

export { InputError };
