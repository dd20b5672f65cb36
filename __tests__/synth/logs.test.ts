/**
 * Central log collection through the service seam: the committed dev and prod stacks with their collector PAR-LOG01
 * (its host, billu:logs, the flows and the DMZ allowlist entry), synthesized: the collector, and the log shipper
 * every Debian host's base step carries.
 */
import { readFileSync } from "fs";
import * as path from "path";
import type { LogsPlan } from "../../model/logs";
import { SynthResult } from "../../tools/synth";
import { model, problemsOf, secretLeaks, stackRaw } from "../helpers";
import { committedSynth, expectOnBaseServer, SYNTH_TIMEOUT } from "./shared";

const raw = stackRaw("dev");
const logs = model(raw).plan<LogsPlan>("logs")!;
let r: SynthResult;
let out: string;
let prod: SynthResult;

beforeAll(async () => {
    ({ r, out } = await committedSynth("dev"));
    ({ r: prod } = await committedSynth("prod"));
}, SYNTH_TIMEOUT);

test("without the collector's flows the model refuses the site, naming each missing flow", () => {
    const flows = raw.flows as { from: string; service: string }[];
    // The DMZ hosts' flows stay (billu:firewall.dmzAllowlist names them); every other forwarding host's goes.
    const bare = { ...raw, flows: flows.filter((f) => !(f.service === "syslog-tls" && f.from !== "PAR-WEB01" && f.from !== "PAR-MX01")) };
    const line = (from: string, who: string) =>
        `billu:flows: lacks ${from} -> PAR-LOG01 syslog-tls, which central log collection needs (${who} forwards its system and service logs to the collector). ` +
        `Fix: append { from: ${from}, to: PAR-LOG01, service: syslog-tls } to billu:flows`;
    expect(problemsOf(bare)).toEqual([
        line("router", "PAR-FW01"),
        ...["PAR-DC01", "PAR-DHCP01", "PAR-FS01", "PAR-MAIL01", "PAR-BKP01", "PAR-MON01", "PAR-FTP01", "PAR-PBX01", "PAR-GLPI01", "PAR-CLI01"].map((h) =>
            line(h, h),
        ),
    ]);
});

const rendered = (host: string, p: string) => readFileSync(path.join(out, "rendered", host, p), "utf8");

test("the collector is a LogCollector on its BaseServer, its step after the host's base step", () => {
    expect(r.exitCode).toBe(0);
    expectOnBaseServer(r, "PAR-LOG01", "billu:logs:LogCollector", "logs-collector");
    expect(rendered("PAR-LOG01", "etc/rsyslog.d/10-billu-collector.conf")).toContain(`port="${logs.port}"`);
});

test("every forwarding host, the router and the DC included, ships its logs from its one base step", () => {
    expect(logs.clients.map((c) => c.name).sort()).toEqual([
        "PAR-BKP01",
        "PAR-CLI01",
        "PAR-DC01",
        "PAR-DHCP01",
        "PAR-FS01",
        "PAR-FTP01",
        "PAR-FW01",
        "PAR-GLPI01",
        "PAR-MAIL01",
        "PAR-MON01",
        "PAR-MX01",
        "PAR-PBX01",
        "PAR-WEB01",
    ]);
    for (const c of logs.clients) {
        const run = rendered(c.name, "var/lib/billu/stage/base/run.sh");
        expect(run).toContain("billu_install '/etc/rsyslog.d/90-billu-forward.conf'");
        expect(rendered(c.name, "etc/rsyslog.d/90-billu-forward.conf")).toContain(logs.fqdn);
        // one client certificate per host, from the site CA, for client authentication only
        const cert = r.resources.find(
            (x) => x.type === "tls:index/locallySignedCert:LocallySignedCert" && x.name.endsWith(`logs-${c.name.toLowerCase()}-cert`),
        )!;
        expect(cert.inputs.allowedUses).toEqual(["digital_signature", "key_encipherment", "client_auth"]);
    }
    expect(r.resources.filter((x) => x.name.endsWith("-logs-forward-apply"))).toEqual([]);
});

test("no private key or certificate is rendered: the base step's secrets are placeholders", () => {
    const conf = rendered("PAR-WEB01", "etc/rsyslog.d/90-billu-forward.conf");
    expect(conf).not.toMatch(/BEGIN/);
    expect(secretLeaks(path.join(out, "rendered"), ["PRIVATE KEY"])).toEqual([]);
});

test("prod: the collector is a LogCollector; every Debian host forwards, the Windows DCs are listed as not forwarded", () => {
    expect(prod.exitCode).toBe(0);
    expect(prod.resources.filter((x) => x.type === "billu:logs:LogCollector").map((x) => x.name)).toEqual(["par-log01"]);
    const plan = model(stackRaw("prod")).plan<LogsPlan>("logs")!;
    expect(plan.clients.map((c) => c.name)).toEqual([
        "PAR-FW01",
        "PAR-DHCP01",
        "PAR-DHCP02",
        "PAR-FS01",
        "PAR-MAIL01",
        "PAR-WEB01",
        "PAR-BKP01",
        "PAR-MON01",
        "PAR-FTP01",
        "PAR-PBX01",
        "PAR-MX01",
        "PAR-GLPI01",
    ]);
    expect(plan.notForwarded.map((n) => n.name)).toEqual(["PAR-DC01", "PAR-DC02", "PAR-DC03", "PAR-WSUS01"]);
    expect(plan.retentionDays).toBe(365);
});
