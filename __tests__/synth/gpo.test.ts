/**
 * Group Policy through the service seam: the committed stacks synthesized. dev (Samba): one resource per GPO and the
 * `gpo` step on the PDC emulator after the directory step, its manifest and each GPO's SYSVOL files; prod (Windows
 * DCs): the same manifest for the GroupPolicy module step on the PDC emulator; a bad link is exit 2 before anything is
 * registered.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { renderGpoManifest, renderRegistryPol } from "../../components/gpo/render";
import type { GposPlan } from "../../model/gpo";
import { SynthResult } from "../../tools/synth";
import { model, stackRaw } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT, variantSynth } from "./shared";

const plan = model(stackRaw("dev")).plan<GposPlan>("gpo")!;
let r: SynthResult;
let out: string;
let prod: SynthResult;
let prodOut: string;

beforeAll(async () => {
    ({ r, out } = await committedSynth("dev"));
    ({ r: prod, out: prodOut } = await committedSynth("prod"));
}, SYNTH_TIMEOUT);

test("one resource per GPO, its display name, links and filtering as planned", () => {
    expect(r.exitCode).toBe(0);
    const gpos = r.resources.filter((x) => x.type === "billu:gpo:Gpo");
    expect(gpos.map((g) => g.inputs.displayName).sort()).toEqual(plan.gpos.map((g) => g.name).sort());
    const lock = gpos.find((g) => g.inputs.displayName === "BillU - Verrouillage de session")!;
    expect(lock.name).toBe("par-gpo-billu-verrouillage-de-session");
    expect(lock.inputs.links).toEqual([{ dn: "OU=Utilisateurs,OU=BillU,DC=billu,DC=remindme,DC=lan", order: 1, enforced: false }]);
    expect(lock.inputs.applyTo).toEqual(["GG_Personnel"]);
    expect(lock.inputs.startupScripts).toEqual([]);
    // The GLPI agent's startup script, as psscripts.ini lists it (labs/gpo reads this input as the model's).
    const agent = gpos.find((g) => g.inputs.displayName === "BillU - Agent GLPI")!;
    expect(agent.inputs.startupScripts).toEqual([
        { cmdLine: "\\\\billu.remindme.lan\\SYSVOL\\billu.remindme.lan\\billu\\glpi-agent\\Install-GlpiAgent.ps1", parameters: "" },
    ]);
});

test("the gpo step runs on the PDC emulator after the directory step", () => {
    const prepare = r.resources.find((x) => x.name === "par-gpo-apply-prepare")!;
    expect(prepare.options.dependsOn).toContain(r.resources.find((x) => x.name === "par-directory-apply-apply")!.urn);
    const manifest = JSON.parse(readFileSync(path.join(out, "rendered", "PAR-DC01", "var/lib/billu/gpo/gpos.json"), "utf8"));
    expect(manifest.links.map((l: { dn: string; gpos: unknown[] }) => [l.dn, l.gpos.length])).toEqual([
        ["DC=billu,DC=remindme,DC=lan", 3],
        ["OU=Utilisateurs,OU=BillU,DC=billu,DC=remindme,DC=lan", 6],
        ["OU=Ordinateurs,OU=BillU,DC=billu,DC=remindme,DC=lan", 2],
    ]);
    expect(manifest.sysvolFiles[0].path).toBe("billu/wallpaper.bmp");
    expect(Buffer.from(manifest.sysvolFiles[0].base64, "base64")).toEqual(readFileSync(path.join(__dirname, "../../data/gpo/wallpaper.bmp")));
    expect(readFileSync(path.join(out, "rendered", "PAR-DC01", "var/lib/billu/stage/gpo/run.sh"), "utf8")).toContain(
        "/usr/bin/python3 /usr/local/lib/billu/gpo/apply.py --manifest /var/lib/billu/gpo/gpos.json",
    );
});

test("each GPO's SYSVOL files are written beside the synth output, as the step installs them", () => {
    const g = plan.gpos.find((x) => x.name === "BillU - Panneau de configuration et invite de commandes")!;
    const file = readFileSync(path.join(out, "gpo", "billu-panneau-de-configuration-et-invite-de-commandes", "User", "Registry.pol"));
    expect(file).toEqual(renderRegistryPol(g.user.registry));
    expect(file.subarray(0, 4).toString("latin1")).toBe("PReg");
});

test("prod (Windows DCs): BillU's ten GPOs and the GLPI agent's, and the GroupPolicy module step on the PDC emulator with the Samba step's manifest", () => {
    expect(prod.exitCode).toBe(0);
    const gpoNames = (stackRaw("prod").gpo as { gpos: { name: string; policies: Record<string, unknown> }[] }).gpos;
    expect(gpoNames.filter((g) => !g.policies.glpiAgent)).toHaveLength(10);
    expect(
        prod.resources
            .filter((x) => x.type === "billu:gpo:Gpo")
            .map((x) => x.inputs.displayName)
            .sort(),
    ).toEqual(gpoNames.map((g) => g.name).sort());
    const prodPlan = model(stackRaw("prod")).plan<GposPlan>("gpo")!;
    expect([prodPlan.flavor, prodPlan.dc]).toEqual(["windows", "PAR-DC02"]);
    const prepare = prod.resources.find((x) => x.name === "par-gpo-apply-prepare")!;
    expect(prepare.options.dependsOn).toContain(prod.resources.find((x) => x.name === "par-directory-apply-apply")!.urn);
    const dc = path.join(prodOut, "rendered", "PAR-DC02");
    const manifest = readFileSync(path.join(dc, "C/ProgramData/billu/gpo/gpos.json"), "utf8");
    expect(manifest).toBe(renderGpoManifest(prodPlan, (p) => readFileSync(path.join(__dirname, "../..", p))));
    expect(readFileSync(path.join(dc, "C/ProgramData/billu/gpo/Apply-Gpo.ps1"), "utf8")).toBe(
        readFileSync(path.join(__dirname, "../../scripts/gpo/Apply-Gpo.ps1"), "utf8"),
    );
    expect(readFileSync(path.join(dc, "C/ProgramData/billu/stage/gpo/run.ps1"), "utf8")).toContain(
        "Invoke-BilluGpo -ManifestPath 'C:/ProgramData/billu/gpo/gpos.json'",
    );
});

test(
    "a link to an OU the directory does not have is exit 2 before any resource",
    async () => {
        const text = readFileSync(path.join(__dirname, "../../Pulumi.dev.yaml"), "utf8").replace(
            "      - ou: BillU/Ordinateurs\n",
            "      - ou: BillU/Postes\n",
        );
        const { r: bad } = await variantSynth("dev", text);
        expect(bad.exitCode).toBe(2);
        expect(bad.error).toContain(
            'billu:gpo.gpos[8].links[0].ou: "BillU/Postes" is not an OU of the directory plan. Fix: write `domain` or an OU path from the domain such as "BillU/Utilisateurs" (docs/services/directory.md lists the tree)',
        );
        expect(bad.resources).toEqual([]);
    },
    SYNTH_TIMEOUT,
);
