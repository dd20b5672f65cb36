/** require-backup-job-for-stateful-vms and protect-backup-storage: a baseline, then one property changed per failing case. */
import { BACKUP_JOB_TYPE, NFS_STORAGE_TYPE, PBS_STORAGE_TYPE } from "../../components/contracts";
import { protectBackupStorage } from "../../policies/rules/protect-backup-storage";
import { requireBackupJobForStatefulVms } from "../../policies/rules/require-backup-job-for-stateful-vms";
import { baselineVm, check, resource, vm } from "./harness";

const stateful = (name: string, vmId: number, disks = [{ interface: "scsi0", backup: true }], env = "prod") =>
    vm(name.toLowerCase(), baselineVm({ name, vmId, tags: ["billu", `env-${env}`, "role-dc", "stateful"], disks }));
const web = () =>
    vm(
        "par-web01",
        baselineVm({ name: "PAR-WEB01", vmId: 150, tags: ["billu", "env-prod", "role-web", "stateless"], disks: [{ interface: "scsi0", backup: false }] }),
    );
const job = (props: Record<string, unknown> = {}) =>
    resource(BACKUP_JOB_TYPE, "par-vm-backup-billu-par-vms", {
        resourceId: "billu-par-vms",
        storage: "billu-pbs",
        vmids: ["110", "111"],
        enabled: true,
        ...props,
    });
const protectedToo = <T extends { options: { protect: boolean } }>(r: T): T => ({ ...r, options: { ...r.options, protect: true } });

describe("require-backup-job-for-stateful-vms", () => {
    const vms = () => [stateful("PAR-DC01", 110), stateful("PAR-DC02", 111), web()];
    test("baseline passes: every stateful VM in the job, every disk imaged; a stateless VM needs no job", async () => {
        expect(await check(requireBackupJobForStatefulVms, [...vms(), job()])).toEqual([]);
    });
    test("a job over all guests covers them too", async () => {
        expect(await check(requireBackupJobForStatefulVms, [...vms(), job({ vmids: undefined, all: true })])).toEqual([]);
    });
    test("1: one stateful VM left out of the job is flagged, the other is not", async () => {
        expect(await check(requireBackupJobForStatefulVms, [...vms(), job({ vmids: ["110"] })])).toEqual([
            "Stateful VM PAR-DC02 (vm:111) is in no enabled backup job: nothing images it.",
        ]);
    });
    test("2: no job at all", async () => {
        expect(await check(requireBackupJobForStatefulVms, [stateful("PAR-DC01", 110)])).toEqual([
            "Stateful VM PAR-DC01 (vm:110) is in no enabled backup job: nothing images it.",
        ]);
    });
    test("dev (and the lab stacks) are not held to it", async () => {
        expect(await check(requireBackupJobForStatefulVms, [stateful("PAR-DC01", 110, undefined, "dev")])).toEqual([]);
    });
    test("3: the job is disabled", async () => {
        expect(await check(requireBackupJobForStatefulVms, [...vms(), job({ enabled: false })])).toEqual([
            "Stateful VM PAR-DC01 (vm:110) is in no enabled backup job: nothing images it.",
            "Stateful VM PAR-DC02 (vm:111) is in no enabled backup job: nothing images it.",
        ]);
    });
    test("4: a covered VM whose OS disk is left out of the image", async () => {
        const dc = stateful("PAR-DC01", 110, [{ interface: "scsi0", backup: false }]);
        expect(await check(requireBackupJobForStatefulVms, [dc, stateful("PAR-DC02", 111), job()])).toEqual([
            "Stateful VM PAR-DC01's disk scsi0 has backup: false, so its image leaves that disk out.",
        ]);
    });
});

describe("protect-backup-storage", () => {
    const pbs = () => resource(PBS_STORAGE_TYPE, "par-vm-backup-storage", { resourceId: "billu-pbs", generateEncryptionKey: true });
    test("baseline passes: prod's storage and job protected", async () => {
        expect(await check(protectBackupStorage, [web(), protectedToo(pbs()), protectedToo(job())])).toEqual([]);
    });
    test("dev is not held to it", async () => {
        expect(await check(protectBackupStorage, [stateful("PAR-DC01", 110, undefined, "dev"), pbs(), job()])).toEqual([]);
    });
    test("1: an unprotected PBS storage in prod", async () => {
        expect(await check(protectBackupStorage, [web(), pbs(), protectedToo(job())])).toEqual(["Backup storage billu-pbs lacks the Pulumi protect option."]);
    });
    test("2: an unprotected NFS storage and job in prod", async () => {
        const nfs = resource(NFS_STORAGE_TYPE, "par-vm-backup-storage", { resourceId: "billu-nfs" });
        expect(await check(protectBackupStorage, [web(), nfs, job()])).toEqual([
            "Backup storage billu-nfs lacks the Pulumi protect option.",
            "Backup job billu-par-vms lacks the Pulumi protect option.",
        ]);
    });
});
