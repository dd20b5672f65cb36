/** The firewall's command-line tools: pfSense sections and the lab's plan, from a stack file. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { icmpVerdict, planLab, points } from "../../components/firewall/lab-plan";
import { Service } from "../../model/ports";
import { runTool } from "../cli";
import { model, ROOT, stackRaw } from "../helpers";

test("npm run pfsense writes the config.xml sections and the procedure", async () => {
    const out = mkdtempSync(path.join(tmpdir(), "billu-pf-"));
    const p = await runTool("pfsense", ["--stack", "prod", "--out", out]);
    expect(p.stderr).toBe("");
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/^pfsense prod: \d+ filter rules, 3 port forwards -> /);
    expect(readdirSync(out).sort()).toEqual(["PROCEDURE.md", "aliases.xml", "dhcrelay.xml", "filter.xml", "interfaces.xml", "nat.xml"]);
    expect(readFileSync(path.join(out, "dhcrelay.xml"), "utf8")).toContain("<server>10.10.10.21,10.10.10.22</server>");
});

test("a bad stack file: exit 2 with the flow's index", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-pf-"));
    const cfg = readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").replace("service: smtp\n", "service: smtps\n");
    writeFileSync(path.join(dir, "Pulumi.bad.yaml"), cfg);
    const p = await runTool("pfsense", ["--stack", "bad", "--config", path.join(dir, "Pulumi.bad.yaml"), "--out", dir]);
    expect(p.status).toBe(2);
    expect(p.stderr).toContain('billu:flows[18].service: "smtps" is not a service.');
});

test("the lab's plan: plan.json and topology.txt", async () => {
    const out = mkdtempSync(path.join(tmpdir(), "billu-labplan-"));
    const p = await runTool("firewall-lab", ["--stack", "dev", "--prefix", "tst", "--out", out]);
    expect(p.status).toBe(0);
    // Actors: the router, each zone and each VM but the router's; PAR-CLI01 (lan-dsi) added 1 actor, 1,251 cells (its own
    // to and from every other actor, by service) and 2,201 probes; PAR-CLI02 (lan-finance) 1 actor, 1,301 cells and 2,289 probes.
    const raw = stackRaw("dev");
    const actors = 1 + raw.network.zones.length + raw.hosts.length - 1;
    expect(p.stdout).toBe(`firewall lab plan dev: ${actors} actors, 16977 cells, 29859 probes, 13 spoofed sources, 3 broken cases\n`);
    const topo = readFileSync(path.join(out, "topology.txt"), "utf8").split("\n");
    expect(topo[0]).toBe("ns tst-r");
    expect(JSON.parse(readFileSync(path.join(out, "plan.json"), "utf8")).prefix).toBe("tst");
});

describe("the lab's plan on every committed stack", () => {
    const stacks = readdirSync(ROOT)
        .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
        .map((f) => f.split(".")[1])
        .sort();
    /** Each stack's model and lab plan, made once for the tests below (they read them, never change them). */
    const made = new Map<string, { m: ReturnType<typeof model>; plan: ReturnType<typeof planLab> }>();
    const labPlan = (stack: string) => {
        if (!made.has(stack)) {
            const m = model(stackRaw(stack));
            made.set(stack, { m, plan: planLab(m, "bfw") });
        }
        return made.get(stack)!;
    };

    test("the committed stacks are the ones the lab runs by default", () => {
        expect(stacks).toEqual(["dev", "ecotech", "prod"]);
    });

    test.each(stacks)("%s: every pair of namespaces across the router gets ICMP echo, expected by the ICMP policy", (stack) => {
        const plan = labPlan(stack).plan;
        const icmp = plan.probes.filter((p) => p.proto === "icmp");
        const pairs = plan.cells.filter((c) => c.service === "icmp-echo");
        expect(icmp.length).toBe(pairs.length);
        expect(icmp.filter((p) => p.expect === "allow").map((p) => p.src)).toEqual(plan.actors.filter((a) => a.label !== "router").map((a) => a.label));
        expect(icmp.filter((p) => p.expect === "allow").every((p) => p.to === "router")).toBe(true);
        expect(plan.icmpPolicy).toBe("echo to the router from anywhere: answered; echo through or from the router: dropped");
    });

    test.each(stacks)("%s: one spoofed source per zone and the partner, forging another zone's address", (stack) => {
        const { m, plan } = labPlan(stack);
        // The partner's single hosts (vpn-partner:<host>) forge nothing: the rest of the partner sends the partner's spoof.
        const senders = plan.actors.filter((a) => a.actor.kind === "zone" || (a.actor.kind === "vpn-partner" && !a.actor.host)).map((a) => a.label);
        expect(plan.spoofs.map((s) => s.src)).toEqual(senders);
        for (const s of plan.spoofs) {
            const sender = plan.actors.find((a) => a.label === s.src)!;
            const forged = plan.actors.find((a) => a.label === s.as)!;
            expect(forged.actor.kind).toBe("zone");
            expect(forged.label).not.toBe(sender.label);
            expect(s.bind).toBe(forged.address);
            expect(s.ns).toBe(sender.ns);
            // It arrives on the sender's router interface, whose zone does not hold the forged address.
            const nic = m.router.nics.find((n) => n.ifname === s.ifname);
            if (sender.actor.kind === "zone") expect(nic?.zone).toBe(sender.actor.zone);
            else expect(s.ifname).toBe("ipsec0");
        }
    });

    test("dev: a spoofed packet targets what the forged zone may really reach", () => {
        const plan = labPlan("dev").plan;
        expect(plan.spoofs.find((s) => s.src === "lan-dev")).toEqual({
            id: 6,
            src: "lan-dev",
            as: "lan-finance",
            ns: "bfw-z6",
            bind: "10.20.23.254",
            dst: "192.0.2.10",
            proto: "tcp",
            port: 80,
            ifname: "eth6",
            genuine: "lan-finance -> wan tcp/80 is allowed (flow 11)",
        });
    });

    test("dev: a port range is probed at both ends and once inside", () => {
        const plan = labPlan("dev").plan;
        const ports = plan.probes.filter((p) => p.src === "lan-dsi" && p.to === "PAR-DC01" && p.proto === "tcp" && p.port >= 49152).map((p) => p.port);
        expect(ports).toEqual([49152, 57343, 65535]);
        expect(points({ name: "x", ports: [{ proto: "udp", from: 10, to: 11 }] } as unknown as Service)).toEqual([
            { proto: "udp", port: 10 },
            { proto: "udp", port: 11 },
        ]);
    });

    test("ecotech: the WAN namespace routes the partner's networks through the router, so WAN -> partner probes reach it", () => {
        const plan = labPlan("ecotech").plan;
        expect(plan.topology.filter((l) => l.startsWith("route bfw-z0 "))).toEqual([
            "route bfw-z0 172.20.0.0/24 192.0.2.2",
            "route bfw-z0 172.20.10.0/24 192.0.2.2",
            "route bfw-z0 172.20.20.0/24 192.0.2.2",
            ...["10.10.0", "10.10.10", "172.16.100", ...[20, 21, 22, 23, 24, 25, 26, 27, 28].map((n) => `10.10.${n}`)].map(
                (n) => `route bfw-z0 ${n}.0/24 192.0.2.2`,
            ),
        ]);
        // Ecotech's DC reaches the WAN (dns, ntp: its forwarders and time), so the masquerade case exists (issue #20). Removing
        // flow 0 (wan -> router ipsec) changes no probe: the lab's WAN sender is not the peer, refused either way.
        // Flow 10 (vpn-partner -> ECO-DC01 ad-trust) matters most since PAR-MON01 probes it too, as one of BillU's addresses.
        expect(plan.mutations.map((m) => m.name)).toEqual(["without-flow-10", "without-masquerade", "peer-host-widened-PAR-MON01", "forward-accept"]);
    });

    test("ecotech: PAR-MON01 (vpn-partner:PAR-MON01) has its own namespace behind the tunnel; 10050/10051 are its alone", () => {
        const raw = stackRaw("ecotech");
        const mon = raw.monitoring.remoteServer as { name: string; address: string };
        const { plan } = labPlan("ecotech");
        const label = `vpn-partner:${mon.name}`;
        expect(plan.topology.filter((l) => / bfw-v[ph]\d* |^ns bfw-v|route bfw-r 10\.10\.0\./.test(l))).toEqual([
            "ns bfw-vp",
            "link bfw-r ipsec0 169.254.200.1/24 bfw-vp up0 -",
            "bridge bfw-vp br0 169.254.200.2/24 up0",
            "addr bfw-vp lo 10.10.0.1/32",
            "route bfw-vp default 169.254.200.1",
            "route bfw-r 10.10.0.0/24 169.254.200.2",
            "ns bfw-vh0",
            "link bfw-vp q0 - bfw-vh0 eth0 169.254.200.3/24",
            "enslave bfw-vp br0 q0",
            `addr bfw-vh0 lo ${mon.address}/32`,
            "route bfw-vh0 default 169.254.200.1",
            `route bfw-r ${mon.address}/32 169.254.200.3`,
        ]);
        const zabbix = (src: string) =>
            plan.probes
                .filter((p) => p.src === src && (p.port === 10050 || p.port === 10051) && p.proto === "tcp")
                .map((p) => `${p.to} ${p.port} ${p.expect}`)
                .sort();
        // From PAR-MON01's address: the agents' port on the gateway and the DC; from the rest of BillU (10.10.0.1, the same network): nothing.
        expect(zabbix(label).filter((x) => x.endsWith("allow"))).toEqual(["ECO-DC01 10050 allow", "router 10050 allow"]);
        expect(zabbix("vpn-partner").filter((x) => x.endsWith("allow"))).toEqual([]);
        expect(zabbix("vpn-partner")).toContain("router 10050 deny");
        expect(zabbix("vpn-partner")).toContain("ECO-DC01 10050 deny");
        // ...and the agents' active checks reach PAR-MON01 only.
        const toMon = plan.probes.filter((p) => p.to === label && p.port === 10051 && p.expect === "allow").map((p) => p.src);
        expect(toMon.sort()).toEqual(["ECO-DC01", "router"]);
        expect(plan.probes.filter((p) => p.to === "vpn-partner" && p.port === 10051 && p.expect === "allow")).toEqual([]);
        // The broken ruleset that widens PAR-MON01's rules to its network must fail exactly the rest of the partner's 10050 probes.
        const widened = plan.mutations.find((m) => m.name === `peer-host-widened-${mon.name}`)!;
        expect(widened.replace).toEqual([`ip saddr ${mon.address} `, "ip saddr 10.10.0.0/24 "]);
        expect(widened.expectFailed.map((i) => `${plan.probes[i].src} -> ${plan.probes[i].to} ${plan.probes[i].proto}/${plan.probes[i].port}`)).toEqual([
            "vpn-partner -> router tcp/10050",
            "vpn-partner -> ECO-DC01 tcp/10050",
        ]);
    });

    test("ICMP policy: echo to the router is answered, through it or from it dropped", () => {
        expect(icmpVerdict({ kind: "zone", zone: "wan" }, { kind: "router" })).toEqual({ allowed: true, why: "ICMP policy: echo to the router" });
        expect(icmpVerdict({ kind: "router" }, { kind: "zone", zone: "wan" })).toEqual({ allowed: false });
        expect(icmpVerdict({ kind: "zone", zone: "lan-dev" }, { kind: "host", host: "PAR-DC01", zone: "servers" })).toEqual({ allowed: false });
    });
});
