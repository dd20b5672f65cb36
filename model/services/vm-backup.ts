/** VM images on Proxmox: the backup storage and the job covering every stateful VM (`billu:vmBackup`), model/vm-backup.ts. */
import type { MailPlan } from "../mail";
import { planVmBackup, VmBackupConfig, vmBackupSchema, VmBackupPlan } from "../vm-backup";
import { defineService } from "./types";

export const vmBackupService = defineService<VmBackupConfig, VmBackupPlan>({
    // The plan's name and the docs/tests file names; its config key is billu:vmBackup.
    key: "vm-backup",
    title: "VM images on Proxmox",
    config: { vmBackup: vmBackupSchema.optional() },
    // Reads the mail plan for the report's default address (postmaster), and plans without it.
    after: ["hosts", "mail?"],
    plan: ({ config, core, all, plan, problems }) =>
        planVmBackup(
            {
                site: core.site,
                cfg: config,
                hosts: core.hosts,
                nodes: (all.proxmox as { nodes: { name: string }[] }).nodes.map((n) => n.name),
                mailDomain: plan<MailPlan>("mail")?.domain,
            },
            problems,
        ),
});
