import { ResourceValidationPolicy } from "@pulumi/policy";
import { VM_TAG, VM_TYPE } from "../../components/contracts";
import { rule, vmTags } from "./rule";

export const protectFileserverDataDisks = rule<ResourceValidationPolicy>(
    {
        name: "protect-fileserver-data-disks",
        description: "In prod, the file server VM and its data disks are protected from replacement and deletion.",
        reason: "The data disks hold every share: a replaced VM, a removed disk or a destroy that deletes its detached disks would lose the company's files.",
        remediation:
            "Keep site.protectStateful on in prod: ProxmoxVm then sets the Pulumi protect option, Proxmox's protection flag (no VM or disk removal) and deleteUnreferencedDisksOnDestroy: false.",
        enforcementLevel: "mandatory",
    },
    {
        validateResource: (args, reportViolation) => {
            if (args.type !== VM_TYPE) return;
            const tags = vmTags(args.props);
            if (!tags.includes(VM_TAG.role("fileserver")) || !tags.includes(VM_TAG.env("prod"))) return;
            const missing = [
                !args.opts.protect && "the Pulumi protect option (a replacement or destroy would delete it)",
                args.props.protection !== true && "Proxmox protection (its disks could be removed)",
                args.props.deleteUnreferencedDisksOnDestroy !== false &&
                    "deleteUnreferencedDisksOnDestroy: false (a destroy would delete its detached data disks)",
            ].filter(Boolean);
            if (missing.length > 0) {
                reportViolation(`File server VM ${args.props.name ?? args.name} lacks ${missing.join("; ")}.`);
            }
        },
    },
);
