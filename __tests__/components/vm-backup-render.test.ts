/** The VM images' docs renderer: the jobs table and the restore runbook for each storage kind, from a plan. */
import { Problems } from "../../model/errors";
import { planVmBackup, vmBackupSchema } from "../../model/vm-backup";
import { pbsKeyFromStack, pbsKeyPath, vmBackupDocs } from "../../components/vm-backup/render";

const hosts = [
    { name: "ECO-FW01", role: "firewall", vmId: 200, node: "pve1", stateful: false, disks: [{ datastore: "local-lvm", sizeGiB: 8 }] },
    {
        name: "ECO-MAIL01",
        role: "mail",
        vmId: 240,
        node: "pve2",
        stateful: true,
        disks: [
            { datastore: "fast", sizeGiB: 20 },
            { datastore: "big", sizeGiB: 200 },
        ],
    },
];
const planWith = (storage: unknown, extra: Record<string, unknown> = {}) =>
    planVmBackup(
        { site: { code: "ECO" }, cfg: vmBackupSchema.parse({ storage, ...extra }), hosts, nodes: ["pve1", "pve2"], mailDomain: "eco.lan" },
        new Problems(),
    )!;

test("NFS: the job row, the runbook restoring onto the OS disk's datastore, no key to fetch", () => {
    const docs = vmBackupDocs(planWith({ kind: "nfs", server: "nas", export: "/srv/pve" }, { mailNotification: "failure" }), (h) =>
        h === "ECO-MAIL01" ? "fast" : "?",
    );
    expect(docs["VM backup jobs"].rows).toEqual([
        [
            "billu-eco-vms",
            "ECO-MAIL01",
            240,
            "pve2",
            "scsi0 scsi1",
            "01:00 (mode snapshot)",
            "keep-daily 7, keep-weekly 4, keep-monthly 6",
            "billu-nfs (nfs)",
            "failure to postmaster@eco.lan",
        ],
    ]);
    expect(docs["VM image restore runbook"].rows).toEqual([
        [
            "ECO-MAIL01",
            "billu-eco-vms",
            "pvesm list billu-nfs --vmid 240",
            "qm set 240 --protection 0 && qm stop 240",
            "qmrestore VOLID 240 --force 1 --storage fast",
            "qm set 240 --protection 1 && qm start 240; pulumi refresh",
            "none (NFS images are not encrypted on the node; the export's own access control protects them)",
        ],
    ]);
    expect(docs["VM images: imaged or rebuilt"].rows.map((r) => r.slice(0, 3))).toEqual([
        ["firewall", "ECO-FW01", "rebuilt from code"],
        ["mail", "ECO-MAIL01", "imaged (every disk)"],
    ]);
});

test("PBS: the key's place on the cluster and the command that takes it out of the stack's state", () => {
    expect(pbsKeyPath("eco-pbs")).toBe("/etc/pve/priv/storage/eco-pbs.enc");
    expect(pbsKeyFromStack("eco-pbs")).toBe(
        `pulumi stack export --show-secrets | jq -r '.deployment.resources[] | select(.type == "proxmoxve:storage/pbs:Pbs" and .inputs.resourceId == "eco-pbs") | .outputs.generatedEncryptionKey' > /etc/pve/priv/storage/eco-pbs.enc`,
    );
    const docs = vmBackupDocs(planWith({ kind: "pbs", id: "eco-pbs", server: "pbs", datastore: "d", username: "u@pbs" }), () => "fast");
    expect(docs["VM image restore runbook"].rows[0][6]).toBe(
        `/etc/pve/priv/storage/eco-pbs.enc; on a cluster that lost it, first: ${pbsKeyFromStack("eco-pbs")}`,
    );
});
