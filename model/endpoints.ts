/**
 * The endpoints a flow, a requirement or an allowlist names, parsed in one place: a zone, a host, `router` (the
 * router/firewall itself), `vpn-partner` (the far networks of the site-to-site tunnel) or `kind:<zone kind>` (every
 * zone of that kind). Whether a name is a zone or a host is the caller's question (it knows the site).
 */
export const ROUTER = "router";
export const VPN_PARTNER = "vpn-partner";
export const KIND_PREFIX = "kind:";

export type Endpoint =
    | { readonly kind: "router" }
    | { readonly kind: "vpn-partner" }
    | { readonly kind: "zone-kind"; readonly zoneKind: string }
    /** A zone or a host of the site. */
    | { readonly kind: "name"; readonly name: string };

export function parseEndpoint(text: string): Endpoint {
    if (text === ROUTER) return { kind: "router" };
    if (text === VPN_PARTNER) return { kind: "vpn-partner" };
    if (text.startsWith(KIND_PREFIX)) return { kind: "zone-kind", zoneKind: text.slice(KIND_PREFIX.length) };
    return { kind: "name", name: text };
}
