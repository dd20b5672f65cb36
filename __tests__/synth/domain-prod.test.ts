/** The windows flavor in the committed prod stack: promotion, the reboot wait and readiness per DC, in order. */
import { readFileSync } from "fs";
import * as path from "path";
import { SynthResult } from "../../tools/synth";
import { orderingDeps } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

let r: SynthResult;
let out: string;

beforeAll(async () => {
    ({ r, out } = await committedSynth("prod"));
}, SYNTH_TIMEOUT);

const named = (n: string) => r.resources.find((y) => y.name === n)!;
const deps = (n: string) =>
    orderingDeps(named(n))
        .map((u) => r.resources.find((y) => y.urn === u)!.name)
        .sort();

test("each DC: promote, wait for the detached reboot from outside, then ready; the next DC joins after", () => {
    expect(r.exitCode).toBe(0);
    for (const dc of ["par-dc01", "par-dc02", "par-dc03"]) {
        const wait = named(`${dc}-reboot-wait`);
        expect(wait.type).toBe("command:local:Command");
        expect(wait.inputs.interpreter).toEqual(["/bin/bash", "-c"]);
        expect(deps(`${dc}-reboot-wait`)).toEqual([`${dc}-dc-apply`]);
        expect(deps(`${dc}-ready-prepare`)).toEqual([`${dc}-reboot-wait`]);
    }
    expect(deps("par-dc02-dc-prepare")).toEqual(["par-dc01-ready-apply", "par-fw01-router-apply"]);
    expect(deps("par-dc03-dc-prepare")).toEqual(["par-dc02-ready-apply", "par-fw01-router-apply"]);
    expect(deps("par-domain-fsmo-par-dc01-prepare")).toEqual(["par-dc03-ready-apply"]);
    expect(deps("par-domain-fsmo-par-dc02-prepare")).toEqual(["par-domain-fsmo-par-dc01-apply"]);
    expect(deps("par-domain-fsmo-par-dc03-prepare")).toEqual(["par-domain-fsmo-par-dc02-apply"]);
    expect(deps("par-domain-domain-prepare")).toEqual(["par-domain-fsmo-par-dc03-apply"]);
    expect(deps("par-dhcp02-ad-join-prepare")).toEqual(["par-dhcp02-base-apply", "par-domain-domain-apply"]);
});

test("windows steps run PowerShell; the DSRM password is its own generated secret", () => {
    expect(String(named("par-dc01-dc-apply").inputs.create)).toBe(
        'powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "C:/ProgramData/billu/stage/dc/run.ps1"',
    );
    expect(r.resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword" && x.parent?.endsWith("::par-domain")).map((x) => x.name)).toEqual(
        ["par-domain-admin-password", "par-domain-dsrm-password", "par-domain-join-password"],
    );
    expect(named("par-dc01-dc-apply").inputs.stdin).toBe("[secret]");
});

test("the VPN pairing's conditional forwarder (the partner's domain) is applied by the DCs' domain step", () => {
    const ps1 = readFileSync(path.join(out, "rendered", "PAR-DC01", "C", "ProgramData", "billu", "stage", "domain", "run.ps1"), "utf8");
    // The step's data table of conditional forwarders (scripts/dc/windows-domain.ps1 adds each one missing).
    expect(ps1).toContain("\r\n$FORWARD_ZONES = 'ecotech-solutions.lan\t172.20.20.53'\r\n");
});
