/**
 * The same router plan rendered for pfSense (engine `pfsense`, the original build's firewall): the config.xml
 * sections `interfaces`, `aliases`, `filter`, `nat` and `dhcrelay`, each a file whose root element is the section,
 * which is what pfSense's Diagnostics > Backup & Restore > "Restore area" takes. Pure: model in, files out.
 *
 * Mapping: the router VM's NIC k is FreeBSD's `vtnet<k>`; the WAN NIC is pfSense's `wan`, the management NIC `lan`,
 * the other zones `opt1..` in NIC order. pfSense blocks every interface's inbound traffic unless a rule passes it
 * (default deny), adds anti-spoofing for each interface's network itself, lets the firewall's own traffic out
 * (so flows from `router` need no rule), and automatic outbound NAT masquerades internal networks behind the WAN
 * address. Port forwards carry `associated-rule-id: pass`, so pfSense passes exactly the forwarded packets.
 * Reference: pfSense documentation, "Firewall Rule Basics", "Port Forwards", "Backup and Recovery"
 * (https://docs.netgate.com/pfsense/en/latest/).
 */
import { PortRange, portOf } from "../../model/ports";
import { SiteModel } from "../../model/site";
import { firewallOf, planRouter, RouterPlan, RouterRule } from "./plan";
import { generatedHeader } from "../header";

function esc(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function tag(name: string, body?: string): string {
    return body === undefined ? `<${name}/>` : `<${name}>${body}</${name}>`;
}

/** pfSense writes port ranges as `a-b` in rules and NAT, `a:b` in port aliases. */
function portRange(r: PortRange, sep: "-" | ":"): string {
    return r.from === r.to ? String(r.from) : `${r.from}${sep}${r.to}`;
}

export interface PfsenseFiles {
    /** file name -> XML (one config.xml section each). */
    readonly files: Record<string, string>;
    /** How many filter rules and port forwards were rendered (docs, tests). */
    readonly filterRules: number;
    readonly portForwards: number;
}

/** pfSense's interface name for each router interface (`wan`, `lan`, `opt1`, ... ; `enc0` for IPsec). */
export function pfInterfaces(model: SiteModel, plan: RouterPlan): Map<string, { pf: string; vtnet?: string }> {
    const out = new Map<string, { pf: string; vtnet?: string }>();
    let opt = 0;
    model.router.nics.forEach((n, k) => {
        const kind = model.zones.find((z) => z.name === n.zone)?.kind;
        const pf = kind === "wan" ? "wan" : kind === "management" && ![...out.values()].some((v) => v.pf === "lan") ? "lan" : `opt${++opt}`;
        out.set(n.ifname, { pf, vtnet: `vtnet${k}` });
    });
    const vpn = plan.interfaces.find((i) => i.kind === "vpn-partner");
    if (vpn) out.set(vpn.ifname, { pf: "enc0" });
    return out;
}

export function renderPfsense(model: SiteModel, plan: RouterPlan = planRouter(model)): PfsenseFiles {
    const fw = firewallOf(model);
    const ifs = pfInterfaces(model, plan);
    const pf = (ifname: string) => ifs.get(ifname)!.pf;
    const header = (section: string) =>
        `<?xml version="1.0"?>\n${generatedHeader("<!--", { host: esc(model.router.name), site: esc(model.site.name), what: `pfSense config.xml section <${section}>.`, note: `Restore it with Diagnostics > Backup & Restore > Restore area "${section}".` })}\n`;

    // Interfaces.
    const ifXml = model.router.nics.map((n) => {
        const i = ifs.get(n.ifname)!;
        const zone = model.zones.find((z) => z.name === n.zone)!;
        return `  ${tag(
            i.pf,
            [
                tag("enable"),
                tag("if", i.vtnet!),
                tag("descr", esc(zone.name)),
                tag("ipaddr", n.address),
                tag("subnet", String(n.prefix)),
                ...(zone.kind === "wan" ? [tag("gateway", "WANGW"), tag("blockbogons")] : []),
            ].join(""),
        )}`;
    });

    // Aliases: the internal networks (for "towards WAN" = not internal), the VPN partner, port lists.
    const aliases: string[] = [];
    const alias = (name: string, type: "network" | "port", entries: string[], descr: string) => {
        aliases.push(
            `  <alias>${tag("name", name)}${tag("type", type)}${tag("address", entries.join(" "))}${tag("descr", esc(descr))}${tag("detail", esc(entries.map(() => descr).join("||")))}</alias>`,
        );
        return name;
    };
    alias(
        "billu_internal",
        "network",
        fw.internal.map((c) => c.text),
        "every BillU zone but WAN",
    );
    if (fw.vpnPartner)
        alias(
            "billu_vpn_partner",
            "network",
            fw.vpnPartner.networks.map((c) => c.text),
            "the VPN partner's networks",
        );
    const portAliases = new Map<string, string>();
    const portsOf = (r: RouterRule, ports: readonly PortRange[]): string => {
        if (ports.length === 1) return portRange(ports[0], "-");
        const key = ports.map((x) => portRange(x, ":")).join(" ");
        if (!portAliases.has(key)) {
            const svc = r.flow !== undefined ? fw.flows.find((f) => f.index === r.flow)!.service.name : "ports";
            portAliases.set(key, alias(`billu_${svc.replace(/-/g, "_")}_${r.proto}`.slice(0, 31), "port", key.split(" "), `${svc} (${r.proto})`));
        }
        return portAliases.get(key)!;
    };

    // Filter rules: what enters an interface (input and forward chains); pfSense lets its own traffic out.
    let tracker = 1700000000;
    const rules: string[] = [];
    const netOf = (ifname: string) => plan.interfaces.find((i) => i.ifname === ifname);
    const endpoint = (addrs: readonly string[] | undefined, ifname: string | undefined, self: boolean, towardsWan: boolean, port?: string): string => {
        const parts: string[] = [];
        if (addrs && addrs.length === 1 && ifname && netOf(ifname)?.network === addrs[0]) parts.push(tag("network", pf(ifname)));
        else if (addrs && addrs.length === 1 && ifname && netOf(ifname)?.address === addrs[0] && self) parts.push(tag("network", `${pf(ifname)}ip`));
        else if (addrs && addrs.length === 1) parts.push(tag("address", addrs[0]));
        else if (addrs && addrs.length > 1) parts.push(tag("address", "billu_vpn_partner"));
        else if (self) parts.push(tag("network", "(self)"));
        else if (towardsWan) parts.push(tag("address", "billu_internal"), tag("not"));
        else parts.push(tag("any"));
        if (port) parts.push(tag("port", port));
        return parts.join("");
    };
    const rule = (iface: string, r: { proto: string; source: string; destination: string; descr: string }) =>
        rules.push(
            `  <rule>${tag("tracker", String(tracker++))}${tag("type", "pass")}${tag("interface", iface)}${tag("ipprotocol", "inet")}${tag("protocol", r.proto)}${tag(
                "source",
                r.source,
            )}${tag("destination", r.destination)}${tag("descr", esc(r.descr))}</rule>`,
        );
    if (plan.management) {
        rule(pf(plan.management.ifname), {
            proto: "tcp",
            source: endpoint([plan.management.network!], plan.management.ifname, false, false),
            destination: endpoint([plan.management.address!], plan.management.ifname, true, false, String(portOf("ssh"))),
            descr: "management always keeps SSH to the router",
        });
    }
    for (const r of plan.rules) {
        if (r.chain === "output" || r.ctDnat || !r.iif) continue;
        rule(pf(r.iif), {
            proto: r.proto,
            source: endpoint(r.saddr, r.iif, false, false, r.sports ? portsOf(r, r.sports) : undefined),
            destination: endpoint(
                r.daddr,
                r.chain === "input" ? r.iif : r.oif,
                r.chain === "input",
                r.chain === "forward" && r.oif === plan.wan.ifname,
                r.dports ? portsOf(r, r.dports) : undefined,
            ),
            descr: r.comment,
        });
    }

    // Port forwards, each with its linked pass rule.
    const nat = plan.portForwards.map(
        (f) =>
            `  <rule>${tag("source", tag("any"))}${tag("destination", tag("network", "wanip") + tag("port", f.publicPorts.map((x) => portRange(x, "-")).join(",")))}${tag("ipprotocol", "inet")}${tag(
                "protocol",
                f.proto,
            )}${tag("target", f.address)}${tag("local-port", String(f.toPort ?? f.publicPorts[0].from))}${tag("interface", "wan")}${tag("descr", esc(f.comment))}${tag(
                "associated-rule-id",
                "pass",
            )}</rule>`,
    );

    // The DHCP relay (flows from router with a relayed service).
    const relay = fw.flows.find((f) => f.service.relaysDhcpClients && f.sources.some((s) => s.kind === "router"));
    const relayXml = relay
        ? `<dhcrelay>${tag("enable")}${tag(
              "interface",
              fw.dhcpZones.map((z) => pf(plan.interfaces.find((i) => i.zone === z)!.ifname)).join(","),
          )}${tag("server", relay.destinations.flatMap((d) => d.addresses).join(","))}</dhcrelay>\n`
        : "<dhcrelay/>\n";

    const files: Record<string, string> = {
        "interfaces.xml": `${header("interfaces")}<interfaces>\n${ifXml.join("\n")}\n</interfaces>\n`,
        "aliases.xml": `${header("aliases")}<aliases>\n${aliases.join("\n")}\n</aliases>\n`,
        "filter.xml": `${header("filter")}<filter>\n${rules.join("\n")}\n</filter>\n`,
        "nat.xml": `${header("nat")}<nat>\n  <outbound>${tag("mode", "automatic")}</outbound>\n${nat.join("\n")}\n</nat>\n`,
        "dhcrelay.xml": `${header("dhcrelay")}${relayXml}`,
    };
    return { files, filterRules: rules.length, portForwards: nat.length };
}

/** The procedure that goes with the files (written next to them by `npm run pfsense`). */
export function pfsenseProcedure(model: SiteModel, r: PfsenseFiles): string {
    const wan = model.zones.find((z) => z.kind === "wan")!;
    return [
        `# pfSense rules for ${model.router.name} (${model.site.name})`,
        "",
        `Rendered by billu-infra from the same flow model as the nftables ruleset: ${r.filterRules} filter rules, ${r.portForwards} port forwards.`,
        "Verified: well-formed XML with the section names and element names of pfSense's config.xml (checked by the",
        "firewall lab with an XML parser); not loaded into a running pfSense on these machines.",
        "",
        "1. Install pfSense on the router VM (one NIC per zone, in the order of the router's interfaces table: vtnet0 is",
        "   management, the WAN NIC is pfSense's `wan`).",
        `2. System > Routing: add the WAN gateway \`WANGW\` = ${wan.gateway} and make it the default.`,
        "3. Diagnostics > Backup & Restore > Restore, one area at a time, in this order: Interfaces (`interfaces.xml`),",
        "   Aliases (`aliases.xml`), Firewall Rules (`filter.xml`), NAT (`nat.xml`), DHCP Relay (`dhcrelay.xml`).",
        "   Each restore replaces the whole area; pfSense reloads the filter after it.",
        "4. Check Status > Filter Reload, then Firewall > Rules per interface: each rule's description names its flow.",
        "",
    ].join("\n");
}
