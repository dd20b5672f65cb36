/**
 * The PBX through the service seam: the committed dev and prod stacks with PAR-PBX01 (its host, billu:telephony and
 * its flows), synthesized: the PbxServer on its BaseServer, its certificate from the site CA, one generated master key
 * from which each extension's SIP secret and voicemail PIN are derived, reaching the step only on its stdin, the flows
 * rendered into the router's ruleset and the VM's Proxmox firewall, nothing from the WAN or the DMZ. Expected values come from the model and the stack
 * files, never from the rendered files.
 */
import { readFileSync } from "fs";
import * as path from "path";
import type { TelephonyPlan } from "../../model/telephony";
import { deriveSipSecret } from "../../components/telephony/extension-secrets";
import { model, orderingDeps, secretLeaks, stackRaw } from "../helpers";
import { serviceSynth } from "./shared";

const s = serviceSynth<TelephonyPlan>("pbx");
const { plan, rendered } = s;

test("dev and prod synthesize cleanly with their PBX: exit 0, no policy violation, an empty stderr", () => {
    expect([s.r.exitCode, s.r.violations, s.stderr]).toEqual([0, [], ""]);
    expect([s.prod.exitCode, s.prod.violations, s.prodStderr]).toEqual([0, [], ""]);
    expect(s.prod.resources.filter((x) => x.type === "billu:telephony:PbxServer").map((x) => [x.name, x.inputs.host, x.inputs.rtpPorts])).toEqual([
        ["par-pbx01", "PAR-PBX01", "10000-20000"],
    ]);
});

test("PAR-PBX01 is a PbxServer on its BaseServer; its step waits for the base step", () => {
    expect(
        s.r.resources
            .filter((x) => x.name === "par-pbx01")
            .map((x) => x.type)
            .sort(),
    ).toEqual(["billu:compute:BaseServer", "billu:compute:ProxmoxVm", "billu:telephony:PbxServer"]);
    const urn = (name: string) => s.r.resources.find((x) => x.name === name)!.urn;
    expect(orderingDeps(s.r.resources.find((x) => x.name === "par-pbx01-pbx-prepare")!)).toContain(urn("par-pbx01-base-apply"));
    expect(s.r.resources.find((x) => x.type === "billu:telephony:PbxServer")!.inputs).toEqual({
        host: plan.host.name,
        fqdn: plan.fqdn,
        address: plan.host.address,
        extensions: plan.extensions.length,
        ringGroups: plan.ringGroups.map((g) => g.number),
        rtpPorts: "10000-20000",
    });
});

test("one generated master key per PBX, no RandomPassword per extension (issue #24); the derived secrets reach the step on stdin only", () => {
    const pbx = s.r.resources.find((x) => x.type === "billu:telephony:PbxServer")!;
    const passwords = s.r.resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword" && x.parent === pbx.urn);
    expect(passwords.map((x) => [x.name, x.inputs.length, x.inputs.special])).toEqual([["par-pbx01-extension-key", 64, false]]);
    for (const r of [s.r, s.prod])
        expect(r.resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword" && /-(sip|vm)-\d+$/.test(x.name)).map((x) => x.name)).toEqual(
            [],
        );
    const apply = s.r.resources.find((x) => x.name === "par-pbx01-pbx-apply")!;
    expect(apply.inputs.stdin).toBe("[secret]");
    const csv = rendered("etc/billu/pbx/extensions.csv");
    expect(csv).toContain(`,{{secret:sip-${plan.extensions[0].number}}},`);
    // The master key this run generated (the mock runtime records it) and every SIP secret derived from it: none is
    // in any file synth wrote (rendered files, docs, resources.json, outputs).
    const key = s.r.producedSecrets.filter((v) => /^mocksecret-par-pbx01-extension-key-[0-9a-f]+$/.test(v));
    expect(key).toHaveLength(1);
    const sips = plan.extensions.map((e) => deriveSipSecret(key[0], e.number, e.sam));
    expect(secretLeaks(s.out, [key[0], ...sips])).toEqual([]);
    expect(secretLeaks(path.join(s.out, "rendered", plan.host.name), ["PRIVATE KEY", "BEGIN CERTIFICATE", "mocksecret-"])).toEqual([]);
});

test("the flows: the router accepts SIP/TLS, RTP and provisioning from each department zone, https from management only, nothing from WAN or DMZ", () => {
    const nft = readFileSync(path.join(s.out, "rendered", "PAR-FW01", "etc", "nftables.conf"), "utf8");
    const toPbx = nft.split("\n").filter((l) => l.includes(`ip daddr ${plan.host.address} `) && l.includes(" accept"));
    const net = model(stackRaw("dev")).zones;
    const cidr = (kind: string) => net.filter((z) => z.kind === kind).map((z) => z.cidr.text);
    const sources = (port: RegExp) =>
        toPbx
            .filter((l) => port.test(l))
            .map((l) => l.replace(/.* ip saddr (\S+) .*/, "$1"))
            .sort();
    expect(sources(/tcp dport 5061 /)).toEqual(cidr("department").sort());
    expect(sources(/udp dport 10000-20000 /)).toEqual(cidr("department").sort());
    expect(sources(/tcp dport 1443 /)).toEqual(cidr("department").sort());
    expect(sources(/tcp dport 443 /)).toEqual(cidr("management").sort());
    for (const kind of ["wan", "dmz"]) for (const c of cidr(kind)) expect(toPbx.filter((l) => l.includes(`ip saddr ${c} `))).toEqual([]);
    const rules = s.r.resources.find((x) => x.name === "par-pbx01-firewall-rules")!.inputs.rules as { source: string; dport: string; proto: string }[];
    // The VM's Proxmox firewall: one rule per service, its sources the department zones (comma-separated).
    const vmSources = (keep: (x: { dport: string; proto: string }) => boolean) =>
        rules
            .filter(keep)
            .flatMap((x) => x.source.split(","))
            .sort();
    expect(vmSources((x) => x.dport === "5061")).toEqual(cidr("department").sort());
    expect(vmSources((x) => x.dport === "10000:20000" && x.proto === "udp")).toEqual(cidr("department").sort());
    expect([...new Set(vmSources((x) => x.dport === "443"))]).toEqual(cidr("management").sort());
});

test("the docs list every extension under its department's ring group", () => {
    const docs = readFileSync(path.join(s.out, "docs", "README.md"), "utf8");
    const section = docs.slice(docs.indexOf("## Extension directory"));
    const rows = section.split("\n").filter((l) => /^\| [^-|]/.test(l) && !l.startsWith("| department"));
    expect(rows.length).toBeGreaterThanOrEqual(plan.extensions.length);
    for (const e of plan.extensions) expect(section).toContain(`| ${e.number} | ${e.name} |`);
});
