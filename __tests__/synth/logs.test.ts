/** Central log collection in the dev synth: the collector, and the log shipper every Debian host's base step carries. */
import { readFileSync } from "fs";
import * as path from "path";
import { SynthResult } from "../../tools/synth";
import { model, secretLeaks, stackRaw } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

let r: SynthResult;
let out: string;
const dev = model(stackRaw("dev"));
const logs = dev.plan<import("../../model/logs").LogsPlan>("logs")!;

beforeAll(async () => {
    ({ r, out } = await committedSynth("dev"));
}, SYNTH_TIMEOUT);

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
