/**
 * The extensions' secrets derived from the PBX's master key (components/telephony/extension-secrets.ts, issue #24):
 * a known-answer vector recomputed here from the documented scheme with node:crypto (HMAC-SHA256 counter mode,
 * rejection sampling), and cross-checked against literals computed once with Python's hmac; determinism for a key;
 * different secrets per extension, per owner, per key; the charset and length of every extension of the dev stack.
 */
import { createHmac } from "node:crypto";
import type { TelephonyPlan } from "../../model/telephony";
import { deriveSipSecret, deriveVoicemailPin } from "../../components/telephony/extension-secrets";
import { model, stackRaw } from "../helpers";

const KEY = "K".repeat(64);
const LETTERS_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const block = (label: string, counter: number): number[] => [...createHmac("sha256", KEY).update(`${label}|${counter}`).digest()];

test("known answer: the SIP secret of 4003/lea.laurent skips the byte 248 (4 x 62) of its first block and completes from the second", () => {
    const b0 = block("sip|4003|lea.laurent", 0);
    // The vector exercises the rejection at its exact boundary: 248 is the first byte that would bias the draw.
    expect(b0.filter((b) => b >= 248)).toEqual([248]);
    const expected = [...b0, ...block("sip|4003|lea.laurent", 1)]
        .filter((b) => b < 248)
        .slice(0, 32)
        .map((b) => LETTERS_DIGITS[b % 62])
        .join("");
    expect(expected).toBe("omG9LJbx6NA3GpkmYWsX7LlJDsSNnFrJ"); // Python hmac, the same scheme
    expect(deriveSipSecret(KEY, "4003", "lea.laurent")).toBe(expected);
    expect(deriveSipSecret(KEY, "4001", "lea.laurent")).toBe("RyIlaKuVjEOzGduVXWksHrKxFieKPBoi"); // Python hmac
});

test("known answer: the voicemail PIN of 4001/lea.laurent skips the bytes at or above 250 (25 x 10)", () => {
    const b0 = block("vm|4001|lea.laurent", 0);
    expect(b0.slice(0, 7)).toEqual([229, 217, 34, 254, 146, 231, 221]);
    const expected = b0
        .filter((b) => b < 250)
        .slice(0, 6)
        .map((b) => String(b % 10))
        .join("");
    expect(expected).toBe("974611");
    expect(deriveVoicemailPin(KEY, "4001", "lea.laurent")).toBe(expected);
});

test("deterministic for a key; different per extension, per owner (a reassigned extension) and per key; the SIP secret and the PIN of one extension unrelated", () => {
    expect(deriveSipSecret(KEY, "4001", "lea.laurent")).toBe(deriveSipSecret("K".repeat(64), "4001", "lea.laurent"));
    const sips = [
        deriveSipSecret(KEY, "4001", "lea.laurent"),
        deriveSipSecret(KEY, "4002", "lea.laurent"),
        deriveSipSecret(KEY, "4001", "theo.odegaard2"),
        deriveSipSecret("L".repeat(64), "4001", "lea.laurent"),
    ];
    expect(new Set(sips).size).toBe(4);
    const pins = [
        deriveVoicemailPin(KEY, "4001", "lea.laurent"),
        deriveVoicemailPin(KEY, "4002", "lea.laurent"),
        deriveVoicemailPin(KEY, "4001", "theo.odegaard2"),
        deriveVoicemailPin("L".repeat(64), "4001", "lea.laurent"),
    ];
    expect(new Set(pins).size).toBe(4);
    expect(deriveVoicemailPin(KEY, "4001", "lea.laurent")).not.toBe(deriveSipSecret(KEY, "4001", "lea.laurent").slice(0, 6));
});

test("every extension of the dev stack: a SIP secret of 32 letters and digits, a PIN of 6 digits, all SIP secrets distinct", () => {
    const plan = model(stackRaw("dev")).plan<TelephonyPlan>("pbx")!;
    expect(plan.extensions.length).toBeGreaterThan(100);
    const sips = plan.extensions.map((e) => deriveSipSecret(KEY, e.number, e.sam));
    for (const s of sips) expect(s).toMatch(/^[A-Za-z0-9]{32}$/);
    for (const e of plan.extensions) expect(deriveVoicemailPin(KEY, e.number, e.sam)).toMatch(/^[0-9]{6}$/);
    expect(new Set(sips).size).toBe(sips.length);
    // Every character of the alphabet is reachable (a modulo or slicing mistake would leave some out).
    expect(new Set(sips.join("")).size).toBe(62);
});

test("an empty master key is refused with a message that names it", () => {
    expect(() => deriveSipSecret("", "4001", "lea.laurent")).toThrow("extension secrets: the master key is empty");
});
