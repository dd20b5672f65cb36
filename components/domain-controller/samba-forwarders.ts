/**
 * Conditional forwarders on a Samba DC (issue #20). Samba's internal DNS has only global forwarders (`dns forwarder`,
 * smb.conf(5)); it asks them in order, the next when one does not answer. So each DC runs unbound on 127.0.0.53
 * (Samba binds lo's 127.0.0.1 only: `interfaces = lo eth0`, `bind interfaces only`): its `forward-zone`s send each
 * partner zone to the partner's resolvers and everything else to billu:network.dnsForwarders, and smb.conf lists
 * 127.0.0.53 first, then the global forwarders (what answers while unbound is not installed yet: the `dc` step's
 * own package installation resolves through them). Pure: no Pulumi here. Level 4: labs/trust runs the rendered step on
 * both sides' DCs (unbound answers the partner's SRV records, Samba's internal DNS asks it, the trust validates through it).
 */
import type { DomainController, DomainModel } from "../../model/domain";
import { generatedHeader } from "../header";
import { StepSpec, stepScript } from "../guest-step/render";

/** The local forwarder Samba's internal DNS asks first. */
export const LOCAL_FORWARDER = "127.0.0.53";
export const UNBOUND_CONF = "/etc/unbound/unbound.conf.d/billu-forwarders.conf";

export type ConditionalForwarder = { readonly domain: string; readonly servers: readonly string[] };

/** smb.conf's `dns forwarder` list of a Samba DC: the local unbound first when there are conditional forwarders. */
export function sambaDnsForwarders(domain: DomainModel, conditional: readonly ConditionalForwarder[]): string[] {
    return conditional.length > 0 ? [LOCAL_FORWARDER, ...domain.forwarders] : [...domain.forwarders];
}

/** unbound's configuration: the partner zones to their resolvers (no DNSSEC for these private zones), the rest upstream. */
export function renderUnboundForwarders(domain: DomainModel, dc: DomainController, conditional: readonly ConditionalForwarder[]): string {
    const lines = [
        generatedHeader("#", {
            host: dc.name,
            what: `conditional DNS forwarders of ${domain.fqdn}'s Samba DC (its internal DNS asks ${LOCAL_FORWARDER} first).`,
        }),
        "server:",
        `    interface: ${LOCAL_FORWARDER}`,
        "    port: 53",
        "    do-ip6: no",
        "    access-control: 127.0.0.0/8 allow",
        // Partner AD zones are private and unsigned: a validating resolver would refuse their answers.
        ...conditional.map((f) => `    domain-insecure: "${f.domain}"`),
        ...conditional.map((f) => `    private-domain: "${f.domain}"`),
        "",
        ...conditional.flatMap((f) => ["forward-zone:", `    name: "${f.domain}"`, ...f.servers.map((s) => `    forward-addr: ${s}`), ""]),
        ...(domain.forwarders.length > 0 ? ["forward-zone:", '    name: "."', ...domain.forwarders.map((s) => `    forward-addr: ${s}`), ""] : []),
    ];
    return lines.join("\n");
}

/** Step `dns-forward` of a Samba DC with conditional forwarders: unbound installed, configured, checked, running. */
export function sambaForwardersStep(domain: DomainModel, dc: DomainController, conditional: readonly ConditionalForwarder[]): StepSpec {
    return {
        files: [{ path: UNBOUND_CONF, content: renderUnboundForwarders(domain, dc, conditional) }],
        script: stepScript("linux", "dc/samba-forwarders.sh", {
            UNBOUND_CONF,
            LOCAL_FORWARDER,
            ZONES: conditional.map((f) => f.domain).join(" "),
        }),
    };
}
