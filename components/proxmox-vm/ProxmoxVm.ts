import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import { VmPlan } from "./plan";

/** Arguments of a ProxmoxVm: the pure plan (see plan.ts) plus the guest access every VM shares. */
export interface ProxmoxVmArgs extends VmPlan {
    /** User cloud-init creates on Debian guests; Pulumi's guest steps connect as this user. */
    readonly adminUser: string;
    /** OpenSSH public keys authorized for `adminUser`. */
    readonly sshPublicKeys: readonly string[];
    /** Datastore of the cloud-init drive. */
    readonly cloudInitDatastore: string;
    /** Proxmox resource pool to join (the site's `PoolLegacy`, so the pool exists first). @default no pool */
    readonly poolId?: pulumi.Input<string>;
}

/**
 * A BillU server as a Proxmox VE VM: a full clone of the OS template on the host's node, sized from the model,
 * one virtio NIC per zone with the Proxmox firewall on, cloud-init networking, the guest agent, a start order,
 * tags and pool. Stateful roles in an environment that protects them get Pulumi `protect` and `retainOnDelete`
 * plus Proxmox's own protection flag, so neither a replacement nor a `pulumi destroy` can remove their data.
 */
export class ProxmoxVm extends pulumi.ComponentResource {
    public readonly vm: proxmox.VmLegacy;
    /** Proxmox VM id. */
    public readonly vmId: pulumi.Output<number>;
    /** The address Pulumi's guest steps connect to (the first NIC's). */
    public readonly address: string;

    constructor(name: string, args: ProxmoxVmArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:compute:ProxmoxVm", name, {}, opts);
        const childOpts: pulumi.CustomResourceOptions = {
            parent: this,
            protect: args.protect,
            retainOnDelete: args.protect,
            // The clone source only matters at creation; a template rebuilt later must not replace running VMs.
            ignoreChanges: ["clone"],
            // The VM id and address are fixed by the model, so a replacement cannot create the new VM beside the old
            // one (Proxmox refuses a second VM with the same id): delete first, then create.
            deleteBeforeReplace: true,
        };
        this.vm = new proxmox.VmLegacy(
            `${name}-vm`,
            {
                name: args.name,
                vmId: args.vmId,
                nodeName: args.node,
                description: args.description,
                tags: [...args.tags],
                poolId: args.poolId,
                clone: { vmId: args.templateVmId, nodeName: args.node, full: true, retries: 3 },
                cpu: { cores: args.cores, sockets: 1, type: "x86-64-v2-AES" },
                memory: { dedicated: args.memoryMiB },
                operatingSystem: { type: args.osType },
                scsiHardware: "virtio-scsi-single",
                disks: args.disks.map((d) => ({
                    interface: d.interface,
                    datastoreId: d.datastoreId,
                    size: d.sizeGiB,
                    fileFormat: "raw",
                    iothread: true,
                    discard: "on",
                    ssd: true,
                    // Data disks are backed up by the guest's own backup job; the OS disk is rebuilt from code.
                    backup: d.role === "data",
                })),
                networkDevices: args.nics.map((n) => ({
                    bridge: n.bridge,
                    vlanId: n.vlanId,
                    firewall: n.firewall,
                    model: n.model,
                    enabled: true,
                })),
                agent: { enabled: true, trim: true, timeout: "15m" },
                initialization: {
                    type: args.cloudInitType,
                    interface: args.cloudInitInterface,
                    datastoreId: args.cloudInitDatastore,
                    ipConfigs: args.ipConfigs.map((c) => ({ ipv4: { address: c.address, gateway: c.gateway } })),
                    dns: { domain: args.dnsDomain, servers: [...args.dnsServers] },
                    userAccount: { username: args.adminUser, keys: [...args.sshPublicKeys] },
                },
                onBoot: true,
                started: true,
                startup: { order: args.startOrder, upDelay: args.startUpDelay, downDelay: 60 },
                protection: args.protect,
                // A protected VM's disks outlive it: a destroy must not delete the disks it leaves detached.
                deleteUnreferencedDisksOnDestroy: !args.protect,
                stopOnDestroy: true,
                timeoutClone: 1800,
                timeoutCreate: 1800,
                timeoutMigrate: 1800,
                timeoutReboot: 600,
                timeoutShutdownVm: 600,
                timeoutStartVm: 600,
                timeoutStopVm: 300,
            },
            childOpts,
        );
        this.vmId = this.vm.vmId.apply((id) => id ?? args.vmId);
        this.address = args.ipConfigs[0].address.split("/")[0];
        this.registerOutputs({ vmId: this.vmId, address: this.address });
    }
}
