/**
 * `npm run lab:dc-config`: writes labs/dc/Pulumi.labdc.yaml, the DC lab's stack, from Pulumi.dev.yaml. The lab
 * stack is the dev stack with exactly these differences (LAB_DC below), so the lab proves a join, replication and
 * FSMO transfers on the config dev ships:
 *   - a second Samba DC, PAR-DC02, right after PAR-DC01 (PAR-DC01's settings, its own name, address and VM id);
 *   - every flow that names PAR-DC01 in `hosts` names PAR-DC02 too (the clients of one DC are the other's);
 *   - every flow from PAR-DC01 is followed by the same flow from PAR-DC02 (what one DC sends, such as its logs and
 *     its backups, the other sends too);
 *   - the PDC emulator, RID and infrastructure roles on PAR-DC02;
 *   - first in billu:flows, the flows the model requires of the two DCs and the lab stack lacks, asked of the model
 *     (missingFlows): with two Samba DCs, the DC without the PDC emulator pulls SYSVOL from the one with it
 *     (billu:domain.sysvolSyncMinutes), so PAR-DC01 -> PAR-DC02 sysvol-rsync.
 * A text transformation, so dev's comments stay. __tests__/tools/lab-dc-config.test.ts fails when the committed
 * file is not this function's output (dev changed: run this again) and checks the differences above on the parsed
 * files. Exit 0 written, 3 when dev's file no longer has the shape this relies on.
 */
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { loadMissingFlows } from "../stacks/program";

/** The lab's own facts: the second DC and the FSMO roles it takes. */
export const LAB_DC = {
    first: "PAR-DC01",
    second: { name: "PAR-DC02", address: "10.20.10.12", vmId: 111 },
    rolesOnSecond: ["pdcEmulator", "ridMaster", "infrastructureMaster"],
    /** The comment of each flow the model requires of the DCs (SYSVOL: the other DCs pull from the PDC emulator). */
    dcFlowComment: "SYSVOL pulled from the PDC emulator (Samba does not replicate it)",
} as const;

const HEADER = [
    "# Lab stack for labs/dc, GENERATED from Pulumi.dev.yaml by `npm run lab:dc-config` (tools/lab-dc-config.ts): do",
    "# not edit. The dev stack plus a second Samba DC (PAR-DC02) that every flow to PAR-DC01 also reaches and that sends",
    "# what PAR-DC01 sends, and the PDC emulator, RID and infrastructure roles on it, so the lab proves a join,",
    "# replication and FSMO transfers.",
];

/** The lab stack's text from the dev stack's. Throws when dev's file lacks what the transformation edits. */
export function labDcConfig(dev: string): string {
    const lines = dev.split("\n");
    const configAt = lines.indexOf("config:");
    if (configAt < 0) throw new Error("no top-level config: line");
    const body = lines.slice(configAt);
    // The first DC's host entry: from its `- name:` line to the next entry or key at its indentation or less.
    const start = body.indexOf(`  - name: ${LAB_DC.first}`);
    if (start < 0) throw new Error(`no host entry "  - name: ${LAB_DC.first}"`);
    let end = start + 1;
    while (end < body.length && /^ {4}/.test(body[end])) end++;
    const { name, address, vmId } = LAB_DC.second;
    let edits = 0;
    const copy = body.slice(start, end).map((l) => {
        const m = /^( {4}(?:address|vmId): ).*$/.exec(l);
        if (!m) return l.replace(`- name: ${LAB_DC.first}`, `- name: ${name}`);
        edits++;
        return m[1] + (l.includes("address:") ? address : String(vmId));
    });
    if (edits !== 2) throw new Error(`${LAB_DC.first}'s entry has no address and vmId lines`);
    const withHost = [...body.slice(0, end), ...copy, ...body.slice(end)];
    // Each flow from the first DC: the entry from its `- from:` line to the next entry or key, copied for the second.
    const withFlows: string[] = [];
    for (let i = 0; i < withHost.length; i++) {
        if (withHost[i] !== `  - from: ${LAB_DC.first}`) {
            withFlows.push(withHost[i]);
            continue;
        }
        let j = i + 1;
        while (j < withHost.length && /^ {4}\S/.test(withHost[j])) j++;
        const flow = withHost.slice(i, j);
        withFlows.push(...flow, `  - from: ${name}`, ...flow.slice(1));
        i = j - 1;
    }
    const out = withFlows.map((l) => {
        const hosts = /^( +hosts: \[)(.*)\]$/.exec(l);
        if (hosts) {
            const names = hosts[2].split(",").map((s) => s.trim());
            const i = names.indexOf(LAB_DC.first);
            if (i >= 0 && !names.includes(name)) names.splice(i + 1, 0, name);
            return `${hosts[1]}${names.join(", ")}]`;
        }
        const role = /^( {6}(\w+): )(\S+)$/.exec(l);
        if (role && (LAB_DC.rolesOnSecond as readonly string[]).includes(role[2]) && role[3] === LAB_DC.first) return role[1] + name;
        return l;
    });
    const flowsAt = out.indexOf("  billu:flows:");
    if (flowsAt < 0) throw new Error('no "  billu:flows:" line');
    // What the DCs of the lab site require and it does not declare yet, asked of the model with the stack's own loaders.
    const config = (parseYaml(out.join("\n")) as { config: Record<string, unknown> }).config;
    const raw = Object.fromEntries(Object.entries(config).flatMap(([k, v]) => (k.startsWith("billu:") ? [[k.slice("billu:".length), v]] : [])));
    const dcFlows = loadMissingFlows(raw)
        .filter((a) => a.service === "dc")
        .flatMap(({ need }) => [`  - from: ${need.from}`, `    to: ${need.to}`, `    service: ${need.service}`, `    comment: ${LAB_DC.dcFlowComment}`]);
    out.splice(flowsAt + 1, 0, ...dcFlows);
    return [...HEADER, ...out].join("\n");
}

if (require.main === module) {
    const root = path.join(__dirname, "..", "..");
    try {
        const text = labDcConfig(readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8"));
        writeFileSync(path.join(root, "labs", "dc", "Pulumi.labdc.yaml"), text);
        console.log("wrote labs/dc/Pulumi.labdc.yaml from Pulumi.dev.yaml");
    } catch (e) {
        console.error(`lab-dc-config: Pulumi.dev.yaml: ${(e as Error).message}`);
        process.exitCode = 3;
    }
}
