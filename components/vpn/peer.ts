import * as pulumi from "@pulumi/pulumi";
import { VpnLocal } from "../../model/vpn";

/** The names of the stack outputs one end of a tunnel exports for the other. */
export const VPN_OUTPUTS = { peer: "vpnPeer", psk: "vpnPsk" } as const;

export interface VpnPeerRead {
    /** The peer's `vpnPeer` output (plain data, validated by pairVpn), or undefined before the peer is deployed. */
    readonly export?: unknown;
    /** The owner's key (secret), read at the end that is not the owner. */
    readonly psk?: pulumi.Output<string>;
    /**
     * The peer's secret `monitoringPartner` output (model/monitoring.ts MONITORING_PARTNER_OUTPUT: its hosts and their
     * PSKs), read only when asked (this site's server watches the partner's hosts); undefined when the peer has none.
     */
    readonly monitoring?: unknown;
}

/**
 * Reads the peer end from its own stack with a StackReference (`billu:vpn.peerStack`). Awaited before the site is
 * built, so the renderers get the peer's gateway and networks as plain data. Offline synth answers the reference
 * from the peer's committed Pulumi.<stack>.yaml (tools/peer-stack.ts).
 */
export async function readVpnPeer(local: VpnLocal, monitoringOutput?: string): Promise<VpnPeerRead> {
    const ref = new pulumi.StackReference(`vpn-peer-${local.tunnel}`, { name: local.peerStack });
    const exported = await ref.getOutputValue(VPN_OUTPUTS.peer);
    if (exported === undefined) {
        pulumi.log.warn(
            `billu:vpn: stack ${local.peerStack} has no ${VPN_OUTPUTS.peer} output yet: the tunnel ${local.tunnel} is not configured in this run. ` +
                `Deploy ${local.peerStack}, then run pulumi up here again.`,
        );
        return {};
    }
    // A secret output: getOutputValue refuses it, getOutputDetails gives it as secretValue (plain: the PSKs in it are
    // wrapped in pulumi.secret again by the reader, stacks/vpn.ts).
    const details = monitoringOutput ? await ref.getOutputDetails(monitoringOutput) : undefined;
    return {
        export: exported,
        psk: local.owner ? undefined : (ref.requireOutput(VPN_OUTPUTS.psk) as pulumi.Output<string>),
        ...(details ? { monitoring: details.secretValue ?? details.value } : {}),
    };
}
