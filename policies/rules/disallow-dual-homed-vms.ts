import { ResourceValidationPolicy } from "@pulumi/policy";
import { VM_TAG, VM_TYPE } from "../../components/contracts";
import { rule, vmTags } from "./rule";

export const disallowDualHomedVms = rule<ResourceValidationPolicy>(
    {
        name: "disallow-dual-homed-vms",
        description: "Only the Firewall VM has NICs in more than one zone.",
        reason: "A server with a leg in two zones routes around the firewall and the flow matrix.",
        remediation: "Give the VM a single NIC in its zone; traffic between zones goes through the router.",
        enforcementLevel: "mandatory",
    },
    {
        validateResource: (args, reportViolation) => {
            if (args.type !== VM_TYPE) return;
            if (vmTags(args.props).includes(VM_TAG.role("firewall"))) return;
            const nics = (args.props.networkDevices ?? []) as { bridge?: string; vlanId?: number }[];
            const zones = new Set(nics.map((n) => `${n.bridge}/${n.vlanId ?? "untagged"}`));
            if (zones.size > 1) {
                reportViolation(`VM ${args.props.name ?? args.name} has NICs in ${zones.size} networks (${[...zones].join(", ")}).`);
            }
        },
    },
);
