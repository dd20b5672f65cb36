/**
 * Each guest's resolvers and time sources come from what the flow matrix lets it reach (issue #16): a DMZ server is
 * not pointed at DCs it may not query, and a host that may reach no resolver is refused before anything is built.
 */
import { model, problemsOf, stackRaw } from "../helpers";

const plan = (stack: string) => Object.fromEntries([...model(stackRaw(stack)).guestResolvers!].map(([h, r]) => [h, { dns: [...r.dns], ntp: [...r.ntp] }]));

test("dev: the servers zone and the router use the DC; the DMZ web server the upstream servers; the DC bootstraps upstream", () => {
    expect(plan("dev")).toEqual({
        "PAR-DC01": { dns: ["9.9.9.9"], ntp: [] },
        "PAR-FW01": { dns: ["10.20.10.11"], ntp: ["0.fr.pool.ntp.org"] },
        "PAR-DHCP01": { dns: ["10.20.10.11"], ntp: ["10.20.10.11"] },
        "PAR-FS01": { dns: ["10.20.10.11"], ntp: ["10.20.10.11"] },
        "PAR-MAIL01": { dns: ["10.20.10.11"], ntp: ["10.20.10.11"] },
        "PAR-WEB01": { dns: ["9.9.9.9"], ntp: ["0.fr.pool.ntp.org"] },
        // The management zone reaches the DC on the AD bundle (DNS and NTP included).
        "PAR-LOG01": { dns: ["10.20.10.11"], ntp: ["10.20.10.11"] },
        "PAR-BKP01": { dns: ["10.20.10.11"], ntp: ["10.20.10.11"] },
        "PAR-MON01": { dns: ["10.20.10.11"], ntp: ["10.20.10.11"] },
        "PAR-FTP01": { dns: ["10.20.10.11"], ntp: ["10.20.10.11"] },
        "PAR-PBX01": { dns: ["10.20.10.11"], ntp: ["10.20.10.11"] },
        "PAR-GLPI01": { dns: ["10.20.10.11"], ntp: ["10.20.10.11"] },
        "PAR-MX01": { dns: ["9.9.9.9"], ntp: ["0.fr.pool.ntp.org"] },
        // The department zones reach the DC on the AD bundle too.
        "PAR-CLI01": { dns: ["10.20.10.11"], ntp: ["10.20.10.11"] },
        "PAR-CLI02": { dns: ["10.20.10.11"], ntp: ["10.20.10.11"] },
    });
});

test("prod: every DC when the host may query all of them", () => {
    const p = plan("prod");
    expect(p["PAR-DHCP01"]).toEqual({ dns: ["10.10.10.11", "10.10.10.12", "10.10.10.13"], ntp: ["10.10.10.11", "10.10.10.12", "10.10.10.13"] });
    expect(p["PAR-WEB01"]).toEqual({ dns: ["9.9.9.9", "149.112.112.112"], ntp: ["0.fr.pool.ntp.org", "1.fr.pool.ntp.org"] });
});

test("the partner's gateway and its one DC resolve through the WAN; the gateway syncs through the WAN (the partner's DC does not serve it time)", () => {
    expect(plan("ecotech")).toEqual({ "ECO-DC01": { dns: ["9.9.9.9"], ntp: [] }, "ECO-FW01": { dns: ["9.9.9.9"], ntp: ["0.fr.pool.ntp.org"] } });
});

test("a DMZ host that may reach neither the DCs nor the WAN on dns is refused, with the flows that would fix it", () => {
    const raw = stackRaw("dev");
    raw.flows = raw.flows.filter((f: { from: string; service: string }) => !(f.from === "dmz" && f.service === "dns"));
    expect(problemsOf(raw)).toEqual([
        "billu:hosts[5]: PAR-WEB01 can reach no resolver: the flow matrix lets it reach neither the domain controllers (PAR-DC01) nor the upstream servers of billu:network.dnsForwarders on dns. Fix: add a flow to billu:flows, { from: dmz, to: PAR-DC01, service: dns } or { from: dmz, to: wan, service: dns } with billu:network.dnsForwarders",
        "billu:hosts[12]: PAR-MX01 can reach no resolver: the flow matrix lets it reach neither the domain controllers (PAR-DC01) nor the upstream servers of billu:network.dnsForwarders on dns. Fix: add a flow to billu:flows, { from: dmz, to: PAR-DC01, service: dns } or { from: dmz, to: wan, service: dns } with billu:network.dnsForwarders",
    ]);
});

test("upstream servers the matrix allows but the config does not name are no way out either", () => {
    const raw = stackRaw("ecotech");
    delete raw.network.ntpServers;
    expect(problemsOf(raw)).toEqual([
        "billu:hosts[0]: ECO-FW01 can reach no time source: the flow matrix lets it reach neither the domain controllers (ECO-DC01) nor any server (billu:network.ntpServers is empty) on ntp. Fix: set billu:network.ntpServers (the flow matrix already lets ECO-FW01 reach the WAN on ntp)",
    ]);
});

test("a DC bootstraps through the DCs before it, then the upstream servers: never through itself (#16)", () => {
    const p = plan("prod");
    expect([p["PAR-DC01"], p["PAR-DC02"], p["PAR-DC03"]]).toEqual([
        { dns: ["9.9.9.9", "149.112.112.112"], ntp: [] },
        { dns: ["10.10.10.11", "9.9.9.9", "149.112.112.112"], ntp: [] },
        { dns: ["10.10.10.11", "10.10.10.12", "9.9.9.9", "149.112.112.112"], ntp: [] },
    ]);
});

test("a first DC that may not reach the WAN on dns is refused: its first package installation could not resolve the mirror", () => {
    const raw = stackRaw("dev");
    raw.flows = raw.flows.filter((f: { from: string; to: string; service: string }) => !(f.from === "servers" && f.to === "wan" && f.service === "dns"));
    expect(problemsOf(raw)).toEqual([
        "billu:hosts[1]: PAR-DC01 can reach no resolver before its own DNS runs: the flow matrix does not let it reach the WAN on dns, so its first package installation could not resolve the mirror. Fix: add a flow to billu:flows, { from: servers, to: wan, service: dns } with billu:network.dnsForwarders",
    ]);
});
