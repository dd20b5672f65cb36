import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import { VmBackupPlan } from "../../model/vm-backup";

/** Arguments of VmBackup: the plan (model/vm-backup.ts) and the secret the PBS storage logs on with. */
export interface VmBackupArgs {
    /** The validated plan (model/vm-backup.ts): the storage, the job's schedule, retention and VMs, the notification address. */
    readonly plan: VmBackupPlan;
    /**
     * The PBS user's password or API token secret (`billu:vmBackupPbsPassword`, read by the program, stacks/program.ts).
     * Required for `storage.kind: pbs`. @default none (an NFS storage needs none)
     */
    readonly pbsPassword?: pulumi.Input<string>;
    /** The VMs the job covers, by host name: the job is declared after them. @default no dependency */
    readonly vms?: ReadonlyMap<string, pulumi.Resource>;
    /** Protect the storage and the job from deletion (`protect`, `retainOnDelete`), like the stateful VMs. @default false */
    readonly protect?: boolean;
}

/**
 * VM images on Proxmox: the backup storage on every node (a PBS datastore, encrypted on the node with a key Proxmox
 * generates, or an NFS export) and the cluster's backup jobs (vzdump, mode snapshot, retention, a mail to IT), each
 * covering its VMs by id. The PBS key is the provider's secret output `generatedEncryptionKey` (in the stack's
 * state, encrypted): without it no image can be restored on another cluster.
 */
export class VmBackup extends pulumi.ComponentResource {
    /** The storage, as the jobs name it. */
    public readonly storageId: pulumi.Output<string>;
    /** The PBS encryption key (secret), when the storage is PBS. */
    public readonly encryptionKey?: pulumi.Output<string>;
    /** The key's fingerprint (not secret): what PBS shows beside each encrypted snapshot. */
    public readonly encryptionKeyFingerprint?: pulumi.Output<string>;
    public readonly jobs: proxmox.backup.Job[];

    constructor(name: string, args: VmBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:vm-backup:VmBackup", name, {}, opts);
        const { plan } = args;
        const protect = args.protect ?? false;
        const keep = { parent: this, protect, retainOnDelete: protect };
        const s = plan.storage;
        let storage: proxmox.storage.Pbs | proxmox.storage.Nfs;
        if (s.kind === "pbs") {
            if (args.pbsPassword === undefined) throw new Error(`internal: ${name}: the PBS storage needs its password`);
            const pbs = new proxmox.storage.Pbs(
                `${name}-storage`,
                {
                    resourceId: s.id,
                    nodes: [...plan.nodes],
                    server: s.server,
                    datastore: s.datastore,
                    username: s.username,
                    password: pulumi.secret(args.pbsPassword),
                    fingerprint: s.fingerprint,
                    namespace: s.namespace,
                    contents: ["backup"],
                    // Proxmox writes a fresh key file (its JSON format, with its KDF and fingerprint fields) and the
                    // provider returns it as the secret `generatedEncryptionKey`.
                    generateEncryptionKey: true,
                },
                // A new key makes every image taken with the old one unreadable on another cluster: never replace it
                // silently (the key's field is generated once, so a replacement would be a new key).
                keep,
            );
            this.encryptionKey = pulumi.secret(pbs.generatedEncryptionKey);
            this.encryptionKeyFingerprint = pbs.encryptionKeyFingerprint;
            storage = pbs;
        } else {
            storage = new proxmox.storage.Nfs(
                `${name}-storage`,
                { resourceId: s.id, nodes: [...plan.nodes], server: s.server, export: s.export, options: s.options, contents: ["backup"] },
                keep,
            );
        }
        this.storageId = storage.resourceId;
        this.jobs = plan.jobs.map(
            (job) =>
                new proxmox.backup.Job(
                    `${name}-${job.id}`,
                    {
                        resourceId: job.id,
                        schedule: job.schedule,
                        storage: storage.resourceId,
                        vmids: job.vms.map((v) => String(v.vmId)),
                        mode: job.mode,
                        compress: "zstd",
                        pruneBackups: {
                            "keep-daily": String(job.retention.keepDaily),
                            "keep-weekly": String(job.retention.keepWeekly),
                            "keep-monthly": String(job.retention.keepMonthly),
                        },
                        mailtos: job.mailTo.length > 0 ? [...job.mailTo] : undefined,
                        mailnotification: job.mailTo.length > 0 ? job.mailNotification : undefined,
                        notesTemplate: "{{guestname}} (billu-infra job " + job.id + ")",
                        repeatMissed: true,
                        enabled: true,
                    },
                    { ...keep, dependsOn: job.vms.flatMap((v) => (args.vms?.has(v.name) ? [args.vms.get(v.name)!] : [])) },
                ),
        );
        this.registerOutputs({ storageId: this.storageId, encryptionKeyFingerprint: this.encryptionKeyFingerprint });
    }
}
