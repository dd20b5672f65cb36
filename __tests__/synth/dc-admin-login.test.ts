/**
 * prod's Windows DCs keep the admin's key login across promotion (#16, scripts/dc/admin-login.ps1, whose logic
 * __tests__/powershell/pester/AdminLogin.Tests.ps1 runs): as rendered, the first DC's `ready` step ends by making
 * billu:guest.adminUser a domain admin, and every other DC's `dc` step checks that account on the first DC before
 * anything else, so before Install-ADDSDomainController; and every other DC promotes after the first DC's `ready`.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { orderingDeps } from "../helpers";
import { committedSynth, Synthesized, SYNTH_TIMEOUT } from "./shared";

let s: Synthesized;
beforeAll(async () => {
    s = await committedSynth("prod");
}, SYNTH_TIMEOUT);

const body = (host: string, step: string): string[] => {
    const text = readFileSync(path.join(s.out, "rendered", host, "C", "ProgramData", "billu", "stage", step, "run.ps1"), "utf8");
    return text.slice(text.indexOf("# --- step body ---")).split("\r\n");
};
const at = (lines: string[], re: RegExp) => lines.findIndex((l) => re.test(l));

test("the first DC's ready step ends by making the admin a domain admin; its dc step creates the forest unchecked", () => {
    const ready = body("PAR-DC01", "ready");
    expect(ready).toContain("$BILLU_ADMIN_USER = 'billu-admin'");
    expect(ready).toContain("$BILLU_KEYS_FILE = 'C:/ProgramData/ssh/administrators_authorized_keys'");
    expect(ready.filter((l) => l !== "").slice(-1)).toEqual(["Set-BilluDomainAdminLogin -User $BILLU_ADMIN_USER -KeysFile $BILLU_KEYS_FILE"]);
    expect(at(body("PAR-DC01", "dc"), /Assert-BilluAdminLoginBeforePromotion -User/)).toBe(-1);
});

test.each(["PAR-DC02", "PAR-DC03"])("%s checks the admin's domain account on the first DC before it promotes", (host) => {
    const dc = body(host, "dc");
    const check = at(dc, /^Assert-BilluAdminLoginBeforePromotion -User/);
    expect(dc[check]).toBe(
        "Assert-BilluAdminLoginBeforePromotion -User $BILLU_ADMIN_USER -KeysFile $BILLU_KEYS_FILE -Server $BILLU_FIRST_DC -Credential $billuAdminCred",
    );
    expect(dc).toContain("$BILLU_FIRST_DC = 'par-dc01.billu.remindme.lan'");
    expect(check).toBeGreaterThan(0);
    expect(check).toBeLessThan(at(dc, /DomainRole -ge 4\) \{ Write-BilluLog 'already a domain controller'/));
    expect(check).toBeLessThan(at(dc, /^\s*Install-ADDSDomainController /));
    expect(at(body(host, "ready"), /Set-BilluDomainAdminLogin -User/)).toBe(-1);
});

test("the second DC promotes only after the first DC's ready step (which made the admin a domain admin)", () => {
    const rs = JSON.parse(readFileSync(path.join(s.out, "resources.json"), "utf8")).resources as {
        urn: string;
        name: string;
        options: { dependsOn: string[]; replaceWith: string[] };
    }[];
    const prepare = rs.find((r) => r.name === "par-dc02-dc-prepare")!;
    const firstReady = rs.find((r) => r.name === "par-dc01-ready-apply")!.urn;
    expect(orderingDeps(prepare)).toContain(firstReady);
});
