/**
 * The site's one requirements check: what every service's planner asked of the rest of the site (its flows, the
 * services its hosts listen on), held against the flow matrix through the matrix's own `evaluate`, so the matrix
 * has one meaning. Every missing flow is reported with the line to add; every flow of the matrix that opens a
 * host on a port where nothing of the model listens is reported too (an open port that serves nothing).
 */
import type { CoreModel } from "./core";
import { parseEndpoint } from "./endpoints";
import { Problems } from "./errors";
import { Actor, evaluate, FirewallModel, portsInside } from "./flows";
import { mergePorts, PortRange, portsText } from "./ports";
import type { FlowNeed, ListenNeed } from "./services/types";

/** A requirement with the service that asked for it. */
export interface Asked<R> {
    /** The descriptor's key (`mail`) and title (`mail`, `DHCP`). */
    readonly service: string;
    readonly title: string;
    readonly need: R;
}

/** The actors an endpoint stands for (a zone kind stands for each zone of that kind). */
export function actorsOf(text: string, core: CoreModel): Actor[] {
    const e = parseEndpoint(text);
    switch (e.kind) {
        case "router":
            return [{ kind: "router" }];
        case "vpn-partner":
            return [{ kind: "vpn-partner" }];
        case "peer-host":
            return [{ kind: "vpn-partner", host: e.host }];
        case "zone-kind":
            return core.zones.filter((z) => z.kind === e.zoneKind).map((z) => ({ kind: "zone", zone: z.name }));
        case "name": {
            const host = core.hosts.find((h) => h.name === e.name);
            if (host) return host.role === "firewall" ? [{ kind: "router" }] : [{ kind: "host", host: host.name, zone: host.zone }];
            if (core.zones.some((z) => z.name === e.name)) return [{ kind: "zone", zone: e.name }];
            throw new Error(`internal: a requirement names ${JSON.stringify(text)}, which is neither a zone nor a host of the site`);
        }
    }
}

function portsOf(fw: FirewallModel, service: string, asker: string): readonly PortRange[] {
    const s = fw.catalogue.get(service);
    if (!s) throw new Error(`internal: ${asker} requires the service ${JSON.stringify(service)}, which the port catalogue does not have`);
    return s.ports;
}

/** The line a user appends to billu:flows. */
export function flowLine(f: Pick<FlowNeed, "from" | "to" | "service" | "hosts">): string {
    return `{ from: ${f.from}, to: ${f.to}, service: ${f.service}${f.hosts ? `, hosts: [${f.hosts.join(", ")}]` : ""} }`;
}

/** The flows services need that the matrix does not allow, on every port of their service, in the order asked. */
export function uncoveredFlows(fw: FirewallModel, core: CoreModel, asked: readonly Asked<FlowNeed>[]): Asked<FlowNeed>[] {
    return asked.filter(({ service, need }) => {
        const ports = portsOf(fw, need.service, service);
        const sources = actorsOf(need.from, core);
        const targets = need.hosts ? need.hosts.flatMap((h) => actorsOf(h, core)) : actorsOf(need.to, core);
        return !sources.every((from) =>
            targets.every((to) => ports.every((p) => [p.from, p.to].every((port) => evaluate(fw, from, to, p.proto, port).allowed))),
        );
    });
}

/** Reports every flow a service needs and the matrix does not allow (uncoveredFlows), with the line to add. */
export function checkFlowNeeds(fw: FirewallModel, core: CoreModel, asked: readonly Asked<FlowNeed>[], problems: Problems): void {
    for (const { title, need } of uncoveredFlows(fw, core, asked)) {
        problems.add(
            "billu:flows",
            `lacks ${need.from} -> ${need.to} ${need.service}${need.hosts ? ` to ${need.hosts.join(", ")}` : ""}, which ${title} needs (${need.why})`,
            `append ${flowLine(need)} to billu:flows`,
        );
    }
}

/**
 * Reports every flow of the matrix that opens a port of a host where nothing the model deploys listens: the
 * services each host answers on are what the services' planners declared (`listen` requirements). Flows to a zone
 * (its clients) and to member servers (what they run is installed by hand) are not judged.
 */
export function checkListeners(fw: FirewallModel, core: CoreModel, asked: readonly Asked<ListenNeed>[], problems: Problems): void {
    const listening = new Map<string, { services: string[]; ports: PortRange[] }>();
    for (const { need, service } of asked) {
        const entry = listening.get(need.host) ?? { services: [], ports: [] };
        if (!entry.services.includes(need.service)) entry.services.push(need.service);
        entry.ports.push(...portsOf(fw, need.service, service));
        listening.set(need.host, entry);
    }
    for (const flow of fw.flows) {
        for (const dest of flow.destinations.filter((m) => m.kind === "host")) {
            const host = core.hosts.find((h) => h.name === dest.name);
            // A member server runs what the site installs by hand: the model cannot know what it answers on.
            if (!host || host.role === "member") continue;
            const entry = listening.get(host.name) ?? { services: [], ports: [] };
            const merged = mergePorts(entry.ports);
            const idle = flow.service.ports.filter((p) => !portsInside([p], merged));
            if (idle.length === 0) continue;
            problems.add(
                `billu:flows[${flow.index}]`,
                `opens ${flow.service.name} (${portsText(idle)}) on ${host.name}, where nothing the site deploys listens: a host of role ${host.role} answers on ${
                    entry.services.length > 0 ? entry.services.join(", ") : "nothing"
                }`,
                `remove the flow, or deploy the service that answers on ${flow.service.name} on ${host.name}`,
            );
        }
    }
}
