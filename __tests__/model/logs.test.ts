/** The log collection plan (model/logs.ts): what a site derives, and every bad input with its exact message. */
import { Problems } from "../../model/errors";
import { LogsHost, LogsInput, logsSchema, planLogs } from "../../model/logs";
import { BUILTIN_SERVICES } from "../../model/ports";
import { plannerMessages, ROUTED_ZONES, viewHost } from "./planner-fixture";

const host = viewHost;
const HOSTS: LogsHost[] = [
    host(0, "PAR-FW01", "firewall", "management", "10.20.0.1"),
    host(1, "PAR-DC01", "dc", "servers", "10.20.10.11"),
    host(2, "PAR-DC02", "dc", "servers", "10.20.10.12", "windows-2022-core"),
    host(3, "PAR-WEB01", "web", "dmz", "172.16.120.10"),
    host(4, "PAR-LOG01", "logs", "servers", "10.20.10.60"),
];
const ZONES = ROUTED_ZONES;

function input(cfg: unknown, over: Partial<LogsInput> = {}): LogsInput {
    return {
        site: { domain: "billu.fr" },
        cfg: cfg === undefined ? undefined : logsSchema.parse(cfg),
        hosts: HOSTS,
        zones: ZONES,
        domain: { fqdn: "billu.remindme.lan" },
        ...over,
    };
}
const messages = (i: LogsInput): string[] => plannerMessages(planLogs, i);

describe("the logs plan", () => {
    test("defaults: the only host of role logs collects on 6514 for 180 days, every Debian host but itself forwards", () => {
        const p = new Problems();
        const plan = planLogs(input({}), p)!;
        expect(p.all).toEqual([]);
        expect(plan.host).toEqual({ name: "PAR-LOG01", zone: "servers", address: "10.20.10.60" });
        expect([plan.fqdn, plan.port, plan.retentionDays, plan.queueMaxMiB, plan.remoteDir]).toEqual([
            "par-log01.billu.remindme.lan",
            6514,
            180,
            1024,
            "/var/log/remote",
        ]);
        expect(plan.certificate).toEqual({
            commonName: "par-log01.billu.remindme.lan",
            dnsNames: ["par-log01.billu.remindme.lan"],
            ipAddresses: ["10.20.10.60"],
        });
        // The router reaches the collector from its own address in the collector's zone, not its management one.
        expect(plan.clients.map((c) => [c.name, c.address, c.fqdn])).toEqual([
            ["PAR-FW01", "10.20.10.1", "par-fw01.billu.remindme.lan"],
            ["PAR-DC01", "10.20.10.11", "par-dc01.billu.remindme.lan"],
            ["PAR-WEB01", "172.16.120.10", "par-web01.billu.remindme.lan"],
        ]);
        expect(plan.clients[2].certificate).toEqual({
            commonName: "par-web01.billu.remindme.lan",
            dnsNames: ["par-web01.billu.remindme.lan"],
            ipAddresses: ["172.16.120.10"],
        });
        expect(plan.notForwarded).toEqual([
            { name: "PAR-DC02", why: "runs windows-2022-core: rsyslog forwarding is for Debian hosts (Windows event forwarding is not built yet)" },
        ]);
    });

    test("the flows: every client to the collector over syslog-tls, the firewall host as the matrix's router", () => {
        const plan = planLogs(input({}), new Problems())!;
        expect(plan.flows).toEqual([
            { from: "router", to: "PAR-LOG01", service: "syslog-tls", why: "PAR-FW01 forwards its system and service logs to the collector" },
            { from: "PAR-DC01", to: "PAR-LOG01", service: "syslog-tls", why: "PAR-DC01 forwards its system and service logs to the collector" },
            { from: "PAR-WEB01", to: "PAR-LOG01", service: "syslog-tls", why: "PAR-WEB01 forwards its system and service logs to the collector" },
        ]);
        // The service the flows name is in the built-in catalogue, on the port RFC 5425 assigns.
        expect(BUILTIN_SERVICES.find((s) => s.name === "syslog-tls")?.ports).toEqual([{ proto: "tcp", from: 6514, to: 6514 }]);
    });

    test("no billu:logs: the defaults when the site has a collector, nothing when it has none", () => {
        expect(planLogs(input(undefined), new Problems())?.port).toBe(6514);
        const none = new Problems();
        expect(planLogs(input(undefined, { hosts: HOSTS.filter((h) => h.role !== "logs") }), none)).toBeUndefined();
        expect(none.count).toBe(0);
    });

    test("the selection: zones and hosts, their union; the site's domain when there is no AD domain", () => {
        const plan = planLogs(input({ forward: { zones: ["dmz"], hosts: ["PAR-DC01"] }, port: 10514 }, { domain: undefined }), new Problems())!;
        expect(plan.clients.map((c) => c.name)).toEqual(["PAR-DC01", "PAR-WEB01"]);
        expect([plan.fqdn, plan.port]).toEqual(["par-log01.billu.fr", 10514]);
        expect(plan.flows.map((f) => f.from)).toEqual(["PAR-DC01", "PAR-WEB01"]);
    });
});

describe("bad input: key path, value received, fix", () => {
    test("billu:logs without a collector", () => {
        expect(messages(input({}, { hosts: HOSTS.filter((h) => h.role !== "logs") }))).toEqual([
            "billu:hosts: has no host of role logs, but billu:logs is set. Fix: add the collector to billu:hosts (role: logs, os: debian-12, e.g. PAR-LOG01), or remove billu:logs",
        ]);
    });

    test("two collectors and no billu:logs.host; a host that is not one", () => {
        const two = [...HOSTS, host(5, "PAR-LOG02", "logs", "servers", "10.20.10.61")];
        expect(messages(input({}, { hosts: two }))).toEqual([
            "billu:hosts: has 2 hosts of role logs (PAR-LOG01, PAR-LOG02) and billu:logs.host names none. Fix: set billu:logs.host to the one that collects, or declare a single host of role logs",
        ]);
        expect(planLogs(input({ host: "PAR-LOG02" }, { hosts: two }), new Problems())?.host.name).toBe("PAR-LOG02");
        expect(messages(input({ host: "PAR-LOG09" }))).toEqual([
            'billu:logs.host: "PAR-LOG09" is not a host of billu:hosts. Fix: name a host of role logs (PAR-LOG01)',
        ]);
        expect(messages(input({ host: "PAR-DC01" }))).toEqual([
            'billu:logs.host: "PAR-DC01" has role dc, not logs. Fix: give the collector its own host of role logs (e.g. PAR-LOG01), or name one here',
        ]);
    });

    test("a Windows collector, a collector in a department zone", () => {
        const hosts = HOSTS.map((h) => (h.role === "logs" ? { ...h, os: "windows-2022-gui" as const, zone: "lan-dsi" } : h));
        expect(messages(input({}, { hosts }))).toEqual([
            'billu:hosts[4].os: "windows-2022-gui" cannot run rsyslog. Fix: use os: debian-12 for the log collector PAR-LOG01',
            'billu:hosts[4].zone: "lan-dsi" is a department zone, but PAR-LOG01 is the log collector (it holds every host\'s logs). Fix: put the collector in a servers or management zone (management, servers)',
        ]);
    });

    test("forward: unknown or repeated zones and hosts, the collector itself, a Windows host", () => {
        expect(
            messages(input({ forward: { zones: ["dmz", "lan-rh", "dmz"], hosts: ["PAR-DC09", "PAR-WEB01", "PAR-WEB01", "PAR-LOG01", "PAR-DC02"] } })),
        ).toEqual([
            'billu:logs.forward.zones[1]: "lan-rh" is not a zone of billu:network.zones. Fix: name one of wan, management, servers, dmz, lan-dsi',
            'billu:logs.forward.zones[2]: "dmz" is already billu:logs.forward.zones[0]. Fix: name each zone once',
            'billu:logs.forward.hosts[0]: "PAR-DC09" is not a host of billu:hosts. Fix: name a host of billu:hosts (the names are case-sensitive)',
            'billu:logs.forward.hosts[2]: "PAR-WEB01" is already billu:logs.forward.hosts[1]. Fix: name each host once',
            'billu:logs.forward.hosts[3]: "PAR-LOG01" is the collector itself; its own logs stay on it. Fix: remove PAR-LOG01 from billu:logs.forward.hosts',
            'billu:logs.forward.hosts[4]: "PAR-DC02" runs windows-2022-core: the log forwarding built here is rsyslog, for Debian hosts (Windows event forwarding is not built yet). Fix: remove PAR-DC02 from billu:logs.forward.hosts',
        ]);
    });

    test("the schema: ports, retention and queue bounds, unknown keys", () => {
        const issues = (v: unknown) => {
            const r = logsSchema.safeParse(v);
            return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
        };
        expect(issues({ port: 70000, retentionDays: 0, queueMaxMiB: 8, forward: { zone: ["dmz"] }, retention: 3 })).toEqual([
            "port: Number must be less than or equal to 65535",
            "retentionDays: Number must be greater than or equal to 1",
            "queueMaxMiB: Number must be greater than or equal to 16",
            "forward: Unrecognized key(s) in object: 'zone'",
            ": Unrecognized key(s) in object: 'retention'",
        ]);
    });

    test("every field of the schema says what it is and its default", () => {
        const shape = logsSchema.shape;
        for (const [k, v] of Object.entries(shape)) {
            expect([k, v.description ?? ""]).toEqual([k, expect.stringMatching(/@default /)]);
        }
    });
});
