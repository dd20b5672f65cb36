/**
 * billu:directory.onboarding (issue #24): the readers' group (a group of the plan, GG_DSI by default), the retention,
 * the folder by flavor, and the errors naming the key.
 */
import { model, problemsOf, stackRaw } from "../helpers";

describe("billu:directory.onboarding", () => {
    test("defaults: GG_DSI (BillU's IT department) reads, 14 days, the folder of a Samba DC", () => {
        const raw = stackRaw("dev");
        delete raw.directory.onboarding;
        expect(model(raw).directory!.onboarding).toEqual({
            readers: "GG_DSI",
            readersDn: "CN=GG_DSI,OU=Groupes,OU=BillU,DC=billu,DC=remindme,DC=lan",
            share: "onboarding$",
            path: "/var/lib/billu/onboarding",
            retentionDays: 14,
        });
    });

    test("a site's own readers (matched case-insensitively, spelled as the plan spells the group) and retention; prod (Windows DCs) under C:/ProgramData", () => {
        const raw = stackRaw("prod");
        raw.directory.onboarding = { readers: "gg_dsi_support-utilisateurs", retentionDays: 3 };
        const o = model(raw).directory!.onboarding!;
        expect([o.readers, o.readersDn, o.path, o.retentionDays]).toEqual([
            "GG_DSI_Support-utilisateurs",
            "CN=GG_DSI_Support-utilisateurs,OU=Groupes,OU=BillU,DC=billu,DC=remindme,DC=lan",
            "C:/ProgramData/billu/onboarding",
            3,
        ]);
    });

    test("readers that are not a group of the plan: bad config naming the key, the value and the fix", () => {
        for (const readers of ["GG_IT", "Domain Users"]) {
            const raw = stackRaw("dev");
            raw.directory.onboarding = { readers };
            expect(problemsOf(raw)).toEqual([
                `billu:directory.onboarding.readers: ${JSON.stringify(readers)} is not a group of the directory plan (the sheets would be readable by no one, or by a group the plan does not manage). ` +
                    "Fix: name a group of the plan (its GG_ groups, listed in directory.json; default GG_DSI), the IT team's",
            ]);
        }
    });

    test("a retention out of 1..90 days, an unknown key: refused with the key path", () => {
        const raw = stackRaw("dev");
        raw.directory.onboarding = { retentionDays: 0, reader: "GG_DSI" };
        expect(problemsOf(raw)).toEqual([
            'billu:directory.onboarding.retentionDays: is 0, which number must be greater than or equal to 1. Fix: correct the value (see README, "Configuration")',
            'billu:directory.onboarding: has unknown key reader. Fix: remove or rename them (see README, "Configuration")',
        ]);
    });
});
