/** disallow-intranet-from-wan on hand-built resources: a compliant web server, then one property changed per failing case. */
import { RULES_TYPE as VM_RULES_TYPE, WEB_TYPE } from "../../components/contracts";
import { disallowIntranetFromWan } from "../../policies/rules/disallow-intranet-from-wan";
import { RecordedResource } from "../../tools/mock-runtime";
import { check, resource } from "./harness";

function web(overrides: Record<string, unknown> = {}): RecordedResource {
    return {
        ...resource(WEB_TYPE, "par-web01", {
            host: "PAR-WEB01",
            vmId: 150,
            intranetPorts: [443, 80],
            publishedListeners: [
                { hostPort: 8443, wanPort: 443, scheme: "https" },
                { hostPort: 8080, wanPort: 80, scheme: "http" },
            ],
            intranetAllowedNetworks: ["10.20.20.0/24", "10.20.0.0/24"],
            internalNetworks: ["10.20.0.0/24", "10.20.10.0/24", "10.20.20.0/24"],
            ...overrides,
        }),
        custom: false,
    };
}

const accept = (r: Record<string, unknown>) => ({ type: "in", action: "ACCEPT", enabled: true, dest: "172.16.120.10", ...r });
function vmRules(rules: Record<string, unknown>[], vmId = 150): RecordedResource {
    return resource(VM_RULES_TYPE, "par-web01-firewall-rules", { nodeName: "pve1", vmId, rules });
}
const baselineRules = [
    accept({ source: "10.20.20.0/24", proto: "tcp", dport: "443", comment: "flow 9: kind:department -> PAR-WEB01 https" }),
    accept({ source: "10.20.20.0/24", proto: "tcp", dport: "80", comment: "flow 10: kind:department -> PAR-WEB01 http" }),
    accept({ source: "+billu-wan", proto: "tcp", dport: "8443", comment: "published 0: web-public-https -> PAR-WEB01" }),
    accept({ source: "+billu-wan", proto: "tcp", dport: "8080", comment: "published 1: web-public-http -> PAR-WEB01" }),
    accept({ source: "10.20.0.0/24", proto: "tcp", dport: "22", comment: "flow 4: management -> dmz ssh" }),
];

describe("disallow-intranet-from-wan", () => {
    test("baseline passes: WAN only on the public listeners, the intranet for internal networks", async () => {
        expect(await check(disallowIntranetFromWan, [web(), vmRules(baselineRules)])).toEqual([]);
    });
    test("another VM's rules are not the web server's", async () => {
        expect(await check(disallowIntranetFromWan, [web(), vmRules([accept({ source: "+billu-wan", proto: "tcp", dport: "443" })], 140)])).toEqual([]);
    });
    test("1: the intranet admits the whole internet", async () => {
        expect(await check(disallowIntranetFromWan, [web({ intranetAllowedNetworks: ["10.20.20.0/24", "0.0.0.0/0"] })])).toEqual([
            "Web PAR-WEB01: the intranet admits 0.0.0.0/0, which is not inside the site's internal networks.",
        ]);
    });
    test("2: the WAN forwarded to the intranet's listener", async () => {
        expect(await check(disallowIntranetFromWan, [web({ publishedListeners: [{ hostPort: 443, wanPort: 443, scheme: "https" }] })])).toEqual([
            "Web PAR-WEB01: the router forwards WAN tcp/443 to tcp/443, where the intranet listens.",
        ]);
    });
    test("3: the VM firewall accepts https from the WAN IP set", async () => {
        const rules = [...baselineRules, accept({ source: "+billu-wan", proto: "tcp", dport: "80,443", comment: "oops" })];
        expect(await check(disallowIntranetFromWan, [web(), vmRules(rules)])).toEqual([
            "Web PAR-WEB01: its Proxmox firewall rule 5 (oops) accepts tcp/443,80, where the intranet listens, from +billu-wan.",
        ]);
    });
    test("4: a rule with no source and no port", async () => {
        expect(await check(disallowIntranetFromWan, [web(), vmRules([accept({ comment: "any" })])])).toEqual([
            "Web PAR-WEB01: its Proxmox firewall rule 0 (any) accepts tcp/443,80, where the intranet listens, from any source.",
        ]);
    });
    test("6: a rule from the DMZ itself (a compromised DMZ host must not reach the intranet)", async () => {
        const rules = [...baselineRules, accept({ source: "172.16.120.0/24", proto: "tcp", dport: "443", comment: "dmz" })];
        expect(await check(disallowIntranetFromWan, [web(), vmRules(rules)])).toEqual([
            "Web PAR-WEB01: its Proxmox firewall rule 5 (dmz) accepts tcp/443, where the intranet listens, from 172.16.120.0/24.",
        ]);
    });
    test("5: the HTTPS macro from an outside network", async () => {
        expect(await check(disallowIntranetFromWan, [web(), vmRules([accept({ macro: "HTTPS", source: "192.0.2.0/24", comment: "macro" })])])).toEqual([
            "Web PAR-WEB01: its Proxmox firewall rule 0 (macro) accepts tcp/443, where the intranet listens, from 192.0.2.0/24.",
        ]);
    });
    test("a disabled rule, a DROP, udp, another macro: not an opening", async () => {
        const rules = [
            accept({ source: "+billu-wan", dport: "443", enabled: false }),
            { type: "in", action: "DROP", source: "+billu-wan", dport: "443" },
            accept({ source: "+billu-wan", proto: "udp", dport: "443" }),
            accept({ source: "+billu-wan", macro: "Ping" }),
        ];
        expect(await check(disallowIntranetFromWan, [web(), vmRules(rules)])).toEqual([]);
    });
});
