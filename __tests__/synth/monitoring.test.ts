/**
 * Monitoring through the service seam: the committed dev and prod stacks with their Zabbix server PAR-MON01 (its host,
 * billu:monitoring, the flows the model asks for), synthesized: the server, and the Zabbix agent every host's base
 * step carries (Debian's package, or on Windows agent 2's MSI) with its own PSK, which no rendered file holds.
 */
import { readFileSync } from "fs";
import * as path from "path";
import type { AssetsPlan } from "../../model/assets";
import { MonitoringPlan, TEMPLATES } from "../../model/monitoring";
import { SynthResult } from "../../tools/synth";
import { model, orderingDeps, problemsOf, secretLeaks, stackRaw } from "../helpers";
import { committedSynth, expectOnBaseServer, SYNTH_TIMEOUT } from "./shared";

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
    expectOnBaseServer(r, "PAR-MON01", "billu:monitoring:MonitoringServer", "monitoring-server");
    expect(rendered(out, "PAR-MON01", "etc/zabbix/zabbix_server.conf.d/billu.conf")).toContain("DBName=zabbix\n");
    expect(rendered(out, "PAR-MON01", "etc/apache2/sites-available/billu-zabbix.conf")).toContain("ServerName par-mon01.billu.remindme.lan\n");
});

test("the monitoring-config step follows the server step and stages the document, the clients and every host's PSK secret name", () => {
    const prepare = r.resources.find((x) => x.name === "par-mon01-monitoring-config-prepare")!;
    expect(orderingDeps(prepare)).toEqual([r.resources.find((x) => x.name === "par-mon01-monitoring-server-apply")!.urn]);
    const apply = r.resources.find((x) => x.name === "par-mon01-monitoring-config-apply")!;
    expect(apply.inputs.stdin).toBe("[secret]");
    expect(rendered(out, "PAR-MON01", "etc/billu/monitoring/zabbix-api.env")).toContain(
        "\nZBX_API_URL='https://10.20.0.40/api_jsonrpc.php'\nZBX_CA='/etc/billu/monitoring/site-ca.pem'\n",
    );
    const env = rendered(out, "PAR-MON01", "etc/billu/monitoring/zabbix-api.env");
    const pskLines = /\nZBX_PSK_SECRETS='([^']*)'\n/.exec(env)![1].split("\n");
    expect(pskLines).toEqual(plan.hosts.map((h) => `zabbix-psk-${h.name.toLowerCase()} PSK ${h.name}`));
    // prod: the Windows DCs' PSKs too (their Zabbix hosts are in the document like every other)
    const prodEnv = rendered(prodOut, "PAR-MON01", "etc/billu/monitoring/zabbix-api.env");
    expect(prodEnv).toContain("zabbix-psk-par-dc02 PSK PAR-DC02\n");
    const run = rendered(out, "PAR-MON01", "var/lib/billu/stage/monitoring-config/run.sh");
    expect(run).toContain(
        [
            "billu_install '/etc/billu/monitoring/zabbix-api.env' 0644 'root:root'",
            "billu_install '/etc/billu/monitoring/zabbix-config.json' 0600 'root:root'",
            "billu_install '/usr/local/lib/billu/monitoring/zabbix-config.py' 0644 'root:root'",
            "billu_install '/usr/local/lib/billu/monitoring/zabbix-access.py' 0644 'root:root'",
            "billu_install '/usr/local/lib/billu/monitoring/zabbix_api.py' 0644 'root:root'",
            "billu_install '/etc/billu/monitoring/api-reader.cred' 0600 'root:root'",
        ].join("\n"),
    );
    expect(rendered(out, "PAR-MON01", "var/lib/billu/stage/monitoring-server/run.sh")).not.toContain("zabbix-config.json");
});

test("every host of dev, the router and the server included, runs the agent from its one base step, with its own PSK", () => {
    const hosts = (raw.hosts as { name: string }[]).map((h) => h.name);
    expect(plan.hosts.map((h) => h.name)).toEqual(hosts);
    // The Windows hosts of the config (dev's Windows 11 client): agent 2's Windows files, in the base step's run.ps1.
    const windows = (raw.hosts as { name: string; os: string }[]).filter((h) => h.os.startsWith("windows")).map((h) => h.name);
    expect(windows).toEqual(["PAR-CLI02"]);
    for (const name of windows) {
        // CRLF, as Windows' own files.
        const conf = rendered(out, name, "C/ProgramData/billu/monitoring/zabbix_agent2.conf").replace(/\r\n/g, "\n");
        expect(conf).toContain(`\nServer=10.20.0.40\nServerActive=10.20.0.40:10051\n`);
        expect(conf).toContain(`\nHostname=${name}\n`);
        expect(conf).toContain(`\nTLSConnect=psk\nTLSAccept=psk\nTLSPSKIdentity=PSK ${name}\nTLSPSKFile=C:\\ProgramData\\billu\\monitoring\\agent.psk\n`);
        expect(rendered(out, name, "C/ProgramData/billu/stage/base/run.ps1")).toContain(
            "Install-BilluFile 'C:/ProgramData/billu/monitoring/zabbix_agent2.conf'",
        );
    }
    for (const name of hosts.filter((h) => !windows.includes(h))) {
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
    // one PSK per host (4 encodings each), the passwords (and their bcrypt hashes), the frontend's private key
    expect(generated.filter((s) => s.includes("zabbix-psk-"))).toHaveLength(plan.hosts.length * 4);
    expect(generated.filter((s) => s.includes("zabbix-db"))).toHaveLength(2);
    // Admin's and the read-only account's API passwords (and their bcrypt hashes)
    expect(generated.filter((s) => /par-mon01-zabbix-(admin|reader)/.test(s))).toHaveLength(4);
    expect(generated.filter((s) => s.includes("par-mon01-zabbix-key"))).toHaveLength(1);
    expect(secretLeaks(out, generated)).toEqual([]);
    expect(secretLeaks(path.join(out, "rendered"), ["PRIVATE KEY"])).toEqual([]);
});

test("prod: every host runs the agent, the Windows DCs from the MSI in their base step, with the flows the model asks for", () => {
    expect(prod.exitCode).toBe(0);
    expect(prod.resources.filter((x) => x.type === "billu:monitoring:MonitoringServer").map((x) => x.name)).toEqual(["par-mon01"]);
    const p = model(stackRaw("prod")).plan<MonitoringPlan>("monitoring")!;
    expect(p.hosts.map((h) => [h.name, h.agent])).toEqual([
        ["PAR-FW01", "zabbix-agent2"],
        ["PAR-DC01", "zabbix-agent2-windows"],
        ["PAR-DC02", "zabbix-agent2-windows"],
        ["PAR-DC03", "zabbix-agent2-windows"],
        ["PAR-DHCP01", "zabbix-agent2"],
        ["PAR-DHCP02", "zabbix-agent2"],
        ["PAR-FS01", "zabbix-agent2"],
        ["PAR-MAIL01", "zabbix-agent2"],
        ["PAR-WEB01", "zabbix-agent2"],
        ["PAR-WSUS01", "zabbix-agent2-windows"],
        ["PAR-LOG01", "zabbix-agent2"],
        ["PAR-BKP01", "zabbix-agent2"],
        ["PAR-MON01", "zabbix-agent2"],
        ["PAR-FTP01", "zabbix-agent2"],
        ["PAR-PBX01", "zabbix-agent2"],
        ["PAR-MX01", "zabbix-agent2"],
        ["PAR-GLPI01", "zabbix-agent2"],
    ]);
    // GLPI is watched as in dev: its own template (the front, PHP-FPM, MariaDB, the dump) and, as every Debian host, its
    // inventory agent's freshness.
    expect(p.hosts.find((h) => h.name === "PAR-GLPI01")!.templates).toEqual([TEMPLATES.linux, TEMPLATES.glpi, TEMPLATES.inventoryAgent]);
    expect(p.flows.filter((f) => f.to.startsWith("PAR-DC") || f.from.startsWith("PAR-DC")).map((f) => `${f.from} -> ${f.to} ${f.service}`)).toEqual([
        "PAR-MON01 -> PAR-DC01 zabbix-agent",
        "PAR-MON01 -> PAR-DC02 zabbix-agent",
        "PAR-MON01 -> PAR-DC03 zabbix-agent",
        "PAR-DC01 -> PAR-MON01 zabbix-trapper",
        "PAR-DC02 -> PAR-MON01 zabbix-trapper",
        "PAR-DC03 -> PAR-MON01 zabbix-trapper",
    ]);
    for (const h of p.hosts.filter((x) => x.os === "linux"))
        expect(rendered(prodOut, h.name, "etc/zabbix/zabbix_agent2.conf")).toContain(`\nHostname=${h.name}\n`);
    for (const dc of ["PAR-DC01", "PAR-DC02", "PAR-DC03"]) {
        expect(rendered(prodOut, dc, "C/ProgramData/billu/monitoring/zabbix_agent2.conf")).toContain(
            `\r\nHostname=${dc}\r\nTimeout=4\r\nTLSConnect=psk\r\nTLSAccept=psk\r\n`,
        );
        // The base step runs the agent's functions, then the call, with the settings' path as its one datum.
        const run = rendered(prodOut, dc, "C/ProgramData/billu/stage/base/run.ps1");
        expect(run).toContain(
            "\r\nInstall-BilluFile 'C:/ProgramData/billu/monitoring/agent.json'\r\nInstall-BilluFile 'C:/ProgramData/billu/monitoring/zabbix_agent2.conf'\r\n",
        );
        // (baseStepContent joins its extensions' fragments with a bare LF: PowerShell reads either line end.)
        expect(run).toContain("\n$ZBX_SETTINGS = 'C:\\ProgramData\\billu\\monitoring\\agent.json'\r\n");
        expect(run.trimEnd().endsWith("\r\nUpdate-ZbxWindowsAgent $ZBX_SETTINGS")).toBe(true);
    }
    // Each DC's base step receives its own PSK on stdin, next to the backup client's secrets.
    const base = prod.resources.find((x) => x.type === "command:remote:Command" && x.name === "par-dc01-base-apply");
    expect(base?.inputs.stdin).toBe("[secret]");
    expect(secretLeaks(prodOut, prod.producedSecrets)).toEqual([]);
});

test("the frontend's Admin password is a secret stack output (zabbixAdminPassword), as the configuration step sets it", () => {
    for (const dir of [out, prodOut]) {
        const outputs = JSON.parse(readFileSync(path.join(dir, "outputs.json"), "utf8"));
        expect(outputs.zabbixAdminPassword).toBe("[secret]");
    }
});

test("dev's Zabbix document watches GLPI on PAR-GLPI01 (its URL, its dump) and the last inventory of every agent host the assets plan names", () => {
    const assets = model(raw).plan<AssetsPlan>("assets")!;
    const doc = JSON.parse(rendered(out, "PAR-MON01", "etc/billu/monitoring/zabbix-config.json")) as {
        hosts: { host: string; templates: string[] }[];
        templates: { name: string; items: { key: string }[] }[];
    };
    expect(doc.hosts.filter((h) => h.templates.includes("BillU GLPI")).map((h) => h.host)).toEqual([assets.host.name]);
    expect(doc.hosts.filter((h) => h.templates.includes("BillU inventory agent")).map((h) => h.host)).toEqual([...assets.inventory.agents]);
    const keys = doc.templates.find((t) => t.name === "BillU GLPI")!.items.map((i) => i.key);
    expect(keys).toContain(`web.page.regexp[${assets.url}/index.php,,,"^HTTP/[0-9.]+ ([0-9]+)",,\\1]`);
    expect(keys).toContain(`vfs.file.time[${assets.dumpDir}/${assets.database.name}.sql,modify]`);
    // Every agent host's rendered service touches the stamp the template reads.
    const stamp = doc.templates.find((t) => t.name === "BillU inventory agent")!.items[0].key;
    for (const h of assets.inventory.agents) {
        expect(stamp).toBe(`vfs.file.time[${/touch (\S+)'$/m.exec(rendered(out, h, "etc/systemd/system/billu-inventory.service"))![1]},modify]`);
    }
});
