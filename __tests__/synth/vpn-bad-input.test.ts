/** Bad VPN input: overlapping networks stop synth (exit 2); a weak suite or a short key fail the gate (exit 1). */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { runTool } from "../cli";
import { ROOT } from "../helpers";
import { ownSynth } from "./shared";

test("a weak proposal and a short key: synth exits 1 and the report names the rule", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-vpn-weak-"));
    const cfg = readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")
        .replace("pskLength: 48", "pskLength: 16")
        .replace("      - aes256gcm16-prfsha384-ecp384", "      - aes128-sha256-modp2048");
    writeFileSync(path.join(dir, "Pulumi.weak.yaml"), cfg);
    const { r } = await ownSynth({ stack: "weak", config: path.join(dir, "Pulumi.weak.yaml"), out: path.join(dir, "out") });
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(1);
    expect(r.violations.map((v) => [v.policy, v.message])).toEqual([
        [
            "enforce-vpn-strong-crypto",
            'VPN ecotech: IKE proposal "aes128-sha256-modp2048" is too weak: encryption aes128 is not AES-GCM-256; integrity sha256 is weaker than SHA-384; PRF none is not SHA-384 or better; key exchange modp2048 is weaker than ECP-384.',
        ],
        ["enforce-vpn-strong-crypto", "VPN ecotech: the pre-shared key is 16 characters, fewer than 32."],
        ["enforce-vpn-strong-crypto", "VPN ecotech: the generated key par-vpn-ecotech-psk is 16 characters, fewer than 32."],
    ]);
    const report = JSON.parse(readFileSync(path.join(dir, "out", "policy-report.json"), "utf8"));
    expect(report.violations[0]).toMatchObject({ policy: "enforce-vpn-strong-crypto", enforcementLevel: "mandatory" });
});

test("overlapping networks between the two sites: the CLI exits 2 naming both networks and the fix", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-vpn-overlap-"));
    const cfg = readFileSync(path.join(ROOT, "Pulumi.ecotech.yaml"), "utf8")
        .replace("cidr: 172.20.10.0/24", "cidr: 10.10.22.0/24")
        .replace("gateway: 172.20.10.1", "gateway: 10.10.22.1");
    writeFileSync(path.join(dir, "Pulumi.overlap.yaml"), cfg);
    const p = await runTool("synth", ["--stack", "overlap", "--config", path.join(dir, "Pulumi.overlap.yaml"), "--out", path.join(dir, "out")]);
    expect(p.status).toBe(2);
    expect(p.stderr).toBe(
        "synth overlap: invalid configuration (1 problem):\n" +
            "  - billu:firewall.vpnPartner.networks[5]: 10.10.22.0/24 overlaps zone lan (10.10.22.0/24). Fix: the partner's networks must not overlap this site's zones (renumber one side, or NAT the tunnel)\n",
    );
    expect(existsSync(path.join(dir, "out", "resources.json"))).toBe(false);
});
