/**
 * The resolvers and time sources each guest is given (cloud-init's DNS servers, chrony's servers), derived from the
 * flow matrix: a guest is pointed only at servers the matrix lets it reach. The domain controllers when the host
 * may reach every one of them on DNS (NTP), else the site's upstream servers (`billu:network.dnsForwarders`,
 * `ntpServers`) when the host may reach the WAN on DNS (NTP). A host that may reach neither is an input error: its
 * first package installation could not resolve the mirror (a DMZ server pointed at the DCs, for example).
 *
 * A domain controller is given its bootstrap resolvers: what it resolves through before its own DNS answers (its first
 * package installation, a join's lookup of the forest). The DCs before it in billu:hosts order that it may query
 * (they run when it is built, and answer for the forest), then the upstream servers when it may reach the WAN on DNS.
 * The first DC has only the upstream servers: pointed at itself (127.0.0.1) it could not resolve the package mirror
 * before Samba exists. The `dc` step switches it to itself once its DNS answers; its time follows the domain
 * hierarchy (components/domain-controller), so its `ntp` here is empty.
 */
import type { HostView } from "./core";
import { evaluate, FirewallModel } from "./flows";
import { Problems } from "./errors";

/** What the guest resolvers read of a host (model/core.ts). */
export type GuestResolverHost = HostView;

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
    dcs.forEach((dc, i) => out.set(dc.name, { dns: planDcBootstrap(input, dcs, i, problems), ntp: [] }));
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

/** The bootstrap resolvers of the i-th DC (see the module comment); a DC that may reach none is an input error. */
function planDcBootstrap(input: GuestResolverInput, dcs: readonly GuestResolverHost[], i: number, problems: Problems): readonly string[] {
    const dc = dcs[i];
    const from = { kind: "host", host: dc.name, zone: dc.zone } as const;
    const earlier = dcs.slice(0, i).filter((d) => evaluate(input.firewall, from, { kind: "host", host: d.name, zone: d.zone }, "udp", 53).allowed);
    const wan = input.wanZone !== undefined && evaluate(input.firewall, from, { kind: "zone", zone: input.wanZone }, "udp", 53).allowed;
    const dns = [...earlier.map((d) => d.address), ...(wan ? input.dnsForwarders : [])];
    if (dns.length === 0) {
        problems.add(
            `billu:hosts[${dc.index}]`,
            `${dc.name} can reach no resolver before its own DNS runs: ${
                wan
                    ? "billu:network.dnsForwarders is empty"
                    : i > 0
                      ? "the flow matrix lets it reach neither the DCs before it nor the WAN on dns"
                      : "the flow matrix does not let it reach the WAN on dns"
            }, so its first package installation could not resolve the mirror`,
            wan
                ? `set billu:network.dnsForwarders (the flow matrix already lets ${dc.name} reach the WAN on dns)`
                : `add a flow to billu:flows, { from: ${dc.zone}, to: ${input.wanZone ?? "<the WAN zone>"}, service: dns } with billu:network.dnsForwarders`,
        );
    }
    return dns;
}
