/** The firewall's command-line tools: pfSense sections and the lab's plan, from a stack file. */
import { spawnSync } from "child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ROOT } from "../helpers";

const node = (script: string, args: string[]) => {
    const cli = path.join(ROOT, "dist", "tools", script);
    expect(existsSync(cli) ? "" : "run npm run build first").toBe("");
    return spawnSync("node", [cli, ...args], { cwd: ROOT, encoding: "utf8" });
};

test("npm run pfsense writes the config.xml sections and the procedure", () => {
    const out = mkdtempSync(path.join(tmpdir(), "billu-pf-"));
    const p = node("pfsense.js", ["--stack", "prod", "--out", out]);
    expect(p.stderr).toBe("");
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/^pfsense prod: \d+ filter rules, 2 port forwards -> /);
    expect(readdirSync(out).sort()).toEqual(["PROCEDURE.md", "aliases.xml", "dhcrelay.xml", "filter.xml", "interfaces.xml", "nat.xml"]);
    expect(readFileSync(path.join(out, "dhcrelay.xml"), "utf8")).toContain("<server>10.10.10.21,10.10.10.22</server>");
});

test("a bad stack file: exit 2 with the flow's index", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-pf-"));
    const cfg = readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").replace("service: smtp\n", "service: smtps\n");
    writeFileSync(path.join(dir, "Pulumi.bad.yaml"), cfg);
    const p = node("pfsense.js", ["--stack", "bad", "--config", path.join(dir, "Pulumi.bad.yaml"), "--out", dir]);
    expect(p.status).toBe(2);
    expect(p.stderr).toContain('billu:flows[19].service: "smtps" is not a service.');
});

test("the lab's plan: plan.json and topology.txt", () => {
    const out = mkdtempSync(path.join(tmpdir(), "billu-labplan-"));
    const p = node("firewall-lab.js", ["--stack", "dev", "--prefix", "tst", "--out", out]);
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/^firewall lab plan dev: 19 actors, \d+ cells, \d+ probes, 3 broken cases\n$/);
    const topo = readFileSync(path.join(out, "topology.txt"), "utf8").split("\n");
    expect(topo[0]).toBe("ns tst-r");
    expect(JSON.parse(readFileSync(path.join(out, "plan.json"), "utf8")).prefix).toBe("tst");
});
