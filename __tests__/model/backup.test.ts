/** The in-guest backup plan (model/backup.ts): what a site derives, and every bad input with its exact message. */
import { BackupHost, BackupInput, BackupPlan, backupSchema, checkBackupNeeds, planBackup, staggered, windowsTrigger } from "../../model/backup";
import type { OsKind } from "../../model/core";
import { formatProblem, Problems } from "../../model/errors";
import { BUILTIN_SERVICES } from "../../model/ports";
import { MAIL_STORE } from "../../model/services/mail";
import { MAIL_PATHS } from "../../components/mail/common";
import { model, problemsOf, stackRaw } from "../helpers";
import { plannerMessages, viewHost } from "./planner-fixture";

const host = (index: number, name: string, role: string, zone: string, address: string, stateful: boolean, os: OsKind = "debian-12"): BackupHost => ({
    ...viewHost(index, name, role, zone, address, os),
    stateful,
});
const HOSTS: BackupHost[] = [
    host(0, "PAR-FW01", "firewall", "management", "10.20.0.1", false),
    host(1, "PAR-DC01", "dc", "servers", "10.20.10.11", true),
    host(2, "PAR-DC02", "dc", "servers", "10.20.10.12", true, "windows-2022-core"),
    host(3, "PAR-DHCP01", "dhcp", "servers", "10.20.10.21", false),
    host(4, "PAR-FS01", "fileserver", "servers", "10.20.10.31", true),
    host(5, "PAR-WEB01", "web", "dmz", "172.16.120.10", false),
    host(6, "PAR-BKP01", "backup", "management", "10.20.0.30", true),
];
const ZONES = [
    { name: "wan", kind: "wan" },
    { name: "management", kind: "management" },
    { name: "servers", kind: "servers" },
    { name: "dmz", kind: "dmz" },
];
function input(cfg: unknown, over: Partial<BackupInput> = {}): BackupInput {
    return {
        site: { domain: "billu.fr" },
        cfg: cfg === undefined ? undefined : backupSchema.parse(cfg),
        hosts: HOSTS,
        zones: ZONES,
        domain: { fqdn: "billu.remindme.lan" },
        ...over,
    };
}
const messages = (i: BackupInput): string[] => plannerMessages(planBackup, i);
function plan(i: BackupInput): BackupPlan {
    const p = new Problems();
    const out = planBackup(i, p)!;
    expect(p.all.map(formatProblem)).toEqual([]);
    return out;
}

describe("the backup plan", () => {
    test("defaults: the only host of role backup serves; every stateful host but itself backs up (Windows through its scheduled task), staggered by 10 minutes", () => {
        const b = plan(input(undefined));
        expect(b.host).toEqual({ name: "PAR-BKP01", zone: "management", address: "10.20.0.30" });
        expect([b.fqdn, b.port, b.repoRoot, b.resultDir, b.schedule, b.prune]).toEqual([
            "par-bkp01.billu.remindme.lan",
            8000,
            "/srv/restic",
            "/var/lib/billu/backup/results",
            "*-*-* 01:00",
            "*-*-* 06:00",
        ]);
        expect(b.retention).toEqual({ keepDaily: 7, keepWeekly: 4, keepMonthly: 12 });
        expect(b.clients).toEqual([
            { name: "PAR-DC01", zone: "servers", address: "10.20.10.11", repository: "par-dc01", onCalendar: "*-*-* 01:00", os: "linux" },
            {
                name: "PAR-DC02",
                zone: "servers",
                address: "10.20.10.12",
                repository: "par-dc02",
                onCalendar: "*-*-* 01:10",
                os: "windows",
                task: { at: "01:10", days: [] },
            },
            { name: "PAR-FS01", zone: "servers", address: "10.20.10.31", repository: "par-fs01", onCalendar: "*-*-* 01:20", os: "linux" },
        ]);
        expect(b.notCovered).toEqual([]);
        expect(b.flows).toEqual([
            { from: "PAR-DC01", to: "PAR-BKP01", service: "restic-rest", why: "PAR-DC01 sends its backups to the backup server" },
            { from: "PAR-DC02", to: "PAR-BKP01", service: "restic-rest", why: "PAR-DC02 sends its backups to the backup server" },
            { from: "PAR-FS01", to: "PAR-BKP01", service: "restic-rest", why: "PAR-FS01 sends its backups to the backup server" },
        ]);
        expect(BUILTIN_SERVICES.find((s) => s.name === "restic-rest")?.ports).toEqual([{ proto: "tcp", from: b.port, to: b.port }]);
    });

    test("a site with neither a host of role backup nor billu:backup plans nothing", () => {
        expect(planBackup(input(undefined, { hosts: HOSTS.filter((h) => h.role !== "backup") }), new Problems())).toBeUndefined();
    });

    test("clients named, and the schedule staggered with seconds and weekdays kept", () => {
        const b = plan(input({ clients: ["PAR-FS01"], schedule: "Mon..Fri 22:50:30", staggerMinutes: 5 }));
        expect(b.clients.map((c) => [c.name, c.onCalendar])).toEqual([["PAR-FS01", "Mon..Fri 22:50:30"]]);
        expect([staggered("Mon..Fri 22:50:30", 15), staggered("*-*-* 23:55", 5), staggered("daily", 0)]).toEqual(["Mon..Fri 23:05:30", undefined, undefined]);
    });

    test("bad input: one clear message each (key path, value, fix)", () => {
        expect(messages(input({ host: "PAR-BKP09" }))).toEqual([
            'billu:backup.host: "PAR-BKP09" is not a host of billu:hosts. Fix: name a host of role backup (PAR-BKP01)',
        ]);
        expect(messages(input({ host: "PAR-FS01" }))).toEqual([
            'billu:backup.host: "PAR-FS01" has role fileserver, not backup. Fix: give the backup server its own host of role backup (e.g. PAR-BKP01)',
        ]);
        expect(messages(input({}, { hosts: HOSTS.filter((h) => h.role !== "backup") }))).toEqual([
            "billu:hosts: has no host of role backup, but billu:backup is set. Fix: add the backup server to billu:hosts (role: backup, os: debian-12, e.g. PAR-BKP01), or remove billu:backup",
        ]);
        expect(messages(input({}, { hosts: [...HOSTS, host(7, "PAR-BKP02", "backup", "servers", "10.20.10.70", true)] }))).toEqual([
            "billu:hosts: has 2 hosts of role backup (PAR-BKP01, PAR-BKP02) and billu:backup.host names none. Fix: set billu:backup.host to the one that serves the repositories, or declare a single host of role backup",
        ]);
        expect(messages(input({}, { hosts: HOSTS.map((h) => (h.role === "backup" ? { ...h, zone: "dmz" } : h)) }))).toEqual([
            'billu:hosts[6].zone: "dmz" is a dmz zone, but PAR-BKP01 is the backup server (it holds every host\'s data). Fix: put the backup server in a servers or management zone (management, servers)',
        ]);
        expect(messages(input({ clients: ["PAR-FS09", "PAR-FS01", "PAR-FS01", "PAR-BKP01", "PAR-DC02"] }))).toEqual([
            'billu:backup.clients[0]: "PAR-FS09" is not a host of billu:hosts. Fix: name a host of billu:hosts (the names are case-sensitive)',
            'billu:backup.clients[2]: "PAR-FS01" is already billu:backup.clients[1]. Fix: name each host once',
            'billu:backup.clients[3]: "PAR-BKP01" is the backup server itself. Fix: remove PAR-BKP01 from billu:backup.clients',
        ]);
        expect(messages(input({ schedule: "*-*-* 23:55", staggerMinutes: 10 }))).toEqual([
            'billu:backup.schedule: "*-*-* 23:55" staggered by 10 minutes per client puts PAR-DC02 (client 2 of 3) past midnight. Fix: start earlier, or lower billu:backup.staggerMinutes to at most 2',
            'billu:backup.schedule: "*-*-* 23:55" staggered by 10 minutes per client puts PAR-FS01 (client 3 of 3) past midnight. Fix: start earlier, or lower billu:backup.staggerMinutes to at most 2',
        ]);
    });

    test("a Windows client: its task's time and days from its staggered schedule; a schedule naming dates is refused for it", () => {
        expect(["*-*-* 01:10", "Mon..Fri 22:50:30", "sat,sun 3:05", "*-*-01 01:00"].map(windowsTrigger)).toEqual([
            { at: "01:10", days: [] },
            { at: "22:50", days: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"] },
            { at: "03:05", days: ["Saturday", "Sunday"] },
            undefined,
        ]);
        expect(messages(input({ clients: ["PAR-DC02"], schedule: "*-*-01 01:00" }))).toEqual([
            'billu:backup.schedule: "*-*-01 01:00" names dates, which the scheduled task of the Windows client PAR-DC02 cannot follow. Fix: use a daily time (`*-*-* 01:00`) or week days and a time (`Mon..Fri 22:00`)',
        ]);
    });

    test("the schema refuses a schedule without a time, naming the form", () => {
        const r = backupSchema.safeParse({ schedule: "daily" });
        expect(r.success).toBe(false);
        expect(r.error!.issues.map((i) => [i.path.join("."), i.message])).toEqual([
            ["schedule", "must be a systemd OnCalendar expression ending with the time, such as `*-*-* 01:30` or `Mon..Fri 22:00:00`"],
        ]);
    });

    test("declared data on a host no client covers is reported; a client with no declared data too", () => {
        const b = plan(input({ clients: ["PAR-FS01"] }));
        const p = new Problems();
        checkBackupNeeds(
            {
                ...b,
                clients: [
                    ...b.clients,
                    { name: "PAR-DHCP01", zone: "servers", address: "10.20.10.21", repository: "par-dhcp01", onCalendar: "*-*-* 01:10", os: "linux" },
                ],
            },
            [
                { host: "PAR-FS01", dataClass: "files", paths: ["/srv/shares"], why: "the shares" },
                { host: "PAR-DC01", dataClass: "directory", paths: ["/var/backups/billu/samba"], preHook: "samba-domain-backup", why: "the AD database" },
            ],
            p,
        );
        expect(p.all.map(formatProblem)).toEqual([
            "billu:backup.clients: backs up PAR-DHCP01, but no service of the site declares data on it (nothing to back up). Fix: set billu:backup.clients to the hosts whose services keep data (PAR-FS01, PAR-DC01)",
            "billu:backup.clients: leaves out PAR-DC01, which keeps directory data to back up (the AD database). Fix: add PAR-DC01 to billu:backup.clients, or remove billu:backup.clients to back up every stateful host",
        ]);
    });
});

describe("the services declare their data through the requirements channel", () => {
    /** Dev as committed: its backup server PAR-BKP01, its flows and billu:backup. */
    const raw = () => stackRaw("dev");

    test("dev: the DC's samba-tool file, the shares, the mail store and the collected logs, each on a client of the plan", () => {
        const m = model(raw());
        expect(m.backups).toEqual([
            {
                host: "PAR-DC01",
                dataClass: "directory",
                paths: ["/var/backups/billu/samba"],
                preHook: "samba-domain-backup",
                why: "the AD database, SYSVOL and the DC's secrets, from samba-tool domain backup online",
            },
            {
                host: "PAR-FS01",
                dataClass: "files",
                paths: [m.fileservers![0].mountPoint],
                why: "the department shares, with their owners, POSIX ACLs and xattrs",
            },
            { host: "PAR-MAIL01", dataClass: "mail", paths: ["/var/vmail"], why: "the mailboxes (Maildir under the mail store)" },
            { host: "PAR-MAIL01", dataClass: "database", paths: ["/var/lib/roundcube/db"], why: "the webmail's database (Roundcube's settings and contacts)" },
            { host: "PAR-LOG01", dataClass: "logs", paths: ["/var/log/remote"], why: "every host's collected logs, kept for the retention" },
            { host: "PAR-FTP01", dataClass: "files", paths: ["/srv/ftp"], why: "the exchange folders, with their owners and POSIX ACLs" },
            {
                host: "PAR-PBX01",
                dataClass: "files",
                paths: ["/var/spool/asterisk", "/etc/asterisk", "/var/lib/asterisk"],
                why: "voicemail, recordings and FreePBX's generated configuration",
            },
            {
                host: "PAR-GLPI01",
                dataClass: "database",
                paths: ["/var/backups/glpi", "/var/lib/glpi"],
                why: "GLPI's database (tickets, assets, from the daily mysqldump) and its documents",
            },
            {
                host: "PAR-MON01",
                dataClass: "database",
                paths: ["/var/backups/billu/zabbix"],
                why: "the Zabbix database (configuration, history, trends), from the daily pg_dump",
            },
        ]);
        expect(m.plan<BackupPlan>("backup")!.clients.map((c) => c.name)).toEqual([
            "PAR-DC01",
            "PAR-FS01",
            "PAR-MAIL01",
            "PAR-LOG01",
            "PAR-MON01",
            "PAR-FTP01",
            "PAR-PBX01",
            "PAR-GLPI01",
        ]);
        expect(MAIL_STORE).toBe(MAIL_PATHS.mailboxes);
    });

    test("a missing flow is reported with the line to add", () => {
        const r = raw();
        r.flows = r.flows.filter((f: { from: string; service: string }) => !(f.from === "PAR-FS01" && f.service === "restic-rest"));
        expect(problemsOf(r)).toEqual([
            "billu:flows: lacks PAR-FS01 -> PAR-BKP01 restic-rest, which the in-guest backup needs (PAR-FS01 sends its backups to the backup server). Fix: append { from: PAR-FS01, to: PAR-BKP01, service: restic-rest } to billu:flows",
        ]);
    });

    test("clients that leave out a host with declared data: the site is refused", () => {
        expect(problemsOf({ ...raw(), backup: { clients: ["PAR-FS01", "PAR-MAIL01"] } })).toEqual([
            "billu:backup.clients: leaves out PAR-DC01, which keeps directory data to back up (the AD database, SYSVOL and the DC's secrets, from samba-tool domain backup online). Fix: add PAR-DC01 to billu:backup.clients, or remove billu:backup.clients to back up every stateful host",
            "billu:backup.clients: leaves out PAR-LOG01, which keeps logs data to back up (every host's collected logs, kept for the retention). Fix: add PAR-LOG01 to billu:backup.clients, or remove billu:backup.clients to back up every stateful host",
            "billu:backup.clients: leaves out PAR-FTP01, which keeps files data to back up (the exchange folders, with their owners and POSIX ACLs). Fix: add PAR-FTP01 to billu:backup.clients, or remove billu:backup.clients to back up every stateful host",
            "billu:backup.clients: leaves out PAR-PBX01, which keeps files data to back up (voicemail, recordings and FreePBX's generated configuration). Fix: add PAR-PBX01 to billu:backup.clients, or remove billu:backup.clients to back up every stateful host",
            "billu:backup.clients: leaves out PAR-GLPI01, which keeps database data to back up (GLPI's database (tickets, assets, from the daily mysqldump) and its documents). Fix: add PAR-GLPI01 to billu:backup.clients, or remove billu:backup.clients to back up every stateful host",
            "billu:backup.clients: leaves out PAR-MON01, which keeps database data to back up (the Zabbix database (configuration, history, trends), from the daily pg_dump). Fix: add PAR-MON01 to billu:backup.clients, or remove billu:backup.clients to back up every stateful host",
        ]);
    });
});
