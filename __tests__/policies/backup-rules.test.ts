/**
 * require-backup-job-for-stateful-vms, protect-backup-storage and require-in-guest-backup-for-stateful-hosts: a
 * baseline, then one property changed per failing case.
 */
import {
    BACKUP_CLIENT_TYPE,
    BACKUP_DATA_TYPE,
    BACKUP_JOB_TYPE,
    BackupClientFact,
    BackupDataFact,
    NFS_STORAGE_TYPE,
    PBS_STORAGE_TYPE,
} from "../../components/contracts";
import { protectBackupStorage } from "../../policies/rules/protect-backup-storage";
import { requireBackupJobForStatefulVms } from "../../policies/rules/require-backup-job-for-stateful-vms";
import { requireInGuestBackupForStatefulHosts } from "../../policies/rules/require-in-guest-backup-for-stateful-hosts";
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

describe("require-in-guest-backup-for-stateful-hosts", () => {
    const host = (name: string, vmId: number, role: string, env = "prod") =>
        vm(name.toLowerCase(), baselineVm({ name, vmId, tags: ["billu", `env-${env}`, `role-${role}`, "stateful"] }));
    const client = (name: string, paths: string[], dataClasses: string[], over: Partial<BackupClientFact> = {}) =>
        resource(BACKUP_CLIENT_TYPE, `${name.toLowerCase()}-base-backup-client`, {
            host: name,
            os: "linux",
            server: "par-bkp01.billu.remindme.lan:8000",
            schedule: "*-*-* 01:00",
            dataClasses,
            paths,
            ...over,
        } satisfies BackupClientFact);
    const declared = (sets: BackupDataFact["sets"]) => resource(BACKUP_DATA_TYPE, "par-backup-data", { sets } satisfies BackupDataFact);
    const sets: BackupDataFact["sets"] = [
        { host: "PAR-DC01", dataClass: "directory", paths: ["/var/backups/billu/samba"] },
        { host: "PAR-FS01", dataClass: "files", paths: ["/srv/shares"] },
        { host: "PAR-MAIL01", dataClass: "mail", paths: ["/var/vmail"] },
    ];
    const stack = () => [
        host("PAR-DC01", 110, "dc"),
        host("PAR-FS01", 130, "fileserver"),
        host("PAR-MAIL01", 140, "mail"),
        host("PAR-BKP01", 160, "backup"),
        web(),
        declared(sets),
        client("PAR-DC01", ["/var/backups/billu/samba"], ["directory"]),
        client("PAR-FS01", ["/srv/shares"], ["files"]),
        client("PAR-MAIL01", ["/var/vmail"], ["mail"]),
    ];
    test("baseline passes: every stateful host has its client over its declared data; the backup server and a stateless VM need none", async () => {
        expect(await check(requireInGuestBackupForStatefulHosts, stack())).toEqual([]);
    });
    test("dev (and the lab stacks) are not held to it", async () => {
        const dev = [host("PAR-FS01", 130, "fileserver", "dev"), declared(sets)];
        expect(await check(requireInGuestBackupForStatefulHosts, dev)).toEqual([]);
    });
    test("1: one stateful host's client is missing: the VM and its declared data are flagged, the others are not", async () => {
        const r = stack().filter((x) => x.name !== "par-fs01-base-backup-client");
        expect(await check(requireInGuestBackupForStatefulHosts, r)).toEqual([
            "Stateful VM PAR-FS01 (vm:130) has no in-guest backup client: only its image would bring its data back.",
            "PAR-FS01 keeps files data (/srv/shares) that no in-guest backup client backs up.",
        ]);
    });
    test("2: a client that leaves out a path its host's service declared", async () => {
        const r = stack().map((x) => (x.name === "par-mail01-base-backup-client" ? client("PAR-MAIL01", ["/etc"], ["mail"]) : x));
        expect(await check(requireInGuestBackupForStatefulHosts, r)).toEqual([
            "PAR-MAIL01's in-guest backup client leaves out its declared mail data (/var/vmail).",
        ]);
    });
    test("3: no backup server and no client at all: every stateful host but the (absent) server is flagged", async () => {
        const r = stack().filter((x) => x.type !== BACKUP_CLIENT_TYPE && x.name !== "par-bkp01");
        expect(await check(requireInGuestBackupForStatefulHosts, r)).toEqual([
            "Stateful VM PAR-DC01 (vm:110) has no in-guest backup client: only its image would bring its data back.",
            "Stateful VM PAR-FS01 (vm:130) has no in-guest backup client: only its image would bring its data back.",
            "Stateful VM PAR-MAIL01 (vm:140) has no in-guest backup client: only its image would bring its data back.",
            "PAR-DC01 keeps directory data (/var/backups/billu/samba) that no in-guest backup client backs up.",
            "PAR-FS01 keeps files data (/srv/shares) that no in-guest backup client backs up.",
            "PAR-MAIL01 keeps mail data (/var/vmail) that no in-guest backup client backs up.",
        ]);
    });
    test("4: a stateful host with a client but no declared data still passes (a Windows DC backs up its system state)", async () => {
        const r = [...stack(), host("PAR-DC02", 111, "dc"), client("PAR-DC02", ["C:/ProgramData/billu/backup/systemstate"], ["directory"], { os: "windows" })];
        expect(await check(requireInGuestBackupForStatefulHosts, r)).toEqual([]);
    });
});
