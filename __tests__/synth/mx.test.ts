/**
 * The inbound relay through the service seam: the committed dev and prod stacks with PAR-MX01 (its host, billu:mx,
 * the published smtp, the flow to PAR-MAIL01 and its DMZ allowlist entry), synthesized; and the stack-level refusals.
 */
import { readFileSync } from "fs";
import * as path from "path";
import type { MxPlan } from "../../model/mx";
import { problemsOf, secretLeaks, stackRaw } from "../helpers";
import { expectOnBaseServer, serviceSynth } from "./shared";

const raw = stackRaw("dev");
const s = serviceSynth<MxPlan>("mx");
const { plan } = s;

const rendered = (host: string, p: string) => readFileSync(path.join(s.out, "rendered", host, p), "utf8");

test("the relay is an MxRelay on its BaseServer, its step after the host's base step, its certificate from the site CA", () => {
    expect(s.r.exitCode).toBe(0);
    expectOnBaseServer(s.r, "PAR-MX01", "billu:mx:MxRelay", "mx-relay");
    const csr = s.r.resources.find((x) => x.type === "tls:index/certRequest:CertRequest" && x.name.endsWith("par-mx01-mx-csr"))!;
    expect(csr.inputs.dnsNames).toEqual(plan.certificate.dnsNames);
    expect(rendered("PAR-MX01", "etc/postfix/billu-transport")).toContain(`smtp:[${plan.nextHop.address}]:25`);
    expect(secretLeaks(path.join(s.out, "rendered", "PAR-MX01"), ["PRIVATE KEY"])).toEqual([]);
    expect(s.prod.exitCode).toBe(0);
    expect(s.prod.resources.filter((x) => x.type === "billu:mx:MxRelay").map((x) => x.name)).toEqual(["par-mx01"]);
});

test("the router forwards the WAN's smtp to the relay only, and lets the relay reach PAR-MAIL01 on smtp alone in servers", () => {
    const nft = rendered("PAR-FW01", "etc/nftables.conf");
    const wan = plan.publicAddress!;
    expect(nft.split("\n").filter((l) => /tcp dport 25 dnat/.test(l))).toEqual([
        `        iifname $IF_WAN ip daddr ${wan} tcp dport 25 dnat ip to ${plan.host.address} comment "published ${plan.published}: smtp -> PAR-MX01"`,
    ]);
    // Into servers: the smtp flow, and only the relay's other entries of the DMZ allowlist (dev's GLPI inventory agent).
    const fromRelay = nft.split("\n").filter((l) => l.includes(`ip saddr ${plan.host.address} `) && l.includes("oifname $IF_SERVERS"));
    const allow = (raw.firewall as { dmzAllowlist: { from: string; to: string; service: string }[] }).dmzAllowlist.filter((a) => a.from === "PAR-MX01");
    expect(fromRelay.map((l) => / -> (\S+ \S+)"$/.exec(l)![1])).toEqual(
        expect.arrayContaining(allow.filter((a) => a.to === "PAR-MAIL01" || a.to === "PAR-GLPI01").map((a) => `${a.to} ${a.service}`)),
    );
    expect(fromRelay).toHaveLength(allow.filter((a) => a.to === "PAR-MAIL01" || a.to === "PAR-GLPI01").length);
    expect(fromRelay[0]).toContain(`ip daddr ${plan.nextHop.address} tcp dport 25 counter accept`);
});

test("the public DNS the internet needs: the stack output mxPublicDns and a docs section, from the model's WAN address", () => {
    const o = JSON.parse(readFileSync(path.join(s.out, "outputs.json"), "utf8"));
    const wan = (o.zones as { kind: string; routerAddress: string }[]).find((z) => z.kind === "wan")!;
    expect(o.mxPublicDns).toBe(`billu.remindme.lan. MX 10 mx.billu.remindme.lan.\nmx.billu.remindme.lan. A ${plan.publicAddress}`);
    expect(plan.publicAddress).toBe(wan.routerAddress);
    expect(wan.routerAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(o.sections["Inbound relay: public DNS"].rows.map((x: string[]) => x.slice(0, 3))).toEqual([
        ["billu.remindme.lan", "MX", "10 mx.billu.remindme.lan."],
        ["mx.billu.remindme.lan", "A", plan.publicAddress],
    ]);
});

test("bad config is refused at the stack: the relay in the servers zone, smtp not published", () => {
    const hosts = (raw.hosts as { name: string; zone: string; address: string }[]).map((h) =>
        h.name === "PAR-MX01" ? { ...h, zone: "servers", address: "10.20.10.90" } : h,
    );
    const i = hosts.findIndex((h) => h.name === "PAR-MX01");
    expect(problemsOf({ ...raw, hosts })).toEqual(
        expect.arrayContaining([
            `billu:hosts[${i}].zone: "servers" is a servers zone, but PAR-MX01 is the inbound mail relay, which the internet reaches. Fix: put the relay in a DMZ zone (dmz)`,
        ]),
    );
    const fw = raw.firewall as { published: { service: string }[] };
    expect(problemsOf({ ...raw, firewall: { ...fw, published: fw.published.filter((p) => p.service !== "smtp") } })).toEqual([
        "billu:firewall.published: does not publish smtp to PAR-MX01: the internet cannot reach the inbound relay. Fix: append { service: smtp, host: PAR-MX01 } to billu:firewall.published",
    ]);
});
