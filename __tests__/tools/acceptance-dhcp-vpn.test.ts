/**
 * The dhcp and vpn acceptance scenarios (tools/acceptance/scenarios/dhcp.ts, vpn.ts, issue #23): what --dry-run lists
 * for every committed stack, from the model; why each does not run without its probe or from a zone the matrix keeps
 * from the partner; the lease judged against the DHCP plan. The protocols run against real daemons in labs/dhcp (Kea
 * behind the relay) and labs/vpn (strongSwan, both ends).
 */
import * as path from "path";
import { main } from "../../tools/acceptance";
import { judgeLease, parseLease, UDHCPC_SCRIPT } from "../../tools/acceptance/scenarios/dhcp";
import { partnerEnd, partnerServices } from "../../tools/acceptance/scenarios/vpn";
import { loadModel } from "../../stacks/program";
import { readBilluConfig } from "../../tools/stack-config";
import { ROOT } from "../helpers";

process.env.BILLU_PROJECT_ROOT = ROOT;
const modelOf = (stack: string) => loadModel(readBilluConfig(path.join(ROOT, `Pulumi.${stack}.yaml`)));

async function dryRun(args: string[]): Promise<{ code: number; out: string }> {
    let out = "";
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
        return { code: await main([...args, "--dry-run"], (s) => (out += s)), out };
    } finally {
        process.chdir(cwd);
    }
}

describe("dhcp: a lease on the probe's department network, judged against the DHCP plan", () => {
    test.each(["dev", "prod"])("%s: --dhcp-probe eth1@lan-dsi lists four steps from lan-dsi's scope", async (stack) => {
        const m = modelOf(stack);
        const d = m.dhcp!;
        const s = d.scopes.find((x) => x.zone === "lan-dsi")!;
        const servers = d.servers.map((x) => x.address);
        expect(await dryRun(["--stack", stack, "--only", "dhcp", "--dhcp-probe", "eth1@lan-dsi"])).toEqual({
            code: 0,
            out: [
                "dhcp: a client of a department zone gets its lease in the planned scope with the planned options, through the relay (4 steps)",
                `    DHCP: a lease on eth1 in lan-dsi through the relay ${s.gateway} (PAR-FW01): expects a lease from ${servers.join(" or ")} within 5 s; contacts broadcast on eth1 (lan-dsi), relayed to ${servers.join(", ")}`,
                `    DHCP: the address is in lan-dsi's pool, from a server of the model: expects ${s.poolStart}-${s.poolEnd} (or a reservation), from ${servers.join(" or ")}; contacts nothing (it judges the first step's lease)`,
                `    DHCP: the options of lan-dsi's scope: expects router ${s.gateway}, DNS and NTP ${d.dnsServers.join(" ")}, domain and search billu.remindme.lan; contacts nothing (it judges the first step's lease)`,
                `    DHCP: the lease timers of billu:dhcp.lease: expects lease ${d.lease.validSeconds} s, T1 ${d.lease.renewSeconds} s, T2 ${d.lease.rebindSeconds} s; contacts nothing (it judges the first step's lease)`,
                "",
            ].join("\n"),
        });
    });
    test("without a probe it does not run, and says which flag gives one", async () => {
        expect(await dryRun(["--stack", "prod", "--only", "dhcp"])).toEqual({
            code: 0,
            out: "[dhcp] not run: no probe interface on a department network: give --dhcp-probe <interface>@<zone> (a NIC of the run's host on that zone)\n",
        });
    });
    test("the udhcpc script only records the offer: it configures nothing", () => {
        expect(UDHCPC_SCRIPT).not.toMatch(/\bip (addr|route|link)|ifconfig|route add|resolv\.conf/);
        expect(UDHCPC_SCRIPT).toContain('>"$BILLU_LEASE_OUT"');
    });
    describe("judgeLease against dev's lan-dsi scope", () => {
        const m = modelOf("dev");
        const d = m.dhcp!;
        const s = d.scopes.find((x) => x.zone === "lan-dsi")!;
        const good = parseLease(
            [
                `ip=${s.poolStart}`,
                `router=${s.gateway}`,
                `dns=${d.dnsServers.join(" ")}`,
                `ntpsrv=${d.ntpServers.join(" ")}`,
                `domain=${d.domain}`,
                `search=${d.domain}`,
                `serverid=${d.servers[0].address}`,
                `lease=${d.lease.validSeconds}`,
                `t1=${d.lease.renewSeconds}`,
                `t2=${d.lease.rebindSeconds}`,
            ].join("\n"),
        );
        test("the model's own lease passes every judgement", () => {
            expect(judgeLease(m, s, good)).toEqual({ pool: [], options: [], timers: [] });
        });
        test("a wrong pool, gateway, lease time and server are each named with what was expected", () => {
            const net = s.poolStart.split(".").slice(0, 3).join(".");
            expect(judgeLease(m, s, { ...good, ip: `${net}.30`, router: `${net}.2`, lease: "3600", serverid: "10.9.9.9" })).toEqual({
                pool: [
                    `address ${net}.30 outside the pool ${s.poolStart}-${s.poolEnd}`,
                    `server 10.9.9.9 is not a DHCP server of the model (${d.servers.map((x) => x.address).join(", ")})`,
                ],
                options: [`router ${net}.2, not ${s.gateway}`],
                timers: [`lease 3600 s, not ${d.lease.validSeconds} s`],
            });
        });
        test("the last address of the pool is in it, the next one is not", () => {
            const last = s.poolEnd.split(".");
            const next = [...last.slice(0, 3), String(Number(last[3]) + 1)].join(".");
            expect(judgeLease(m, s, { ...good, ip: s.poolEnd }).pool).toEqual([]);
            expect(judgeLease(m, s, { ...good, ip: next }).pool).toEqual([`address ${next} outside the pool ${s.poolStart}-${s.poolEnd}`]);
        });
    });
});

describe("vpn: the partner's resolver answers across the tunnel on the services the matrix opens from the run's zone", () => {
    const m = modelOf("prod");
    test("the partner's end comes from the peer stack's committed file (ecotech)", () => {
        const peer = partnerEnd(m, ROOT)!;
        expect([peer.site.company, peer.resolvers, peer.gateway.host]).toEqual(["EcotechSolutions", ["172.20.20.53"], "ECO-FW01"]);
    });
    test("from lan-dev: https (the matrix's lan-dev -> vpn-partner flows; dns is only the DCs')", () => {
        expect(partnerServices(m, "lan-dev")).toEqual([["https", 443]]);
        expect(partnerServices(m, "management")).toEqual([]);
    });
    test("--zone lan-dev: one step per resolver and service", async () => {
        expect(await dryRun(["--stack", "prod", "--only", "vpn", "--zone", "lan-dev"])).toEqual({
            code: 0,
            out: [
                "vpn: a host of the partner site answers across the site-to-site tunnel (1 steps)",
                "    VPN ecotech: from lan-dev, EcotechSolutions's 172.20.20.53 answers on https (tcp/443) across the tunnel: expects a TCP connection within 5 s; contacts 172.20.20.53 (https tcp/443, through PAR-FW01 and ECO-FW01)",
                "",
            ].join("\n"),
        });
    });
    test("from the management zone (the default) the matrix opens nothing to the partner: not run, saying from where", async () => {
        expect(await dryRun(["--stack", "prod", "--only", "vpn"])).toEqual({
            code: 0,
            out: "[vpn] not run: the flow matrix opens nothing from management to the partner: run it from a host of lan-dev with --zone <zone>\n",
        });
    });
    test("dev has no tunnel", async () => {
        expect(await dryRun(["--stack", "dev", "--only", "vpn"])).toEqual({ code: 0, out: "[vpn] not run: the site has no site-to-site VPN\n" });
    });
});
