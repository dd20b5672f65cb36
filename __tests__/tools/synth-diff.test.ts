/**
 * `synth --diff <earlier out folder>` (issue #16), through the built CLI: what a change adds, removes and changes
 * (rendered files and resources), exit 0; the folder this run replaces can be the one compared with; a bad --diff
 * is exit 2 with the flag, the value and the fix, before anything runs.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { runTool } from "../cli";
import { committedSynth, SYNTH_TIMEOUT } from "../synth/shared";

/** The synth command line, run in this process (__tests__/cli.ts). */
const run = (...args: string[]) => runTool("synth", args);
const tmp = mkdtempSync(path.join(tmpdir(), "billu-synth-diff-"));
const [A, B, C, D] = ["a", "b", "c", "d"].map((n) => path.join(tmp, n));
const VM = "urn:pulumi:dev::billu-infra::billu:compute:ProxmoxVm$proxmoxve:index/vmLegacy:VmLegacy::";
const FIX = "Fix: pass the --out folder of an earlier synth run (out/<stack> by default), e.g. --diff out/dev";
/** The report: from its first line to the end of stdout. */
const report = (stdout: string) => stdout.slice(stdout.indexOf("diff against "));

beforeAll(async () => {
    // A: an earlier run of dev, a copy of this jest run's shared synth of dev (one synth fewer than running the CLI
    // again: the diff names recorded paths by their rendered/ part, so the folder a run wrote into does not count).
    const dev = await committedSynth("dev");
    expect([dev.r.exitCode, dev.r.error]).toEqual([0, undefined]);
    cpSync(dev.out, A, { recursive: true });
    // D: an earlier run of ecotech, the smallest committed stack (43 resources, dev has over 1000), for the runs that
    // replace the folder they compare with: what they check is the same for every stack, and a dev run costs ~3 s.
    const eco = await committedSynth("ecotech");
    expect([eco.r.exitCode, eco.r.error]).toEqual([0, undefined]);
    cpSync(eco.out, D, { recursive: true });
    // B: A as an earlier run would have left it, edited the way a change would have.
    cpSync(A, B, { recursive: true });
    const r = (p: string) => path.join(B, "rendered", p);
    writeFileSync(r("PAR-DC01/etc/hosts"), readFileSync(r("PAR-DC01/etc/hosts"), "utf8") + "10.20.10.99 old\n");
    rmSync(r("PAR-DHCP01/etc/kea/kea-dhcp4.conf"));
    writeFileSync(r("PAR-DC01/etc/stale.conf"), "gone\n");
    const doc = JSON.parse(readFileSync(path.join(B, "resources.json"), "utf8")) as { resources: Record<string, any>[] };
    doc.resources = doc.resources.filter((x) => x.urn !== `${VM}par-web01-vm`);
    doc.resources.push({ ...doc.resources.find((x) => x.urn === `${VM}par-fs01-vm`)!, urn: `${VM}par-old01-vm`, name: "par-old01-vm" });
    const dhcp = doc.resources.find((x) => x.urn === `${VM}par-dhcp01-vm`)!;
    dhcp.inputs = { ...dhcp.inputs, memory: { dedicated: 1 } };
    dhcp.options = { ...dhcp.options, protect: true };
    writeFileSync(path.join(B, "resources.json"), JSON.stringify(doc, null, 2));
}, SYNTH_TIMEOUT);

test("prints every rendered file and resource added, removed or changed, with the keys that changed; exit 0", async () => {
    const r = await run("--stack", "dev", "--out", C, "--diff", B);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(report(r.stdout)).toBe(
        [
            `diff against ${B}: rendered files: 1 added, 1 removed, 1 changed; resources: 1 added, 1 removed, 1 changed`,
            "  rendered files (rendered/<host>/<path in the guest>):",
            "    ~ PAR-DC01/etc/hosts",
            "    - PAR-DC01/etc/stale.conf",
            "    + PAR-DHCP01/etc/kea/kea-dhcp4.conf",
            "  resources:",
            "    ~ proxmoxve:index/vmLegacy:VmLegacy::par-dhcp01-vm (memory, options.protect)",
            "    - proxmoxve:index/vmLegacy:VmLegacy::par-old01-vm",
            "    + proxmoxve:index/vmLegacy:VmLegacy::par-web01-vm",
            "",
        ].join("\n"),
    );
}, 120000);

test("the folder this run replaces can be the one compared with: it is read before the run replaces it", async () => {
    const motd = path.join(D, "rendered", "ECO-FW01", "etc", "motd");
    const rendered = readFileSync(motd, "utf8");
    writeFileSync(motd, "edited by hand\n");
    const r = await run("--stack", "ecotech", "--out", D, "--diff", D);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(report(r.stdout)).toBe(
        `diff against ${D}: rendered files: 0 added, 0 removed, 1 changed; resources: 0 added, 0 removed, 0 changed\n  rendered files (rendered/<host>/<path in the guest>):\n    ~ ECO-FW01/etc/motd\n`,
    );
    expect(readFileSync(motd, "utf8")).toBe(rendered);
    // And a second run against what the first wrote: nothing changed.
    const again = await run("--stack", "ecotech", "--out", D, "--diff", D);
    expect(report(again.stdout)).toBe(
        `diff against ${D}: rendered files: 0 added, 0 removed, 0 changed; resources: 0 added, 0 removed, 0 changed\n  no change\n`,
    );
}, 180000);

test.each([
    [["--diff"], "synth: --diff: needs a value. Fix: write --diff <value>"],
    [["--diff", path.join(tmp, "nothing")], `synth: --diff: ${JSON.stringify(path.join(tmp, "nothing"))} does not exist. ${FIX}`],
    [["--diff", path.join(B, "resources.json")], `synth: --diff: ${JSON.stringify(path.join(B, "resources.json"))} is not a folder. ${FIX}`],
    [
        ["--diff", path.join(B, "rendered")],
        `synth: --diff: ${JSON.stringify(path.join(B, "rendered"))} is not a synth output folder (it holds no .billu-synth-output and resources.json). ${FIX}`,
    ],
])("a bad --diff (%j) is exit 2 with the flag, the value and the fix, no stack trace", async (args, message) => {
    const r = await run("--stack", "dev", "--out", path.join(tmp, "never"), ...args);
    expect([r.status, r.stdout, r.stderr]).toEqual([2, "", message + "\n"]);
});
