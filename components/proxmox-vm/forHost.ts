import * as pulumi from "@pulumi/pulumi";
import { isWindows } from "../../model/naming";
import { HostModel, SiteModel } from "../../model/site";
import { vmFirewallFor } from "../firewall/VmFirewall";
import { planVm } from "./plan";
import { ProxmoxVm } from "./ProxmoxVm";

/**
 * The ProxmoxVm of a host of the model, named after the host (`PAR-DC01` gives `par-dc01`), with its Proxmox VE
 * firewall from the flow matrix beside it (`par-dc01-firewall`, components/firewall).
 */
export function vmForHost(
    site: { readonly model: SiteModel; readonly poolId?: pulumi.Output<string> },
    host: HostModel,
    opts?: pulumi.ComponentResourceOptions,
): ProxmoxVm {
    const cfg = site.model.config;
    const vm = new ProxmoxVm(
        host.name.toLowerCase(),
        {
            ...planVm(site.model, host),
            adminUser: cfg.guest.adminUser,
            sshPublicKeys: cfg.guest.sshPublicKeys,
            cloudInitDatastore: cfg.proxmox.cloudInitDatastore,
            poolId: site.poolId,
            // Debian guests get a host key generated here and pinned by their steps; Windows guests keep their own
            // (cloudbase-init cannot install one: docs/operations.md), and so does a pfSense router (no cloud-init, no step).
            hostKeySnippetsDatastore:
                isWindows(host.os) || (host.role === "firewall" && site.model.firewall?.engine === "pfsense")
                    ? undefined
                    : (cfg.proxmox.snippetsDatastore ?? "local"),
        },
        opts,
    );
    vmFirewallFor(site.model, host, vm.vm, { parent: opts?.parent });
    return vm;
}
