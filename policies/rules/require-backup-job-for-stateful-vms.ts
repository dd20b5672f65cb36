import { StackValidationPolicy } from "@pulumi/policy";
import { BACKUP_JOB_TYPE, VM_TAG, VM_TYPE } from "../../components/contracts";
import { rule, vmTags } from "./rule";

export const requireBackupJobForStatefulVms = rule<StackValidationPolicy>(
    {
        name: "require-backup-job-for-stateful-vms",
        description: "In prod, every stateful VM (DCs, file server, mail, logs) is in an enabled Proxmox backup job, with every disk in its image.",
        reason: "Their disks hold the directory, the files, the mailboxes and the logs, and exist nowhere else: a VM no job covers, or a disk left out of the image (backup: false), is lost with its storage.",
        remediation:
            "Set billu:vmBackup (the program then makes a job over every stateful VM and turns on the backup flag of each of their disks); do not disable the job.",
        enforcementLevel: "mandatory",
    },
    {
        validateStack: (args, reportViolation) => {
            const jobs = args.resources.filter((r) => r.type === BACKUP_JOB_TYPE && r.props.enabled !== false);
            const covered = (vmId: string) =>
                jobs.some((j) => j.props.all === true || (Array.isArray(j.props.vmids) && (j.props.vmids as unknown[]).map(String).includes(vmId)));
            for (const vm of args.resources.filter((r) => r.type === VM_TYPE)) {
                // Prod, like the other stateful rules: lab stacks (labs/dc's labdc) run no cluster backups.
                const tags = vmTags(vm.props);
                if (!tags.includes(VM_TAG.stateful) || !tags.includes(VM_TAG.env("prod"))) continue;
                const name = String(vm.props.name ?? vm.name);
                const id = String(vm.props.vmId);
                if (!covered(id)) {
                    reportViolation(`Stateful VM ${name} (vm:${id}) is in no enabled backup job: nothing images it.`, vm.urn);
                    continue;
                }
                const disks = Array.isArray(vm.props.disks) ? (vm.props.disks as { interface?: string; backup?: boolean }[]) : [];
                for (const d of disks.filter((x) => x.backup === false)) {
                    reportViolation(`Stateful VM ${name}'s disk ${String(d.interface)} has backup: false, so its image leaves that disk out.`, vm.urn);
                }
            }
        },
    },
);
