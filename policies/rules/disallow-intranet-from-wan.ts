import { StackValidationPolicy } from "@pulumi/policy";
import { RULES_TYPE, WAN_IPSET_REF, WEB_TYPE } from "../../components/contracts";
import { contains, isIpv4, parseCidr } from "../../model/addressing";
import { rule } from "./rule";

function list(v: unknown): string[] {
    return Array.isArray(v) ? v.map(String) : [];
}

/** Whether `text` (an address or a network) lies inside one of the networks. */
function inside(text: string, networks: readonly string[]): boolean {
    const c = parseCidr(isIpv4(text) ? `${text}/32` : text);
    if (!c) return false;
    return networks.some((n) => {
        const net = parseCidr(n);
        return net !== undefined && contains(net, c.network) && c.last <= net.last;
    });
}

/** Proxmox macros that name the intranet's ports (the others carry no http or https). */
const MACRO_PORTS: Record<string, string> = { HTTP: "80", HTTPS: "443", Web: "80,443" };

/** Whether a Proxmox rule's ports (`80,443,8000:8100`, or a macro; neither: every port) cover the port. */
function dportCovers(dport: unknown, macro: unknown, port: number): boolean {
    if (typeof macro === "string" && macro !== "") dport = MACRO_PORTS[macro] ?? "0";
    if (dport === undefined || dport === null || dport === "") return true;
    return String(dport)
        .split(",")
        .some((part) => {
            const [a, b] = part.trim().split(":").map(Number);
            return port >= a && port <= (b ?? a);
        });
}

/** The source of a Proxmox rule that is not inside the internal networks, or undefined (another IP set: not judged). */
function outsideSource(source: unknown, internal: readonly string[]): string | undefined {
    if (source === undefined || source === null || source === "") return "any source";
    for (const s of String(source)
        .split(",")
        .map((x) => x.trim())) {
        if (s === WAN_IPSET_REF) return s;
        if (s.startsWith("+")) continue;
        if (!inside(s, internal)) return s;
    }
    return undefined;
}

export const disallowIntranetFromWan = rule<StackValidationPolicy>(
    {
        name: "disallow-intranet-from-wan",
        description:
            "The DMZ web server's intranet admits only the site's internal networks (never the WAN or a DMZ), the WAN is forwarded only to listeners of the public site alone, and the web VM's Proxmox firewall never accepts the intranet's ports from outside them.",
        reason: "The intranet shares a server with a site the internet reaches: one widened layer (Apache, the port forward or the VM firewall) must not be enough to expose it.",
        remediation:
            "Let billu:web.intranet.allowedFrom name internal zones only, publish the public site's own listeners (a service on another port, published with publicPort 443), and keep flows from the WAN off the web server's https and http ports.",
        enforcementLevel: "mandatory",
    },
    {
        validateStack: (args, reportViolation) => {
            for (const r of args.resources) {
                if (r.type !== WEB_TYPE) continue;
                const p = r.props as Record<string, unknown>;
                const host = String(p.host ?? r.name);
                const internal = list(p.internalNetworks);
                const intranetPorts = Array.isArray(p.intranetPorts) ? (p.intranetPorts as unknown[]).map(Number) : [];
                for (const n of list(p.intranetAllowedNetworks)) {
                    if (!inside(n, internal))
                        reportViolation(`Web ${host}: the intranet admits ${n}, which is not inside the site's internal networks.`, r.urn);
                }
                const published = Array.isArray(p.publishedListeners) ? (p.publishedListeners as { hostPort?: unknown; wanPort?: unknown }[]) : [];
                for (const l of published) {
                    if (intranetPorts.includes(Number(l.hostPort))) {
                        reportViolation(
                            `Web ${host}: the router forwards WAN tcp/${String(l.wanPort)} to tcp/${String(l.hostPort)}, where the intranet listens.`,
                            r.urn,
                        );
                    }
                }
                for (const fw of args.resources) {
                    if (fw.type !== RULES_TYPE || fw.props.vmId !== p.vmId || fw.props.vmId === undefined) continue;
                    const rules = Array.isArray(fw.props.rules) ? (fw.props.rules as Record<string, unknown>[]) : [];
                    rules.forEach((x, i) => {
                        if (x.enabled === false || x.type !== "in" || x.action !== "ACCEPT" || (x.proto !== undefined && x.proto !== "tcp")) return;
                        const from = outsideSource(x.source, internal);
                        const ports = intranetPorts.filter((port) => dportCovers(x.dport, x.macro, port));
                        if (from && ports.length > 0) {
                            reportViolation(
                                `Web ${host}: its Proxmox firewall rule ${i} (${String(x.comment ?? "no comment")}) accepts tcp/${ports.join(",")}, where the intranet listens, from ${from}.`,
                                fw.urn,
                            );
                        }
                    });
                }
            }
        },
    },
);
