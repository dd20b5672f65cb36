/** The AD forest trust with the partner's forest (`billu:trust`), model/trust.ts. */
import type { DomainModel } from "../domain";
import type { FirewallModel } from "../flows";
import { BUILTIN_SERVICES } from "../ports";
import { planTrust, TrustConfig, TrustPlan, trustSchema } from "../trust";
import type { VpnLocal } from "../vpn";
import { defineService, Requirement } from "./types";

export const trustService = defineService<TrustConfig, TrustPlan>({
    key: "trust",
    title: "the forest trust with the partner",
    config: { trust: trustSchema.optional() },
    after: ["dc", "vpn", "firewall"],
    plan: ({ config, core, plan, loaders, problems }) =>
        planTrust(
            {
                site: core.site,
                cfg: config,
                domain: plan<DomainModel>("dc"),
                vpn: plan<VpnLocal>("vpn"),
                hosts: core.hosts.map((h) => ({ name: h.name, zone: h.zone, address: h.address, role: h.role })),
                services: plan<FirewallModel>("firewall")?.catalogue.names() ?? BUILTIN_SERVICES.map((s) => s.name),
                partnerDirectory: plan<VpnLocal>("vpn") && loaders.peerDirectory?.(plan<VpnLocal>("vpn")!.peerStack),
            },
            problems,
        ),
    requires: (trust): Requirement[] => trust.flows.map((f) => ({ kind: "flow" as const, ...f })),
});
