/**
 * The adapter from the monitoring plan to the Zabbix configuration document (components/monitoring/config-input.ts)
 * and the document among the server's files: every planned host with its PSK identity and agent port, the watched web
 * sites and DHCP scopes, the alert mail settings and recipients, the thresholds translated to the document's terms.
 * The real API's verdict on the document is the lab's (labs/monitoring).
 */
import { Problems } from "../../model/errors";
import { MonitoringHost, MonitoringInput, monitoringSchema, planMonitoring } from "../../model/monitoring";
import { renderZabbixConfigFile, zabbixConfigInput } from "../../components/monitoring/config-input";
import { configStepFiles, MONITORING_PATHS, serverFiles } from "../../components/monitoring/render";
import { renderZabbixConfig } from "../../components/monitoring/zabbix-config";
import { secretPlaceholders } from "../../components/guest-step/render";

const d = (sizeGiB: number) => ({ datastore: "local-lvm", sizeGiB });
const h = (index: number, name: string, role: string, zone: string, address: string, disks = [d(8)]): MonitoringHost => ({
    name,
    role,
    os: "debian-12",
    zone,
    address,
    index,
    disks,
});
const input: MonitoringInput = {
    site: { domain: "billu.fr" },
    cfg: monitoringSchema.parse({
        thresholds: { diskFreePercent: 15, mailQueue: 40, backupMaxAgeHours: 30, agentUnavailableMinutes: 7 },
        alerts: { minSeverity: "high" },
    }),
    hosts: [
        h(0, "PAR-FW01", "firewall", "management", "10.20.0.1"),
        h(1, "PAR-DHCP01", "dhcp", "servers", "10.20.10.21"),
        h(2, "PAR-WEB01", "web", "dmz", "172.16.120.10"),
        h(3, "PAR-MAIL01", "mail", "servers", "10.20.10.41"),
        h(4, "PAR-MON01", "monitoring", "management", "10.20.0.40", [d(16), d(48)]),
    ],
    zones: [
        { name: "management", kind: "management", routerAddress: "10.20.0.1" },
        { name: "servers", kind: "servers", routerAddress: "10.20.10.1" },
        { name: "dmz", kind: "dmz", routerAddress: "172.16.120.1" },
    ],
    domain: { fqdn: "billu.remindme.lan", flavor: "samba", dcs: [], fsmo: {} },
    directory: {
        groups: [{ sam: "GG_DSI", kind: "department" }],
        people: [
            { mail: "b.martin@billu.fr", groups: ["GG_DSI"], enabled: true },
            { mail: "a.durand@billu.fr", groups: ["GG_DSI"], enabled: true },
            { mail: "gone@billu.fr", groups: ["GG_DSI"], enabled: false },
        ],
    },
    mail: { domain: "billu.fr", host: { name: "PAR-MAIL01", address: "10.20.10.41" }, hostname: "mail.billu.fr" },
    dhcp: {
        servers: [{ name: "PAR-DHCP01" }],
        scopes: [
            { zone: "dsi", subnet: { text: "10.20.31.0/24" }, subnetId: 31, poolSize: 200 },
            { zone: "rh", subnet: { text: "10.20.32.0/24" }, subnetId: 32, poolSize: 100 },
        ],
    },
    web: { host: "PAR-WEB01", ports: { https: 8443 }, public: { name: "www.billu.fr" }, intranet: { name: "intranet.billu.remindme.lan" } },
};
const plan = planMonitoring(input, new Problems())!;

test("the renderer's input: every planned host, the watched sites and scopes, the alert mail and its recipients, the thresholds", () => {
    expect(zabbixConfigInput(plan, "BillU")).toEqual({
        site: "BillU",
        hosts: [
            // The router's interface is its address in the server's zone (the plan's), not its first NIC's.
            { name: "PAR-FW01", address: "10.20.0.1", role: "firewall", zone: "management", os: "linux", pskIdentity: "PSK PAR-FW01", agentPort: 10050 },
            { name: "PAR-DHCP01", address: "10.20.10.21", role: "dhcp", zone: "servers", os: "linux", pskIdentity: "PSK PAR-DHCP01", agentPort: 10050 },
            { name: "PAR-WEB01", address: "172.16.120.10", role: "web", zone: "dmz", os: "linux", pskIdentity: "PSK PAR-WEB01", agentPort: 10050 },
            { name: "PAR-MAIL01", address: "10.20.10.41", role: "mail", zone: "servers", os: "linux", pskIdentity: "PSK PAR-MAIL01", agentPort: 10050 },
            { name: "PAR-MON01", address: "10.20.0.40", role: "monitoring", zone: "management", os: "linux", pskIdentity: "PSK PAR-MON01", agentPort: 10050 },
        ],
        webSites: [
            { name: "www.billu.fr", port: 8443 },
            { name: "intranet.billu.remindme.lan", port: 8443 },
        ],
        dhcpScopes: [
            { id: 31, name: "dsi" },
            { id: 32, name: "rh" },
        ],
        mail: { relay: "mail.billu.fr", port: 25, helo: "par-mon01.billu.remindme.lan", from: "zabbix@billu.fr" },
        itGroup: {
            name: "GG_DSI",
            members: [
                { username: "a.durand@billu.fr", fullName: "a.durand@billu.fr", email: "a.durand@billu.fr" },
                { username: "b.martin@billu.fr", fullName: "b.martin@billu.fr", email: "b.martin@billu.fr" },
            ],
            minSeverity: "high",
        },
        thresholds: {
            cpuPercent: 90,
            memoryPercent: 90,
            diskPercent: 85,
            dhcpPoolPercent: 80,
            postfixQueue: 40,
            certificateDays: 30,
            certificateCritDays: 7,
            backupHours: 30,
            ftpFailedLogins: 5,
            agentUnavailableMinutes: 7,
        },
        // The mail server's IMAPS (this fixture has no DC: no LDAPS), and the site CA's copy on the Zabbix server.
        tlsEndpoints: { mail: [{ name: "mail.billu.fr", port: 993, what: "IMAPS" }] },
        siteCa: { host: "PAR-MON01" },
    });
});

test("the model's lowest severity (not classified) alerts from information, the document's lowest", () => {
    const low = planMonitoring({ ...input, cfg: monitoringSchema.parse({ alerts: { minSeverity: "not_classified" } }) }, new Problems())!;
    expect(zabbixConfigInput(low, "BillU")!.itGroup.minSeverity).toBe("information");
});

test("the document is among the configuration step's files, root's only, with no secret: the PSKs stay in the step's secrets file", () => {
    const files = configStepFiles(plan, "BillU")!;
    expect(serverFiles(plan).map((f) => f.path)).not.toContain(MONITORING_PATHS.configDocument);
    const doc = files.filter((f) => f.path === MONITORING_PATHS.configDocument);
    expect(doc.map((f) => [f.path, f.mode])).toEqual([["/etc/billu/monitoring/zabbix-config.json", "0600"]]);
    expect(doc[0].content).toBe(renderZabbixConfigFile(plan, "BillU"));
    expect(JSON.parse(doc[0].content)).toEqual(renderZabbixConfig(zabbixConfigInput(plan, "BillU")!));
    expect(secretPlaceholders(doc[0].content)).toEqual([]);
    const parsed = JSON.parse(doc[0].content) as { hosts: { host: string; pskIdentity: string; groups: string[] }[]; actions: { severity: string }[] };
    expect(parsed.hosts.map((x) => `${x.host} ${x.pskIdentity} ${x.groups.join(",")}`)).toEqual([
        "PAR-FW01 PSK PAR-FW01 BillU/role/firewall,BillU/zone/management",
        "PAR-DHCP01 PSK PAR-DHCP01 BillU/role/dhcp,BillU/zone/servers",
        "PAR-WEB01 PSK PAR-WEB01 BillU/role/web,BillU/zone/dmz",
        "PAR-MAIL01 PSK PAR-MAIL01 BillU/role/mail,BillU/zone/servers",
        "PAR-MON01 PSK PAR-MON01 BillU/role/monitoring,BillU/zone/management",
    ]);
    expect(parsed.actions.map((a) => a.severity)).toEqual(["high", "disaster"]);
});

test("a plan without alert mails (no mail server or directory) renders no document", () => {
    const quiet = planMonitoring({ ...input, mail: undefined }, new Problems())!;
    expect(quiet.alerting).toBeUndefined();
    expect(zabbixConfigInput(quiet, "BillU")).toBeUndefined();
    expect(configStepFiles(quiet, "BillU")).toBeUndefined();
});
