import * as pulumi from "@pulumi/pulumi";
import { vmBackupService } from "../../model/services/vm-backup";
import { planOf } from "../../model/services/types";
import type { SiteContext } from "../context";
import type { DocSections } from "../contracts";
import { vmBackupDocs } from "./render";
import { VmBackup } from "./VmBackup";

/** The secret the PBS storage logs on with (`pulumi config set --secret billu:vmBackupPbsPassword`). */
export const PBS_PASSWORD_KEY = "vmBackupPbsPassword";

/**
 * The site-wide builder of the VM images (components/registry.ts `site`): run once every role's VMs exist, it
 * declares the storage and the jobs over them, and adds the docs sections. Nothing when the site has no
 * billu:vmBackup.
 */
export function buildVmBackup(ctx: SiteContext, parent: pulumi.Resource): DocSections | undefined {
    const plan = planOf(vmBackupService, ctx.model);
    if (!plan) return undefined;
    let pbsPassword: pulumi.Output<string> | undefined;
    if (plan.storage.kind === "pbs") {
        pbsPassword = new pulumi.Config("billu").getSecret(PBS_PASSWORD_KEY);
        if (pbsPassword === undefined) {
            // Offline synth has no stack secrets: a placeholder (recorded as [secret]) stands in for the real one.
            if (process.env.BILLU_SYNTH_OUT === undefined) {
                throw new pulumi.RunError(
                    `billu:${PBS_PASSWORD_KEY} is not set, and billu:vmBackup.storage.kind is pbs: the cluster cannot log on to ${plan.storage.server}. ` +
                        `Run pulumi config set --secret billu:${PBS_PASSWORD_KEY} (the password or API token secret of ${plan.storage.username}).`,
                );
            }
            pbsPassword = pulumi.secret("offline-synth-placeholder");
        }
    }
    new VmBackup(`${ctx.model.site.code.toLowerCase()}-vm-backup`, { plan, pbsPassword, vms: ctx.vms, protect: ctx.model.site.protectStateful }, { parent });
    return vmBackupDocs(plan, (h) => ctx.model.host(h).disks[0].datastore);
}
