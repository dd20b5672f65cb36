import { StackValidationPolicy } from "@pulumi/policy";
import { BACKUP_JOB_TYPE, NFS_STORAGE_TYPE, PBS_STORAGE_TYPE, VM_TAG, VM_TYPE } from "../../components/contracts";
import { rule, vmTags } from "./rule";

export const protectBackupStorage = rule<StackValidationPolicy>(
    {
        name: "protect-backup-storage",
        description: "In prod, the backup storage (PBS or NFS) and the backup jobs are protected from replacement and deletion, like the stateful VMs.",
        reason: "Removing the PBS storage from the cluster deletes its encryption key file there, and replacing it generates a new key: the images taken before could then only be restored with the key from the stack's state. A deleted job silently stops every image.",
        remediation: "Keep site.protectStateful on in prod (VmBackup then sets protect and retainOnDelete on the storage and the jobs).",
        enforcementLevel: "mandatory",
    },
    {
        validateStack: (args, reportViolation) => {
            const prod = args.resources.some((r) => r.type === VM_TYPE && vmTags(r.props).includes(VM_TAG.env("prod")));
            if (!prod) return;
            for (const r of args.resources.filter((x) => [PBS_STORAGE_TYPE, NFS_STORAGE_TYPE, BACKUP_JOB_TYPE].includes(x.type))) {
                // CrossGuard shows a resource's protect option (not retainOnDelete, which VmBackup sets with it).
                if (!r.opts.protect) {
                    const what = r.type === BACKUP_JOB_TYPE ? "Backup job" : "Backup storage";
                    reportViolation(`${what} ${String(r.props.resourceId ?? r.name)} lacks the Pulumi protect option.`, r.urn);
                }
            }
        },
    },
);
