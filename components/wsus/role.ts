import * as pulumi from "@pulumi/pulumi";
import type { WsusPlan } from "../../model/wsus";
import { BaseServer } from "../base-server/BaseServer";
import { connectionTo, guestAccess, siteServer } from "../context";
import type { RoleBuilder } from "../contracts";
import { GuestStep } from "../guest-step/GuestStep";
import { renderWsusPlan, WSUS_DIR, WSUS_PLAN_PATH, wsusDocRows, wsusFunctions, wsusStepScript } from "./render";

/**
 * The `wsus` role: the WSUS host's VM (BaseServer, its data disk from billu:hosts) and one Windows step `wsus` that
 * installs UpdateServices with WID, runs postinstall on the content volume and sets products, classifications,
 * languages, upstream, schedule, target groups and approval rules from the plan (scripts/wsus/wsus.ps1).
 */
export const buildWsus: RoleBuilder = (ctx, hosts, parent) => {
    const plan = ctx.model.plan<WsusPlan>("wsus");
    const out = hosts.map((host) => {
        if (!plan || plan.host !== host.name) throw new Error(`no WSUS plan for ${host.name}: buildSiteModel plans the host of role wsus`);
        const name = host.name.toLowerCase();
        const server = new BaseServer(name, { ...siteServer(ctx), host }, { parent });
        const step = new GuestStep(
            `${name}-wsus`,
            {
                host: host.name,
                step: "wsus",
                os: "windows",
                connection: connectionTo(guestAccess(ctx), host, server.vm.vm),
                renderDir: guestAccess(ctx).renderDir,
                after: server.ready,
                files: [
                    { path: `${WSUS_DIR}/wsus.ps1`, content: wsusFunctions().replace(/\r?\n/g, "\r\n") },
                    { path: WSUS_PLAN_PATH, content: renderWsusPlan(plan) },
                ],
                script: wsusStepScript(plan),
            },
            { parent },
        );
        return { host: host.name, server, step };
    });
    const rows = plan ? wsusDocRows(plan) : { server: [], groups: [], rules: [] };
    return {
        ready: out.map((o) => o.step.apply as pulumi.Resource),
        vms: new Map(out.map((o) => [o.host, o.server.vm.vm as pulumi.Resource])),
        docs: {
            "WSUS server": { columns: ["host", "URL", "content", "upstream", "sync", "products", "classifications", "languages"], rows: rows.server },
            "WSUS target groups": { columns: ["group", "OU", "GPO (client-side targeting)"], rows: rows.groups },
            "WSUS approval rules": { columns: ["rule", "classifications", "products", "target groups", "enabled"], rows: rows.rules },
        },
    };
};
