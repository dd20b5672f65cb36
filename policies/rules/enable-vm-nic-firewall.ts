import { ResourceValidationPolicy } from "@pulumi/policy";
import { VM_TYPE } from "../../components/contracts";
import { rule } from "./rule";

export const enableVmNicFirewall = rule<ResourceValidationPolicy>(
    {
        name: "enable-vm-nic-firewall",
        description: "Every VM NIC has the Proxmox VE firewall on.",
        reason: "A NIC without the firewall bypasses the per-VM rules, so a server would accept any flow from its own zone.",
        remediation: "Set firewall: true on every networkDevices entry (ProxmoxVm does this; do not override it).",
        enforcementLevel: "mandatory",
    },
    {
        validateResource: (args, reportViolation) => {
            if (args.type !== VM_TYPE) return;
            const nics = (args.props.networkDevices ?? []) as { firewall?: boolean; bridge?: string }[];
            nics.forEach((n, i) => {
                if (n.firewall !== true) {
                    reportViolation(`VM ${args.props.name ?? args.name}: networkDevices[${i}] (bridge ${n.bridge ?? "?"}) has the Proxmox firewall off.`);
                }
            });
        },
    },
);
