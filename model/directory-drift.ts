/**
 * The directory drift check on a schedule (`billu:directory.drift`, issue #27): how often the first DC runs the
 * applier's check mode, where it writes its verdict for monitoring, and how long monitoring tolerates drift outside
 * the privileged groups. Pure: the schema (its `.describe()` text and defaults are the configuration reference) and
 * the derived DriftPlan the renderers (the systemd units, the scheduled task, the Zabbix template) read.
 *
 * Only fixed-interval schedules are accepted, because monitoring derives "the check has not run" from the interval
 * (`{$BILLU.DRIFT.MAXAGE}`): a calendar such as `Mon..Fri 08:00` has gaps of three days that no single bound fits. The
 * forms and their intervals are checked against `systemd-analyze calendar` in __tests__/model/directory-drift.test.ts.
 */
import { z } from "zod";

/** Where the verdict goes when the model names no path: readable by the Zabbix agent, apart from the 0600 plan. */
export const DEFAULT_RESULT_PATH = { samba: "/var/lib/billu/drift/directory.json", windows: "C:/ProgramData/billu/drift/directory.json" } as const;

/** The accepted forms, as the error message and the reference list them. */
export const SCHEDULE_FORMS =
    "hourly, daily, *:0/<minutes> (every 1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 minutes) or 0/<hours>:00 (every 1, 2, 3, 4, 6, 8 or 12 hours)";

/**
 * The interval in seconds of a fixed-interval schedule (a systemd OnCalendar expression), or undefined when the
 * expression is not one of SCHEDULE_FORMS. A step must divide its unit (60 minutes, 24 hours): `*:0/7` fires at
 * :00, :07, ... :56 and then :00 again after 4 minutes, not a fixed interval.
 */
export function scheduleIntervalSeconds(schedule: string): number | undefined {
    if (schedule === "hourly") return 3600;
    if (schedule === "daily") return 86400;
    let m = /^\*:0\/([1-9][0-9]?)$/.exec(schedule);
    if (m) {
        const n = Number(m[1]);
        return n < 60 && 60 % n === 0 ? n * 60 : undefined;
    }
    m = /^0\/([1-9][0-9]?):00$/.exec(schedule);
    if (m) {
        const n = Number(m[1]);
        return n < 24 && 24 % n === 0 ? n * 3600 : undefined;
    }
    return undefined;
}

/** The same interval as a Windows scheduled task's repetition (ISO 8601 duration, what New-ScheduledTaskTrigger takes as a TimeSpan). */
export function scheduleIsoDuration(seconds: number): string {
    return seconds % 3600 === 0 ? `PT${seconds / 3600}H` : `PT${seconds / 60}M`;
}

const resultPath = z
    .string()
    .max(200)
    .superRefine((v, ctx) => {
        if (!/^(\/|[A-Z]:\/)[A-Za-z0-9._/-]+\.json$/.test(v) || v.split("/").includes(".."))
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                message: "is not an absolute path of a .json file",
                params: {
                    fix: `name it from the root (${DEFAULT_RESULT_PATH.samba} on a Samba DC, ${DEFAULT_RESULT_PATH.windows} on a Windows one: forward slashes, letters, digits, . _ - only, no ..)`,
                },
            });
    });

export const driftSchema = z
    .object({
        schedule: z
            .string()
            .max(32)
            .superRefine((v, ctx) => {
                if (scheduleIntervalSeconds(v) === undefined)
                    ctx.addIssue({
                        code: z.ZodIssueCode.custom,
                        message: "is not a fixed-interval schedule (monitoring derives its staleness bound from the interval)",
                        params: { fix: `use one of ${SCHEDULE_FORMS}` },
                    });
            })
            .default("hourly")
            .describe(
                `How often the first DC checks the directory against the plan (a systemd OnCalendar expression; on Windows the same interval): ${SCHEDULE_FORMS}. Default: hourly.`,
            ),
        graceMinutes: z
            .number()
            .int()
            .min(1)
            .max(10080)
            .default(120)
            .describe(
                "How long drift outside the privileged groups may last before monitoring raises a warning (minutes, 1 to 10080). Drift in a privileged group raises a high problem at once. Default: 120.",
            ),
        resultPath: resultPath
            .optional()
            .describe(
                `Where the check writes its verdict for monitoring (JSON: checkedAt, drift, privilegedDrift, differences). Default: ${DEFAULT_RESULT_PATH.samba} on a Samba DC, ${DEFAULT_RESULT_PATH.windows} on a Windows one.`,
            ),
        reader: z
            .string()
            .regex(/^[a-z][a-z0-9-]{0,19}$/, "must be a sAMAccountName of at most 20 lowercase letters, digits or dashes (no dot: HR accounts have one)")
            .default("svc-drift-read")
            .describe(
                "The read-only account `npm run directory:drift` binds as from a management host (over LDAPS): created by the directory step in the " +
                    "acceptance account's OU, in no group but Domain Users, its password a generated secret (the secret stack output driftReaderPassword). Default: svc-drift-read.",
            ),
    })
    .strict()
    .default({})
    .describe("The directory drift check on a schedule on the first DC, and its monitoring (issue #27).");

export type DriftConfig = z.output<typeof driftSchema>;

/** The drift check as the renderers need it. */
export interface DriftPlan {
    /** The systemd OnCalendar expression (`hourly`). */
    readonly schedule: string;
    /** Its interval, seconds (3600 for hourly). */
    readonly intervalSeconds: number;
    /** Drift outside the privileged groups tolerated this long before a warning, seconds. */
    readonly graceSeconds: number;
    /**
     * A verdict older than this is a warning ("the check has not run"): two intervals and two minutes (7320 s for
     * hourly), so one missed run (a reboot at the wrong time) is tolerated and a second is not.
     */
    readonly maxAgeSeconds: number;
    /** The verdict file on the first DC. */
    readonly resultPath: string;
}

/**
 * The read-only account of `npm run directory:drift` (`billu:directory.drift.reader`): an account outside the HR
 * export, in the acceptance account's OU, in no group but Domain Users (which reads every attribute the check compares
 * on a default AD or Samba domain: proven in labs/directory), its password a generated secret nobody has to change.
 */
export interface DriftReaderPlan {
    readonly sam: string;
    readonly upn: string;
    readonly cn: string;
    readonly dn: string;
}

/** The plan of a validated config, for the first DC's flavor. */
export function planDrift(cfg: Pick<DriftConfig, "schedule" | "graceMinutes" | "resultPath">, flavor: "samba" | "windows"): DriftPlan {
    const intervalSeconds = scheduleIntervalSeconds(cfg.schedule)!;
    return {
        schedule: cfg.schedule,
        intervalSeconds,
        graceSeconds: cfg.graceMinutes * 60,
        maxAgeSeconds: 2 * intervalSeconds + 120,
        resultPath: cfg.resultPath ?? DEFAULT_RESULT_PATH[flavor],
    };
}
