/**
 * billu:directory.drift (issue #27): the schedule forms, checked both ways against systemd's own calendar parser
 * (`systemd-analyze calendar`: every accepted form fires at one fixed interval, the one the model derives; forms
 * systemd accepts but the model refuses do not), the defaults, the errors, and what the plan hands monitoring.
 */
import { execFileSync } from "child_process";
import { DEFAULT_RESULT_PATH, planDrift, scheduleIntervalSeconds } from "../../model/directory-drift";
import { model, problemsOf, stackRaw } from "../helpers";

/** The seconds between systemd's next `n` elapses of an OnCalendar expression (in UTC, so no DST shift). */
function systemdGaps(expr: string, n: number): number[] {
    const out = execFileSync("systemd-analyze", ["calendar", "--iterations", String(n), expr], { encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
    const times = [...out.matchAll(/(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) UTC/g)].map(
        (m) => Date.parse(m[1].replace(" ", "T") + "Z") / 1000,
    );
    expect(times).toHaveLength(n);
    return times.slice(1).map((t, i) => t - times[i]);
}

const ACCEPTED = ["hourly", "daily", "*:0/1", "*:0/5", "*:0/15", "*:0/20", "*:0/30", "0/1:00", "0/2:00", "0/6:00", "0/12:00"];
// systemd parses each of these, but its elapses are not evenly spaced (a step that does not divide its unit, a list,
// a weekday filter): refused, because no single staleness bound fits them.
const UNEVEN = ["*:0/7", "*:0/45", "0/5:00", "0/7:00", "*:00,20,50", "Mon..Fri 08:00"];
// Even, but not one of the model's forms (kept to the forms whose interval it derives): refused too.
const OTHER = ["weekly", "*-*-* 08:00", "*:0/90", "minutely", "hourly ", "0/24:00", ""];

describe("billu:directory.drift schedule forms against systemd-analyze calendar", () => {
    test.each(ACCEPTED)("%s: accepted, and systemd fires it at exactly the model's interval over more than a whole cycle", (expr) => {
        const interval = scheduleIntervalSeconds(expr)!;
        expect(interval).toBeGreaterThan(0);
        // A cycle is a day for hour steps and daily, an hour for minute steps: wrap-around included.
        const n = Math.min(Math.ceil(Math.max(86400, interval) / interval) + 2, 1500);
        const gaps = systemdGaps(expr, expr.startsWith("*:") ? Math.ceil(3600 / interval) + 2 : n);
        expect(new Set(gaps)).toEqual(new Set([interval]));
    });

    test.each([...UNEVEN, ...OTHER])("%j: refused by the model", (expr) => {
        expect(scheduleIntervalSeconds(expr)).toBeUndefined();
    });

    test.each(UNEVEN)("%s: systemd accepts it, and its elapses are not one fixed interval", (expr) => {
        expect(new Set(systemdGaps(expr, 30)).size).toBeGreaterThan(1);
    });
});

describe("billu:directory.drift in the model", () => {
    test("dev (Samba) without the key: hourly, 120 minutes of grace, the verdict under /var/lib/billu/drift, 7320 s staleness bound", () => {
        const raw = stackRaw("dev");
        delete raw.directory.drift;
        expect(model(raw).directory!.drift).toEqual({
            schedule: "hourly",
            intervalSeconds: 3600,
            graceSeconds: 7200,
            maxAgeSeconds: 7320,
            resultPath: DEFAULT_RESULT_PATH.samba,
        });
    });

    test("the drift reader: svc-drift-read by default, in the acceptance account's OU; a site's own name", () => {
        expect(model(stackRaw("dev")).directory!.driftReader).toEqual({
            sam: "svc-drift-read",
            upn: "svc-drift-read@billu.remindme.lan",
            cn: "svc-drift-read",
            dn: "CN=svc-drift-read,OU=Acceptance,OU=BillU,DC=billu,DC=remindme,DC=lan",
        });
        const raw = stackRaw("dev");
        raw.directory.drift = { reader: "svc-audit" };
        expect(model(raw).directory!.driftReader!.dn).toBe("CN=svc-audit,OU=Acceptance,OU=BillU,DC=billu,DC=remindme,DC=lan");
    });

    test("a drift reader named like another account (the acceptance account, the join account) is bad config naming the key", () => {
        for (const name of ["svc-acceptance", "svc-domain-join"]) {
            const raw = stackRaw("dev");
            raw.directory.drift = { reader: name };
            expect(problemsOf(raw)).toEqual([
                `billu:directory.drift.reader: ${JSON.stringify(name)} is already an account of the directory (the join account, the acceptance account or a person's). ` +
                    "Fix: name the drift reader differently (default svc-drift-read)",
            ]);
        }
        const raw = stackRaw("dev");
        raw.directory.drift = { reader: "Svc.Drift" };
        expect(problemsOf(raw)).toEqual([
            'billu:directory.drift.reader: is "Svc.Drift", which must be a samaccountname of at most 20 lowercase letters, digits or dashes (no dot: hr accounts have one). ' +
                'Fix: correct the value (see README, "Configuration")',
        ]);
    });

    test("prod (Windows DCs): the verdict under C:/ProgramData", () => {
        expect(model(stackRaw("prod")).directory!.drift!.resultPath).toBe("C:/ProgramData/billu/drift/directory.json");
    });

    test("a site's own values: every 15 minutes, 30 minutes of grace, its own path", () => {
        expect(planDrift({ schedule: "*:0/15", graceMinutes: 30, resultPath: "/srv/drift.json" }, "samba")).toEqual({
            schedule: "*:0/15",
            intervalSeconds: 900,
            graceSeconds: 1800,
            maxAgeSeconds: 1920,
            resultPath: "/srv/drift.json",
        });
    });

    test("bad values: each reported with its key path, the value and the fix, all at once", () => {
        const raw = stackRaw("dev");
        raw.directory.drift = { schedule: "*:0/7", graceMinutes: 0, resultPath: "relative/drift.json", every: 1 };
        expect(problemsOf(raw)).toEqual([
            'billu:directory.drift.schedule: is "*:0/7", which is not a fixed-interval schedule (monitoring derives its staleness bound from the interval). ' +
                "Fix: use one of hourly, daily, *:0/<minutes> (every 1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 minutes) or 0/<hours>:00 (every 1, 2, 3, 4, 6, 8 or 12 hours)",
            'billu:directory.drift.graceMinutes: is 0, which number must be greater than or equal to 1. Fix: correct the value (see README, "Configuration")',
            'billu:directory.drift.resultPath: is "relative/drift.json", which is not an absolute path of a .json file. ' +
                "Fix: name it from the root (/var/lib/billu/drift/directory.json on a Samba DC, C:/ProgramData/billu/drift/directory.json on a Windows one: forward slashes, letters, digits, . _ - only, no ..)",
            'billu:directory.drift: has unknown key every. Fix: remove or rename them (see README, "Configuration")',
        ]);
    });
});
