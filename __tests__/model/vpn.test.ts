/** The partner site, billu:vpn validation, and the pairing of both ends from both stacks' models. */
import { InputError } from "../../model/errors";
import { pairVpn, VpnModel, vpnPeerExport } from "../../model/vpn";
import { parseProposal, proposalSyntaxError, proposalWeakness } from "../../model/vpn-crypto";
import { dpdDetectionBoundSeconds, renderLinkScript, renderPfsenseIpsec, renderSwanctlConnection, renderSwanctlSecrets } from "../../components/vpn/render";
import { model, problemsOf, stackRaw } from "../helpers";

function ends(): { prod: VpnModel; eco: VpnModel } {
    const prodModel = model(stackRaw("prod"));
    const ecoModel = model(stackRaw("ecotech"));
    return {
        prod: pairVpn(prodModel.vpnLocal!, vpnPeerExport(ecoModel.vpnLocal!), prodModel.zones),
        eco: pairVpn(ecoModel.vpnLocal!, vpnPeerExport(prodModel.vpnLocal!), ecoModel.zones),
    };
}

function pairingProblems(f: () => unknown): string[] {
    try {
        f();
        return [];
    } catch (e) {
        if (e instanceof InputError) return e.problems.map((p) => `${p.path}: ${p.message}. Fix: ${p.fix}`);
        throw e;
    }
}

describe("the partner site", () => {
    test("validates with the same schema: no directory, no DCs, a LAN zone without an HR department", () => {
        const eco = model(stackRaw("ecotech"));
        expect(eco.site.kind).toBe("partner");
        expect(eco.hr).toBeUndefined();
        expect(eco.router.name).toBe("ECO-FW01");
        expect(eco.zones.map((z) => [z.name, z.cidr.text])).toEqual([
            ["wan", "192.0.2.0/29"],
            ["management", "172.20.0.0/24"],
            ["lan", "172.20.10.0/24"],
            ["servers", "172.20.20.0/24"],
        ]);
    });
    test("a company site still needs its department zones' HR departments", () => {
        const raw = stackRaw("prod");
        delete raw.network.zones[4].department;
        expect(problemsOf(raw)).toEqual([
            "billu:network.zones[4].department: is required for a department zone but missing. Fix: name the HR export's Departement value this zone serves",
        ]);
    });
    test("BillU's directory on a partner site is refused, and a DC without the partner's own billu:domain", () => {
        const raw = stackRaw("ecotech");
        raw.directory = { hrCsv: "data/billu-hr.csv" };
        delete raw.domain;
        delete raw.trust;
        expect(raw.hosts[1].name).toBe("ECO-DC01");
        expect(problemsOf(raw)).toEqual([
            "billu:directory: is set on a partner site, which has no directory. Fix: remove billu:directory, or make billu:site.kind company",
            "billu:hosts[1].role: is dc on a partner site without billu:domain. Fix: remove the host, or give the partner its own domain in billu:domain",
        ]);
    });
});

describe("billu:vpn validation", () => {
    test("unknown zones, the WAN, a resolver outside the offered networks, a typo in a proposal", () => {
        const raw = stackRaw("prod");
        raw.vpn.localZones = ["servers", "wan", "lan-nope"];
        raw.vpn.resolvers = ["10.10.20.5", "not-an-ip"];
        raw.vpn.owner.ikeProposals = ["aes256gcm16-prfsha384-ecp38"];
        expect(problemsOf(raw)).toEqual([
            'billu:vpn.localZones[1]: "wan" is the WAN. Fix: offer only internal zones through the tunnel',
            'billu:vpn.localZones[2]: "lan-nope" is not a zone of billu:network.zones. Fix: use one of management, servers, dmz, lan-direction, lan-dsi, lan-dev, lan-finance, lan-rh, lan-commercial, lan-juridique, lan-qhse, lan-com',
            "billu:vpn.resolvers[0]: 10.10.20.5 is in none of the networks offered through the tunnel (10.10.10.0/24). Fix: name a resolver inside an offered zone, or offer its zone in billu:vpn.localZones",
            'billu:vpn.resolvers[1]: "not-an-ip" is not an IPv4 address. Fix: write a dotted IPv4 address',
            'billu:vpn.owner.ikeProposals[0]: "aes256gcm16-prfsha384-ecp38" has unknown algorithm keyword ecp38. Fix: write a strongSwan IKE proposal such as aes256gcm16-prfsha384-ecp384',
        ]);
    });
    test("a weak but valid proposal passes validation: the policy gate judges strength", () => {
        const raw = stackRaw("prod");
        raw.vpn.owner.ikeProposals = ["aes128-sha1-modp1024"];
        expect(problemsOf(raw)).toEqual([]);
    });
    test("an unknown key under billu:vpn", () => {
        const raw = stackRaw("prod");
        raw.vpn.psk = "x";
        expect(problemsOf(raw)).toEqual(['billu:vpn: has unknown key psk. Fix: remove or rename them (see README, "Configuration")']);
    });
});

describe("pairing both ends", () => {
    test("each end's selectors are exactly its own internal networks and the other's, mirrored", () => {
        const { prod, eco } = ends();
        expect(prod.local.networks).toEqual(eco.remote.networks);
        expect(eco.local.networks).toEqual(prod.remote.networks);
        expect(eco.local.networks).toEqual(["172.20.0.0/24", "172.20.10.0/24", "172.20.20.0/24"]);
        expect(prod.local.networks).toHaveLength(12);
        expect([...prod.local.networks, ...eco.local.networks]).not.toContain("0.0.0.0/0");
        expect([prod.local.gateway.address, prod.remote.gateway.address]).toEqual(["203.0.113.2", "192.0.2.2"]);
        expect(eco.settings).toEqual(prod.settings);
        expect([prod.isOwner, eco.isOwner]).toEqual([true, false]);
    });
    test("DNS: each end forwards the other's domain to the other's resolvers", () => {
        const { prod, eco } = ends();
        expect(prod.conditionalForwarders).toEqual([{ domain: "ecotech-solutions.lan", servers: ["172.20.20.53"] }]);
        expect(eco.conditionalForwarders).toEqual([{ domain: "billu.remindme.lan", servers: ["10.10.10.11", "10.10.10.12", "10.10.10.13"] }]);
    });
    test("overlapping networks: exit-2 error naming both networks and the fix", () => {
        const prodModel = model(stackRaw("prod"));
        const raw = stackRaw("ecotech");
        raw.network.zones[2].cidr = "10.10.22.0/24";
        raw.network.zones[2].gateway = "10.10.22.1";
        // The router's matrix refuses the overlap on its own (billu:firewall.vpnPartner); take it out to reach the pairing.
        raw.firewall.vpnPartner.networks = raw.firewall.vpnPartner.networks.filter((n: string) => n !== "10.10.22.0/24");
        const eco = model(raw);
        expect(pairingProblems(() => pairVpn(prodModel.vpnLocal!, vpnPeerExport(eco.vpnLocal!), prodModel.zones))).toEqual([
            "billu:vpn.peerStack: the partner network 10.10.22.0/24 (EcotechSolutions, stack organization/billu-infra/ecotech) overlaps 10.10.22.0/24 (zone lan-dev, billu:network.zones[6]). Fix: a tunnel cannot route a network that exists at both ends: renumber one of the two networks, or NAT it to a free range on its gateway",
        ]);
        expect(pairingProblems(() => pairVpn(eco.vpnLocal!, vpnPeerExport(prodModel.vpnLocal!), eco.zones))).toEqual([
            "billu:vpn.peerStack: the partner network 10.10.22.0/24 (BillU, stack organization/billu-infra/prod) overlaps 10.10.22.0/24 (zone lan, billu:network.zones[2]). Fix: a tunnel cannot route a network that exists at both ends: renumber one of the two networks, or NAT it to a free range on its gateway",
        ]);
    });
    test("exactly one owner", () => {
        const prodModel = model(stackRaw("prod"));
        const peer = { ...vpnPeerExport(model(stackRaw("ecotech")).vpnLocal!), owner: prodModel.vpnLocal!.owner };
        expect(pairingProblems(() => pairVpn(prodModel.vpnLocal!, peer, prodModel.zones))).toEqual([
            "billu:vpn.owner: is set here and in organization/billu-infra/ecotech too. Fix: keep billu:vpn.owner at one end only: that end generates the key, sets the suites and initiates",
        ]);
    });
    test("a malformed peer export names the stack output", () => {
        const prodModel = model(stackRaw("prod"));
        expect(pairingProblems(() => pairVpn(prodModel.vpnLocal!, { tunnel: "billu" }, prodModel.zones))[0]).toBe(
            "stack organization/billu-infra/ecotech output vpnPeer.site: required. Fix: deploy organization/billu-infra/ecotech with a billu:vpn key that names this stack",
        );
    });
});

describe("proposals", () => {
    test("parsing", () => {
        expect(parseProposal("aes256gcm16-prfsha384-ecp384")).toMatchObject({ encryption: ["aes256gcm16"], prf: ["prfsha384"], dh: ["ecp384"], unknown: [] });
        expect(proposalSyntaxError("aes256gcm16-ecp384", "ike")).toBe("names no PRF (e.g. prfsha384)");
        expect(proposalSyntaxError("aes256gcm16-ecp384", "esp")).toBeUndefined();
        expect(proposalSyntaxError("AES256", "esp")).toBe("is not a strongSwan proposal (algorithm keywords joined by -)");
    });
    test("the strength bar", () => {
        expect(proposalWeakness("aes256gcm16-prfsha384-ecp384", "ike")).toBeUndefined();
        expect(proposalWeakness("aes256gcm16-ecp384", "esp")).toBeUndefined();
        expect(proposalWeakness("aes256gcm16-prfsha384-x25519", "ike")).toBe("key exchange x25519 is weaker than ECP-384");
        expect(proposalWeakness("chacha20poly1305-prfsha384-ecp384", "ike")).toBe("encryption chacha20poly1305 is not AES-GCM-256");
    });
});

describe("rendered ends", () => {
    test("the key is never rendered: the secrets file holds a placeholder", () => {
        const { prod } = ends();
        expect(renderSwanctlSecrets(prod)).toContain('secret = "{{secret:vpn-psk}}"');
    });
    test("DPD bound: the delay plus the retransmissions", () => expect(dpdDetectionBoundSeconds(ends().prod)).toBe(24.2));
    test("snapshots: both ends' connections, the link script, the pfSense settings", () => {
        const { prod, eco } = ends();
        expect(renderSwanctlConnection(prod)).toMatchSnapshot("prod swanctl");
        expect(renderSwanctlConnection(eco)).toMatchSnapshot("ecotech swanctl");
        expect(renderLinkScript(prod)).toMatchSnapshot("prod link");
        expect(renderPfsenseIpsec(eco)).toMatchSnapshot("ecotech pfsense");
    });
});

describe("single partner hosts (billu:firewall.vpnPartner.hosts) against the peer's exported hosts", () => {
    // stacks/vpn.ts loads the Pulumi SDK: required here, not at the top, like the synth tests do.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { checkFirewallPartner } = require("../../stacks/vpn") as typeof import("../../stacks/vpn");
    const prodModel = model(stackRaw("prod"));
    const mon = prodModel.hosts.find((h) => h.role === "monitoring")!;
    const ecoWith = (hosts: { name: string; address: string }[], peer: unknown = vpnPeerExport(prodModel.vpnLocal!)) => {
        const raw = stackRaw("ecotech");
        raw.firewall.vpnPartner.hosts = hosts;
        raw.monitoring.remoteServer.address = hosts[0]?.address ?? raw.monitoring.remoteServer.address;
        const eco = model(raw);
        return pairingProblems(() => checkFirewallPartner(eco, pairVpn(eco.vpnLocal!, peer, eco.zones)));
    };
    test("prod exports its hosts behind the tunnel, PAR-MON01 among them, at the model's address (non-secret, in vpnPeer)", () => {
        const exported = vpnPeerExport(prodModel.vpnLocal!).hosts!;
        expect(exported).toContainEqual({ name: mon.name, address: mon.address });
        const offered = new Set(prodModel.vpnLocal!.zones);
        expect(exported.map((h) => h.name)).toEqual(prodModel.hosts.filter((h) => offered.has(h.zone)).map((h) => h.name));
    });
    test("the committed ecotech stack pairs: PAR-MON01 is prod's, at prod's address", () => {
        expect(ecoWith([{ name: mon.name, address: mon.address }])).toEqual([]);
    });
    test("a host the peer does not export", () => {
        expect(
            ecoWith([
                { name: "PAR-MON01", address: mon.address },
                { name: "PAR-MON02", address: "10.10.0.41" },
            ]),
        ).toEqual([
            `billu:firewall.vpnPartner.hosts[1].name: "PAR-MON02" is not a host stack organization/billu-infra/prod exports behind the tunnel (${vpnPeerExport(
                prodModel.vpnLocal!,
            )
                .hosts!.map((h) => h.name)
                .join(", ")}). Fix: name a host the peer exports (output vpnPeer.hosts), or remove it and the flows that name it`,
        ]);
    });
    test("a host at another address than the peer's", () => {
        expect(ecoWith([{ name: mon.name, address: "10.10.0.41" }])).toEqual([
            `billu:firewall.vpnPartner.hosts[0].address: is 10.10.0.41 but stack organization/billu-infra/prod exports ${mon.name} at ${mon.address}. Fix: write ${mon.address}, the peer's address of ${mon.name}`,
        ]);
    });
    test("a peer deployed before vpnPeer.hosts existed", () => {
        const peer: Record<string, unknown> = { ...vpnPeerExport(prodModel.vpnLocal!) };
        delete peer.hosts;
        expect(ecoWith([{ name: mon.name, address: mon.address }], peer)).toEqual([
            `billu:firewall.vpnPartner.hosts[0]: names ${mon.name}, but stack organization/billu-infra/prod exports no hosts (its vpnPeer output predates vpnPeer.hosts). Fix: run pulumi up on organization/billu-infra/prod first, then here again`,
        ]);
    });
});
