/**
 * VM images on Proxmox (`billu:vmBackup`): a backup storage on the cluster (a Proxmox Backup Server datastore with
 * client-side encryption, or an NFS export as the fallback) and the cluster's backup jobs (vzdump), covering every
 * stateful VM of the site. Pure: the schema (its `.describe()` text and defaults are the configuration reference),
 * the checks (through Problems, naming the key path), the per-role imaging decision every VM's disks follow, and
 * the `VmBackupPlan` the component, the policies' inputs and the docs read.
 *
 * Design:
 * - A stateful VM is imaged whole: every disk, the OS disk included (`backup` on), so a restore from Proxmox gives
 *   a VM that boots as it was. A stateless VM is rebuilt from code (its OS disk is not imaged; what is on it is
 *   rendered by the stack and pushed by its guest steps).
 * - A DC has only its OS disk, where the AD database and SYSVOL live: a DC's image is its backup.
 * - Application-consistent copies inside the guests (AD, shares, mailboxes) are the other half (`billu:backup`);
 *   these images are the fast whole-VM restore.
 */
import { z } from "zod";
import { Problems, show } from "./errors";

/** A string matching `re`; else the problem says what it is not (`message`) and how to write it (`fix`). */
function matching(re: RegExp, message: string, fix: string) {
    return z.string().refine((v) => re.test(v), { message, params: { fix } });
}

/** The pieces of a host the planner reads (a subset of HostModel). */
export interface VmBackupHost {
    readonly name: string;
    readonly role: string;
    readonly vmId: number;
    readonly node: string;
    readonly stateful: boolean;
    readonly disks: readonly { readonly datastore: string; readonly sizeGiB: number }[];
}

/**
 * Why each role is imaged or rebuilt (the docs' table reads these). A stateful role not listed here is imaged for
 * the generic reason; a stateless one is rebuilt.
 */
export const ROLE_IMAGE_WHY: Readonly<Record<string, string>> = {
    dc: "the AD database (ntds.dit or Samba's sam.ldb) and SYSVOL live on the OS disk, the DC's only disk: a DC's image is its backup",
    fileserver: "the shares live on the RAID 1 data disks; the OS disk is imaged with them so a restored VM boots and assembles its mirror as it was",
    mail: "the mailboxes live on the data disk (the mail store); the OS disk is imaged with it (queue, rspamd's state) so a restored VM serves at once",
    logs: "the collected logs of every host (kept for the retention) live on the OS disk and exist nowhere else",
    firewall: "rebuilt from code: its ruleset, addresses and services are rendered by the stack and pushed by its guest step",
};

const GENERIC_IMAGED = "stateful role: its data would be lost with the VM, so the whole VM is imaged";
const GENERIC_REBUILT = "rebuilt from code: every file its guest steps need is rendered by the stack, nothing on it is unique";

/** Whether a host's disk is in its VM's image (the Proxmox disk flag `backup`): every disk of a stateful VM. */
export function diskImaged(host: { readonly stateful: boolean }, diskIndex: number): boolean {
    // Data disks were always imaged; the OS disk only when the VM holds state (the DCs' only disk, the others' boot).
    return host.stateful || diskIndex > 0;
}

/** `imaged` or `rebuilt`, and why, for a role. */
export function roleImaging(role: string, stateful: boolean): { readonly imaged: boolean; readonly why: string } {
    return { imaged: stateful, why: ROLE_IMAGE_WHY[role] ?? (stateful ? GENERIC_IMAGED : GENERIC_REBUILT) };
}

const storageId = matching(
    /^[a-z][a-z0-9\-_.]{1,31}$/,
    "is not a Proxmox storage id",
    "write a lower-case letter, then 1 to 31 of a-z 0-9 - _ . (`billu-pbs`)",
);

/** The backup storage: one object, whose `kind` says which of its fields apply (the planner checks them). */
const storageSchema = z
    .object({
        kind: z.enum(["pbs", "nfs"]).describe("`pbs`: a Proxmox Backup Server datastore; `nfs`: an NFS export (the fallback)."),
        id: storageId.optional().describe("The storage's id on the cluster (`Datacenter > Storage`), what the jobs and restores name. @default billu-<kind>"),
        server: z.string().min(1).describe("The PBS or NFS server's address or DNS name."),
        datastore: z.string().min(1).optional().describe("pbs: the datastore on the Proxmox Backup Server (required for pbs)."),
        username: matching(
            /^[^@\s]+@[^!\s]+(![^\s]+)?$/,
            "is not a PBS user or API token id",
            "write the user as `user@realm` (`pve-backup@pbs`) or the token as `user@realm!token`",
        )
            .optional()
            .describe(
                "pbs: the PBS user (`pve-backup@pbs`) or API token id (`pve-backup@pbs!pve`) the cluster logs on as (role DatastoreBackup on the " +
                    "datastore; required for pbs). Its password or token secret is the secret `billu:vmBackupPbsPassword` (`pulumi config set --secret`).",
            ),
        fingerprint: matching(
            /^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/,
            "is not a SHA-256 fingerprint",
            "copy it from `proxmox-backup-manager cert info` on the PBS server: 32 hex pairs separated by colons",
        )
            .optional()
            .describe(
                "pbs: the SHA-256 fingerprint of the PBS server's certificate (`proxmox-backup-manager cert info`). @default the certificate must be trusted by the nodes",
            ),
        namespace: z.string().min(1).optional().describe("pbs: the namespace on the datastore (one per environment). @default the datastore's root"),
        export: matching(/^\//, "is not an absolute path", "write the export as the NFS server shows it (`showmount -e <server>`), starting with /")
            .optional()
            .describe("nfs: the exported path (`/srv/backup/pve`; required for nfs)."),
        options: z.string().min(1).optional().describe("nfs: mount options (`vers=4.2`). @default the node's defaults"),
    })
    .strict();

/** The storage as planned: its kind's fields only, the id defaulted. */
export type VmBackupStorage =
    | {
          readonly kind: "pbs";
          readonly id: string;
          readonly server: string;
          readonly datastore: string;
          readonly username: string;
          readonly fingerprint?: string;
          readonly namespace?: string;
      }
    | { readonly kind: "nfs"; readonly id: string; readonly server: string; readonly export: string; readonly options?: string };

const KIND_FIELDS = { pbs: ["datastore", "username", "fingerprint", "namespace"], nfs: ["export", "options"] } as const;
const KIND_REQUIRED = { pbs: ["datastore", "username"], nfs: ["export"] } as const;

/** The storage of the config, checked against its kind (every problem named), or undefined when one was found. */
function planStorage(s: VmBackupConfig["storage"], problems: Problems): VmBackupStorage | undefined {
    const before = problems.count;
    const other = s.kind === "pbs" ? "nfs" : "pbs";
    for (const f of KIND_REQUIRED[s.kind]) {
        if (s[f] === undefined) problems.add(`billu:vmBackup.storage.${f}`, `is required for kind ${s.kind} but missing`, `set billu:vmBackup.storage.${f}`);
    }
    for (const f of KIND_FIELDS[other]) {
        if (s[f] !== undefined) {
            problems.add(
                `billu:vmBackup.storage.${f}`,
                `is ${show(s[f])}, a field of kind ${other}, but the storage's kind is ${s.kind}`,
                `remove it, or set kind: ${other}`,
            );
        }
    }
    if (problems.count > before) return undefined;
    const id = s.id ?? `billu-${s.kind}`;
    return s.kind === "pbs"
        ? { kind: "pbs", id, server: s.server, datastore: s.datastore!, username: s.username!, fingerprint: s.fingerprint, namespace: s.namespace }
        : { kind: "nfs", id, server: s.server, export: s.export!, options: s.options };
}

export const vmBackupSchema = z
    .object({
        storage: storageSchema.describe(
            "Where the images go: `kind: pbs`, a Proxmox Backup Server datastore (deduplicated, encrypted on the node with a key the stack " +
                "generates), or `kind: nfs`, an NFS export (the fallback: no deduplication, no client-side encryption).",
        ),
        schedule: matching(
            /^[a-z0-9 .:,*/~-]+$/,
            "is not a Proxmox calendar event",
            "write one like `01:00`, `mon..fri 21:00` or `*-*-* 02:30` (letters, digits, spaces and . : , * / ~ - only)",
        )
            .default("01:00")
            .describe(
                "When the job runs, a Proxmox calendar event (systemd-like). Outside working hours, away from the in-guest backups' window. @default 01:00",
            ),
        retention: z
            .object({
                keepDaily: z.number().int().min(0).max(366).default(7).describe("Daily images kept. @default 7"),
                keepWeekly: z.number().int().min(0).max(260).default(4).describe("Weekly images kept. @default 4"),
                keepMonthly: z.number().int().min(0).max(120).default(6).describe("Monthly images kept. @default 6"),
            })
            .strict()
            .default({})
            .describe("How many images the job keeps (Proxmox prune options keep-daily, keep-weekly, keep-monthly). @default 7 daily, 4 weekly, 6 monthly"),
        mailTo: z
            .array(matching(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, "is not an e-mail address", "write a full address (`dsi-alertes@billu.remindme.lan`)"))
            .optional()
            .describe(
                "Who the job's report is mailed to (IT). @default postmaster@<the mail domain> when the site runs billu:mail (its alias reaches IT), else nobody",
            ),
        mailNotification: z
            .enum(["always", "failure"])
            .default("always")
            .describe("When the report is mailed: `always` (a missing mail then means the job did not run) or `failure`. @default always"),
    })
    .strict()
    .describe("VM images on Proxmox: the backup storage and the backup job covering every stateful VM");

export type VmBackupConfig = z.output<typeof vmBackupSchema>;

/** One backup job of the cluster and the VMs it covers. */
export interface VmBackupJob {
    /** The job's id on the cluster (`billu-par-vms`). */
    readonly id: string;
    readonly schedule: string;
    readonly mode: "snapshot";
    readonly retention: { readonly keepDaily: number; readonly keepWeekly: number; readonly keepMonthly: number };
    readonly mailTo: readonly string[];
    readonly mailNotification: "always" | "failure";
    /** The VMs it covers, in VM id order: name, id, node, and which disks (`scsi0`, ...) are in the image. */
    readonly vms: readonly { readonly name: string; readonly vmId: number; readonly node: string; readonly role: string; readonly disks: readonly string[] }[];
}

export interface VmBackupPlan {
    readonly storage: VmBackupStorage;
    /** The cluster nodes the storage is declared on. */
    readonly nodes: readonly string[];
    readonly jobs: readonly VmBackupJob[];
    /** Every role of the site: imaged or rebuilt, and why (docs). */
    readonly roles: readonly { readonly role: string; readonly imaged: boolean; readonly why: string; readonly hosts: readonly string[] }[];
}

export interface VmBackupInput {
    readonly site: { readonly code: string };
    readonly cfg: VmBackupConfig | undefined;
    readonly hosts: readonly VmBackupHost[];
    readonly nodes: readonly string[];
    /** The site's mail domain, when it runs billu:mail (the default report address is its postmaster). */
    readonly mailDomain?: string;
}

/** The plan, or undefined when the site has no `billu:vmBackup` (nothing is imaged; the policy says so in prod). */
export function planVmBackup(input: VmBackupInput, problems: Problems): VmBackupPlan | undefined {
    const { cfg } = input;
    if (!cfg) return undefined;
    const stateful = input.hosts.filter((h) => h.stateful).sort((a, b) => a.vmId - b.vmId);
    if (stateful.length === 0) {
        problems.add(
            "billu:vmBackup",
            `is set, but billu:hosts has no stateful VM for its job to cover (got ${show(input.hosts.map((h) => h.name))})`,
            "remove billu:vmBackup, or add the stateful hosts (dc, fileserver, mail, logs) it should image",
        );
        return undefined;
    }
    const storage = planStorage(cfg.storage, problems);
    if (!storage) return undefined;
    const mailTo = cfg.mailTo ?? (input.mailDomain ? [`postmaster@${input.mailDomain}`] : []);
    const roles = [...new Set(input.hosts.map((h) => h.role))].map((role) => {
        const hosts = input.hosts.filter((h) => h.role === role);
        return { role, ...roleImaging(role, hosts[0].stateful), hosts: hosts.map((h) => h.name) };
    });
    return {
        storage,
        nodes: [...input.nodes],
        jobs: [
            {
                id: `billu-${input.site.code.toLowerCase()}-vms`,
                schedule: cfg.schedule,
                mode: "snapshot",
                retention: { ...cfg.retention },
                mailTo,
                mailNotification: cfg.mailNotification,
                vms: stateful.map((h) => ({
                    name: h.name,
                    vmId: h.vmId,
                    node: h.node,
                    role: h.role,
                    disks: h.disks.flatMap((_, i) => (diskImaged(h, i) ? [`scsi${i}`] : [])),
                })),
            },
        ],
        roles,
    };
}
