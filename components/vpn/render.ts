/**
 * Pure renderers of one end of the site-to-site tunnel, from the paired VPN model (both sites' data): the
 * strongSwan connection (swanctl.conf syntax), its secrets file (a placeholder only), the charon settings, the
 * route-based interface script and its units, the pfSense phase 1 / phase 2 settings, and the docs rows.
 * No Pulumi here. References: strongSwan swanctl.conf(5) (https://docs.strongswan.org/docs/5.9/swanctl/swanctlConf.html),
 * strongswan.conf(5), "Route-based VPNs" (https://docs.strongswan.org/docs/5.9/features/routeBasedVpn.html).
 */
import { parseCidr } from "../../model/addressing";
import { VpnModel } from "../../model/vpn";
import { parseProposal } from "../../model/vpn-crypto";
import { CommentSyntax, generatedHeader } from "../header";
import { stepScript } from "../guest-step/render";

/** The name of the GuestStep secret that carries the pre-shared key. */
export const PSK_SECRET = "vpn-psk";

export function vpnPaths(vpn: Pick<VpnModel, "tunnel">) {
    return {
        /** Included by Debian's /etc/swanctl/swanctl.conf (`include conf.d/*.conf`). */
        connection: `/etc/swanctl/conf.d/billu-${vpn.tunnel}.conf`,
        /** The secrets section, 0600: the only file the key is ever written to, at install time. */
        secrets: `/etc/swanctl/conf.d/billu-${vpn.tunnel}.secrets.conf`,
        /** Included by Debian's /etc/strongswan.conf (`include strongswan.d/*.conf`). */
        charon: "/etc/strongswan.d/billu-vpn.conf",
        link: `/usr/local/sbin/billu-vpn-link-${vpn.tunnel}`,
        linkUnit: `/etc/systemd/system/billu-vpn-link-${vpn.tunnel}.service`,
        strongswanDropIn: "/etc/systemd/system/strongswan.service.d/billu.conf",
    };
}

/**
 * IKE retransmissions: strongSwan gives a silent peer up after sum(timeout * base^i, i = 0..tries) seconds
 * (strongswan.conf(5), charon.retransmit_*). The defaults (4 s, 1.8, 5 tries: 165 s) keep a dead tunnel down for
 * minutes; these give up after ~14 s, so DPD restores a tunnel within dpd_delay + 14.2 s of the peer's return.
 */
export const RETRANSMIT = { timeoutSeconds: 2.0, base: 1.4, tries: 3 } as const;

export function retransmitGiveUpSeconds(r: { timeoutSeconds: number; base: number; tries: number } = RETRANSMIT): number {
    let total = 0;
    for (let i = 0; i <= r.tries; i++) total += r.timeoutSeconds * Math.pow(r.base, i);
    return Math.round(total * 10) / 10;
}

/** Upper bound for DPD to notice a dead peer: the idle delay, then the retransmissions. */
export function dpdDetectionBoundSeconds(vpn: Pick<VpnModel, "settings">): number {
    return vpn.settings.dpdDelaySeconds + retransmitGiveUpSeconds();
}

function header(vpn: VpnModel, what: string, comment: CommentSyntax = "#"): string[] {
    return [
        generatedHeader(comment, { host: vpn.local.gateway.host, site: `${vpn.local.site.company}, ${vpn.local.site.name}`, what }),
        `${comment} of the IPsec tunnel "${vpn.tunnel}" to ${vpn.remote.site.company} (${vpn.remote.gateway.host}), rendered from both sites'`,
        `${comment} models (this stack and ${vpn.peerStack}). Do not edit: change the stack config.`,
    ];
}

/** The strongSwan connection of this end (swanctl.conf syntax). Holds no secret. */
export function renderSwanctlConnection(vpn: VpnModel): string {
    const s = vpn.settings;
    const initiator = vpn.isOwner;
    const lines = [
        ...header(vpn, "the connection"),
        "connections {",
        `    ${vpn.tunnel} {`,
        "        version = 2",
        `        local_addrs = ${vpn.local.gateway.address}`,
        `        remote_addrs = ${vpn.remote.gateway.address}`,
        `        proposals = ${s.ikeProposals.join(", ")}`,
        "        # ESP always in UDP 4500 (RFC 3948), with or without NAT: the lab's userspace backend does the same, so",
        "        # production and lab need the same firewall rules (UDP 500 and 4500 from the peer, no ESP protocol 50).",
        "        encap = yes",
        "        mobike = no",
        `        dpd_delay = ${s.dpdDelaySeconds}s`,
        ...(initiator ? ["        # Keep trying forever: a lost tunnel comes back when the peer does.", "        keyingtries = 0"] : []),
        "        local {",
        "            auth = psk",
        `            id = ${vpn.local.gateway.id}`,
        "        }",
        "        remote {",
        "            auth = psk",
        `            id = ${vpn.remote.gateway.id}`,
        "        }",
        "        children {",
        `            ${vpn.tunnel} {`,
        "                # Exactly the two sites' internal networks, never 0.0.0.0/0.",
        `                local_ts = ${vpn.local.networks.join(", ")}`,
        `                remote_ts = ${vpn.remote.networks.join(", ")}`,
        `                esp_proposals = ${s.espProposals.join(", ")}`,
        `                # Route-based: the SAs are bound to interface id ${vpn.ifId}, the XFRM interface ${vpn.interface}.`,
        `                if_id_in = ${vpn.ifId}`,
        `                if_id_out = ${vpn.ifId}`,
        ...(initiator
            ? [
                  "                # This end initiates at start, and restarts the tunnel when DPD finds the peer dead or it closes.",
                  "                start_action = start",
                  "                dpd_action = restart",
                  "                close_action = start",
              ]
            : [
                  `                # This end responds: ${vpn.remote.gateway.host} initiates and restarts; a dead initiator's SAs are cleared.`,
                  "                start_action = none",
                  "                dpd_action = clear",
                  "                close_action = none",
              ]),
        "            }",
        "        }",
        "    }",
        "}",
        "",
    ];
    return lines.join("\n");
}

/** The secrets section: the key is a placeholder the guest step fills in at install time (file mode 0600). */
export function renderSwanctlSecrets(vpn: VpnModel): string {
    return [
        ...header(vpn, "the pre-shared key"),
        "# The key arrives on the guest step's stdin and is written here at install time; this file is mode 0600.",
        "secrets {",
        `    ike-${vpn.tunnel} {`,
        `        id-local = ${vpn.local.gateway.id}`,
        `        id-remote = ${vpn.remote.gateway.id}`,
        `        secret = "{{secret:${PSK_SECRET}}}"`,
        "    }",
        "}",
        "",
    ].join("\n");
}

/** charon settings every tunnel of the router shares (strongswan.conf syntax). */
export function renderCharonConf(): string {
    return [
        generatedHeader("#", { what: "charon settings for the site-to-site tunnels.", note: "Do not edit: change the stack config." }),
        "charon {",
        "    # Route-based tunnels: their routes go through the tunnel interface (billu-vpn-link-*), charon installs none",
        "    # and adds no policy-routing table.",
        "    install_routes = no",
        "    routing_table = 0",
        `    # A silent peer is given up after ~${retransmitGiveUpSeconds()} s (the defaults take 165 s), so dead peer detection`,
        "    # restarts a tunnel quickly.",
        `    retransmit_timeout = ${RETRANSMIT.timeoutSeconds.toFixed(1)}`,
        `    retransmit_base = ${RETRANSMIT.base}`,
        `    retransmit_tries = ${RETRANSMIT.tries}`,
        "}",
        "",
    ].join("\n");
}

/**
 * The tunnel interface and the routes to the peer's networks (POSIX sh, idempotent): the header, this end's data, then
 * scripts/vpn/billu-vpn-link.sh verbatim.
 */
export function renderLinkScript(vpn: VpnModel): string {
    return [
        "#!/bin/sh",
        ...header(vpn, "the route-based interface and routes"),
        stepScript("linux", "vpn/billu-vpn-link.sh", {
            IF: vpn.interface,
            WAN_IF: vpn.local.wanIfname,
            IF_ID: String(vpn.ifId),
            SOURCE: vpn.local.sourceAddress,
            NETWORKS: vpn.remote.networks.join(" "),
        }),
        "",
    ].join("\n");
}

export function renderLinkUnit(vpn: VpnModel): string {
    return [
        generatedHeader("#", { what: "the tunnel interface exists, with its routes, before charon starts." }),
        "[Unit]",
        `Description=billu-infra: IPsec tunnel interface ${vpn.interface} and routes to ${vpn.remote.site.company}`,
        "After=network-online.target",
        "Wants=network-online.target",
        "Before=strongswan.service",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        `ExecStart=${vpnPaths(vpn).link}`,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
}

/** charon restarts whenever it stops for any reason (Debian's unit restarts it on abnormal exits only). */
export function renderStrongswanDropIn(): string {
    return [
        generatedHeader("#", { what: "the IKE daemon comes back by itself; the tunnel follows (start_action, DPD)." }),
        "[Service]",
        "Restart=always",
        "RestartSec=2s",
        "",
    ].join("\n");
}

// pfSense: https://docs.netgate.com/pfsense/en/latest/vpn/ipsec/configure.html ; DH group numbers: RFC 7296,
// IANA "Transform Type 4" (ecp384 = 20, ecp521 = 21, ecp384bp = 29, ecp512bp = 30, curve448 = 32).
const DH_GROUP: Record<string, number> = { ecp256: 19, ecp384: 20, ecp521: 21, ecp384bp: 29, ecp512bp: 30, curve25519: 31, x25519: 31, curve448: 32, x448: 32 };

function xml(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The same tunnel as pfSense phase 1 / phase 2 entries (the `<ipsec>` section of config.xml). pfSense's route-based
 * mode (VTI) cannot carry several networks per entry, so this is policy-based: one phase 2 per pair of networks.
 * The key is a placeholder, filled in by whoever imports it (never rendered).
 */
export function renderPfsenseIpsec(vpn: VpnModel): string {
    const s = vpn.settings;
    const ike = s.ikeProposals.map(parseProposal);
    const esp = s.espProposals.map(parseProposal);
    const enc = (a: string) => ({ name: a.replace(/gcm(16|128)$/, "gcm"), icvBits: /gcm/.test(a) ? 128 : undefined });
    const out: string[] = [
        generatedHeader("<!--", { host: xml(vpn.local.gateway.host), what: `the IPsec tunnel "${xml(vpn.tunnel)}" to ${xml(vpn.remote.site.company)}.` }),
        "<ipsec>",
        "  <phase1>",
        "    <ikeid>1</ikeid>",
        "    <iketype>ikev2</iketype>",
        "    <interface>wan</interface>",
        `    <remote-gateway>${xml(vpn.remote.gateway.address)}</remote-gateway>`,
        "    <protocol>inet</protocol>",
        "    <myid_type>address</myid_type>",
        `    <myid_data>${xml(vpn.local.gateway.id)}</myid_data>`,
        "    <peerid_type>address</peerid_type>",
        `    <peerid_data>${xml(vpn.remote.gateway.id)}</peerid_data>`,
        "    <encryption>",
        ...ike.flatMap((p) =>
            p.encryption.map((e) => {
                const x = enc(e);
                return [
                    "      <item>",
                    `        <encryption-algorithm><name>${x.name}</name><keylen>${x.icvBits ?? 256}</keylen></encryption-algorithm>`,
                    `        <hash-algorithm>${(p.integrity[0] ?? p.prf[0] ?? "").replace(/^prf/, "")}</hash-algorithm>`,
                    `        <prf-algorithm>${(p.prf[0] ?? "").replace(/^prf/, "")}</prf-algorithm>`,
                    `        <dhgroup>${DH_GROUP[p.dh[0]] ?? ""}</dhgroup>`,
                    "      </item>",
                ].join("\n");
            }),
        ),
        "    </encryption>",
        "    <lifetime>28800</lifetime>",
        `    <pre-shared-key>{{secret:${PSK_SECRET}}}</pre-shared-key>`,
        "    <authentication_method>pre_shared_key</authentication_method>",
        "    <nat_traversal>force</nat_traversal>",
        "    <mobike>off</mobike>",
        `    <dpd_delay>${s.dpdDelaySeconds}</dpd_delay>`,
        `    <dpd_maxfail>${RETRANSMIT.tries}</dpd_maxfail>`,
        `    <startaction>${vpn.isOwner ? "start" : "none"}</startaction>`,
        `    <closeaction>${vpn.isOwner ? "start" : "none"}</closeaction>`,
        `    <descr>${xml(`billu-infra: ${vpn.tunnel} to ${vpn.remote.site.company}`)}</descr>`,
        "  </phase1>",
    ];
    let n = 0;
    for (const l of vpn.local.networks) {
        for (const r of vpn.remote.networks) {
            n++;
            const lc = parseCidr(l)!;
            const rc = parseCidr(r)!;
            out.push(
                "  <phase2>",
                "    <ikeid>1</ikeid>",
                `    <uniqid>billu-${xml(vpn.tunnel)}-${n}</uniqid>`,
                "    <mode>tunnel</mode>",
                `    <localid><type>network</type><address>${lc.text.split("/")[0]}</address><netbits>${lc.prefix}</netbits></localid>`,
                `    <remoteid><type>network</type><address>${rc.text.split("/")[0]}</address><netbits>${rc.prefix}</netbits></remoteid>`,
                "    <protocol>esp</protocol>",
                ...esp.flatMap((p) =>
                    p.encryption.map((e) => {
                        const x = enc(e);
                        return `    <encryption-algorithm-option><name>${x.name}</name><keylen>${x.icvBits ?? 256}</keylen></encryption-algorithm-option>`;
                    }),
                ),
                `    <pfsgroup>${DH_GROUP[esp[0]?.dh[0] ?? ""] ?? 0}</pfsgroup>`,
                "    <lifetime>3600</lifetime>",
                `    <descr>${xml(`${l} to ${r}`)}</descr>`,
                "  </phase2>",
            );
        }
    }
    out.push("</ipsec>", "");
    return out.join("\n");
}

/** Docs: the two ends side by side, then the tunnel's settings. */
export function vpnDocsSections(vpn: VpnModel, engine: string): Record<string, { columns: string[]; rows: (string | number)[][] }> {
    const l = vpn.local;
    const r = vpn.remote;
    const s = vpn.settings;
    const title = `Site-to-site VPN: ${vpn.tunnel} (${r.site.company})`;
    return {
        [title]: {
            columns: ["", `this end: ${l.site.company}`, `peer: ${r.site.company}`],
            rows: [
                ["site", `${l.site.name} (${l.site.code})`, `${r.site.name} (${r.site.code}), stack ${vpn.peerStack}`],
                ["gateway", `${l.gateway.host} ${l.gateway.address}`, `${r.gateway.host} ${r.gateway.address}`],
                ["IKE identity", l.gateway.id, r.gateway.id],
                ["traffic selectors", l.networks.join(", "), r.networks.join(", ")],
                ["DNS domain", l.site.domain, r.site.domain],
                ["resolvers", l.resolvers.join(", ") || "-", r.resolvers.join(", ") || "-"],
                ["role", vpn.isOwner ? "owner: generates the key, initiates" : "responds", vpn.isOwner ? "responds" : "owner: generates the key, initiates"],
            ],
        },
        [`${title}: settings`]: {
            columns: ["setting", "value"],
            rows: [
                ["protocol", "IKEv2, ESP tunnel mode, always UDP-encapsulated (UDP 500 and 4500 only)"],
                ["IKE (phase 1) proposals", s.ikeProposals.join(", ")],
                ["ESP (phase 2) proposals (with PFS)", s.espProposals.join(", ")],
                [
                    "authentication",
                    `pre-shared key, ${s.pskLength} random characters, ${vpn.isOwner ? "generated in this stack (secret output vpnPsk)" : `read from ${vpn.peerStack} (secret output vpnPsk)`}`,
                ],
                [
                    "dead peer detection",
                    `after ${s.dpdDelaySeconds} s without traffic; peer declared dead within ${dpdDetectionBoundSeconds(vpn)} s; ${vpn.isOwner ? "then restart" : "then clear (the owner restarts)"}`,
                ],
                ["restart on failure", "charon restarts always (systemd); the owner re-initiates forever (keyingtries 0, close_action start)"],
                ["engine", engine === "pfsense" ? "pfSense (policy-based phase 2 per network pair)" : `strongSwan on ${l.gateway.host}, route-based`],
                ["tunnel interface", `${vpn.interface} (XFRM, if_id ${vpn.ifId}, on ${l.wanIfname}; MTU 1400)`],
                ...vpn.conditionalForwarders.map((f) => ["conditional DNS forwarder", `${f.domain} -> ${f.servers.join(", ")}`]),
            ],
        },
    };
}
