import { disallowDualHomedVms } from "../../policies/rules/disallow-dual-homed-vms";
import { enableVmNicFirewall } from "../../policies/rules/enable-vm-nic-firewall";
import { enforceSecretInputs } from "../../policies/rules/enforce-secret-inputs";
import { protectStatefulVms } from "../../policies/rules/protect-stateful-vms";
import { requireDcNodeSpread } from "../../policies/rules/require-dc-node-spread";
import { RULES } from "../../policies/rules";
import { baselineVm, check, resource, vm } from "./harness";

test("the pack's rule list is pinned", () => {
    expect(RULES.map((r) => [r.name, r.enforcementLevel])).toEqual([
        ["enable-vm-nic-firewall", "mandatory"],
        ["disallow-dual-homed-vms", "mandatory"],
        ["enforce-secret-inputs", "remediate"],
        ["protect-stateful-vms", "mandatory"],
        ["disallow-wan-to-lan", "mandatory"],
        ["disallow-wan-to-router", "mandatory"],
        ["enforce-dmz-isolation", "mandatory"],
        ["enforce-default-deny", "mandatory"],
        ["enforce-vpn-strong-crypto", "mandatory"],
        ["disallow-vpn-any-selector", "mandatory"],
        ["require-dc-node-spread", "mandatory"],
        ["require-ha-for-stateful-vms", "mandatory"],
        ["require-distinct-raid1-datastores", "mandatory"],
        ["protect-fileserver-data-disks", "mandatory"],
        ["disallow-intranet-from-wan", "mandatory"],
        ["require-backup-job-for-stateful-vms", "mandatory"],
        ["protect-backup-storage", "mandatory"],
        ["require-in-guest-backup-for-stateful-hosts", "mandatory"],
        ["require-partner-grant", "mandatory"],
    ]);
    for (const r of RULES) {
        expect(r.name).toMatch(/^[a-z]+(-[a-z0-9]+)+$/);
        expect(r.reason.length).toBeGreaterThan(20);
        expect(r.remediation.length).toBeGreaterThan(20);
    }
});

describe("enable-vm-nic-firewall", () => {
    test("baseline passes", async () => expect(await check(enableVmNicFirewall, [vm("web", baselineVm())])).toEqual([]));
    test("1: a NIC with the firewall off", async () => {
        const nics = [
            { bridge: "vmbr1", vlanId: 200, firewall: true },
            { bridge: "vmbr1", vlanId: 100, firewall: false },
        ];
        expect(await check(enableVmNicFirewall, [vm("web", baselineVm({ networkDevices: nics }))])).toEqual([
            "VM PAR-WEB01: networkDevices[1] (bridge vmbr1) has the Proxmox firewall off.",
        ]);
    });
    test("2: a NIC that does not say", async () => {
        expect(await check(enableVmNicFirewall, [vm("web", baselineVm({ networkDevices: [{ bridge: "vmbr0" }] }))])).toEqual([
            "VM PAR-WEB01: networkDevices[0] (bridge vmbr0) has the Proxmox firewall off.",
        ]);
    });
});

describe("disallow-dual-homed-vms", () => {
    const two = [
        { bridge: "vmbr1", vlanId: 200, firewall: true },
        { bridge: "vmbr1", vlanId: 100, firewall: true },
    ];
    test("baseline passes", async () => expect(await check(disallowDualHomedVms, [vm("web", baselineVm())])).toEqual([]));
    test("the firewall may be in every zone", async () => {
        expect(await check(disallowDualHomedVms, [vm("fw", baselineVm({ tags: ["role-firewall"], networkDevices: two }))])).toEqual([]);
    });
    test("1: a server with NICs in two zones", async () => {
        expect(await check(disallowDualHomedVms, [vm("web", baselineVm({ networkDevices: two }))])).toEqual([
            "VM PAR-WEB01 has NICs in 2 networks (vmbr1/200, vmbr1/100).",
        ]);
    });
});

describe("protect-stateful-vms", () => {
    const prodDc = baselineVm({ name: "PAR-DC01", tags: ["billu", "env-prod", "role-dc", "stateful"], protection: true });
    test("baseline passes", async () => expect(await check(protectStatefulVms, [vm("dc", prodDc, { protect: true })])).toEqual([]));
    test("dev is not held to it", async () => expect(await check(protectStatefulVms, [vm("dc", { ...prodDc, tags: ["env-dev", "stateful"] })])).toEqual([]));
    test("1: no protect option", async () =>
        expect(await check(protectStatefulVms, [vm("dc", prodDc)])).toEqual(["Stateful VM PAR-DC01 lacks the Pulumi protect option."]));
    test("2: no Proxmox protection", async () => {
        expect(await check(protectStatefulVms, [vm("dc", { ...prodDc, protection: false }, { protect: true })])).toEqual([
            "Stateful VM PAR-DC01 lacks Proxmox protection.",
        ]);
    });
});

describe("enforce-secret-inputs", () => {
    const cmd = (connection: Record<string, unknown>) => resource("command:remote:Command", "step", { create: "true", connection });
    test("baseline passes: the private key is a secret", async () => {
        expect(await check(enforceSecretInputs, [cmd({ host: "10.0.0.1", privateKey: "[secret]" })])).toEqual([]);
    });
    test("1: a plaintext private key in a nested input", async () => {
        expect(await check(enforceSecretInputs, [cmd({ host: "10.0.0.1", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----" })])).toEqual([
            "step: a sensitive input reaches the resource in plaintext; the pack would remediate it under the engine. Pass the value through pulumi.secret(), config.requireSecret() or @pulumi/random; the pack's remediation wraps it meanwhile.",
        ]);
    });
    test("2: a plaintext password", async () => {
        expect(
            await check(enforceSecretInputs, [
                resource("proxmoxve:index/vmLegacy:VmLegacy", "vm", { initialization: { userAccount: { password: "hunter2!" } } }),
            ]),
        ).toHaveLength(1);
    });
    test("the remediation wraps the value as a secret", () => {
        const { Secret } = jest.requireActual("@pulumi/policy");
        const props: Record<string, any> = { connection: { privateKey: "pem" } };
        const fixed = (enforceSecretInputs as any).remediateResource({ props });
        expect(fixed.connection.privateKey).toBeInstanceOf(Secret);
        expect(fixed.connection.privateKey.value).toBe("pem");
    });
});

describe("require-dc-node-spread", () => {
    const dc = (n: number, node: string, env = "prod") =>
        vm(`par-dc0${n}`, baselineVm({ name: `PAR-DC0${n}`, nodeName: node, tags: ["billu", `env-${env}`, "role-dc", "stateful"] }));
    test("baseline passes: three DCs on three nodes", async () => {
        expect(await check(requireDcNodeSpread, [dc(1, "pve1"), dc(2, "pve2"), dc(3, "pve3")])).toEqual([]);
    });
    test("dev is not held to it", async () => expect(await check(requireDcNodeSpread, [dc(1, "pve1", "dev"), dc(2, "pve1", "dev")])).toEqual([]));
    test("1: two DCs on one node", async () => {
        expect(await check(requireDcNodeSpread, [dc(1, "pve1"), dc(2, "pve1"), dc(3, "pve3")])).toEqual([
            "Domain controllers PAR-DC01, PAR-DC02 all run on Proxmox node pve1: losing pve1 loses them together.",
        ]);
    });
    test("2: a single DC in prod", async () => {
        expect(await check(requireDcNodeSpread, [dc(1, "pve1")])).toEqual([
            "Prod has a single domain controller (PAR-DC01): a node failure takes the domain down.",
        ]);
    });
});
