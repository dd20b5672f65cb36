/**
 * The DHCP service in the synthesized prod stack (the HA pair): components, guest steps and their order, the
 * files pushed, the docs; and a DHCP input problem stopping the CLI with exit 2.
 */
import { spawnSync } from "child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { renderKeaDhcp4, renderRelayUnit } from "../../components/dhcp/render";
import { SynthResult } from "../../tools/synth";
import { runTool } from "../cli";
import { model, ROOT, secretLeaks, stackRaw, orderingDeps } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

let r: SynthResult;
let out: string;

beforeAll(async () => {
    ({ r, out } = await committedSynth("prod"));
}, SYNTH_TIMEOUT);

const named = (n: string) => {
    const x = r.resources.find((res) => res.name === n);
    if (!x) throw new Error(`no resource ${n}`);
    return x;
};
const deps = (n: string) =>
    orderingDeps(named(n))
        .map((u) => u.slice(u.lastIndexOf("::") + 2))
        .sort();

test("synthesizes clean, with one DhcpServer per DHCP host and the relay under the site", () => {
    expect(r.exitCode).toBe(0);
    expect(r.violations).toEqual([]);
    expect(r.resources.filter((x) => x.type.startsWith("billu:dhcp:")).map((x) => `${x.type} ${x.name}`)).toEqual([
        "billu:dhcp:DhcpRelay par-fw01-dhcp-relay",
        "billu:dhcp:DhcpServer par-dhcp01",
        "billu:dhcp:DhcpServer par-dhcp02",
    ]);
    expect(named("par-dhcp01-kea").parent).toBe("urn:pulumi:prod::billu-infra::billu:site:Site$billu:dhcp:DhcpServer::par-dhcp01");
    expect(named("par-fw01-dhcp-relay-step").parent).toBe("urn:pulumi:prod::billu-infra::billu:site:Site$billu:dhcp:DhcpRelay::par-fw01-dhcp-relay");
});

test("order: Kea after the base step, the router and the domain; the standby after the primary; the relay after both", () => {
    // The DHCP servers join the domain (joinDomain: true): Kea follows the join, which follows the domain's last step.
    expect(deps("par-dhcp01-kea-packages-prepare")).toEqual(["par-dhcp01-ad-join-apply", "par-domain-domain-apply"]);
    expect(deps("par-dhcp01-kea-prepare")).toEqual(["par-dhcp01-kea-packages-apply"]);
    expect(deps("par-dhcp02-kea-prepare")).toEqual(["par-dhcp01-kea-apply", "par-dhcp02-kea-packages-apply"]);
    expect(deps("par-fw01-dhcp-relay-step-prepare")).toEqual(["par-dhcp01-kea-apply", "par-dhcp02-kea-apply", "par-fw01-router-apply"]);
});

test("each server gets its own Kea configuration, checked by kea-dhcp4 -t before install, restarted only on change", () => {
    const m = model(stackRaw("prod"));
    for (const host of ["PAR-DHCP01", "PAR-DHCP02"]) {
        expect(readFileSync(path.join(out, "rendered", host, "etc/kea/kea-dhcp4.conf"), "utf8")).toBe(renderKeaDhcp4(m, host));
        const run = readFileSync(path.join(out, "rendered", host, "var/lib/billu/stage/kea/run.sh"), "utf8");
        expect(run).toContain("billu_install '/etc/kea/kea-dhcp4.conf' 0644 'root:root' 'kea-dhcp4 -t {}'\n");
        // Kea restarts when any file of the step changed: every one is Kea's (its configuration, the HA peer API's TLS).
        expect(run.match(/^billu_install '[^']+'/gm)).toEqual(
            ["/etc/kea/tls/ca.pem", "/etc/kea/tls/kea-ha.pem", "/etc/kea/tls/kea-ha.key", "/etc/kea/kea-dhcp4.conf"].map((f) => `billu_install '${f}'`),
        );
        // No file named: billu_service (billu-lib.sh) restarts Kea when any file of the step changed.
        expect(run).toContain('\nbillu_service kea-dhcp4-server "its configuration changed"\n');
        expect(run).not.toMatch(/^systemctl restart/m);
    }
    expect(readFileSync(path.join(out, "rendered", "PAR-FW01", "etc/systemd/system/billu-dhcp-relay.service"), "utf8")).toBe(renderRelayUnit(m));
    // The real shell parses every run script of the DHCP steps (dash is Debian's /bin/sh).
    for (const s of ["PAR-DHCP01/var/lib/billu/stage/kea-packages", "PAR-DHCP02/var/lib/billu/stage/kea", "PAR-FW01/var/lib/billu/stage/dhcp-relay"]) {
        const p = spawnSync("sh", ["-n", path.join(out, "rendered", s, "run.sh")], { encoding: "utf8" });
        expect([s, p.status, p.stderr]).toEqual([s, 0, ""]);
    }
    const relayRun = readFileSync(path.join(out, "rendered", "PAR-FW01", "var/lib/billu/stage/dhcp-relay/run.sh"), "utf8");
    // The package's own SysV service is masked before the package is installed.
    expect(relayRun.indexOf("systemctl mask -q isc-dhcp-relay.service")).toBeLessThan(relayRun.indexOf("billu_apt_install isc-dhcp-relay"));
});

test("each server of the pair gets a certificate of the site CA for its address; the key reaches it on stdin only", () => {
    for (const [n, ip] of [
        ["par-dhcp01", "10.10.10.21"],
        ["par-dhcp02", "10.10.10.22"],
    ]) {
        expect(named(`par-ca-${n}-kea-ha-csr`).inputs).toMatchObject({
            subject: { commonName: n.toUpperCase(), organization: "BillU" },
            ipAddresses: [ip],
            dnsNames: [`${n}.billu.remindme.lan`],
        });
        expect(named(`par-ca-${n}-kea-ha-cert`).inputs.allowedUses).toEqual(["digital_signature", "server_auth", "client_auth"]);
        const apply = named(`${n}-kea-apply`);
        expect(apply.inputs.stdin).toBe("[secret]");
        expect(apply.inputs.logging).toBe("none");
        expect(apply.options.additionalSecretOutputs).toEqual(expect.arrayContaining(["stdout", "stderr"]));
        expect(readFileSync(path.join(out, "rendered", n.toUpperCase(), "etc/kea/tls/kea-ha.key"), "utf8")).toBe("{{secret:kea-ha-key}}");
    }
    expect(r.resources.filter((x) => x.type === "tls:index/locallySignedCert:LocallySignedCert" && x.name.endsWith("-kea-ha-cert"))).toHaveLength(2);
});

test("no secret the mocks produced (the HA keys among them) appears in any synth output of prod", () => {
    expect(r.producedSecrets.filter((s) => s.includes("kea-ha"))).toHaveLength(2);
    expect(secretLeaks(out, r.producedSecrets)).toEqual([]);
});

test("the docs carry the DHCP scopes, reservations and servers", () => {
    const docs = readFileSync(path.join(out, "docs", "README.md"), "utf8");
    expect(docs).toContain("## DHCP scopes\n\n| zone | department | subnet | range | size | needed | gateway | DNS | reservations |\n");
    expect(docs).toContain("| lan-dsi | DSI | 10.10.21.0/24 | 10.10.21.100-10.10.21.250 | 151 | 73 | 10.10.21.1 | 10.10.10.11, 10.10.10.12, 10.10.10.13 | 1 |");
    expect(docs).toContain("| PAR-DHCP02 | 10.10.10.22 | standby | 28800 | PAR-FW01 (eth2) | 9 |");
});

test("the CLI stops on a pool too small for its department: exit 2, the message, no stack trace", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-bad-dhcp-"));
    const cfg = readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").replace("devicesPerPerson: 2", "devicesPerPerson: 4");
    writeFileSync(path.join(dir, "Pulumi.x.yaml"), cfg);
    const p = await runTool("synth", ["--stack", "x", "--config", path.join(dir, "Pulumi.x.yaml"), "--out", path.join(dir, "out")]);
    expect(p.status).toBe(2);
    expect(p.stderr).toContain(
        'billu:network.zones[6].dhcp: pool 10.20.22.100-10.20.22.250 holds 151 addresses, but department "Développement logiciel" needs 200 (40 people in the HR export x 4 devices per person (billu:dhcp.devicesPerPerson) + 25% margin (billu:dhcp.marginPercent)). Fix: widen the pool to at least 200 addresses, or lower billu:dhcp.devicesPerPerson or billu:dhcp.marginPercent',
    );
    expect(p.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(dir, "out", "resources.json"))).toBe(false);
});
