/** Bad config stops synth before any resource is registered, with exit 2 and the message naming the key. */
import { spawnSync } from "child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ROOT } from "../helpers";
import { ownSynth } from "./shared";

test("an overlapping zone: exit 2, the message, nothing registered, nothing written", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-bad-"));
    const cfg = readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").replace("cidr: 10.20.21.0/24", "cidr: 10.20.20.0/23");
    writeFileSync(path.join(dir, "Pulumi.bad.yaml"), cfg);
    const { r } = await ownSynth({ stack: "bad", config: path.join(dir, "Pulumi.bad.yaml"), out: path.join(dir, "out") });
    expect(r.exitCode).toBe(2);
    expect(r.error).toBe(
        "invalid configuration (1 problem):\n  - billu:network.zones[5].cidr: 10.20.20.0/23 (lan-dsi) overlaps 10.20.20.0/24 (lan-direction, billu:network.zones[4]). Fix: give each zone its own non-overlapping network",
    );
    expect(r.resources).toEqual([]);
    expect(existsSync(path.join(dir, "out", "resources.json"))).toBe(false);
});

test("the CLI prints the message without a stack trace and exits 2 (unknown billu key)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-bad-"));
    writeFileSync(path.join(dir, "Pulumi.x.yaml"), readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8") + "  billu:hostz: []\n");
    const cli = path.join(ROOT, "dist", "tools", "synth.js");
    expect(existsSync(cli) ? "" : "run npm run build first").toBe("");
    const p = spawnSync("node", [cli, "--stack", "x", "--config", path.join(dir, "Pulumi.x.yaml"), "--out", path.join(dir, "out")], {
        cwd: ROOT,
        encoding: "utf8",
    });
    expect(p.status).toBe(2);
    expect(p.stderr).toContain("billu:hostz: is not a key of the billu namespace. Fix: use one of billu:site, billu:proxmox");
    expect(p.stderr).not.toMatch(/\n\s+at /);
});

test("an output folder that cannot be made is a usage error (exit 2), not an internal one", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-bad-"));
    const file = path.join(dir, "a-file");
    writeFileSync(file, "not a folder");
    const p = spawnSync("node", [path.join(ROOT, "dist", "tools", "synth.js"), "--stack", "dev", "--out", path.join(file, "out")], {
        cwd: ROOT,
        encoding: "utf8",
    });
    expect(p.status).toBe(2);
    expect(p.stderr).toBe(
        `synth dev: invalid configuration (1 problem):\n  - --out: ${JSON.stringify(path.join(file, "out"))} cannot be used as the output folder (ENOTDIR: not a directory, lstat '${path.join(file, "out")}'). Fix: pass --out <a folder you can write>\n`,
    );
    expect(p.stderr).not.toMatch(/\n\s+at /);
});
