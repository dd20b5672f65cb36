/**
 * Central log collection through the service seam: dev with the collector labs/logs/overlay.yaml adds (its host,
 * billu:logs, the flows and the DMZ allowlist entry), synthesized: the collector, and the log shipper every Debian
 * host's base step carries.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import type { LogsPlan } from "../../model/logs";
import { SynthResult } from "../../tools/synth";
import { model, ROOT, secretLeaks } from "../helpers";
import { SYNTH_TIMEOUT, variantSynth } from "./shared";

/** Dev's stack file with the overlay applied, as text. */
function devWithCollector(): string {
    const doc = parse(readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));
    const overlay = parse(readFileSync(path.join(ROOT, "labs", "logs", "overlay.yaml"), "utf8"));
    doc.config["billu:hosts"].push(...overlay.hosts);
    doc.config["billu:logs"] = overlay.logs;
    doc.config["billu:flows"].push(...overlay.flows);
    doc.config["billu:firewall"].dmzAllowlist.push(...overlay.dmzAllowlist);
    return stringify(doc);
}

const text = devWithCollector();
const raw: Record<string, unknown> = Object.fromEntries(
    Object.entries(parse(text).config as Record<string, unknown>)
        .filter(([k]) => k.startsWith("billu:"))
        .map(([k, v]) => [k.slice(6), v]),
);
const logs = model(raw).plan<LogsPlan>("logs")!;
let r: SynthResult;
let out: string;

beforeAll(async () => {
    ({ r, out } = await variantSynth("logs", text));
}, SYNTH_TIMEOUT);

test("without the collector's flows the model refuses the site, naming each missing flow", () => {
    const flows = raw.flows as { from: string; service: string }[];
    const bare = { ...raw, flows: flows.filter((f) => !(f.service === "syslog-tls" && f.from !== "dmz")) };
    expect(() => model(bare)).toThrow(
        "billu:flows: lacks PAR-DC01 -> PAR-LOG01 syslog-tls, which central log collection needs (PAR-DC01 forwards its system and service logs to the collector). " +
            "Fix: append { from: PAR-DC01, to: PAR-LOG01, service: syslog-tls } to billu:flows",
    );
});

const rendered = (host: string, p: string) => readFileSync(path.join(out, "rendered", host, p), "utf8");

test("the collector is a LogCollector on its BaseServer, its step after the host's base step", () => {
    expect(r.exitCode).toBe(0);
    expect(
        r.resources
            .filter((x) => x.name === "par-log01")
            .map((x) => x.type)
            .sort(),
    ).toEqual(["billu:compute:BaseServer", "billu:compute:ProxmoxVm", "billu:logs:LogCollector"]);
    const prepare = r.resources.find((x) => x.name === "par-log01-logs-collector-prepare")!;
    expect(prepare.options.dependsOn).toContain(r.resources.find((x) => x.name === "par-log01-base-apply")!.urn);
    expect(rendered("PAR-LOG01", "etc/rsyslog.d/10-billu-collector.conf")).toContain(`port="${logs.port}"`);
});

test("every forwarding host, the router and the DC included, ships its logs from its one base step", () => {
    expect(logs.clients.map((c) => c.name).sort()).toEqual(["PAR-DC01", "PAR-DHCP01", "PAR-FS01", "PAR-FW01", "PAR-MAIL01", "PAR-WEB01"]);
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
