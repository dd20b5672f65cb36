import * as pulumi from "@pulumi/pulumi";
import { portsText } from "../../model/ports";
import { SiteModel } from "../../model/site";
import { SiteContext, connectionFor } from "../context";
import { FIREWALL_TYPE, FirewallFacts } from "../contracts";
import { GuestStep } from "../guest-step/GuestStep";
import { stepScript } from "../guest-step/render";
import { vmForHost } from "../proxmox-vm/forHost";
import { siteBaseStep } from "../base-server/base-step";
import { ProxmoxVm } from "../proxmox-vm/ProxmoxVm";
import { DatacenterFirewall } from "./DatacenterFirewall";
import { chainPolicies, renderNftables, renderSysctl } from "./nftables";
import { firewallOf, planRouter } from "./plan";
import { planDatacenter } from "./proxmox";
import { registerDatacenter } from "./VmFirewall";

export interface FirewallArgs {
    /**
     * The site: the model (zones, the flow matrix, NAT, the router, the Proxmox firewall's plan), the render folder
     * and the guest connection of the router's `nftables` step.
     */
    readonly ctx: SiteContext;
}

function wanInput(model: SiteModel) {
    const plan = planRouter(model);
    return plan.rules
        .filter((r) => r.chain === "input" && r.iif === plan.wan.ifname)
        .map((r) => ({ proto: r.proto as string, ports: r.dports ? portsText(r.dports) : "", sources: [...(r.saddr ?? [])], comment: r.comment }));
}

/**
 * What the Firewall component declares about the site's filtering, as plain data: its inputs and its outputs, so
 * the policy pack reads the same facts offline (inputs) and under CrossGuard (stack validations see outputs).
 */
export function firewallFacts(model: SiteModel, ruleset?: string): FirewallFacts {
    const fw = firewallOf(model);
    const member = (m: { kind: string; name: string; zone?: string; zoneKind?: string; addresses: readonly string[] }) => ({
        kind: m.kind,
        name: m.name,
        zone: m.zone,
        zoneKind: m.zoneKind,
        addresses: [...m.addresses],
    });
    return {
        engine: fw.engine,
        router: model.router.name,
        wanAddress: fw.wanAddress,
        /** The router VM's Proxmox NICs and the zone each faces (`net0` is management). */
        routerNics: model.router.nics.map((n, k) => ({ nic: `net${k}`, zone: n.zone, kind: model.zones.find((z) => z.name === n.zone)!.kind as string })),
        zones: [
            ...model.zones.map((z) => ({ name: z.name, kind: z.kind as string, networks: [z.cidr.text] })),
            ...(fw.vpnPartner ? [{ name: "vpn-partner", kind: "vpn-partner", networks: fw.vpnPartner.networks.map((c) => c.text) }] : []),
        ],
        flows: fw.flows.map((f) => ({
            index: f.index,
            from: f.from,
            to: f.to,
            service: f.service.name,
            ports: portsText(f.service.ports),
            sources: f.sources.map(member),
            destinations: f.destinations.map(member),
            dmzAllowed: f.dmzAllowed,
        })),
        published: fw.published.map((p) => ({
            index: p.index,
            service: p.service.name,
            host: p.host.name,
            zone: p.host.zone,
            zoneKind: model.zones.find((z) => z.name === p.host.zone)?.kind as string,
            address: p.host.address,
            ports: portsText(p.ports),
            publicPorts: portsText(p.publicPorts),
        })),
        /** The paired VPN peer's gateway: the one WAN address the router accepts IKE and NAT-T from. */
        vpnPeerGateway: model.vpn?.remote.gateway.address,
        /** What the router itself accepts on its WAN interface (the input rules of the plan both engines render). */
        wanInput: wanInput(model),
        // Read back from the rendered ruleset, so a renderer that stopped dropping would show here. pfSense blocks
        // every interface's inbound traffic unless a rule passes it and lets the firewall's own traffic out.
        routerPolicies: ruleset ? chainPolicies(ruleset) : { input: "drop", forward: "drop", output: "accept" },
    };
}

/**
 * The router/firewall between all zones: its VM (one NIC per zone) and its configuration step (forwarding, the
 * nftables ruleset rendered from the flow matrix, applied atomically with `nft -f` and kept across reboots), and
 * the Proxmox VE datacenter firewall. Every VM's own Proxmox firewall comes with the VM (vmForHost). With engine
 * `pfsense`, the rules are rendered as pfSense config.xml sections (`npm run pfsense`) and applied by hand (README).
 * Every other in-guest step of the site waits for `ready`.
 */
export class Firewall extends pulumi.ComponentResource {
    public readonly vm: ProxmoxVm;
    public readonly ready: pulumi.Resource;
    public readonly datacenter: DatacenterFirewall;
    /** The router's base step (nftables engine: a Debian router), after its ruleset. */
    public readonly base?: GuestStep;

    constructor(name: string, args: FirewallArgs, opts?: pulumi.ComponentResourceOptions) {
        const { ctx } = args;
        const model = ctx.model;
        const fw = firewallOf(model);
        const ruleset = fw.engine === "nftables" ? renderNftables(model, planRouter(model)) : undefined;
        const facts = firewallFacts(model, ruleset);
        super(FIREWALL_TYPE, name, facts, opts);
        const host = model.router;
        this.datacenter = new DatacenterFirewall(`${name}-datacenter`, { plan: planDatacenter(model) }, { parent: this });
        registerDatacenter(model, this.datacenter.ipsets);
        this.vm = vmForHost(ctx, host, { parent: this });
        if (ruleset) {
            const step = new GuestStep(
                `${name}-router`,
                {
                    host: host.name,
                    step: "router",
                    os: "linux",
                    connection: connectionFor(ctx, host, this.vm.vm),
                    renderDir: ctx.renderDir,
                    after: [this.vm],
                    files: [
                        { path: "/etc/sysctl.d/90-billu-router.conf", content: renderSysctl() },
                        { path: "/etc/nftables.conf", content: ruleset, mode: "0755", check: "nft -c -f {}" },
                    ],
                    script: stepScript("linux", "firewall/router.sh"),
                },
                { parent: this },
            );
            this.ready = step.apply;
            // The one base step every host has (time, banner, every-host needs), once the ruleset is in place.
            this.base = siteBaseStep(name, ctx, host, this.vm.vm, [step.apply], { parent: this });
        } else {
            // pfSense: no guest step (the rendered sections are restored by hand); later steps wait for the VM.
            this.ready = this.vm;
        }
        this.registerOutputs(facts);
    }
}
