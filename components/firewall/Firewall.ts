import * as pulumi from "@pulumi/pulumi";
import { portsText } from "../../model/ports";
import { SiteModel } from "../../model/site";
import { connectionTo, GuestAccessArgs } from "../context";
import { FIREWALL_TYPE, FirewallFacts } from "../contracts";
import { GuestStep } from "../guest-step/GuestStep";
import { stepScript } from "../guest-step/render";
import { vmForHost } from "../proxmox-vm/forHost";
import { baseStep } from "../base-server/base-step";
import type { BaseExtension } from "../base-server/every-host";
import { ProxmoxVm } from "../proxmox-vm/ProxmoxVm";
import { DatacenterFirewall } from "./DatacenterFirewall";
import { chainPolicies, renderNftables, renderSysctl } from "./nftables";
import { firewallOf, planRouter } from "./plan";
import { planDatacenter } from "./proxmox";
import { registerDatacenter } from "./VmFirewall";

export interface FirewallArgs extends GuestAccessArgs {
    /**
     * The site's model: the zones, the flow matrix, NAT and the router (the ruleset, the Proxmox datacenter and VM
     * firewalls, the facts the policy pack reads), the router's VM plan and its base step's time sources and banner.
     */
    readonly model: SiteModel;
    /** The Proxmox pool the router's VM joins (created by the site). @default no pool */
    readonly poolId?: pulumi.Output<string>;
    /**
     * The router's every-host extensions (components/base-server/every-host.ts `extensionsFor`: a log shipper, a
     * backup client), added to its base step after the ruleset (nftables engine). @default none
     */
    readonly extensions?: readonly BaseExtension[];
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
        const { model } = args;
        const fw = firewallOf(model);
        const ruleset = fw.engine === "nftables" ? renderNftables(model, planRouter(model)) : undefined;
        const facts = firewallFacts(model, ruleset);
        super(FIREWALL_TYPE, name, facts, opts);
        const host = model.router;
        this.datacenter = new DatacenterFirewall(`${name}-datacenter`, { plan: planDatacenter(model) }, { parent: this });
        registerDatacenter(model, this.datacenter.ipsets);
        this.vm = vmForHost({ model, poolId: args.poolId }, host, { parent: this });
        if (ruleset) {
            const step = new GuestStep(
                `${name}-router`,
                {
                    host: host.name,
                    step: "router",
                    os: "linux",
                    connection: connectionTo(args, host, this.vm.vm),
                    renderDir: args.renderDir,
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
            this.base = baseStep(
                name,
                {
                    model,
                    host,
                    connection: connectionTo(args, host, this.vm.vm),
                    renderDir: args.renderDir,
                    after: [step.apply],
                    extensions: args.extensions,
                },
                { parent: this },
            );
        } else {
            // pfSense: no guest step (the rendered sections are restored by hand); later steps wait for the VM.
            this.ready = this.vm;
        }
        this.registerOutputs(facts);
    }
}
