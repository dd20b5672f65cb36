/**
 * The directory drift check on a schedule (issue #27, `billu:directory.drift`): what the directory step installs on
 * the first DC beside the plan and the applier. Pure renderers, no Pulumi.
 *
 * - Samba: a oneshot service that runs `apply_samba.py --check --result <resultPath>` and a timer (OnCalendar = the
 *   model's schedule, Persistent), enabled by scripts/directory/drift-timer.sh. Exit 1 (drift) is a result, not a
 *   failure (`SuccessExitStatus=1`): the unit is not "failed" because someone edited AD, and systemd's own failure
 *   alerts stay for a check that could not run (2 bad plan, 3 directory unreadable). Each difference line goes to
 *   the journal under `SyslogIdentifier=billu-directory-drift`, which rsyslog forwards to the log collector with
 *   every other line (`*.*`, components/logs/render.ts).
 * - Windows: a scheduled task as SYSTEM that runs `Apply-Directory.ps1 -Check -ResultPath <resultPath>` every
 *   interval (scripts/directory/drift-task.ps1).
 * The verdict file is what Zabbix reads (components/monitoring/zabbix-config.ts, template "BillU directory drift").
 */
import { readFileSync } from "fs";
import * as path from "path";
import type { DriftPlan } from "../../model/directory-drift";
import { scheduleIsoDuration } from "../../model/directory-drift";
import { generatedHeader } from "../header";
import { GuestFile } from "../guest-step/render";
import { repoPath } from "../paths";

export const DRIFT_UNIT = "billu-directory-drift";
/** The journal's (and so the log collector's) tag of every line the check prints. */
export const DRIFT_SYSLOG_IDENTIFIER = "billu-directory-drift";
export const DRIFT_TASK = "BillU directory drift";

export const DRIFT_PATHS = {
    service: `/etc/systemd/system/${DRIFT_UNIT}.service`,
    timer: `/etc/systemd/system/${DRIFT_UNIT}.timer`,
    windowsTask: "C:/ProgramData/billu/directory/drift-task.ps1",
} as const;

/** The unit's command: the installed applier's check against the installed plan, writing the verdict. */
export function driftCommand(plan: DriftPlan, paths: { readonly applier: string; readonly plan: string }): string {
    return `/usr/bin/python3 ${paths.applier} --plan ${paths.plan} --check --result ${plan.resultPath}`;
}

export function renderDriftService(plan: DriftPlan, paths: { readonly applier: string; readonly plan: string }): string {
    return [
        generatedHeader("#", { from: "billu:directory.drift", what: "the directory drift check (issue #27)." }),
        "[Unit]",
        "Description=BillU directory drift check (apply_samba.py --check, writes nothing)",
        "After=samba-ad-dc.service",
        "",
        "[Service]",
        "Type=oneshot",
        `ExecStart=${driftCommand(plan, paths)}`,
        "# Exit 1 is drift: a result for monitoring, not a failure of the unit (2 bad plan and 3 directory unreadable are).",
        "SuccessExitStatus=1",
        "# Each difference line reaches the journal under this tag, and rsyslog forwards it to the log collector.",
        `SyslogIdentifier=${DRIFT_SYSLOG_IDENTIFIER}`,
        "StandardOutput=journal",
        "StandardError=journal",
        "",
    ].join("\n");
}

export function renderDriftTimer(plan: DriftPlan): string {
    return [
        generatedHeader("#", {
            from: "billu:directory.drift",
            what: `the directory drift check every ${plan.intervalSeconds} s (${plan.schedule}).`,
        }),
        "[Unit]",
        "Description=BillU directory drift check on a schedule",
        "",
        "[Timer]",
        `OnCalendar=${plan.schedule}`,
        // A check missed while the DC was off runs at boot, so the verdict's age stays under monitoring's bound.
        "Persistent=true",
        `Unit=${DRIFT_UNIT}.service`,
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ].join("\n");
}

/** The Samba DC's drift files: the two units. */
export function sambaDriftFiles(plan: DriftPlan, paths: { readonly applier: string; readonly plan: string }): GuestFile[] {
    return [
        { path: DRIFT_PATHS.service, content: renderDriftService(plan, paths) },
        { path: DRIFT_PATHS.timer, content: renderDriftTimer(plan) },
    ];
}

/** The data drift-timer.sh reads: the folder of the verdict (made readable by the Zabbix agent). */
export function sambaDriftData(plan: DriftPlan): Record<string, string> {
    return { DRIFT_RESULT_DIR: path.posix.dirname(plan.resultPath), DRIFT_UNIT };
}

/** The Windows DC's drift file: the task's functions (the step calls Register-BilluDriftTask). */
export function windowsDriftFiles(): GuestFile[] {
    return [{ path: DRIFT_PATHS.windowsTask, content: readFileSync(repoPath("scripts", "directory", "drift-task.ps1"), "utf8") }];
}

/** The data the Windows step's call reads: the task's name, the applier, the plan, the verdict, the interval. */
export function windowsDriftData(plan: DriftPlan, paths: { readonly applier: string; readonly plan: string }): Record<string, string> {
    return {
        DRIFT_TASK,
        DRIFT_APPLIER: paths.applier,
        DRIFT_PLAN: paths.plan,
        DRIFT_RESULT: plan.resultPath,
        DRIFT_INTERVAL: scheduleIsoDuration(plan.intervalSeconds),
    };
}
