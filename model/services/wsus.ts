/** WSUS (`billu:wsus`): the site's Windows update server, its target groups and approval rules, model/wsus.ts. */
import type { DirectoryPlan } from "../directory";
import { GpoConfig, ouPaths } from "../gpo";
import { planWsus, WsusConfig, WsusPlan, wsusSchema } from "../wsus";
import { defineService, Requirement } from "./types";

export const wsusService = defineService<WsusConfig, WsusPlan>({
    key: "wsus",
    title: "WSUS",
    config: { wsus: wsusSchema.optional() },
    // Not stateful: everything it holds comes back without a backup (the content from its upstream, products,
    // classifications, groups and rules from the wsus step); only approvals made by hand outside the rules would be
    // lost, and the nightly VM image (billu:vmBackup) keeps those.
    role: { code: "WSUS", startOrder: 4, stateful: false },
    // Its target groups are OUs of the directory plan (a directory that failed reported it already: no echo).
    after: ["directory?"],
    plan: ({ config, all, core, plan, problems }) => {
        const directory = plan<DirectoryPlan>("directory");
        // A directory declared but not planned (its own problem was reported, or the site is read as a VPN peer
        // without its HR export): the OUs are not checked here, so nothing is echoed and the peer still sees the
        // server's flows.
        const ous = directory ? new Set(ouPaths(directory).keys()) : all.directory !== undefined ? "unchecked" : undefined;
        return planWsus(
            {
                cfg: config,
                hosts: core.hosts,
                domain: core.site.domain,
                ous,
                gpo: all.gpo as GpoConfig | undefined,
            },
            problems,
        );
    },
    // No backup need: the content is downloaded again from the upstream, and the step re-applies products,
    // classifications, groups and rules from the model.
    requires: (p): Requirement[] => [
        { kind: "listen", host: p.host, service: p.ssl ? "wsus-ssl" : "wsus", why: "the clients' updates (WSUS web site)" },
        // The clients: every computer of a department zone (the OUs its target groups are) polls the server.
        { kind: "flow", from: "kind:department", to: p.host, service: p.ssl ? "wsus-ssl" : "wsus", why: "Windows clients report to and download from WSUS" },
        ...(p.upstream.kind === "microsoft-update"
            ? // Microsoft Update: metadata over HTTPS, update files over HTTP (learn.microsoft.com, "WSUS: configure the firewall").
              (["https", "http"] as const).map((service): Requirement => ({
                  kind: "flow",
                  from: p.host,
                  to: "wan",
                  service,
                  why: "synchronisation from Microsoft Update",
              }))
            : [
                  {
                      kind: "flow" as const,
                      from: p.host,
                      to: "wan",
                      service: p.upstream.ssl ? "wsus-ssl" : "wsus",
                      why: `synchronisation from the upstream WSUS ${p.upstream.server}`,
                  },
              ]),
    ],
});
