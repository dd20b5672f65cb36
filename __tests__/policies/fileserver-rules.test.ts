/** The file server's rules, on hand-built resources: a compliant baseline, then one property changed per case. */
import { protectFileserverDataDisks } from "../../policies/rules/protect-fileserver-data-disks";
import { requireDistinctRaid1Datastores } from "../../policies/rules/require-distinct-raid1-datastores";
import { baselineVm, check, vm } from "./harness";

const disks = [
    { interface: "scsi0", datastoreId: "local-lvm", size: 32 },
    { interface: "scsi1", datastoreId: "data-a", size: 500 },
    { interface: "scsi2", datastoreId: "data-b", size: 500 },
];
const fileserver = (overrides: Record<string, unknown> = {}) =>
    baselineVm({ name: "PAR-FS01", tags: ["billu", "env-dev", "role-fileserver", "stateful"], disks, ...overrides });

describe("require-distinct-raid1-datastores", () => {
    test("baseline passes", async () => expect(await check(requireDistinctRaid1Datastores, [vm("fs", fileserver())])).toEqual([]));
    test("other roles are not held to it", async () => {
        expect(await check(requireDistinctRaid1Datastores, [vm("web", baselineVm({ disks: [disks[0]] }))])).toEqual([]);
    });
    test("1: both data disks on one datastore", async () => {
        const same = [disks[0], disks[1], { ...disks[2], datastoreId: "data-a" }];
        expect(await check(requireDistinctRaid1Datastores, [vm("fs", fileserver({ disks: same }))])).toEqual([
            "File server VM PAR-FS01 has both data disks (scsi1, scsi2) on datastore data-a.",
        ]);
    });
    test("2: data disks of different sizes", async () => {
        const sizes = [disks[0], disks[1], { ...disks[2], size: 400 }];
        expect(await check(requireDistinctRaid1Datastores, [vm("fs", fileserver({ disks: sizes }))])).toEqual([
            "File server VM PAR-FS01 has data disks of different sizes (scsi1: 500 GiB, scsi2: 400 GiB).",
        ]);
    });
    test("3: a single data disk", async () => {
        expect(await check(requireDistinctRaid1Datastores, [vm("fs", fileserver({ disks: disks.slice(0, 2) }))])).toEqual([
            "File server VM PAR-FS01 has 1 data disk; a RAID 1 needs exactly two.",
        ]);
    });
    test("4: no disks declared at all", async () => {
        expect(await check(requireDistinctRaid1Datastores, [vm("fs", fileserver({ disks: undefined }))])).toEqual([
            "File server VM PAR-FS01 has 0 data disks; a RAID 1 needs exactly two.",
        ]);
    });
});

describe("protect-fileserver-data-disks", () => {
    const prod = () => fileserver({ tags: ["billu", "env-prod", "role-fileserver", "stateful"], protection: true, deleteUnreferencedDisksOnDestroy: false });
    test("baseline passes", async () => expect(await check(protectFileserverDataDisks, [vm("fs", prod(), { protect: true })])).toEqual([]));
    test("dev is not held to it", async () => expect(await check(protectFileserverDataDisks, [vm("fs", fileserver())])).toEqual([]));
    test("1: no protect option", async () => {
        expect(await check(protectFileserverDataDisks, [vm("fs", prod())])).toEqual([
            "File server VM PAR-FS01 lacks the Pulumi protect option (a replacement or destroy would delete it).",
        ]);
    });
    test("2: no Proxmox protection", async () => {
        expect(await check(protectFileserverDataDisks, [vm("fs", { ...prod(), protection: false }, { protect: true })])).toEqual([
            "File server VM PAR-FS01 lacks Proxmox protection (its disks could be removed).",
        ]);
    });
    test("3: detached disks deleted on destroy (the provider's default)", async () => {
        const props: Record<string, unknown> = prod();
        delete props.deleteUnreferencedDisksOnDestroy;
        expect(await check(protectFileserverDataDisks, [vm("fs", props, { protect: true })])).toEqual([
            "File server VM PAR-FS01 lacks deleteUnreferencedDisksOnDestroy: false (a destroy would delete its detached data disks).",
        ]);
    });
});
