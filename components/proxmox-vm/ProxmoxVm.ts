import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import { pinHostKey, pinnedHostKey } from "./pinned-keys";
import * as tls from "@pulumi/tls";
import { hostKeySnippetName, knownHostsLine, publicKeyLine, renderHostKeyVendorData } from "./host-key";
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
    /**
     * Datastore (file-based, with the `snippets` content type enabled) of the vendor-data snippet that installs the
     * guest's SSH host key, generated here, on its first boot; guest steps pin that key. Debian guests only
     * (cloudbase-init has no `ssh_keys`). @default no host key: the guest keeps the template's, and connections are
     * not pinned
     */
    readonly hostKeySnippetsDatastore?: string;
}

export { pinnedHostKey };

/**
 * known_hosts lines (`<address> ssh-ed25519 AAAA...`, one a line, by host name) of every VM whose host key the stack
 * generated: `pulumi stack output knownHosts` gives administrators the keys to check their own SSH sessions against.
 */
export function knownHostsOf(vms: ReadonlyMap<string, pulumi.Resource>, addressOf: (host: string) => string): pulumi.Output<string> {
    const pinned = [...vms]
        .sort(([a], [b]) => a.localeCompare(b))
        .flatMap(([host, vm]) => {
            const key = pinnedHostKey(vm);
            return key ? [key.apply((k) => knownHostsLine(addressOf(host), k))] : [];
        });
    return pulumi.all(pinned).apply((lines) => lines.map((l) => l + "\n").join(""));
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
    /** The guest's SSH host public key (`ssh-ed25519 AAAA...`), when it is generated here (`hostKeySnippetsDatastore`). */
    public readonly hostKey?: pulumi.Output<string>;

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
        // The guest's SSH host key: generated in the stack (the private half is a secret of the state), installed by
        // cloud-init's vendor-data on the first boot (host-key.ts), pinned by every guest connection.
        let vendorDataFileId: pulumi.Output<string> | undefined;
        if (args.hostKeySnippetsDatastore !== undefined) {
            if (args.cloudInitType !== "nocloud") throw new Error(`internal: ${args.name}: host keys are delivered to Debian (nocloud) guests only`);
            const key = new tls.PrivateKey(`${name}-host-key`, { algorithm: "ED25519" }, { parent: this, protect: args.protect });
            const snippet = new proxmox.FileLegacy(
                `${name}-host-key-snippet`,
                {
                    contentType: "snippets",
                    datastoreId: args.hostKeySnippetsDatastore,
                    nodeName: args.node,
                    sourceRaw: {
                        fileName: hostKeySnippetName(args.vmId),
                        data: pulumi.secret(
                            pulumi.all([key.privateKeyOpenssh, key.publicKeyOpenssh]).apply(([priv, pub]) => renderHostKeyVendorData(args.name, priv, pub)),
                        ),
                    },
                },
                // Replaced with the key it holds; a VM whose snippet is replaced is not (cloud-init installed its keys once).
                { parent: this, deleteBeforeReplace: true },
            );
            vendorDataFileId = snippet.id;
            this.hostKey = key.publicKeyOpenssh.apply(publicKeyLine);
        }
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
                // Windows 11's UEFI and TPM (plan.ts uefiTpm); the other VMs keep the provider's defaults (SeaBIOS).
                ...(args.uefiTpm
                    ? {
                          machine: args.uefiTpm.machine,
                          bios: args.uefiTpm.bios,
                          efiDisk: { ...args.uefiTpm.efiDisk },
                          tpmState: { ...args.uefiTpm.tpmState },
                      }
                    : {}),
                scsiHardware: "virtio-scsi-single",
                disks: args.disks.map((d) => ({
                    interface: d.interface,
                    datastoreId: d.datastoreId,
                    size: d.sizeGiB,
                    fileFormat: "raw",
                    iothread: true,
                    discard: "on",
                    ssd: true,
                    // In the VM's image (Proxmox's backup jobs): every disk of a stateful VM, a stateless VM's data disks
                    // only; a stateless OS disk is rebuilt from code (model/vm-backup.ts, per role).
                    backup: d.backup,
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
                    vendorDataFileId,
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
        if (this.hostKey) pinHostKey(this.vm, this.hostKey);
        this.registerOutputs({ vmId: this.vmId, address: this.address, hostKey: this.hostKey });
    }
}
