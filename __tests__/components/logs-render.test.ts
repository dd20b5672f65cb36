/**
 * The log collection renderers (components/logs/render.ts): the collector's input accepts only the site CA's clients
 * over TLS, the clients authenticate the collector by name and queue on disk, keys arrive only through the step's
 * secret channel. The daemon's own verdict on these files is the lab's (labs/logs: `rsyslogd -N1` as each file's
 * check, then real rsyslog daemons).
 */
import { Problems } from "../../model/errors";
import type { OsKind } from "../../model/core";
import { LogsHost, logsSchema, planLogs } from "../../model/logs";
import {
    clientFiles,
    collectorDirs,
    collectorFiles,
    LOGS_PATHS,
    renderCollectorConf,
    renderForwardConf,
    renderHostsTable,
    renderLogrotate,
    rsyslogStepScript,
} from "../../components/logs/render";
import { renderStep, secretPlaceholders } from "../../components/guest-step/render";

const h = (index: number, name: string, role: string, zone: string, address: string, os: OsKind = "debian-12"): LogsHost => ({
    name,
    role,
    os,
    zone,
    address,
    index,
});
const plan = planLogs(
    {
        site: { domain: "billu.fr" },
        cfg: logsSchema.parse({ retentionDays: 365, queueMaxMiB: 256 }),
        hosts: [
            h(0, "PAR-FW01", "firewall", "management", "10.20.0.1"),
            h(1, "PAR-DC01", "dc", "servers", "10.20.10.11"),
            h(2, "PAR-DC02", "dc", "servers", "10.20.10.12", "windows-2022-core"),
            h(3, "PAR-WEB01", "web", "dmz", "172.16.120.10"),
            h(4, "PAR-LOG01", "logs", "management", "10.20.0.20"),
        ],
        zones: [
            { name: "management", kind: "management", routerAddress: "10.20.0.1" },
            { name: "servers", kind: "servers", routerAddress: "10.20.10.1" },
            { name: "dmz", kind: "dmz", routerAddress: "172.16.120.1" },
        ],
        domain: { fqdn: "billu.remindme.lan" },
    },
    new Problems(),
)!;

test("the collector: TLS required, only clients with a site-CA certificate, one folder per host named by the model", () => {
    const conf = renderCollectorConf(plan);
    expect(conf).toContain(
        'input(type="imtcp" port="6514" ruleset="billu-remote"\n' +
            '    StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="x509/certvalid"\n' +
            '    StreamDriver.CAFile="/etc/billu/logs/ca.pem" StreamDriver.CertFile="/etc/billu/logs/cert.pem" StreamDriver.KeyFile="/etc/billu/logs/key.pem")\n',
    );
    // The folder comes from the source address through the model's table, never from the message's own HOSTNAME.
    expect(conf).toContain('set $.host = lookup("billu-hosts", $fromhost-ip);');
    expect(conf).not.toMatch(/%HOSTNAME%|property\(name="hostname"\)/i);
    expect(conf).toMatchSnapshot();
});

test("the host table maps each client's address (the router's in the collector's zone) to its name; others are unknown", () => {
    expect(JSON.parse(renderHostsTable(plan))).toEqual({
        version: 1,
        nomatch: "unknown",
        type: "string",
        table: [
            { index: "10.20.0.1", value: "PAR-FW01" },
            { index: "10.20.10.11", value: "PAR-DC01" },
            { index: "172.16.120.10", value: "PAR-WEB01" },
        ],
    });
});

test("retention: daily rotation kept retentionDays days", () => {
    const text = renderLogrotate(plan);
    expect(text).toContain("/var/log/remote/*/*.log {\n    daily\n    rotate 365\n    maxage 365\n");
    expect(text).toContain("        /usr/lib/rsyslog/rsyslog-rotate\n");
});

test("a client: the collector's address, authenticated by its FQDN, the site CA; a disk queue that retries forever", () => {
    const conf = renderForwardConf(
        plan,
        plan.clients.find((c) => c.name === "PAR-WEB01")!,
    );
    expect(conf).toContain('target="10.20.0.20" port="6514" protocol="tcp" TCP_Framing="octet-counted"');
    expect(conf).toContain(
        'StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="par-log01.billu.remindme.lan"',
    );
    expect(conf).toContain('queue.type="LinkedList" queue.filename="billu-forward" queue.spoolDirectory="/var/spool/rsyslog"');
    expect(conf).toContain('queue.maxDiskSpace="256m" queue.saveOnShutdown="on"');
    expect(conf).toContain('action.resumeRetryCount="-1"');
    expect(conf).toMatchSnapshot();
});

test("the steps' files: certificates and the key only as secret placeholders, the key 0600, rsyslog files checked", () => {
    const summary = (files: ReturnType<typeof collectorFiles>) => files.map((f) => [f.path, f.mode ?? "0644", f.check ?? ""]);
    const check = "! command -v rsyslogd >/dev/null 2>&1 || rsyslogd -N1 -f {}";
    expect(summary(collectorFiles(plan))).toEqual([
        [LOGS_PATHS.ca, "0644", ""],
        [LOGS_PATHS.cert, "0644", ""],
        [LOGS_PATHS.key, "0600", ""],
        [LOGS_PATHS.hosts, "0644", ""],
        [LOGS_PATHS.collectorConf, "0644", check],
        [LOGS_PATHS.logrotate, "0644", "! command -v logrotate >/dev/null 2>&1 || logrotate -d {}"],
    ]);
    expect(summary(clientFiles(plan, "PAR-DC01")!)).toEqual([
        [LOGS_PATHS.ca, "0644", ""],
        [LOGS_PATHS.cert, "0644", ""],
        [LOGS_PATHS.key, "0600", ""],
        [LOGS_PATHS.forwardConf, "0644", check],
    ]);
    const all = [...collectorFiles(plan), ...clientFiles(plan, "PAR-DC01")!];
    expect(all.filter((f) => f.path.startsWith("/etc/billu/logs/") && f.path.endsWith(".pem")).map((f) => f.content)).toEqual([
        "{{secret:logs-ca}}",
        "{{secret:logs-cert}}",
        "{{secret:logs-key}}",
        "{{secret:logs-ca}}",
        "{{secret:logs-cert}}",
        "{{secret:logs-key}}",
    ]);
    expect(all.some((f) => /BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)/.test(f.content))).toBe(false);
    expect(collectorDirs(plan)).toEqual([{ path: "/var/log/remote", mode: "0750", owner: "root:adm" }]);
});

test("no client files for the collector, a Windows host, or a host the selection leaves out", () => {
    expect([clientFiles(plan, "PAR-LOG01"), clientFiles(plan, "PAR-DC02"), clientFiles(plan, "PAR-NOPE01")]).toEqual([undefined, undefined, undefined]);
});

test("the step renders with its three secrets and the shipped body verbatim", () => {
    const r = renderStep({
        host: "PAR-LOG01",
        step: "logs-collector",
        os: "linux",
        files: collectorFiles(plan),
        dirs: collectorDirs(plan),
        script: rsyslogStepScript(),
        secrets: ["logs-ca", "logs-cert", "logs-key"],
    });
    const run = r.staged.find((s) => s.guestPath.endsWith("/run.sh"))!.content;
    expect(run).toContain("billu_dir '/var/log/remote' 0750 'root:adm'\n");
    expect(run).toContain(rsyslogStepScript().trimEnd());
    expect(secretPlaceholders(run)).toEqual([]);
    // Restarts only on change; validates the whole configuration before any restart.
    const body = rsyslogStepScript();
    expect(body.indexOf("rsyslogd -N1 -f /etc/rsyslog.conf")).toBeLessThan(body.indexOf("billu_service rsyslog"));
    // No file named: billu_service (billu-lib.sh) restarts rsyslog when any file of the step changed.
    expect(body).toContain('\nbillu_service rsyslog "its configuration or certificates changed"\n');
});
