/**
 * The DC lab's stack (labs/dc/Pulumi.labdc.yaml) is generated from the dev stack (tools/lab-dc-config.ts): the
 * committed file is the generator's output for today's Pulumi.dev.yaml, and it differs from dev by exactly the
 * documented lab differences, nothing else.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { LAB_DC, labDcConfig } from "../../tools/lab-dc-config";
import { model, ROOT } from "../helpers";

const text = (p: string) => readFileSync(path.join(ROOT, p), "utf8");
const config = (t: string) => (parseYaml(t) as { config: Record<string, any> }).config;

test("the committed lab stack is the generator's output for today's dev stack (if not: npm run lab:dc-config)", () => {
    expect(text("labs/dc/Pulumi.labdc.yaml")).toBe(labDcConfig(text("Pulumi.dev.yaml")));
});

test("labs/dc/Pulumi.labdc.yaml = Pulumi.dev.yaml + PAR-DC02 (in every flow to and from PAR-DC01) + three FSMO roles on PAR-DC02 + the SYSVOL flow", () => {
    const dev = config(text("Pulumi.dev.yaml"));
    const lab = config(text("labs/dc/Pulumi.labdc.yaml"));
    const dc1 = dev["billu:hosts"].find((h: { name: string }) => h.name === "PAR-DC01");
    const expected = structuredClone(dev);
    const hosts = expected["billu:hosts"];
    hosts.splice(hosts.indexOf(hosts.find((h: { name: string }) => h.name === "PAR-DC01")) + 1, 0, {
        ...dc1,
        name: "PAR-DC02",
        address: "10.20.10.12",
        vmId: 111,
    });
    let widened = 0;
    for (const f of expected["billu:flows"]) {
        const i = f.hosts?.indexOf("PAR-DC01") ?? -1;
        if (i < 0) continue;
        f.hosts.splice(i + 1, 0, "PAR-DC02");
        widened++;
    }
    expect(widened).toBeGreaterThan(0);
    // Every flow from PAR-DC01 (its logs, its backups) is followed by the same flow from PAR-DC02.
    const flows = expected["billu:flows"] as { from: string }[];
    const fromFirst = flows.filter((f) => f.from === "PAR-DC01");
    for (const f of fromFirst) flows.splice(flows.indexOf(f) + 1, 0, { ...f, from: "PAR-DC02" });
    expect(fromFirst.length).toBeGreaterThan(0);
    // The flow SYSVOL replication needs, first: PAR-DC01 pulls from the PDC emulator PAR-DC02.
    flows.unshift({
        from: "PAR-DC01",
        to: "PAR-DC02",
        service: "sysvol-rsync",
        comment: "SYSVOL pulled from the PDC emulator (Samba does not replicate it)",
    } as never);
    Object.assign(expected["billu:domain"].fsmo, { pdcEmulator: "PAR-DC02", ridMaster: "PAR-DC02", infrastructureMaster: "PAR-DC02" });
    expect(lab).toEqual(expected);
    expect(LAB_DC.second).toEqual({ name: "PAR-DC02", address: "10.20.10.12", vmId: 111 });
});

test("the lab stack is a valid site: two Samba DCs, the roles split as the lab expects", () => {
    const raw = Object.fromEntries(
        Object.entries(config(text("labs/dc/Pulumi.labdc.yaml"))).flatMap(([k, v]) => (k.startsWith("billu:") ? [[k.slice(6), v]] : [])),
    );
    const d = model(raw).domain!;
    expect(d.dcs.map((c) => [c.name, c.address, c.roles.join(" ")])).toEqual([
        ["PAR-DC01", "10.20.10.11", "schemaMaster domainNamingMaster"],
        ["PAR-DC02", "10.20.10.12", "pdcEmulator ridMaster infrastructureMaster"],
    ]);
});

test("the generator refuses a dev stack without the entry it copies", () => {
    expect(() => labDcConfig("config:\n  billu:hosts: []\n")).toThrow('no host entry "  - name: PAR-DC01"');
});
