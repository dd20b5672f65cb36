/** The router/firewall: the flow matrix (`billu:flows`) and the engine's settings (`billu:firewall`), model/flows.ts. */
import { z } from "zod";
import { buildFirewallModel, firewallSchema, FirewallModel, flowSchema } from "../flows";
import { defineService } from "./types";

export const firewallService = defineService<z.output<typeof firewallSchema>, FirewallModel>({
    key: "firewall",
    title: "the router",
    config: {
        firewall: firewallSchema.default({}),
        flows: z.array(flowSchema).default([]).describe("The flow matrix: who may open which service on whom. Everything not listed is denied."),
    },
    role: { code: "FW", startOrder: 1, stateful: false },
    after: ["hosts"],
    plan: ({ config, all, core, problems }) =>
        buildFirewallModel(
            {
                flows: (all.flows ?? []) as z.output<typeof flowSchema>[],
                firewall: config ?? firewallSchema.parse({}),
                zones: core.zones,
                hosts: core.hosts,
                vpnTunnel: all.vpn !== undefined,
            },
            problems,
        ),
});
