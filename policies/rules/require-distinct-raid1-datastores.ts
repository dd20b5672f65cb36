import { ResourceValidationPolicy } from "@pulumi/policy";
import { VM_TAG, VM_TYPE } from "../../components/contracts";
import { rule, vmTags } from "./rule";

interface Disk {
    interface?: string;
    datastoreId?: string;
    size?: number;
}

export const requireDistinctRaid1Datastores = rule<ResourceValidationPolicy>(
    {
        name: "require-distinct-raid1-datastores",
        description: "A file server VM has exactly two data disks, of the same size, on two distinct datastores.",
        reason: "Its data disks are a RAID 1 mirror: on one datastore, that datastore's loss takes both halves; of different sizes, the mirror is only as large as the smaller.",
        remediation:
            "Give the file server (role fileserver) an OS disk and two data disks of equal sizeGiB on two different billu:proxmox.datastores in billu:hosts.",
        enforcementLevel: "mandatory",
    },
    {
        validateResource: (args, reportViolation) => {
            if (args.type !== VM_TYPE) return;
            if (!vmTags(args.props).includes(VM_TAG.role("fileserver"))) return;
            const vm = args.props.name ?? args.name;
            const disks = (args.props.disks ?? []) as Disk[];
            // The first disk is the OS disk (scsi0, cloned from the template); the others are the mirror's halves.
            const data = disks.slice(1);
            if (data.length !== 2) {
                reportViolation(`File server VM ${vm} has ${data.length} data disk${data.length === 1 ? "" : "s"}; a RAID 1 needs exactly two.`);
                return;
            }
            const [a, b] = data;
            if (a.datastoreId === b.datastoreId) {
                reportViolation(
                    `File server VM ${vm} has both data disks (${a.interface ?? "?"}, ${b.interface ?? "?"}) on datastore ${a.datastoreId ?? "?"}.`,
                );
            }
            if (a.size !== b.size) {
                reportViolation(
                    `File server VM ${vm} has data disks of different sizes (${a.interface ?? "?"}: ${a.size ?? "?"} GiB, ${b.interface ?? "?"}: ${b.size ?? "?"} GiB).`,
                );
            }
        },
    },
);
