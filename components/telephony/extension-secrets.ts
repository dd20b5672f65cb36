/**
 * The extensions' SIP secrets and voicemail PINs, derived from the PBX's one master key (issue #24: the engine's
 * footprint grows with infrastructure, not people, so no RandomPassword per extension).
 *
 * The scheme (docs/services/telephony.md, "How the extension secrets are made"):
 * - a byte stream per label: HMAC-SHA256(key, `<label>|<counter>`) for counter = 0, 1, 2, ... concatenated, the key
 *   being the master key's UTF-8 bytes (counter mode over HMAC);
 * - the labels name the extension AND its owner's account name: `sip|<number>|<sam>` and `vm|<number>|<sam>`, so an
 *   extension given to someone else gets new secrets, and the SIP secret and the PIN of one extension are unrelated;
 * - rejection sampling, no modulo bias: the SIP secret takes bytes below 248 (4 x 62) as `ALPHABET[b % 62]` until it
 *   has 32 characters; the PIN takes bytes below 250 (25 x 10) as the digit `b % 10` until it has 6.
 * Anyone holding the master key can recompute every secret; rotating the key (replacing its RandomPassword) changes
 * them all at once.
 */
import { createHmac } from "node:crypto";

/** The SIP secret's characters: letters and digits only (it travels in a CSV field and a digest). */
export const SIP_SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const SIP_SECRET_LENGTH = 32;
export const VOICEMAIL_PIN_LENGTH = 6;
const DIGITS = "0123456789";

/** `length` characters of `alphabet` drawn from the label's HMAC stream, bytes at or above the largest multiple of the alphabet's size rejected. */
export function deriveChars(key: string, label: string, alphabet: string, length: number): string {
    if (key.length === 0) throw new Error("extension secrets: the master key is empty");
    if (alphabet.length < 2 || alphabet.length > 256) throw new Error(`extension secrets: an alphabet of ${alphabet.length} characters (2 to 256)`);
    const limit = 256 - (256 % alphabet.length);
    let out = "";
    for (let counter = 0; out.length < length; counter++) {
        // Bounded: a block of 32 bytes keeps each byte with probability >= 1/2, so 1,000 blocks failing is impossible in practice.
        if (counter >= 1000) throw new Error(`extension secrets: the stream of ${label} yielded too few bytes`);
        const block = createHmac("sha256", Buffer.from(key, "utf8")).update(`${label}|${counter}`, "utf8").digest();
        for (const b of block) {
            if (b >= limit) continue;
            out += alphabet[b % alphabet.length];
            if (out.length === length) break;
        }
    }
    return out;
}

/** The SIP secret of extension `number` owned by `sam`: 32 letters and digits. */
export const deriveSipSecret = (key: string, number: string, sam: string): string =>
    deriveChars(key, `sip|${number}|${sam}`, SIP_SECRET_ALPHABET, SIP_SECRET_LENGTH);

/** The voicemail PIN of extension `number` owned by `sam`: 6 digits. */
export const deriveVoicemailPin = (key: string, number: string, sam: string): string => deriveChars(key, `vm|${number}|${sam}`, DIGITS, VOICEMAIL_PIN_LENGTH);
