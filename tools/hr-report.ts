/**
 * `npm run directory:hr-report -- --stack <name> --export <csv> [--out <dir>]`: what a new HR export would do to the
 * directory, for review before anything is applied (issue #27, the HR drop folder). The export is parsed and checked
 * by the program's own code (loadModel: the same parser, checks and messages as synth) and planned against the
 * committed lock by the same planner; the report (`<export name>.report.md` and `.json`, in --out, default the
 * export's folder) lists the people to create, move, disable and update, with their group changes, and counts the
 * unchanged. The previous attribute values (title, manager, ...) come from the committed export planned the same way.
 * It applies nothing and writes no lock. Exit 0 no change, 1 changes to review, 2 bad input (every bad line named,
 * no report written), 3 internal error.
 *
 * `--units <dir>` instead renders the systemd units of the drop folder (`billu:directory.hrDrop`) into <dir>: a .path
 * unit watching the folder and a oneshot service running scripts/hr-drop.sh (docs/services/directory.md).
 */
// Before anything loads @pulumi/pulumi, as synth does: a run loads only the SDK parts it uses (tools/defer-modules.ts).
import "./defer-modules";
import * as path from "path";
import { ALL_STAFF_GROUP, departmentGroup, DirectoryPlan, PersonPlan, serviceGroup } from "../model/directory";
import { DirectoryLock } from "../model/directory-lock";
import { InputError } from "../model/errors";
import { loadDirectoryLock, loadModel } from "../stacks/program";
import { checkReadableFile, checkStackName, writeFileAtomic } from "./paths";
import { EXIT, readBilluConfig } from "./synth";
import { directoryService } from "../model/services/directory";
import { configOf, planOf } from "../model/services/types";
import { statSync } from "fs";

/** Exit status of a report: nothing would change, or there are changes to review. */
export const REPORT_EXIT = { unchanged: 0, changes: 1 } as const;

export interface ReportOptions {
    stack: string;
    /** The new export. */
    export: string;
    /** Where the report goes. @default the export's folder */
    out?: string;
    config?: string;
    root?: string;
}

/** One person the plan changes, as the report shows it. */
export interface ReportChange {
    readonly action: "create" | "move" | "disable" | "update";
    readonly sam: string;
    readonly name: string;
    /** `Department / Service` before (absent for a hire). */
    readonly from?: string;
    /** `Department / Service` after, or `Departs` for a leaver. */
    readonly to: string;
    /** Attribute changes, `title: "A" -> "B"`; phone numbers are shown as changed, never their values. */
    readonly attributes: readonly string[];
    readonly groupsAdded: readonly string[];
    readonly groupsRemoved: readonly string[];
}

export interface HrReport {
    readonly stack: string;
    readonly export: string;
    readonly lock: string;
    readonly applied: false;
    readonly lockWritten: false;
    readonly summary: { create: number; move: number; update: number; disable: number; unchanged: number };
    readonly changes: readonly ReportChange[];
    readonly warnings: readonly string[];
}

/** Attributes shown with their values, and those (personal phone numbers) shown only as changed. */
const SHOWN: readonly [string, (p: PersonPlan) => string | undefined][] = [
    ["title", (p) => p.attributes?.title],
    ["company", (p) => p.attributes?.company],
    ["manager", (p) => p.manager ?? ""],
    ["computer", (p) => p.computer ?? ""],
];
const HIDDEN: readonly [string, (p: PersonPlan) => string | undefined][] = [
    ["telephoneNumber", (p) => p.attributes?.telephoneNumber],
    ["mobile", (p) => p.attributes?.mobile],
];

const place = (department: string, service: string) => `${department} / ${service}`;

/** The report: the new plan's actions (what `up` does, against the lock), detailed with the committed plan's values. */
export function buildReport(
    stack: string,
    exportName: string,
    lockName: string,
    lock: DirectoryLock,
    next: DirectoryPlan,
    committed: DirectoryPlan | undefined,
): HrReport {
    const before = new Map((committed?.people ?? []).map((p) => [p.identity, p]));
    const locked = new Map(lock.people.map((e) => [e.identity, e]));
    const changes: ReportChange[] = [];
    for (const p of next.people) {
        if (p.action === "none") continue;
        const old = before.get(p.identity);
        const attributes: string[] = [];
        if (p.action === "update" || p.action === "move") {
            if (old?.attributes && p.attributes) {
                for (const [k, get] of SHOWN) if (get(old) !== get(p)) attributes.push(`${k}: ${JSON.stringify(get(old))} -> ${JSON.stringify(get(p))}`);
                for (const [k, get] of HIDDEN) if (get(old) !== get(p)) attributes.push(`${k}: [changed]`);
                if (old.displayName !== p.displayName) attributes.push(`displayName: ${JSON.stringify(old.displayName)} -> ${JSON.stringify(p.displayName)}`);
            }
            // The lock's digest says something changed, but the committed export already holds these values (it was
            // committed without its lock): say so rather than show an update with nothing in it.
            if (p.action === "update" && attributes.length === 0) {
                attributes.push("attributes changed since the lock (the committed export does not hold the previous values)");
            }
        }
        // Where the person is before the up, and in which groups: the lock (what the actions are computed against).
        const entry = locked.get(p.identity);
        const from = !entry ? undefined : entry.left ? "Departs" : place(entry.department, entry.service);
        const oldGroups = !entry || entry.left ? [] : [ALL_STAFF_GROUP, departmentGroup(entry.department), serviceGroup(entry.department, entry.service)];
        const to = p.enabled ? place(p.department, p.service) : "Departs";
        changes.push({
            action: p.action,
            sam: p.sam,
            name: p.displayName,
            from,
            to,
            attributes,
            groupsAdded: p.groups.filter((g) => !oldGroups.includes(g)).sort(),
            groupsRemoved: oldGroups.filter((g) => !p.groups.includes(g)).sort(),
        });
    }
    const order = ["create", "move", "disable", "update"];
    changes.sort((a, b) => order.indexOf(a.action) - order.indexOf(b.action) || (a.sam < b.sam ? -1 : a.sam > b.sam ? 1 : 0));
    const s = next.summary;
    return {
        stack,
        export: exportName,
        lock: lockName,
        applied: false,
        lockWritten: false,
        summary: { create: s.create, move: s.move, update: s.update, disable: s.disable, unchanged: s.none },
        changes,
        warnings: [...next.warnings],
    };
}

/** One Markdown line per changed person. */
export function changeLine(c: ReportChange): string {
    const groups = [...c.groupsAdded.map((g) => `+${g}`), ...c.groupsRemoved.map((g) => `-${g}`)];
    const parts = [
        c.action === "create" ? `into ${c.to}` : c.action === "update" ? `in ${c.to}` : `${c.from ?? "?"} -> ${c.to}`,
        ...c.attributes,
        ...(groups.length ? [`groups ${groups.join(" ")}`] : []),
    ];
    return `- **${c.action}** \`${c.sam}\` ${c.name}: ${parts.join("; ")}`;
}

export function renderReportMarkdown(r: HrReport): string {
    const s = r.summary;
    const lines = [
        `# HR report: ${r.export} (stack ${r.stack})`,
        "",
        `Planned against the committed lock \`${r.lock}\` by the program's own planner. **Nothing was applied and no lock was written.**`,
        "To apply: commit the export as the stack's HR export, run `npm run directory:lock` and commit the lock, review `pulumi preview`, then `pulumi up`.",
        "",
        `${s.create} to create, ${s.move} to move, ${s.disable} to disable, ${s.update} to update, ${s.unchanged} unchanged.`,
        "",
    ];
    if (r.changes.length) lines.push("## Changes", "", ...r.changes.map(changeLine), "");
    else lines.push("No change: an `up` with this export would change nobody.", "");
    if (r.warnings.length) lines.push("## Warnings", "", ...r.warnings.map((w) => `- ${w}`), "");
    return lines.join("\n");
}

/** Plans the export against the lock and writes the report; returns the report and the files written. Throws InputError. */
export function writeReport(opts: ReportOptions): { report: HrReport; files: string[]; exitCode: number } {
    checkStackName(opts.stack);
    const root = path.resolve(opts.root ?? process.cwd());
    const exportFile = path.resolve(opts.export);
    checkReadableFile(exportFile, "--export", opts.export, "pass --export the path of a readable HR export (CSV separated by ;)");
    const out = path.resolve(opts.out ?? path.dirname(exportFile));
    let outIsDir = false;
    try {
        outIsDir = statSync(out).isDirectory();
    } catch {
        outIsDir = false;
    }
    if (!outIsDir)
        throw new InputError([{ path: "--out", message: `${JSON.stringify(opts.out ?? out)} is not a folder`, fix: "pass --out an existing folder" }]);
    const raw = readBilluConfig(path.resolve(root, opts.config ?? `Pulumi.${opts.stack}.yaml`));
    process.env.BILLU_PROJECT_ROOT = root;
    delete process.env.BILLU_DIRECTORY_LOCK;
    // The committed export first, for the previous values; a committed export that does not plan is no blocker.
    delete process.env.BILLU_HR_CSV;
    let committed: DirectoryPlan | undefined;
    try {
        committed = planOf(directoryService, loadModel(raw));
    } catch (e) {
        if (!(e instanceof InputError)) throw e;
    }
    process.env.BILLU_HR_CSV = exportFile;
    let model;
    try {
        model = loadModel(raw);
    } finally {
        delete process.env.BILLU_HR_CSV;
    }
    const next = planOf(directoryService, model);
    const cfg = configOf(directoryService, model.config);
    if (!next || !cfg) {
        throw new InputError([
            { path: "billu:directory", message: `is not set for stack ${opts.stack}`, fix: "set billu:directory.hrCsv and billu:directory.lock" },
        ]);
    }
    const report = buildReport(opts.stack, path.basename(exportFile), cfg.lock ?? "(no lock: everyone is new)", loadDirectoryLock(cfg.lock), next, committed);
    const base = path.basename(exportFile).replace(/\.csv$/i, "");
    const md = path.join(out, `${base}.report.md`);
    const json = path.join(out, `${base}.report.json`);
    writeFileAtomic(md, renderReportMarkdown(report));
    writeFileAtomic(json, JSON.stringify(report, null, 2) + "\n");
    return { report, files: [md, json], exitCode: report.changes.length ? REPORT_EXIT.changes : REPORT_EXIT.unchanged };
}

/**
 * The drop folder's systemd units. The management host is no host of the model (it runs the repository, not a VM the
 * program builds), so they are rendered as files for its admin to install, from billu:directory.hrDrop.
 * `repo` is where the repository is checked out and built on that host.
 */
export function renderHrDropUnits(hrDrop: string, stack: string, repo: string): Record<string, string> {
    return {
        "billu-hr-drop.path": [
            "[Unit]",
            `Description=BillU HR drop folder ${hrDrop} (a new export gets a review report)`,
            "",
            "[Path]",
            // PathChanged: a file closed after writing or moved in. The report written beside it triggers one more
            // run, which finds nothing new and ends.
            `PathChanged=${hrDrop}`,
            "Unit=billu-hr-drop.service",
            "",
            "[Install]",
            "WantedBy=paths.target",
            "",
        ].join("\n"),
        "billu-hr-drop.service": [
            "[Unit]",
            `Description=BillU HR report for new exports in ${hrDrop} (applies nothing)`,
            "",
            "[Service]",
            "Type=oneshot",
            `WorkingDirectory=${repo}`,
            `ExecStart=/bin/bash ${repo}/scripts/hr-drop.sh ${hrDrop} ${stack}`,
            "NoNewPrivileges=yes",
            "PrivateTmp=yes",
            "ProtectSystem=strict",
            `ReadWritePaths=${hrDrop}`,
            "",
        ].join("\n"),
    };
}

function parseArgs(argv: string[]): Partial<ReportOptions> & { units?: string; repo?: string } {
    const opts: Partial<ReportOptions> & { units?: string; repo?: string } = {};
    const flags: Record<string, "stack" | "export" | "out" | "config" | "units" | "repo"> = {
        "--stack": "stack",
        "--export": "export",
        "--out": "out",
        "--config": "config",
        "--units": "units",
        "--repo": "repo",
    };
    for (let i = 0; i < argv.length; i++) {
        const key = flags[argv[i]];
        const value = argv[i + 1];
        if (!key) throw new InputError([{ path: argv[i], message: "is not an option of directory:hr-report", fix: `use ${Object.keys(flags).join(", ")}` }]);
        if (value === undefined || value.startsWith("--")) throw new InputError([{ path: argv[i], message: "needs a value", fix: `write ${argv[i]} <value>` }]);
        opts[key] = value;
        i++;
    }
    if (!opts.stack)
        throw new InputError([{ path: "--stack", message: "is required", fix: "name the stack: npm run directory:hr-report -- --stack dev --export <csv>" }]);
    if (!opts.export && !opts.units) throw new InputError([{ path: "--export", message: "is required", fix: "name the new HR export: --export <csv>" }]);
    return opts;
}

function writeUnits(stack: string, dir: string, repo: string | undefined, config: string | undefined): string[] {
    checkStackName(stack);
    const root = process.cwd();
    const raw = readBilluConfig(path.resolve(root, config ?? `Pulumi.${stack}.yaml`));
    const model = loadModel(raw);
    const hrDrop = configOf(directoryService, model.config)?.hrDrop;
    if (!hrDrop) {
        throw new InputError([
            {
                path: "billu:directory.hrDrop",
                message: `is not set for stack ${stack}`,
                fix: "set billu:directory.hrDrop to the drop folder (e.g. /srv/billu/hr-drop)",
            },
        ]);
    }
    const target = repo ?? "/opt/billu-infra";
    if (!/^\/[A-Za-z0-9._/-]+$/.test(target)) {
        throw new InputError([
            { path: "--repo", message: `${JSON.stringify(target)} is not an absolute path of safe characters`, fix: "--repo /opt/billu-infra" },
        ]);
    }
    const files: string[] = [];
    for (const [name, text] of Object.entries(renderHrDropUnits(hrDrop, stack, target))) {
        const f = path.join(path.resolve(dir), name);
        writeFileAtomic(f, text);
        files.push(f);
    }
    return files;
}

/** The CLI. Sets process.exitCode and returns (never process.exit: a pipe gets every byte of a long error list). */
function main(argv: string[]): void {
    try {
        const o = parseArgs(argv);
        if (o.units) {
            const files = writeUnits(o.stack!, o.units, o.repo, o.config);
            process.stdout.write(`directory:hr-report: wrote ${files.join(", ")}\n`);
            process.exitCode = EXIT.ok;
            return;
        }
        const r = writeReport(o as ReportOptions);
        const s = r.report.summary;
        process.stdout.write(
            `directory:hr-report: ${s.create} to create, ${s.move} to move, ${s.disable} to disable, ${s.update} to update, ${s.unchanged} unchanged; ` +
                `wrote ${r.files.join(", ")} (nothing applied, no lock written)\n`,
        );
        process.exitCode = r.exitCode;
    } catch (e) {
        if (e instanceof InputError) {
            process.stderr.write(`directory:hr-report: ${e.message}\n`);
            process.exitCode = EXIT.input;
            return;
        }
        process.stderr.write(`directory:hr-report: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
        process.exitCode = EXIT.internal;
    }
}

/** The command line: `node dist/tools/hr-report.js <argv>` runs this. */
export const cli = main;

if (require.main === module) cli(process.argv.slice(2));
