/**
 * The log collection component under the SDK's mocks (mocks first, then `await import`): the collector's server
 * certificate and step, and the every-host client step with its client certificate; keys only as secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import { mkdtempSync, readFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import type { LogsPlan } from "../../model/logs";
import { waitForRegistrations } from "../../tools/mock-runtime";
import { model, stackRaw } from "../helpers";

const registered: { type: string; name: string; inputs: Record<string, unknown> }[] = [];

beforeAll(() => {
    pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                return {
                    id: `${args.name}-id`,
                    state: {
                        ...args.inputs,
                        certPem: `PEM of ${args.name}`,
                        privateKeyPem: `KEY of ${args.name}`,
                        publicKeyOpenssh: `ssh-ed25519 mock-${args.name}`,
                        privateKeyOpenssh: `OPENSSH KEY of ${args.name}`,
                    },
                };
            },
            call: (args) => args.inputs,
        },
        "billu-infra",
        "dev",
        false,
    );
});

// The dev stack's own collector, PAR-LOG01, and its plan. The backup server is left out: this test builds the collector
// alone, and as a backup client its base step would need the backup service's every-host resources
// (__tests__/synth/backup.test.ts covers the two together).
const raw = stackRaw("dev");
raw.hosts = raw.hosts.filter((h: { role: string }) => h.role !== "backup");
raw.flows = raw.flows.filter((f: { from: string; to: string }) => f.from !== "PAR-BKP01" && f.to !== "PAR-BKP01");
delete raw.backup;
// The Zabbix server is left out for the same reason (every host's base step would carry its agent).
raw.hosts = raw.hosts.filter((h: { role: string }) => h.role !== "monitoring");
raw.flows = raw.flows.filter((f: { from: string; to: string }) => f.from !== "PAR-MON01" && f.to !== "PAR-MON01");
raw.firewall.dmzAllowlist = raw.firewall.dmzAllowlist.filter((e: { to: string }) => e.to !== "PAR-MON01");
delete raw.monitoring;
// GLPI too (every Debian host's base step would carry its inventory agent), and the GPO that deploys its Windows agent.
raw.hosts = raw.hosts.filter((h: { role: string }) => h.role !== "assets");
raw.flows = raw.flows.filter((f: { from: string; to: string }) => f.from !== "PAR-GLPI01" && f.to !== "PAR-GLPI01");
raw.firewall.dmzAllowlist = raw.firewall.dmzAllowlist.filter((e: { to: string }) => e.to !== "PAR-GLPI01");
delete raw.assets;
raw.gpo.gpos = raw.gpo.gpos.filter((g: { policies: Record<string, unknown> }) => !("glpiAgent" in g.policies));
const m = model(raw);
const plan = m.plan<LogsPlan>("logs")!;

test("the collector: a server certificate for its FQDN and address, one logs-collector step after its base step", async () => {
    const { SiteCa } = await import("../../components/site-ca/SiteCa");
    const { LogCollector } = await import("../../components/logs/LogCollector");
    const renderDir = mkdtempSync(path.join(tmpdir(), "billu-logs-"));
    const ca = new SiteCa("site-ca", { organization: "BillU", commonName: "BillU test CA" });
    const site = { model: m, renderDir, adminUser: m.config.guest.adminUser, routerReady: [], domainReady: [] };
    const c = new LogCollector("par-log01", { site, ca, host: m.host(plan.host.name), plan });
    expect(c.step.hash).toMatch(/^[0-9a-f]{64}$/);
    await waitForRegistrations();
    const csr = registered.find((r) => r.name === "site-ca-par-log01-logs-csr")!;
    expect(csr.inputs.subject).toEqual({ commonName: "par-log01.billu.remindme.lan", organization: "BillU" });
    expect([csr.inputs.dnsNames, csr.inputs.ipAddresses]).toEqual([["par-log01.billu.remindme.lan"], ["10.20.0.20"]]);
    const cert = registered.find((r) => r.name === "site-ca-par-log01-logs-cert")!;
    expect(cert.inputs.allowedUses).toEqual(["digital_signature", "key_encipherment", "server_auth"]);
    const steps = registered.filter((r) => r.type === "billu:guest:GuestStep").map((r) => r.name);
    expect(steps.sort()).toEqual(["par-log01-base", "par-log01-logs-collector"]);
    // The rendered files hold placeholders only: the key's value never reaches the render folder.
    const key = readFileSync(path.join(renderDir, "PAR-LOG01", "etc", "billu", "logs", "key.pem"), "utf8");
    expect(key).toBe("{{secret:logs-key}}");
});

test("every host: a client certificate (client_auth) per forwarding host, nothing for the collector", async () => {
    const { SiteCa } = await import("../../components/site-ca/SiteCa");
    const { logClientStep } = await import("../../components/logs/LogCollector");
    const ca = new SiteCa("ca2", { organization: "BillU", commonName: "BillU test CA" });
    expect(logClientStep(ca, plan, "PAR-LOG01")).toBeUndefined();
    const web = logClientStep(ca, plan, "PAR-WEB01")!;
    expect(web.step).toBe("logs-forward");
    expect(web.files.map((f) => f.path)).toEqual([
        "/etc/billu/logs/ca.pem",
        "/etc/billu/logs/cert.pem",
        "/etc/billu/logs/key.pem",
        "/etc/rsyslog.d/90-billu-forward.conf",
    ]);
    expect(Object.keys(web.secrets).sort()).toEqual(["logs-ca", "logs-cert", "logs-key"]);
    await expect(pulumi.isSecret(web.secrets["logs-key"] as pulumi.Output<string>)).resolves.toBe(true);
    await waitForRegistrations();
    const cert = registered.find((r) => r.name === "ca2-logs-par-web01-cert")!;
    expect(cert.inputs.allowedUses).toEqual(["digital_signature", "key_encipherment", "client_auth"]);
    const csr = registered.find((r) => r.name === "ca2-logs-par-web01-csr")!;
    expect(csr.inputs.subject).toEqual({ commonName: "par-web01.billu.remindme.lan", organization: "BillU" });
    expect(registered.filter((r) => r.name.startsWith("ca2-logs-par-log01"))).toEqual([]);
});
