/** The file server's renderers, on the dev plan and on a Windows variant of it: exact text where it matters. */
import { execFileSync, spawnSync } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";
import {
    raidStepScript,
    renderHealthPs1,
    renderMdadmConf,
    renderMountUnit,
    renderRaidConf,
    renderSharesConf,
    renderSharesPs1,
    renderSmbConf,
    renderStoragePs1,
    sambaStepScript,
    sharesStepScript,
    systemdUnitForPath,
    windowsStepScript,
} from "../../components/fileserver/render";
import { repoPath } from "../../components/paths";
import { model, ROOT, stackRaw } from "../helpers";

const dev = model(stackRaw("dev"));
const plan = dev.fileservers![0];

function windowsModel() {
    const raw = stackRaw("dev");
    raw.hosts[3].os = "windows-2022-gui";
    raw.hosts[3].joinDomain = false; // Windows members are not joined by this program
    raw.fileserver.flavor = "windows";
    // Without the home share and its Documents redirection GPO (the Windows home share runs under Pester: FileServerShares.Tests.ps1).
    delete raw.fileserver.homeShare;
    raw.gpo.gpos = raw.gpo.gpos.filter((g: { policies: Record<string, unknown> }) => !g.policies.folderRedirectionDocuments);
    return model(raw);
}

describe("linux flavor", () => {
    test("raid1.conf names the array, the filesystem, the two data disks and the mount point", () => {
        expect(renderRaidConf(plan).split("\n").slice(1)).toEqual([
            "MD_NAME='billu-data'",
            `MD_UUID='${plan.array.mdUuid}'`,
            `FS_UUID='${plan.array.fsUuid}'`,
            "FS_LABEL='billu-data'",
            "# scsi1 (16 GiB on data-a) and scsi2 (16 GiB on data-b)",
            "DISKS='/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi1 /dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi2'",
            "MOUNT_POINT='/srv/shares'",
            "",
        ]);
    });

    test("mdadm.conf: the array by UUID for assembly at boot, alerts to the admin address", () => {
        const conf = renderMdadmConf(dev, plan);
        expect(conf).toContain(`\nARRAY /dev/md/billu-data metadata=1.2 UUID=${plan.array.mdUuid}\n`);
        expect(conf).toContain("\nMAILADDR dsi-alertes@billu.remindme.lan\n");
        expect(conf).toContain("\nMAILFROM PAR-FS01 mdadm <root@par-fs01.billu.remindme.lan>\n");
    });

    test("the mount unit is named as systemd escapes the path, and mounts by filesystem UUID", () => {
        expect(systemdUnitForPath("/srv/shares", "mount")).toBe("srv-shares.mount");
        expect(systemdUnitForPath("/srv/file-shares/data.v2", "mount")).toBe("srv-file\\x2dshares-data.v2.mount");
        const unit = renderMountUnit(plan);
        expect(unit.name).toBe("srv-shares.mount");
        expect(unit.content).toContain(`\nWhat=/dev/disk/by-uuid/${plan.array.fsUuid}\nWhere=/srv/shares\nType=ext4\n`);
    });

    test("smb.conf: an AD member, one section per share open to its groups and the admins", () => {
        const conf = renderSmbConf(dev, plan);
        expect(conf).toContain("\n    security = ADS\n    server role = member server\n");
        expect(conf).toContain("\n    realm = BILLU.REMINDME.LAN\n");
        expect(conf.match(/^\[[a-z$-]+\]$/gm)).toEqual(["[global]", "[home$]", ...plan.shares.map((s) => `[${s.name}]`)]);
        // The home share: hidden, open to the staff group and the admins (each account's folder ACL does the rest).
        expect(conf).toContain(
            [
                "[home$]",
                "    comment = Home folders (Documents redirection)",
                "    path = /srv/shares/home",
                "    read only = no",
                "    browseable = no",
                "    access based share enum = yes",
                "    hide unreadable = yes",
                '    valid users = "@BILLU\\Domain Admins" "@BILLU\\GG_Personnel"',
                "",
            ].join("\n"),
        );
        expect(conf).toContain(
            [
                "[finance-et-comptabilite]",
                "    comment = Finance et Comptabilité (department share)",
                "    path = /srv/shares/finance-et-comptabilite",
                "    read only = no",
                "    browseable = yes",
                "    access based share enum = yes",
                "    hide unreadable = yes",
                '    valid users = "@BILLU\\Domain Admins" "@BILLU\\GG_Finance-et-Comptabilite"',
            ].join("\n"),
        );
        expect(conf).toContain("[commun]\n    comment = Common share (all staff)\n    path = /srv/shares/commun\n");
    });

    test("shares.conf: what billu-shares applies", () => {
        expect(renderSharesConf(plan).split("\n").slice(1, 5)).toEqual([
            "MOUNT_POINT=/srv/shares",
            "ADMIN_GROUP=BILLU\\Domain Admins",
            "SHARE=direction|/srv/shares/direction|BILLU\\GG_Direction",
            "SHARE=dsi|/srv/shares/dsi|BILLU\\GG_DSI",
        ]);
        // The home share: one HOME_USER line per account of the plan's home share, nothing else.
        const lines = renderSharesConf(plan).split("\n");
        expect(lines.filter((l) => /^(WORKGROUP|HOME)=/.test(l))).toEqual(["WORKGROUP=BILLU", "HOME=home$|/srv/shares/home|BILLU\\GG_Personnel"]);
        expect(lines.filter((l) => l.startsWith("HOME_USER=")).map((l) => l.slice(10))).toEqual(plan.homes!.users);
    });

    test("the raid1 step rebuilds the initramfs only when mdadm.conf changed", () => {
        const body = raidStepScript("srv-shares.mount", true);
        expect(body).toContain("/usr/local/sbin/billu-raid1\n");
        expect(body).toContain("if billu_changed /etc/mdadm/mdadm.conf; then update-initramfs -u; systemctl restart mdmonitor.service; fi");
        expect(body.startsWith("MOUNT_UNIT='srv-shares.mount'\nMAIL_ALERTS='1'\n")).toBe(true);
        expect(raidStepScript("srv-shares.mount", false).startsWith("MOUNT_UNIT='srv-shares.mount'\nMAIL_ALERTS='0'\n")).toBe(true);
        // The packages, run for real by the shell with billu_apt_install recorded: msmtp only with mail alerts.
        const installs = (mail: boolean) =>
            execFileSync(
                "sh",
                [
                    "-c",
                    `command() { return 1; }; billu_apt_install() { echo "$*"; }; systemctl() { :; }; ${raidStepScript("u.mount", mail).split("\n# The mirror")[0]}`,
                ],
                {
                    encoding: "utf8",
                },
            ).trim();
        expect(installs(true)).toBe("mdadm samba winbind libnss-winbind acl msmtp-mta");
        expect(installs(false)).toBe("mdadm samba winbind libnss-winbind acl");
    });

    test("the samba step joins with the secret from stdin only, or stops with a clear message", () => {
        const withJoin = sambaStepScript(dev, plan, "svc-join");
        expect(withJoin).toContain("JOIN_USER='svc-join'\n");
        expect(withJoin).toContain(`PASSWD="$(billu_secret domain-join)" net ads join -U "$JOIN_USER" --no-dns-updates`);
        const without = sambaStepScript(dev, plan, undefined);
        expect(without).toContain("JOIN_USER=''\nHOST_NAME='PAR-FS01'\nDOMAIN_FQDN='billu.remindme.lan'\n");
        // Run by the shell, not a member and no credential: it stops with the message that says how to fix it. Every
        // command that would touch this machine is a stub, so a broken script cannot change it.
        const HOST_STUBS =
            "net() { return 1; }; systemctl() { :; }; wbinfo() { return 0; }; billu_changed() { return 1; }; billu_log() { :; }; PASSWD=; sleep() { :; };";
        const run = spawnSync("sh", ["-c", `${HOST_STUBS} billu_die() { echo "$*"; exit 9; }; ${without}`], {
            encoding: "utf8",
        });
        expect([run.status, run.stdout]).toEqual([
            9,
            "PAR-FS01 is not a member of billu.remindme.lan: join it once (net ads join -U <admin>), or give FileServerRaid1 a domainJoin credential\n",
        ]);
        // The shares are the `shares` step's, which waits for winbind before billu-shares resolves the groups.
        expect(without).not.toContain("/usr/local/sbin/billu-shares");
        const shares = sharesStepScript(dev, plan);
        expect(shares.indexOf("wbinfo -P")).toBeGreaterThan(-1);
        expect(shares.indexOf("wbinfo -P")).toBeLessThan(shares.indexOf("/usr/local/sbin/billu-shares"));
    });

    // dash is Debian's /bin/sh, so it is on every machine this suite runs on; busybox ash is not (it comes with
    // the lab packages): labs/raid1 parses both scripts with its guest's busybox, the one that runs billu-raid1.
    test.each([["billu-raid1.sh"], ["billu-shares.sh"]])("%s parses as POSIX sh (dash)", (script) => {
        const file = repoPath("scripts", "fileserver", script);
        const dash = spawnSync("dash", ["-n", file], { encoding: "utf8" });
        expect([dash.error?.message, dash.status, dash.stderr]).toEqual([undefined, 0, ""]);
    });
});

describe("windows flavor: PowerShell from the same plan", () => {
    const m = windowsModel();
    const wplan = m.fileservers![0];
    const host = m.host("PAR-FS01");

    /** A rendered script's header, its data (`$NAME = 'value'` lines) and the rest, which must be the shipped file verbatim. */
    function parts(ps: string, file: string): { header: string; data: Record<string, string> } {
        const lines = ps.split("\r\n");
        const data: Record<string, string> = {};
        let i = 1;
        for (let m = /^\$([A-Z][A-Z0-9_]*) = '((?:[^']|'')*)'$/.exec(lines[i]); m; m = /^\$([A-Z][A-Z0-9_]*) = '((?:[^']|'')*)'$/.exec(lines[++i])) {
            data[m[1]] = m[2].replace(/''/g, "'");
        }
        const shipped = readFileSync(path.join(ROOT, "scripts", "fileserver", file), "utf8")
            .trimEnd()
            .replace(/\r?\n/g, "\r\n");
        expect(lines.slice(i).join("\r\n")).toBe(shipped + "\r\n");
        return { header: lines[0], data };
    }

    test("storage.ps1: the plan's pool, letter, label and disk size, then scripts/fileserver/storage.ps1 verbatim", () => {
        const ps = renderStoragePs1(wplan, host);
        expect(parts(ps, "storage.ps1")).toEqual({
            header: "# Generated by billu-infra for PAR-FS01: the mirrored data volume (Storage Spaces two-way mirror). Do not edit: the next pulumi up overwrites it.",
            data: { HOST_NAME: "PAR-FS01", POOL: wplan.array.name, LETTER: "S", LABEL: wplan.array.label, DISK_BYTES: "17179869184" },
        });
        expect(ps).toContain("-ResiliencySettingName Mirror -NumberOfDataCopies 2");
        expect(ps).not.toMatch(/Remove-(StoragePool|VirtualDisk)|Clear-Disk/);
        expect(ps.split("\r\n").every((l) => !l.includes("\n"))).toBe(true);
    });

    test("shares.ps1: every share with its groups as JSON data, then scripts/fileserver/shares.ps1 verbatim", () => {
        const { data } = parts(renderSharesPs1(wplan), "shares.ps1");
        expect(data.ADMINS).toBe("BILLU\\Domain Admins");
        const shares = JSON.parse(data.SHARES_JSON) as { Name: string; Path: string; Comment: string; Groups: string[] }[];
        expect(shares.map((s) => s.Name)).toEqual(wplan.shares.map((s) => s.name));
        for (const s of shares) expect(s.Path).toBe(`S:\\Shares\\${s.Name}`);
        expect(shares.find((s) => s.Name === "dsi")!.Groups).toEqual(["BILLU\\GG_DSI"]);
    });

    test("health.ps1 mails the admin address through the site's mail server while the mirror is unhealthy", () => {
        const { data } = parts(renderHealthPs1(m, wplan), "health.ps1");
        expect(data).toEqual({
            HOST_NAME: "PAR-FS01",
            POOL: wplan.array.name,
            SMTP_SERVER: "10.20.10.41",
            MAIL_FROM: "par-fs01@billu.remindme.lan",
            MAIL_TO: "dsi-alertes@billu.remindme.lan",
        });
    });

    test("the step checks membership first, then the mirror and the health task (registered once); the shares step checks membership, then the shares", () => {
        const body = windowsStepScript(m, wplan);
        const order = ["PartOfDomain", "storage.ps1", "Get-ScheduledTask -TaskName 'billu-storage-health'"].map((s) => body.indexOf(s));
        expect(order.every((i) => i >= 0)).toBe(true);
        expect([...order].sort((a, b) => a - b)).toEqual(order);
        expect(body).not.toContain("shares.ps1'");
        const shares = sharesStepScript(m, wplan);
        const sharesOrder = ["PartOfDomain", "& 'C:\\ProgramData\\billu\\fileserver\\shares.ps1'"].map((s) => shares.indexOf(s));
        expect(sharesOrder.every((i) => i >= 0)).toBe(true);
        expect([...sharesOrder].sort((a, b) => a - b)).toEqual(sharesOrder);
    });
});
