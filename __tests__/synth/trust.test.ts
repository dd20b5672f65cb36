/**
 * The forest trust through the service seam: the committed prod stack (BillU, the trust's owner) synthesized: the
 * ForestTrust with the trust's settings, its generated password exported as a secret, the `trust` step on the first
 * DC after the domain and the directory; and the flows the trust needs, refused when missing.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { planOf } from "../../model/services/types";
import { trustService } from "../../model/services/trust";
import { SynthResult } from "../../tools/synth";
import { model, orderingDeps, problemsOf, secretLeaks, stackRaw } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

const raw = stackRaw("prod");
const plan = planOf(trustService, model(raw))!;
let r: SynthResult;
let out: string;

beforeAll(async () => {
    ({ r, out } = await committedSynth("prod"));
}, SYNTH_TIMEOUT);

test("without the trust's flows the model refuses the site, naming each missing flow", () => {
    const flows = raw.flows as { service: string }[];
    const bare = { ...raw, flows: flows.filter((f) => f.service !== "ad-trust") };
    const why = (w: string) => `which the forest trust with the partner needs (${w})`;
    expect(problemsOf(bare)).toEqual([
        `billu:flows: lacks vpn-partner -> servers ad-trust to PAR-DC01, PAR-DC02, PAR-DC03, ${why("the partner's DCs and admins reach this domain's DCs through the trust")}. ` +
            "Fix: append { from: vpn-partner, to: servers, service: ad-trust, hosts: [PAR-DC01, PAR-DC02, PAR-DC03] } to billu:flows",
        ...["PAR-DC01", "PAR-DC02", "PAR-DC03"].map(
            (dc) =>
                `billu:flows: lacks ${dc} -> vpn-partner ad-trust, ${why("this domain's DCs reach the partner's DCs through the trust")}. ` +
                `Fix: append { from: ${dc}, to: vpn-partner, service: ad-trust } to billu:flows`,
        ),
    ]);
});

test("a grant's flow is required too: without prod's SMB flow to PAR-FS01 the site is refused", () => {
    const flows = raw.flows as { from: string; service: string }[];
    const bare = { ...raw, flows: flows.filter((f) => !(f.from === "vpn-partner" && f.service === "smb")) };
    expect(problemsOf(bare)).toEqual([
        "billu:flows: lacks vpn-partner -> servers smb to PAR-FS01, which the forest trust with the partner needs (the partner's admins (ECO-IT-Admins): read the shared project folders on the file server (grant DL-ECO-Projets-Lecture)). " +
            "Fix: append { from: vpn-partner, to: servers, service: smb, hosts: [PAR-FS01] } to billu:flows",
    ]);
});

test("the ForestTrust carries the trust's settings; the owner generates the password and exports it as a secret", () => {
    expect(r.exitCode).toBe(0);
    const trust = r.resources.filter((x) => x.type === "billu:trust:ForestTrust");
    expect(trust.map((t) => [t.name, t.inputs])).toEqual([
        [
            "par-trust-ecotech",
            {
                partner: "ecotech-solutions.lan",
                direction: "both",
                selectiveAuthentication: true,
                sidFiltering: true,
                owner: true,
                passwordLength: plan.passwordLength,
                dc: plan.dc.name,
                grants: [{ group: "DL-ECO-Projets-Lecture", member: "ECOTECH\\ECO-IT-Admins", service: "smb", hosts: ["PAR-FS01"] }],
            },
        ],
    ]);
    const pw = r.resources.find((x) => x.name === "par-trust-ecotech-password")!;
    expect([pw.type, pw.parent, pw.inputs.length, pw.inputs.special]).toEqual(["random:index/randomPassword:RandomPassword", trust[0].urn, 64, false]);
    expect(r.outputs.trustPassword).toBe("[secret]");
});

test("the trust step runs on the first DC after the domain and the directory, the password only on its stdin", () => {
    const first = r.resources.find((x) => x.name === "par-trust-ecotech-step-prepare")!;
    const deps = orderingDeps(first);
    const urn = (name: string) => r.resources.find((x) => x.name === name)?.urn ?? `${name} missing`;
    expect(deps).toEqual(expect.arrayContaining([urn("par-domain-domain-apply"), urn("par-directory-apply-apply")]));
    const run = readFileSync(path.join(out, "rendered", plan.dc.name, "C/ProgramData/billu/stage/trust/run.ps1"), "utf8");
    expect(run).toContain("$PARTNER_DOMAIN = 'ecotech-solutions.lan'");
    expect(secretLeaks(out, r.producedSecrets)).toEqual([]);
});

describe("the partner's side (stack ecotech, not the owner)", () => {
    let eco: SynthResult;
    let ecoOut: string;
    beforeAll(async () => {
        ({ r: eco, out: ecoOut } = await committedSynth("ecotech"));
    }, SYNTH_TIMEOUT);

    test("reads the password from prod's secret output, generates none, exports none; its step must validate", () => {
        expect(eco.exitCode).toBe(0);
        // The StackReference `trust-peer-billu` to prod answered trustPassword with a mock secret (tools/peer-stack.ts).
        expect(eco.producedSecrets.filter((s) => s.startsWith("mocksecret-trust-peer-billu-trustPassword-"))).toHaveLength(1);
        const trust = eco.resources.find((x) => x.type === "billu:trust:ForestTrust")!;
        expect([trust.name, trust.inputs.owner, trust.inputs.partner, trust.inputs.direction]).toEqual([
            "eco-trust-billu",
            false,
            "billu.remindme.lan",
            "both",
        ]);
        expect(eco.resources.filter((x) => x.parent === trust.urn && x.type.startsWith("random:"))).toEqual([]);
        expect(eco.outputs.trustPassword).toBeUndefined();
        const run = readFileSync(path.join(ecoOut, "rendered", "ECO-DC01", "var/lib/billu/stage/trust/run.sh"), "utf8");
        expect(run).toContain("REQUIRE_VALID='yes'");
        expect(run).toContain("CREATE_ARGS='--type=forest --direction=both --create-location=local --quarantined=yes --skip-validation'");
        expect(secretLeaks(ecoOut, eco.producedSecrets)).toEqual([]);
    });
});
