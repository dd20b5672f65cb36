/**
 * The scale goals of issue #24, measured and printed by `npm run bench` (first section; `npm run bench -- --goals`
 * prints only this section):
 *  - resources of dev, prod, the 5,000-person dev site and 20 BillU-sized sites, with the per-person
 *    RandomPasswords and the PBX's per-extension secrets counted apart (both would grow with staff; both 0 since the
 *    onboarding sheet and the PBX's master key, kept so a regression shows);
 *  - the whole synth CLI on the 5,000-person dev site: wall time and peak RSS against the goal, PASS/FAIL;
 *  - 20 BillU-sized sites in one program against one: the per-site time ratio (1.00 is linear);
 *  - the estimated state size (stateBytes) and the checkpoint writes of a first `up` (checkpointWrites).
 */
import { mkdtempSync, readFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { timedNode } from "./bench-child";
import { generateExport, largeDevSynthArgs } from "./bench-directory";

/** Issue #24's goals for the synth of the 5,000-person dev site, on these machines. */
export const GOALS = { people: 5000, wallS: 5, peakMiB: 500 } as const;

/** What the size estimate needs of a resource: resources.json's records and bench-worker's --dump have it. */
export interface StateResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom?: boolean;
    readonly parent?: string;
    readonly inputs: Record<string, unknown>;
    readonly options?: { readonly dependsOn?: readonly string[] };
    readonly dependsOn?: readonly string[];
}

/**
 * A secret as the engine stores it in a checkpoint: `{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270",
 * "ciphertext":"v1:<nonce>:<AES-GCM ciphertext+tag>"}` (passphrase provider; the KMS ones are alike): ~140 bytes for
 * a short secret. The mock runtime shows every secret as "[secret]", so each counts this much.
 */
const SECRET_BYTES = 140;
/** Per resource beside its properties: `id`, `created`/`modified` timestamps, the provider reference (custom only). */
const ENTRY_BYTES = { custom: 260, component: 80 };

/**
 * Estimated bytes of one resource in the engine's checkpoint (`pulumi stack export`, uncompressed, unindented):
 * its URN, type, parent, dependencies and inputs as registered (what the mock runtime sees), plus its outputs. A
 * custom resource's outputs repeat its inputs (providers echo them) plus a few computed fields: counted as its
 * inputs again. A component's outputs are what it registers, here `{}` or a small summary: counted as nothing.
 * Secrets count as their encrypted form (SECRET_BYTES). An estimate for comparing stacks, not a byte count.
 */
export function stateBytes(r: StateResource): number {
    const props = JSON.stringify(r.inputs);
    const secrets = props.split('"[secret]"').length - 1;
    const propBytes = Buffer.byteLength(props) + secrets * (SECRET_BYTES - '"[secret]"'.length);
    const deps = r.options?.dependsOn ?? r.dependsOn ?? [];
    const head = Buffer.byteLength(JSON.stringify({ urn: r.urn, type: r.type, parent: r.parent ?? "", dependencies: deps }));
    const custom = r.custom ?? !r.type.startsWith("billu:");
    return head + (custom ? ENTRY_BYTES.custom + 2 * propBytes : ENTRY_BYTES.component + propBytes);
}

/**
 * Checkpoint writes of a first `up` that creates `resources` resources on a self-managed backend (file, S3, Azure
 * Blob, GCS): the engine saves the whole snapshot when each step begins and when it ends (pkg/backend/snapshot.go,
 * linked from pulumi/pulumi#13502), so 2 per resource plus the final save; pulumi/pulumi#10960 (600 resources,
 * 10+ minutes, "Saved stack checkpoint" repeated) and #14967 (S3 and Azure: minutes, seconds with
 * PULUMI_SKIP_CHECKPOINTS) report what it costs. As the snapshot grows about linearly to its final size S, the bytes
 * written are about writes x S / 2 = resources x S.
 */
export function checkpointWrites(resources: number, finalBytes: number): { writes: number; bytesWritten: number } {
    return { writes: 2 * resources + 1, bytesWritten: resources * finalBytes };
}

/** Counts of one resource graph: all, and the two kinds of per-person resources kept apart. */
export interface Footprint {
    readonly resources: number;
    /** The directory's per-person RandomPasswords (`<site>-directory-user-<sam>-password`): none since the onboarding sheet (issue #24): kept as a count so a regression shows. */
    readonly personPasswords: number;
    /** The PBX's per-extension SIP secret and voicemail PIN RandomPasswords (`<pbx>-sip-<ext>`, `<pbx>-vm-<ext>`): none since they derive from the PBX's master key (issue #24): kept as a count so a regression shows. */
    readonly extensionSecrets: number;
    readonly stateBytes: number;
}

export function footprint(rs: readonly StateResource[]): Footprint {
    const pw = (r: StateResource) => r.type === "random:index/randomPassword:RandomPassword";
    return {
        resources: rs.length,
        personPasswords: rs.filter((r) => pw(r) && /-directory-user-.+-password$/.test(r.name)).length,
        extensionSecrets: rs.filter((r) => pw(r) && /-(sip|vm)-\d+$/.test(r.name)).length,
        stateBytes: rs.reduce((n, r) => n + stateBytes(r), 0),
    };
}

export interface SynthRun {
    readonly wallMs: number;
    readonly peakMiB: number;
    readonly cpuMs: number;
    readonly resources: StateResource[];
}

/** The whole synth CLI in a fresh process (node start, program, policies, files), its peak RSS read at exit. */
export function synthCli(root: string, args: string[]): SynthRun {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "billu-bench-goals-")), "out");
    const p = timedNode(root, path.join(__dirname, "synth.js"), [...args, "--out", out]);
    if (p.status !== 0) throw new Error(`synth ${args.join(" ")} exited ${p.status}: ${p.stderr.slice(0, 2000)}`);
    const resources = (JSON.parse(readFileSync(path.join(out, "resources.json"), "utf8")) as { resources: StateResource[] }).resources;
    return { wallMs: p.wallMs, peakMiB: p.peakMiB, cpuMs: p.cpuMs, resources };
}

/** The 5,000-person dev site's synth arguments: the generated export, no lock (everyone new), department zones widened. */
export function largeDevArgs(people: number): string[] {
    return largeDevSynthArgs(generateExport(people));
}

const MiB = 2 ** 20;
const num = (n: number) => n.toLocaleString("en-US");
const mib = (b: number) => `${(b / MiB).toFixed(2)} MiB`;

/** One row of the footprint table. */
export function footprintRow(label: string, f: Footprint): string {
    const cw = checkpointWrites(f.resources, f.stateBytes);
    const after = f.resources - f.personPasswords;
    return [
        label.padEnd(28),
        num(f.resources).padStart(9),
        num(f.personPasswords).padStart(9),
        num(f.extensionSecrets).padStart(9),
        num(after).padStart(10),
        mib(f.stateBytes).padStart(11),
        num(cw.writes).padStart(9),
        `${(cw.bytesWritten / 2 ** 30).toFixed(2)} GiB`.padStart(11),
    ].join("  ");
}

export const FOOTPRINT_HEADER = [
    "".padEnd(28),
    "resources".padStart(9),
    "person pw".padStart(9),
    "ext secr".padStart(9),
    "w/o person".padStart(10),
    "state est".padStart(11),
    "ckpt wr".padStart(9),
    "ckpt bytes".padStart(11),
].join("  ");

export const pass = (ok: boolean) => (ok ? "PASS" : "FAIL");
