/** What the planners read of billu:hosts: one mapping of the core's hosts, shared by the services that need it. */
import type { HostModel, HostView } from "../core";

/**
 * `core.hosts` as a planner reads them: the {@link HostView} fields, with the address of the host's first NIC, plus
 * the `extra` fields a planner needs beyond them (`"joinDomain"`, `"disks"`), named so that a planner receives only
 * what it reads.
 */
export function hostInputs<K extends keyof HostModel = never>(hosts: readonly HostModel[], ...extra: readonly K[]): (HostView & Pick<HostModel, K>)[] {
    return hosts.map((h) => {
        const view: HostView = { name: h.name, role: h.role, os: h.os, zone: h.zone, address: h.nics[0].address, index: h.index };
        return Object.assign(view, ...extra.map((k) => ({ [k]: h[k] }))) as HostView & Pick<HostModel, K>;
    });
}
