/**
 * The recovery point objective (RPO) per class of data, generated from each committed stack's model: the VM images'
 * jobs (`billu:vmBackup`, their schedule) and the in-guest backups (`billu:backup`, each client's staggered timer),
 * held against the data the services declare (the requirements channel's `backup` kind) and the stateful hosts.
 * The RPO of a copy is the longest time between two of its runs, read off its schedule; the RPO of a data set is
 * the best of its copies.
 *
 * `npm run docs:rpo` writes docs/rpo.md; a unit test fails when the committed page differs from what this renders
 * (a schedule, a host or a stack file changed: run the command and commit the page).
 */
import { readdirSync } from "fs";
import * as path from "path";
import type { BackupPlan, DataClass } from "../../model/backup";
import { InputError, formatProblem } from "../../model/errors";
import type { SiteModel } from "../../model/site";
import type { VmBackupPlan } from "../../model/vm-backup";
import { loadModel } from "../../stacks/program";
import { writeFileAtomic } from "../paths";
import { readBilluConfig } from "../stack-config";
import { table } from "./render";

/** The committed page, relative to the project root. */
export const RPO_FILE = "docs/rpo.md";
/** The command that rewrites it. */
export const RPO_COMMAND = "npm run docs:rpo";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** The week days a `Mon..Fri` / `Mon,Wed` / `sat` list names (indexes into DAYS), or undefined when it is not one. */
function weekDays(spec: string): number[] | undefined {
    const out = new Set<number>();
    for (const part of spec.toLowerCase().split(",")) {
        const [a, b] = part.split("..");
        const i = DAYS.indexOf(a.slice(0, 3));
        const j = b === undefined ? i : DAYS.indexOf(b.slice(0, 3));
        if (i < 0 || j < 0) return undefined;
        for (let d = i; ; d = (d + 1) % 7) {
            out.add(d);
            if (d === j) break;
        }
    }
    return [...out].sort((x, y) => x - y);
}

/**
 * The longest time between two runs of a schedule that runs once on the days it names, in hours: a Proxmox calendar
 * event (`01:00`, `mon..fri 02:30`) or a systemd OnCalendar (`*-*-* 01:10`, `Mon..Fri 22:00:00`). Undefined for
 * anything else (several times a day, a date): the page then shows the schedule alone.
 */
export function rpoHours(schedule: string): number | undefined {
    const m = /^(?:([A-Za-z.,]+) )?(?:\*-\*-\* )?([01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?$/.exec(schedule.trim());
    if (!m) return undefined;
    if (m[1] === undefined) return 24;
    const days = weekDays(m[1]);
    if (!days || days.length === 0) return undefined;
    const gaps = days.map((d, k) => ((days[(k + 1) % days.length] - d + 7) % 7 || 7) * 24);
    return Math.max(...gaps);
}

const rpoText = (hours: number | undefined) => (hours === undefined ? "see the schedule" : `${hours} h`);

/** The classes of data the page lists, in order, with the words a reader knows them by. */
const CLASSES: readonly { readonly dataClass: DataClass; readonly title: string }[] = [
    { dataClass: "directory", title: "AD (the directory)" },
    { dataClass: "files", title: "shares" },
    { dataClass: "mail", title: "mailboxes" },
    { dataClass: "database", title: "databases" },
    { dataClass: "logs", title: "collected logs" },
];

/** One stack's table: the VM images, then each class of data, host by host, with its copies and its RPO. */
export function rpoRows(model: SiteModel): string[][] {
    const images = model.plan<VmBackupPlan>("vm-backup");
    const inGuest = model.plan<BackupPlan>("backup");
    const jobOf = (host: string) => images?.jobs.find((j) => j.vms.some((v) => v.name === host));
    const imageCell = (host: string) => {
        const job = jobOf(host);
        return job ? `\`${job.id}\` at \`${job.schedule}\`` : "none";
    };
    const best = (...h: (number | undefined)[]) => {
        const known = h.filter((x): x is number => x !== undefined);
        return known.length > 0 ? Math.min(...known) : undefined;
    };
    const rows: string[][] = [];
    if (!images || images.jobs.length === 0) {
        rows.push(["VM images", "-", "-", "none: billu:vmBackup is not set", "no copy"]);
    } else {
        for (const j of images.jobs) {
            rows.push(["VM images", j.vms.map((v) => v.name).join(", "), "-", `\`${j.id}\` at \`${j.schedule}\``, rpoText(rpoHours(j.schedule))]);
        }
    }
    for (const { dataClass, title } of CLASSES) {
        const sets = model.backups.filter((s) => s.dataClass === dataClass);
        const hosts = [...new Set(sets.map((s) => s.host))];
        // A DC whose flavor declares no in-guest data set (Windows) still holds the directory: its image is its copy.
        if (dataClass === "directory") for (const dc of model.hostsByRole("dc")) if (!hosts.includes(dc.name)) hosts.push(dc.name);
        if (hosts.length === 0) rows.push([title, "-", "none declared on this stack", "-", "-"]);
        for (const host of hosts) {
            const client = inGuest?.clients.find((c) => c.name === host);
            const declared = sets.some((s) => s.host === host);
            const guestCell = client
                ? `restic at \`${client.onCalendar}\``
                : declared
                  ? "none (no backup server on this stack)"
                  : "none (no in-guest client for this host)";
            const hours = best(client ? rpoHours(client.onCalendar) : undefined, jobOf(host) ? rpoHours(jobOf(host)!.schedule) : undefined);
            const copies = client || jobOf(host);
            rows.push([title, host, guestCell, imageCell(host), copies ? rpoText(hours) : "no copy"]);
        }
    }
    return rows;
}

/** The committed stacks (`Pulumi.<stack>.yaml` beside Pulumi.yaml), in name order. */
export function committedStacks(root: string): string[] {
    return readdirSync(root)
        .flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? [])
        .sort();
}

/** docs/rpo.md: one table per committed stack. */
export function renderRpoPage(stacks: readonly { readonly name: string; readonly model: SiteModel }[]): string {
    const lines = [
        "# Recovery point objective per class of data",
        "",
        `<!-- Generated from each committed stack's model by ${RPO_COMMAND} (tools/docs/rpo.ts). Do not edit: change billu:vmBackup.schedule, billu:backup.schedule or the hosts, and run the command. -->`,
        "",
        "The RPO is the most data a loss can cost: the longest time between two copies, read off the schedules of the",
        "VM images' jobs (`billu:vmBackup.schedule`, a Proxmox calendar event, docs/services/vm-backup.md) and of the",
        "in-guest backups (`billu:backup.schedule`, each client's systemd timer staggered by `staggerMinutes`,",
        "docs/services/backup.md). A data set's RPO is the best of its copies; the in-guest copy is the one that",
        "restores a single mailbox, share folder or AD object, the image restores the whole machine as it was.",
        "",
    ];
    for (const s of stacks) {
        lines.push(`## ${s.name}`, "", table(["data", "host", "in-guest copy", "VM image", "RPO"], rpoRows(s.model)), "");
    }
    return lines.join("\n");
}

/** Every committed stack's model, as the program builds it. */
export function committedModels(root: string): { name: string; model: SiteModel }[] {
    process.env.BILLU_PROJECT_ROOT ??= root;
    return committedStacks(root).map((name) => ({ name, model: loadModel(readBilluConfig(path.join(root, `Pulumi.${name}.yaml`))) }));
}

function main(): number {
    const root = path.join(__dirname, "..", "..", "..");
    try {
        writeFileAtomic(path.join(root, RPO_FILE), renderRpoPage(committedModels(root)));
    } catch (e) {
        if (e instanceof InputError) {
            process.stderr.write(`rpo: ${e.problems.map(formatProblem).join("\n")}\n`);
            return 2;
        }
        throw e;
    }
    process.stdout.write(`rpo: wrote ${RPO_FILE}\n`);
    return 0;
}

if (require.main === module) {
    try {
        process.exitCode = main();
    } catch (e) {
        process.stderr.write(`rpo: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
        process.exitCode = 3;
    }
}
