/**
 * The telephony scenario (tools/acceptance/scenarios/telephony.ts) against a TLS server on this machine standing in
 * for the PBX: the dev model's PBX moved to 127.0.0.1 (its FQDN and port kept), a throwaway CA standing in for the
 * site CA. A server answering the OPTIONS passes; another CA, another name, a closed connection, silence and a
 * stopped server fail with what was observed. labs/telephony runs the same scenario against SIPp behind stunnel,
 * through the router's rendered ruleset.
 */
import { execFileSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as net from "net";
import type { AddressInfo } from "net";
import { tmpdir } from "os";
import * as path from "path";
import * as tls from "tls";
import type { SiteModel } from "../../model/site";
import type { TelephonyPlan } from "../../model/telephony";
import { runScenarios } from "../../tools/acceptance/runner";
import { finalResponse, sipOptions, sipOptionsRequest, telephonyScenario } from "../../tools/acceptance/scenarios/telephony";
import { loadModel } from "../../stacks/program";
import { readBilluConfig } from "../../tools/stack-config";
import { ROOT } from "../helpers";

process.env.BILLU_PROJECT_ROOT = ROOT;
const dev = loadModel(readBilluConfig(path.join(ROOT, "Pulumi.dev.yaml")));
const pbx = dev.plan<TelephonyPlan>("pbx")!;

let dir: string;
const pem: Record<string, string> = {};

/** A CA and a server certificate for `name` signed by it, in `dir` with the prefix `p`. */
function pki(p: string, name: string): void {
    const ossl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    ossl("req", "-x509", ...ec, "-keyout", `${p}ca.key`, "-out", `${p}ca.pem`, "-subj", `/CN=${p} CA`, "-days", "1");
    ossl("req", ...ec, "-keyout", `${p}srv.key`, "-out", `${p}srv.csr`, "-subj", `/CN=${name}`);
    writeFileSync(path.join(dir, `${p}srv.ext`), `subjectAltName=DNS:${name}\n`);
    ossl(
        "x509",
        "-req",
        "-in",
        `${p}srv.csr`,
        "-CA",
        `${p}ca.pem`,
        "-CAkey",
        `${p}ca.key`,
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        `${p}srv.ext`,
        "-out",
        `${p}srv.pem`,
    );
    for (const f of ["ca.pem", "srv.pem", "srv.key"]) pem[p + f] = readFileSync(path.join(dir, p + f), "utf8");
}

beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "billu-sip-acc-"));
    pki("site", pbx.fqdn);
    pki("other", pbx.fqdn);
    pki("name", "par-web01.billu.remindme.lan");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Behaviour = "answer" | "trying-then-answer" | "other-call-first" | "close" | "silent";

/** A TLS server with the given certificate that treats one SIP request as told; resolves with its port and a stop. */
async function server(p: string, behaviour: Behaviour): Promise<{ port: number; stop: () => Promise<void>; seen: string[] }> {
    const seen: string[] = [];
    const srv = tls.createServer({ key: pem[p + "srv.key"], cert: pem[p + "srv.pem"] }, (s) => {
        let got = "";
        s.on("data", (d) => {
            got += d.toString("latin1");
            if (!got.includes("\r\n\r\n")) return;
            seen.push(got);
            const callId = /^Call-ID: (.*)$/m.exec(got)![1].trim();
            const reply = (code: string, id = callId) => `SIP/2.0 ${code}\r\nCall-ID: ${id}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
            if (behaviour === "answer") s.write(reply("200 OK"));
            if (behaviour === "trying-then-answer") s.write(reply("100 Trying") + reply("404 Not Found"));
            if (behaviour === "other-call-first") s.write(reply("486 Busy Here", "not-ours") + reply("200 OK"));
            if (behaviour === "close") s.end();
        });
        s.on("error", () => undefined);
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    return { port: (srv.address() as AddressInfo).port, seen, stop: () => new Promise((r) => srv.close(() => r())) };
}

/** A TLS server that, once the request is in, resets the TCP connection under the session (an RST, no close_notify). */
async function resettingServer(): Promise<{ port: number; stop: () => Promise<void> }> {
    const srv = net.createServer((raw) => {
        const s = new tls.TLSSocket(raw, { isServer: true, key: pem["sitesrv.key"], cert: pem["sitesrv.pem"] });
        s.on("data", () => raw.resetAndDestroy());
        s.on("error", () => undefined);
        raw.on("error", () => undefined);
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    return { port: (srv.address() as AddressInfo).port, stop: () => new Promise((r) => srv.close(() => r())) };
}

const probe = (port: number, ca = pem["siteca.pem"], timeoutMs?: number) => sipOptions({ address: "127.0.0.1", port, fqdn: pbx.fqdn, caPem: ca, timeoutMs });

describe("the SIP OPTIONS over TLS", () => {
    test("a server with the site CA's certificate for the PBX's FQDN that answers: passes with its status line", async () => {
        const s = await server("site", "answer");
        const r = await probe(s.port);
        await s.stop();
        expect(r.ok).toBe(true);
        expect(r.observed).toMatch(
            new RegExp(`^SIP/2\\.0 200 OK in \\d+ ms \\(TLSv1\\.3, certificate verified against the site CA for ${pbx.fqdn.replace(/\./g, "\\.")}\\)$`),
        );
        // The request as RFC 3261 wants it: OPTIONS to the PBX's FQDN, a z9hG4bK branch, a From tag, CSeq 1 OPTIONS, no body.
        expect(s.seen[0]).toMatch(
            new RegExp(`^OPTIONS sip:${pbx.fqdn} SIP/2\\.0\r\nVia: SIP/2\\.0/TLS 127\\.0\\.0\\.1:\\d+;branch=z9hG4bK[0-9a-f]{12};rport\r\n`),
        );
        expect(s.seen[0]).toContain("\r\nCSeq: 1 OPTIONS\r\n");
        expect(s.seen[0].endsWith("Content-Length: 0\r\n\r\n")).toBe(true);
    });
    test("a provisional 100 is not final: the 404 after it is (any final response proves a SIP server answered)", async () => {
        const s = await server("site", "trying-then-answer");
        const r = await probe(s.port);
        await s.stop();
        expect([r.ok, r.observed.split(" in ")[0]]).toEqual([true, "SIP/2.0 404 Not Found"]);
    });
    test("a response to another Call-ID is not ours", async () => {
        const s = await server("site", "other-call-first");
        const r = await probe(s.port);
        await s.stop();
        expect([r.ok, r.observed.split(" in ")[0]]).toEqual([true, "SIP/2.0 200 OK"]);
        const reply = (id: string) => `SIP/2.0 200 OK\r\nCall-ID: ${id}\r\nContent-Length: 0\r\n\r\n`;
        expect(finalResponse(reply("x"), "y")).toBeUndefined();
        expect(finalResponse(reply("x") + reply("y"), "y")).toEqual({ status: "SIP/2.0 200 OK", code: 200 });
        expect(finalResponse("SIP/2.0 200 OK\r\nCall-ID: y\r\n", "y")).toBeUndefined();
    });
    test("another CA's certificate: refused before anything is sent", async () => {
        const s = await server("other", "answer");
        const r = await probe(s.port);
        await s.stop();
        expect(r).toEqual({ ok: false, observed: "UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate" });
        expect(s.seen).toEqual([]);
    });
    test("the site CA's certificate for another name: refused", async () => {
        const s = await server("name", "answer");
        const r = await probe(s.port, pem["nameca.pem"]);
        await s.stop();
        expect(r.ok).toBe(false);
        expect(r.observed).toBe(
            `ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match certificate's altnames: Host: ${pbx.fqdn}. is not in the cert's altnames: DNS:par-web01.billu.remindme.lan`,
        );
    });
    test("the connection closed without an answer, silence, and no server: each fails saying so", async () => {
        const closing = await server("site", "close");
        expect(await probe(closing.port)).toEqual({
            ok: false,
            observed: `the connection was closed before a final response (TLSv1.3, certificate verified against the site CA for ${pbx.fqdn})`,
        });
        await closing.stop();
        // Reset rather than closed (stunnel does either when nothing listens behind it): the same verdict.
        const resetting = await resettingServer();
        expect(await probe(resetting.port)).toEqual({
            ok: false,
            observed: `the connection was closed before a final response (TLSv1.3, certificate verified against the site CA for ${pbx.fqdn})`,
        });
        await resetting.stop();
        const silent = await server("site", "silent");
        expect(await probe(silent.port, undefined, 300)).toEqual({
            ok: false,
            observed: `no final response within 0.3 s (TLSv1.3, certificate verified against the site CA for ${pbx.fqdn})`,
        });
        await silent.stop();
        expect(await probe(silent.port)).toEqual({ ok: false, observed: `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${silent.port}` });
    });
    test("the request builder: CRLF lines, an empty line at the end", () => {
        const r = sipOptionsRequest({ fqdn: "pbx.example", local: "10.0.0.1", localPort: 5, branch: "b", tag: "t", callId: "c@x" });
        expect(r.split("\r\n").slice(0, 2)).toEqual(["OPTIONS sip:pbx.example SIP/2.0", "Via: SIP/2.0/TLS 10.0.0.1:5;branch=z9hG4bKb;rport"]);
        expect(r.endsWith("\r\n\r\n")).toBe(true);
    });
});

describe("the scenario", () => {
    test("runs only from a phones' zone: from the management zone it says why, naming the zones", () => {
        const phones = pbx.phoneZones.map((z) => z.name);
        expect(telephonyScenario.skip(dev)).toBe(
            `SIP/TLS to ${pbx.host.name} is open from the phones' zones only (${phones.join(", ")}), not ${dev.firewall!.managementZone} where the run stands: run it from a host of one of them with --zone <zone>`,
        );
        expect(telephonyScenario.skip(dev, { zone: phones[0] })).toBeUndefined();
    });
    test("through the runner, against the stand-in on 127.0.0.1: passes, then fails once it is stopped", async () => {
        const s = await server("site", "answer");
        // The dev model with its PBX at 127.0.0.1 and the stand-in's port (name, FQDN and everything else unchanged).
        const moved: SiteModel = Object.create(dev, {
            plan: {
                value: <T>(k: string) => (k === "pbx" ? ({ ...pbx, host: { ...pbx.host, address: "127.0.0.1" }, sipTlsPort: s.port } as T) : dev.plan<T>(k)),
            },
        });
        const work = mkdtempSync(path.join(tmpdir(), "billu-sip-run-"));
        const input = { model: moved, outputs: { caCertPem: pem["siteca.pem"] }, workDir: work, acceptNewHostKeys: false, zone: pbx.phoneZones[0].name };
        const [ok] = await runScenarios([telephonyScenario], input);
        expect([ok.ok, ok.checks.length, ok.checks[0].observed.split(" in ")[0]]).toEqual([true, 1, "SIP/2.0 200 OK"]);
        await s.stop();
        const [ko] = await runScenarios([telephonyScenario], input);
        expect([ko.ok, ko.checks[0].observed]).toEqual([false, `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${s.port}`]);
        rmSync(work, { recursive: true, force: true });
    });
});
