/** The DC lab's stack is the dev stack plus a second Samba DC and a split FSMO placement, nothing else. */
import { readFileSync } from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { ROOT } from "../helpers";

const read = (p: string) => (parseYaml(readFileSync(path.join(ROOT, p), "utf8")) as { config: Record<string, any> }).config;

test("labs/dc/Pulumi.labdc.yaml = Pulumi.dev.yaml + PAR-DC02 + FSMO roles on PAR-DC02", () => {
    const dev = read("Pulumi.dev.yaml");
    const lab = read("labs/dc/Pulumi.labdc.yaml");
    const dc2 = lab["billu:hosts"].find((h: { name: string }) => h.name === "PAR-DC02");
    expect(dc2).toMatchObject({ role: "dc", os: "debian-12", zone: "servers", address: "10.20.10.12" });
    const expected = structuredClone(dev);
    const hosts = expected["billu:hosts"];
    hosts.splice(hosts.findIndex((h: { name: string }) => h.name === "PAR-DC01") + 1, 0, dc2);
    Object.assign(expected["billu:domain"].fsmo, { pdcEmulator: "PAR-DC02", ridMaster: "PAR-DC02", infrastructureMaster: "PAR-DC02" });
    expect(lab).toEqual(expected);
});
