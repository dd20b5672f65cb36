/**
 * The Zabbix server component under the SDK's mocks (mocks first, then `await import`): its `monitoring-config` step
 * after the server step, Admin's and the read-only account's generated passwords, every host's PSK on the step's stdin
 * (never in a rendered file), and what the step stages. The step's behaviour against a real Zabbix is labs/monitoring's.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { existsSync, mkdtempSync, readFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { needsOf } from "../../components/base-server/every-host";
import type { MonitoringPlan } from "../../model/monitoring";
import { waitForRegistrations } from "../../tools/mock-runtime";
import { model, stackRaw } from "../helpers";

const registered: { type: string; name: string; inputs: Record<string, any>; dependsOn: string[] }[] = [];

beforeAll(() => {
    pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push({ type: args.type, name: args.name, inputs: args.inputs, dependsOn: [] });
                return {
                    id: `${args.name}-id`,
                    state: {
                        ...args.inputs,
                        result: `generated-${args.name}`,
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

const m = model(stackRaw("dev"));
const plan = m.plan<MonitoringPlan>("monitoring")!;
const pskOf = (host: string) => `${host.toLowerCase()}-psk-`.padEnd(64, "0");
/** The step's stdin as GuestStep encodes it: `<name>\t<hex of the value>` lines. */
const decode = (stdin: string) =>
    Object.fromEntries(
        stdin
            .trimEnd()
            .split("\n")
            .map((l) => [l.split("\t")[0], Buffer.from(l.split("\t")[1], "hex").toString("utf8")]),
    );

async function build(psks: Map<string, pulumi.Input<string>>, name = "par-mon01", withPlan: MonitoringPlan = plan) {
    const { SiteCa } = await import("../../components/site-ca/SiteCa");
    const { MonitoringServer } = await import("../../components/monitoring/MonitoringServer");
    const renderDir = mkdtempSync(path.join(tmpdir(), "billu-mon-"));
    const ca = new SiteCa(`${name}-site-ca`, { organization: "BillU", commonName: "BillU test CA" });
    const host = m.host(withPlan.host.name);
    // The base step's every-host extensions are other tests' (synth): empty ones here.
    const everyHostRenderers = Object.fromEntries(needsOf(m, host).map((n) => [n, () => ({ files: [], script: "" })]));
    const site = { model: m, renderDir, adminUser: m.config.guest.adminUser, routerReady: [], domainReady: [], everyHostRenderers };
    const server = new MonitoringServer(name, { site, ca, company: "BillU", host, plan: withPlan, psks }, {});
    return { server, renderDir };
}

test("the monitoring-config step: after the server step, the generated passwords and every host's PSK on its stdin only", async () => {
    const psks = new Map(plan.hosts.map((h) => [h.name, pulumi.secret(pskOf(h.name))]));
    const { server, renderDir } = await build(psks);
    expect(server.configStep).toBeDefined();
    await waitForRegistrations();
    const passwords = registered.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => [r.name, r.inputs.length, r.inputs.special]);
    expect(passwords).toEqual([
        ["par-mon01-zabbix-db", 40, false],
        ["par-mon01-zabbix-admin", 32, false],
        ["par-mon01-zabbix-reader", 32, false],
    ]);
    const apply = registered.find((r) => r.name === "par-mon01-monitoring-config-apply")!;
    expect(apply.inputs.create).toBe("sudo -n sh '/var/lib/billu/stage/monitoring-config/run.sh'");
    expect(apply.inputs.logging).toBe("none");
    // A secret input reaches the mocks wrapped ({ <sig>: <secret sig>, value }): the step sends it as a secret.
    expect(typeof apply.inputs.stdin).toBe("object");
    const stdin = decode((apply.inputs.stdin as { value: string }).value);
    expect(Object.keys(stdin).sort()).toEqual(
        ["zabbix-admin-password", "zabbix-reader-password", ...plan.hosts.map((h) => `zabbix-psk-${h.name.toLowerCase()}`)].sort(),
    );
    expect(stdin["zabbix-admin-password"]).toBe("generated-par-mon01-zabbix-admin");
    expect(stdin["zabbix-reader-password"]).toBe("generated-par-mon01-zabbix-reader");
    for (const h of plan.hosts) expect(stdin[`zabbix-psk-${h.name.toLowerCase()}`]).toBe(pskOf(h.name));
    // Its triggers: what it stages and the hash of its secrets (a changed PSK set re-runs it), no secret itself.
    const raw = (apply.inputs.stdin as { value: string }).value;
    expect((apply.inputs.triggers as { value: string[] }).value).toEqual([server.configStep!.hash, createHash("sha256").update(raw).digest("hex")]);
    // The server step no longer carries the document; the config step does, with the clients and settings.
    const staged = (step: string) => registered.filter((r) => r.type === "command:remote:CopyToRemote" && r.name.startsWith(`par-mon01-${step}-copy-`));
    expect(
        staged("monitoring-config")
            .map((r) => r.inputs.remotePath)
            .sort(),
    ).toEqual([
        "/var/lib/billu/stage/monitoring-config/billu-lib.sh",
        "/var/lib/billu/stage/monitoring-config/files/etc/billu/monitoring/api-reader.cred",
        "/var/lib/billu/stage/monitoring-config/files/etc/billu/monitoring/zabbix-api.env",
        "/var/lib/billu/stage/monitoring-config/files/etc/billu/monitoring/zabbix-config.json",
        "/var/lib/billu/stage/monitoring-config/files/usr/local/lib/billu/monitoring/zabbix-access.py",
        "/var/lib/billu/stage/monitoring-config/files/usr/local/lib/billu/monitoring/zabbix-config.py",
        "/var/lib/billu/stage/monitoring-config/files/usr/local/lib/billu/monitoring/zabbix_api.py",
        "/var/lib/billu/stage/monitoring-config/run.sh",
    ]);
    expect(staged("monitoring-server").map((r) => r.inputs.remotePath)).not.toContain(
        "/var/lib/billu/stage/monitoring-server/files/etc/billu/monitoring/zabbix-config.json",
    );
    const rendered = (p: string) => readFileSync(path.join(renderDir, "PAR-MON01", p), "utf8");
    expect(rendered("etc/billu/monitoring/api-reader.cred")).toBe("username=api-reader\npassword={{secret:zabbix-reader-password}}\n");
    // The clients and the module they share, verbatim, in one folder (their `import zabbix_api` finds it beside them).
    for (const f of ["zabbix-access.py", "zabbix-config.py", "zabbix_api.py"])
        expect(rendered(`usr/local/lib/billu/monitoring/${f}`)).toBe(readFileSync(path.join(__dirname, "..", "..", "scripts", "monitoring", f), "utf8"));
    for (const h of plan.hosts) {
        for (const f of ["etc/billu/monitoring/zabbix-api.env", "etc/billu/monitoring/zabbix-config.json", "var/lib/billu/stage/monitoring-config/run.sh"])
            expect(rendered(f)).not.toContain(pskOf(h.name));
    }
});

test("a host of the plan without a PSK is a programming error naming it", async () => {
    const psks = new Map(plan.hosts.filter((h) => h.name !== "PAR-WEB01").map((h) => [h.name, pskOf(h.name)]));
    await expect(build(psks)).rejects.toThrow("[psks] has no PSK for PAR-WEB01, a host of the monitoring plan");
});

test("a plan without a configuration document (no alert mail) gets the server step only: no monitoring-config step, no API password, no PSK needed", async () => {
    const quiet: MonitoringPlan = { ...plan, alerting: undefined };
    const { server, renderDir } = await build(new Map(), "quiet-mon01", quiet);
    await waitForRegistrations();
    expect([server.configStep, server.adminPassword, server.readerPassword]).toEqual([undefined, undefined, undefined]);
    // This component's resources only (earlier tests' registrations may still arrive).
    const mine = registered.filter((r) => r.name.startsWith("quiet-mon01"));
    const names = mine.map((r) => r.name);
    expect(names).toContain("quiet-mon01-monitoring-server-apply");
    expect(names.filter((n) => /monitoring-config|zabbix-(admin|reader)/.test(n))).toEqual([]);
    expect(mine.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => r.name)).toEqual(["quiet-mon01-zabbix-db"]);
    expect(existsSync(path.join(renderDir, "PAR-MON01", "var/lib/billu/stage/monitoring-config"))).toBe(false);
    expect(existsSync(path.join(renderDir, "PAR-MON01", "var/lib/billu/stage/monitoring-server/run.sh"))).toBe(true);
});
