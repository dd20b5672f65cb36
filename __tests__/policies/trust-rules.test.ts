/** require-partner-grant on hand-built resources: a granted partner flow, then one property changed per failing case. */
import { FIREWALL_TYPE, TRUST_TYPE } from "../../components/contracts";
import type { FlowFact, MemberFact } from "../../components/contracts";
import { requirePartnerGrant } from "../../policies/rules/require-partner-grant";
import { RecordedResource } from "../../tools/mock-runtime";
import { check, resource } from "./harness";

const partner: MemberFact = { kind: "vpn-partner", name: "vpn-partner", addresses: ["172.20.10.0/24"] };
const fs: MemberFact = { kind: "host", name: "PAR-FS01", zone: "servers", zoneKind: "servers", addresses: ["10.10.10.31"] };
const web: MemberFact = { kind: "host", name: "PAR-WEB01", zone: "dmz", zoneKind: "dmz", addresses: ["172.16.100.10"] };
const servers: MemberFact = { kind: "zone", name: "servers", zone: "servers", zoneKind: "servers", addresses: ["10.10.10.0/24"] };
const lan: MemberFact = { kind: "zone", name: "lan-dsi", zone: "lan-dsi", zoneKind: "department", addresses: ["10.10.21.0/24"] };

const flow = (index: number, from: MemberFact, to: MemberFact, service: string): FlowFact => ({
    index,
    from: from.name,
    to: to.name,
    service,
    ports: service === "smb" ? "tcp/445" : service === "ssh" ? "tcp/22" : "tcp/443",
    sources: [from],
    destinations: [to],
});

function stack(flows: FlowFact[], grants: { group: string; service: string; hosts: string[] }[] | null): RecordedResource[] {
    const fw = { ...resource(FIREWALL_TYPE, "par-fw01", { flows, zones: [], published: [] }), custom: false };
    return grants === null ? [fw] : [fw, { ...resource(TRUST_TYPE, "par-trust-ecotech", { partner: "ecotech-solutions.lan", grants }), custom: false }];
}
const GRANT = { group: "DL-ECO-Projets-Lecture", service: "smb", hosts: ["PAR-FS01"] };

describe("require-partner-grant", () => {
    test("baseline passes: the partner's SMB to the granted file server, https to the web server (no logon service), BillU's own SMB", async () => {
        expect(
            await check(requirePartnerGrant, stack([flow(3, partner, fs, "smb"), flow(4, partner, web, "https"), flow(5, lan, fs, "smb")], [GRANT])),
        ).toEqual([]);
    });
    test("1: no trust at all (prod before issue #20): the partner's SMB flow to the file server is refused", async () => {
        expect(await check(requirePartnerGrant, stack([flow(3, partner, fs, "smb")], null))).toEqual([
            "flow 3 (vpn-partner -> PAR-FS01 smb) opens smb on PAR-FS01 to the partner, but no grant of billu:trust names PAR-FS01 for smb. Fix: add a grant for it to billu:trust.grants, or remove billu:flows[3].",
        ]);
    });
    test("2: a grant for another service does not cover SSH", async () => {
        expect(await check(requirePartnerGrant, stack([flow(6, partner, fs, "ssh")], [GRANT]))).toEqual([
            "flow 6 (vpn-partner -> PAR-FS01 ssh) opens ssh on PAR-FS01 to the partner, but no grant of billu:trust names PAR-FS01 for ssh. Fix: add a grant for it to billu:trust.grants, or remove billu:flows[6].",
        ]);
    });
    test("3: a zone-wide partner SMB flow is refused even with a grant inside it", async () => {
        expect(await check(requirePartnerGrant, stack([flow(7, partner, servers, "smb")], [GRANT]))).toEqual([
            "flow 7 (vpn-partner -> servers smb) opens smb on the whole zone servers to the partner. Fix: narrow billu:flows[7] to the granted hosts (hosts: [...]).",
        ]);
    });
    test("4: a single host of the partner (vpn-partner:<host>) is the partner too: its SSH to the file server needs a grant", async () => {
        const mon: MemberFact = { kind: "vpn-partner", name: "vpn-partner:ECO-MON01", addresses: ["172.20.10.40"] };
        expect(await check(requirePartnerGrant, stack([flow(8, mon, fs, "ssh")], [GRANT]))).toEqual([
            "flow 8 (vpn-partner:ECO-MON01 -> PAR-FS01 ssh) opens ssh on PAR-FS01 to the partner, but no grant of billu:trust names PAR-FS01 for ssh. Fix: add a grant for it to billu:trust.grants, or remove billu:flows[8].",
        ]);
    });
});
