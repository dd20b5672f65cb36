/** Group Policy (`billu:gpo`): GPOs, links, security filtering and settings, model/gpo.ts. */
import { departmentGroup, DirectoryPlan } from "../directory";
import type { AssetsPlan } from "../assets";
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
    after: ["dc", "directory", "fileserver?", "assets?"],
    plan: ({ config, all, core, plan, problems }) => {
        const domain = plan<DomainModel>("dc");
        const directory = plan<DirectoryPlan>("directory");
        const fileservers = plan<FileServerPlan[]>("fileserver") ?? [];
        // A domain or directory the site declares but could not plan was reported by its own service: no echo here.
        const hasDcs = core.hosts.some((h) => h.role === "dc");
        const hasFileServers = core.hosts.some((h) => h.role === "fileserver");
        if (config && ((!domain && hasDcs) || (!directory && all.directory !== undefined) || (hasFileServers && !plan<FileServerPlan[]>("fileserver")))) {
            return undefined;
        }
        return planGpos(
            {
                cfg: config,
                domain: domain && { fqdn: domain.fqdn, dn: domain.dn, flavor: domain.flavor, dcs: domain.dcs, pdcEmulator: domain.pdcEmulator },
                directory,
                keptGroups: core.zones.flatMap((z) => (z.kind === "department" && z.department ? [departmentGroup(z.department)] : [])),
                shares: fileservers.flatMap((fs) => fs.shares.map((s) => ({ name: s.name, host: fs.host, kind: s.kind, department: s.department }))),
                homeShare: fileservers.flatMap((fs) => (fs.homes ? [{ name: fs.homes.name, host: fs.host, kind: "home", drive: fs.homes.drive }] : []))[0],
                glpiAgent: plan<AssetsPlan>("assets")?.windowsAgent,
                glpiPending: !plan<AssetsPlan>("assets") && (all.assets !== undefined || core.hosts.some((h) => h.role === "assets")),
            },
            problems,
        );
    },
});
