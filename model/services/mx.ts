/** The inbound mail relay: Postfix in the DMZ, the MX of the mail domain (`billu:mx`), model/mx.ts. */
import type { FirewallConfig } from "../flows";
import type { MailPlan } from "../mail";
import { MxConfig, MxPlan, mxSchema, planMx } from "../mx";
import { defineService, Requirement } from "./types";

export const mxService = defineService<MxConfig, MxPlan>({
    key: "mx",
    title: "inbound mail relay",
    config: { mx: mxSchema.optional() },
    // Stateless: it keeps only its queue, which drains to the mail server within seconds (nothing to back up).
    role: { code: "MX", startOrder: 5, stateful: false },
    after: ["mail?"],
    plan: ({ config, all, core, plan, problems }) =>
        planMx(
            {
                cfg: config,
                hosts: core.hosts.map((h) => ({ name: h.name, role: h.role, os: h.os, zone: h.zone, address: h.nics[0].address, index: h.index })),
                zones: core.zones,
                siteDomain: core.site.domain,
                mail: plan<MailPlan>("mail"),
                mailPending: (all.mail !== undefined || core.hosts.some((h) => h.role === "mail")) && plan<MailPlan>("mail") === undefined,
                published: (all.firewall as FirewallConfig | undefined)?.published ?? [],
                wanAddress: core.wanZone?.routerAddress,
                wanZone: core.wanZone?.name,
            },
            problems,
        ),
    requires: (mx): Requirement[] => [
        ...mx.flows.map((f) => ({ kind: "flow" as const, ...f })),
        { kind: "listen", host: mx.host.name, service: "smtp", why: "Postfix receives the internet's mail for the mail domain" },
    ],
});
