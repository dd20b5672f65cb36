/**
 * HR's phone numbers never sit in plain state (#16): in the inputs every resource registers under the mock runtime
 * (what `pulumi up` stores), in the stack outputs and in the docs, no number of the export appears; the accounts carry
 * them as secrets (encrypted in the state), and the plan the first DC's applier reads still has them, so the
 * directory's telephoneNumber and mobile are still set.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { parseHrExport } from "../../model/hr";
import { ROOT } from "../helpers";
import { committedSynth, Synthesized, SYNTH_TIMEOUT } from "./shared";

const hr = parseHrExport(readFileSync(path.join(ROOT, "data", "billu-hr.csv")), "data/billu-hr.csv");
/** Every number of the export, as written there and with its digits only. */
const NUMBERS = [...new Set(hr.rows.flatMap((r) => [r.telephoneFixe, r.telephonePortable]).filter((n) => n !== ""))];
const FORMS = NUMBERS.flatMap((n) => [n, n.replace(/\D/g, "")]);

const found = (text: string): string[] => FORMS.filter((n) => text.includes(n));

describe.each(["dev", "prod"])("%s", (stack) => {
    let s: Synthesized;
    beforeAll(async () => {
        s = await committedSynth(stack);
    }, SYNTH_TIMEOUT);

    test("the export has numbers to hide", () => {
        expect(NUMBERS.length).toBeGreaterThan(300);
    });

    test("no phone number in any registered input, output or docs page", () => {
        const read = (...p: string[]) => readFileSync(path.join(s.out, ...p), "utf8");
        expect(found(read("resources.json"))).toEqual([]);
        expect(found(read("outputs.json"))).toEqual([]);
        expect(found(read("docs", "README.md"))).toEqual([]);
    });

    test("each account carries both numbers as secrets, its other attributes in clear", () => {
        const rs = JSON.parse(readFileSync(path.join(s.out, "resources.json"), "utf8")).resources as {
            type: string;
            name: string;
            inputs: Record<string, unknown>;
        }[];
        // Each account is a value of its chunk's `accounts` (billu:directory:Accounts, issue #24): the numbers are
        // secrets nested there, the chunk's other values in clear.
        const accounts = rs
            .filter((r) => r.type === "billu:directory:Accounts")
            .flatMap((r) => Object.entries(r.inputs.accounts as Record<string, Record<string, unknown>>))
            .filter(([, a]) => a.enabled === true);
        expect(accounts.length).toBe(167);
        for (const [sam, a] of accounts) expect([sam, a.telephoneNumber, a.mobile]).toEqual([sam, "[secret]", "[secret]"]);
        expect(Object.fromEntries(accounts)["lea.laurent2"]).toMatchObject({ title: "Responsable", company: "BillU" });
    });

    test("the applier's plan still sets telephoneNumber and mobile", () => {
        const dc =
            stack === "dev"
                ? ["PAR-DC01", "var", "lib", "billu", "directory", "plan.json"]
                : ["PAR-DC01", "C", "ProgramData", "billu", "directory", "plan.json"];
        const plan = JSON.parse(readFileSync(path.join(s.out, "rendered", ...dc), "utf8")) as {
            users: { sam: string; telephoneNumber?: string; mobile?: string }[];
        };
        const row = hr.rows[0];
        const first = plan.users.find((u) => u.sam === "sarah.fournier")!;
        expect([first.telephoneNumber, first.mobile]).toEqual([row.telephoneFixe, row.telephonePortable]);
        expect(plan.users.filter((u) => u.telephoneNumber || u.mobile).length).toBe(167);
    });
});
