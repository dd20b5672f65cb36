/**
 * Pure plan of a Proxmox VM from the site model: what `ProxmoxVm` passes to the provider. No Pulumi here, so the
 * mapping (NIC order, VLAN tags, cloud-init addresses, start order, tags) is unit-tested directly.
 */
import { WINDOWS_CLIENT_OS } from "../../model/core";
import { isWindows } from "../../model/naming";
import { HostModel, SiteModel } from "../../model/site";
import { diskImaged } from "../../model/vm-backup";
import { VM_TAG } from "../contracts";

export interface VmPlan {
    /** The VM's name in Proxmox: the host's name (`PAR-DC01`). */
    readonly name: string;
    /** The Proxmox VM id (the host's `vmId`). */
    readonly vmId: number;
    /** The Proxmox node the VM runs on (the host's `node`). */
    readonly node: string;
    /** The template the VM is cloned from (the host's `templateVmId`). */
    readonly templateVmId: number;
    /** The VM's description in Proxmox: company, role, name, and that Pulumi manages it. */
    readonly description: string;
    /** Proxmox tags (VM_TAG): managed, the environment, the role, stateful or stateless (the policies read them). */
    readonly tags: string[];
    /** CPU cores. */
    readonly cores: number;
    /** Memory in MiB. */
    readonly memoryMiB: number;
    /** Proxmox's OS type: `l26` (Linux 2.6+), `win11` (Windows 11, Windows Server 2022). */
    readonly osType: "l26" | "win11";
    /** `backup`: the disk is in the VM's image (Proxmox's flag; model/vm-backup.ts says which, per role). */
    readonly disks: { interface: string; datastoreId: string; sizeGiB: number; role: "os" | "data"; backup: boolean }[];
    /** One NIC per zone the host is on, in the host's NIC order; the Proxmox firewall is on for each. */
    readonly nics: { bridge: string; vlanId?: number; firewall: true; model: "virtio" }[];
    /** cloud-init's address (CIDR) and gateway per NIC, in NIC order. */
    readonly ipConfigs: { address: string; gateway?: string }[];
    /** cloud-init's DNS resolvers: what the flow matrix lets the host query (model/guest-resolvers.ts), else the DCs or the router. */
    readonly dnsServers: string[];
    /** cloud-init's search domain: the site's domain. */
    readonly dnsDomain: string;
    /** Proxmox's start order (the role's, from the service registry: the router first, then the DCs, ...). */
    readonly startOrder: number;
    /** Seconds to wait after starting this VM before the next in start order. */
    readonly startUpDelay: number;
    /** The cloud-init datasource: `nocloud` for Debian, `configdrive2` for Windows (cloudbase-init). */
    readonly cloudInitType: "nocloud" | "configdrive2";
    /**
     * Where the cloud-init drive is attached: always `ide2`, never a `scsiN` slot a data disk takes (left unset, the
     * provider keeps whatever slot the template's own cloud-init drive had).
     */
    readonly cloudInitInterface: "ide2";
    /**
     * UEFI firmware with a TPM 2.0, which Windows 11's setup and updates require (a Windows 11 Pro client: os
     * windows-11-pro): OVMF (`bios: ovmf`) on the q35 machine, its EFI vars disk (4m, Microsoft's keys enrolled for
     * Secure Boot) and its TPM state on the OS disk's datastore. https://pve.proxmox.com/wiki/Windows_11_guest_best_practices
     * @default no UEFI and no TPM: the provider's SeaBIOS and `pc` machine, as the Debian and Windows Server templates boot
     */
    readonly uefiTpm?: {
        readonly machine: "q35";
        readonly bios: "ovmf";
        readonly efiDisk: { readonly datastoreId: string; readonly type: "4m"; readonly preEnrolledKeys: true; readonly fileFormat: "raw" };
        readonly tpmState: { readonly datastoreId: string; readonly version: "v2.0" };
    };
    /** Protected from replacement and deletion (stateful role in an environment that protects them). */
    readonly protect: boolean;
}

/** DNS servers for guests: the domain controllers when the site has them, else the router. */
export function siteDnsServers(model: SiteModel): string[] {
    const dcs = model.hostsByRole("dc").map((h) => h.address);
    return dcs.length > 0 ? dcs : [model.router.nics[0].address];
}

export function planVm(model: SiteModel, host: HostModel): VmPlan {
    const windows = isWindows(host.os);
    return {
        name: host.name,
        vmId: host.vmId,
        node: host.node,
        templateVmId: host.templateVmId,
        description: `${model.site.company} ${host.role} ${host.name} (managed by Pulumi, project billu-infra; do not edit by hand)`,
        tags: [VM_TAG.managed, VM_TAG.env(model.site.environment), VM_TAG.role(host.role), host.stateful ? VM_TAG.stateful : VM_TAG.stateless],
        cores: host.cores,
        memoryMiB: host.memoryMiB,
        osType: windows ? "win11" : "l26",
        // virtio-scsi disks: scsi0 is the template's OS disk (resized), scsi1.. the data disks.
        disks: host.disks.map((d, i) => ({
            interface: `scsi${i}`,
            datastoreId: d.datastore,
            sizeGiB: d.sizeGiB,
            role: i === 0 ? "os" : "data",
            backup: diskImaged(host, i),
        })),
        nics: host.nics.map((n) => ({ bridge: n.bridge, vlanId: n.vlanId, firewall: true, model: "virtio" })),
        ipConfigs: host.nics.map((n) => ({ address: `${n.address}/${n.prefix}`, gateway: n.gateway })),
        // What the flow matrix lets this host reach (model/guest-resolvers.ts): a DMZ server gets the upstream
        // resolvers, not DCs it may not query; a DC its bootstrap resolvers (never itself: Samba does not exist yet
        // when its first packages are installed; the `dc` step switches it to itself once its DNS answers).
        dnsServers: [...(model.guestResolvers?.get(host.name)?.dns ?? siteDnsServers(model))],
        dnsDomain: model.site.domain,
        startOrder: host.startOrder,
        startUpDelay: host.role === "firewall" || host.role === "dc" ? 30 : 0,
        cloudInitType: windows ? "configdrive2" : "nocloud",
        cloudInitInterface: "ide2",
        protect: host.stateful && model.site.protectStateful,
        ...(host.os === WINDOWS_CLIENT_OS
            ? {
                  uefiTpm: {
                      machine: "q35" as const,
                      bios: "ovmf" as const,
                      efiDisk: { datastoreId: host.disks[0].datastore, type: "4m" as const, preEnrolledKeys: true as const, fileFormat: "raw" as const },
                      tpmState: { datastoreId: host.disks[0].datastore, version: "v2.0" as const },
                  },
              }
            : {}),
    };
}
