import { StackValidationPolicy } from "@pulumi/policy";
import { VM_TAG, VM_TYPE } from "../../components/contracts";
import { rule, vmTags } from "./rule";

export const requireDcNodeSpread = rule<StackValidationPolicy>(
    {
        name: "require-dc-node-spread",
        description: "In prod, the domain has at least two domain controllers and no two of them run on the same Proxmox node.",
        reason: "The whole site logs on, resolves names and gets its time through the DCs: one node going down must not take the domain with it.",
        remediation:
            "Declare at least two DCs in billu:hosts and give each its own node (billu:hosts[i].node), e.g. PAR-DC01 on pve1, PAR-DC02 on pve2, PAR-DC03 on pve3.",
        enforcementLevel: "mandatory",
    },
    {
        validateStack: (args, reportViolation) => {
            const dcs = args.resources.filter(
                (r) => r.type === VM_TYPE && vmTags(r.props).includes(VM_TAG.role("dc")) && vmTags(r.props).includes(VM_TAG.env("prod")),
            );
            if (dcs.length === 0) return;
            const name = (r: (typeof dcs)[number]) => String(r.props.name ?? r.name);
            if (dcs.length < 2) {
                reportViolation(`Prod has a single domain controller (${name(dcs[0])}): a node failure takes the domain down.`, dcs[0].urn);
            }
            const byNode = new Map<string, typeof dcs>();
            for (const r of dcs) {
                const node = String(r.props.nodeName ?? "?");
                byNode.set(node, [...(byNode.get(node) ?? []), r]);
            }
            for (const [node, on] of byNode) {
                if (on.length > 1) {
                    reportViolation(
                        `Domain controllers ${on.map(name).join(", ")} all run on Proxmox node ${node}: losing ${node} loses them together.`,
                        on[1].urn,
                    );
                }
            }
        },
    },
);
