/**
 * BillU's side of the partner's monitoring (billu:monitoring.watchVpnPartner): prod's PAR-MON01 registers Ecotech's hosts
 * from the ecotech stack's secret output monitoringPartner, read through the VPN's StackReference (offline: answered
 * from Pulumi.ecotech.yaml by tools/peer-stack.ts). The expected hosts come from ecotech's own model, never from the
 * rendered document; the PSKs reach the configuration step through its secret channel only.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { MONITORING_PARTNER_OUTPUT, MonitoringPlan, pairMonitoringPartner, RemoteMonitoringPlan } from "../../model/monitoring";
import { roleTemplateKeys, TEMPLATE } from "../../components/monitoring/zabbix-config";
import { SynthResult } from "../../tools/synth";
import { model, problemsOf, secretLeaks, stackRaw, thrownProblems } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

const prodRaw = stackRaw("prod");
const ecoRaw = stackRaw("ecotech");
const eco = model(ecoRaw).plan<RemoteMonitoringPlan>("monitoring")!;
const plan = model(prodRaw).plan<MonitoringPlan>("monitoring")!;
let r: SynthResult;
let out: string;

beforeAll(async () => {
    ({ r, out } = await committedSynth("prod"));
}, SYNTH_TIMEOUT);

const rendered = (host: string, p: string) => readFileSync(path.join(out, "rendered", host, p), "utf8");

test("prod's plan watches the VPN partner: its stack, and the two tunnel flows appended to billu:flows", () => {
    expect(plan.partner).toEqual({ peerStack: "organization/billu-infra/ecotech", networks: prodRaw.firewall.vpnPartner.networks, hosts: [] });
    expect(plan.flows.filter((f) => f.from === "vpn-partner" || f.to === "vpn-partner").map((f) => `${f.from} -> ${f.to} ${f.service}`)).toEqual([
        "PAR-MON01 -> vpn-partner zabbix-agent",
        "vpn-partner -> PAR-MON01 zabbix-trapper",
    ]);
    // The partner's side names this very server.
    expect(eco.host).toEqual({ name: plan.host.name, zone: "vpn-partner", address: plan.host.address });
});

test("prod's Zabbix document registers ecotech's hosts in the partner's group with their role templates", () => {
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(rendered("PAR-MON01", "etc/billu/monitoring/zabbix-config.json")) as {
        hostGroups: string[];
        hosts: { host: string; address: string; port: number; groups: string[]; templates: string[]; pskIdentity: string }[];
    };
    const group = `BillU/partner/${ecoRaw.site.company}`;
    expect(doc.hostGroups).toContain(group);
    const expected = eco.hosts.map((h) => ({
        host: h.name,
        address: h.address,
        port: h.port,
        groups: [group],
        templates: [TEMPLATE.linux, ...roleTemplateKeys(h.role, h.os).map((k) => TEMPLATE[k])],
        pskIdentity: h.pskIdentity,
    }));
    expect(doc.hosts.filter((h) => h.groups.includes(group))).toEqual(expected);
    expect(expected.map((h) => [h.host, h.templates])).toEqual([
        ["ECO-FW01", ["BillU Linux base", "BillU strongSwan VPN"]],
        ["ECO-DC01", ["BillU Linux base", "BillU Samba AD DC"]],
    ]);
    // Ecotech's hosts are in no group of BillU's own roles and zones.
    for (const h of doc.hosts.filter((x) => x.groups.includes(group))) expect(h.groups).toEqual([group]);
});

test("their PSKs reach the configuration step by secret name only: named in the settings, in no rendered file or output", () => {
    const env = rendered("PAR-MON01", "etc/billu/monitoring/zabbix-api.env");
    const pskLines = /\nZBX_PSK_SECRETS='([^']*)'\n/.exec(env)![1].split("\n");
    expect(pskLines.slice(-eco.hosts.length)).toEqual(eco.hosts.map((h) => `zabbix-psk-${h.name.toLowerCase()} ${h.pskIdentity}`));
    expect(r.resources.find((x) => x.name === "par-mon01-monitoring-config-apply")!.inputs.stdin).toBe("[secret]");
    // The mock answers each PSK of ecotech's output with a fresh 64-hex-digit secret: none is in any file of the run.
    const partnerPsks = r.producedSecrets.filter((s) => /^[0-9a-f]{64}$/.test(s));
    expect(partnerPsks).toHaveLength(eco.hosts.length);
    expect(secretLeaks(out, partnerPsks)).toEqual([]);
    // ecotech's agents are not BillU's: no PSK is generated for them here, no agent rendered.
    expect(r.resources.filter((x) => x.type === "random:index/randomId:RandomId" && /eco-/.test(x.name))).toEqual([]);
});

test("the router's rendered ruleset opens the two flows through the tunnel", () => {
    const nft = rendered("PAR-FW01", "etc/nftables.conf");
    for (const flow of ["PAR-MON01 -> vpn-partner zabbix-agent", "vpn-partner -> PAR-MON01 zabbix-trapper"]) {
        expect(nft).toMatch(new RegExp(`tcp dport 1005[01] counter accept comment "flow \\d+: ${flow}"`));
    }
});

describe("bad input names the key, the value and the fix", () => {
    const flows = prodRaw.flows as { from: string; to: string; service: string }[];
    it("without the flows, it names each one to append", () => {
        expect(
            problemsOf({ ...prodRaw, flows: flows.filter((f) => !(f.from === "vpn-partner" || f.to === "vpn-partner") || !f.service.startsWith("zabbix-")) }),
        ).toEqual([
            "billu:flows: lacks PAR-MON01 -> vpn-partner zabbix-agent, which monitoring needs (the server polls the agents of the VPN partner's hosts (stack organization/billu-infra/ecotech)). Fix: append { from: PAR-MON01, to: vpn-partner, service: zabbix-agent } to billu:flows",
            "billu:flows: lacks vpn-partner -> PAR-MON01 zabbix-trapper, which monitoring needs (the VPN partner's agents (stack organization/billu-infra/ecotech) send their active checks to the server). Fix: append { from: vpn-partner, to: PAR-MON01, service: zabbix-trapper } to billu:flows",
        ]);
    });
    it("a site without a tunnel", () => {
        const raw = { ...prodRaw };
        delete raw.vpn;
        expect(problemsOf(raw)).toContain(
            "billu:monitoring.watchVpnPartner: is true, but this site has no site-to-site tunnel (billu:vpn with its peerStack): there is no partner stack to read the hosts from. Fix: declare the tunnel (billu:vpn.peerStack names the partner's stack), or remove billu:monitoring.watchVpnPartner",
        );
    });
    it("the partner site, watched by a remote server, cannot watch its partner", () => {
        expect(problemsOf({ ...ecoRaw, monitoring: { ...ecoRaw.monitoring, watchVpnPartner: true } })).toEqual([
            "billu:monitoring.watchVpnPartner: is true, but this site has no Zabbix server of its own (billu:monitoring.remoteServer is set): it cannot watch its partner's hosts. Fix: set billu:monitoring.watchVpnPartner on the stack that runs the server (the partner's), and remove it here",
        ]);
    });
    const psk = "ab".repeat(32);
    const good = {
        company: "EcotechSolutions",
        server: { name: "PAR-MON01", address: plan.host.address },
        hosts: eco.hosts.map((h) => ({ name: h.name, address: h.address, role: h.role, zone: h.zone, os: h.os, port: h.port, pskIdentity: h.pskIdentity })),
        psks: Object.fromEntries(eco.hosts.map((h) => [h.name, psk])),
    };
    it("a partner stack that does not export its hosts (no remoteServer there)", () => {
        expect(thrownProblems(() => pairMonitoringPartner(plan, undefined))).toEqual([
            `billu:monitoring.watchVpnPartner: is true, but stack organization/billu-infra/ecotech exports no ${MONITORING_PARTNER_OUTPUT} output. Fix: set billu:monitoring.remoteServer in organization/billu-infra/ecotech to this site's Zabbix server (name: PAR-MON01, address: ${plan.host.address}) and deploy it, or remove billu:monitoring.watchVpnPartner`,
        ]);
    });
    it("a partner pointing at another server, a host name of this site, a missing PSK", () => {
        const bad = {
            ...good,
            server: { name: "PAR-MON02", address: "10.10.0.41" },
            hosts: [...good.hosts, { ...good.hosts[0], name: "PAR-DC01" }],
        };
        expect(thrownProblems(() => pairMonitoringPartner(plan, bad))).toEqual([
            `stack organization/billu-infra/ecotech output monitoringPartner.server: names "PAR-MON02" at "10.10.0.41", but this site's Zabbix server is PAR-MON01 at ${plan.host.address}. Fix: set billu:monitoring.remoteServer in organization/billu-infra/ecotech to { name: PAR-MON01, address: ${plan.host.address} }`,
            'stack organization/billu-infra/ecotech output monitoringPartner.hosts[2].name: "PAR-DC01" is also a host of this site. Fix: rename the host in one of the two stacks: a Zabbix host name is unique',
            "stack organization/billu-infra/ecotech output monitoringPartner.psks: has no PSK for \"PAR-DC01\". Fix: deploy organization/billu-infra/ecotech with this program's version, which exports every host's PSK",
        ]);
    });
    it("a partner pointing at this server's name at another address", () => {
        expect(thrownProblems(() => pairMonitoringPartner(plan, { ...good, server: { name: "PAR-MON01", address: "10.10.0.41" } }))).toEqual([
            `stack organization/billu-infra/ecotech output monitoringPartner.server: names "PAR-MON01" at "10.10.0.41", but this site's Zabbix server is PAR-MON01 at ${plan.host.address}. Fix: set billu:monitoring.remoteServer in organization/billu-infra/ecotech to { name: PAR-MON01, address: ${plan.host.address} }`,
        ]);
    });
    it("a partner host outside the networks the tunnel carries", () => {
        const hosts = good.hosts.map((h) => (h.name === "ECO-DC01" ? { ...h, address: "192.168.1.53" } : h));
        expect(thrownProblems(() => pairMonitoringPartner(plan, { ...good, hosts }))).toEqual([
            `stack organization/billu-infra/ecotech output monitoringPartner.hosts[1].address: "192.168.1.53" (ECO-DC01) is not in the VPN partner's networks (${prodRaw.firewall.vpnPartner.networks.join(", ")}): the server would poll it outside the tunnel. Fix: give the host an address in a network the tunnel carries (billu:firewall.vpnPartner.networks here, the peer's zones there)`,
        ]);
    });
    it("a PSK that is not hexadecimal", () => {
        expect(thrownProblems(() => pairMonitoringPartner(plan, { ...good, psks: { ...good.psks, "ECO-DC01": "not-hex" } }))).toEqual([
            "stack organization/billu-infra/ecotech output monitoringPartner.psks.ECO-DC01: is not a hexadecimal PSK. Fix: deploy organization/billu-infra/ecotech with this program's version, which exports it whole",
        ]);
    });
    it("the good export pairs: the hosts and their PSKs", () => {
        expect(pairMonitoringPartner(plan, good)).toEqual({ hosts: good.hosts, company: "EcotechSolutions", psks: good.psks });
    });
});
