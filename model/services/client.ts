/** Client workstations (`client` role): Debian desktops joined to the domain through winbind (model/client.ts). */
import { ClientPlan, planClients } from "../client";
import type { DomainModel } from "../domain";
import { defineService } from "./types";

export const clientService = defineService<undefined, ClientPlan>({
    key: "client",
    title: "a client workstation",
    // Last: a workstation needs the domain, the file server and the rest running before a user logs on.
    role: { code: "CLI", startOrder: 7, stateful: false },
    after: ["dc"],
    plan: ({ core, plan, problems }) =>
        planClients(
            {
                hosts: core.hosts.map((h) => ({
                    name: h.name,
                    role: h.role,
                    os: h.os,
                    zone: h.zone,
                    address: h.nics[0].address,
                    joinDomain: h.joinDomain,
                    index: h.index,
                })),
                zones: core.zones,
                domain: plan<DomainModel>("dc"),
            },
            problems,
        ),
});
