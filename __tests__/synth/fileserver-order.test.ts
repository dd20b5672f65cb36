/**
 * The file server's shares on a first `pulumi up`: their ACLs name the departments' groups (made by the directory
 * step) and the trust grants' groups (made by the trust step), both built after the roles. The `shares` step is built
 * in the site-wide pass (components/fileserver/role.ts shareFileServers) and waits for both, so the order is
 * DCs -> directory -> trust -> shares, for both flavors: the committed prod stack (Linux, PAR-FS01 holds the trust's
 * `projets` share) and prod with PAR-FS01 on Windows.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { SynthResult } from "../../tools/synth";
import { orderingDeps, ROOT } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT, variantSynth } from "./shared";

const flavors: Record<string, { r: SynthResult; out: string }> = {};

beforeAll(async () => {
    flavors.linux = await committedSynth("prod");
    const doc = parse(readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8"));
    const fs = doc.config["billu:hosts"].find((h: { name: string }) => h.name === "PAR-FS01");
    fs.os = "windows-2022-gui";
    fs.joinDomain = false; // Windows members are not joined by this program
    doc.config["billu:fileserver"].flavor = "windows";
    flavors.windows = await variantSynth("prod", stringify(doc));
}, 2 * SYNTH_TIMEOUT);

describe.each([
    ["linux", "samba", "var/lib/billu/stage/shares/run.sh", ["/usr/local/sbin/billu-shares", "/etc/billu/shares.conf"]],
    ["windows", "fileserver", "C/ProgramData/billu/stage/shares/run.ps1", ["C:/ProgramData/billu/fileserver/shares.ps1"]],
])("%s flavor", (flavor, last, runPath, pushed) => {
    const names = (r: SynthResult, n: string) => {
        const x = r.resources.find((y) => y.name === n);
        if (!x) throw new Error(`no resource ${n}`);
        return orderingDeps(x)
            .map((u) => r.resources.find((y) => y.urn === u)!.name)
            .sort();
    };

    test("synthesizes clean", () => {
        const { r } = flavors[flavor];
        expect([r.error, r.violations, r.exitCode]).toEqual([undefined, [], 0]);
    });

    test("DCs -> directory (groups) -> trust (grant groups) -> shares", () => {
        const { r } = flavors[flavor];
        expect(names(r, "par-directory-apply-prepare")).toContain("par-domain-domain-apply");
        expect(names(r, "par-trust-ecotech-step-prepare")).toEqual(
            ["par-directory-apply-apply", "par-directory-password-policy-apply", "par-domain-domain-apply"].sort(),
        );
        // The shares step: after the server's own last step, the directory's steps and the trust step.
        expect(names(r, "par-fs01-shares-prepare")).toEqual(
            ["par-directory-apply-apply", "par-directory-password-policy-apply", `par-fs01-${last}-apply`, "par-trust-ecotech-step-apply"].sort(),
        );
        // The server's own step does not wait for them (it serves no share folder yet), and the shares are not its.
        expect(names(r, `par-fs01-${last}-prepare`)).not.toContain("par-directory-apply-apply");
        expect(names(r, `par-fs01-${last}-prepare`)).not.toContain("par-trust-ecotech-step-apply");
    });

    test("the shares step pushes the share plan and its tool; the server's own step does not", () => {
        const { out } = flavors[flavor];
        const stage = (step: string) => path.join(out, "rendered", "PAR-FS01", path.dirname(runPath).replace(/shares$/, step), path.basename(runPath));
        const shares = readFileSync(stage("shares"), "utf8");
        const own = readFileSync(stage(last), "utf8");
        for (const p of pushed) {
            expect(shares).toContain(`'${p}'`);
            expect(own).not.toContain(`'${p}'`);
        }
    });
});
