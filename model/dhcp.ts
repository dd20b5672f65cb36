/**
 * DHCP for the site's zones: the `billu:dhcp` config key (lease times, sizing factors, reservations, HA timings)
 * and the DHCP plan derived from the model (one scope per DHCP-enabled zone, the relay, the server pair). Pure:
 * renderers (components/dhcp) and docs read the plan, never the raw config.
 *
 * Design: the DHCP servers sit in the servers zone and serve every other zone through the router's relay
 * (RFC 2131 section 4.1, giaddr), so Kea runs with UDP sockets only and a zone holding a DHCP server cannot
 * itself be served. Reservations live outside the pools (Kea's `reservations-out-of-pool`), like static hosts.
 */
import { z } from "zod";
import { Cidr, ipToInt, isIpv4, isUsableHost, rangeSize } from "./addressing";
import { Problems, show } from "./errors";
import { SERVICES } from "./ports";
import type { HostModel, ZoneModel } from "./core";

const macPattern = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

export const reservationSchema = z
    .object({
        name: z
            .string()
            .regex(/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/, "must be a DNS label (letters, digits, dashes, at most 63)")
            .describe("Host name handed to the client (option 12): a DNS label, e.g. `prn-dsi-01`."),
        mac: z.string().regex(macPattern, "must be a MAC address written aa:bb:cc:dd:ee:ff").describe("Hardware address, `aa:bb:cc:dd:ee:ff` (any case)."),
        zone: z.string().min(1).describe("Zone of `billu:network.zones` with DHCP enabled."),
        address: z.string().min(1).describe("Reserved address: inside the zone, outside its pool."),
    })
    .strict();

export const dhcpSchema = z
    .object({
        lease: z
            .object({
                validSeconds: z.number().int().positive().describe("Lease lifetime (Kea `valid-lifetime`)."),
                renewSeconds: z.number().int().positive().optional().describe("T1, when a client renews with its server. Default: half the lifetime."),
                rebindSeconds: z
                    .number()
                    .int()
                    .positive()
                    .optional()
                    .describe("T2, when a client rebinds with any server. Default: seven eighths of the lifetime."),
            })
            .strict()
            .describe("Lease timers."),
        devicesPerPerson: z.number().positive().describe("Devices per person of a department (PC, phone, ...), for the pool sizing check."),
        marginPercent: z.number().min(0).max(1000).describe("Headroom above headcount x devicesPerPerson, in percent, for the pool sizing check."),
        reservations: z.array(reservationSchema).default([]).describe("Fixed addresses by MAC (printers, phones, known PCs)."),
        // Failover after the primary stops takes about maxResponseDelayMs (plus the unacked-clients analysis when
        // maxUnackedClients > 0). The defaults are ISC's.
        ha: z
            .object({
                heartbeatDelayMs: z.number().int().positive().default(10000).describe("Interval between heartbeats to the partner, ms."),
                maxResponseDelayMs: z
                    .number()
                    .int()
                    .positive()
                    .default(60000)
                    .describe("How long the partner may be silent before failover starts, ms (about the failover time)."),
                maxAckDelayMs: z.number().int().positive().default(10000).describe("How long a client may wait for an answer before it counts as unacked, ms."),
                maxUnackedClients: z
                    .number()
                    .int()
                    .min(0)
                    .default(10)
                    .describe("How many unacked clients confirm the partner is down (0: failover on the heartbeat alone)."),
            })
            .strict()
            .default({})
            .describe("Kea HA hot-standby timings, used when the site has two DHCP servers."),
    })
    .strict()
    .describe("The DHCP service (Kea): lease timers, pool sizing check, reservations and HA timings.");

export type DhcpConfig = z.output<typeof dhcpSchema>;

export interface DhcpReservation {
    readonly name: string;
    /** Lower case, colon separated. */
    readonly mac: string;
    readonly zone: string;
    readonly address: string;
}

export interface DhcpScope {
    readonly zone: string;
    readonly department?: string;
    readonly subnet: Cidr;
    /** Kea subnet id: the zone's VLAN id, stable across config changes (leases refer to it). */
    readonly subnetId: number;
    readonly poolStart: string;
    readonly poolEnd: string;
    readonly poolSize: number;
    /** Option 3 (routers): the zone's gateway. */
    readonly gateway: string;
    /** The relay's address in the zone: the giaddr of relayed requests, which selects the scope. */
    readonly relayAddress: string;
    /** The router's interface in the zone (dhcrelay downstream). */
    readonly relayInterface: string;
    readonly reservations: readonly DhcpReservation[];
    /** For department zones of a company site: headcount and the addresses the sizing check asks for. */
    readonly headcount?: number;
    readonly needed?: number;
}

export interface DhcpServerPlan {
    readonly name: string;
    readonly address: string;
    /** Interface Kea listens on (the server's NIC in its zone). */
    readonly ifname: string;
    /** HA role: primary or standby; absent for a lone server. */
    readonly haRole?: "primary" | "standby";
    /** The HA hook's own listener (peer API, mutual TLS with certificates of the site CA): `https://<address>:<port>/`. */
    readonly haUrl?: string;
}

export interface DhcpPlan {
    readonly servers: readonly DhcpServerPlan[];
    readonly scopes: readonly DhcpScope[];
    readonly lease: { readonly validSeconds: number; readonly renewSeconds: number; readonly rebindSeconds: number };
    /** Site-wide options: DNS servers and NTP servers (the DCs, else the router), domain name and search list. */
    readonly dnsServers: readonly string[];
    readonly ntpServers: readonly string[];
    readonly domain: string;
    readonly ha?: DhcpConfig["ha"] & { readonly mode: "hot-standby" };
    /** dhcrelay: upstream interfaces of the router (towards the servers) and the downstream ones (the scopes). */
    readonly relay: { readonly upstream: readonly string[]; readonly downstream: readonly string[]; readonly servers: readonly string[] };
    readonly devicesPerPerson: number;
    readonly marginPercent: number;
}

/** TCP port of the HA hook's peer API: the `kea-ha` service of the flow matrix. */
export const KEA_HA_PORT = SERVICES["kea-ha"].ports[0].from;

/** A flow the DHCP service needs through the router or into the servers, with why. */
export interface RequiredFlow {
    readonly from: string;
    readonly to: string;
    readonly service: "dhcp-relay" | "kea-ha";
    readonly hosts?: readonly string[];
    readonly why: string;
}

/** Addresses a department needs: headcount x devices per person, plus the margin, rounded up. */
export function addressesNeeded(headcount: number, devicesPerPerson: number, marginPercent: number): number {
    // Integer arithmetic on hundredths keeps 40 x 1.5 x 1.2 exact.
    return Math.ceil((Math.round(headcount * devicesPerPerson * 100) * (100 + marginPercent)) / 10000);
}

function inRange(ip: string, start: string, end: string): boolean {
    const n = ipToInt(ip);
    return n >= ipToInt(start) && n <= ipToInt(end);
}

/**
 * The flows the plan needs: clients' broadcasts reach the relay, servers answer the relay, the relay forwards to
 * the servers, clients renew directly with their server (unicast, through the router), HA peers talk.
 */
export function requiredDhcpFlows(plan: DhcpPlan, serverZones: ReadonlyMap<string, string>): RequiredFlow[] {
    const out: RequiredFlow[] = [];
    const names = plan.servers.map((s) => s.name);
    const zonesOfServers = [...new Set(names.map((n) => serverZones.get(n)!))];
    for (const s of plan.scopes) {
        out.push({ from: s.zone, to: "router", service: "dhcp-relay", why: "clients broadcast to the relay" });
        for (const z of zonesOfServers) {
            const hosts = names.filter((n) => serverZones.get(n) === z);
            out.push({ from: s.zone, to: z, service: "dhcp-relay", hosts, why: "clients renew their lease directly with the server" });
        }
    }
    for (const n of names) {
        out.push({ from: "router", to: n, service: "dhcp-relay", why: "the relay forwards requests to the server" });
        out.push({ from: n, to: "router", service: "dhcp-relay", why: "the server answers the relay" });
    }
    if (plan.ha) {
        out.push({ from: names[0], to: names[1], service: "kea-ha", why: "the HA peers exchange heartbeats and lease updates" });
        out.push({ from: names[1], to: names[0], service: "kea-ha", why: "the HA peers exchange heartbeats and lease updates" });
    }
    return out;
}

/**
 * Validates `billu:dhcp` against the zones and hosts and derives the DHCP plan. Returns undefined when the site
 * has no DHCP server. Problems are added, never thrown: buildSiteModel reports them with the others.
 */
export function planDhcp(
    cfg: {
        readonly dhcp: DhcpConfig | undefined;
        /** Every host of billu:hosts as configured (a host left out of the model still counts as a server). */
        readonly hosts: readonly { readonly name: string; readonly role: string }[];
        readonly site: { readonly domain: string };
    },
    zones: readonly ZoneModel[],
    hosts: readonly HostModel[],
    headcount: ReadonlyMap<string, number>,
    isCompany: boolean,
    problems: Problems,
): DhcpPlan | undefined {
    const configured = cfg.hosts.filter((h) => h.role === "dhcp");
    const servers = hosts.filter((h) => h.role === "dhcp");
    const dcfg = cfg.dhcp;
    const dhcpZones = zones.filter((z) => z.dhcp);
    if (configured.length === 0) {
        if (dcfg) problems.add("billu:dhcp", "is set but no host has role dhcp", "add a DHCP server to billu:hosts (role: dhcp), or remove billu:dhcp");
        return undefined;
    }
    if (!dcfg) {
        problems.add(
            "billu:dhcp",
            "is required when a host has role dhcp but missing",
            'set billu:dhcp (lease, devicesPerPerson, marginPercent; see README, "DHCP")',
        );
        return undefined;
    }
    if (configured.length > 2) {
        problems.add(
            "billu:hosts",
            `has ${configured.length} hosts of role dhcp (${configured.map((s) => s.name).join(", ")})`,
            "declare one DHCP server, or two for a hot-standby pair",
        );
        return undefined;
    }
    // A server left out of the model has its own problem reported; a plan without it would mislead.
    if (servers.length !== configured.length) return undefined;
    const zp = (z: ZoneModel, k = "dhcp") => `billu:network.zones[${z.index}].${k}`;
    const serverZoneNames = new Set(servers.map((s) => s.zone));

    // Lease times: T1 < T2 < lifetime (RFC 2131 section 4.4.5).
    const valid = dcfg.lease.validSeconds;
    const renew = dcfg.lease.renewSeconds ?? Math.floor(valid / 2);
    const rebind = dcfg.lease.rebindSeconds ?? Math.floor((valid * 7) / 8);
    if (renew >= rebind) {
        problems.add(
            "billu:dhcp.lease.renewSeconds",
            `${renew} is not shorter than rebindSeconds ${rebind}`,
            "renew before rebinding: renewSeconds < rebindSeconds < validSeconds (e.g. half and seven eighths of validSeconds)",
        );
    } else if (rebind >= valid) {
        problems.add(
            "billu:dhcp.lease.rebindSeconds",
            `${rebind} is not shorter than validSeconds ${valid}`,
            "rebind before the lease expires: renewSeconds < rebindSeconds < validSeconds",
        );
    }

    if (servers.length === 2 && dcfg.ha.maxResponseDelayMs <= dcfg.ha.heartbeatDelayMs) {
        problems.add(
            "billu:dhcp.ha.maxResponseDelayMs",
            `${dcfg.ha.maxResponseDelayMs} is not longer than heartbeatDelayMs ${dcfg.ha.heartbeatDelayMs}`,
            "let at least one heartbeat go unanswered before the partner is declared down: maxResponseDelayMs > heartbeatDelayMs",
        );
    }

    // Zones that cannot be served through the relay.
    for (const z of dhcpZones) {
        if (z.kind === "wan") {
            problems.add(zp(z), "enables DHCP on the WAN zone", "set dhcp.enabled to false: BillU's DHCP servers serve internal zones only");
        } else if (serverZoneNames.has(z.name)) {
            problems.add(
                zp(z),
                `enables DHCP on zone ${z.name}, which holds the DHCP server ${servers.find((s) => s.zone === z.name)!.name}`,
                "set dhcp.enabled to false: the servers serve the other zones through the router's relay, so their own zone uses static addresses",
            );
        }
    }

    // Pools of different zones must not overlap (only possible when the zones overlap, reported as well).
    for (let a = 0; a < dhcpZones.length; a++) {
        for (let b = a + 1; b < dhcpZones.length; b++) {
            const pa = dhcpZones[a].dhcp!;
            const pb = dhcpZones[b].dhcp!;
            if (ipToInt(pa.poolStart) <= ipToInt(pb.poolEnd) && ipToInt(pb.poolStart) <= ipToInt(pa.poolEnd)) {
                problems.add(
                    zp(dhcpZones[b]),
                    `pool ${pb.poolStart}-${pb.poolEnd} overlaps pool ${pa.poolStart}-${pa.poolEnd} of zone ${dhcpZones[a].name} (billu:network.zones[${dhcpZones[a].index}])`,
                    "give each zone a pool inside its own network; the DHCP server would hand out these addresses twice",
                );
            }
        }
    }

    // Reservations.
    const rp = (i: number, k: string) => `billu:dhcp.reservations[${i}].${k}`;
    const zoneByName = new Map(zones.map((z) => [z.name, z]));
    const hostByAddress = new Map(hosts.map((h) => [h.address, h]));
    const seenMac = new Map<string, number>();
    const seenAddr = new Map<string, number>();
    const seenName = new Map<string, number>();
    const reservations: DhcpReservation[] = [];
    dcfg.reservations.forEach((r, i) => {
        const mac = r.mac.toLowerCase();
        const dupMac = seenMac.get(mac);
        if (dupMac !== undefined) {
            problems.add(
                rp(i, "mac"),
                `${r.mac} is already reserved by billu:dhcp.reservations[${dupMac}] (${dcfg.reservations[dupMac].name})`,
                "reserve each MAC once",
            );
            return;
        }
        seenMac.set(mac, i);
        const dupName = seenName.get(r.name.toLowerCase());
        if (dupName !== undefined) {
            problems.add(rp(i, "name"), `${show(r.name)} is already the name of billu:dhcp.reservations[${dupName}]`, "give every reservation its own name");
            return;
        }
        seenName.set(r.name.toLowerCase(), i);
        const zone = zoneByName.get(r.zone);
        if (!zone) {
            problems.add(
                rp(i, "zone"),
                `${show(r.zone)} is not a zone of billu:network.zones`,
                `use a zone with DHCP enabled: ${dhcpZones.map((z) => z.name).join(", ")}`,
            );
            return;
        }
        if (!zone.dhcp) {
            problems.add(
                rp(i, "zone"),
                `${show(r.zone)} has no DHCP`,
                `use a zone with DHCP enabled (${dhcpZones.map((z) => z.name).join(", ")}), or enable DHCP in ${r.zone}`,
            );
            return;
        }
        if (!isIpv4(r.address)) {
            problems.add(rp(i, "address"), `${show(r.address)} is not an IPv4 address`, "write a dotted IPv4 address");
            return;
        }
        if (!isUsableHost(zone.cidr, r.address)) {
            problems.add(
                rp(i, "address"),
                `${r.address} is outside zone ${zone.name} (${zone.cidr.text})`,
                `reserve a usable address inside ${zone.cidr.text} outside the pool ${zone.dhcp.poolStart}-${zone.dhcp.poolEnd}, or move the reservation to the zone that holds it`,
            );
            return;
        }
        if (r.address === zone.gateway || r.address === zone.routerAddress) {
            problems.add(
                rp(i, "address"),
                `${r.address} is the router's address in zone ${zone.name}`,
                "reserve another address; this one belongs to the router",
            );
            return;
        }
        const host = hostByAddress.get(r.address);
        if (host) {
            problems.add(
                rp(i, "address"),
                `${r.address} is the static address of host ${host.name}`,
                "reserve another address; static hosts and reservations must not share one",
            );
            return;
        }
        if (inRange(r.address, zone.dhcp.poolStart, zone.dhcp.poolEnd)) {
            problems.add(
                rp(i, "address"),
                `${r.address} is inside the DHCP pool ${zone.dhcp.poolStart}-${zone.dhcp.poolEnd} of zone ${zone.name}`,
                "reserve an address outside the pool (the server hands pool addresses to anyone), or shrink the pool",
            );
            return;
        }
        const dupAddr = seenAddr.get(r.address);
        if (dupAddr !== undefined) {
            problems.add(
                rp(i, "address"),
                `${r.address} is already reserved by billu:dhcp.reservations[${dupAddr}] (${dcfg.reservations[dupAddr].name})`,
                "reserve each address once",
            );
            return;
        }
        seenAddr.set(r.address, i);
        reservations.push({ name: r.name, mac, zone: r.zone, address: r.address });
    });

    // Sizing against the HR export: every department's pool holds its people's devices plus the margin.
    const sizing = new Map<string, { headcount: number; needed: number }>();
    if (isCompany) {
        for (const z of dhcpZones) {
            if (z.kind !== "department" || !z.department) continue;
            const people = headcount.get(z.department) ?? 0;
            const needed = addressesNeeded(people, dcfg.devicesPerPerson, dcfg.marginPercent);
            sizing.set(z.name, { headcount: people, needed });
            const size = rangeSize(z.dhcp!.poolStart, z.dhcp!.poolEnd);
            if (needed > size) {
                problems.add(
                    zp(z),
                    `pool ${z.dhcp!.poolStart}-${z.dhcp!.poolEnd} holds ${size} addresses, but department ${show(z.department)} needs ${needed} ` +
                        `(${people} people in the HR export x ${dcfg.devicesPerPerson} devices per person (billu:dhcp.devicesPerPerson) + ${dcfg.marginPercent}% margin (billu:dhcp.marginPercent))`,
                    `widen the pool to at least ${needed} addresses, or lower billu:dhcp.devicesPerPerson or billu:dhcp.marginPercent`,
                );
            }
        }
    }

    // Site-wide options: name and time service come from the domain controllers (chrony follows them too).
    const dcs = hosts.filter((h) => h.role === "dc").map((h) => h.address);
    const router = hosts.find((h) => h.role === "firewall");
    const nicOf = (zone: string) => router?.nics.find((n) => n.zone === zone);
    const haOn = servers.length === 2;
    const serverPlans: DhcpServerPlan[] = servers.map((s, i) => ({
        name: s.name,
        address: s.address,
        ifname: s.nics[0].ifname,
        haRole: haOn ? (i === 0 ? "primary" : "standby") : undefined,
        haUrl: haOn ? `https://${s.address}:${KEA_HA_PORT}/` : undefined,
    }));
    const scopes: DhcpScope[] = dhcpZones
        .filter((z) => z.kind !== "wan" && !serverZoneNames.has(z.name))
        .map((z) => ({
            zone: z.name,
            department: z.department,
            subnet: z.cidr,
            subnetId: z.vlanId ?? z.index + 1,
            poolStart: z.dhcp!.poolStart,
            poolEnd: z.dhcp!.poolEnd,
            poolSize: rangeSize(z.dhcp!.poolStart, z.dhcp!.poolEnd),
            gateway: z.gateway,
            relayAddress: z.routerAddress,
            relayInterface: nicOf(z.name)?.ifname ?? "",
            reservations: reservations.filter((r) => r.zone === z.name),
            headcount: sizing.get(z.name)?.headcount,
            needed: sizing.get(z.name)?.needed,
        }));
    const plan: DhcpPlan = {
        servers: serverPlans,
        scopes,
        lease: { validSeconds: valid, renewSeconds: renew, rebindSeconds: rebind },
        dnsServers: dcs.length > 0 ? dcs : router ? [router.address] : [],
        ntpServers: dcs.length > 0 ? dcs : router ? [router.address] : [],
        domain: cfg.site.domain,
        ha: haOn ? { mode: "hot-standby", ...dcfg.ha } : undefined,
        relay: {
            upstream: [...serverZoneNames].map((z) => nicOf(z)?.ifname ?? "").filter((n) => n !== ""),
            downstream: scopes.map((s) => s.relayInterface).filter((n) => n !== ""),
            servers: servers.map((s) => s.address),
        },
        devicesPerPerson: dcfg.devicesPerPerson,
        marginPercent: dcfg.marginPercent,
    };

    return plan;
}
