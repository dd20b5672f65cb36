/**
 * A partner site watched by its VPN partner's Zabbix server (billu:monitoring.remoteServer): the committed ecotech stack,
 * whose hosts' agents talk to BillU's PAR-MON01 over the tunnel. Synthesized: every host's agent, no server of its own,
 * the flows the model asks for (to and from `vpn-partner:PAR-MON01`, the server alone) in the router's rendered ruleset; bad input, exact messages.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { MONITORING_PARTNER_OUTPUT, type RemoteMonitoringPlan } from "../../model/monitoring";
import { renderPfsense } from "../../components/firewall/pfsense";
import { MOCK_SECRET, offlineStackOutputs } from "../../tools/peer-stack";
import { SynthResult } from "../../tools/synth";
import { model, problemsOf, secretLeaks, stackRaw } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

const raw = stackRaw("ecotech");
const mon = raw.monitoring as { remoteServer: { name: string; address: string } };
let r: SynthResult;
let out: string;

beforeAll(async () => {
    ({ r, out } = await committedSynth("ecotech"));
}, SYNTH_TIMEOUT);

const rendered = (host: string, p: string) => readFileSync(path.join(out, "rendered", host, p), "utf8");

test("ecotech's plan: BillU's PAR-MON01 behind the tunnel watches every host; flows to and from it alone (vpn-partner:PAR-MON01)", () => {
    const plan = model(raw).plan<RemoteMonitoringPlan>("monitoring")!;
    expect(plan.remote).toBe(true);
    expect(plan.host).toEqual({ name: "PAR-MON01", zone: "vpn-partner", address: "10.10.0.40" });
    expect(plan.hosts.map((h) => [h.name, h.address, h.templates])).toEqual([
        ["ECO-FW01", "172.20.0.1", ["Linux by Zabbix agent active", "BillU strongSwan tunnel"]],
        ["ECO-DC01", "172.20.20.53", ["Linux by Zabbix agent active", "BillU AD DC"]],
    ]);
    expect(plan.flows.map((f) => `${f.from} -> ${f.to} ${f.service}`)).toEqual([
        "vpn-partner:PAR-MON01 -> router zabbix-agent",
        "vpn-partner:PAR-MON01 -> ECO-DC01 zabbix-agent",
        "router -> vpn-partner:PAR-MON01 zabbix-trapper",
        "ECO-DC01 -> vpn-partner:PAR-MON01 zabbix-trapper",
    ]);
});

test("synth: every ecotech host runs the agent with PAR-MON01 as its server and its own PSK; no Zabbix server here", () => {
    expect(r.exitCode).toBe(0);
    for (const host of ["ECO-FW01", "ECO-DC01"]) {
        const conf = rendered(host, "etc/zabbix/zabbix_agent2.conf");
        expect(conf).toContain("\nServer=10.10.0.40\nServerActive=10.10.0.40:10051\n");
        expect(conf).toContain(`\nHostname=${host}\n`);
        expect(conf).toContain(`\nTLSConnect=psk\nTLSAccept=psk\nTLSPSKIdentity=PSK ${host}\n`);
        expect(rendered(host, "var/lib/billu/stage/base/run.sh")).toContain("billu_install '/etc/zabbix/zabbix_agent2.conf'");
    }
    // The gateway's tunnel state: its UserParameter and the sudo rule of its one command.
    expect(rendered("ECO-FW01", "etc/zabbix/zabbix_agent2.conf")).toContain("\nUserParameter=billu.ipsec.sas,");
    expect(rendered("ECO-FW01", "etc/sudoers.d/billu-zabbix-agent")).toContain("\nzabbix ALL=(root) NOPASSWD: /usr/sbin/swanctl --list-sas\n");
    const psks = r.resources.filter((x) => x.type === "random:index/randomId:RandomId" && x.name.startsWith("zabbix-psk-"));
    expect(psks.map((x) => [x.name, x.inputs.byteLength]).sort()).toEqual([
        ["zabbix-psk-eco-dc01", 32],
        ["zabbix-psk-eco-fw01", 32],
    ]);
    expect(r.resources.filter((x) => x.type.startsWith("billu:monitoring:"))).toEqual([]);
    expect(
        secretLeaks(
            out,
            r.producedSecrets.filter((s) => s.includes("zabbix-psk-")),
        ),
    ).toEqual([]);
});

test("the router's rendered ruleset opens 10050/10051 through the tunnel to and from PAR-MON01's address alone", () => {
    const nft = rendered("ECO-FW01", "etc/nftables.conf");
    const { name, address } = mon.remoteServer;
    const dc = (raw.hosts as { name: string; address: string }[]).find((h) => h.name === "ECO-DC01")!.address;
    const flow = (text: string) =>
        (raw.flows as { from: string; to: string; service: string }[]).findIndex((f) => `${f.from} -> ${f.to} ${f.service}` === text);
    const lines = nft
        .split("\n")
        .filter((l) => / dport 1005[01] /.test(l))
        .map((l) => l.trim());
    expect(lines).toEqual([
        `iifname $IF_VPN_PARTNER ip saddr ${address} tcp dport 10050 counter accept comment "flow ${flow(`vpn-partner:${name} -> router zabbix-agent`)}: vpn-partner:${name} -> router zabbix-agent"`,
        `iifname $IF_VPN_PARTNER oifname $IF_SERVERS ip saddr ${address} ip daddr ${dc} tcp dport 10050 counter accept comment "flow ${flow(`vpn-partner:${name} -> ECO-DC01 zabbix-agent`)}: vpn-partner:${name} -> ECO-DC01 zabbix-agent"`,
        `iifname $IF_SERVERS oifname $IF_VPN_PARTNER ip saddr ${dc} ip daddr ${address} tcp dport 10051 counter accept comment "flow ${flow(`ECO-DC01 -> vpn-partner:${name} zabbix-trapper`)}: ECO-DC01 -> vpn-partner:${name} zabbix-trapper"`,
        `oifname $IF_VPN_PARTNER ip daddr ${address} tcp dport 10051 counter accept comment "flow ${flow(`router -> vpn-partner:${name} zabbix-trapper`)}: router -> vpn-partner:${name} zabbix-trapper"`,
    ]);
});

describe("bad input names the key, the value and the fix", () => {
    const flows = raw.flows as { service: string }[];
    it("without the flows, it names each one to append", () => {
        expect(problemsOf({ ...raw, flows: flows.filter((f) => !f.service.startsWith("zabbix-")) })).toEqual([
            "billu:flows: lacks vpn-partner:PAR-MON01 -> router zabbix-agent, which monitoring needs (the server polls ECO-FW01's agent (passive checks)). Fix: append { from: vpn-partner:PAR-MON01, to: router, service: zabbix-agent } to billu:flows",
            "billu:flows: lacks vpn-partner:PAR-MON01 -> ECO-DC01 zabbix-agent, which monitoring needs (the server polls ECO-DC01's agent (passive checks)). Fix: append { from: vpn-partner:PAR-MON01, to: ECO-DC01, service: zabbix-agent } to billu:flows",
            "billu:flows: lacks router -> vpn-partner:PAR-MON01 zabbix-trapper, which monitoring needs (ECO-FW01's agent sends its active checks to the server). Fix: append { from: router, to: vpn-partner:PAR-MON01, service: zabbix-trapper } to billu:flows",
            "billu:flows: lacks ECO-DC01 -> vpn-partner:PAR-MON01 zabbix-trapper, which monitoring needs (ECO-DC01's agent sends its active checks to the server). Fix: append { from: ECO-DC01, to: vpn-partner:PAR-MON01, service: zabbix-trapper } to billu:flows",
        ]);
    });
    it("the server not declared as a partner host of the router", () => {
        const firewall = structuredClone(raw.firewall as { vpnPartner: { hosts: unknown[] } });
        firewall.vpnPartner.hosts = [];
        expect(problemsOf({ ...raw, firewall, flows: flows.filter((f) => !f.service.startsWith("zabbix-")) })).toEqual([
            "billu:monitoring.remoteServer: names PAR-MON01, which billu:firewall.vpnPartner.hosts does not declare: the router cannot narrow the monitoring flows to it. Fix: add { name: PAR-MON01, address: 10.10.0.40 } to billu:firewall.vpnPartner.hosts",
        ]);
    });
    it("the server at another address than the router's partner host", () => {
        const firewall = structuredClone(raw.firewall as { vpnPartner: { hosts: { name: string; address: string }[] } });
        firewall.vpnPartner.hosts[0].address = "10.10.0.41";
        expect(problemsOf({ ...raw, firewall })).toEqual([
            "billu:monitoring.remoteServer.address: is 10.10.0.40, but billu:firewall.vpnPartner.hosts declares PAR-MON01 at 10.10.0.41. Fix: write the same address in both keys (the peer stack's, output vpnPeer.hosts)",
        ]);
    });
    it("an address outside the partner's networks", () => {
        expect(problemsOf({ ...raw, monitoring: { remoteServer: { ...mon.remoteServer, address: "10.30.0.40" } } })).toEqual([
            "billu:monitoring.remoteServer.address: \"10.30.0.40\" is not in the VPN partner's networks (10.10.0.0/24, 10.10.10.0/24, 172.16.100.0/24, 10.10.20.0/24, 10.10.21.0/24, 10.10.22.0/24, 10.10.23.0/24, 10.10.24.0/24, 10.10.25.0/24, 10.10.26.0/24, 10.10.27.0/24, 10.10.28.0/24). Fix: give PAR-MON01's address behind the tunnel (one of billu:firewall.vpnPartner.networks), or add its network there and to the partner's end of the tunnel",
        ]);
    });
    it("an address that is not IPv4", () => {
        expect(problemsOf({ ...raw, monitoring: { remoteServer: { ...mon.remoteServer, address: "par-mon01.billu.remindme.lan" } } })).toEqual([
            'billu:monitoring.remoteServer.address: "par-mon01.billu.remindme.lan" is not an IPv4 address. Fix: give the address of PAR-MON01 behind the tunnel (e.g. 10.10.0.40)',
        ]);
    });
    it("a site with its own Zabbix server", () => {
        expect(problemsOf({ ...raw, monitoring: { ...mon, host: "ECO-DC01" } })).toContain(
            "billu:monitoring.remoteServer: is set, but billu:monitoring.host names \"ECO-DC01\" as this site's own Zabbix server. Fix: remove billu:monitoring.remoteServer (the site's own server watches its hosts), or remove the site's server (its host of role monitoring and billu:monitoring.host)",
        );
    });
    it("a site without VPN partner networks", () => {
        const firewall = { ...(raw.firewall as Record<string, unknown>) };
        delete firewall.vpnPartner;
        expect(problemsOf({ ...raw, firewall })).toContain(
            "billu:monitoring.remoteServer: names PAR-MON01 at 10.10.0.40, but this site has no VPN partner networks (billu:firewall.vpnPartner): its agents cannot reach a server of another site. Fix: declare the site-to-site tunnel (billu:vpn) and the partner's networks (billu:firewall.vpnPartner.networks), or give the site its own Zabbix server (a host of role monitoring)",
        );
    });
});

test("ecotech exports its monitored hosts and their PSKs as ONE secret output, which offline synth answers for prod", () => {
    expect(r.outputs[MONITORING_PARTNER_OUTPUT]).toBe("[secret]");
    const plan = model(raw).plan<RemoteMonitoringPlan>("monitoring")!;
    const answer = offlineStackOutputs(path.resolve(__dirname, "../.."), "organization/billu-infra/ecotech");
    expect(answer.secretOutputNames).toContain(MONITORING_PARTNER_OUTPUT);
    expect(answer.outputs[MONITORING_PARTNER_OUTPUT]).toEqual({
        company: raw.site.company,
        server: mon.remoteServer,
        hosts: plan.hosts.map((h) => ({ name: h.name, address: h.address, role: h.role, zone: h.zone, os: h.os, port: h.port, pskIdentity: h.pskIdentity })),
        psks: { "ECO-FW01": MOCK_SECRET, "ECO-DC01": MOCK_SECRET },
    });
});

test("the pfSense rules and ECO-DC01's Proxmox VM rule name PAR-MON01's address alone too (the two other renderings of the matrix)", () => {
    const { address } = mon.remoteServer;
    const eco = model(raw);
    const zabbixRules = [...renderPfsense(eco).files["filter.xml"].matchAll(/<rule>.*?<\/rule>/gs)]
        .map((m) => m[0])
        .filter((x) => /<port>1005[01]<\/port>/.test(x));
    expect(
        zabbixRules.map((x) => /<source><address>([^<]*)<\/address>/.exec(x)?.[1] + " -> " + /<destination><(?:address|network)>([^<]*)</.exec(x)?.[1]),
    ).toEqual([`${address} -> (self)`, `${address} -> 172.20.20.53`, `172.20.20.53 -> ${address}`]);
    const dcRules = r.resources.find((x) => x.name === "eco-dc01-firewall-rules")!.inputs.rules as { source: string; dport: string }[];
    expect(dcRules.filter((x) => x.dport === "10050").map((x) => x.source)).toEqual([address]);
});
