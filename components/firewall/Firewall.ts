import * as pulumi from "@pulumi/pulumi";
import { SiteContext, connectionFor } from "../context";
import { GuestStep } from "../guest-step/GuestStep";
import { vmForHost } from "../proxmox-vm/forHost";
import { ProxmoxVm } from "../proxmox-vm/ProxmoxVm";
import { renderNftables, renderSysctl } from "./nftables";

export interface FirewallArgs {
    readonly ctx: SiteContext;
}

/**
 * The router/firewall between all zones: its VM (one NIC per zone) and its configuration step (forwarding,
 * the nftables ruleset rendered from the flow matrix, applied atomically with `nft -f` and kept across reboots).
 * Every other in-guest step of the site waits for `ready`.
 */
export class Firewall extends pulumi.ComponentResource {
    public readonly vm: ProxmoxVm;
    public readonly ready: pulumi.Resource;

    constructor(name: string, args: FirewallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:network:Firewall", name, {}, opts);
        const { ctx } = args;
        const host = ctx.model.router;
        this.vm = vmForHost(ctx, host, { parent: this });
        const step = new GuestStep(
            `${name}-router`,
            {
                host: host.name,
                step: "router",
                os: "linux",
                connection: connectionFor(ctx, host),
                renderDir: ctx.renderDir,
                after: [this.vm],
                files: [
                    { path: "/etc/sysctl.d/90-billu-router.conf", content: renderSysctl() },
                    { path: "/etc/nftables.conf", content: renderNftables(ctx.model), mode: "0755", check: "nft -c -f {}" },
                ],
                script: [
                    "command -v nft >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q nftables",
                    "if billu_changed /etc/sysctl.d/90-billu-router.conf; then sysctl -q -p /etc/sysctl.d/90-billu-router.conf; fi",
                    "systemctl enable -q nftables",
                    "# nft -f replaces the whole ruleset in one transaction: no moment without rules.",
                    "if billu_changed /etc/nftables.conf || ! nft list table inet billu >/dev/null 2>&1; then nft -f /etc/nftables.conf; billu_log 'ruleset applied'; fi",
                ].join("\n"),
            },
            { parent: this },
        );
        this.ready = step.apply;
        this.registerOutputs({});
    }
}
