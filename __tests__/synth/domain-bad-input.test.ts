/** Bad domain input through the CLI: config errors exit 2 naming the key; a prod DC spread violation exits 1. */
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { runTool } from "../cli";
import { ROOT } from "../helpers";

async function synthCli(stack: "dev" | "prod", edit: (yaml: string) => string) {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-dc-bad-"));
    const cfg = edit(readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
    writeFileSync(path.join(dir, "Pulumi.x.yaml"), cfg);
    const p = await runTool("synth", ["--stack", stack, "--config", path.join(dir, "Pulumi.x.yaml"), "--out", path.join(dir, "out")]);
    return { status: p.status, stderr: p.stderr, out: path.join(dir, "out") };
}

test("FSMO on a DC that does not exist: exit 2, the key path and the fix", async () => {
    const p = await synthCli("prod", (y) => y.replace("infrastructureMaster: PAR-DC03", "infrastructureMaster: PAR-DC09"));
    expect(p.status).toBe(2);
    expect(p.stderr).toContain(
        'billu:domain.fsmo.infrastructureMaster: "PAR-DC09" is not a domain controller of billu:hosts. Fix: name one of the DCs: PAR-DC01, PAR-DC02, PAR-DC03',
    );
    expect(p.stderr).not.toMatch(/\n\s+at /);
});

test("two DCs on one Proxmox node in prod: the policy gate fails (exit 1) and names the rule", async () => {
    // PAR-DC02 moves to pve1 (its template there is 9021's sibling 9020).
    const p = await synthCli("prod", (y) => y.replace(/(- name: PAR-DC02\n(?:.*\n){5})    node: pve2/, "$1    node: pve1"));
    expect(p.status).toBe(1);
    const report = JSON.parse(readFileSync(path.join(p.out, "policy-report.json"), "utf8"));
    expect(report.violations as { policy: string }[]).toEqual([
        {
            policy: "require-dc-node-spread",
            enforcementLevel: "mandatory",
            urn: "urn:pulumi:prod::billu-infra::billu:compute:ProxmoxVm$proxmoxve:index/vmLegacy:VmLegacy::par-dc02-vm",
            message: "Domain controllers PAR-DC01, PAR-DC02 all run on Proxmox node pve1: losing pve1 loses them together.",
        },
    ]);
});
