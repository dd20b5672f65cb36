/** Group Policy (`billu:gpo`): GPOs, links, security filtering and settings, model/gpo.ts. */
import type { DirectoryPlan } from "../directory";
import type { DomainModel } from "../domain";
import type { FileServerPlan } from "../fileserver";
import { GpoConfig, GposPlan, gpoSchema, planGpos } from "../gpo";
import { defineService } from "./types";

export const gpoService = defineService<GpoConfig, GposPlan>({
    key: "gpo",
    title: "Group Policy",
    config: { gpo: gpoSchema.optional() },
    // The OUs and groups it names are the directory's; the shares it maps, the file server's (planned anyway when
    // the file server's plan failed: a share it names is then reported unknown, after the file server's own problem).
    after: ["dc", "directory", "fileserver?"],
    plan: ({ config, plan, problems }) => {
        const domain = plan<DomainModel>("dc");
        const directory = plan<DirectoryPlan>("directory");
        const fileservers = plan<FileServerPlan[]>("fileserver") ?? [];
        return planGpos(
            {
                cfg: config,
                domain: domain && { fqdn: domain.fqdn, dn: domain.dn, flavor: domain.flavor, dcs: domain.dcs, pdcEmulator: domain.pdcEmulator },
                directory,
                shares: fileservers.flatMap((fs) => fs.shares.map((s) => ({ name: s.name, host: fs.host, kind: s.kind, department: s.department }))),
            },
            problems,
        );
    },
});
