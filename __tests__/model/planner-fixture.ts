/**
 * What the service planners' tests share (backup, logs, monitoring, mx): a host as a planner sees it, the zones of a
 * routed site, and a planner's messages. A test builds its site from these and adds what its planner alone reads.
 */
import type { HostView, OsKind } from "../../model/core";
import { formatProblem, Problems } from "../../model/errors";

/** A host as a service planner sees it (HostView); a test spreads it and adds what its planner also reads (disks, state). */
export function viewHost(index: number, name: string, role: string, zone: string, address: string, os: OsKind = "debian-12"): HostView {
    return { name, role, os, zone, address, index };
}

/** The zones of a routed site: the WAN, management, servers, the DMZ and one department, each with its router address. */
export const ROUTED_ZONES = [
    { name: "wan", kind: "wan" },
    { name: "management", kind: "management", routerAddress: "10.20.0.1" },
    { name: "servers", kind: "servers", routerAddress: "10.20.10.1" },
    { name: "dmz", kind: "dmz", routerAddress: "172.16.120.1" },
    { name: "lan-dsi", kind: "department", routerAddress: "10.20.21.1" },
];

/** Every problem <planner> reports for <input>, as the user reads it; a planner that reports any returns no plan. */
export function plannerMessages<I>(planner: (input: I, problems: Problems) => unknown, input: I): string[] {
    const p = new Problems();
    const plan = planner(input, p);
    if (p.count > 0) expect(plan).toBeUndefined();
    return p.all.map(formatProblem);
}
