import { StackValidationPolicy } from "@pulumi/policy";
import { HA_RESOURCE_TYPE, VM_TAG, VM_TYPE } from "../../components/contracts";
import { rule, vmTags } from "./rule";

export const requireHaForStatefulVms = rule<StackValidationPolicy>(
    {
        name: "require-ha-for-stateful-vms",
        description: "In prod, every stateful VM (DCs, file server, mail) is a Proxmox VE HA resource in state started.",
        reason: "A node failure must not leave the domain, the shares or the mailboxes down until someone notices: Proxmox's HA manager restarts them on another node.",
        remediation:
            "Give billu:proxmox.nodes at least two nodes (the program then makes an HA group per node and an HA resource per stateful VM), and do not set the HA resource's state to anything but started.",
        enforcementLevel: "mandatory",
    },
    {
        validateStack: (args, reportViolation) => {
            const ha = new Map(args.resources.filter((r) => r.type === HA_RESOURCE_TYPE).map((r) => [String(r.props.resourceId), r]));
            for (const vm of args.resources.filter((r) => r.type === VM_TYPE)) {
                const tags = vmTags(vm.props);
                if (!tags.includes(VM_TAG.env("prod")) || !tags.includes(VM_TAG.stateful)) continue;
                const name = String(vm.props.name ?? vm.name);
                const res = ha.get(`vm:${String(vm.props.vmId)}`);
                if (!res) {
                    reportViolation(`Stateful VM ${name} (vm:${String(vm.props.vmId)}) is not an HA resource: a node failure leaves it down.`, vm.urn);
                } else if ((res.props.state ?? "started") !== "started") {
                    reportViolation(`Stateful VM ${name}'s HA resource is in state ${String(res.props.state)}, so HA will not restart it.`, res.urn);
                }
            }
        },
    },
);
