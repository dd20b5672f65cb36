/**
 * The endpoints a flow, a requirement or an allowlist names, parsed in one place: a zone, a host, `router` (the
 * router/firewall itself), `vpn-partner` (the far networks of the site-to-site tunnel), `vpn-partner:<host>` (one host
 * of the partner site, declared in billu:firewall.vpnPartner.hosts and checked against the peer stack's exported
 * hosts when the tunnel pairs) or `kind:<zone kind>` (every zone of that kind). Whether a name is a zone or a host is
 * the caller's question (it knows the site).
 */
export const ROUTER = "router";
export const VPN_PARTNER = "vpn-partner";
export const KIND_PREFIX = "kind:";
/** `vpn-partner:<host>`: one host of the partner site, behind the tunnel. */
export const PEER_HOST_PREFIX = `${VPN_PARTNER}:`;

export type Endpoint =
    | { readonly kind: "router" }
    | { readonly kind: "vpn-partner" }
    | { readonly kind: "zone-kind"; readonly zoneKind: string }
    /** One host of the VPN partner's site (its name as the peer stack exports it). */
    | { readonly kind: "peer-host"; readonly host: string }
    /** A zone or a host of the site. */
    | { readonly kind: "name"; readonly name: string };

export function parseEndpoint(text: string): Endpoint {
    if (text === ROUTER) return { kind: "router" };
    if (text === VPN_PARTNER) return { kind: "vpn-partner" };
    if (text.startsWith(PEER_HOST_PREFIX)) return { kind: "peer-host", host: text.slice(PEER_HOST_PREFIX.length) };
    if (text.startsWith(KIND_PREFIX)) return { kind: "zone-kind", zoneKind: text.slice(KIND_PREFIX.length) };
    return { kind: "name", name: text };
}
