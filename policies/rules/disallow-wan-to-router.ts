import { StackValidationPolicy } from "@pulumi/policy";
import { VPN_GATEWAY_PORTS } from "../../model/flows";
import { accepting, addressesWithin, facts, flowLabel, ownedRules, portSet, portsWithin, rulePorts, sourceKinds, targetsRouter } from "./firewall-facts";
import { rule } from "./rule";

const GATEWAY = VPN_GATEWAY_PORTS.map((r) => ({ proto: r.proto as string, from: r.from, to: r.to }));
/** ESP itself (IP protocol 50), should a rule name it: the tunnel forces NAT-T, so our rules never do. */
const ESP = ["esp", "50"];

export const disallowWanToRouter = rule<StackValidationPolicy>(
    {
        name: "disallow-wan-to-router",
        description:
            "From the WAN, the router itself accepts only the VPN gateway's IKE and NAT-T (udp/500, udp/4500, ESP) from the paired peer's gateway, and the port forwards of the published services.",
        reason: "The router holds every zone's keys: SSH, its management ports or a catch-all service opened to the internet is a way around the whole flow matrix.",
        remediation:
            "Remove the flow or rule; administer the router from the management zone (SSH is always kept there); offer a service to the internet by publishing a DMZ host's service in billu:firewall.published; for the VPN, declare billu:vpn and keep the ipsec flow.",
        enforcementLevel: "mandatory",
    },
    {
        validateStack: (args, report) => {
            const found = facts(args.resources);
            if (!found) return;
            const f = found.facts;
            const peer = f.vpnPeerGateway;
            const peerText = peer ? `the VPN peer's gateway ${peer}` : "a VPN peer (none is paired)";
            const fix = "Fix: remove it; from WAN the router accepts only the VPN's IKE and NAT-T from its peer and the published port forwards.";
            for (const flow of f.flows) {
                if (!flow.sources.some((s) => s.zoneKind === "wan") || !flow.destinations.some((d) => d.kind === "router")) continue;
                if (!portsWithin(portSet(flow.ports), GATEWAY)) {
                    report(
                        `${flowLabel(flow)} lets WAN open ${flow.ports} on the router itself. ${fix.replace("it;", `billu:flows[${flow.index}];`)}`,
                        found.urn,
                    );
                } else if (!peer) {
                    report(
                        `${flowLabel(flow)} opens the VPN gateway's ports on the router, but no VPN peer is paired. Fix: declare the tunnel in billu:vpn, or remove billu:flows[${flow.index}].`,
                        found.urn,
                    );
                }
            }
            // What the rendered ruleset accepts (the plan both engines render), so a renderer bug shows too.
            for (const r of f.wanInput ?? []) {
                const ports = r.ports ? portSet(r.ports) : undefined;
                const what = `${r.proto}${r.ports ? ` ${r.ports}` : " (every port)"}`;
                const from = r.sources.length > 0 ? r.sources.join(", ") : "any WAN address";
                if (!portsWithin(ports, GATEWAY)) {
                    report(`The router's input rule "${r.comment}" accepts ${what} from ${from}. ${fix}`, found.urn);
                } else if (!peer || r.sources.length === 0 || r.sources.some((s) => s !== peer)) {
                    report(`The router's input rule "${r.comment}" accepts ${what} from ${from}, not only from ${peerText}. ${fix}`, found.urn);
                }
            }
            const published = f.published.flatMap((p) => portSet(p.publicPorts));
            for (const o of ownedRules(args.resources)) {
                if (!o.isRouter) continue;
                for (const { rule: r, i } of accepting(o)) {
                    if (!sourceKinds(o, r, f).includes("wan")) continue;
                    if (!targetsRouter(o, r, f)) continue;
                    const ports = rulePorts(r);
                    const fromPeer = !!peer && r.source === peer;
                    const gateway = fromPeer && (portsWithin(ports, GATEWAY) || (!r.dport && ESP.includes((r.proto ?? "").toLowerCase())));
                    const forward = r.dest !== undefined && addressesWithin(r.dest, [f.wanAddress]) && portsWithin(ports, published);
                    if (gateway || forward) continue;
                    const what = `${r.proto ?? "any protocol"}${r.dport ? `/${r.dport}` : r.proto ? " (every port)" : ""}`;
                    report(
                        `${o.vmName}: Proxmox rule ${i}${r.comment ? ` (${r.comment})` : ""} accepts ${what} from ${r.source || "anywhere"} to the router itself${r.dest ? ` (${r.dest})` : ""}. ${fix}`,
                        o.resource.urn,
                    );
                }
            }
        },
    },
);
