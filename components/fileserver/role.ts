import type { RoleBuilder } from "../contracts";
import { arrayDocRows, shareDocRows } from "./render";
import { FileServerRaid1 } from "./FileServerRaid1";

/** The `fileserver` role: a FileServerRaid1 per host, and the docs sections for its shares and its mirror. */
export const buildFileServers: RoleBuilder = (ctx, hosts, parent, docs) => {
    const ready = hosts.flatMap((host) => {
        const plan = ctx.model.fileservers?.find((p) => p.host === host.name);
        if (!plan) throw new Error(`no file server plan for ${host.name}: buildSiteModel plans every host of role fileserver`);
        return new FileServerRaid1(host.name.toLowerCase(), { ctx, host, plan }, { parent }).ready;
    });
    const plans = ctx.model.fileservers ?? [];
    docs.sections["File server shares"] = {
        columns: ["host", "share", "path", "kind", "read/write groups", "full control"],
        rows: plans.flatMap(shareDocRows),
    };
    docs.sections["File server array"] = {
        columns: ["host", "mirror", "data disks", "usable size", "filesystem", "alerts to"],
        rows: plans.flatMap(arrayDocRows),
    };
    return { ready };
};
