/**
 * The router itself from the WAN: the VPN gateway's IKE and NAT-T are accepted from the paired peer's gateway only
 * (nftables and the router VM's Proxmox rules), and not at all before the peer is paired.
 */
import { firewallFacts } from "../../components/firewall/Firewall";
import { renderNftables } from "../../components/firewall/nftables";
import { planVmFirewall } from "../../components/firewall/proxmox";
import { pairVpn, vpnPeerExport } from "../../model/vpn";
import { SiteModel } from "../../model/site";
import { model, stackRaw } from "../helpers";

const prod = model(stackRaw("prod"));
const eco = model(stackRaw("ecotech"));
const paired: SiteModel = { ...prod, vpn: pairVpn(prod.vpnLocal!, vpnPeerExport(eco.vpnLocal!), prod.zones) };
const wanInput = (text: string) =>
    text.split("\n").filter((l) => l.includes("iifname $IF_WAN") && l.includes("ip daddr 203.0.113.2") && l.includes(" accept "));

test("paired: nftables accepts IKE and NAT-T from the peer's gateway only", () => {
    expect(wanInput(renderNftables(paired)).map((l) => l.trim())).toEqual([
        'iifname $IF_WAN ip saddr 192.0.2.2 ip daddr 203.0.113.2 udp dport { 500, 4500 } counter accept comment "flow 34: wan -> router ipsec"',
    ]);
});

test("paired: the router VM's Proxmox rule from WAN to its own address names the peer, beside the port forwards", () => {
    const rules = planVmFirewall(paired, paired.router).rules.filter((r) => r.dest === "203.0.113.2");
    expect(rules.map((r) => `${r.source} ${r.proto}/${r.dport} ${r.comment}`)).toEqual([
        "192.0.2.2 udp/500,4500 flow 34: wan -> router ipsec",
        "+billu-wan tcp/80 published 0: web-public-http -> PAR-WEB01",
        "+billu-wan tcp/443 published 1: web-public-https -> PAR-WEB01",
        "+billu-wan tcp/25 published 2: smtp -> PAR-MX01",
    ]);
});

test("paired: the facts the policy pack reads carry the peer and the router's WAN input", () => {
    const f = firewallFacts(paired);
    expect(f.vpnPeerGateway).toBe("192.0.2.2");
    expect(f.wanInput).toEqual([{ proto: "udp", ports: "udp/500 udp/4500", sources: ["192.0.2.2"], comment: "flow 34: wan -> router ipsec" }]);
});

test("not yet paired (the peer is not deployed): the router accepts nothing from WAN but the port forwards", () => {
    expect(wanInput(renderNftables(prod))).toEqual([]);
    expect(
        planVmFirewall(prod, prod.router)
            .rules.filter((r) => r.dest === "203.0.113.2")
            .map((r) => r.comment),
    ).toEqual(["published 0: web-public-http -> PAR-WEB01", "published 1: web-public-https -> PAR-WEB01", "published 2: smtp -> PAR-MX01"]);
    expect(firewallFacts(prod).wanInput).toEqual([]);
});
