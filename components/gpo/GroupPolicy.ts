/**
 * Group Policy on the domain (`billu:gpo`, model/gpo.ts): one resource per GPO (its inputs are the GPO as planned,
 * so `pulumi preview` shows a changed setting on that GPO), and the `gpo` step on the PDC emulator, after the
 * directory step (the OUs and groups it links and filters on must exist). Its data is one manifest, gpos.json
 * (components/gpo/render.ts), for both flavors; its logic is scripts/gpo/apply.py on a Samba DC and
 * scripts/gpo/Apply-Gpo.ps1 (the GroupPolicy module) on a Windows DC.
 */
import * as pulumi from "@pulumi/pulumi";
import { mkdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import type { GpoPlan, GposPlan } from "../../model/gpo";
import type { HostModel } from "../../model/site";
import { connectionTo, GuestAccessArgs } from "../context";
import { GuestStep } from "../guest-step/GuestStep";
import { stepScript } from "../guest-step/render";
import { repoPath } from "../paths";
import { gpoSlug, renderGpoFiles, renderGpoManifest } from "./render";

/** Where the step's files go on the DC. */
export const GPO_PATHS = { manifest: "/var/lib/billu/gpo/gpos.json", applier: "/usr/local/lib/billu/gpo/apply.py" } as const;
/** ... on a Windows DC (the ProgramData folder the directory step uses too). */
export const GPO_WINDOWS_PATHS = { manifest: "C:/ProgramData/billu/gpo/gpos.json", applier: "C:/ProgramData/billu/gpo/Apply-Gpo.ps1" } as const;

/** One GPO of the plan. */
export class Gpo extends pulumi.ComponentResource {
    constructor(name: string, gpo: GpoPlan, opts?: pulumi.ComponentResourceOptions) {
        super(
            "billu:gpo:Gpo",
            name,
            {
                displayName: gpo.name,
                kind: gpo.kind,
                links: gpo.links.map((l) => ({ dn: l.dn, order: l.order, enforced: l.enforced })),
                applyTo: gpo.applyTo,
                settings: gpo.named,
                registry: { machine: gpo.machine.registry, user: gpo.user.registry },
                // The computer part's PowerShell startup scripts (Machine/Scripts/psscripts.ini), as psscripts.ini lists them.
                startupScripts: gpo.machine.startupScripts.map((s) => ({ cmdLine: s.cmdLine, parameters: s.parameters })),
                security: gpo.security,
                drives: gpo.user.drives.map((d) => ({ letter: d.letter, path: d.path, ouFilter: d.ouFilter ?? "" })),
            },
            opts,
        );
        this.registerOutputs({});
    }
}

export interface GroupPolicyArgs extends GuestAccessArgs {
    /** The plan (model/gpo.ts). */
    readonly plan: GposPlan;
    /**
     * The DC the `gpo` step runs on (the plan's `dc`, the PDC emulator) and its VM (built by the dc role), which the
     * step follows (the Samba step on a Samba domain, the Windows one on a Windows domain).
     */
    readonly dc: { readonly host: HostModel; readonly vm: pulumi.Resource };
    /** What must be done first: the domain and the directory step. */
    readonly after: readonly pulumi.Resource[];
}

export class GroupPolicy extends pulumi.ComponentResource {
    /** The apply step on the PDC emulator. */
    public readonly step: GuestStep;

    constructor(name: string, args: GroupPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:gpo:GroupPolicy", name, {}, opts);
        const { plan } = args;
        for (const g of plan.gpos) new Gpo(`${name}-${gpoSlug(g.name)}`, g, { parent: this });
        const readFile = (p: string) => readFileSync(repoPath(p));
        const dc = args.dc.host;
        const manifest = renderGpoManifest(plan, readFile);
        const windows = plan.flavor === "windows";
        this.step = new GuestStep(
            `${name}-apply`,
            {
                host: dc.name,
                step: "gpo",
                os: windows ? "windows" : "linux",
                connection: connectionTo(args, dc, args.dc.vm),
                renderDir: args.renderDir,
                after: args.after,
                files: windows
                    ? [
                          { path: GPO_WINDOWS_PATHS.manifest, content: manifest },
                          { path: GPO_WINDOWS_PATHS.applier, content: readFileSync(repoPath("scripts", "gpo", "Apply-Gpo.ps1"), "utf8") },
                      ]
                    : [
                          { path: GPO_PATHS.manifest, content: manifest },
                          { path: GPO_PATHS.applier, content: readFileSync(repoPath("scripts", "gpo", "apply.py"), "utf8") },
                      ],
                script: windows ? stepScript("windows", "gpo/gpo.ps1") : stepScript("linux", "gpo/gpo.sh"),
            },
            { parent: this },
        );
        writeSysvolPreview(plan);
        this.registerOutputs({});
    }
}

/**
 * Under offline synth (BILLU_SYNTH_OUT): each GPO's SYSVOL files as the DC will hold them (`gpo/<slug>/Machine/
 * Registry.pol`, ...), for review and for Samba's own parsers in the lab. GPT.INI is the step's (its version is the
 * DC's).
 */
function writeSysvolPreview(plan: GposPlan): void {
    const out = process.env.BILLU_SYNTH_OUT;
    if (!out) return;
    for (const g of plan.gpos) {
        for (const f of renderGpoFiles(g).files) {
            const file = path.join(out, "gpo", gpoSlug(g.name), ...f.path.split("/"));
            mkdirSync(path.dirname(file), { recursive: true });
            writeFileSync(file, f.bytes);
        }
    }
}
