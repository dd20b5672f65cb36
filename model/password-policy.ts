/**
 * The domain's password and lockout policy, its fine-grained password policies (PSOs) and the logon hours of the
 * directory's groups (`billu:directory.accountPolicy`, issue #17). Pure: the schema, the checks against the
 * directory plan (through Problems, naming the key path) and the resolved plan the directory step applies.
 *
 * Logon hours: AD's `logonHours` is 21 bytes, one bit per hour of the week in UTC, starting Sunday 00:00 UTC, the
 * least significant bit of each byte first ([MS-ADA1] Logon-Hours; [MS-SAMR] 2.2.7.5 SAMPR_LOGON_HOURS). The config
 * writes hours in the site's time zone; a zone with daylight saving time has two UTC offsets a year, and the bitmap
 * cannot follow them. The rule here: an hour is allowed when it is inside the declared window under ANY offset the
 * zone uses (sampled on the 1st of every month of REFERENCE_YEAR), so the declared hours are always allowed and the
 * window is one hour wider at one end during part of the year (Europe/Paris, Mon-Fri 07:00-20:00: 06:00-20:00 local
 * in winter, 07:00-21:00 in summer). docs/services/account-policy.md says so.
 */
import { z } from "zod";
import { Problems, show } from "./errors";

export const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Day = (typeof DAYS)[number];
/** The year whose UTC offsets a time zone is sampled in (fixed: the same config always renders the same bitmap). */
export const REFERENCE_YEAR = 2026;
/** Groups of the domain that are admins: a PSO may name them, logon hours never do. */
export const ADMIN_GROUPS = ["Domain Admins"] as const;
export const LOGON_HOURS_BYTES = 21;

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const settingsShape = {
    minLength: int(0, 255).describe("Minimum password length (characters)."),
    complexity: z.boolean().describe("Whether passwords must hold 3 of AD's 4 character classes and not the account name."),
    history: int(0, 24).describe("How many previous passwords may not be reused."),
    maxAgeDays: int(0, 999).describe("Maximum password age in days (0: never expires)."),
    minAgeDays: int(0, 998).describe("Minimum password age in days (0: may be changed at once); below maxAgeDays."),
    lockoutThreshold: int(0, 999).describe("Wrong passwords that lock the account (0: never locks)."),
    lockoutDurationMinutes: int(0, 99999).describe("How long a locked account stays locked, in minutes (0: until an admin unlocks it)."),
    lockoutWindowMinutes: int(1, 99999).describe("After how many minutes the count of wrong passwords starts again; at most lockoutDurationMinutes."),
};
const settingsSchema = z.object(settingsShape).strict();
export type PasswordSettings = z.output<typeof settingsSchema>;
export const SETTING_KEYS = Object.keys(settingsShape) as (keyof PasswordSettings)[];

const hour = z
    .string()
    .regex(/^(?:[01][0-9]|2[0-4]):00$/, "must be a whole hour HH:00 (00:00 to 24:00): logonHours has one bit per hour")
    .refine((s) => s <= "24:00", "must be at most 24:00");

export const passwordPolicySchema = z
    .object({
        domain: settingsSchema
            .extend({
                minLength: int(0, 14).describe("Minimum password length (characters), at most 14: AD's limit for the domain policy (a PSO may ask up to 255)."),
            })
            .describe("The domain's own password and lockout policy (every account without a PSO)."),
        psos: z
            .array(
                z
                    .object({
                        name: z
                            .string()
                            .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "must be letters, digits, _ or - (at most 64)")
                            .describe("The PSO's name (its cn in CN=Password Settings Container)."),
                        precedence: int(1, 2147483647).describe("Lower wins when several PSOs apply to one account; unique."),
                        ...Object.fromEntries(
                            Object.entries(settingsShape).map(([k, s]) => [k, s.optional().describe(`${s.description} Default: the domain's value.`)]),
                        ),
                        appliesTo: z
                            .array(z.string().min(1))
                            .min(1)
                            .describe(
                                "Groups (a group of the directory plan, Domain Admins, billu:domain.linuxLogin's groups) or service accounts " +
                                    "(the acceptance account, billu:domain.joinAccount) it applies to.",
                            ),
                    })
                    .strict(),
            )
            .default([])
            .describe("Fine-grained password policies (PSOs). Default: none."),
        logonHours: z
            .object({
                timeZone: z.string().min(1).describe("The IANA time zone the hours are written in (Europe/Paris)."),
                groups: z
                    .array(
                        z
                            .object({
                                group: z.string().min(1).describe("A group of the directory plan (GG_Personnel, GG_<Department>, ...)."),
                                windows: z
                                    .array(
                                        z
                                            .object({
                                                days: z.array(z.enum(DAYS)).min(1).describe("Days of the week (sun ... sat)."),
                                                from: hour.describe("Start, local time (HH:00)."),
                                                to: hour.describe("End, local time (HH:00, after from; 24:00 is midnight)."),
                                            })
                                            .strict(),
                                    )
                                    .min(1)
                                    .describe("When its members may log on; outside them, never."),
                            })
                            .strict(),
                    )
                    .min(1)
                    .describe("Groups whose members may log on only at these hours; an account in none of them has no logonHours (any hour)."),
            })
            .strict()
            .optional()
            .describe("Logon hours per group, set as each member's logonHours attribute by the directory step. Default: none."),
    })
    .strict()
    .describe("The domain password and lockout policy, PSOs and logon hours (docs/services/account-policy.md).");

export type PasswordPolicyConfig = z.output<typeof passwordPolicySchema>;

export interface PsoPlan extends PasswordSettings {
    readonly name: string;
    readonly precedence: number;
    readonly appliesTo: readonly string[];
}

export interface PasswordPolicyPlan {
    readonly domain: PasswordSettings;
    /** By precedence. */
    readonly psos: readonly PsoPlan[];
    /** Absent: the directory step leaves every logonHours as it is. */
    readonly logonHours?: {
        readonly timeZone: string;
        /** The zone's UTC offsets in REFERENCE_YEAR, minutes east of UTC, ascending. */
        readonly offsetsMinutes: readonly number[];
        /** Per group: the 21 bytes as 42 lower-case hex digits. */
        readonly groups: readonly { readonly group: string; readonly hex: string }[];
        /** Per account of the plan with hours (enabled people in one of the groups), by account name. */
        readonly accounts: Readonly<Record<string, string>>;
    };
}

/** What the checks need of the directory plan. */
export interface PolicyDirectory {
    readonly groups: readonly { readonly sam: string }[];
    readonly people: readonly { readonly sam: string; readonly enabled: boolean; readonly groups: readonly string[] }[];
    /** Service accounts a PSO may name (the acceptance account, the join account). */
    readonly serviceAccounts: readonly string[];
    /** Groups the domain step creates (billu:domain.linuxLogin). */
    readonly domainGroups: readonly string[];
}

/** The UTC offsets (minutes east) of a time zone over REFERENCE_YEAR; undefined for a zone Intl does not know. */
export function zoneOffsets(timeZone: string): number[] | undefined {
    let fmt: Intl.DateTimeFormat;
    try {
        fmt = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" });
    } catch {
        return undefined;
    }
    const out = new Set<number>();
    for (let month = 0; month < 12; month++) {
        const name = fmt.formatToParts(new Date(Date.UTC(REFERENCE_YEAR, month, 1, 12))).find((p) => p.type === "timeZoneName")?.value ?? "";
        const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
        if (!m) return undefined;
        out.add(m[1] ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0);
    }
    return [...out].sort((a, b) => a - b);
}

/**
 * The logonHours bytes of local-time windows under the given UTC offsets (whole hours): hour `h` of day `d` (local)
 * is UTC hour `d*24 + h - offset`, modulo the week; bit `u % 8` of byte `u / 8`, least significant first.
 */
export function logonHoursBytes(windows: readonly { days: readonly Day[]; from: string; to: string }[], offsetsMinutes: readonly number[]): Uint8Array {
    const bytes = new Uint8Array(LOGON_HOURS_BYTES);
    for (const w of windows) {
        const from = Number(w.from.slice(0, 2));
        const to = Number(w.to.slice(0, 2));
        for (const day of w.days) {
            const d = DAYS.indexOf(day);
            for (let h = from; h < to; h++) {
                for (const off of offsetsMinutes) {
                    const u = (((d * 24 + h - off / 60) % 168) + 168) % 168;
                    bytes[u >> 3] |= 1 << (u & 7);
                }
            }
        }
    }
    return bytes;
}

export function toHex(bytes: Uint8Array): string {
    return Buffer.from(bytes).toString("hex");
}

/** Checks the policy against the directory plan and resolves it (PSO defaults, logon hours per account). */
export function planPasswordPolicy(cfg: PasswordPolicyConfig, dir: PolicyDirectory, problems: Problems): PasswordPolicyPlan | undefined {
    const at = "billu:directory.accountPolicy";
    const before = problems.count;
    checkSettings(cfg.domain, `${at}.domain`, problems);

    const planGroups = new Set(dir.groups.map((g) => g.sam.toLowerCase()));
    const psoTargets = new Map<string, string>();
    for (const n of [...dir.groups.map((g) => g.sam), ...ADMIN_GROUPS, ...dir.domainGroups, ...dir.serviceAccounts]) psoTargets.set(n.toLowerCase(), n);
    const psos: PsoPlan[] = cfg.psos.map((p, i) => {
        const settings = Object.fromEntries(SETTING_KEYS.map((k) => [k, (p as Record<string, unknown>)[k] ?? cfg.domain[k]])) as unknown as PasswordSettings;
        checkSettings(settings, `${at}.psos[${i}]`, problems);
        const seen = new Set<string>();
        p.appliesTo.forEach((t, j) => {
            if (!psoTargets.has(t.toLowerCase()))
                problems.add(
                    `${at}.psos[${i}].appliesTo[${j}]`,
                    `${show(t)} is no group of the directory plan, no admin group and no service account`,
                    `name one of: a directory group (GG_Personnel, GG_<Department>, ...), ${[...ADMIN_GROUPS, ...dir.domainGroups, ...dir.serviceAccounts].join(", ")}`,
                );
            else if (seen.has(t.toLowerCase()))
                problems.add(`${at}.psos[${i}].appliesTo[${j}]`, `${show(t)} is listed twice`, "list each group or account once");
            seen.add(t.toLowerCase());
        });
        return { name: p.name, precedence: p.precedence, ...settings, appliesTo: p.appliesTo.map((t) => psoTargets.get(t.toLowerCase()) ?? t) };
    });
    cfg.psos.forEach((p, i) => {
        const j = cfg.psos.findIndex((q) => q.name.toLowerCase() === p.name.toLowerCase());
        if (j < i) problems.add(`${at}.psos[${i}].name`, `${show(p.name)} is also the name of psos[${j}]`, "give every PSO its own name");
        const k = cfg.psos.findIndex((q) => q.precedence === p.precedence);
        if (k < i)
            problems.add(
                `${at}.psos[${i}].precedence`,
                `${p.precedence} is also the precedence of psos[${k}] (${cfg.psos[k].name}): AD would pick between them by GUID`,
                "give every PSO its own precedence (lower wins)",
            );
    });

    let logonHours: PasswordPolicyPlan["logonHours"];
    const lh = cfg.logonHours;
    if (lh) {
        const offsets = zoneOffsets(lh.timeZone);
        if (!offsets)
            problems.add(`${at}.logonHours.timeZone`, `${show(lh.timeZone)} is no IANA time zone`, "write a zone such as Europe/Paris (tz database name)");
        else if (offsets.some((o) => o % 60 !== 0))
            problems.add(
                `${at}.logonHours.timeZone`,
                `${show(lh.timeZone)} is ${offsets.map(showOffset).join(" / ")} from UTC: logonHours has whole UTC hours only`,
                "use a zone whose offset is a whole number of hours",
            );
        const groups: { group: string; hex: string }[] = [];
        lh.groups.forEach((g, i) => {
            const p = `${at}.logonHours.groups[${i}]`;
            if ((ADMIN_GROUPS as readonly string[]).some((a) => a.toLowerCase() === g.group.toLowerCase()))
                problems.add(`${p}.group`, `${show(g.group)} is an admin group: admins have no logon hours`, "remove it (admins may log on at any hour)");
            else if (!planGroups.has(g.group.toLowerCase()))
                problems.add(
                    `${p}.group`,
                    `${show(g.group)} is no group of the directory plan`,
                    "name a group the plan creates (GG_Personnel, GG_<Department>, GG_<Department>_<Service>)",
                );
            const j = lh.groups.findIndex((o) => o.group.toLowerCase() === g.group.toLowerCase());
            if (j < i)
                problems.add(`${p}.group`, `${show(g.group)} is also groups[${j}]`, "give each group one entry (several windows go in its windows list)");
            g.windows.forEach((w, k) => {
                if (w.to <= w.from)
                    problems.add(
                        `${p}.windows[${k}].to`,
                        `${show(w.to)} is not after from ${show(w.from)}`,
                        "write a window within one day (from < to, 24:00 for midnight); split a night window into two windows",
                    );
            });
            groups.push({
                group: dir.groups.find((x) => x.sam.toLowerCase() === g.group.toLowerCase())?.sam ?? g.group,
                hex: offsets ? toHex(logonHoursBytes(g.windows, offsets)) : "",
            });
        });
        // A person in two groups with different hours: refused (no precedence rule to guess), with the groups named.
        const accounts: Record<string, string> = {};
        const clash = new Map<string, { a: number; b: number; people: string[] }>();
        for (const person of dir.people) {
            if (!person.enabled) continue;
            const mine = groups.map((g, i) => ({ ...g, i })).filter((g) => person.groups.some((s) => s.toLowerCase() === g.group.toLowerCase()));
            if (mine.length === 0) continue;
            const other = mine.find((g) => g.hex !== mine[0].hex);
            if (other) {
                const k = `${mine[0].i}/${other.i}`;
                const c = clash.get(k) ?? { a: mine[0].i, b: other.i, people: [] };
                c.people.push(person.sam);
                clash.set(k, c);
                continue;
            }
            accounts[person.sam] = mine[0].hex;
        }
        for (const c of clash.values())
            problems.add(
                `${at}.logonHours.groups[${c.b}].group`,
                `${groups[c.b].group} and groups[${c.a}] (${groups[c.a].group}) give different hours to ${c.people.length} account(s) in both (${c.people.slice(0, 3).join(", ")}${c.people.length > 3 ? ", ..." : ""})`,
                "give both groups the same hours, or keep only one of them",
            );
        if (offsets) logonHours = { timeZone: lh.timeZone, offsetsMinutes: offsets, groups, accounts };
    }
    if (problems.count > before) return undefined;
    return { domain: cfg.domain, psos: [...psos].sort((a, b) => a.precedence - b.precedence), ...(logonHours ? { logonHours } : {}) };
}

function showOffset(m: number): string {
    const a = Math.abs(m);
    return `${m < 0 ? "-" : "+"}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
}

/** AD's own rules between the settings (Windows refuses them; Samba accepts and then behaves oddly). */
function checkSettings(s: PasswordSettings, at: string, problems: Problems): void {
    if (s.maxAgeDays > 0 && s.minAgeDays >= s.maxAgeDays)
        problems.add(
            `${at}.minAgeDays`,
            `${s.minAgeDays} is not below maxAgeDays ${s.maxAgeDays}: nobody could change an expiring password in time`,
            "make minAgeDays smaller than maxAgeDays (or maxAgeDays 0: never expires)",
        );
    if (s.lockoutDurationMinutes > 0 && s.lockoutWindowMinutes > s.lockoutDurationMinutes)
        problems.add(
            `${at}.lockoutWindowMinutes`,
            `${s.lockoutWindowMinutes} is above lockoutDurationMinutes ${s.lockoutDurationMinutes} (AD requires window <= duration)`,
            "make lockoutWindowMinutes at most lockoutDurationMinutes",
        );
}
