/**
 * Ecotech's directory as a model (issue #20): the partner's stack declares the groups of its domain that BillU's stack
 * names (billu:trust.localGroups in Pulumi.ecotech.yaml), and BillU's billu:trust.partner.adminGroup is checked against
 * them, read from the partner's committed stack file (stacks/peer-directory.ts) as the program reads it.
 */
import { buildSiteModel } from "../../model/site";
import { loadHr, model, peerDirectory, problemsOf, stackRaw, thrownProblems } from "../helpers";

const ecotech = stackRaw("ecotech");

describe("the partner's declared groups", () => {
    test("Pulumi.ecotech.yaml declares ECO-IT-Admins, the group prod's trust names; prod and ecotech plan without a problem", () => {
        expect(ecotech.trust.localGroups.map((g: { name: string }) => g.name)).toEqual([stackRaw("prod").trust.partner.adminGroup]);
        expect(peerDirectory(stackRaw("prod").vpn.peerStack)).toEqual({ file: "Pulumi.ecotech.yaml", groups: ["ECO-IT-Admins"] });
        expect(problemsOf(stackRaw("prod"))).toEqual([]);
        expect(problemsOf(ecotech)).toEqual([]);
    });

    test("prod naming a group Ecotech does not declare: an exact error at billu:trust.partner.adminGroup", () => {
        const r = stackRaw("prod");
        r.trust.partner.adminGroup = "ECO-IT-Admin";
        expect(problemsOf(r)).toEqual([
            'billu:trust.partner.adminGroup: "ECO-IT-Admin" is not a group of the partner\'s domain: Pulumi.ecotech.yaml declares "ECO-IT-Admins" (billu:trust.localGroups). Fix: name one of them, or declare the group in Pulumi.ecotech.yaml\'s billu:trust.localGroups',
        ]);
    });

    test("names compare as AD compares them (case-insensitively)", () => {
        const r = stackRaw("prod");
        r.trust.partner.adminGroup = "eco-it-admins";
        expect(problemsOf(r)).toEqual([]);
    });

    test("a partner stack that declares no group, or whose file is not in this project: not checked, or 'none'", () => {
        const r = stackRaw("prod");
        r.trust.partner.adminGroup = "Anything";
        // ecotech reads prod's file, which declares no localGroups: nothing to check against
        expect(peerDirectory(ecotech.vpn.peerStack)).toBeUndefined();
        expect(peerDirectory("organization/billu-infra/elsewhere")).toBeUndefined();
        expect(thrownProblems(() => buildSiteModel(r, loadHr))).toEqual([]);
        expect(thrownProblems(() => buildSiteModel(r, loadHr, undefined, { peerDirectory: () => ({ file: "Pulumi.x.yaml", groups: [] }) }))).toEqual([
            "billu:trust.partner.adminGroup: \"Anything\" is not a group of the partner's domain: Pulumi.x.yaml declares none (billu:trust.localGroups). Fix: name one of them, or declare the group in Pulumi.x.yaml's billu:trust.localGroups",
        ]);
    });

    test("a group declared twice, and a malformed name", () => {
        const r = stackRaw("ecotech");
        r.trust.localGroups.push({ name: "eco-it-admins", description: "again" });
        expect(problemsOf(r)).toEqual([
            'billu:trust.localGroups[1].name: "eco-it-admins" is also billu:trust.localGroups[0].name. Fix: declare each group once',
        ]);
        const bad = stackRaw("ecotech");
        bad.trust.localGroups = [{ name: "ECO IT/Admins", description: "x" }];
        expect(problemsOf(bad)).toHaveLength(1);
        expect(problemsOf(bad)[0]).toMatch(/^billu:trust\.localGroups\[0\]\.name: /);
    });

    test("the model of prod is unchanged by the check (the loader only reads)", () => {
        expect(model(stackRaw("prod")).plan("trust")).toEqual(buildSiteModel(stackRaw("prod"), loadHr).plan("trust"));
    });
});
