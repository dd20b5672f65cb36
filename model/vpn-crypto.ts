/**
 * IKEv2 / ESP proposals in strongSwan's notation (`aes256gcm16-prfsha384-ecp384`): parsing, and the strength bar
 * the policy pack holds every tunnel to. Pure. Keywords: strongSwan, "IKEv2 Cipher Suites"
 * (https://docs.strongswan.org/docs/5.9/config/IKEv2CipherSuites.html).
 *
 * Config validation only refuses what strongSwan cannot parse (a typo is exit 2); a valid but weak suite is the
 * policy gate's business (`enforce-vpn-strong-crypto`, exit 1), so a reviewer sees the rule and its reason.
 */

export type AlgorithmKind = "encryption" | "integrity" | "prf" | "dh" | "esn";

const ENCRYPTION = [
    "aes128",
    "aes192",
    "aes256",
    "aes128ctr",
    "aes192ctr",
    "aes256ctr",
    "aes128ccm8",
    "aes128ccm12",
    "aes128ccm16",
    "aes256ccm8",
    "aes256ccm12",
    "aes256ccm16",
    "aes128gcm8",
    "aes128gcm12",
    "aes128gcm16",
    "aes128gcm64",
    "aes128gcm96",
    "aes128gcm128",
    "aes192gcm16",
    "aes256gcm8",
    "aes256gcm12",
    "aes256gcm16",
    "aes256gcm64",
    "aes256gcm96",
    "aes256gcm128",
    "chacha20poly1305",
    "3des",
    "blowfish",
    "camellia128",
    "camellia256",
    "null",
];
const INTEGRITY = ["md5", "sha1", "sha256", "sha384", "sha512", "aesxcbc", "aescmac", "sha256_96"];
const PRF = ["prfmd5", "prfsha1", "prfsha256", "prfsha384", "prfsha512", "prfaesxcbc", "prfaescmac"];
const DH = [
    "modp768",
    "modp1024",
    "modp1536",
    "modp2048",
    "modp3072",
    "modp4096",
    "modp6144",
    "modp8192",
    "ecp192",
    "ecp224",
    "ecp256",
    "ecp384",
    "ecp521",
    "ecp224bp",
    "ecp256bp",
    "ecp384bp",
    "ecp512bp",
    "curve25519",
    "x25519",
    "curve448",
    "x448",
];
const ESN = ["esn", "noesn"];

const KIND = new Map<string, AlgorithmKind>([
    ...ENCRYPTION.map((a) => [a, "encryption"] as const),
    ...INTEGRITY.map((a) => [a, "integrity"] as const),
    ...PRF.map((a) => [a, "prf"] as const),
    ...DH.map((a) => [a, "dh"] as const),
    ...ESN.map((a) => [a, "esn"] as const),
]);

/** The bar: AES-GCM with a 256-bit key (16-octet ICV), PRF SHA-384 or better, ECP-384 or better. */
export const STRONG = {
    encryption: ["aes256gcm16", "aes256gcm128"],
    prf: ["prfsha384", "prfsha512"],
    integrity: ["sha384", "sha512"],
    dh: ["ecp384", "ecp521", "ecp384bp", "ecp512bp", "curve448", "x448"],
} as const;

export const DEFAULT_IKE_PROPOSALS = ["aes256gcm16-prfsha384-ecp384"];
export const DEFAULT_ESP_PROPOSALS = ["aes256gcm16-ecp384"];

export interface ParsedProposal {
    readonly text: string;
    readonly encryption: string[];
    readonly integrity: string[];
    readonly prf: string[];
    readonly dh: string[];
    readonly esn: string[];
    /** Tokens strongSwan would not recognize. */
    readonly unknown: string[];
}

export function parseProposal(text: string): ParsedProposal {
    const p: ParsedProposal = { text, encryption: [], integrity: [], prf: [], dh: [], esn: [], unknown: [] };
    for (const token of text.split("-")) {
        const kind = KIND.get(token.toLowerCase());
        if (!kind) p.unknown.push(token);
        else p[kind].push(token.toLowerCase());
    }
    return p;
}

/** Why a proposal cannot be parsed (exit 2), or undefined. */
export function proposalSyntaxError(text: string, kind: "ike" | "esp"): string | undefined {
    if (!/^[a-z0-9_]+(-[a-z0-9_]+)*$/.test(text)) return "is not a strongSwan proposal (algorithm keywords joined by -)";
    const p = parseProposal(text);
    if (p.unknown.length > 0) return `has unknown algorithm keyword${p.unknown.length > 1 ? "s" : ""} ${p.unknown.join(", ")}`;
    if (p.encryption.length === 0) return "names no encryption algorithm";
    if (kind === "ike" && p.prf.length === 0 && p.integrity.length === 0) return "names no PRF (e.g. prfsha384)";
    if (kind === "ike" && p.dh.length === 0) return "names no key exchange group (e.g. ecp384)";
    if (kind === "ike" && p.esn.length > 0) return "names an ESN mode, which only ESP proposals have";
    return undefined;
}

/**
 * Why a proposal falls below the bar, or undefined when it meets it. ESP proposals must name a key exchange group
 * (perfect forward secrecy on every rekey).
 */
export function proposalWeakness(text: string, kind: "ike" | "esp"): string | undefined {
    const p = parseProposal(text);
    const reasons: string[] = [];
    const weakEnc = p.encryption.filter((a) => !(STRONG.encryption as readonly string[]).includes(a));
    if (weakEnc.length > 0 || p.encryption.length === 0) reasons.push(`encryption ${weakEnc.join(", ") || "none"} is not AES-GCM-256`);
    const weakInteg = p.integrity.filter((a) => !(STRONG.integrity as readonly string[]).includes(a));
    if (weakInteg.length > 0) reasons.push(`integrity ${weakInteg.join(", ")} is weaker than SHA-384`);
    if (kind === "ike") {
        const weakPrf = p.prf.filter((a) => !(STRONG.prf as readonly string[]).includes(a));
        if (weakPrf.length > 0 || p.prf.length === 0) reasons.push(`PRF ${weakPrf.join(", ") || "none"} is not SHA-384 or better`);
    }
    const weakDh = p.dh.filter((a) => !(STRONG.dh as readonly string[]).includes(a));
    if (weakDh.length > 0) reasons.push(`key exchange ${weakDh.join(", ")} is weaker than ECP-384`);
    if (p.dh.length === 0) reasons.push(kind === "esp" ? "no key exchange group (no perfect forward secrecy)" : "no key exchange group");
    if (p.unknown.length > 0) reasons.push(`unknown keywords ${p.unknown.join(", ")}`);
    return reasons.length > 0 ? reasons.join("; ") : undefined;
}

/** The minimum pre-shared key length the pack accepts (characters of a random alphanumeric key: > 190 bits). */
export const MIN_PSK_LENGTH = 32;
