import fc from "fast-check";
import { contains, intToIp, ipToInt, isUsableHost, overlaps, parseCidr } from "../../model/addressing";
import { hostName, namingViolation, NETBIOS_MAX } from "../../model/naming";
import { ROLES } from "../../model/schema";

const cidrArb = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 8, max: 30 })).map(([n, p]) => {
    const mask = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
    return `${intToIp((n & mask) >>> 0)}/${p}`;
});

describe("addressing plan (properties)", () => {
    test("ip <-> int round-trips", () => {
        fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => ipToInt(intToIp(n)) === n));
    });

    test("a network address with its prefix parses, and holds exactly 2^(32-p) addresses", () => {
        fc.assert(
            fc.property(cidrArb, (text) => {
                const c = parseCidr(text)!;
                return c !== undefined && c.last - c.first + 1 === 2 ** (32 - c.prefix) && contains(c, c.network);
            }),
        );
    });

    test("an address with host bits set is not a network", () => {
        fc.assert(
            fc.property(cidrArb, fc.integer({ min: 1, max: 3 }), (text, k) => {
                const c = parseCidr(text)!;
                return parseCidr(`${intToIp(c.first + k)}/${c.prefix}`) === undefined;
            }),
        );
    });

    test("overlap is symmetric and matches address containment", () => {
        fc.assert(
            fc.property(cidrArb, cidrArb, (a, b) => {
                const x = parseCidr(a)!;
                const y = parseCidr(b)!;
                const shared = contains(x, y.network) || contains(y, x.network);
                return overlaps(x, y) === overlaps(y, x) && overlaps(x, y) === shared;
            }),
        );
    });

    test("the network and broadcast addresses are never usable host addresses", () => {
        fc.assert(
            fc.property(cidrArb, (text) => {
                const c = parseCidr(text)!;
                return !isUsableHost(c, intToIp(c.first)) && !isUsableHost(c, intToIp(c.last)) && isUsableHost(c, intToIp(c.first + 1));
            }),
        );
    });
});

describe("naming convention (properties)", () => {
    const siteArb = fc.stringMatching(/^[A-Z]{2,4}$/);
    test("generated names follow the convention, are unique per (role, number) and fit NetBIOS", () => {
        fc.assert(
            fc.property(
                siteArb,
                fc.uniqueArray(fc.tuple(fc.constantFrom(...ROLES), fc.integer({ min: 1, max: 99 })), { selector: ([r, n]) => `${r}${n}`, maxLength: 30 }),
                (site, picks) => {
                    const names = picks.map(([role, n]) => hostName(site, role, n));
                    return (
                        new Set(names).size === names.length &&
                        picks.every(([role], i) => namingViolation(names[i], site, role, "windows-2022-core") === undefined && names[i].length <= NETBIOS_MAX)
                    );
                },
            ),
        );
    });
});
