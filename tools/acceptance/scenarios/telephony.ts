/**
 * Telephony (billu:telephony, model/telephony.ts, issue #26): the PBX answers SIP over TLS. From a host of a phones'
 * zone (`--zone`, one of the plan's phoneZones: the router opens SIP/TLS to the PBX from the department zones only,
 * not from the management zone, which reaches FreePBX's admin interface alone), a SIP OPTIONS (RFC 3261 §11, the
 * request a phone or a monitor sends to ask "are you there") goes to the PBX's address on the plan's SIP/TLS port over
 * TLS, the certificate verified against the site CA (the outputs' caCertPem) for the PBX's FQDN (the plan's), and a
 * SIP/2.0 final response (200-699, after any 1xx) to that request (same Call-ID and CSeq) is expected. Any final
 * response counts: FreePBX answers 200 to a known peer and may answer 401/404 to an unknown one; what is proven is
 * that SIP over TLS reaches a SIP server holding the site's certificate. It registers nothing, calls no one, and
 * writes nothing.
 *
 * Client: Node's own TLS (the same checks as openssl's -verify_hostname and -verify_return_error: chain to the given
 * CA only, the name in the certificate), the request written by hand (SIP is text; no SIP library is needed to send
 * one request and read one status line). Bounded: connection and answer within 10 s, under the runner's 30 s.
 */
import { randomBytes } from "crypto";
import * as tls from "tls";
import type { TelephonyPlan } from "../../../model/telephony";
import type { Check, Scenario, ScenarioInput } from "../types";
import { runZone } from "./vpn";

/** The whole exchange's bound (connect, handshake, answer). */
export const SIP_TIMEOUT_MS = 10_000;

/** The OPTIONS request (RFC 3261 §8.1.1: Via with a z9hG4bK branch, Max-Forwards, From with a tag, To, Call-ID, CSeq). */
export function sipOptionsRequest(o: { fqdn: string; local: string; localPort: number; branch: string; tag: string; callId: string }): string {
    return [
        `OPTIONS sip:${o.fqdn} SIP/2.0`,
        `Via: SIP/2.0/TLS ${o.local}:${o.localPort};branch=z9hG4bK${o.branch};rport`,
        "Max-Forwards: 70",
        `From: <sip:billu-acceptance@${o.fqdn}>;tag=${o.tag}`,
        `To: <sip:${o.fqdn}>`,
        `Call-ID: ${o.callId}`,
        "CSeq: 1 OPTIONS",
        `Contact: <sip:billu-acceptance@${o.local}:${o.localPort};transport=tls>`,
        "Accept: application/sdp",
        "User-Agent: billu-acceptance",
        "Content-Length: 0",
        "",
        "",
    ].join("\r\n");
}

/**
 * The first final response to our request in `text` (responses end at the blank line; Content-Length 0 is all a
 * reply to OPTIONS needs here, a body is skipped by its length), or undefined while none has come.
 */
export function finalResponse(text: string, callId: string): { status: string; code: number } | undefined {
    let rest = text;
    for (;;) {
        const end = rest.indexOf("\r\n\r\n");
        if (end < 0) return undefined;
        const head = rest.slice(0, end).split("\r\n");
        const length = Number(/^(?:content-length|l)\s*:\s*(\d+)/im.exec(head.join("\n"))?.[1] ?? 0);
        rest = rest.slice(end + 4 + length);
        const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(head[0]);
        const id = head.find((h) => /^(call-id|i)\s*:/i.test(h))?.replace(/^[^:]*:\s*/, "");
        if (m && id === callId && Number(m[1]) >= 200) return { status: `SIP/2.0 ${m[1]} ${m[2]}`.trim(), code: Number(m[1]) };
    }
}

/** One bounded OPTIONS over TLS; what was observed, in a report's words. */
export function sipOptions(o: { address: string; port: number; fqdn: string; caPem: string; timeoutMs?: number }): Promise<{ ok: boolean; observed: string }> {
    const timeoutMs = o.timeoutMs ?? SIP_TIMEOUT_MS;
    return new Promise((resolve) => {
        const start = Date.now();
        let got = "";
        let tlsInfo = "";
        const callId = `${randomBytes(8).toString("hex")}@billu-acceptance`;
        const s = tls.connect({
            host: o.address,
            port: o.port,
            servername: o.fqdn,
            ca: o.caPem,
            minVersion: "TLSv1.2",
            // The name checked is the PBX's FQDN, whatever address was dialled.
            checkServerIdentity: (_host, cert) => tls.checkServerIdentity(o.fqdn, cert),
        });
        let settled = false;
        const done = (ok: boolean, observed: string) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            s.destroy();
            resolve({ ok, observed });
        };
        const timer = setTimeout(
            () => done(false, `no final response within ${timeoutMs / 1000} s${tlsInfo ? ` (${tlsInfo})` : " (no TLS session)"}`),
            timeoutMs,
        );
        s.once("secureConnect", () => {
            tlsInfo = `${s.getProtocol()}, certificate verified against the site CA for ${o.fqdn}`;
            s.write(
                sipOptionsRequest({
                    fqdn: o.fqdn,
                    local: s.localAddress ?? "0.0.0.0",
                    localPort: s.localPort ?? 0,
                    branch: randomBytes(6).toString("hex"),
                    tag: randomBytes(4).toString("hex"),
                    callId,
                }),
            );
        });
        s.on("data", (d: Buffer) => {
            got += d.toString("latin1");
            const r = finalResponse(got, callId);
            if (r) done(true, `${r.status} in ${Date.now() - start} ms (${tlsInfo})`);
        });
        const closed = () => done(false, `the connection was closed before a final response${tlsInfo ? ` (${tlsInfo})` : " (no TLS session)"}`);
        s.once("end", closed);
        // A peer gone after the TLS session (stunnel with no SIP server behind it) ends the connection with a FIN or a
        // reset, as it happens: both are a closed connection, not a TLS or network failure.
        s.once("error", (e: NodeJS.ErrnoException) =>
            tlsInfo && (e.code === "ECONNRESET" || e.code === "EPIPE") ? closed() : done(false, `${e.code ? `${e.code}: ` : ""}${e.message}`),
        );
    });
}

export const telephonyScenario: Scenario = {
    name: "telephony",
    title: "the PBX answers a SIP OPTIONS over TLS, its certificate verified against the site CA",
    skip: (m, opts) => {
        const plan = m.plan<TelephonyPlan>("pbx");
        if (!plan) return "the site has no PBX (billu:telephony)";
        const zone = runZone(m, opts?.zone);
        const phones = plan.phoneZones.map((z) => z.name);
        if (!phones.includes(zone))
            return `SIP/TLS to ${plan.host.name} is open from the phones' zones only (${phones.join(", ")}), not ${zone || "(no zone)"} where the run stands: run it from a host of one of them with --zone <zone>`;
        return undefined;
    },
    checks: (input: ScenarioInput) => {
        const plan = input.model.plan<TelephonyPlan>("pbx")!;
        const target = { address: plan.host.address, port: plan.sipTlsPort, fqdn: plan.fqdn };
        const check: Check = {
            name: `SIP: OPTIONS over TLS to ${plan.fqdn} (${target.address}:${target.port}), the certificate verified against the site CA`,
            expected: `a TLS session whose certificate chains to caCertPem and names ${plan.fqdn}; a SIP/2.0 final response to the OPTIONS within ${SIP_TIMEOUT_MS / 1000} s`,
            contacts: [`${plan.fqdn} at ${target.address} (sip-tls tcp/${target.port})`],
            run: async () => {
                const caPem = input.outputs.caCertPem;
                if (typeof caPem !== "string" || !caPem.includes("BEGIN CERTIFICATE"))
                    return { ok: false, observed: "the outputs have no caCertPem (the site CA)" };
                return sipOptions({ ...target, caPem });
            },
        };
        return [check];
    },
};
