/**
 * IPv4 arithmetic for the addressing plan, on top of ipaddr.js (parsing and matching). Pure functions.
 */
import * as ipaddr from "ipaddr.js";

import type { Cidr } from "./core";

export type { Cidr };

export function isIpv4(s: unknown): s is string {
    return typeof s === "string" && ipaddr.IPv4.isValidFourPartDecimal(s);
}

/**
 * Parses are memoized: the model, the renderers and the policy rules ask for the same few hundred addresses and
 * networks thousands of times per synth (ipaddr.js parsing was ~6% of prod's synth). Results are immutable.
 */
const MEMO_LIMIT = 100_000;
function memo<T>(fn: (text: string) => T): (text: string) => T {
    const cache = new Map<string, T>();
    return (text) => {
        const hit = cache.get(text);
        if (hit !== undefined || cache.has(text)) return hit as T;
        if (cache.size >= MEMO_LIMIT) cache.clear();
        const v = fn(text);
        cache.set(text, v);
        return v;
    };
}

const ipToIntMemo = memo((ip: string): number => {
    const o = ipaddr.IPv4.parse(ip).octets;
    return ((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3];
});

/** An IPv4 address as a 32-bit integer; throws on anything that is not one, like ipaddr.js. */
export function ipToInt(ip: string): number {
    return ipToIntMemo(ip);
}

export function intToIp(n: number): string {
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** Parses `a.b.c.d/p` where a.b.c.d is the network address; returns undefined for anything else. */
export function parseCidr(text: unknown): Cidr | undefined {
    return typeof text === "string" ? parseCidrMemo(text) : undefined;
}

const parseCidrMemo = memo((text: string): Cidr | undefined => {
    if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(text)) return undefined;
    const [addr, p] = text.split("/");
    if (!isIpv4(addr)) return undefined;
    const prefix = Number(p);
    if (prefix < 0 || prefix > 32) return undefined;
    const network = ipaddr.IPv4.networkAddressFromCIDR(text).toString();
    if (network !== addr) return undefined;
    const first = ipToInt(network);
    const size = 2 ** (32 - prefix);
    return Object.freeze({ network, prefix, first, last: first + size - 1, text });
});

/** The network address a CIDR with host bits set should have been written as (for error messages). */
export function suggestNetwork(text: string): string | undefined {
    try {
        const [addr, prefix] = ipaddr.IPv4.parseCIDR(text);
        void addr;
        return `${ipaddr.IPv4.networkAddressFromCIDR(text).toString()}/${prefix}`;
    } catch {
        return undefined;
    }
}

export function contains(cidr: Cidr, ip: string): boolean {
    const n = ipToInt(ip);
    return n >= cidr.first && n <= cidr.last;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
    return a.first <= b.last && b.first <= a.last;
}

/** Usable host addresses: not the network or broadcast address (a /31 or /32 has none reserved). */
export function isUsableHost(cidr: Cidr, ip: string): boolean {
    if (!contains(cidr, ip)) return false;
    if (cidr.prefix >= 31) return true;
    const n = ipToInt(ip);
    return n !== cidr.first && n !== cidr.last;
}

export function netmask(prefix: number): string {
    return intToIp(prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
}

/** Size of an inclusive address range. */
export function rangeSize(start: string, end: string): number {
    return ipToInt(end) - ipToInt(start) + 1;
}

/** Reverse DNS zone name for a /8, /16 or /24-aligned view of a CIDR (`20.10.10.in-addr.arpa`). */
export function reverseZone(cidr: Cidr): string {
    const octets = cidr.network.split(".");
    const keep = Math.max(1, Math.floor(cidr.prefix / 8));
    return octets.slice(0, keep).reverse().join(".") + ".in-addr.arpa";
}
