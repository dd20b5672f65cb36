/**
 * Named network services and bundles the flow matrix refers to. A service is a list of (protocol, port range);
 * a bundle is a service made of others (`includes`), such as everything Active Directory needs between clients,
 * members and DCs. A site may declare its own services in `billu:firewall.services`; flows name services only.
 * Sources: IANA port registry; Microsoft, "Service overview and network port requirements for Windows"
 * (https://learn.microsoft.com/troubleshoot/windows-server/networking/service-overview-and-network-port-requirements)
 * and "How to configure a firewall for Active Directory domains and trusts"
 * (https://learn.microsoft.com/troubleshoot/windows-server/active-directory/config-firewall-for-ad-domains-and-trusts).
 */
import { show, Problems } from "./errors";

export type Protocol = "tcp" | "udp";
export const PROTOCOLS: readonly Protocol[] = ["tcp", "udp"];

export interface PortRange {
    readonly proto: Protocol;
    readonly from: number;
    readonly to: number;
}

/** How a service is declared: its own ports and/or the services it includes. */
export interface ServiceDef {
    readonly name: string;
    readonly description: string;
    readonly ports?: readonly PortRange[];
    /** Other services this one is made of (a bundle). */
    readonly includes?: readonly string[];
    /**
     * The server answers with a new packet from the service port to the same port of the initiator, which
     * connection tracking does not take for a reply (a DHCP server answers a relay at its giaddr, port 67): the
     * opposite direction (source port = destination port = the service's) is opened too.
     */
    readonly reverse?: boolean;
    /**
     * DHCP relay: when the router relays this service, it also talks to the DHCP clients of every zone with DHCP
     * enabled (client broadcasts from port 68 to 67, and answers from 67 to 68).
     */
    readonly relaysDhcpClients?: boolean;
}

/** A service with its bundle flattened: every port it opens, merged and sorted. */
export interface Service {
    readonly name: string;
    readonly description: string;
    readonly ports: readonly PortRange[];
    /** The services it includes directly (empty for a plain service). */
    readonly includes: readonly string[];
    readonly bundle: boolean;
    readonly reverse: boolean;
    readonly relaysDhcpClients: boolean;
    /** Declared by the site (`billu:firewall.services`) rather than built in. */
    readonly custom: boolean;
}

const p = (proto: Protocol, from: number, to = from): PortRange => ({ proto, from, to });

/** The built-in catalogue. A site adds its own in `billu:firewall.services`. */
export const BUILTIN_SERVICES: readonly ServiceDef[] = [
    { name: "dns", description: "DNS", ports: [p("udp", 53), p("tcp", 53)] },
    { name: "ntp", description: "NTP", ports: [p("udp", 123)] },
    { name: "ssh", description: "SSH", ports: [p("tcp", 22)] },
    { name: "rdp", description: "Remote Desktop", ports: [p("tcp", 3389), p("udp", 3389)] },
    { name: "http", description: "HTTP", ports: [p("tcp", 80)] },
    { name: "https", description: "HTTPS", ports: [p("tcp", 443)] },
    { name: "smtp", description: "SMTP (MTA to MTA)", ports: [p("tcp", 25)] },
    { name: "submission", description: "mail submission (STARTTLS)", ports: [p("tcp", 587)] },
    { name: "imaps", description: "IMAP over TLS", ports: [p("tcp", 993)] },
    { name: "smb", description: "SMB file sharing", ports: [p("tcp", 445)] },
    { name: "kerberos", description: "Kerberos", ports: [p("tcp", 88), p("udp", 88)] },
    { name: "kpasswd", description: "Kerberos password change", ports: [p("tcp", 464), p("udp", 464)] },
    { name: "ldap", description: "LDAP (signed and sealed by AD)", ports: [p("tcp", 389), p("udp", 389)] },
    { name: "ldaps", description: "LDAP over TLS", ports: [p("tcp", 636)] },
    { name: "global-catalog", description: "AD global catalog, plain and TLS", ports: [p("tcp", 3268, 3269)] },
    { name: "msrpc", description: "RPC endpoint mapper", ports: [p("tcp", 135)] },
    { name: "rpc-dynamic", description: "RPC dynamic ports (Windows default range)", ports: [p("tcp", 49152, 65535)] },
    { name: "adws", description: "Active Directory Web Services", ports: [p("tcp", 9389)] },
    {
        name: "ad",
        description: "Active Directory: what logons, domain joins and replication need",
        includes: ["dns", "kerberos", "kpasswd", "ldap", "ldaps", "global-catalog", "smb", "msrpc", "rpc-dynamic", "ntp", "adws"],
    },
    // A forest trust between two domains' DCs (billu:trust, model/trust.ts): the DC locator (DNS, CLDAP), Kerberos
    // referrals, LSA and netlogon (over SMB and RPC), the global catalog's name lookups. Microsoft's list:
    // https://learn.microsoft.com/troubleshoot/windows-server/active-directory/config-firewall-for-ad-domains-and-trusts
    {
        name: "ad-trust",
        description: "AD forest trust between DCs: locator, Kerberos, LDAP, LSA and netlogon, global catalog",
        includes: ["dns", "kerberos", "ldap", "global-catalog", "smb", "msrpc", "rpc-dynamic"],
    },
    // vsftpd with explicit TLS (billu:ftp, model/ftp.ts): conntrack's FTP helper cannot read an encrypted PASV reply, so
    // the passive range is a service of its own, opened explicitly; billu:ftp.passivePorts must lie inside it. It
    // used to be tcp/50000-50100, inside rpc-dynamic (49152-65535): the overlap check below refuses that now.
    { name: "ftp", description: "FTP control connection (explicit TLS required)", ports: [p("tcp", 21)] },
    { name: "ftp-passive", description: "FTP passive data connections (vsftpd pasv_min_port-pasv_max_port)", ports: [p("tcp", 40000, 40099)] },
    {
        name: "dhcp-relay",
        description: "DHCP relayed by the router to the DHCP servers (server port 67)",
        ports: [p("udp", 67)],
        reverse: true,
        relaysDhcpClients: true,
    },
    // SYSVOL between Samba DCs (billu:domain.sysvolSyncMinutes): the PDC emulator's rsync daemon (IANA "rsync" 873),
    // a read-only module the other DCs pull from (components/domain-controller/sysvol.ts).
    { name: "sysvol-rsync", description: "SYSVOL pulled from the PDC emulator by the other Samba DCs (rsync daemon)", ports: [p("tcp", 873)] },
    { name: "restic-rest", description: "restic's REST protocol over HTTPS to the backup server (rclone serve restic)", ports: [p("tcp", 8000)] },
    { name: "syslog-tls", description: "syslog over TLS to the log collector (RFC 5425)", ports: [p("tcp", 6514)] },
    // rspamd's milter (its proxy worker, rspamd "MTA integration"): the inbound relay in the DMZ asks the mail server's
    // rspamd before its own 250, so the internet's client is told of a refusal (billu:mx, model/mx.ts).
    { name: "rspamd-milter", description: "rspamd's milter on the mail server (the inbound relay's spam and policy check)", ports: [p("tcp", 11332)] },
    { name: "zabbix-agent", description: "Zabbix agent (passive checks)", ports: [p("tcp", 10050)] },
    { name: "zabbix-trapper", description: "Zabbix server (active checks)", ports: [p("tcp", 10051)] },
    // IKEv2 with NAT traversal forced (strongSwan `encap = yes`): ESP travels in UDP 4500, so no IP protocol 50 rule.
    { name: "ipsec", description: "IKEv2 and ESP in UDP (NAT traversal forced)", ports: [p("udp", 500), p("udp", 4500)] },
    // WSUS's own web site (Windows Server 2012 and later): clients and downstream servers on 8530 (HTTP) or 8531 (HTTPS).
    // https://learn.microsoft.com/windows-server/administration/windows-server-update-services/deploy/2-configure-wsus
    { name: "wsus", description: "WSUS over HTTP (clients, downstream servers)", ports: [p("tcp", 8530)] },
    { name: "wsus-ssl", description: "WSUS over HTTPS (clients, downstream servers)", ports: [p("tcp", 8531)] },
    // Telephony (billu:telephony, model/telephony.ts): SIP over TLS (RFC 3261 section 26.2, IANA "sips" 5061) from the
    // phones to the PBX; the RTP media range is Asterisk's rtp.conf default (rtpstart 10000, rtpend 20000), which
    // billu:telephony.rtpPorts must lie inside; phones fetch their configuration over HTTPS on a port of its own
    // (FreePBX's "HTTPS provisioning" port in its port management, 1443), so opening it to the phones' zones does
    // not open the admin interface (https, management zone only).
    { name: "sip-tls", description: "SIP over TLS (phones and the operator's trunk to the PBX)", ports: [p("tcp", 5061)] },
    { name: "rtp", description: "RTP/SRTP media between phones and the PBX (Asterisk rtpstart-rtpend)", ports: [p("udp", 10000, 20000)] },
    { name: "pbx-provisioning", description: "phone provisioning over HTTPS from the PBX", ports: [p("tcp", 1443)] },
    { name: "kea-ha", description: "Kea HA hook peer API", ports: [p("tcp", 8005)] },
    { name: "proxmox", description: "Proxmox VE API and web UI", ports: [p("tcp", 8006)] },
    // The DMZ web server's public site alone listens on these; publish them with publicPort 80 and 443, so the internet
    // never reaches the port the intranet answers on (model/web.ts).
    { name: "web-public-http", description: "the public web site's own HTTP listener (redirects to HTTPS)", ports: [p("tcp", 8080)] },
    { name: "web-public-https", description: "the public web site's own HTTPS listener", ports: [p("tcp", 8443)] },
];

/** Sorted, merged port ranges (overlapping or adjacent ranges of one protocol become one). */
export function mergePorts(ranges: readonly PortRange[]): PortRange[] {
    const out: PortRange[] = [];
    for (const proto of PROTOCOLS) {
        const sorted = ranges.filter((r) => r.proto === proto).sort((a, b) => a.from - b.from || a.to - b.to);
        let cur: { proto: Protocol; from: number; to: number } | undefined;
        for (const r of sorted) {
            if (cur && r.from <= cur.to + 1) cur.to = Math.max(cur.to, r.to);
            else {
                if (cur) out.push(cur);
                cur = { proto, from: r.from, to: r.to };
            }
        }
        if (cur) out.push(cur);
    }
    return out;
}

export interface Catalogue {
    readonly services: ReadonlyMap<string, Service>;
    get(name: string): Service | undefined;
    names(): string[];
}

/** Flattens definitions into services. Problems (unknown includes, cycles) are reported through `report`. */
function flatten(defs: readonly (ServiceDef & { custom: boolean })[], report: (def: string, message: string, fix: string) => void): Map<string, Service> {
    const byName = new Map(defs.map((d) => [d.name, d]));
    const done = new Map<string, Service>();
    const visiting = new Set<string>();
    const visit = (name: string, chain: string[]): PortRange[] | undefined => {
        const def = byName.get(name);
        if (!def) return undefined;
        if (done.has(name)) return [...done.get(name)!.ports];
        if (visiting.has(name)) {
            report(chain[0], `includes itself through ${[...chain, name].join(" -> ")}`, "remove the cycle from includes");
            return [];
        }
        visiting.add(name);
        const ports: PortRange[] = [...(def.ports ?? [])];
        for (const inc of def.includes ?? []) {
            const sub = visit(inc, [...chain, name]);
            if (sub === undefined) report(name, `includes ${show(inc)}, which is not a service`, `include one of ${[...byName.keys()].sort().join(", ")}`);
            else ports.push(...sub);
        }
        visiting.delete(name);
        const svc: Service = {
            name,
            description: def.description,
            ports: mergePorts(ports),
            includes: [...(def.includes ?? [])],
            bundle: (def.includes ?? []).length > 0,
            reverse: def.reverse ?? false,
            relaysDhcpClients: def.relaysDhcpClients ?? false,
            custom: def.custom,
        };
        done.set(name, svc);
        return [...svc.ports];
    };
    for (const d of defs) visit(d.name, []);
    return done;
}

/**
 * Pairs of plain services (bundles are made of others and overlap them by design) sharing a port: a flow naming one
 * would open the other's ports too, and a rule's comment would lie about what it opens.
 */
export function overlappingServices(services: Iterable<Service>): [Service, Service, PortRange][] {
    const plain = [...services].filter((s) => !s.bundle);
    const out: [Service, Service, PortRange][] = [];
    plain.forEach((a, i) => {
        for (const b of plain.slice(i + 1)) {
            for (const x of a.ports) {
                const y = b.ports.find((r) => r.proto === x.proto && r.from <= x.to && x.from <= r.to);
                if (y) {
                    out.push([a, b, { proto: x.proto, from: Math.max(x.from, y.from), to: Math.min(x.to, y.to) }]);
                    break;
                }
            }
        }
    });
    return out;
}

function catalogueOf(map: Map<string, Service>): Catalogue {
    return { services: map, get: (n) => map.get(n), names: () => [...map.keys()].sort() };
}

/** The built-in catalogue, flattened; two built-in services sharing a port is a bug here, refused when the module loads. */
export const BUILTIN: Catalogue = catalogueOf(
    flatten(
        BUILTIN_SERVICES.map((d) => ({ ...d, custom: false })),
        (def, message) => {
            throw new Error(`built-in service ${def} ${message}`);
        },
    ),
);
for (const [a, b, r] of overlappingServices(BUILTIN.services.values())) {
    throw new Error(`internal: built-in services ${a.name} and ${b.name} share ${r.proto}/${portText(r)}: give each service its own ports`);
}

/** Built-in services by name (flattened). */
export const SERVICES: Readonly<Record<string, Service>> = Object.fromEntries(BUILTIN.services);

/**
 * The one port of a built-in single-port service (`portOf("ssh")` is 22): how components name a port instead of
 * writing its number. A bundle, a range or several ports is a bug in the caller.
 */
export function portOf(name: string): number {
    const ports = SERVICES[name]?.ports ?? [];
    if (ports.length !== 1 || ports[0].from !== ports[0].to) throw new Error(`internal: service ${name} is not one port (${portsText(ports) || "unknown"})`);
    return ports[0].from;
}

/** Ports outside the flow matrix's services: DHCP's two ends, and a Proxmox VE node's console ports. */
export const OTHER_PORTS = {
    /** DHCP server (BOOTP server) and client ports. */
    dhcpServer: 67,
    dhcpClient: 68,
    /** A PVE node's VNC console range and SPICE proxy. */
    pveVnc: { from: 5900, to: 5999 },
    pveSpice: 3128,
} as const;

/** A site service as written in `billu:firewall.services[i]`. */
export interface CustomServiceConfig {
    readonly name: string;
    readonly description?: string;
    /** `tcp/8080`, `udp/5000-5010`. */
    readonly ports?: readonly string[];
    readonly includes?: readonly string[];
}

const PORT_TEXT = /^(tcp|udp)\/(\d{1,6})(?:-(\d{1,6}))?$/;

/** Parses `tcp/8080` or `udp/5000-5010`; returns the problem as text when it is not one. */
export function parsePort(text: string): PortRange | string {
    const m = PORT_TEXT.exec(text);
    if (!m) return "is not written <proto>/<port> or <proto>/<from>-<to> with proto tcp or udp";
    const from = Number(m[2]);
    const to = m[3] === undefined ? from : Number(m[3]);
    for (const port of [from, to]) if (port < 1 || port > 65535) return `has port ${port} out of range`;
    if (to < from) return `has a range that ends (${to}) before it starts (${from})`;
    return { proto: m[1] as Protocol, from, to };
}

/**
 * The site's catalogue: the built-in services plus `billu:firewall.services`, validated (names unique and not
 * shadowing a built-in, ports well-formed and in 1..65535, includes known and acyclic, at least one port).
 */
export function buildCatalogue(custom: readonly CustomServiceConfig[], problems: Problems): Catalogue {
    const sp = (i: number, k?: string) => `billu:firewall.services[${i}]${k ? "." + k : ""}`;
    const defs: (ServiceDef & { custom: boolean })[] = BUILTIN_SERVICES.map((d) => ({ ...d, custom: false }));
    const indexOf = new Map<string, number>();
    custom.forEach((c, i) => {
        if (BUILTIN.get(c.name)) {
            problems.add(sp(i, "name"), `${show(c.name)} is a built-in service`, "use the built-in service, or give yours another name");
            return;
        }
        if (indexOf.has(c.name)) {
            problems.add(
                sp(i, "name"),
                `${show(c.name)} is already the name of billu:firewall.services[${indexOf.get(c.name)}]`,
                "give every service a unique name",
            );
            return;
        }
        indexOf.set(c.name, i);
        const ports: PortRange[] = [];
        (c.ports ?? []).forEach((t, j) => {
            const r = parsePort(t);
            if (typeof r === "string") {
                problems.add(sp(i, `ports[${j}]`), `${show(t)} ${r}`, "write tcp/<port> or udp/<from>-<to> with ports from 1 to 65535");
            } else ports.push(r);
        });
        if ((c.ports ?? []).length === 0 && (c.includes ?? []).length === 0) {
            problems.add(sp(i), `${show(c.name)} has neither ports nor includes`, "list its ports (tcp/<port>) or the services it includes");
        }
        defs.push({ name: c.name, description: c.description ?? c.name, ports, includes: c.includes, custom: true });
    });
    const map = flatten(defs, (def, message, fix) => {
        const i = indexOf.get(def);
        problems.add(i === undefined ? `service ${def}` : sp(i, "includes"), message, fix);
    });
    return catalogueOf(map);
}

export function portText(r: PortRange): string {
    return r.from === r.to ? String(r.from) : `${r.from}-${r.to}`;
}

/** `tcp/53 udp/53 tcp/49152-65535`. */
export function portsText(ports: readonly PortRange[]): string {
    return ports.map((r) => `${r.proto}/${portText(r)}`).join(" ");
}

/** Whether a port of a protocol is among the ranges. */
export function portIn(ports: readonly PortRange[], proto: Protocol, port: number): boolean {
    return ports.some((r) => r.proto === proto && port >= r.from && port <= r.to);
}
