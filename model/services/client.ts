/** Client workstations (`client` role): Debian desktops joined to the domain through winbind (model/client.ts). */
import { ClientPlan, planClients } from "../client";
import type { DirectoryPlan } from "../directory";
import type { DomainModel } from "../domain";
import type { FileServerPlan } from "../fileserver";
import { hostInputs } from "./hosts";
import { defineService } from "./types";

export const clientService = defineService<undefined, ClientPlan>({
    key: "client",
    title: "a client workstation",
    // Last: a workstation needs the domain, the file server and the rest running before a user logs on.
    role: { code: "CLI", startOrder: 7, stateful: false },
    // The file server's id ranges are the clients' too (one uid per person on every member); the directory's OUs
    // are where the clients' computer accounts go.
    after: ["dc", "fileserver?", "directory?"],
    plan: ({ core, plan, problems }) => {
        const fs = plan<FileServerPlan[]>("fileserver")?.[0];
        const domain = plan<DomainModel>("dc");
        return planClients(
            {
                hosts: hostInputs(core.hosts, "joinDomain"),
                zones: core.zones,
                domain,
                directoryOus: plan<DirectoryPlan>("directory")?.ous,
                idmap: fs ? { other: fs.idmap.default, domain: fs.idmap.domain } : undefined,
                // The person's home folder at logon: the file server's home share, by the name its Kerberos ticket is for.
                homes: fs?.homes && domain ? { server: `${fs.host.toLowerCase()}.${domain.fqdn}`, share: fs.homes.name } : undefined,
            },
            problems,
        );
    },
});
