/** The DHCP renderers: Kea's configuration per server, the relay unit, the docs sections (pure, from the model). */
import { dhcpDocSections, haTlsFiles, relayCommand, renderKeaDhcp4, renderRelayUnit } from "../../components/dhcp/render";
import { model, stackRaw } from "../helpers";

/** Kea reads JSON with comments; the renderer only writes `//` lines before the object. */
function kea(text: string): any {
    return JSON.parse(
        text
            .split("\n")
            .filter((l) => !l.startsWith("//"))
            .join("\n"),
    ).Dhcp4;
}

const dev = model(stackRaw("dev"));
const prod = model(stackRaw("prod"));

test("dev: UDP sockets on the server's NIC, one subnet per scope with its pool, router, relay address and reservations", () => {
    const c = kea(renderKeaDhcp4(dev, "PAR-DHCP01"));
    expect(c["interfaces-config"]).toEqual({ interfaces: ["eth0"], "dhcp-socket-type": "udp", "outbound-interface": "use-routing" });
    expect(c["lease-database"]).toEqual({ type: "memfile", persist: true, name: "/var/lib/kea/kea-leases4.csv", "lfc-interval": 3600 });
    expect([c["valid-lifetime"], c["renew-timer"], c["rebind-timer"]]).toEqual([28800, 14400, 25200]);
    expect(c["option-data"]).toEqual([
        { name: "domain-name-servers", data: "10.20.10.11" },
        { name: "ntp-servers", data: "10.20.10.11" },
        { name: "domain-name", data: "billu.remindme.lan" },
        { name: "domain-search", data: "billu.remindme.lan" },
    ]);
    expect(c["hooks-libraries"]).toBeUndefined();
    expect(c.subnet4).toHaveLength(9);
    expect(c.subnet4[1]).toEqual({
        id: 21,
        subnet: "10.20.21.0/24",
        "user-context": { zone: "lan-dsi", department: "DSI" },
        relay: { "ip-addresses": ["10.20.21.1"] },
        pools: [{ pool: "10.20.21.100 - 10.20.21.250" }],
        "option-data": [{ name: "routers", data: "10.20.21.1" }],
        "reservations-global": false,
        "reservations-in-subnet": true,
        "reservations-out-of-pool": true,
        reservations: [{ "hw-address": "02:b1:11:21:00:20", "ip-address": "10.20.21.20", hostname: "prn-dsi-01" }],
    });
    // Every scope of the model, in order, and nothing else.
    expect(c.subnet4.map((s: any) => `${s.id} ${s.subnet} ${s.pools[0].pool}`)).toEqual(
        dev.dhcp!.scopes.map((s) => `${s.subnetId} ${s.subnet.text} ${s.poolStart} - ${s.poolEnd}`),
    );
});

test("prod: each server of the pair names itself, both list the same peers, the HA hook after lease_cmds", () => {
    const [a, b] = ["PAR-DHCP01", "PAR-DHCP02"].map((n) => kea(renderKeaDhcp4(prod, n)));
    const ha = (c: any) => c["hooks-libraries"][1].parameters["high-availability"][0];
    expect(a["hooks-libraries"].map((h: any) => h.library)).toEqual([
        "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_lease_cmds.so",
        "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_ha.so",
    ]);
    expect(ha(a)).toEqual({
        "this-server-name": "PAR-DHCP01",
        mode: "hot-standby",
        "heartbeat-delay": 2000,
        "max-response-delay": 6000,
        "max-ack-delay": 3000,
        "max-unacked-clients": 0,
        "trust-anchor": "/etc/kea/tls/ca.pem",
        "cert-file": "/etc/kea/tls/kea-ha.pem",
        "key-file": "/etc/kea/tls/kea-ha.key",
        "require-client-certs": true,
        "multi-threading": { "enable-multi-threading": true, "http-dedicated-listener": true, "http-listener-threads": 0, "http-client-threads": 0 },
        peers: [
            { name: "PAR-DHCP01", url: "https://10.10.10.21:8005/", role: "primary", "auto-failover": true },
            { name: "PAR-DHCP02", url: "https://10.10.10.22:8005/", role: "standby", "auto-failover": true },
        ],
    });
    expect(ha(b)["this-server-name"]).toBe("PAR-DHCP02");
    expect({ ...ha(b), "this-server-name": "" }).toEqual({ ...ha(a), "this-server-name": "" });
    // The HA hook needs the server multi-threaded when its own listener is.
    expect(a["multi-threading"]["enable-multi-threading"]).toBe(true);
    expect({ ...a, "hooks-libraries": [] }).toEqual({ ...b, "hooks-libraries": [] });
    expect(() => renderKeaDhcp4(prod, "PAR-FS01")).toThrow("PAR-FS01 is not a DHCP server of the site");
});

test("HA TLS files: secret placeholders only, the key readable by Kea's group alone; none for a single server", () => {
    expect(haTlsFiles(prod)).toEqual([
        { path: "/etc/kea/tls/ca.pem", content: "{{secret:kea-ha-ca}}" },
        { path: "/etc/kea/tls/kea-ha.pem", content: "{{secret:kea-ha-cert}}" },
        { path: "/etc/kea/tls/kea-ha.key", content: "{{secret:kea-ha-key}}", mode: "0640", owner: "root:_kea" },
    ]);
    expect(haTlsFiles(dev)).toEqual([]);
});

test("the relay: upstream the servers' zone, downstream every scope's router interface, every server", () => {
    expect(relayCommand(prod).join(" ")).toBe(
        "/usr/sbin/dhcrelay -d -4 --no-pid -iu eth2 -id eth4 -id eth5 -id eth6 -id eth7 -id eth8 -id eth9 -id eth10 -id eth11 -id eth12 10.10.10.21 10.10.10.22",
    );
    expect(renderRelayUnit(dev)).toContain(
        "\nExecStart=/usr/sbin/dhcrelay -d -4 --no-pid -iu eth2 -id eth4 -id eth5 -id eth6 -id eth7 -id eth8 -id eth9 -id eth10 -id eth11 -id eth12 10.20.10.21\n",
    );
});

test("docs: the scopes with range, size, needed addresses, gateway and DNS; the reservations; the servers", () => {
    const s = dhcpDocSections(prod);
    expect(s["DHCP scopes"].columns).toEqual(["zone", "department", "subnet", "range", "size", "needed", "gateway", "DNS", "reservations"]);
    expect(s["DHCP scopes"].rows[2]).toEqual([
        "lan-dev",
        "Développement logiciel",
        "10.10.22.0/24",
        "10.10.22.100-10.10.22.250",
        151,
        100,
        "10.10.22.1",
        "10.10.10.11, 10.10.10.12, 10.10.10.13",
        1,
    ]);
    expect(s["DHCP reservations"].rows).toHaveLength(4);
    expect(s["DHCP servers"].rows).toEqual([
        ["PAR-DHCP01", "10.10.10.21", "primary", 28800, "PAR-FW01 (eth2)", 9],
        ["PAR-DHCP02", "10.10.10.22", "standby", 28800, "PAR-FW01 (eth2)", 9],
    ]);
});

test("the dev Kea configuration, byte for byte", () => {
    expect(renderKeaDhcp4(dev, "PAR-DHCP01")).toMatchSnapshot();
});
