import type { RoleBuilder } from "../contracts";
import { arrayDocRows, shareDocRows } from "./render";
import { FileServerRaid1 } from "./FileServerRaid1";

/** The `fileserver` role: a FileServerRaid1 per host, and the docs sections for its shares and its mirror. */
export const buildFileServers: RoleBuilder = (ctx, hosts, parent) => {
    const servers = hosts.map((host) => {
        const plan = ctx.model.fileservers?.find((p) => p.host === host.name);
        if (!plan) throw new Error(`no file server plan for ${host.name}: buildSiteModel plans every host of role fileserver`);
        return { host: host.name, server: new FileServerRaid1(host.name.toLowerCase(), { ctx, host, plan }, { parent }) };
    });
    const plans = ctx.model.fileservers ?? [];
    return {
        ready: servers.flatMap((s) => s.server.ready),
        vms: new Map(servers.map((s) => [s.host, s.server.server.vm.vm])),
        docs: {
            "File server shares": {
                columns: ["host", "share", "path", "kind", "read/write groups", "full control"],
                rows: plans.flatMap(shareDocRows),
            },
            "File server array": {
                columns: ["host", "mirror", "data disks", "usable size", "filesystem", "alerts to"],
                rows: plans.flatMap(arrayDocRows),
            },
        },
    };
};
