/**
 * The monitoring scenario (tools/acceptance/scenarios/monitoring.ts): judging Zabbix's host.get and trigger.get answers
 * against what the model expects (exact messages naming the host and why), the expectation drawn from the dev model's
 * Zabbix document, the API account's file, and bad input (exit 2). labs/monitoring runs it against a real Zabbix.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { main } from "../../tools/acceptance";
import { expectation, HostAnswer, judgeHost, ProblemAnswer, readCredentials } from "../../tools/acceptance/scenarios/monitoring";
import type { ZbxHost } from "../../components/monitoring/zabbix-config";
import { InputError } from "../../model/errors";
import { loadModel } from "../../stacks/program";
import { readBilluConfig } from "../../tools/stack-config";
import { ROOT, stackRaw } from "../helpers";

process.env.BILLU_PROJECT_ROOT = ROOT;
const dev = loadModel(readBilluConfig(path.join(ROOT, "Pulumi.dev.yaml")));

const want: ZbxHost = {
    host: "PAR-WEB01",
    address: "10.20.10.10",
    port: 10050,
    groups: ["BillU/role/web", "BillU/zone/dmz"],
    templates: ["BillU Linux base", "BillU Apache HTTPS"],
    pskIdentity: "PSK PAR-WEB01",
};
const green: HostAnswer = {
    host: "PAR-WEB01",
    active_available: "1",
    groups: [{ name: "BillU/role/web" }, { name: "BillU/zone/dmz" }],
    parentTemplates: [{ host: "BillU Linux base" }, { host: "BillU Apache HTTPS" }],
    interfaces: [{ type: "1", available: "1", error: "" }],
};
const problem = (description: string, priority: number, host = "PAR-WEB01"): ProblemAnswer => ({ description, priority: String(priority), hosts: [{ host }] });
const message = (e: unknown) => (e instanceof InputError ? e.problems.map((p) => `${p.path}: ${p.message} | ${p.fix}`).join("\n") : String(e));

describe("judgeHost: a host of the model against Zabbix's answers", () => {
    it("is green with its groups, templates, an available agent and no problem at or above the floor", () => {
        expect(judgeHost(want, green, [problem("Disk almost full", 1), problem("Apache down on port 443", 4, "PAR-DHCP01")], "warning")).toEqual({
            ok: true,
            observed: "PAR-WEB01: in BillU/role/web, BillU/zone/dmz; BillU Linux base, BillU Apache HTTPS; agent available; no problem at or above warning",
        });
    });
    it("names a host Zabbix does not have", () => {
        expect(judgeHost(want, undefined, [], "warning")).toEqual({ ok: false, observed: "PAR-WEB01: not in Zabbix (host.get finds no host of that name)" });
    });
    it("names a missing host group and a missing template", () => {
        const r = judgeHost(want, { ...green, groups: [{ name: "BillU/role/web" }], parentTemplates: [{ host: "BillU Linux base" }] }, [], "warning");
        expect(r).toEqual({
            ok: false,
            observed: "PAR-WEB01: not in host group BillU/zone/dmz (it is in BillU/role/web); lacks template BillU Apache HTTPS (it has BillU Linux base)",
        });
    });
    it("names an unavailable agent with Zabbix's error, and unavailable active checks", () => {
        const r = judgeHost(
            want,
            {
                ...green,
                active_available: "2",
                interfaces: [
                    { type: "1", available: "2", error: "Get value from agent failed: cannot connect to [[10.20.10.10]:10050]: [111] Connection refused" },
                ],
            },
            [],
            "warning",
        );
        expect(r).toEqual({
            ok: false,
            observed:
                "PAR-WEB01: its agent interface is unavailable: Get value from agent failed: cannot connect to [[10.20.10.10]:10050]: [111] Connection refused; its active checks are unavailable (active_available=2)",
        });
    });
    it("an agent never checked yet is not green", () => {
        expect(judgeHost(want, { ...green, interfaces: [{ type: "1", available: "0" }] }, [], "warning").observed).toBe(
            "PAR-WEB01: its agent interface is unknown (not yet checked)",
        );
    });
    it("names an open problem at the floor, not one below it", () => {
        expect(judgeHost(want, green, [problem("Apache down on port 443", 2), problem("Low free swap", 1)], "warning")).toEqual({
            ok: false,
            observed: 'PAR-WEB01: open problem "Apache down on port 443" (severity warning, at or above warning)',
        });
        expect(judgeHost(want, green, [problem("Apache down on port 443", 2)], "average").ok).toBe(true);
    });
});

describe("what the model expects", () => {
    it("every host of the dev model's Zabbix document, the floor billu:monitoring.alerts.minSeverity", () => {
        const e = expectation(dev, undefined)!;
        expect(e.hosts.map((h) => h.host)).toEqual([
            "PAR-FW01",
            "PAR-DC01",
            "PAR-DHCP01",
            "PAR-FS01",
            "PAR-MAIL01",
            "PAR-WEB01",
            "PAR-LOG01",
            "PAR-BKP01",
            "PAR-MON01",
            "PAR-FTP01",
            "PAR-PBX01",
            "PAR-GLPI01",
            "PAR-MX01",
            // The client workstation is monitored as every host of the site.
            "PAR-CLI01",
            "PAR-CLI02",
        ]);
        expect(e.hosts.find((h) => h.host === "PAR-DHCP01")).toMatchObject({
            groups: ["BillU/role/dhcp", "BillU/zone/servers"],
            // GLPI's inventory agent runs on every Debian host of dev: its freshness template is linked too.
            templates: ["BillU Linux base", "BillU Kea DHCP", "BillU inventory agent"],
        });
        expect(e.hosts.find((h) => h.host === "PAR-GLPI01")!.templates).toEqual(["BillU Linux base", "BillU GLPI", "BillU inventory agent"]);
        expect(e.minSeverity).toBe("warning");
        expect(e.plan.frontendUrl).toBe("https://par-mon01.billu.remindme.lan/");
    });
    it("BILLU_MONITORING_HOSTS narrows it to monitored hosts only", () => {
        expect(expectation(dev, "PAR-WEB01, PAR-MON01")!.hosts.map((h) => h.host)).toEqual(["PAR-WEB01", "PAR-MON01"]);
        expect(() => expectation(dev, "PAR-WEB01,PAR-XX01")).toThrow(InputError);
        try {
            expectation(dev, "PAR-WEB01,PAR-XX01");
        } catch (e) {
            expect(message(e)).toBe(
                'BILLU_MONITORING_HOSTS: "PAR-WEB01,PAR-XX01": PAR-XX01 is not a host the model monitors | name hosts among PAR-FW01, PAR-DC01, PAR-DHCP01, PAR-FS01, PAR-MAIL01, PAR-WEB01, PAR-LOG01, PAR-BKP01, PAR-MON01, PAR-FTP01, PAR-PBX01, PAR-GLPI01, PAR-MX01, PAR-CLI01, PAR-CLI02, or unset it (every monitored host)',
            );
        }
    });
});

describe("the API account's file (BILLU_ZABBIX_CREDENTIALS)", () => {
    let dir: string;
    beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), "billu-mon-acc-"))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const fix =
        "write a 0600 file with two lines, username=<API user> and password=<its password> (a read-only Zabbix user is enough), and set BILLU_ZABBIX_CREDENTIALS=<that file>";
    const fails = (file: string | undefined) => {
        try {
            readCredentials(file);
        } catch (e) {
            return message(e);
        }
        return "no error";
    };
    it("reads username= and password=", () => {
        const f = path.join(dir, "ok.cred");
        writeFileSync(f, "username=monitor-ro\npassword=s3cr=t\n", { mode: 0o600 });
        expect(readCredentials(f)).toEqual({ username: "monitor-ro", password: "s3cr=t" });
    });
    it("unset, open to others, unreadable or incomplete: bad input naming the variable, the file and the fix, never the password", () => {
        expect(fails(undefined)).toBe(`BILLU_ZABBIX_CREDENTIALS: is not set (the monitoring scenario logs on to the Zabbix API) | ${fix}`);
        const open = path.join(dir, "open.cred");
        writeFileSync(open, "username=a\npassword=hunter2\n");
        chmodSync(open, 0o644);
        expect(fails(open)).toBe(`BILLU_ZABBIX_CREDENTIALS: ${open} is readable by others (mode 644) | ${fix}`);
        expect(fails(path.join(dir, "none.cred"))).toBe(`BILLU_ZABBIX_CREDENTIALS: ${path.join(dir, "none.cred")} cannot be read (ENOENT) | ${fix}`);
        const half = path.join(dir, "half.cred");
        writeFileSync(half, "username=a\n", { mode: 0o600 });
        expect(fails(half)).toBe(`BILLU_ZABBIX_CREDENTIALS: ${half} has no password= line | ${fix}`);
    });
});

describe("the runner: --dry-run needs no account; a real run without one is bad input", () => {
    async function run(args: string[], env: Record<string, string | undefined>): Promise<{ code: number; out: string; err: string }> {
        let out = "";
        let err = "";
        const write = process.stderr.write;
        const saved = { ...process.env };
        for (const [k, v] of Object.entries(env))
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
        const cwd = process.cwd();
        process.chdir(ROOT);
        try {
            return { code: await main(args, (s) => (out += s)), out, err };
        } finally {
            process.chdir(cwd);
            process.stderr.write = write;
            process.env = saved;
        }
    }
    it("--dry-run lists the API and each host, exit 0", async () => {
        const r = await run(["--stack", "dev", "--only", "monitoring", "--dry-run"], {
            BILLU_ZABBIX_CREDENTIALS: undefined,
            BILLU_MONITORING_HOSTS: undefined,
        });
        expect(r.code).toBe(0);
        expect(r.out).toContain(
            "    the Zabbix API of PAR-MON01 answers over HTTPS (site CA) and lets the account log on: expects user.login, host.get and trigger.get answered at https://par-mon01.billu.remindme.lan/api_jsonrpc.php; contacts 10.20.0.40:443 (https://par-mon01.billu.remindme.lan/api_jsonrpc.php)\n",
        );
        // One line per host of dev (every host is monitored).
        expect(r.out.split("\n").filter((l) => / is green in Zabbix: /.test(l))).toHaveLength(stackRaw("dev").hosts.length);
    });
    it("no BILLU_ZABBIX_CREDENTIALS: exit 2, no stack trace", async () => {
        const r = await run(
            ["--stack", "dev", "--only", "monitoring", "--outputs", path.join(ROOT, "__tests__/tools/fixtures/acceptance-outputs-secret.json")],
            {
                BILLU_ZABBIX_CREDENTIALS: undefined,
                BILLU_MONITORING_HOSTS: undefined,
            },
        );
        expect(r.code).toBe(2);
        expect(r.err).toContain("BILLU_ZABBIX_CREDENTIALS");
        expect(r.err).toContain("is not set (the monitoring scenario logs on to the Zabbix API)");
        expect(r.err).not.toContain("    at ");
    });
    it("BILLU_MONITORING_HOSTS naming a host the model does not monitor: exit 2", async () => {
        const r = await run(["--stack", "dev", "--only", "monitoring", "--dry-run"], { BILLU_MONITORING_HOSTS: "PAR-XX01" });
        expect(r.code).toBe(2);
        expect(r.err).toContain('"PAR-XX01": PAR-XX01 is not a host the model monitors');
    });
});
