/** Client workstations (`client` role): Debian desktops joined to the domain through winbind (model/client.ts). */
import { ClientPlan, planClients } from "../client";
import type { DomainModel } from "../domain";
import type { FileServerPlan } from "../fileserver";
import { defineService } from "./types";

export const clientService = defineService<undefined, ClientPlan>({
    key: "client",
    title: "a client workstation",
    // Last: a workstation needs the domain, the file server and the rest running before a user logs on.
    role: { code: "CLI", startOrder: 7, stateful: false },
    // The file server's id ranges are the clients' too (one uid per person on every member).
    after: ["dc", "fileserver?"],
    plan: ({ core, plan, problems }) => {
        const fs = plan<FileServerPlan[]>("fileserver")?.[0];
        const domain = plan<DomainModel>("dc");
        return planClients(
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
                domain,
                idmap: fs ? { other: fs.idmap.default, domain: fs.idmap.domain } : undefined,
                // The person's home folder at logon: the file server's home share, by the name its Kerberos ticket is for.
                homes: fs?.homes && domain ? { server: `${fs.host.toLowerCase()}.${domain.fqdn}`, share: fs.homes.name } : undefined,
            },
            problems,
        );
    },
});
