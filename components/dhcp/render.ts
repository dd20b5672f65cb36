/**
 * Pure renderers of the DHCP service from the site model's DHCP plan: each server's `kea-dhcp4.conf`, the
 * router's relay unit, and the docs sections. No Pulumi here; `kea-dhcp4 -t` checks the Kea file (in the guest
 * before it is installed, and in labs/dhcp for every committed stack).
 *
 * Kea 2.2 reference: https://kea.readthedocs.io/en/kea-2.2.0/arm/dhcp4-srv.html (UDP sockets for relayed
 * traffic, subnet selection by relay address, out-of-pool reservations) and
 * https://kea.readthedocs.io/en/kea-2.2.0/arm/hooks.html#ha-high-availability (hot-standby, dedicated listener).
 */
import { DhcpPlan, DhcpServerPlan } from "../../model/dhcp";
import { SiteModel } from "../../model/site";
import { GuestFile, placeholder } from "../guest-step/render";
import { generatedHeader } from "../header";
import { KEA_CONTROL_SOCKET } from "../contracts";

/** Where Debian's kea-dhcp4-server package reads and keeps things (systemd unit, AppArmor profile). */
export const KEA = {
    config: "/etc/kea/kea-dhcp4.conf",
    leaseFile: "/var/lib/kea/kea-leases4.csv",
    controlSocket: KEA_CONTROL_SOCKET,
    hooksDir: "/usr/lib/x86_64-linux-gnu/kea/hooks",
    /** The HA peers' mutual TLS: the site CA, this server's certificate and key (readable by Kea's user only). */
    haCa: "/etc/kea/tls/ca.pem",
    haCert: "/etc/kea/tls/kea-ha.pem",
    haKey: "/etc/kea/tls/kea-ha.key",
} as const;

/** Secrets (GuestStep placeholders) the HA TLS files are filled from at install time. */
export const HA_TLS_SECRETS = { ca: "kea-ha-ca", cert: "kea-ha-cert", key: "kea-ha-key" } as const;

/** The relay's own unit (the package's SysV script is masked: its debconf answers would rewrite our options). */
export const RELAY_UNIT = "/etc/systemd/system/billu-dhcp-relay.service";

function plan(model: SiteModel): DhcpPlan {
    if (!model.dhcp) throw new Error("the site has no DHCP plan (no host of role dhcp)");
    return model.dhcp;
}

function haHook(p: DhcpPlan, self: DhcpServerPlan): Record<string, unknown>[] {
    if (!p.ha) return [];
    return [
        // The HA hook sends and receives lease updates through lease_cmds.
        { library: `${KEA.hooksDir}/libdhcp_lease_cmds.so` },
        {
            library: `${KEA.hooksDir}/libdhcp_ha.so`,
            parameters: {
                "high-availability": [
                    {
                        "this-server-name": self.name,
                        mode: p.ha.mode,
                        "heartbeat-delay": p.ha.heartbeatDelayMs,
                        "max-response-delay": p.ha.maxResponseDelayMs,
                        "max-ack-delay": p.ha.maxAckDelayMs,
                        "max-unacked-clients": p.ha.maxUnackedClients,
                        // The peer API can rewrite leases (lease_cmds): only a peer with a certificate of the site CA
                        // may call it, and each server checks the other's certificate too.
                        "trust-anchor": KEA.haCa,
                        "cert-file": KEA.haCert,
                        "key-file": KEA.haKey,
                        "require-client-certs": true,
                        // The hook's own HTTP listener on each peer's URL: no control agent needed.
                        "multi-threading": {
                            "enable-multi-threading": true,
                            "http-dedicated-listener": true,
                            "http-listener-threads": 0,
                            "http-client-threads": 0,
                        },
                        peers: p.servers.map((s) => ({ name: s.name, url: s.haUrl, role: s.haRole, "auto-failover": true })),
                    },
                ],
            },
        },
    ];
}

/** The Kea DHCPv4 configuration of one DHCP server of the site. */
export function renderKeaDhcp4(model: SiteModel, serverName: string): string {
    const p = plan(model);
    const self = p.servers.find((s) => s.name === serverName);
    if (!self) throw new Error(`${serverName} is not a DHCP server of the site`);
    const hooks = haHook(p, self);
    const config = {
        Dhcp4: {
            "interfaces-config": {
                interfaces: [self.ifname],
                // Every client is behind the router's relay: plain UDP sockets, answers routed to the relay.
                "dhcp-socket-type": "udp",
                "outbound-interface": "use-routing",
            },
            "control-socket": { "socket-type": "unix", "socket-name": KEA.controlSocket },
            "lease-database": { type: "memfile", persist: true, name: KEA.leaseFile, "lfc-interval": 3600 },
            "multi-threading": { "enable-multi-threading": true, "thread-pool-size": 0, "packet-queue-size": 64 },
            // The only DHCP service of its networks: NAK a client asking for an address of another scope at once.
            authoritative: true,
            "valid-lifetime": p.lease.validSeconds,
            "renew-timer": p.lease.renewSeconds,
            "rebind-timer": p.lease.rebindSeconds,
            "host-reservation-identifiers": ["hw-address"],
            "option-data": [
                { name: "domain-name-servers", data: p.dnsServers.join(", ") },
                { name: "ntp-servers", data: p.ntpServers.join(", ") },
                { name: "domain-name", data: p.domain },
                { name: "domain-search", data: p.domain },
            ],
            ...(hooks.length > 0 ? { "hooks-libraries": hooks } : {}),
            subnet4: p.scopes.map((s) => ({
                id: s.subnetId,
                subnet: s.subnet.text,
                "user-context": { zone: s.zone, ...(s.department ? { department: s.department } : {}) },
                // Relayed requests carry the router's address in the zone (giaddr): that selects the scope.
                relay: { "ip-addresses": [s.relayAddress] },
                pools: [{ pool: `${s.poolStart} - ${s.poolEnd}` }],
                "option-data": [{ name: "routers", data: s.gateway }],
                // Reservations are validated to lie outside the pool (like static hosts).
                "reservations-global": false,
                "reservations-in-subnet": true,
                "reservations-out-of-pool": true,
                reservations: s.reservations.map((r) => ({ "hw-address": r.mac, "ip-address": r.address, hostname: r.name })),
            })),
            loggers: [{ name: "kea-dhcp4", output_options: [{ output: "stdout", pattern: "%-5p [%c] %m\n" }], severity: "INFO" }],
        },
    };
    return (
        generatedHeader("//", { host: self.name, site: model.site.name, from: "the site model", note: "Do not edit: change the stack config." }) +
        "\n" +
        `// ${p.ha ? `HA ${p.ha.mode} pair, this server: ${self.haRole}.` : "Single DHCP server."} Checked with kea-dhcp4 -t before install.\n` +
        JSON.stringify(config, null, 4) +
        "\n"
    );
}

/**
 * The HA peers' TLS files (HA pairs only): their contents are secret placeholders, filled at install time from
 * the site CA's certificate and the certificate and key it issued to this server.
 */
export function haTlsFiles(model: SiteModel): GuestFile[] {
    if (!plan(model).ha) return [];
    return [
        { path: KEA.haCa, content: placeholder(HA_TLS_SECRETS.ca) },
        { path: KEA.haCert, content: placeholder(HA_TLS_SECRETS.cert) },
        { path: KEA.haKey, content: placeholder(HA_TLS_SECRETS.key), mode: "0640", owner: "root:_kea" },
    ];
}

/** The dhcrelay command line: downstream = every served zone's router interface, upstream = the servers' zone. */
export function relayCommand(model: SiteModel): string[] {
    const p = plan(model);
    return [
        "/usr/sbin/dhcrelay",
        "-d",
        "-4",
        "--no-pid",
        ...p.relay.upstream.flatMap((i) => ["-iu", i]),
        ...p.relay.downstream.flatMap((i) => ["-id", i]),
        ...p.relay.servers,
    ];
}

/** systemd unit of the relay on the router. */
export function renderRelayUnit(model: SiteModel): string {
    const p = plan(model);
    return [
        generatedHeader("#", { host: model.router.name, site: model.site.name, what: `relays DHCP from ${p.scopes.map((s) => s.zone).join(", ")}` }),
        `# to ${p.servers.map((s) => `${s.name} (${s.address})`).join(" and ")}. Do not edit: change the stack config.`,
        "[Unit]",
        "Description=BillU DHCP relay (ISC dhcrelay) from the department zones to the DHCP servers",
        "Wants=network-online.target",
        "After=network-online.target nftables.service",
        "",
        "[Service]",
        `ExecStart=${relayCommand(model).join(" ")}`,
        "Restart=on-failure",
        "RestartSec=2s",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "NoNewPrivileges=yes",
        "CapabilityBoundingSet=CAP_NET_RAW CAP_NET_BIND_SERVICE",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
}

/** Docs sections: the scopes, the reservations, the servers. */
export function dhcpDocSections(model: SiteModel): Record<string, { columns: string[]; rows: (string | number)[][] }> {
    const p = plan(model);
    return {
        "DHCP scopes": {
            columns: ["zone", "department", "subnet", "range", "size", "needed", "gateway", "DNS", "reservations"],
            rows: p.scopes.map((s) => [
                s.zone,
                s.department ?? "",
                s.subnet.text,
                `${s.poolStart}-${s.poolEnd}`,
                s.poolSize,
                s.needed ?? "",
                s.gateway,
                p.dnsServers.join(", "),
                s.reservations.length,
            ]),
        },
        "DHCP reservations": {
            columns: ["name", "MAC", "zone", "address"],
            rows: p.scopes.flatMap((s) => s.reservations.map((r) => [r.name, r.mac, r.zone, r.address])),
        },
        "DHCP servers": {
            columns: ["server", "address", "HA role", "lease time s", "relay", "relayed zones"],
            rows: p.servers.map((s) => [
                s.name,
                s.address,
                s.haRole ?? "single",
                p.lease.validSeconds,
                `${model.router.name} (${p.relay.upstream.join(", ")})`,
                p.scopes.length,
            ]),
        },
    };
}
