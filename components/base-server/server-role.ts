import * as pulumi from "@pulumi/pulumi";
import type { HostModel } from "../../model/site";
import type { SiteServerArgs } from "../context";
import type { RoleResult } from "../contracts";
import { BaseServer } from "./BaseServer";

/** What a service's own server gives its role: its step (what later roles wait for) and its base server's VM. */
export interface ServiceServerBuilt {
    readonly step: { readonly apply: pulumi.Resource };
    readonly server: { readonly vm: { readonly vm: pulumi.Resource } };
}

/**
 * A role with one server the plan names (the log collector, the backup server, the monitoring server): the host named
 * by `server.host` becomes `server.make(name, host)`, any other host of the role a plain BaseServer. `server` is absent
 * when the service is not planned (every host is then a BaseServer). `site` is what each BaseServer takes from the site.
 */
export function buildServerRole(
    site: SiteServerArgs,
    hosts: readonly HostModel[],
    parent: pulumi.Resource,
    server: { readonly host: string; readonly make: (name: string, host: HostModel) => ServiceServerBuilt } | undefined,
): RoleResult {
    const ready: pulumi.Resource[] = [];
    const vms = new Map<string, pulumi.Resource>();
    for (const host of hosts) {
        const name = host.name.toLowerCase();
        if (server && host.name === server.host) {
            const built = server.make(name, host);
            ready.push(built.step.apply);
            vms.set(host.name, built.server.vm.vm);
        } else {
            const base = new BaseServer(name, { ...site, host }, { parent });
            ready.push(...base.ready);
            vms.set(host.name, base.vm.vm);
        }
    }
    return { ready, vms };
}
