/**
 * The flows a site requires and its billu:flows lacks (model/site.ts missingFlows, tools/missing-flows.ts): what the
 * labs that derive a stack (labs/trust's Samba prod, lab:dc-config's second DC) ask of the model instead of deriving
 * the SYSVOL flows themselves. The expected flows come from the stack files (the DCs and billu:domain.fsmo).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { loadMissingFlows } from "../../stacks/program";
import { runTool } from "../cli";
import { ROOT, stackRaw } from "../helpers";

const LAB_DC = path.join(ROOT, "labs", "dc", "Pulumi.labdc.yaml");
/** The DC lab's stack (two Samba DCs) without its SYSVOL flow: the text the lab would start from. */
function withoutSysvolFlow(): string {
    const text = readFileSync(LAB_DC, "utf8");
    const out = text.replace(/^ {2}- from: (\S+)\n {4}to: (\S+)\n {4}service: sysvol-rsync\n( {4}comment: .*\n)?/m, "");
    expect(out).not.toBe(text);
    return out;
}
const billu = (text: string) =>
    Object.fromEntries(
        Object.entries((parseYaml(text) as { config: Record<string, unknown> }).config).flatMap(([k, v]) => (k.startsWith("billu:") ? [[k.slice(6), v]] : [])),
    );

test("a committed stack lacks no flow", () => {
    for (const stack of ["dev", "prod", "ecotech"]) expect([stack, loadMissingFlows(stackRaw(stack))]).toEqual([stack, []]);
});

test("two Samba DCs without the SYSVOL flow: the DC without the PDC emulator must reach it on sysvol-rsync, asked by dc", () => {
    const raw = billu(withoutSysvolFlow()) as { hosts: { name: string; role: string }[]; domain: { fsmo: { pdcEmulator: string } } };
    const pdc = raw.domain.fsmo.pdcEmulator;
    const others = raw.hosts.filter((h) => h.role === "dc" && h.name !== pdc).map((h) => h.name);
    expect(others.length).toBeGreaterThan(0);
    expect(loadMissingFlows(raw).map((a) => [a.service, a.need.from, a.need.to, a.need.service])).toEqual(others.map((d) => ["dc", d, pdc, "sysvol-rsync"]));
});

test("the CLI prints each as a billu:flows entry (--service filters by the asking service); bad input exits 2", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-missing-flows-"));
    const file = path.join(dir, "Pulumi.labdc.yaml");
    writeFileSync(file, withoutSysvolFlow());
    const dc = await runTool("missing-flows", ["--stack", "labdc", "--config", file, "--service", "dc"]);
    expect([dc.status, dc.stdout, dc.stderr]).toEqual([0, "  - { from: PAR-DC01, to: PAR-DC02, service: sysvol-rsync }\n", ""]);
    const logs = await runTool("missing-flows", ["--stack", "labdc", "--config", file, "--service", "logs"]);
    expect([logs.status, logs.stdout]).toEqual([0, ""]);
    const none = await runTool("missing-flows", []);
    expect([none.status, none.stderr]).toEqual([
        2,
        "missing-flows: --stack is required. Fix: node dist/tools/missing-flows.js --stack prod [--config <file>] [--service dc]\n",
    ]);
});
