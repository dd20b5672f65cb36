/** VM images on Proxmox (billu:vmBackup): the plan of the committed stacks, the imaging per role, bad input pinned. */
import { Problems } from "../../model/errors";
import { diskImaged, planVmBackup, roleImaging, vmBackupSchema, VmBackupPlan } from "../../model/vm-backup";
import { model, problemsOf, stackRaw } from "../helpers";

const planOf = (raw: Record<string, unknown>) => model(raw).plan<VmBackupPlan>("vm-backup");

test("prod: one snapshot job on the PBS storage covers every stateful VM, the DCs with their only disk", () => {
    const plan = planOf(stackRaw("prod"))!;
    expect(plan.storage).toEqual({
        kind: "pbs",
        id: "billu-pbs",
        server: "pbs1.billu.remindme.lan",
        datastore: "billu",
        username: "pve-backup@pbs!pve",
        namespace: "prod",
    });
    expect(plan.nodes).toEqual(["pve1", "pve2", "pve3"]);
    expect(plan.jobs).toEqual([
        {
            id: "billu-par-vms",
            schedule: "01:00",
            mode: "snapshot",
            retention: { keepDaily: 7, keepWeekly: 4, keepMonthly: 6 },
            // The site runs billu:mail: its postmaster (GG_DSI, IT) gets the report.
            mailTo: ["postmaster@billu.remindme.lan"],
            mailNotification: "always",
            vms: [
                { name: "PAR-DC01", vmId: 110, node: "pve1", role: "dc", disks: ["scsi0"] },
                { name: "PAR-DC02", vmId: 111, node: "pve2", role: "dc", disks: ["scsi0"] },
                { name: "PAR-DC03", vmId: 112, node: "pve3", role: "dc", disks: ["scsi0"] },
                { name: "PAR-FS01", vmId: 130, node: "pve2", role: "fileserver", disks: ["scsi0", "scsi1", "scsi2"] },
                { name: "PAR-MAIL01", vmId: 140, node: "pve3", role: "mail", disks: ["scsi0", "scsi1"] },
                { name: "PAR-LOG01", vmId: 160, node: "pve2", role: "logs", disks: ["scsi0"] },
                { name: "PAR-BKP01", vmId: 170, node: "pve1", role: "backup", disks: ["scsi0"] },
                { name: "PAR-MON01", vmId: 180, node: "pve3", role: "monitoring", disks: ["scsi0", "scsi1"] },
                { name: "PAR-FTP01", vmId: 190, node: "pve1", role: "ftp", disks: ["scsi0"] },
                { name: "PAR-PBX01", vmId: 210, node: "pve2", role: "pbx", disks: ["scsi0"] },
                { name: "PAR-GLPI01", vmId: 220, node: "pve3", role: "assets", disks: ["scsi0"] },
            ],
        },
    ]);
    // Every stateful host of the model is in a job, and nothing else is.
    const m = model(stackRaw("prod"));
    expect(plan.jobs.flatMap((j) => j.vms.map((v) => v.name))).toEqual(m.hosts.filter((h) => h.stateful).map((h) => h.name));
});

test("per role: the stateful roles are imaged whole, the others rebuilt from code, each with its reason", () => {
    const plan = planOf(stackRaw("prod"))!;
    expect(plan.roles.map((r) => [r.role, r.imaged, r.hosts.join(" ")])).toEqual([
        ["firewall", false, "PAR-FW01"],
        ["dc", true, "PAR-DC01 PAR-DC02 PAR-DC03"],
        ["dhcp", false, "PAR-DHCP01 PAR-DHCP02"],
        ["fileserver", true, "PAR-FS01"],
        ["mail", true, "PAR-MAIL01"],
        ["web", false, "PAR-WEB01"],
        ["wsus", false, "PAR-WSUS01"],
        ["logs", true, "PAR-LOG01"],
        ["backup", true, "PAR-BKP01"],
        ["monitoring", true, "PAR-MON01"],
        ["ftp", true, "PAR-FTP01"],
        ["pbx", true, "PAR-PBX01"],
        ["mx", false, "PAR-MX01"],
        ["assets", true, "PAR-GLPI01"],
    ]);
    expect(plan.roles.find((r) => r.role === "dc")!.why).toBe(
        "the AD database (ntds.dit or Samba's sam.ldb) and SYSVOL live on the OS disk, the DC's only disk: a DC's image is its backup",
    );
    expect(roleImaging("dhcp", false).why).toBe("rebuilt from code: every file its guest steps need is rendered by the stack, nothing on it is unique");
    expect(roleImaging("backup", true).why).toBe("stateful role: its data would be lost with the VM, so the whole VM is imaged");
});

test("the disk flag: every disk of a stateful VM, only the data disks of a stateless one", () => {
    expect([0, 1].map((i) => diskImaged({ stateful: true }, i))).toEqual([true, true]);
    expect([0, 1].map((i) => diskImaged({ stateful: false }, i))).toEqual([false, true]);
});

test("dev: the NFS fallback, defaults filled in, the report to postmaster", () => {
    const plan = planOf(stackRaw("dev"))!;
    expect(plan.storage).toEqual({ kind: "nfs", id: "billu-nfs", server: "nas-lab.billu.remindme.lan", export: "/srv/backup/pve-lab" });
    expect(plan.jobs.map((j) => [j.id, j.schedule, j.retention, j.mailTo, j.vms.map((v) => v.name)])).toEqual([
        [
            "billu-par-vms",
            "01:00",
            { keepDaily: 3, keepWeekly: 2, keepMonthly: 1 },
            ["postmaster@billu.remindme.lan"],
            ["PAR-DC01", "PAR-FS01", "PAR-MAIL01", "PAR-LOG01", "PAR-BKP01", "PAR-MON01", "PAR-FTP01", "PAR-GLPI01", "PAR-PBX01"],
        ],
    ]);
});

test("mailTo overrides the default; without billu:mail and mailTo nobody is mailed", () => {
    const raw = stackRaw("dev");
    raw.vmBackup.mailTo = ["dsi-alertes@billu.remindme.lan"];
    expect(planOf(raw)!.jobs[0].mailTo).toEqual(["dsi-alertes@billu.remindme.lan"]);
    // The planner alone: a site without billu:mail (no mail domain) and no mailTo.
    const problems = new Problems();
    const plan = planVmBackup(
        {
            site: { code: "ECO" },
            cfg: vmBackupSchema.parse({ storage: { kind: "nfs", server: "nas", export: "/srv/pve" } }),
            hosts: [{ name: "ECO-DC01", role: "dc", vmId: 200, node: "pve1", stateful: true, disks: [{ datastore: "local-lvm", sizeGiB: 40 }] }],
            nodes: ["pve1"],
        },
        problems,
    )!;
    expect(problems.all).toEqual([]);
    expect([plan.jobs[0].id, plan.jobs[0].mailTo, plan.storage]).toEqual([
        "billu-eco-vms",
        [],
        { kind: "nfs", id: "billu-nfs", server: "nas", export: "/srv/pve" },
    ]);
});

test("no billu:vmBackup: no plan", () => {
    const raw = stackRaw("dev");
    delete raw.vmBackup;
    expect(planOf(raw)).toBeUndefined();
});

describe("bad input names the key, shows the value and says how to fix it", () => {
    test.each([
        [
            "an unknown storage kind",
            (raw: Record<string, any>) => (raw.vmBackup.storage = { kind: "cifs", server: "nas", export: "/x" }),
            [`billu:vmBackup.storage.kind: is "cifs". Fix: use one of pbs, nfs`],
        ],
        [
            "a PBS user without its realm, a bad fingerprint",
            (raw: Record<string, any>) => (raw.vmBackup.storage = { kind: "pbs", server: "pbs", datastore: "d", username: "backup", fingerprint: "AB:CD" }),
            [
                `billu:vmBackup.storage.username: is "backup", which is not a PBS user or API token id. Fix: write the user as \`user@realm\` (\`pve-backup@pbs\`) or the token as \`user@realm!token\``,
                `billu:vmBackup.storage.fingerprint: is "AB:CD", which is not a SHA-256 fingerprint. Fix: copy it from \`proxmox-backup-manager cert info\` on the PBS server: 32 hex pairs separated by colons`,
            ],
        ],
        [
            "a PBS storage without its datastore and user, with an NFS field",
            (raw: Record<string, any>) => (raw.vmBackup.storage = { kind: "pbs", server: "pbs", export: "/srv/pve" }),
            [
                "billu:vmBackup.storage.datastore: is required for kind pbs but missing. Fix: set billu:vmBackup.storage.datastore",
                "billu:vmBackup.storage.username: is required for kind pbs but missing. Fix: set billu:vmBackup.storage.username",
                `billu:vmBackup.storage.export: is "/srv/pve", a field of kind nfs, but the storage's kind is pbs. Fix: remove it, or set kind: nfs`,
            ],
        ],
        [
            "a storage id Proxmox would refuse",
            (raw: Record<string, any>) => (raw.vmBackup.storage = { kind: "nfs", server: "nas", id: "Bad Id" }),
            [
                'billu:vmBackup.storage.id: is "Bad Id", which is not a Proxmox storage id. Fix: write a lower-case letter, then 1 to 31 of a-z 0-9 - _ . (`billu-pbs`)',
            ],
        ],
        [
            "an NFS storage without its export (the id fine)",
            (raw: Record<string, any>) => (raw.vmBackup.storage = { kind: "nfs", server: "nas" }),
            ["billu:vmBackup.storage.export: is required for kind nfs but missing. Fix: set billu:vmBackup.storage.export"],
        ],
        [
            "a schedule with a shell character",
            (raw: Record<string, any>) => (raw.vmBackup.schedule = "01:00; rm -rf /"),
            [
                `billu:vmBackup.schedule: is "01:00; rm -rf /", which is not a Proxmox calendar event. Fix: write one like \`01:00\`, \`mon..fri 21:00\` or \`*-*-* 02:30\` (letters, digits, spaces and . : , * / ~ - only)`,
            ],
        ],
        [
            "a mail address without a domain",
            (raw: Record<string, any>) => (raw.vmBackup.mailTo = ["it"]),
            [`billu:vmBackup.mailTo[0]: is "it", which is not an e-mail address. Fix: write a full address (\`dsi-alertes@billu.remindme.lan\`)`],
        ],
    ])("%s", (_what, edit, expected) => {
        const raw = stackRaw("dev");
        edit(raw);
        expect(problemsOf(raw)).toEqual(expected);
    });

    test("a site with no stateful VM for the job to cover", () => {
        const raw = stackRaw("dev");
        raw.hosts = raw.hosts.filter((h: { role: string }) => h.role === "firewall");
        expect(problemsOf(raw).filter((p) => p.startsWith("billu:vmBackup"))).toEqual([
            `billu:vmBackup: is set, but billu:hosts has no stateful VM for its job to cover (got ["PAR-FW01"]). Fix: remove billu:vmBackup, or add the stateful hosts (dc, fileserver, mail, logs) it should image`,
        ]);
    });
});
