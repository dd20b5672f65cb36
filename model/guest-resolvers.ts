/**
 * The resolvers and time sources each guest is given (cloud-init's DNS servers, chrony's servers), derived from the
 * flow matrix: a guest is pointed only at servers the matrix lets it reach. The domain controllers when the host
 * may reach every one of them on DNS (NTP), else the site's upstream servers (`billu:network.dnsForwarders`,
 * `ntpServers`) when the host may reach the WAN on DNS (NTP). A host that may reach neither is an input error: its
 * first package installation could not resolve the mirror (a DMZ server pointed at the DCs, for example).
 *
 * Domain controllers are not planned here: a DC resolves through itself once Samba or AD DNS answers (the `dc` step).
 */
import { evaluate, FirewallModel } from "./flows";
import { Problems } from "./errors";

export interface GuestResolverHost {
    readonly name: string;
    readonly role: string;
    readonly zone: string;
    readonly address: string;
    readonly index: number;
}

export interface GuestResolvers {
    readonly dns: readonly string[];
    readonly ntp: readonly string[];
}

export interface GuestResolverInput {
    readonly hosts: readonly GuestResolverHost[];
    readonly firewall: FirewallModel;
    /** The WAN zone's name (the upstream servers live there). */
    readonly wanZone?: string;
    readonly dnsForwarders: readonly string[];
    readonly ntpServers: readonly string[];
}

type Svc = { readonly name: "dns" | "ntp"; readonly port: number; readonly upstream: readonly string[]; readonly key: string };

export function planGuestResolvers(input: GuestResolverInput, problems: Problems): ReadonlyMap<string, GuestResolvers> {
    const { firewall: fw } = input;
    const dcs = input.hosts.filter((h) => h.role === "dc");
    const out = new Map<string, GuestResolvers>();
    const services: Svc[] = [
        { name: "dns", port: 53, upstream: input.dnsForwarders, key: "billu:network.dnsForwarders" },
        { name: "ntp", port: 123, upstream: input.ntpServers, key: "billu:network.ntpServers" },
    ];
    for (const host of input.hosts.filter((h) => h.role !== "dc")) {
        const from = host.role === "firewall" ? ({ kind: "router" } as const) : ({ kind: "host", host: host.name, zone: host.zone } as const);
        const pick = (s: Svc): readonly string[] | undefined => {
            if (dcs.length > 0 && dcs.every((dc) => evaluate(fw, from, { kind: "host", host: dc.name, zone: dc.zone }, "udp", s.port).allowed)) {
                return dcs.map((dc) => dc.address);
            }
            if (s.upstream.length > 0 && input.wanZone && evaluate(fw, from, { kind: "zone", zone: input.wanZone }, "udp", s.port).allowed) {
                return s.upstream;
            }
            return undefined;
        };
        const [dns, ntp] = services.map((s) => {
            const chosen = pick(s);
            if (chosen) return chosen;
            const src = host.role === "firewall" ? "router" : host.zone;
            const wanAllowed = input.wanZone !== undefined && evaluate(fw, from, { kind: "zone", zone: input.wanZone }, "udp", s.port).allowed;
            const fix =
                wanAllowed && s.upstream.length === 0
                    ? `set ${s.key} (the flow matrix already lets ${host.name} reach the WAN on ${s.name})`
                    : `add a flow to billu:flows, ${[
                          ...(dcs.length > 0 ? [`{ from: ${src}, to: ${dcs[0].name}, service: ${s.name} }`] : []),
                          ...(input.wanZone ? [`{ from: ${src}, to: ${input.wanZone}, service: ${s.name} } with ${s.key}`] : []),
                      ].join(" or ")}`;
            problems.add(
                `billu:hosts[${host.index}]`,
                `${host.name} can reach no ${s.name === "dns" ? "resolver" : "time source"}: the flow matrix lets it reach neither ${
                    dcs.length > 0 ? `the domain controllers (${dcs.map((d) => d.name).join(", ")})` : "a domain controller (the site has none)"
                } nor ${s.upstream.length > 0 ? `the upstream servers of ${s.key}` : `any server (${s.key} is empty)`} on ${s.name}`,
                fix,
            );
            return [];
        });
        out.set(host.name, { dns, ntp });
    }
    return out;
}
