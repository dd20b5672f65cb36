/** The file servers: a RAID 1 data array and the department shares (`billu:fileserver`), model/fileserver.ts. */
import { FileServerConfig, FileServerPlan, fileserverSchema, planFileServers } from "../fileserver";
import { defineService, Requirement } from "./types";

export const fileserverService = defineService<FileServerConfig, FileServerPlan[]>({
    key: "fileserver",
    title: "the file server",
    config: { fileserver: fileserverSchema.optional() },
    role: { code: "FS", startOrder: 4, stateful: true },
    after: [],
    plan: ({ config, all, core, hr, problems }) => {
        const proxmox = all.proxmox as { datastores: string[] };
        return planFileServers({ fileserver: config, proxmox, site: core.site }, core.zones, core.hosts, hr, problems);
    },
    requires: (plans): Requirement[] => plans.map((p) => ({ kind: "listen", host: p.host, service: "smb", why: "the shares" })),
});
