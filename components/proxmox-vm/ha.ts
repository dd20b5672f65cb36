import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";

/** A VM Proxmox VE's HA manager keeps running: its id, its home node, and the VM resource it follows. */
export interface HaVm {
    readonly name: string;
    readonly vmId: number;
    readonly node: string;
    readonly vm: pulumi.Resource;
}

export interface ProxmoxHaArgs {
    /** The cluster's nodes (`billu:proxmox.nodes`): one HA group per node, preferring it. */
    readonly nodes: readonly string[];
    /** The VMs to keep running (the stateful ones: DCs, file server, mail). */
    readonly vms: readonly HaVm[];
}

/** Priority of a VM's home node in its group; the other nodes get 1, so HA moves it there only when home is down. */
export const HOME_PRIORITY = 2;

/**
 * Proxmox VE HA for the stateful VMs (PVE 8 HA groups, `proxmoxve.Hagroup` / `Haresource`): one group per node,
 * `ha-<node>`, preferring that node and allowing the others (not restricted), failing back when it returns; each
 * stateful VM is an HA resource of its home node's group, state `started`. DCs are placed one per node
 * (`require-dc-node-spread`), so after a failover two DCs may share a node until the failed one returns, and then
 * go back (failback). Each HA resource is replaced with its VM (same id, new VM). Requires PVE 8 (PVE 9 replaces HA
 * groups with HA rules).
 */
export class ProxmoxHa extends pulumi.ComponentResource {
    public readonly groups: proxmox.Hagroup[];
    public readonly resources: proxmox.Haresource[];

    constructor(name: string, args: ProxmoxHaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:compute:ProxmoxHa", name, {}, opts);
        const groupOf = new Map<string, proxmox.Hagroup>();
        this.groups = args.nodes.map((node) => {
            const g = new proxmox.Hagroup(
                `${name}-group-${node}`,
                {
                    group: `ha-${node}`,
                    comment: `billu-infra: stateful VMs whose home is ${node}`,
                    nodes: Object.fromEntries(args.nodes.map((n) => [n, n === node ? HOME_PRIORITY : 1])),
                    restricted: false,
                    noFailback: false,
                },
                { parent: this },
            );
            groupOf.set(node, g);
            return g;
        });
        this.resources = args.vms.map(
            (v) =>
                new proxmox.Haresource(
                    `${name}-${v.name.toLowerCase()}`,
                    {
                        resourceId: `vm:${v.vmId}`,
                        type: "vm",
                        group: groupOf.get(v.node)!.group,
                        state: "started",
                        maxRestart: 2,
                        maxRelocate: 2,
                        comment: `billu-infra: ${v.name}`,
                    },
                    { parent: this, dependsOn: [v.vm], replaceWith: [v.vm] },
                ),
        );
        this.registerOutputs({ groups: this.groups.length, resources: this.resources.length });
    }
}
