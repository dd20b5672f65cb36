/** Offline synthesis of the committed prod stack: clean, stateful VMs protected, DCs spread over nodes. */
import { tmpdir } from "os";
import * as path from "path";
import { SynthResult, synth } from "../../tools/synth";
import { ROOT } from "../helpers";

let r: SynthResult;

beforeAll(async () => {
    r = await synth({ stack: "prod", root: ROOT, out: path.join(tmpdir(), `billu-synth-prod-${process.pid}`) });
}, 60000);

test("synthesizes clean", () => {
    expect(r.error).toBeUndefined();
    expect(r.violations).toEqual([]);
    expect(r.exitCode).toBe(0);
});

test("stateful VMs are protected and retained; the others are not", () => {
    const vms = r.resources.filter((x) => x.type === "proxmoxve:index/vmLegacy:VmLegacy");
    const protectedVms = vms.filter((v) => v.options.protect && v.options.retainOnDelete && v.inputs.protection === true).map((v) => v.inputs.name);
    expect(protectedVms.sort()).toEqual(["PAR-DC01", "PAR-DC02", "PAR-DC03", "PAR-FS01", "PAR-MAIL01"]);
});

test("three Windows DCs on three nodes, cloned from each node's own template", () => {
    const dcs = r.resources.filter((x) => x.type === "proxmoxve:index/vmLegacy:VmLegacy" && String(x.inputs.name).startsWith("PAR-DC"));
    expect(
        dcs.map((d) => [d.inputs.name, d.inputs.nodeName, (d.inputs.clone as { vmId: number }).vmId, (d.inputs.operatingSystem as { type: string }).type]),
    ).toEqual([
        ["PAR-DC01", "pve1", 9010, "win11"],
        ["PAR-DC02", "pve2", 9021, "win11"],
        ["PAR-DC03", "pve3", 9022, "win11"],
    ]);
});
