/**
 * Docs sections of the firewall (pure, from the model): the published services, the router's per-rule list and
 * the Proxmox VE firewall. They land in the stack outputs' `sections`, so a deployed stack documents itself.
 */
import { portOf, portsText } from "../../model/ports";
import { SiteModel } from "../../model/site";
import { planRouter, RouterRule } from "./plan";
import { planDatacenter, planVmFirewall } from "./proxmox";

type Section = { columns: string[]; rows: (string | number)[][] };

function ruleRow(r: RouterRule, zoneOf: (ifname?: string) => string): (string | number)[] {
    const ports = [...(r.sports ? [`from ${portsText(r.sports)}`] : []), ...(r.dports ? [portsText(r.dports)] : [r.proto])].join(" ");
    return [
        r.chain,
        zoneOf(r.iif),
        zoneOf(r.oif),
        (r.saddr ?? ["any"]).join(", "),
        (r.daddr ?? ["any"]).join(", "),
        ports + (r.ctDnat ? " (port-forwarded)" : ""),
        r.comment,
    ];
}

export function firewallDocs(model: SiteModel): Record<string, Section> {
    if (!model.firewall) return {};
    const fw = model.firewall;
    const plan = planRouter(model);
    const zoneOf = (ifname?: string) => {
        if (!ifname) return "router";
        const i = plan.interfaces.find((x) => x.ifname === ifname);
        return i ? `${i.zone} (${ifname})` : ifname;
    };
    const sections: Record<string, Section> = {};
    sections["Published services (port forwards from WAN)"] = {
        columns: ["#", "service", "on the WAN address", "to host", "address", "ports on the host", "comment"],
        rows: fw.published.map((p) => [
            p.index,
            p.service.name,
            `${fw.wanAddress} ${portsText(p.publicPorts)}`,
            p.host.name,
            p.host.address,
            portsText(p.ports),
            p.comment ?? "",
        ]),
    };
    const implicit: (string | number)[][] = plan.management
        ? [
              [
                  "input",
                  zoneOf(plan.management.ifname),
                  "router",
                  plan.management.network!,
                  plan.management.address!,
                  `tcp/${portOf("ssh")}`,
                  "management always keeps SSH to the router",
              ],
          ]
        : [];
    sections[`Router rules (${fw.engine}, default drop on input, forward and output)`] = {
        columns: ["chain", "in", "out", "source", "destination", "ports", "rule"],
        rows: [
            ...implicit,
            ...plan.rules.map((r) => ruleRow(r, zoneOf)),
            ...plan.portForwards.map((f) => [
                "dnat",
                zoneOf(plan.wan.ifname),
                "",
                "any",
                `${fw.wanAddress} -> ${f.address}`,
                portsText(f.publicPorts),
                f.comment,
            ]),
            ["masquerade", "", zoneOf(plan.wan.ifname), plan.masquerade.join(", "), "any", "all", "internal zones reach WAN with the router's WAN address"],
            ...plan.vmOnly.map((i) => ["(none)", "", "", "", "", "", `flow ${i}: inside one zone, carried by the Proxmox VM firewall only`]),
        ],
    };
    const dc = planDatacenter(model);
    sections["Proxmox VE firewall"] = {
        columns: ["scope", "enabled", "input policy", "rules", "detail"],
        rows: [
            [
                "datacenter",
                "yes",
                dc.options.inputPolicy,
                dc.rules.length,
                `management allowlist ${dc.management.join(", ")} (GUI/API 8006, SSH, consoles); IP set billu-wan = the internet`,
            ],
            ...model.hosts.map((h) => {
                const p = planVmFirewall(model, h);
                return [
                    `${h.name} (VM ${h.vmId})`,
                    "yes",
                    p.options.inputPolicy,
                    p.rules.length,
                    p.router ? "NIC rules carry the whole matrix" : `accepts only the flows that target it; source address locked to ${h.address} (ipfilter)`,
                ];
            }),
        ],
    };
    return sections;
}
