/**
 * The site-to-site tunnel in the program: pair this end with the peer's stack before the site is built, build
 * the SiteToSiteVpn after the router, and export what the peer needs (`vpnPeer`, and `vpnPsk` at the owner end).
 */
import * as pulumi from "@pulumi/pulumi";
import { InputError, Problems, show } from "../model/errors";
import { SiteModel } from "../model/site";
import { pairVpn, VpnModel, vpnPeerExport } from "../model/vpn";
import { builtVm, guestAccess, SiteContext } from "../components/context";
import { readVpnPeer, VPN_OUTPUTS } from "../components/vpn/peer";
import { MONITORING_PARTNER_OUTPUT, MonitoringPlan, pairMonitoringPartner } from "../model/monitoring";
import { monitoringService } from "../model/services/monitoring";
import { planOf } from "../model/services/types";
import { vpnDocsSections } from "../components/vpn/render";
import { SiteToSiteVpn } from "../components/vpn/SiteToSiteVpn";
import { SiteDocs } from "./outputs";

/**
 * Reads the peer's end (StackReference) and pairs it with this one; InputError when they cannot pair (exit 2). When
 * this site's Zabbix server watches the partner's hosts (billu:monitoring.watchVpnPartner), the same reference gives
 * its monitoringPartner output: the hosts join the monitoring plan, their PSKs (secret) are returned by host name.
 */
export async function withVpnPeer(
    model: SiteModel,
): Promise<{ model: SiteModel; peerPsk?: pulumi.Output<string>; monitoringPartnerPsks?: ReadonlyMap<string, pulumi.Output<string>> }> {
    if (!model.vpnLocal) return { model };
    const mon = planOf(monitoringService, model);
    const watch = mon && !mon.remote && mon.partner ? mon : undefined;
    const peer = await readVpnPeer(model.vpnLocal, watch ? MONITORING_PARTNER_OUTPUT : undefined);
    if (peer.export === undefined) return { model };
    const vpn = pairVpn(model.vpnLocal, peer.export, model.zones);
    checkFirewallPartner(model, vpn);
    if (!watch) return { model: { ...model, vpn }, peerPsk: peer.psk };
    const partner = pairMonitoringPartner(watch, peer.monitoring);
    const withPartner: MonitoringPlan = { ...watch, partner: { ...watch.partner!, company: partner.company, hosts: partner.hosts } };
    const plan = <T>(key: string): T | undefined => (key === monitoringService.key ? (withPartner as T) : model.plan<T>(key));
    return {
        model: { ...model, vpn, plan },
        peerPsk: peer.psk,
        monitoringPartnerPsks: new Map(partner.hosts.map((h) => [h.name, pulumi.secret(partner.psks[h.name])])),
    };
}

/**
 * The router's flow matrix names the partner's networks (`billu:firewall.vpnPartner`) so its rules can be
 * rendered before the peer is read; they must be exactly the peer's, or the ruleset and the tunnel disagree.
 */
export function checkFirewallPartner(model: SiteModel, vpn: VpnModel): void {
    const problems = new Problems();
    const fw = model.firewall?.vpnPartner;
    const peerNets = [...vpn.remote.networks].sort();
    if (!fw) {
        problems.add(
            "billu:firewall.vpnPartner",
            "is missing while billu:vpn pairs a tunnel",
            `set networks: [${peerNets.join(", ")}] and interface: ${vpn.interface}`,
        );
    } else {
        const mine = fw.networks.map((c) => c.text).sort();
        if (mine.join(",") !== peerNets.join(",")) {
            problems.add(
                "billu:firewall.vpnPartner.networks",
                `is [${mine.join(", ")}] but stack ${vpn.peerStack} exports [${peerNets.join(", ")}]`,
                "write exactly the peer's networks, so the ruleset routes what the tunnel carries",
            );
        }
        // A single partner host the matrix names (`vpn-partner:<host>`) must be the peer's, at the peer's address.
        const exported = vpn.remote.hosts;
        fw.hosts.forEach((h, i) => {
            const path = `billu:firewall.vpnPartner.hosts[${i}]`;
            const theirs = exported?.find((x) => x.name === h.name);
            if (!exported) {
                problems.add(
                    path,
                    `names ${h.name}, but stack ${vpn.peerStack} exports no hosts (its vpnPeer output predates vpnPeer.hosts)`,
                    `run pulumi up on ${vpn.peerStack} first, then here again`,
                );
            } else if (!theirs) {
                problems.add(
                    `${path}.name`,
                    `${show(h.name)} is not a host stack ${vpn.peerStack} exports behind the tunnel (${exported.map((x) => x.name).join(", ") || "none"})`,
                    "name a host the peer exports (output vpnPeer.hosts), or remove it and the flows that name it",
                );
            } else if (theirs.address !== h.address) {
                problems.add(
                    `${path}.address`,
                    `is ${h.address} but stack ${vpn.peerStack} exports ${h.name} at ${theirs.address}`,
                    `write ${theirs.address}, the peer's address of ${h.name}`,
                );
            }
        });
        if (fw.ifname !== vpn.interface) {
            problems.add(
                "billu:firewall.vpnPartner.interface",
                `is ${show(fw.ifname)} but billu:vpn.interface is ${show(vpn.interface)}`,
                "use the same interface name in both keys",
            );
        }
    }
    problems.throwIfAny("invalid VPN pairing");
}

/** Builds this end of the tunnel (after the router) and adds its docs sections. */
export function buildVpn(
    name: string,
    ctx: SiteContext,
    docs: SiteDocs,
    peerPsk: pulumi.Output<string> | undefined,
    parent: pulumi.Resource,
): SiteToSiteVpn | undefined {
    const { model } = ctx;
    if (!model.vpnLocal) return undefined;
    const vpn = new SiteToSiteVpn(
        `${name}-vpn-${model.vpnLocal.tunnel}`,
        {
            ...guestAccess(ctx),
            router: model.router,
            routerVm: builtVm(ctx, model.router.name),
            routerReady: ctx.after.router,
            local: model.vpnLocal,
            vpn: model.vpn,
            peerPsk,
        },
        { parent },
    );
    if (model.vpn) Object.assign(docs.sections, vpnDocsSections(model.vpn, "nftables"));
    return vpn;
}

/** The stack outputs the peer's stack reads. */
export function vpnOutputs(model: SiteModel, vpn: SiteToSiteVpn | undefined): Record<string, unknown> {
    if (!model.vpnLocal) return {};
    return {
        [VPN_OUTPUTS.peer]: vpnPeerExport(model.vpnLocal),
        ...(model.vpnLocal.owner && vpn?.psk ? { [VPN_OUTPUTS.psk]: vpn.psk } : {}),
    };
}

export { InputError };
