/**
 * An insecure but valid matrix (WAN -> servers, DMZ -> a department) synthesizes, and the policy gate fails it:
 * exit 1, each violation naming the rule, the flow and the fix. The same run shows the Proxmox VE firewall of
 * the datacenter and of every VM in resources.json.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { SynthResult } from "../../tools/synth";
import { ROOT, stackRaw, orderingDeps } from "../helpers";
import { ownSynth } from "./shared";

let r: SynthResult;
let dir: string;
const n = stackRaw("dev").flows.length;

beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "billu-fw-"));
    const cfg = readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").replace(
        "  billu:firewall:\n",
        ["  - from: wan", "    to: servers", "    service: ssh", "  - from: dmz", "    to: lan-dsi", "    service: smb", "  billu:firewall:", ""].join("\n"),
    );
    writeFileSync(path.join(dir, "Pulumi.insecure.yaml"), cfg);
    ({ r } = await ownSynth({ stack: "insecure", config: path.join(dir, "Pulumi.insecure.yaml"), out: path.join(dir, "out") }));
}, 90000);

test("the policy gate fails it: exit 1, the rule, the flow and the fix", () => {
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(1);
    const flows = r.violations.filter((v) => v.urn?.endsWith("billu:network:Firewall::par-fw01"));
    expect(flows.map((v) => [v.policy, v.enforcementLevel, v.message])).toEqual([
        [
            "disallow-wan-to-lan",
            "mandatory",
            `flow ${n} (wan -> servers ssh) lets WAN open connections to servers (servers). Fix: remove billu:flows[${n}]; publish a DMZ service in billu:firewall.published instead.`,
        ],
        [
            "enforce-dmz-isolation",
            "mandatory",
            `flow ${n + 1} (dmz -> lan-dsi smb) lets the DMZ open connections to lan-dsi (department). Fix: remove billu:flows[${n + 1}], or add it to billu:firewall.dmzAllowlist with the reason.`,
        ],
    ]);
    // The Proxmox rules rendered from those flows are caught too: every servers VM and the router's NICs.
    expect(r.violations.filter((v) => v.policy === "disallow-wan-to-lan").map((v) => v.urn!.split("::").pop())).toEqual([
        "par-fw01",
        "par-dc01-firewall-rules",
        "par-dhcp01-firewall-rules",
        "par-fs01-firewall-rules",
        "par-ftp01-firewall-rules",
        "par-fw01-firewall-rules",
        "par-glpi01-firewall-rules",
        "par-mail01-firewall-rules",
        "par-pbx01-firewall-rules",
    ]);
    const report = JSON.parse(readFileSync(path.join(dir, "out", "policy-report.json"), "utf8"));
    expect(report.violations).toHaveLength(r.violations.length);
});

test("resources.json shows the datacenter firewall and every VM's", () => {
    const res = JSON.parse(readFileSync(path.join(dir, "out", "resources.json"), "utf8")).resources as typeof r.resources;
    const of = (t: string) => res.filter((x) => x.type === t);
    expect(of("proxmoxve:cluster/firewallLegacy:FirewallLegacy").map((x) => x.inputs)).toEqual([
        { ebtables: true, enabled: true, inputPolicy: "DROP", logRatelimit: { burst: 5, enabled: true, rate: "1/second" }, outputPolicy: "ACCEPT" },
    ]);
    const opts = of("proxmoxve:firewall/optionsLegacy:OptionsLegacy");
    // One per host of dev's billu:hosts (the stack's config): the router without the IP filter (it forwards for every
    // zone), every other VM with it.
    const devHosts = stackRaw("dev").hosts as { vmId: number; role: string }[];
    expect(opts.map((o) => [o.inputs.vmId, o.inputs.enabled, o.inputs.inputPolicy, o.inputs.ipfilter]).sort()).toEqual(
        devHosts.map((h) => [h.vmId, true, "DROP", h.role !== "firewall"]).sort(),
    );
    expect(opts).toHaveLength(15);
    // The firewall is switched on only once its rules (and IP filter) exist; the rules wait for the VM and the
    // datacenter's IP sets they name; the datacenter's options wait for the management allowlist.
    const dcOpts = opts.find((o) => o.name === "par-dc01-firewall-options")!;
    expect(orderingDeps(dcOpts).map((u) => u.split("::").pop())).toEqual(["par-dc01-firewall-ipfilter", "par-dc01-firewall-rules"]);
    const dcRules = res.find((x) => x.name === "par-dc01-firewall-rules")!;
    expect(dcRules.options.dependsOn.map((u) => u.split("::").pop())).toEqual(
        ["par-fw01-datacenter-management", "par-fw01-datacenter-wan", "par-dc01-vm"].sort(),
    );
    expect(res.find((x) => x.name === "par-fw01-datacenter-options")!.options.dependsOn.map((u) => u.split("::").pop())).toEqual([
        "par-fw01-datacenter-management",
        "par-fw01-datacenter-rules",
    ]);
    // Sorted: the VMs' IP sets register as their builders run, which interleaves roles of the same start order.
    expect(
        of("proxmoxve:firewall/ipsetLegacy:IpsetLegacy")
            .map((x) => `${String(x.inputs.vmId ?? "datacenter")} ${String(x.inputs.name)}`)
            .sort(),
    ).toEqual([...devHosts.filter((h) => h.role !== "firewall").map((h) => `${h.vmId} ipfilter-net0`), "datacenter billu-wan", "datacenter management"].sort());
    // One rule set per VM (every host of dev) and the datacenter's.
    expect(of("proxmoxve:firewall/rulesLegacy:RulesLegacy")).toHaveLength(stackRaw("dev").hosts.length + 1);
    expect(res.find((x) => x.type === "billu:network:Firewall")!.inputs).toMatchObject({
        engine: "nftables",
        routerPolicies: { input: "drop", forward: "drop", output: "drop" },
        wanAddress: "198.51.100.2",
    });
});
