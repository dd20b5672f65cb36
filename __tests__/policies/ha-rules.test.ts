/** require-ha-for-stateful-vms: a baseline, then one property changed per failing case. */
import { HA_RESOURCE_TYPE } from "../../components/contracts";
import { requireHaForStatefulVms } from "../../policies/rules/require-ha-for-stateful-vms";
import { baselineVm, check, resource, vm } from "./harness";

const dc = (env = "prod", tags = ["billu", `env-${env}`, "role-dc", "stateful"]) =>
    vm("par-dc01", baselineVm({ name: "PAR-DC01", vmId: 111, nodeName: "pve1", tags }));
const ha = (props: Record<string, unknown> = {}) => resource(HA_RESOURCE_TYPE, "par-ha-par-dc01", { resourceId: "vm:111", state: "started", ...props });

test("baseline passes: a prod stateful VM that is an HA resource, started", async () => {
    expect(await check(requireHaForStatefulVms, [dc(), ha()])).toEqual([]);
});
test("dev and stateless VMs are not held to it", async () => {
    expect(await check(requireHaForStatefulVms, [dc("dev")])).toEqual([]);
    expect(await check(requireHaForStatefulVms, [dc("prod", ["billu", "env-prod", "role-web", "stateless"])])).toEqual([]);
});
test("1: no HA resource for the VM", async () => {
    expect(await check(requireHaForStatefulVms, [dc()])).toEqual(["Stateful VM PAR-DC01 (vm:111) is not an HA resource: a node failure leaves it down."]);
});
test("2: an HA resource for another VM id", async () => {
    expect(await check(requireHaForStatefulVms, [dc(), ha({ resourceId: "vm:112" })])).toEqual([
        "Stateful VM PAR-DC01 (vm:111) is not an HA resource: a node failure leaves it down.",
    ]);
});
test("3: an HA resource that HA will not start", async () => {
    expect(await check(requireHaForStatefulVms, [dc(), ha({ state: "disabled" })])).toEqual([
        "Stateful VM PAR-DC01's HA resource is in state disabled, so HA will not restart it.",
    ]);
});
