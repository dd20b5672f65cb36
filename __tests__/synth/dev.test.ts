/** Offline synthesis of the committed dev stack under the mock runtime: exact children, inputs, order, no leak. */
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { SynthResult } from "../../tools/synth";
import { filesUnder, ROOT, secretLeaks, orderingDeps, stackRaw, VM_HOST_KEY_PART } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

let r: SynthResult;
let out: string;

beforeAll(async () => {
    ({ r, out } = await committedSynth("dev"));
}, SYNTH_TIMEOUT);

function byType(t: string) {
    return r.resources.filter((x) => x.type === t);
}

test("synthesizes clean", () => {
    expect(r.error).toBeUndefined();
    expect(r.violations).toEqual([]);
    expect(r.exitCode).toBe(0);
});

test("one VM per host, each NIC with the Proxmox firewall on, the router in every zone", () => {
    const vms = byType("proxmoxve:index/vmLegacy:VmLegacy");
    // One per host of dev's billu:hosts, by name (the stack's config, not the program's output).
    expect(vms.map((v) => v.inputs.name).sort()).toEqual((stackRaw("dev").hosts as { name: string }[]).map((h) => h.name).sort());
    expect(vms.length).toBe(15);
    const fw = vms.find((v) => v.inputs.name === "PAR-FW01")!;
    const nics = fw.inputs.networkDevices as { vlanId?: number; firewall: boolean; bridge: string }[];
    expect(nics.map((n) => n.vlanId ?? "untagged")).toEqual([10, "untagged", 100, 200, 20, 21, 22, 23, 24, 25, 26, 27, 28]);
    expect(vms.flatMap((v) => v.inputs.networkDevices as { firewall: boolean }[]).every((n) => n.firewall)).toBe(true);
    const fs = vms.find((v) => v.inputs.name === "PAR-FS01")!;
    expect(fs.inputs.disks).toEqual([
        // A stateful VM's OS disk is in its image too (model/vm-backup.ts): a restored file server boots as it was.
        expect.objectContaining({ interface: "scsi0", datastoreId: "local-lvm", size: 16, backup: true }),
        expect.objectContaining({ interface: "scsi1", datastoreId: "data-a", size: 16, backup: true }),
        expect.objectContaining({ interface: "scsi2", datastoreId: "data-b", size: 16, backup: true }),
    ]);
    expect(fs.inputs.clone).toEqual({ full: true, nodeName: "pve1", retries: 3, vmId: 9000 });
    expect(fs.inputs.initialization).toMatchObject({
        ipConfigs: [{ ipv4: { address: "10.20.10.31/24", gateway: "10.20.10.1" } }],
        dns: { servers: ["10.20.10.11"] },
    });
});

test("child names derive from the component name and parents are set", () => {
    const vm = r.resources.find((x) => x.name === "par-dhcp01-vm")!;
    expect(vm.parent).toBe("urn:pulumi:dev::billu-infra::billu:compute:BaseServer$billu:compute:ProxmoxVm::par-dhcp01");
    expect(r.resources.filter((x) => !x.parent).map((x) => x.urn)).toEqual(["urn:pulumi:dev::billu-infra::billu:site:Site::par"]);
});

test("deployment order: every in-guest step waits for the router's configuration", () => {
    const routerApply = r.resources.find((x) => x.name === "par-fw01-router-apply")!.urn;
    // The directory's step waits for the domain (pinned in __tests__/synth/directory.test.ts).
    const prepares = byType("command:remote:Command").filter((c) => c.name.endsWith("-prepare") && !c.name.startsWith("par-directory-"));
    expect(prepares.map((p) => p.name).sort()).toEqual([
        "par-bkp01-backup-server-prepare",
        "par-bkp01-base-prepare",
        // The client: its base step, its join, and the first DC's delegation of its OU (components/client/role.ts).
        "par-cli01-base-prepare",
        "par-cli01-client-join-prepare",
        // The Windows 11 client: its base step (the monitoring agent), its join, then (after the join's reboot) its RSoP.
        "par-cli02-base-prepare",
        "par-cli02-client-join-prepare",
        "par-cli02-client-rsop-prepare",
        "par-client-ou-prepare",
        "par-dc01-base-prepare",
        "par-dc01-dc-prepare",
        "par-dhcp01-ad-join-prepare",
        "par-dhcp01-base-prepare",
        "par-dhcp01-kea-packages-prepare",
        "par-dhcp01-kea-prepare",
        "par-domain-domain-prepare",
        "par-domain-fsmo-par-dc01-prepare",
        "par-domain-site-ca-prepare",
        "par-fs01-base-prepare",
        "par-fs01-raid1-prepare",
        "par-fs01-samba-prepare",
        // The file server's shares, after the directory (components/fileserver/role.ts shareFileServers).
        "par-fs01-shares-prepare",
        "par-ftp01-ad-join-prepare",
        "par-ftp01-base-prepare",
        "par-ftp01-ftp-server-prepare",
        "par-fw01-base-prepare",
        "par-fw01-dhcp-relay-step-prepare",
        "par-fw01-router-prepare",
        "par-glpi01-ad-join-prepare",
        "par-glpi01-base-prepare",
        "par-glpi01-directory-prepare",
        "par-glpi01-glpi-server-prepare",
        "par-gpo-apply-prepare",
        "par-log01-base-prepare",
        "par-log01-logs-collector-prepare",
        "par-mail01-ad-join-prepare",
        "par-mail01-base-prepare",
        "par-mail01-directory-prepare",
        "par-mail01-mail-prepare",
        "par-mail01-packages-prepare",
        "par-mail01-store-prepare",
        "par-mail01-webmail-packages-prepare",
        "par-mail01-webmail-prepare",
        "par-mon01-base-prepare",
        "par-mon01-monitoring-config-prepare",
        "par-mon01-monitoring-server-prepare",
        "par-mx01-base-prepare",
        "par-mx01-mx-relay-prepare",
        "par-pbx01-base-prepare",
        "par-pbx01-pbx-prepare",
        "par-web01-apache-packages-prepare",
        "par-web01-base-prepare",
        "par-web01-web-prepare",
    ]);
    // Role steps follow their host's base step (DHCP: __tests__/synth/dhcp.test.ts; the domain: domain-order.test.ts; web: web.test.ts).
    // The router's and the DC's base steps run once the host is configured (its ruleset, its promotion).
    const deps = (name: string) => r.resources.find((x) => x.name === name)!.options.dependsOn.filter((u) => !VM_HOST_KEY_PART.test(u));
    expect(deps("par-fw01-base-prepare")).toEqual([routerApply, r.resources.find((x) => x.name === "par-fw01-vm")!.urn].sort());
    expect(deps("par-dc01-base-prepare")).toEqual(
        [r.resources.find((x) => x.name === "par-dc01-dc-apply")!.urn, r.resources.find((x) => x.name === "par-dc01-vm")!.urn].sort(),
    );
    for (const p of prepares.filter((x) => /-(base|router|dc)-prepare$/.test(x.name) && !["par-fw01-base-prepare", "par-dc01-base-prepare"].includes(x.name))) {
        const vm = r.resources.find((x) => x.name === p.name.replace(/-(base|router|dc)-prepare$/, "-vm"))!.urn;
        expect(p.options.dependsOn.filter((u) => !VM_HOST_KEY_PART.test(u))).toEqual(p.name.startsWith("par-fw01") ? [vm] : [vm, routerApply].sort());
    }
});

test("the rendered folder holds exactly what the copies push", () => {
    const copies = byType("command:remote:CopyToRemote");
    for (const c of copies) {
        const local = (c.inputs.source as { fileAsset: string }).fileAsset;
        expect(local.startsWith(path.join(out, "rendered"))).toBe(true);
        expect(readFileSync(local, "utf8").length).toBeGreaterThan(0);
    }
    const rendered = filesUnder(path.join(out, "rendered"));
    expect(rendered.sort()).toEqual(copies.map((c) => (c.inputs.source as { fileAsset: string }).fileAsset).sort());
    expect(readFileSync(path.join(out, "rendered", "PAR-FW01", "etc", "nftables.conf"), "utf8")).toContain("policy drop;");
});

test("no secret the mocks produced appears in any synth output", () => {
    expect(r.producedSecrets.length).toBeGreaterThan(0);
    expect(secretLeaks(out, r.producedSecrets)).toEqual([]);
    // The check itself finds a planted one.
    const planted = mkdtempSync(path.join(tmpdir(), "billu-leak-"));
    writeFileSync(path.join(planted, "run.sh"), `echo ${r.producedSecrets[0]}\n`);
    expect(secretLeaks(planted, r.producedSecrets)).toEqual([`${path.join(planted, "run.sh")} leaks ${r.producedSecrets[0]}`]);
});

test("resources.json and policy-report.json keep their documented shape", () => {
    const res = JSON.parse(readFileSync(path.join(out, "resources.json"), "utf8"));
    expect(Object.keys(res)).toEqual(["project", "stack", "resources"]);
    expect(Object.keys(res.resources[0]).sort()).toEqual(
        ["custom", "inputs", "name", "options", "type", "urn"].concat(res.resources[0].parent ? ["parent"] : []).sort(),
    );
    expect(Object.keys(res.resources[0].options).sort()).toEqual([
        "additionalSecretOutputs",
        "deleteBeforeReplace",
        "dependsOn",
        "ignoreChanges",
        "protect",
        "replaceWith",
        "retainOnDelete",
    ]);
    const report = JSON.parse(readFileSync(path.join(out, "policy-report.json"), "utf8"));
    expect(report).toEqual({ stack: "dev", violations: [] });
    const docs = readFileSync(path.join(out, "docs", "README.md"), "utf8");
    for (const h of ["## Addressing plan", "## Hosts", "## Network diagram", "```mermaid", "## Flow matrix"]) expect(docs).toContain(h);
});

test("the file server: mirror step after the base step, Samba after the mirror, shares and array in the docs", () => {
    const apply = (n: string) => r.resources.find((x) => x.name === n)!.urn;
    const prepare = (n: string) => r.resources.find((x) => x.name === n)!;
    expect(orderingDeps(prepare("par-fs01-raid1-prepare"))).toEqual([apply("par-fs01-base-apply")]);
    // Samba waits for the mirror and for the domain (the dc role's last step), and there is no SSSD join: Samba joins.
    expect(orderingDeps(prepare("par-fs01-samba-prepare"))).toEqual([apply("par-domain-domain-apply"), apply("par-fs01-raid1-apply")].sort());
    expect(r.resources.some((x) => x.name === "par-fs01-ad-join")).toBe(false);
    const samba = r.resources.find((x) => x.name === "par-fs01-samba-apply")!;
    expect(samba.inputs.stdin).toBe("[secret]");
    const run = readFileSync(path.join(out, "rendered", "PAR-FS01", "var", "lib", "billu", "stage", "samba", "run.sh"), "utf8");
    expect(run).toContain("\nJOIN_USER='svc-domain-join'\n");
    expect(run).toContain('PASSWD="$(billu_secret domain-join)" net ads join -U "$JOIN_USER" --no-dns-updates');
    const chain: string[] = [];
    for (let x = r.resources.find((y) => y.name === "par-fs01-vm"); x; x = r.resources.find((y) => y.urn === x!.parent)) chain.push(`${x.type}::${x.name}`);
    expect(chain).toEqual([
        "proxmoxve:index/vmLegacy:VmLegacy::par-fs01-vm",
        "billu:compute:ProxmoxVm::par-fs01",
        "billu:compute:BaseServer::par-fs01",
        "billu:fileserver:FileServerRaid1::par-fs01",
        "billu:site:Site::par",
    ]);
    const rendered = (p: string) => readFileSync(path.join(out, "rendered", "PAR-FS01", p), "utf8");
    expect(rendered("usr/local/sbin/billu-raid1")).toBe(readFileSync(path.join(ROOT, "scripts", "fileserver", "billu-raid1.sh"), "utf8"));
    expect(rendered("etc/billu/raid1.conf")).toContain(
        "DISKS='/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi1 /dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi2'",
    );
    const docs = readFileSync(path.join(out, "docs", "README.md"), "utf8");
    expect(docs).toContain("## File server shares");
    expect(docs).toContain("| PAR-FS01 | `\\\\PAR-FS01\\dsi` | /srv/shares/dsi | department | `BILLU\\GG_DSI` | `BILLU\\Domain Admins` |");
    expect(docs).toContain("## File server array");
    expect(docs).toContain("scsi1: 16 GiB on data-a, scsi2: 16 GiB on data-b");
});
