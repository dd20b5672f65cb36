/**
 * Named network services and bundles the flow matrix refers to. A service is a list of (protocol, port range);
 * a bundle is a service made of many, such as everything Active Directory needs between clients, members and DCs.
 * Sources: IANA port registry; Microsoft, "Service overview and network port requirements for Windows"
 * (https://learn.microsoft.com/troubleshoot/windows-server/networking/service-overview-and-network-port-requirements).
 */

export type Protocol = "tcp" | "udp";

export interface PortRange {
    readonly proto: Protocol;
    readonly from: number;
    readonly to: number;
}

export interface Service {
    readonly name: string;
    readonly description: string;
    readonly ports: readonly PortRange[];
    /** Ports opened by the service's own protocol helper or negotiation (FTP passive range is listed in ports). */
    readonly bundle?: boolean;
}

const p = (proto: Protocol, from: number, to = from): PortRange => ({ proto, from, to });

export const SERVICES: Readonly<Record<string, Service>> = Object.fromEntries(
    (
        [
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
            { name: "ldaps", description: "LDAP over TLS", ports: [p("tcp", 636)] },
            { name: "ftp", description: "FTP with explicit TLS, control and passive data range", ports: [p("tcp", 21), p("tcp", 50000, 50100)] },
            { name: "dhcp-relay", description: "DHCP relayed by the router (server port 67)", ports: [p("udp", 67)] },
            { name: "zabbix-agent", description: "Zabbix agent (passive checks)", ports: [p("tcp", 10050)] },
            { name: "zabbix-trapper", description: "Zabbix server (active checks)", ports: [p("tcp", 10051)] },
            { name: "ipsec", description: "IKE and ESP in UDP (NAT traversal)", ports: [p("udp", 500), p("udp", 4500)] },
            { name: "kea-ha", description: "Kea HA hook peer API", ports: [p("tcp", 8005)] },
            { name: "proxmox", description: "Proxmox VE API and web UI", ports: [p("tcp", 8006)] },
            {
                name: "ad",
                description: "Active Directory: DNS, Kerberos, LDAP(S), global catalog, SMB, RPC, NTP, AD web services",
                bundle: true,
                ports: [
                    p("tcp", 53),
                    p("udp", 53),
                    p("tcp", 88),
                    p("udp", 88),
                    p("tcp", 135),
                    p("tcp", 389),
                    p("udp", 389),
                    p("tcp", 445),
                    p("tcp", 464),
                    p("udp", 464),
                    p("tcp", 636),
                    p("tcp", 3268, 3269),
                    p("tcp", 9389),
                    p("udp", 123),
                    p("tcp", 49152, 65535),
                ],
            },
        ] as Service[]
    ).map((s) => [s.name, s]),
);

export function portText(r: PortRange): string {
    return r.from === r.to ? String(r.from) : `${r.from}-${r.to}`;
}
