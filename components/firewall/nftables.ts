/**
 * Renders the router's nftables ruleset from the router plan (plan.ts): stateful, default drop on input, forward
 * and output, established/related accepted, anti-spoofing per interface (raw prerouting), drops logged with a
 * rate limit, the management zone's SSH to the router always kept, each flow as accept rules, port forwards
 * (DNAT) for published services and masquerade from internal zones to WAN. One file, loaded with `nft -f` in one
 * transaction (`flush ruleset` included), so there is never a moment without rules; nftables.service loads it
 * at boot. Pure: model in, text out; `nft -c -f` checks it.
 * Reference: nftables wiki, "Simple ruleset for a home router" and "Performing Network Address Translation".
 */
import { SiteModel } from "../../model/site";
import { PortRange, portOf, portText } from "../../model/ports";
import { flowText } from "../../model/flows";
import { firewallOf, ifVar, planRouter, RouterPlan, RouterRule } from "./plan";
import { generatedHeader } from "../header";

function set(items: readonly string[]): string {
    return items.length === 1 ? items[0] : `{ ${items.join(", ")} }`;
}

function ports(rs: readonly PortRange[]): string {
    return set(rs.map(portText));
}

function quoted(comment: string): string {
    return `"${comment.replace(/"/g, "'")}"`;
}

/** One rule, as nft writes it: interfaces, addresses, ports, then the verdict and the comment. */
export function nftRule(r: RouterRule, ifRef: (ifname: string) => string): string {
    const m: string[] = [];
    if (r.iif) m.push(`iifname ${ifRef(r.iif)}`);
    if (r.oif) m.push(`oifname ${ifRef(r.oif)}`);
    if (r.saddr) m.push(`ip saddr ${set(r.saddr)}`);
    if (r.daddr) m.push(`ip daddr ${set(r.daddr)}`);
    if (r.sports) m.push(`${r.proto} sport ${ports(r.sports)}`);
    if (r.dports) m.push(`${r.proto} dport ${ports(r.dports)}`);
    else m.push(`meta l4proto ${r.proto}`);
    if (r.ctDnat) m.push("ct status dnat");
    return `${m.join(" ")} counter accept comment ${quoted(r.comment)}`;
}

const LOG_LIMIT = "limit rate 10/minute burst 20 packets";

export function renderNftables(model: SiteModel, plan: RouterPlan = planRouter(model)): string {
    const router = model.router;
    const vars = new Map(plan.interfaces.map((i) => [i.ifname, ifVar(i.zone)]));
    const ifRef = (ifname: string) => `$${vars.get(ifname) ?? ifname}`;
    const L: string[] = [];
    const I = "        ";
    const chainRules = (chain: RouterRule["chain"]) => plan.rules.filter((r) => r.chain === chain).map((r) => I + nftRule(r, ifRef));

    L.push("#!/usr/sbin/nft -f");
    L.push(generatedHeader("#", { host: router.name, site: model.site.name, from: "the site model", note: "Do not edit: change the stack config" }));
    L.push("# (billu:flows, billu:firewall) and run pulumi up. Everything not accepted below is dropped.");
    L.push("flush ruleset");
    L.push("");
    L.push("# Interfaces: one per zone, management first (cloud-init names the VM's NICs eth0, eth1, ... in NIC order).");
    for (const i of plan.interfaces) L.push(`define ${ifVar(i.zone)} = "${i.ifname}"`);
    L.push("");
    L.push("table inet billu {");
    L.push("    # Anti-spoofing: each interface only carries its own zone's sources; WAN never carries internal ones.");
    L.push("    chain prerouting {");
    L.push("        type filter hook prerouting priority raw; policy accept;");
    for (const i of plan.interfaces) {
        if (i.deniedSources) L.push(`${I}iifname ${ifRef(i.ifname)} ip saddr ${set(i.deniedSources)} jump spoofed`);
        if (i.allowedSources) L.push(`${I}iifname ${ifRef(i.ifname)} ip saddr != ${set(i.allowedSources)} jump spoofed`);
    }
    L.push("    }");
    L.push("");
    L.push("    chain spoofed {");
    L.push(`${I}${LOG_LIMIT} log prefix "billu-spoof: " level info`);
    L.push(`${I}drop`);
    L.push("    }");
    L.push("");
    L.push("    chain input {");
    L.push("        type filter hook input priority filter; policy drop;");
    L.push("        ct state established,related accept");
    L.push("        ct state invalid drop");
    L.push('        iifname "lo" accept');
    L.push("        icmp type echo-request limit rate 10/second accept");
    if (plan.management) {
        L.push(
            `${I}iifname ${ifRef(plan.management.ifname)} ip saddr ${plan.management.network} ip daddr ${plan.management.address} tcp dport ${portOf("ssh")} counter accept comment "management always keeps SSH to the router"`,
        );
    }
    L.push(...chainRules("input"));
    L.push(`${I}${LOG_LIMIT} log prefix "billu-drop-in: " level info`);
    L.push("    }");
    L.push("");
    L.push("    chain forward {");
    L.push("        type filter hook forward priority filter; policy drop;");
    L.push("        ct state established,related accept");
    L.push("        ct state invalid drop");
    L.push(...chainRules("forward"));
    const fw = firewallOf(model);
    for (const i of plan.vmOnly) {
        const f = fw.flows.find((x) => x.index === i)!;
        L.push(`${I}# flow ${i}: ${flowText(f)}: inside one zone, never crosses the router (the Proxmox VM firewall carries it)`);
    }
    L.push(`${I}${LOG_LIMIT} log prefix "billu-drop-fwd: " level info`);
    L.push("    }");
    L.push("");
    L.push("    # The router itself opens only what the matrix lists (flows from router).");
    L.push("    chain output {");
    L.push("        type filter hook output priority filter; policy drop;");
    L.push("        ct state established,related accept");
    L.push('        oifname "lo" accept');
    L.push(...chainRules("output"));
    L.push(`${I}${LOG_LIMIT} log prefix "billu-drop-out: " level info`);
    L.push("    }");
    L.push("}");
    L.push("");
    L.push("table ip billu_nat {");
    L.push("    # Published services: port forwards from the WAN address to DMZ hosts (the forward chain accepts them).");
    L.push("    chain prerouting {");
    L.push("        type nat hook prerouting priority dstnat; policy accept;");
    for (const f of plan.portForwards) {
        L.push(
            `${I}iifname ${ifRef(plan.wan.ifname)} ip daddr ${plan.wan.address} ${f.proto} dport ${ports(f.publicPorts)} dnat ip to ${f.address}${f.toPort ? `:${f.toPort}` : ""} comment ${quoted(f.comment)}`,
        );
    }
    L.push("    }");
    L.push("");
    L.push("    chain postrouting {");
    L.push("        type nat hook postrouting priority srcnat; policy accept;");
    L.push(
        `${I}oifname ${ifRef(plan.wan.ifname)} ip saddr ${set(plan.masquerade)} masquerade comment "internal zones reach WAN with the router's WAN address"`,
    );
    L.push("    }");
    L.push("}");
    L.push("");
    return L.join("\n");
}

export function renderSysctl(): string {
    return [
        generatedHeader("#", { what: "the router forwards between zones; strict reverse-path filtering drops spoofed sources." }),
        "net.ipv4.ip_forward = 1",
        "net.ipv4.conf.all.rp_filter = 1",
        "net.ipv4.conf.default.rp_filter = 1",
        "net.ipv4.conf.all.accept_redirects = 0",
        "net.ipv4.conf.all.send_redirects = 0",
        "net.ipv4.conf.all.accept_source_route = 0",
        "net.ipv6.conf.all.disable_ipv6 = 1",
        "",
    ].join("\n");
}

/** The chain policies a ruleset declares (`{ input: "drop", ... }`), read back from the text for the policy pack. */
export function chainPolicies(ruleset: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const m of ruleset.matchAll(/type filter hook (input|forward|output) priority filter; policy (\w+);/g)) out[m[1]] = m[2];
    return out;
}
