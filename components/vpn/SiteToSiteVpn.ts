import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { HostModel } from "../../model/site";
import { VpnLocal, VpnModel } from "../../model/vpn";
import { connectionTo, GuestAccessArgs } from "../context";
import { VPN_TYPE } from "../contracts";
import { GuestStep } from "../guest-step/GuestStep";
import { stepScript } from "../guest-step/render";
import {
    PSK_SECRET,
    renderCharonConf,
    renderLinkScript,
    renderLinkUnit,
    renderPfsenseIpsec,
    renderStrongswanDropIn,
    renderSwanctlConnection,
    renderSwanctlSecrets,
    vpnPaths,
} from "./render";

export type VpnEngine = "nftables" | "pfsense";

export interface SiteToSiteVpnArgs extends GuestAccessArgs {
    /** The router (`model.router`), where the tunnel ends: its `vpn` step runs there. */
    readonly router: HostModel;
    /** The router's VM (built before the tunnel), which the `vpn` step follows. */
    readonly routerVm: pulumi.Resource;
    /** The router's readiness (its ruleset step): the `vpn` step waits for it. */
    readonly routerReady: readonly pulumi.Resource[];
    /** This site's end (`billu:vpn`), validated. */
    readonly local: VpnLocal;
    /** Both ends paired. @default absent: the peer has not exported `vpnPeer` yet; only the owner's key is made */
    readonly vpn?: VpnModel;
    /**
     * The key read from the owner's stack (secret); required at the end that is not the owner, refused at the owner's.
     * @default none: at the owner end the key is generated (`<name>-psk`)
     */
    readonly peerPsk?: pulumi.Input<string>;
    /** The router's engine. @default "nftables" (strongSwan on the Debian router) */
    readonly engine?: VpnEngine;
}

/**
 * One end of the IKEv2 site-to-site tunnel. At the owner end, the pre-shared key (`${name}-psk`, @pulumi/random),
 * exported as a secret by the stack for the peer to read; at either end, once both are paired, the router's
 * `vpn` guest step: the strongSwan connection, the key (placeholder, filled in from the step's stdin into a 0600
 * file), the route-based interface and its routes, charon restarting on failure.
 *
 * The component's inputs and outputs carry the tunnel's settings (suites, selectors, key length, DPD) so the
 * policy pack (`enforce-vpn-strong-crypto`, `disallow-vpn-any-selector`) sees what the router will run.
 */
export class SiteToSiteVpn extends pulumi.ComponentResource {
    /** The pre-shared key (secret): generated here at the owner end, the peer's otherwise. */
    public readonly psk?: pulumi.Output<string>;
    public readonly step?: GuestStep;
    /** pfSense engine: the phase 1 / phase 2 entries to import (the key as a placeholder). */
    public readonly pfsenseXml?: string;

    constructor(name: string, args: SiteToSiteVpnArgs, opts?: pulumi.ComponentResourceOptions) {
        const { local, vpn } = args;
        const engine = args.engine ?? "nftables";
        const settings = vpn?.settings ?? local.owner;
        const props = {
            tunnel: local.tunnel,
            peerStack: local.peerStack,
            engine,
            paired: !!vpn,
            owner: !!local.owner,
            localGateway: local.gateway.address,
            remoteGateway: vpn?.remote.gateway.address ?? "",
            localTs: [...local.networks],
            remoteTs: vpn ? [...vpn.remote.networks] : [],
            ikeProposals: settings ? [...settings.ikeProposals] : [],
            espProposals: settings ? [...settings.espProposals] : [],
            dpdDelaySeconds: settings?.dpdDelaySeconds ?? 0,
            pskLength: settings?.pskLength ?? 0,
            interface: local.interface,
            ifId: local.ifId,
        };
        super(VPN_TYPE, name, props, opts);
        if (local.owner) {
            if (args.peerPsk) throw new Error(`SiteToSiteVpn ${name}: [peerPsk] is set at the owner end, which generates the key`);
            const key = new random.RandomPassword(`${name}-psk`, { length: local.owner.pskLength, special: false }, { parent: this });
            this.psk = pulumi.secret(key.result);
        } else if (args.peerPsk !== undefined) {
            this.psk = pulumi.secret(pulumi.output(args.peerPsk));
        }
        if (vpn && engine === "pfsense") {
            this.pfsenseXml = renderPfsenseIpsec(vpn);
        } else if (vpn) {
            if (!this.psk) throw new Error(`SiteToSiteVpn ${name}: [peerPsk] is required at the end that is not the owner`);
            const host = args.router;
            const paths = vpnPaths(vpn);
            this.step = new GuestStep(
                `${name}-step`,
                {
                    host: host.name,
                    step: "vpn",
                    os: "linux",
                    connection: connectionTo(args, host, args.routerVm),
                    renderDir: args.renderDir,
                    after: [...args.routerReady],
                    files: [
                        { path: paths.charon, content: renderCharonConf() },
                        { path: paths.connection, content: renderSwanctlConnection(vpn) },
                        { path: paths.secrets, content: renderSwanctlSecrets(vpn), mode: "0600" },
                        { path: paths.link, content: renderLinkScript(vpn), mode: "0755" },
                        { path: paths.linkUnit, content: renderLinkUnit(vpn) },
                        { path: paths.strongswanDropIn, content: renderStrongswanDropIn() },
                    ],
                    script: vpnStepBody(vpn),
                    secrets: [PSK_SECRET],
                    secretValues: { [PSK_SECRET]: this.psk },
                },
                { parent: this },
            );
        }
        this.registerOutputs(props);
    }
}

/** The `vpn` step's body (POSIX sh, idempotent, scripts/vpn/vpn.sh): packages, the interface, charon up and the config loaded. */
export function vpnStepBody(vpn: VpnModel): string {
    return stepScript("linux", "vpn/vpn.sh", {
        TUNNEL: vpn.tunnel,
        LOCAL_ADDRESS: vpn.local.gateway.address,
        REMOTE_ADDRESS: vpn.remote.gateway.address,
        REMOTE_COMPANY: vpn.remote.site.company,
    });
}
