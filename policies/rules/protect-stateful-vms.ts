import { ResourceValidationPolicy } from "@pulumi/policy";
import { VM_TAG, VM_TYPE } from "../../components/contracts";
import { rule, vmTags } from "./rule";

export const protectStatefulVms = rule<ResourceValidationPolicy>(
    {
        name: "protect-stateful-vms",
        description: "In prod, stateful VMs (domain controllers, file server, mail) are protected from replacement and deletion.",
        reason: "Their disks hold the directory, the files and the mailboxes: a replacement or a destroy would lose them.",
        remediation: "Keep site.protectStateful on in prod (ProxmoxVm then sets protect, retainOnDelete and Proxmox's protection flag).",
        enforcementLevel: "mandatory",
    },
    {
        validateResource: (args, reportViolation) => {
            if (args.type !== VM_TYPE) return;
            const tags = vmTags(args.props);
            if (!tags.includes(VM_TAG.stateful) || !tags.includes(VM_TAG.env("prod"))) return;
            const missing = [!args.opts.protect && "the Pulumi protect option", args.props.protection !== true && "Proxmox protection"].filter(Boolean);
            if (missing.length > 0) {
                reportViolation(`Stateful VM ${args.props.name ?? args.name} lacks ${missing.join(" and ")}.`);
            }
        },
    },
);
