/**
 * Monitoring through the service seam: the committed dev and prod stacks with their Zabbix server PAR-MON01 (its host,
 * billu:monitoring, the flows the model asks for), synthesized: the server, and the Zabbix agent every Linux host's
 * base step carries with its own PSK, which no rendered file holds.
 */
import { readFileSync } from "fs";
import * as path from "path";
import type { MonitoringPlan } from "../../model/monitoring";
import { SynthResult } from "../../tools/synth";
import { model, problemsOf, secretLeaks, stackRaw } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

const raw = stackRaw("dev");
const plan = model(raw).plan<MonitoringPlan>("monitoring")!;
let r: SynthResult;
let out: string;
let prod: SynthResult;
let prodOut: string;

beforeAll(async () => {
    ({ r, out } = await committedSynth("dev"));
    ({ r: prod, out: prodOut } = await committedSynth("prod"));
}, SYNTH_TIMEOUT);

const rendered = (dir: string, host: string, p: string) => readFileSync(path.join(dir, "rendered", host, p), "utf8");

test("the flows to and from the agents come from the model: without them it names each one to append", () => {
    const flows = raw.flows as { from: string; to: string; service: string; hosts?: string[] }[];
    const bare = { ...raw, flows: flows.filter((f) => !(f.service === "zabbix-agent" && (f.to === "router" || f.hosts?.includes("PAR-DC01")))) };
    expect(problemsOf(bare)).toEqual([
        "billu:flows: lacks PAR-MON01 -> router zabbix-agent, which monitoring needs (the server polls PAR-FW01's agent (passive checks)). " +
            "Fix: append { from: PAR-MON01, to: router, service: zabbix-agent } to billu:flows",
        "billu:flows: lacks PAR-MON01 -> PAR-DC01 zabbix-agent, which monitoring needs (the server polls PAR-DC01's agent (passive checks)). " +
            "Fix: append { from: PAR-MON01, to: PAR-DC01, service: zabbix-agent } to billu:flows",
    ]);
});

test("the Zabbix server is a MonitoringServer on its BaseServer, its step after the host's base step", () => {
    expect(r.exitCode).toBe(0);
    expect(
        r.resources
            .filter((x) => x.name === "par-mon01")
            .map((x) => x.type)
            .sort(),
    ).toEqual(["billu:compute:BaseServer", "billu:compute:ProxmoxVm", "billu:monitoring:MonitoringServer"]);
    const prepare = r.resources.find((x) => x.name === "par-mon01-monitoring-server-prepare")!;
    expect(prepare.options.dependsOn).toContain(r.resources.find((x) => x.name === "par-mon01-base-apply")!.urn);
    expect(rendered(out, "PAR-MON01", "etc/zabbix/zabbix_server.conf.d/billu.conf")).toContain("DBName=zabbix\n");
    expect(rendered(out, "PAR-MON01", "etc/apache2/sites-available/billu-zabbix.conf")).toContain("ServerName par-mon01.billu.remindme.lan\n");
});

test("every host of dev, the router and the server included, runs the agent from its one base step, with its own PSK", () => {
    const hosts = (raw.hosts as { name: string }[]).map((h) => h.name);
    expect(plan.hosts.map((h) => h.name)).toEqual(hosts);
    for (const name of hosts) {
        const conf = rendered(out, name, "etc/zabbix/zabbix_agent2.conf");
        expect(conf).toContain(`\nServer=10.20.0.40\nServerActive=10.20.0.40:10051\n`);
        expect(conf).toContain(`\nHostname=${name}\n`);
        expect(conf).toContain(`\nTLSConnect=psk\nTLSAccept=psk\nTLSPSKIdentity=PSK ${name}\nTLSPSKFile=/etc/zabbix/zabbix_agent2.psk\n`);
        expect(rendered(out, name, "var/lib/billu/stage/base/run.sh")).toContain("billu_install '/etc/zabbix/zabbix_agent2.conf'");
        expect(rendered(out, name, "etc/billu/monitoring/agent.psk")).toBe("{{secret:zabbix-agent-psk}}\n");
    }
    const psks = r.resources.filter((x) => x.type === "random:index/randomId:RandomId");
    expect(psks.map((x) => [x.name, x.inputs.byteLength]).sort()).toEqual(hosts.map((h) => [`zabbix-psk-${h.toLowerCase()}`, 32]).sort());
});

test("no PSK, database password or private key is in any rendered file or output", () => {
    const generated = r.producedSecrets.filter((s) => s.includes("zabbix"));
    // one PSK per host (4 encodings each), the database password (and its bcrypt hash), the frontend's private key
    expect(generated.filter((s) => s.includes("zabbix-psk-"))).toHaveLength(plan.hosts.length * 4);
    expect(generated.filter((s) => s.includes("zabbix-db"))).toHaveLength(2);
    expect(generated.filter((s) => s.includes("par-mon01-zabbix-key"))).toHaveLength(1);
    expect(secretLeaks(out, generated)).toEqual([]);
    expect(secretLeaks(path.join(out, "rendered"), ["PRIVATE KEY"])).toEqual([]);
});

test("prod: the Linux hosts run the agent, the Windows DCs are listed as not monitored and get no flow", () => {
    expect(prod.exitCode).toBe(0);
    expect(prod.resources.filter((x) => x.type === "billu:monitoring:MonitoringServer").map((x) => x.name)).toEqual(["par-mon01"]);
    const p = model(stackRaw("prod")).plan<MonitoringPlan>("monitoring")!;
    expect(p.hosts.map((h) => h.name)).toEqual([
        "PAR-FW01",
        "PAR-DHCP01",
        "PAR-DHCP02",
        "PAR-FS01",
        "PAR-MAIL01",
        "PAR-WEB01",
        "PAR-LOG01",
        "PAR-BKP01",
        "PAR-MON01",
    ]);
    expect(p.notMonitored.map((n) => n.name)).toEqual(["PAR-DC01", "PAR-DC02", "PAR-DC03"]);
    expect(p.flows.filter((f) => f.to.startsWith("PAR-DC") || f.from.startsWith("PAR-DC"))).toEqual([]);
    for (const h of p.hosts) expect(rendered(prodOut, h.name, "etc/zabbix/zabbix_agent2.conf")).toContain(`\nHostname=${h.name}\n`);
    expect(secretLeaks(prodOut, prod.producedSecrets)).toEqual([]);
});
