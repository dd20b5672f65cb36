/**
 * The Firewall component under the SDK's mocks (mocks first, then `await import`): with engine pfsense it keeps
 * its public shape (vm, ready) but pushes nothing into the guest; its declared facts carry pfSense's defaults.
 */
import * as pulumi from "@pulumi/pulumi";
import { mkdtempSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { waitForRegistrations } from "../../tools/mock-runtime";
import { model, stackRaw } from "../helpers";

const registered: { type: string; name: string; inputs: Record<string, unknown> }[] = [];

beforeAll(() => {
    pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: (args) => args.inputs,
        },
        "billu-infra",
        "dev",
        false,
    );
});

test("engine pfsense: the VM, the datacenter and VM firewalls, no guest step; ready is the VM", async () => {
    const { Firewall } = await import("../../components/firewall/Firewall");
    const raw = stackRaw("dev");
    raw.firewall.engine = "pfsense";
    const m = model(raw);
    const fw = new Firewall("par-fw01", { model: m, renderDir: mkdtempSync(path.join(tmpdir(), "billu-fw-")), adminUser: "billu" });
    expect(fw.ready).toBe(fw.vm);
    await waitForRegistrations();
    const types = registered.map((r) => r.type).filter((t) => !t.startsWith("billu:"));
    expect(types.filter((t) => t.startsWith("command:"))).toEqual([]);
    expect(types.sort()).toEqual(
        [
            "proxmoxve:index/vmLegacy:VmLegacy",
            "proxmoxve:firewall/rulesLegacy:RulesLegacy",
            "proxmoxve:firewall/optionsLegacy:OptionsLegacy",
            "proxmoxve:firewall/ipsetLegacy:IpsetLegacy",
            "proxmoxve:firewall/ipsetLegacy:IpsetLegacy",
            "proxmoxve:firewall/rulesLegacy:RulesLegacy",
            "proxmoxve:cluster/firewallLegacy:FirewallLegacy",
        ].sort(),
    );
    const { firewallFacts } = await import("../../components/firewall/Firewall");
    expect(firewallFacts(m).routerPolicies).toEqual({ input: "drop", forward: "drop", output: "accept" });
    expect(firewallFacts(m).engine).toBe("pfsense");
});
