/** The file servers: a RAID 1 data array and the department shares (`billu:fileserver`), model/fileserver.ts. */
import { FileServerConfig, FileServerPlan, fileserverSchema, planFileServers } from "../fileserver";
import type { DirectoryPlan } from "../directory";
import type { TrustPlan } from "../trust";
import { defineService, Requirement } from "./types";

export const fileserverService = defineService<FileServerConfig, FileServerPlan[]>({
    key: "fileserver",
    title: "the file server",
    config: { fileserver: fileserverSchema.optional() },
    role: { code: "FS", startOrder: 4, stateful: true },
    // The home folders are the directory's accounts'.
    // The trust grants' shares are served here.
    after: ["directory?", "trust?"],
    plan: ({ config, all, core, hr, plan, problems }) => {
        const proxmox = all.proxmox as { datastores: string[] };
        // A directory declared but not planned reported its own problems: no echo here.
        const people = plan<DirectoryPlan>("directory")?.people ?? (all.directory !== undefined ? "failed" : undefined);
        return planFileServers({ fileserver: config, proxmox, site: core.site }, core.zones, core.hosts, hr, problems, people, plan<TrustPlan>("trust"));
    },
    requires: (plans): Requirement[] => [
        ...plans.map((p): Requirement => ({ kind: "listen", host: p.host, service: "smb", why: "the shares" })),
        ...plans.map((p): Requirement => ({
            kind: "backup",
            host: p.host,
            dataClass: "files",
            // The share root: the mirrored filesystem (Linux) or the Shares folder of the mirrored volume (Windows,
            // written with forward slashes as the Windows DC's data is).
            paths: [p.flavor === "windows" ? `${p.driveLetter}:/Shares` : p.mountPoint],
            why: p.flavor === "windows" ? "the department shares, with their NTFS ACLs" : "the department shares, with their owners, POSIX ACLs and xattrs",
        })),
    ],
});
