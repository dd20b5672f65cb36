import { logonHoursBytes, toHex, zoneOffsets } from "../../model/password-policy";
import { model, problemsOf, stackRaw } from "../helpers";

/** The 168 hours of a week from Sunday 00:00 UTC as a string of 0/1, from the bytes (LSB first). */
function bits(hex: string): string {
    return [...Buffer.from(hex, "hex")].map((b) => [...Array(8).keys()].map((i) => (b >> i) & 1).join("")).join("");
}

/** The same week built independently: `1` for UTC hours [from, to) of the given days (0 = Sunday). */
function week(days: number[], from: number, to: number): string {
    const out = Array(168).fill("0");
    for (const d of days) for (let h = from; h < to; h++) out[d * 24 + h] = "1";
    return out.join("");
}

describe("logon hours: 21 bytes, one bit per UTC hour from Sunday 00:00, least significant bit first", () => {
    test("known byte sequences", () => {
        // Monday 00:00-01:00 UTC is hour 24: byte 3, bit 0.
        expect(toHex(logonHoursBytes([{ days: ["mon"], from: "00:00", to: "01:00" }], [0]))).toBe("000000" + "01" + "00".repeat(17));
        // Sunday 07:00-09:00 UTC: hours 7 and 8 -> byte 0 bit 7 (0x80), byte 1 bit 0 (0x01).
        expect(toHex(logonHoursBytes([{ days: ["sun"], from: "07:00", to: "09:00" }], [0]))).toBe("8001" + "00".repeat(19));
        // Sunday 00:00-01:00 at UTC+1 is Saturday 23:00 UTC: the last bit of the last byte (wraps around the week).
        expect(toHex(logonHoursBytes([{ days: ["sun"], from: "00:00", to: "01:00" }], [60]))).toBe("00".repeat(20) + "80");
        // All week, all day: every bit.
        expect(toHex(logonHoursBytes([{ days: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"], from: "00:00", to: "24:00" }], [120]))).toBe("ff".repeat(21));
    });

    test("Europe/Paris is UTC+1 and UTC+2 in the reference year; a window is allowed under both (one hour wider)", () => {
        expect(zoneOffsets("Europe/Paris")).toEqual([60, 120]);
        expect(zoneOffsets("UTC")).toEqual([0]);
        expect(zoneOffsets("Not/AZone")).toBeUndefined();
        const hex = toHex(logonHoursBytes([{ days: ["mon", "tue", "wed", "thu", "fri"], from: "07:00", to: "20:00" }], [60, 120]));
        // 07:00-20:00 local = 06:00-19:00 UTC in winter, 05:00-18:00 UTC in summer: 05:00-19:00 UTC allowed.
        expect(bits(hex)).toBe(week([1, 2, 3, 4, 5], 5, 19));
    });
});

describe("the password policy of the committed stacks", () => {
    test.each(["dev", "prod"])("%s: the domain policy, two PSOs by precedence; prod: working hours on every person and nobody else", (stack) => {
        const plan = model(stackRaw(stack)).directory!;
        const pp = plan.passwordPolicy!;
        expect(pp.domain).toEqual({
            minLength: 12,
            complexity: true,
            history: 24,
            maxAgeDays: 90,
            minAgeDays: 1,
            lockoutThreshold: 5,
            lockoutDurationMinutes: 15,
            lockoutWindowMinutes: 15,
        });
        expect(pp.psos.map((p) => [p.name, p.precedence, p.minLength, p.maxAgeDays, p.lockoutThreshold, p.lockoutDurationMinutes, p.appliesTo])).toEqual([
            ["PSO-Admins", 10, 16, 60, 3, 30, ["Domain Admins"]],
            ["PSO-Services", 20, 20, 0, 0, 15, ["svc-acceptance", "svc-domain-join"]],
        ]);
        // A PSO's unset settings are the domain's.
        expect(pp.psos[0].history).toBe(24);
        // dev has none: the labs log on as people at any hour (labs/gpo applies prod's hours to dev's DC).
        if (stack === "dev") return expect(pp.logonHours).toBeUndefined();
        const lh = pp.logonHours!;
        expect(lh.groups).toEqual([
            { group: "GG_Personnel", hex: toHex(logonHoursBytes([{ days: ["mon", "tue", "wed", "thu", "fri"], from: "07:00", to: "20:00" }], [60, 120])) },
        ]);
        const active = plan.people.filter((p) => p.enabled).map((p) => p.sam);
        expect(Object.keys(lh.accounts).sort()).toEqual([...active].sort());
        expect(lh.accounts[plan.acceptance!.sam]).toBeUndefined();
    });
});

describe("bad password policies: exit 2 with the key path, the value and the fix", () => {
    const at = "billu:directory.accountPolicy";
    function withPolicy(edit: (pp: any) => void): string[] {
        const raw = stackRaw("dev");
        // dev with prod's logon hours (dev has none), as labs/gpo synthesizes it.
        raw.directory.accountPolicy.logonHours = stackRaw("prod").directory.accountPolicy.logonHours;
        edit(raw.directory.accountPolicy);
        return problemsOf(raw);
    }

    test("min age not below max age; lockout window above the duration (domain and PSO)", () => {
        expect(
            withPolicy((pp) => {
                pp.domain.minAgeDays = 90;
                pp.psos[0].lockoutWindowMinutes = 45;
            }),
        ).toEqual([
            `${at}.domain.minAgeDays: 90 is not below maxAgeDays 90: nobody could change an expiring password in time. Fix: make minAgeDays smaller than maxAgeDays (or maxAgeDays 0: never expires)`,
            // PSO-Admins inherits minAgeDays 90 from the domain, under its own maxAgeDays 60: the resolved PSO is checked too.
            `${at}.psos[0].minAgeDays: 90 is not below maxAgeDays 60: nobody could change an expiring password in time. Fix: make minAgeDays smaller than maxAgeDays (or maxAgeDays 0: never expires)`,
            `${at}.psos[0].lockoutWindowMinutes: 45 is above lockoutDurationMinutes 30 (AD requires window <= duration). Fix: make lockoutWindowMinutes at most lockoutDurationMinutes`,
        ]);
    });

    test("a PSO naming an unknown group, twice the same target, a shared precedence and name", () => {
        expect(
            withPolicy((pp) => {
                pp.psos[0].appliesTo = ["GG_Nobody", "Domain Admins", "domain admins"];
                pp.psos[1].precedence = 10;
                pp.psos[1].name = "pso-admins";
            }),
        ).toEqual([
            `${at}.psos[0].appliesTo[0]: "GG_Nobody" is no group of the directory plan, no admin group and no service account. Fix: name one of: a directory group (GG_Personnel, GG_<Department>, ...), Domain Admins, GRP-Linux-SSH, GRP-Linux-Sudo, svc-acceptance, svc-domain-join`,
            `${at}.psos[0].appliesTo[2]: "domain admins" is listed twice. Fix: list each group or account once`,
            `${at}.psos[1].name: "pso-admins" is also the name of psos[0]. Fix: give every PSO its own name`,
            `${at}.psos[1].precedence: 10 is also the precedence of psos[0] (PSO-Admins): AD would pick between them by GUID. Fix: give every PSO its own precedence (lower wins)`,
        ]);
    });

    test("logon hours: an unknown zone, an admin group, an unknown group, a window that ends before it starts", () => {
        expect(
            withPolicy((pp) => {
                pp.logonHours.timeZone = "Europe/Pariss";
                pp.logonHours.groups.push({ group: "Domain Admins", windows: [{ days: ["mon"], from: "08:00", to: "09:00" }] });
                pp.logonHours.groups.push({ group: "GG_Nobody", windows: [{ days: ["mon"], from: "20:00", to: "07:00" }] });
            }),
        ).toEqual([
            `${at}.logonHours.timeZone: "Europe/Pariss" is no IANA time zone. Fix: write a zone such as Europe/Paris (tz database name)`,
            `${at}.logonHours.groups[1].group: "Domain Admins" is an admin group: admins have no logon hours. Fix: remove it (admins may log on at any hour)`,
            `${at}.logonHours.groups[2].group: "GG_Nobody" is no group of the directory plan. Fix: name a group the plan creates (GG_Personnel, GG_<Department>, GG_<Department>_<Service>)`,
            `${at}.logonHours.groups[2].windows[0].to: "07:00" is not after from "20:00". Fix: write a window within one day (from < to, 24:00 for midnight); split a night window into two windows`,
        ]);
    });

    test("a zone with a half-hour offset; an hour that is not whole (schema)", () => {
        expect(withPolicy((pp) => (pp.logonHours.timeZone = "Asia/Kolkata"))).toEqual([
            `${at}.logonHours.timeZone: "Asia/Kolkata" is +05:30 from UTC: logonHours has whole UTC hours only. Fix: use a zone whose offset is a whole number of hours`,
        ]);
        expect(withPolicy((pp) => (pp.logonHours.groups[0].windows[0].from = "07:30")).join("\n")).toContain(`${at}.logonHours.groups[0].windows[0].from`);
    });

    test("a person in two groups with different hours is refused, naming both groups; the same hours are fine", () => {
        const dsi = { group: "GG_DSI", windows: [{ days: ["mon", "tue", "wed", "thu", "fri", "sat"], from: "06:00", to: "22:00" }] };
        const out = withPolicy((pp) => pp.logonHours.groups.push(dsi));
        expect(out).toHaveLength(1);
        expect(out[0]).toMatch(
            new RegExp(
                `^${at.replace(/\./g, "\\.")}\\.logonHours\\.groups\\[1\\]\\.group: GG_DSI and groups\\[0\\] \\(GG_Personnel\\) give different hours to \\d+ account\\(s\\) in both \\([a-z.-]+, [a-z.-]+, [a-z.-]+, \\.\\.\\.\\)\\. Fix: give both groups the same hours, or keep only one of them$`,
            ),
        );
        expect(withPolicy((pp) => pp.logonHours.groups.push({ ...dsi, windows: pp.logonHours.groups[0].windows }))).toEqual([]);
    });
});
