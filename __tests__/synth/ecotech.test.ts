/** Offline synthesis of the partner stack: a small site whose tunnel end is read from BillU's stack. */
import { readFileSync } from "fs";
import * as path from "path";
import { SynthResult } from "../../tools/synth";
import { filesUnder } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

let r: SynthResult;
let out: string;

beforeAll(async () => {
    ({ r, out } = await committedSynth("ecotech"));
}, SYNTH_TIMEOUT);

const rendered = (p: string) => readFileSync(path.join(out, "rendered", "ECO-FW01", p), "utf8");

test("synthesizes clean, with no HR export, its one DC (for the trust) and no generated key but its domain's admin password", () => {
    expect(r.error).toBeUndefined();
    // Only the rules policies/config.ecotech.json lowers, with its reasons: one DC on one node, backed up by Ecotech.
    expect([...new Set(r.violations.map((v) => `${v.policy} ${v.enforcementLevel}`))]).toEqual([
        "require-dc-node-spread advisory",
        "require-ha-for-stateful-vms advisory",
        "require-backup-job-for-stateful-vms advisory",
        "require-in-guest-backup-for-stateful-hosts advisory",
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.resources.filter((x) => x.type === "proxmoxve:index/vmLegacy:VmLegacy").map((v) => v.inputs.name)).toEqual(["ECO-DC01", "ECO-FW01"]);
    expect(r.resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword").map((x) => x.name)).toEqual(["eco-domain-admin-password"]);
});

test("the tunnel component carries both models' data: BillU's gateway and networks, BillU's suites", () => {
    const vpn = r.resources.find((x) => x.type === "billu:vpn:SiteToSiteVpn")!;
    expect(vpn.urn).toBe("urn:pulumi:ecotech::billu-infra::billu:site:Site$billu:vpn:SiteToSiteVpn::eco-vpn-billu");
    expect(vpn.inputs).toMatchObject({
        tunnel: "billu",
        paired: true,
        owner: false,
        localGateway: "192.0.2.2",
        remoteGateway: "203.0.113.2",
        localTs: ["172.20.0.0/24", "172.20.10.0/24", "172.20.20.0/24"],
        ikeProposals: ["aes256gcm16-prfsha384-ecp384"],
        espProposals: ["aes256gcm16-ecp384"],
        pskLength: 48,
        dpdDelaySeconds: 10,
    });
    expect(vpn.inputs.remoteTs).toHaveLength(12);
});

test("the key comes from BillU's stack through the step's stdin only", () => {
    const apply = r.resources.find((x) => x.name === "eco-vpn-billu-step-apply")!;
    expect(apply.inputs.stdin).toBe("[secret]");
    expect(apply.inputs.logging).toBe("none");
    expect(apply.options.dependsOn.length).toBeGreaterThan(0);
    expect(rendered("etc/swanctl/conf.d/billu-billu.secrets.conf")).toContain('secret = "{{secret:vpn-psk}}"');
    expect(rendered("var/lib/billu/stage/vpn/run.sh")).toContain("billu_install '/etc/swanctl/conf.d/billu-billu.secrets.conf' 0600 'root:root'");
    // The mock key the StackReference produced reaches no output, no rendered file, no resource input.
    const key = r.producedSecrets.find((s) => s.includes("vpnPsk"))!;
    expect(key).toBeDefined();
    for (const f of filesUnder(out)) expect(readFileSync(f, "utf8")).not.toContain(key);
});

test("the vpn step waits for the router step", () => {
    const routerApply = r.resources.find((x) => x.name === "eco-fw01-router-apply")!.urn;
    const prepare = r.resources.find((x) => x.name === "eco-vpn-billu-step-prepare")!;
    expect(prepare.options.dependsOn).toContain(routerApply);
});

test("outputs: this end's data for BillU's stack, no key", () => {
    expect(r.outputs.vpnPeer).toEqual({
        tunnel: "billu",
        site: { name: "Ecotech Lyon", code: "ECO", company: "EcotechSolutions", domain: "ecotech-solutions.lan" },
        gateway: { host: "ECO-FW01", address: "192.0.2.2", id: "192.0.2.2" },
        networks: ["172.20.0.0/24", "172.20.10.0/24", "172.20.20.0/24"],
        resolvers: ["172.20.20.53"],
        // Its hosts behind the tunnel, by name: what BillU's matrix may name alone (vpn-partner:<host>).
        hosts: [
            { name: "ECO-FW01", address: "172.20.0.1" },
            { name: "ECO-DC01", address: "172.20.20.53" },
        ],
    });
    expect(r.outputs).not.toHaveProperty("vpnPsk");
});

test("docs show the tunnel: peers, selectors, suites, DPD, the forwarder for BillU's domain", () => {
    const docs = readFileSync(path.join(out, "docs", "README.md"), "utf8");
    expect(docs).toContain("## Site-to-site VPN: billu (BillU)");
    expect(docs).toContain("| gateway | ECO-FW01 192.0.2.2 | PAR-FW01 203.0.113.2 |");
    expect(docs).toContain("| traffic selectors | 172.20.0.0/24, 172.20.10.0/24, 172.20.20.0/24 | 10.10.0.0/24, 10.10.10.0/24,");
    expect(docs).toContain("| IKE (phase 1) proposals | aes256gcm16-prfsha384-ecp384 |");
    expect(docs).toContain("| dead peer detection | after 10 s without traffic; peer declared dead within 24.2 s; then clear (the owner restarts) |");
    expect(docs).toContain("| conditional DNS forwarder | billu.remindme.lan -> 10.10.10.11, 10.10.10.12, 10.10.10.13 |");
});

test("the vpn body (scripts/vpn/vpn.sh) reacts to every file the step installs, named from the tunnel's data", () => {
    const run = rendered("var/lib/billu/stage/vpn/run.sh");
    const tunnel = /^TUNNEL='([^']*)'$/m.exec(run)![1];
    expect(tunnel).toBe("billu");
    const body = run.replace(/\$TUNNEL/g, tunnel);
    const installed = [...run.matchAll(/^billu_install '([^']+)'/gm)].map((m) => m[1]);
    const watched = [...body.matchAll(/billu_changed (.*); then/g)].flatMap((m) => m[1].split(" ").map((p) => p.replace(/"/g, "")));
    // The link script is run, not watched: it brings the interface up on every run.
    expect(installed.filter((p) => !watched.includes(p))).toEqual(["/usr/local/sbin/billu-vpn-link-billu"]);
    expect(body).toContain('\n"/usr/local/sbin/billu-vpn-link-billu"\n');
});
