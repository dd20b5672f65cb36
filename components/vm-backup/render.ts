/**
 * Pure renderers of the VM images (model/vm-backup.ts): the docs sections the stack exports (which role is imaged
 * and why, which job covers which VM, and the restore runbook with the commands for each VM). No Pulumi here.
 */
import type { VmBackupPlan } from "../../model/vm-backup";
import { PBS_STORAGE_TYPE } from "../contracts";
import type { DocSections } from "../contracts";

/** Where the PBS encryption key lives on a cluster node (Proxmox's own place for a storage's key file). */
export function pbsKeyPath(storageId: string): string {
    return `/etc/pve/priv/storage/${storageId}.enc`;
}

/** The command that prints the PBS encryption key from the stack's state (decrypted by Pulumi's secrets provider). */
export function pbsKeyFromStack(storageId: string): string {
    return (
        `pulumi stack export --show-secrets | jq -r '.deployment.resources[] | select(.type == "${PBS_STORAGE_TYPE}" and .inputs.resourceId == "${storageId}") ` +
        `| .outputs.generatedEncryptionKey' > ${pbsKeyPath(storageId)}`
    );
}

/** The docs sections of the VM images: imaging per role, the jobs, and the restore runbook per VM. */
export function vmBackupDocs(plan: VmBackupPlan, datastoreOf: (host: string) => string): DocSections {
    const storage = plan.storage;
    const retention = (j: VmBackupPlan["jobs"][number]) =>
        `keep-daily ${j.retention.keepDaily}, keep-weekly ${j.retention.keepWeekly}, keep-monthly ${j.retention.keepMonthly}`;
    const sections: DocSections = {};
    sections["VM images: imaged or rebuilt"] = {
        columns: ["role", "hosts", "VM image", "why"],
        rows: plan.roles.map((r) => [r.role, r.hosts.join(", "), r.imaged ? "imaged (every disk)" : "rebuilt from code", r.why]),
    };
    sections["VM backup jobs"] = {
        columns: ["job", "VM", "VM id", "node", "disks in the image", "schedule", "retention", "storage", "report"],
        rows: plan.jobs.flatMap((j) =>
            j.vms.map((v) => [
                j.id,
                v.name,
                v.vmId,
                v.node,
                v.disks.join(" "),
                `${j.schedule} (mode ${j.mode})`,
                retention(j),
                `${storage.id} (${storage.kind})`,
                j.mailTo.length > 0 ? `${j.mailNotification} to ${j.mailTo.join(", ")}` : "none",
            ]),
        ),
    };
    // The runbook: list the VM's images, then restore one over the VM (same id, so the stack's state still matches).
    const key =
        storage.kind === "pbs"
            ? `on a cluster that lost it, first: ${pbsKeyFromStack(storage.id)}`
            : "none (NFS images are not encrypted on the node; the export's own access control protects them)";
    sections["VM image restore runbook"] = {
        columns: [
            "VM",
            "job",
            "1. list its images",
            "2. free its id (protected VM)",
            "3. restore over it (VOLID: an image listed in 1.)",
            "4. back in the stack",
            "encryption key",
        ],
        rows: plan.jobs.flatMap((j) =>
            j.vms.map((v) => [
                v.name,
                j.id,
                `pvesm list ${storage.id} --vmid ${v.vmId}`,
                `qm set ${v.vmId} --protection 0 && qm stop ${v.vmId}`,
                `qmrestore VOLID ${v.vmId} --force 1 --storage ${datastoreOf(v.name)}`,
                `qm set ${v.vmId} --protection 1 && qm start ${v.vmId}; pulumi refresh`,
                storage.kind === "pbs" ? `${pbsKeyPath(storage.id)}; ${key}` : key,
            ]),
        ),
    };
    return sections;
}
