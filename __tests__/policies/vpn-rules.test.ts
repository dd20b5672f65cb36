/** The VPN rules on hand-built resources: a compliant tunnel, then one property changed per failing case. */
import { disallowVpnAnySelector } from "../../policies/rules/disallow-vpn-any-selector";
import { VPN_TYPE } from "../../components/contracts";
import { enforceVpnStrongCrypto } from "../../policies/rules/enforce-vpn-strong-crypto";
import { RecordedResource } from "../../tools/mock-runtime";
import { check, resource } from "./harness";

const VPN_URN = `urn:pulumi:test::billu-infra::${VPN_TYPE}::par-vpn-ecotech`;

function tunnel(overrides: Record<string, unknown> = {}): RecordedResource {
    return {
        ...resource(VPN_TYPE, "par-vpn-ecotech", {
            tunnel: "ecotech",
            paired: true,
            owner: true,
            localTs: ["10.10.10.0/24", "10.10.20.0/24"],
            remoteTs: ["172.20.10.0/24"],
            ikeProposals: ["aes256gcm16-prfsha384-ecp384"],
            espProposals: ["aes256gcm16-ecp384"],
            pskLength: 48,
            ...overrides,
        }),
        custom: false,
    };
}

function key(length: number): RecordedResource {
    return { ...resource("random:index/randomPassword:RandomPassword", "par-vpn-ecotech-psk", { length, special: false }), parent: VPN_URN };
}

describe("enforce-vpn-strong-crypto", () => {
    test("baseline passes", async () => expect(await check(enforceVpnStrongCrypto, [tunnel(), key(48)])).toEqual([]));
    test("stronger suites pass too", async () => {
        const strong = tunnel({ ikeProposals: ["aes256gcm16-prfsha512-ecp521"], espProposals: ["aes256gcm16-curve448-esn"] });
        expect(await check(enforceVpnStrongCrypto, [strong])).toEqual([]);
    });
    test("1: a weak IKE proposal", async () => {
        expect(await check(enforceVpnStrongCrypto, [tunnel({ ikeProposals: ["aes128-sha1-modp1024"] })])).toEqual([
            'VPN ecotech: IKE proposal "aes128-sha1-modp1024" is too weak: encryption aes128 is not AES-GCM-256; integrity sha1 is weaker than SHA-384; PRF none is not SHA-384 or better; key exchange modp1024 is weaker than ECP-384.',
        ]);
    });
    test("2: an ESP proposal without PFS", async () => {
        expect(await check(enforceVpnStrongCrypto, [tunnel({ espProposals: ["aes256gcm16"] })])).toEqual([
            'VPN ecotech: ESP proposal "aes256gcm16" is too weak: no key exchange group (no perfect forward secrecy).',
        ]);
    });
    test("3: a strong proposal listed with a weaker fallback", async () => {
        expect(await check(enforceVpnStrongCrypto, [tunnel({ ikeProposals: ["aes256gcm16-prfsha384-ecp384", "aes256gcm16-prfsha256-ecp256"] })])).toEqual([
            'VPN ecotech: IKE proposal "aes256gcm16-prfsha256-ecp256" is too weak: PRF prfsha256 is not SHA-384 or better; key exchange ecp256 is weaker than ECP-384.',
        ]);
    });
    test("4: a short key length", async () => {
        expect(await check(enforceVpnStrongCrypto, [tunnel({ pskLength: 16 })])).toEqual(["VPN ecotech: the pre-shared key is 16 characters, fewer than 32."]);
    });
    test("5: a generated key shorter than the bar", async () => {
        expect(await check(enforceVpnStrongCrypto, [tunnel(), key(20)])).toEqual([
            "VPN ecotech: the generated key par-vpn-ecotech-psk is 20 characters, fewer than 32.",
        ]);
    });
    test("6: a paired tunnel with no proposal", async () => {
        expect(await check(enforceVpnStrongCrypto, [tunnel({ espProposals: [] })])).toEqual([
            "VPN ecotech: no ESP proposal, so the daemon's defaults (weak suites included) would apply.",
        ]);
    });
});

describe("disallow-vpn-any-selector", () => {
    test("baseline passes", async () => expect(await check(disallowVpnAnySelector, [tunnel()])).toEqual([]));
    test("an unpaired end (peer not deployed yet) has no remote selectors yet", async () => {
        expect(await check(disallowVpnAnySelector, [tunnel({ paired: false, remoteTs: [] })])).toEqual([]);
    });
    test("1: 0.0.0.0/0 as the remote selector", async () => {
        expect(await check(disallowVpnAnySelector, [tunnel({ remoteTs: ["0.0.0.0/0"] })])).toEqual([
            "VPN ecotech: remoteTs 0.0.0.0/0 covers /0, more than any site network.",
        ]);
    });
    test("2: a local selector wider than a /8", async () => {
        expect(await check(disallowVpnAnySelector, [tunnel({ localTs: ["10.0.0.0/8", "0.0.0.0/1"] })])).toEqual([
            "VPN ecotech: localTs 0.0.0.0/1 covers /1, more than any site network.",
        ]);
    });
    test("3: an empty selector list on a paired tunnel", async () => {
        expect(await check(disallowVpnAnySelector, [tunnel({ remoteTs: [] })])).toEqual([
            "VPN ecotech: remoteTs is empty, which strongSwan takes as the whole address space.",
        ]);
    });
    test("4: a selector that is not a network", async () => {
        expect(await check(disallowVpnAnySelector, [tunnel({ remoteTs: ["dynamic"] })])).toEqual(["VPN ecotech: remoteTs dynamic is not an IPv4 network."]);
    });
});
