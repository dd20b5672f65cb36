/** The DMZ web server: the public site and the intranet (`billu:web`), model/web.ts. */
import type { FirewallModel } from "../flows";
import { loadWebContent } from "../web-content";
import { validateWeb, WebConfig, webFirewallView, WebModel, webSchema } from "../web";
import { defineService, Requirement } from "./types";

export const webService = defineService<WebConfig, WebModel>({
    key: "web",
    title: "the web server",
    config: { web: webSchema.optional() },
    role: { code: "WEB", startOrder: 5, stateful: false },
    after: ["hosts", "firewall?"],
    plan: ({ config, all, core, plan, loaders, problems }) => {
        const firewall = plan<FirewallModel>("firewall");
        return validateWeb(
            config,
            {
                site: core.site,
                zones: core.zones,
                hosts: core.hosts,
                configuredZones: ((all.network as { zones: { name: string }[] }).zones ?? []).map((z) => z.name),
                partnerNetworks: firewall?.vpnPartner?.networks.map((c) => c.text),
                firewall: firewall ? webFirewallView(firewall, core.hosts) : undefined,
            },
            problems,
            loaders.webContent ?? loadWebContent,
        );
    },
    requires: (web): Requirement[] => [
        ...web.dnsRecords.map((record) => ({ kind: "dns" as const, record })),
        ...["http", "https"].map((service) => ({ kind: "listen" as const, host: web.host, service, why: "Apache serves both sites" })),
    ],
});
