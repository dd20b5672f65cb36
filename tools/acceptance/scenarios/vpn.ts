/**
 * VPN: a host of the partner site answers across the site-to-site tunnel (billu:vpn, model/vpn.ts), from the zone the
 * run stands in (`--zone`, default the management zone). The partner's hosts the model knows are its resolvers (the
 * peer's `vpnPeer` end: from the peer stack's committed file, as synth reads it, tools/peer-stack.ts); the services
 * are those the flow matrix opens from that zone to `vpn-partner`. A TCP connection that opens is the tunnel's state
 * as a user sees it (up, its selectors and both ends' rulesets letting the flow through); each is bounded (5 s) and
 * closed at once, nothing is sent.
 */
import * as net from "net";
import type { SiteModel } from "../../../model/site";
import type { VpnEnd } from "../../../model/vpn";
import { offlineStackOutputs } from "../../peer-stack";
import type { Check, Scenario } from "../types";

const CONNECT_MS = 5_000;

/** The partner's end, from the peer stack's committed file (undefined when it has none). */
export function partnerEnd(model: SiteModel, root: string): VpnEnd | undefined {
    const local = model.vpnLocal;
    if (!local) return undefined;
    return offlineStackOutputs(root, local.peerStack).outputs.vpnPeer as VpnEnd | undefined;
}

/** The TCP services the matrix opens from `zone` to the partner: [service, port]. */
export function partnerServices(model: SiteModel, zone: string): [string, number][] {
    const out: [string, number][] = [];
    for (const f of model.firewall?.flows ?? []) {
        if (!f.destinations.some((d) => d.kind === "vpn-partner")) continue;
        if (!f.sources.some((s) => s.kind === "zone" && s.name === zone)) continue;
        for (const p of f.service.ports) if (p.proto === "tcp" && !out.some(([, port]) => port === p.from)) out.push([f.service.name, p.from]);
    }
    return out;
}

/** The zone the run stands in: `--zone`, else the management zone. */
export const runZone = (model: SiteModel, zone: string | undefined) => zone ?? model.firewall?.managementZone ?? "";

function connect(host: string, port: number): Promise<{ ok: boolean; observed: string }> {
    return new Promise((resolve) => {
        const start = Date.now();
        const s = net.connect({ host, port });
        const done = (ok: boolean, observed: string) => {
            s.destroy();
            resolve({ ok, observed });
        };
        s.setTimeout(CONNECT_MS, () => done(false, `no answer within ${CONNECT_MS / 1000} s (the tunnel down, or a ruleset dropping it)`));
        s.once("connect", () => done(true, `connected in ${Date.now() - start} ms`));
        s.once("error", (e) => done(false, e.message));
    });
}

export const vpnScenario: Scenario = {
    name: "vpn",
    title: "a host of the partner site answers across the site-to-site tunnel",
    skip: (m, opts) => {
        if (!m.vpnLocal) return "the site has no site-to-site VPN";
        const zone = runZone(m, opts?.zone);
        if (partnerServices(m, zone).length === 0) {
            const from = [
                ...new Set(
                    (m.firewall?.flows ?? [])
                        .filter((f) => f.destinations.some((d) => d.kind === "vpn-partner"))
                        .flatMap((f) => f.sources.filter((s) => s.kind === "zone").map((s) => s.name)),
                ),
            ];
            return `the flow matrix opens nothing from ${zone} to the partner: run it from a host of ${from.join(", ") || "(no zone)"} with --zone <zone>`;
        }
        return undefined;
    },
    checks: (input) => {
        const zone = runZone(input.model, input.zone);
        const peer = partnerEnd(input.model, process.env.BILLU_PROJECT_ROOT ?? process.cwd());
        const local = input.model.vpnLocal!;
        if (!peer)
            return [
                {
                    name: `VPN ${local.tunnel}: the partner's end`,
                    expected: `the peer stack ${local.peerStack}'s vpnPeer output`,
                    contacts: [],
                    run: async () => ({ ok: false, observed: `the peer stack ${local.peerStack} has no committed file with a vpn end here` }),
                },
            ];
        const checks: Check[] = [];
        for (const host of peer.resolvers)
            for (const [service, port] of partnerServices(input.model, zone))
                checks.push({
                    name: `VPN ${local.tunnel}: from ${zone}, ${peer.site.company}'s ${host} answers on ${service} (tcp/${port}) across the tunnel`,
                    expected: `a TCP connection within ${CONNECT_MS / 1000} s`,
                    contacts: [`${host} (${service} tcp/${port}, through ${local.gateway.host} and ${peer.gateway.host})`],
                    run: () => connect(host, port),
                });
        return checks;
    },
};
