/** Asset management and helpdesk: GLPI 10 on the host of role assets (`billu:assets`), model/assets.ts. */
import { AssetsConfig, AssetsPlan, assetsSchema, INVENTORY_AGENT_NEED, planAssets } from "../assets";
import type { DirectoryPlan } from "../directory";
import type { DomainModel } from "../domain";
import type { MailPlan } from "../mail";
import { defineService, Requirement } from "./types";

export const assetsService = defineService<AssetsConfig, AssetsPlan>({
    key: "assets",
    title: "asset management (GLPI)",
    config: { assets: assetsSchema.optional() },
    // Stateful: the database holds the tickets and the inventory (backed up, protected against replacement).
    role: { code: "GLPI", startOrder: 5, stateful: true },
    after: ["hosts", "dc", "directory", "mail?"],
    plan: ({ config, all, core, plan, problems }) =>
        planAssets(
            {
                cfg: config,
                hosts: core.hosts.map((h) => ({ name: h.name, role: h.role, os: h.os, zone: h.zone, address: h.nics[0].address, index: h.index })),
                zones: core.zones,
                domain: plan<DomainModel>("dc"),
                directory: plan<DirectoryPlan>("directory"),
                directoryPending: all.directory !== undefined,
                mail: plan<MailPlan>("mail"),
                mailPending: all.mail !== undefined || core.hosts.some((h) => h.role === "mail"),
                flows: Array.isArray(all.flows) ? (all.flows as { from: string; to: string; hosts?: string[] }[]) : [],
                published: ((all.firewall as { published?: { host: string }[] } | undefined)?.published ?? []).map((p) => ({ host: p.host })),
            },
            problems,
        ),
    requires: (assets): Requirement[] => [
        ...assets.flows.map((f) => ({ kind: "flow" as const, ...f })),
        { kind: "listen", host: assets.host.name, service: "https", why: "GLPI's web interface and its inventory endpoint (Apache)" },
        {
            kind: "every-host",
            need: INVENTORY_AGENT_NEED,
            service: "assets",
            hosts: assets.inventory.agents,
            why: "every Debian host runs the inventory agent (fusioninventory-agent), which reports to GLPI's native inventory endpoint",
        },
        {
            kind: "backup",
            host: assets.host.name,
            dataClass: "database",
            paths: [assets.dumpDir, assets.filesDir],
            why: "GLPI's database (tickets, assets, from the daily mysqldump) and its documents",
        },
    ],
});
