/**
 * Application-consistent backups inside the guests (`billu:backup`): restic on every host with state, to a
 * repository per client on the backup server (role `backup`, `PAR-BKP01`, Debian 12) served by
 * `rclone serve restic --append-only` over TLS (site CA). Pure: the schema (its `.describe()` text and defaults are
 * the configuration reference), the checks (through Problems, naming the key path) and the derived `BackupPlan` the
 * renderers, the component and the docs read. The VM images on Proxmox are another service (`billu:vmBackup`).
 *
 * Design:
 * - What is backed up is declared by the service that owns the data, through the requirements channel (`backup`
 *   needs: the DC's `samba-tool domain backup online` file, the file server's shares, the mail store), so a new
 *   service with state declares its own data; `checkBackupNeeds` reports a host whose declared data no client covers.
 * - Append-only for the clients: a client holds the password of its own repository (restic's key, from
 *   @pulumi/random) and an HTTP login to its own path only (rclone `--private-repos`), and the server refuses every
 *   delete but of locks (rclone `--append-only`): a compromised client cannot erase its history. Pruning (`restic
 *   forget --prune` with the retention) runs on the backup server only, from a systemd timer.
 * - Staggered: client n starts `staggerMinutes * n` after the schedule, so the clients do not all hit the server at
 *   once; each writes its result (time, size, snapshot id, exit status) to a file per client on the server.
 */
import { z } from "zod";
import { Problems, show } from "./errors";

/** The catalogue service (model/ports.ts) the flows name: restic's REST protocol over HTTPS. */
export const RESTIC_REST_SERVICE = "restic-rest";
/** Its TCP port (rest-server's default, kept by `rclone serve restic --addr`). */
export const RESTIC_REST_PORT = 8000;
/** Where the server keeps the repositories, one folder per client: `<REPO_ROOT>/<client>/`. */
export const REPO_ROOT = "/srv/restic";
/** Where the server keeps each client's last result (`<RESULT_DIR>/<client>.json`) for monitoring. */
export const RESULT_DIR = "/var/lib/billu/backup/results";
/**
 * The stack's secret output with every client's HTTP login password and repository key (a JSON object by repository:
 * `{ "<repository>": { "password", "key" } }`): what the acceptance run's backup scenario reads the repositories with.
 */
export const BACKUP_CREDENTIALS_OUTPUT = "backupCredentials";
/** Where a DC's pre-hook writes its `samba-tool domain backup online` file (the data set backed up). */
export const SAMBA_BACKUP_DIR = "/var/backups/billu/samba";
/**
 * The volume a Windows DC's pre-hook writes its system state to (`wbadmin start systemstatebackup
 * -backupTarget:C:`): the DCs have their OS disk only, so the system volume, which wbadmin accepts once
 * `AllowSSBToAnyVolume` is set (client-step.ps1 sets it; https://learn.microsoft.com/troubleshoot/windows-server/backup-and-storage/backup-system-state-to-critical-volume).
 */
export const WINDOWS_SYSTEM_STATE_TARGET = "C:";
/** Where wbadmin puts it (`<target>\WindowsImageBackup\<host>`): the data set restic then backs up. */
export const WINDOWS_SYSTEM_STATE_DIR = "C:/WindowsImageBackup";

const hostName = z.string().min(1).max(63);
/** systemd OnCalendar with the time last (`*-*-* 01:30`, `Mon..Fri 22:00:00`): the planner staggers the time. */
const onCalendar = z
    .string()
    .regex(
        /^([A-Za-z.,]+ )?([0-9*][0-9*,./~-]* )?([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/,
        "must be a systemd OnCalendar expression ending with the time, such as `*-*-* 01:30` or `Mon..Fri 22:00:00`",
    );
const keep = (what: string, dflt: number) =>
    z
        .number()
        .int()
        .min(0)
        .max(1000)
        .default(dflt)
        .describe(`Snapshots kept, ${what} (restic forget --keep-${what.split(" ")[1]}). @default ${dflt}`);

export const backupSchema = z
    .object({
        host: hostName
            .optional()
            .describe(
                "The backup server: a host of billu:hosts with role backup (host code BKP, `PAR-BKP01`, Debian 12). @default the site's only host of role backup",
            ),
        schedule: onCalendar
            .default("*-*-* 01:00")
            .describe(
                "When the clients back up, as systemd OnCalendar with the time last; client n (in billu:hosts order) starts staggerMinutes * n later. " +
                    "Keep it clear of the VM image window (billu:vmBackup). @default *-*-* 01:00",
            ),
        staggerMinutes: z.number().int().min(0).max(120).default(10).describe("Minutes between two clients' start times. @default 10"),
        prune: onCalendar
            .default("*-*-* 06:00")
            .describe("When the backup server applies the retention (restic forget --prune), as systemd OnCalendar. @default *-*-* 06:00"),
        retention: z
            .object({ keepDaily: keep("per day", 7), keepWeekly: keep("per week", 4), keepMonthly: keep("per month", 12) })
            .strict()
            .default({})
            .describe("How many snapshots pruning keeps per client. @default 7 daily, 4 weekly, 12 monthly"),
        clients: z
            .array(hostName)
            .optional()
            .describe("Hosts that back up to the server. @default every stateful Debian host of the site but the backup server and the firewall"),
    })
    .strict()
    .describe("In-guest backups: restic on every host with state, to rclone serve restic --append-only over TLS on the host of role backup");

export type BackupConfig = z.output<typeof backupSchema>;

/** What the backup planner needs of a host (a subset of HostModel). */
export interface BackupHost {
    readonly name: string;
    readonly role: string;
    readonly os: string;
    readonly zone: string;
    readonly address: string;
    readonly stateful: boolean;
    readonly index: number;
}

/** A class of data a service declares (and the restore runbook's section). */
export type DataClass = "directory" | "files" | "mail" | "logs" | "database";

/** What a service declares a host keeps: `backup` requirements (model/services/types.ts BackupNeed). */
export interface BackupDataSet {
    readonly host: string;
    readonly dataClass: DataClass;
    /** Absolute paths restic backs up (ACLs and xattrs come with them). */
    readonly paths: readonly string[];
    /** A command of the client step run before restic (the DC's `samba-tool domain backup online`). */
    readonly preHook?: "samba-domain-backup" | "wbadmin-system-state";
    readonly why: string;
}

export interface BackupClient {
    readonly name: string;
    readonly zone: string;
    readonly address: string;
    /** Its repository's folder name on the server and its HTTP login (`par-dc01`). */
    readonly repository: string;
    /** The client's own start time: the schedule staggered. */
    readonly onCalendar: string;
    readonly os: "linux" | "windows";
    /** Windows: the scheduled task's trigger, the same time (`01:10`) on the same days (none: every day). */
    readonly task?: { readonly at: string; readonly days: readonly string[] };
}

export interface BackupPlan {
    readonly host: { readonly name: string; readonly zone: string; readonly address: string };
    /** The name the clients reach and authenticate the server by (its certificate's name). */
    readonly fqdn: string;
    readonly certificate: { readonly commonName: string; readonly dnsNames: readonly string[]; readonly ipAddresses: readonly string[] };
    readonly port: number;
    readonly repoRoot: string;
    readonly resultDir: string;
    readonly schedule: string;
    readonly prune: string;
    readonly retention: { readonly keepDaily: number; readonly keepWeekly: number; readonly keepMonthly: number };
    readonly clients: readonly BackupClient[];
    /** Hosts with state the in-guest backup cannot serve, and why (none since the Windows client exists; kept for the runbook). */
    readonly notCovered: readonly { readonly name: string; readonly why: string }[];
    readonly flows: readonly { readonly from: string; readonly to: string; readonly service: string; readonly why: string }[];
}

export interface BackupInput {
    readonly site: { readonly domain: string };
    readonly cfg: BackupConfig | undefined;
    readonly hosts: readonly BackupHost[];
    readonly zones: readonly { readonly name: string; readonly kind: string }[];
    readonly domain?: { readonly fqdn: string };
}

const isWindows = (os: string) => os.startsWith("windows");

/** The schedule's time of day in minutes (the schema guarantees the time is last). */
function startMinute(schedule: string): number {
    const m = /([01]?\d|2[0-3]):([0-5]\d)(:[0-5]\d)?$/.exec(schedule);
    return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
}

/** `*-*-* 01:00` shifted by minutes, or undefined past midnight (the day would change). */
export function staggered(schedule: string, minutes: number): string | undefined {
    const m = /^(.*?)([01]?\d|2[0-3]):([0-5]\d)(:[0-5]\d)?$/.exec(schedule);
    if (!m) return undefined;
    const total = Number(m[2]) * 60 + Number(m[3]) + minutes;
    if (total >= 24 * 60) return undefined;
    const hh = String(Math.floor(total / 60)).padStart(2, "0");
    const mm = String(total % 60).padStart(2, "0");
    return `${m[1]}${hh}:${mm}${m[4] ?? ""}`;
}

const WEEK = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/**
 * A staggered OnCalendar as a Windows scheduled task's trigger: its time and its week days (none: daily), or
 * undefined when it names dates (`*-*-01 01:00`), which a daily or weekly trigger cannot follow.
 */
export function windowsTrigger(onCalendar: string): { at: string; days: string[] } | undefined {
    const m = /^(?:([A-Za-z.,]+) )?(?:(\S+) )?([01]?\d|2[0-3]):([0-5]\d)(?::[0-5]\d)?$/.exec(onCalendar);
    if (!m || (m[2] !== undefined && m[2] !== "*-*-*")) return undefined;
    const at = `${m[3].padStart(2, "0")}:${m[4]}`;
    if (m[1] === undefined) return { at, days: [] };
    const days = new Set<string>();
    for (const part of m[1].split(",")) {
        const [a, b] = part.split("..").map((d) => WEEK.findIndex((w) => w.slice(0, 3).toLowerCase() === d.slice(0, 3).toLowerCase()));
        const end = b ?? a;
        if (a < 0 || end < 0) return undefined;
        for (let d = a; ; d = (d + 1) % 7) {
            days.add(WEEK[d]);
            if (d === end) break;
        }
    }
    return { at, days: WEEK.filter((d) => days.has(d)) };
}

/**
 * Checks `billu:backup` against the hosts and zones and derives the plan. Undefined when the site has no backup
 * server and no `billu:backup`, or when a problem was found.
 */
export function planBackup(input: BackupInput, problems: Problems): BackupPlan | undefined {
    const { hosts } = input;
    const before = problems.count;
    const servers = hosts.filter((h) => h.role === "backup");
    if (!input.cfg && servers.length === 0) return undefined;
    const cfg = input.cfg ?? backupSchema.parse({});
    const example = "add the backup server to billu:hosts (role: backup, os: debian-12, e.g. PAR-BKP01)";

    let host: BackupHost | undefined;
    if (cfg.host !== undefined) {
        host = hosts.find((h) => h.name === cfg.host);
        if (!host) {
            problems.add(
                "billu:backup.host",
                `${show(cfg.host)} is not a host of billu:hosts`,
                servers.length > 0 ? `name a host of role backup (${servers.map((h) => h.name).join(", ")})` : `${example} and name it here`,
            );
        } else if (host.role !== "backup") {
            problems.add(
                "billu:backup.host",
                `${show(cfg.host)} has role ${host.role}, not backup`,
                `give the backup server its own host of role backup (e.g. ${host.name.split("-")[0]}-BKP01)`,
            );
            host = undefined;
        }
    } else if (servers.length === 0) {
        problems.add("billu:hosts", "has no host of role backup, but billu:backup is set", `${example}, or remove billu:backup`);
    } else if (servers.length > 1) {
        problems.add(
            "billu:hosts",
            `has ${servers.length} hosts of role backup (${servers.map((h) => h.name).join(", ")}) and billu:backup.host names none`,
            "set billu:backup.host to the one that serves the repositories, or declare a single host of role backup",
        );
    } else {
        host = servers[0];
    }
    if (host) {
        const hp = (k: string) => `billu:hosts[${host!.index}].${k}`;
        if (isWindows(host.os))
            problems.add(hp("os"), `${show(host.os)} cannot run rclone serve restic as built here`, `use os: debian-12 for the backup server ${host.name}`);
        const kind = input.zones.find((z) => z.name === host!.zone)?.kind;
        if (kind !== undefined && kind !== "servers" && kind !== "management") {
            problems.add(
                hp("zone"),
                `${show(host.zone)} is a ${kind} zone, but ${host.name} is the backup server (it holds every host's data)`,
                `put the backup server in a servers or management zone (${input.zones
                    .filter((z) => z.kind === "servers" || z.kind === "management")
                    .map((z) => z.name)
                    .join(", ")})`,
            );
        }
    }

    const byName = new Map(hosts.map((h) => [h.name, h]));
    const seen = new Map<string, number>();
    cfg.clients?.forEach((n, i) => {
        const p = `billu:backup.clients[${i}]`;
        const h = byName.get(n);
        if (!h) problems.add(p, `${show(n)} is not a host of billu:hosts`, "name a host of billu:hosts (the names are case-sensitive)");
        else if (seen.has(n)) problems.add(p, `${show(n)} is already billu:backup.clients[${seen.get(n)}]`, "name each host once");
        else if (host && n === host.name) problems.add(p, `${show(n)} is the backup server itself`, `remove ${n} from billu:backup.clients`);
        seen.set(n, i);
    });
    if (problems.count > before || !host) return undefined;

    const server = host;
    const selected = cfg.clients
        ? hosts.filter((h) => cfg.clients!.includes(h.name))
        : hosts.filter((h) => h.stateful && h.name !== server.name && h.role !== "firewall");
    const linux = selected;
    const clients: BackupClient[] = [];
    linux.forEach((h, n) => {
        const at = staggered(cfg.schedule, n * cfg.staggerMinutes);
        if (at === undefined) {
            problems.add(
                "billu:backup.schedule",
                `${show(cfg.schedule)} staggered by ${cfg.staggerMinutes} minutes per client puts ${h.name} (client ${n + 1} of ${linux.length}) past midnight`,
                `start earlier, or lower billu:backup.staggerMinutes to at most ${Math.floor((24 * 60 - 1 - startMinute(cfg.schedule)) / Math.max(1, linux.length - 1))}`,
            );
            return;
        }
        if (!isWindows(h.os)) {
            clients.push({ name: h.name, zone: h.zone, address: h.address, repository: h.name.toLowerCase(), onCalendar: at, os: "linux" });
            return;
        }
        const task = windowsTrigger(at);
        if (!task) {
            problems.add(
                "billu:backup.schedule",
                `${show(cfg.schedule)} names dates, which the scheduled task of the Windows client ${h.name} cannot follow`,
                "use a daily time (`*-*-* 01:00`) or week days and a time (`Mon..Fri 22:00`)",
            );
            return;
        }
        clients.push({ name: h.name, zone: h.zone, address: h.address, repository: h.name.toLowerCase(), onCalendar: at, os: "windows", task });
    });
    if (problems.count > before) return undefined;
    const dnsDomain = (input.domain?.fqdn ?? input.site.domain).toLowerCase();
    const fqdn = `${server.name.toLowerCase()}.${dnsDomain}`;
    return {
        host: { name: server.name, zone: server.zone, address: server.address },
        fqdn,
        certificate: { commonName: fqdn, dnsNames: [fqdn], ipAddresses: [server.address] },
        port: RESTIC_REST_PORT,
        repoRoot: REPO_ROOT,
        resultDir: RESULT_DIR,
        schedule: cfg.schedule,
        prune: cfg.prune,
        retention: cfg.retention,
        clients,
        notCovered: [],
        flows: clients.map((c) => ({ from: c.name, to: server.name, service: RESTIC_REST_SERVICE, why: `${c.name} sends its backups to the backup server` })),
    };
}

/**
 * Every data set a service declared is on a host the plan backs up (or one it cannot serve, listed in notCovered):
 * else the problem names the host, what it keeps and the fix. A site without `billu:backup` is not checked here (a
 * lab's small stack may run without in-guest backups); the policy pack's rule says whether a stack must have them.
 */
export function checkBackupNeeds(plan: BackupPlan, sets: readonly BackupDataSet[], problems: Problems): void {
    const covered = new Set(plan.clients.map((c) => c.name));
    const excused = new Map(plan.notCovered.map((n) => [n.name, n.why]));
    const declared = new Set(sets.map((s) => s.host));
    for (const c of plan.clients) {
        if (declared.has(c.name)) continue;
        problems.add(
            "billu:backup.clients",
            `backs up ${c.name}, but no service of the site declares data on it (nothing to back up)`,
            `set billu:backup.clients to the hosts whose services keep data (${[...declared].join(", ") || "none on this site"})`,
        );
    }
    for (const s of sets) {
        if (covered.has(s.host) || excused.has(s.host)) continue;
        problems.add(
            "billu:backup.clients",
            `leaves out ${s.host}, which keeps ${s.dataClass} data to back up (${s.why})`,
            `add ${s.host} to billu:backup.clients, or remove billu:backup.clients to back up every stateful host`,
        );
    }
}
