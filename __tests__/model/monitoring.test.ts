/** The monitoring plan (model/monitoring.ts): what a site derives, and every bad input with its exact message. */
import type { OsKind } from "../../model/core";
import { formatProblem, Problems } from "../../model/errors";
import { RESULT_DIR } from "../../model/backup";
import {
    MonitoringHost,
    MonitoringInput,
    monitoringSchema,
    planMonitoring,
    TEMPLATES,
    windowsAgentMsiUrl,
    ZABBIX_AGENT_PORT,
    ZABBIX_TRAPPER_PORT,
    LDAPS_PORT,
    IMAPS_PORT,
} from "../../model/monitoring";
import { BUILTIN_SERVICES } from "../../model/ports";
import { problemsOf, stackRaw } from "../helpers";
import { plannerMessages, ROUTED_ZONES, viewHost } from "./planner-fixture";

const disk = (sizeGiB: number) => ({ datastore: "local-lvm", sizeGiB });
const host = (index: number, name: string, role: string, zone: string, address: string, os: OsKind = "debian-12", disks = [disk(16)]): MonitoringHost => ({
    ...viewHost(index, name, role, zone, address, os),
    disks,
});
const HOSTS: MonitoringHost[] = [
    host(0, "PAR-FW01", "firewall", "management", "10.20.0.1"),
    host(1, "PAR-DC01", "dc", "servers", "10.20.10.11"),
    host(2, "PAR-DC02", "dc", "servers", "10.20.10.12", "windows-2022-core"),
    host(3, "PAR-DHCP01", "dhcp", "servers", "10.20.10.21"),
    host(4, "PAR-FS01", "fileserver", "servers", "10.20.10.31"),
    host(5, "PAR-MAIL01", "mail", "servers", "10.20.10.41"),
    host(6, "PAR-WEB01", "web", "dmz", "172.16.120.10"),
    host(7, "PAR-BKP01", "backup", "management", "10.20.0.30"),
    host(8, "PAR-MON01", "monitoring", "management", "10.20.0.40", "debian-12", [disk(16), disk(32)]),
];
const ZONES = ROUTED_ZONES;
const OTHER_PLANS: Partial<MonitoringInput> = {
    domain: {
        fqdn: "billu.remindme.lan",
        flavor: "samba",
        dcs: [
            { name: "PAR-DC01", first: true },
            { name: "PAR-DC02", first: false },
        ],
        fsmo: { pdcEmulator: "PAR-DC01", ridMaster: "PAR-DC02" },
    },
    directory: {
        groups: [
            { sam: "GG_Personnel", kind: "all" },
            { sam: "GG_DSI", kind: "department" },
            { sam: "GG_Finance", kind: "department" },
            { sam: "GG_Vide", kind: "department" },
        ],
        people: [
            { mail: "b.admin@billu.fr", groups: ["GG_Personnel", "GG_DSI"], enabled: true },
            { mail: "a.admin@billu.fr", groups: ["GG_Personnel", "GG_DSI"], enabled: true },
            { mail: "gone@billu.fr", groups: ["GG_DSI"], enabled: false },
            { mail: "c.compta@billu.fr", groups: ["GG_Personnel", "GG_Finance"], enabled: true },
        ],
        drift: { resultPath: "/var/lib/billu/drift/directory.json", graceSeconds: 7200, maxAgeSeconds: 7320 },
    },
    mail: { domain: "billu.fr", host: { name: "PAR-MAIL01", address: "10.20.10.41" }, hostname: "par-mail01.billu.remindme.lan" },
    dhcp: {
        servers: [{ name: "PAR-DHCP01" }],
        scopes: [
            { zone: "lan-dsi", subnet: { text: "10.20.21.0/24" }, subnetId: 21, poolSize: 151 },
            { zone: "lan-dev", subnet: { text: "10.20.22.0/24" }, subnetId: 22, poolSize: 151 },
        ],
    },
    web: { host: "PAR-WEB01", ports: { https: 443 }, public: { name: "www.billu.example" }, intranet: { name: "intranet.billu.remindme.lan" } },
    vpn: { tunnel: "billu-ecotech", peerStack: "org/billu-infra/ecotech", gateway: { host: "PAR-FW01" }, networks: ["10.20.21.0/24"] },
    fileservers: [{ host: "PAR-FS01", flavor: "linux", array: { name: "shares" } }],
    backup: {
        host: { name: "PAR-BKP01" },
        resultDir: RESULT_DIR,
        clients: [
            { name: "PAR-DC01", repository: "par-dc01" },
            { name: "PAR-MON01", repository: "par-mon01" },
        ],
    },
};

function input(cfg: unknown, over: Partial<MonitoringInput> = {}): MonitoringInput {
    return {
        site: { domain: "billu.fr" },
        cfg: cfg === undefined ? undefined : monitoringSchema.parse(cfg),
        hosts: HOSTS,
        zones: ZONES,
        ...OTHER_PLANS,
        ...over,
    };
}
const messages = (i: MonitoringInput): string[] => plannerMessages(planMonitoring, i);
function planOk(i: MonitoringInput) {
    const p = new Problems();
    const plan = planMonitoring(i, p);
    expect(p.all.map(formatProblem)).toEqual([]);
    return plan!;
}

describe("the monitoring plan", () => {
    test("defaults: the only host of role monitoring, its data disk, the frontend's name, thresholds and server settings", () => {
        const plan = planOk(input({}));
        expect(plan.host).toEqual({ name: "PAR-MON01", zone: "management", address: "10.20.0.40" });
        expect([plan.fqdn, plan.frontendUrl]).toEqual(["par-mon01.billu.remindme.lan", "https://par-mon01.billu.remindme.lan/"]);
        expect(plan.certificate).toEqual({
            commonName: "par-mon01.billu.remindme.lan",
            dnsNames: ["par-mon01.billu.remindme.lan"],
            ipAddresses: ["10.20.0.40"],
        });
        expect(plan.database).toEqual({
            name: "zabbix",
            user: "zabbix",
            dataDisk: { index: 1, sizeGiB: 32, mountPoint: "/var/lib/postgresql" },
            dumpDir: "/var/backups/billu/zabbix",
        });
        expect(plan.server).toEqual({ cacheSizeMiB: 64, startPollers: 5, timeoutSeconds: 4, historyDays: 30, trendDays: 365, listenPort: 10051 });
        expect(plan.thresholds).toEqual({
            cpuPercent: 90,
            memoryPercent: 90,
            diskFreePercent: 10,
            dhcpPoolPercent: 80,
            mailQueue: 100,
            certificateDays: 30,
            certificateCritDays: 7,
            backupMaxAgeHours: 26,
            agentUnavailableMinutes: 5,
            ftpFailedLogins: 5,
        });
    });

    test("every host is a Zabbix host with its role's groups and templates, the Windows DC with the Windows agent and template", () => {
        const plan = planOk(input({}));
        expect(plan.hosts.map((h) => [h.name, h.address, h.agent, h.pskIdentity, h.templates])).toEqual([
            ["PAR-FW01", "10.20.0.1", "zabbix-agent2", "PSK PAR-FW01", [TEMPLATES.linux, TEMPLATES.strongswan]],
            ["PAR-DC01", "10.20.10.11", "zabbix-agent2", "PSK PAR-DC01", [TEMPLATES.linux, TEMPLATES.dc, TEMPLATES.directoryDrift]],
            ["PAR-DC02", "10.20.10.12", "zabbix-agent2-windows", "PSK PAR-DC02", [TEMPLATES.windows, TEMPLATES.dc]],
            ["PAR-DHCP01", "10.20.10.21", "zabbix-agent2", "PSK PAR-DHCP01", [TEMPLATES.linux, TEMPLATES.kea]],
            ["PAR-FS01", "10.20.10.31", "zabbix-agent2", "PSK PAR-FS01", [TEMPLATES.linux, TEMPLATES.mdadm]],
            ["PAR-MAIL01", "10.20.10.41", "zabbix-agent2", "PSK PAR-MAIL01", [TEMPLATES.linux, TEMPLATES.postfix]],
            ["PAR-WEB01", "172.16.120.10", "zabbix-agent2", "PSK PAR-WEB01", [TEMPLATES.linux, TEMPLATES.apache]],
            ["PAR-BKP01", "10.20.0.30", "zabbix-agent2", "PSK PAR-BKP01", [TEMPLATES.linux, TEMPLATES.backup]],
            ["PAR-MON01", "10.20.0.40", "zabbix-agent2", "PSK PAR-MON01", [TEMPLATES.linux, TEMPLATES.zabbixServer, TEMPLATES.siteCa]],
        ]);
        expect(plan.hosts.find((h) => h.name === "PAR-WEB01")!.groups).toEqual(["BillU/role/web", "BillU/zone/dmz", "BillU/os/linux"]);
        expect(plan.hosts.find((h) => h.name === "PAR-DC02")!.groups).toEqual(["BillU/role/dc", "BillU/zone/servers", "BillU/os/windows"]);
        expect(plan.hostGroups).toContain("BillU/role/firewall");
        // Every template but GLPI's two: this site has no GLPI (the next test gives it one).
        expect(plan.templates).toEqual(
            Object.values(TEMPLATES)
                .filter((t) => t !== TEMPLATES.glpi && t !== TEMPLATES.inventoryAgent)
                .sort(),
        );
    });

    test("GLPI (billu:assets) is watched on its host (front, dump), and each agent host's last inventory: two periods and the hour of spread", () => {
        const glpiHost = host(9, "PAR-GLPI01", "assets", "servers", "10.20.10.60");
        const assets = {
            host: { name: "PAR-GLPI01" },
            url: "https://par-glpi01.billu.remindme.lan",
            dumpFile: "/var/backups/glpi/glpi.sql",
            inventory: { hours: 24, agents: ["PAR-FW01", "PAR-GLPI01"], stampFile: "/var/lib/billu-inventory/last-success" },
        };
        const plan = planOk(input({ thresholds: { backupMaxAgeHours: 30 } }, { hosts: [...HOSTS, glpiHost], assets }));
        const w = (n: string) => plan.hosts.find((h) => h.name === n)!;
        const stale = { kind: "inventory-freshness", stampFile: "/var/lib/billu-inventory/last-success", maxAgeHours: 49 };
        expect(w("PAR-GLPI01").watches).toEqual([
            { kind: "glpi", url: "https://par-glpi01.billu.remindme.lan", dumpFile: "/var/backups/glpi/glpi.sql", dumpMaxAgeHours: 30 },
            stale,
        ]);
        expect(w("PAR-GLPI01").templates).toEqual([TEMPLATES.linux, TEMPLATES.glpi, TEMPLATES.inventoryAgent]);
        expect(w("PAR-FW01").watches).toContainEqual(stale);
        expect(plan.hosts.filter((h) => h.templates.includes(TEMPLATES.inventoryAgent)).map((h) => h.name)).toEqual(["PAR-FW01", "PAR-GLPI01"]);
        expect(plan.templates).toEqual(Object.values(TEMPLATES).sort());
    });

    test("the directory's drift check (billu:directory.drift) is watched on the first DC only, with the model's verdict path, grace and bound", () => {
        const plan = planOk(input({}));
        expect(
            plan.hosts
                .filter((h) => h.templates.includes(TEMPLATES.directoryDrift))
                .map((h) => [h.name, h.watches.filter((w) => w.kind === "directory-drift")]),
        ).toEqual([["PAR-DC01", [{ kind: "directory-drift", resultPath: "/var/lib/billu/drift/directory.json", graceSeconds: 7200, maxAgeSeconds: 7320 }]]]);
        const noDrift = planOk(input({}, { directory: { ...OTHER_PLANS.directory!, drift: undefined } }));
        expect(noDrift.templates).not.toContain(TEMPLATES.directoryDrift);
    });

    test("the Windows agent: Zabbix's 6.0.14 MSI by default, no hash pinned unless given; a site without Windows hosts has none", () => {
        expect(planOk(input({})).windowsAgent).toEqual({
            version: "6.0.14",
            msiUrl: "https://cdn.zabbix.com/zabbix/binaries/stable/6.0/6.0.14/zabbix_agent2-6.0.14-windows-amd64-openssl.msi",
        });
        const sha = "ab".repeat(32);
        expect(planOk(input({ windowsAgent: { version: "6.0.40", sha256: sha } })).windowsAgent).toEqual({
            version: "6.0.40",
            msiUrl: windowsAgentMsiUrl("6.0.40"),
            sha256: sha.toUpperCase(),
        });
        const mirror = "https://mirror.billu.remindme.lan/zabbix/zabbix_agent2-6.0.14-windows-amd64-openssl.msi";
        expect(planOk(input({ windowsAgent: { msiUrl: mirror, sha256: sha } })).windowsAgent).toEqual({
            version: "6.0.14",
            msiUrl: mirror,
            sha256: sha.toUpperCase(),
        });
        expect(planOk(input({}, { hosts: HOSTS.filter((h) => h.name !== "PAR-DC02") })).windowsAgent).toBeUndefined();
    });

    test("what is watched comes from the other plans: scopes, FSMO roles, sites, tunnel, array, backup results", () => {
        const plan = planOk(input({ thresholds: { dhcpPoolPercent: 70, mailQueue: 50, backupMaxAgeHours: 30 } }));
        const w = (n: string) => plan.hosts.find((h) => h.name === n)!;
        expect(w("PAR-DHCP01").watches).toEqual([
            { kind: "kea-scope", zone: "lan-dsi", subnet: "10.20.21.0/24", subnetId: 21, poolSize: 151 },
            { kind: "kea-scope", zone: "lan-dev", subnet: "10.20.22.0/24", subnetId: 22, poolSize: 151 },
        ]);
        expect(w("PAR-DC01").watches).toEqual([
            { kind: "dc", flavor: "samba", fsmoRoles: ["pdcEmulator"], partners: ["PAR-DC02"] },
            // Its LDAPS certificate, fetched by its own agent for the domain's name (every DC's certificate carries it).
            { kind: "tls-endpoint", what: "LDAPS", name: "billu.remindme.lan", port: 636 },
            { kind: "directory-drift", resultPath: "/var/lib/billu/drift/directory.json", graceSeconds: 7200, maxAgeSeconds: 7320 },
        ]);
        expect(w("PAR-WEB01").watches).toEqual([
            { kind: "web-site", role: "public", name: "www.billu.example", port: 443 },
            { kind: "web-site", role: "intranet", name: "intranet.billu.remindme.lan", port: 443 },
        ]);
        expect(w("PAR-FW01").watches).toEqual([{ kind: "vpn-tunnel", tunnel: "billu-ecotech", peer: "org/billu-infra/ecotech", networks: ["10.20.21.0/24"] }]);
        expect(w("PAR-MAIL01").watches).toEqual([
            { kind: "postfix-queue" },
            { kind: "tls-endpoint", what: "IMAPS", name: "par-mail01.billu.remindme.lan", port: 993 },
        ]);
        expect(w("PAR-FS01").watches).toEqual([{ kind: "mdadm", array: "shares", device: "/dev/md/shares", members: 2 }]);
        expect(w("PAR-BKP01").watches).toEqual([
            { kind: "backup-freshness", client: "PAR-DC01", resultFile: `${RESULT_DIR}/par-dc01.json` },
            { kind: "backup-freshness", client: "PAR-MON01", resultFile: `${RESULT_DIR}/par-mon01.json` },
        ]);
        expect(w("PAR-MON01").watches).toEqual([
            { kind: "zabbix-server" },
            { kind: "certificate-file", what: "the site CA", path: "/etc/billu/monitoring/site-ca.pem" },
        ]);
    });

    // The thresholds are macros of BillU's templates (components/monitoring/zabbix-config.ts, one value per site): a
    // host carries no macros of its own (the plan's former host macros, {$CPU.UTIL.CRIT} ..., were read by no template).
    test("the thresholds are the plan's, and its hosts carry no macros of their own", () => {
        const plan = planOk(input({ thresholds: { cpuPercent: 85, diskFreePercent: 15, agentUnavailableMinutes: 3, certificateDays: 21 } }));
        expect(plan.thresholds).toMatchObject({ cpuPercent: 85, diskFreePercent: 15, agentUnavailableMinutes: 3, certificateDays: 21 });
        expect(plan.hosts.length).toBeGreaterThan(0);
        for (const h of plan.hosts) expect(Object.keys(h)).not.toContain("macros");
    });

    test("alerts: mail through the site's mail server to the enabled people of the IT group", () => {
        expect(planOk(input({})).alerting).toEqual({
            mediaType: {
                name: "BillU mail",
                smtpServer: "par-mail01.billu.remindme.lan",
                smtpPort: 25,
                smtpHelo: "par-mon01.billu.remindme.lan",
                from: "zabbix@billu.fr",
            },
            group: "GG_DSI",
            recipients: ["a.admin@billu.fr", "b.admin@billu.fr"],
            minSeverity: "warning",
        });
        expect(planOk(input({ alerts: { group: "GG_Finance", minSeverity: "high", from: "noc@billu.fr" } })).alerting).toMatchObject({
            group: "GG_Finance",
            recipients: ["c.compta@billu.fr"],
            minSeverity: "high",
            mediaType: { from: "noc@billu.fr" },
        });
        // No directory or no mail server (a partner site): no alert mail, the rest is planned.
        expect(planOk(input({}, { directory: undefined })).alerting).toBeUndefined();
        expect(planOk(input({}, { mail: undefined })).alerting).toBeUndefined();
    });

    test("the flows: the server to every agent, every agent to the server, alert mails; the firewall host as the matrix's router", () => {
        const plan = planOk(input({}));
        const agents = ["PAR-DC01", "PAR-DC02", "PAR-DHCP01", "PAR-FS01", "PAR-MAIL01", "PAR-WEB01", "PAR-BKP01"];
        expect(plan.flows).toEqual([
            { from: "PAR-MON01", to: "router", service: "zabbix-agent", why: "the server polls PAR-FW01's agent (passive checks)" },
            ...agents.map((a) => ({ from: "PAR-MON01", to: a, service: "zabbix-agent", why: `the server polls ${a}'s agent (passive checks)` })),
            { from: "router", to: "PAR-MON01", service: "zabbix-trapper", why: "PAR-FW01's agent sends its active checks to the server" },
            ...agents.map((a) => ({ from: a, to: "PAR-MON01", service: "zabbix-trapper", why: `${a}'s agent sends its active checks to the server` })),
            { from: "PAR-MON01", to: "PAR-MAIL01", service: "smtp", why: "the alert mails go through the site's mail server" },
        ]);
        expect(BUILTIN_SERVICES.find((s) => s.name === "zabbix-agent")?.ports).toEqual([{ proto: "tcp", from: ZABBIX_AGENT_PORT, to: ZABBIX_AGENT_PORT }]);
        // The certificate checks' ports are the catalogue's.
        expect(BUILTIN_SERVICES.find((s) => s.name === "ldaps")?.ports).toEqual([{ proto: "tcp", from: LDAPS_PORT, to: LDAPS_PORT }]);
        expect(BUILTIN_SERVICES.find((s) => s.name === "imaps")?.ports).toEqual([{ proto: "tcp", from: IMAPS_PORT, to: IMAPS_PORT }]);
        expect(BUILTIN_SERVICES.find((s) => s.name === "zabbix-trapper")?.ports).toEqual([
            { proto: "tcp", from: ZABBIX_TRAPPER_PORT, to: ZABBIX_TRAPPER_PORT },
        ]);
    });

    test("a site without a monitoring host and without billu:monitoring plans nothing", () => {
        const p = new Problems();
        expect(planMonitoring(input(undefined, { hosts: HOSTS.filter((h) => h.role !== "monitoring") }), p)).toBeUndefined();
        expect(p.count).toBe(0);
    });

    test("bad input: the server's host, OS, zone and data disk", () => {
        const noMon = HOSTS.filter((h) => h.role !== "monitoring");
        expect(messages(input({}, { hosts: noMon }))).toEqual([
            "billu:hosts: has no host of role monitoring, but billu:monitoring is set. Fix: add the Zabbix server to billu:hosts (role: monitoring, os: debian-12, e.g. PAR-MON01), or remove billu:monitoring",
        ]);
        expect(messages(input({ host: "PAR-MON09" }))).toEqual([
            'billu:monitoring.host: "PAR-MON09" is not a host of billu:hosts. Fix: name a host of role monitoring (PAR-MON01)',
        ]);
        expect(messages(input({ host: "PAR-LOG01" }, { hosts: noMon }))).toEqual([
            'billu:monitoring.host: "PAR-LOG01" is not a host of billu:hosts. Fix: add the Zabbix server to billu:hosts (role: monitoring, os: debian-12, e.g. PAR-MON01) and name it here',
        ]);
        expect(messages(input({ host: "PAR-BKP01" }))).toEqual([
            'billu:monitoring.host: "PAR-BKP01" has role backup, not monitoring. Fix: give the Zabbix server its own host of role monitoring (e.g. PAR-MON01), or name one here',
        ]);
        const two = [...HOSTS, host(9, "PAR-MON02", "monitoring", "management", "10.20.0.41", "debian-12", [disk(16), disk(32)])];
        expect(messages(input({}, { hosts: two }))).toEqual([
            "billu:hosts: has 2 hosts of role monitoring (PAR-MON01, PAR-MON02) and billu:monitoring.host names none. Fix: set billu:monitoring.host to the Zabbix server, or declare a single host of role monitoring",
        ]);
        const bad = HOSTS.map((h) =>
            h.role === "monitoring" ? host(8, "PAR-MON01", "monitoring", "lan-dsi", "10.20.21.40", "windows-2022-core", [disk(16)]) : h,
        );
        expect(messages(input({}, { hosts: bad }))).toEqual([
            'billu:hosts[8].os: "windows-2022-core" cannot run Debian\'s Zabbix server packages. Fix: use os: debian-12 for the Zabbix server PAR-MON01',
            'billu:hosts[8].zone: "lan-dsi" is a department zone, but PAR-MON01 is the Zabbix server (it reaches every host\'s agent). Fix: put the Zabbix server in a servers or management zone (management, servers)',
            "billu:hosts[8].disks: has only the OS disk, but the Zabbix server keeps its PostgreSQL database on a data disk. Fix: add a second disk to PAR-MON01 (e.g. { datastore: local-lvm, sizeGiB: 32 }): it is mounted at /var/lib/postgresql",
        ]);
    });

    test("bad input: a critical certificate threshold that is not below the warning one", () => {
        expect(messages(input({ thresholds: { certificateDays: 14, certificateCritDays: 14 } }))).toEqual([
            "billu:monitoring.thresholds.certificateCritDays: is 14, not fewer than certificateDays (14): the high problem would come before the warning. Fix: set it below 14, or raise billu:monitoring.thresholds.certificateDays above it",
        ]);
        // The default critical threshold (7) against a warning threshold set below it.
        expect(messages(input({ thresholds: { certificateDays: 5 } }))).toEqual([
            "billu:monitoring.thresholds.certificateCritDays: is 7, not fewer than certificateDays (5): the high problem would come before the warning. Fix: set it below 5, or raise billu:monitoring.thresholds.certificateDays above it",
        ]);
        expect(planOk(input({ thresholds: { certificateDays: 14, certificateCritDays: 3 } })).thresholds).toMatchObject({
            certificateDays: 14,
            certificateCritDays: 3,
        });
    });

    test("bad input: an alert group the directory does not have, or one nobody would read", () => {
        expect(messages(input({ alerts: { group: "GG_Informatique" } }))).toEqual([
            'billu:monitoring.alerts.group: "GG_Informatique" is not a group of the directory plan. Fix: name a group of billu:directory (e.g. GG_DSI, GG_Finance, GG_Vide)',
        ]);
        const noDsi = { ...OTHER_PLANS.directory!, groups: OTHER_PLANS.directory!.groups.filter((g) => g.sam !== "GG_DSI") };
        expect(messages(input({}, { directory: noDsi }))).toEqual([
            'billu:monitoring.alerts.group: "GG_DSI" (the default) is not a group of the directory plan. Fix: name a group of billu:directory (e.g. GG_Finance, GG_Vide)',
        ]);
        expect(messages(input({ alerts: { group: "GG_Vide" } }))).toEqual([
            'billu:monitoring.alerts.group: "GG_Vide" has no enabled person with a mail address: the alert mails would reach nobody. Fix: name a group with people in it (the IT department\'s), or add people to it in the HR export',
        ]);
    });

    test("bad input through the site: schema bounds and enums name the key path, the value and the fix", () => {
        const raw = stackRaw("dev");
        expect(problemsOf({ ...raw, monitoring: { thresholds: { cpuPercent: 150 } } })).toEqual([
            'billu:monitoring.thresholds.cpuPercent: is 150, which number must be less than or equal to 100. Fix: correct the value (see README, "Configuration")',
        ]);
        expect(problemsOf({ ...raw, monitoring: { alerts: { minSeverity: "loud" } } })).toEqual([
            'billu:monitoring.alerts.minSeverity: is "loud". Fix: use one of not_classified, information, warning, average, high, disaster',
        ]);
        expect(problemsOf({ ...raw, monitoring: { windowsAgent: { version: "7.0.19", sha256: "4FCEB4EF", msiUrl: "http://x/agent.msi" } } })).toEqual([
            'billu:monitoring.windowsAgent.version: is "7.0.19", which must be a 6.0 release such as 6.0.14 (the server runs 6.0, which supports no newer agent). Fix: correct the value (see README, "Configuration")',
            'billu:monitoring.windowsAgent.msiUrl: is "http://x/agent.msi", which must be an https url of an .msi file. Fix: correct the value (see README, "Configuration")',
            'billu:monitoring.windowsAgent.sha256: is "4FCEB4EF", which must be 64 hexadecimal digits. Fix: correct the value (see README, "Configuration")',
        ]);
    });

    test("every field of the schema says what it is and its default", () => {
        for (const [k, v] of Object.entries(monitoringSchema.shape)) {
            expect([k, v.description ?? ""]).toEqual([k, expect.stringMatching(/@default /)]);
        }
    });
});
