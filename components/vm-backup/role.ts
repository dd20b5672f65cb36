import * as pulumi from "@pulumi/pulumi";
import { vmBackupService } from "../../model/services/vm-backup";
import { planOf } from "../../model/services/types";
import type { SiteContext } from "../context";
import type { DocSections } from "../contracts";
import { vmBackupDocs } from "./render";
import { VmBackup } from "./VmBackup";

/**
 * The site-wide builder of the VM images (components/registry.ts `site`): run once every role's VMs exist, it
 * declares the storage and the jobs over them, and adds the docs sections. Nothing when the site has no
 * billu:vmBackup.
 */
export function buildVmBackup(ctx: SiteContext, parent: pulumi.Resource): DocSections | undefined {
    const plan = planOf(vmBackupService, ctx.model);
    if (!plan) return undefined;
    // The program reads the secret (stacks/program.ts vmBackupPbsPassword) and stops before any resource without it.
    const pbsPassword = plan.storage.kind === "pbs" ? ctx.vmBackupPbsPassword : undefined;
    if (plan.storage.kind === "pbs" && pbsPassword === undefined) {
        throw new Error("internal: billu:vmBackup stores on PBS, but the site was given no billu:vmBackupPbsPassword");
    }
    new VmBackup(`${ctx.model.site.code.toLowerCase()}-vm-backup`, { plan, pbsPassword, vms: ctx.vms, protect: ctx.model.site.protectStateful }, { parent });
    return vmBackupDocs(plan, (h) => ctx.model.host(h).disks[0].datastore);
}
