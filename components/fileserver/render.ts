/**
 * Pure renderers of the file server: every file its guest steps push, from the model's file server plan. No
 * Pulumi here. Linux flavor: the RAID script's config, mdadm.conf (assembly at boot and alert address), the
 * mount unit, the mail relay for alerts, smb.conf (AD member), krb5.conf, nsswitch.conf and the share plan
 * the ACL script reads. Windows flavor: PowerShell for the Storage Spaces mirror, the shares with NTFS ACLs, and
 * the health check that mails the admin address.
 */
import { portOf } from "../../model/ports";
import { readFileSync } from "fs";
import { FileServerPlan, IdRange, SharePlan, TrustSharePlan } from "../../model/fileserver";
import { HostModel, SiteModel } from "../../model/site";
import { stepScript, toolScript } from "../guest-step/render";
import { repoPath } from "../paths";
import { CommentSyntax, generatedHeader } from "../header";

/** The in-guest path of a data disk on a Proxmox virtio-scsi VM (stable: udev names it after the drive id). */
export function scsiDiskPath(diskIndex: number): string {
    return `/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi${diskIndex}`;
}

/** systemd's escaping of a path into a unit name (`systemd-escape --path`): /srv/shares -> srv-shares. */
export function systemdUnitForPath(path: string, suffix: string): string {
    const trimmed = path.replace(/^\/+|\/+$/g, "");
    let out = "";
    for (const [i, ch] of [...trimmed].entries()) {
        if (ch === "/") out += "-";
        else if (/[A-Za-z0-9:_]/.test(ch) || (ch === "." && i > 0)) out += ch;
        else out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`;
    }
    return `${out || "-"}.${suffix}`;
}

function shQuote(s: string): string {
    return "'" + s.replace(/'/g, `'\\''`) + "'";
}

/** `BILLU\GG_DSI`: a group as winbind and Windows name it. */
export function qualified(plan: FileServerPlan, group: string): string {
    return `${plan.workgroup}\\${group}`;
}

/** The home share's folder: `<mountPoint>/<name without $>` (Linux), `<letter>:\\Shares\\<name without $>` (Windows). */
export function homePath(plan: FileServerPlan): string {
    return plan.flavor === "windows" ? `${plan.driveLetter}:\\Shares\\${plan.homes!.folder}` : `${plan.mountPoint}/${plan.homes!.folder}`;
}

export function sharePath(plan: FileServerPlan, share: SharePlan | TrustSharePlan): string {
    return plan.flavor === "windows" ? `${plan.driveLetter}:\\Shares\\${share.name}` : `${plan.mountPoint}/${share.name}`;
}

const header = (plan: FileServerPlan, what: string, comment: CommentSyntax = "#") =>
    generatedHeader(comment, { host: plan.host, what: `${what}.`, note: "Do not edit: the next pulumi up overwrites it." }) + "\n";

export const RAID_SCRIPT_PATH = "/usr/local/sbin/billu-raid1";
/**
 * The check smb.conf must pass before it is installed: testparm exits 0 even on an unknown parameter, so its
 * complaints are read too (`{}` names the candidate file).
 */
export const SMB_CONF_CHECK =
    "{ testparm -s {} 2>&1 >/dev/null || echo 'ERROR: testparm failed'; } | { ! grep -E '^(Unknown parameter|Ignoring unknown|ERROR|WARNING)'; }";
export const SHARES_SCRIPT_PATH = "/usr/local/sbin/billu-shares";

export function raidScript(): string {
    return readFileSync(repoPath("scripts", "fileserver", "billu-raid1.sh"), "utf8");
}

/** billu-shares (scripts/fileserver/billu-shares.sh) with the folder helpers it shares with billu-ftp-folders joined in. */
export function sharesScript(): string {
    return toolScript("fileserver/billu-shares.sh");
}

/** /etc/billu/raid1.conf: what billu-raid1 reads (sourced by sh, so every value is quoted). */
export function renderRaidConf(plan: FileServerPlan): string {
    const a = plan.array;
    return [
        header(plan, "the data mirror billu-raid1 keeps (mdadm RAID 1)").trimEnd(),
        `MD_NAME=${shQuote(a.name)}`,
        `MD_UUID=${shQuote(a.mdUuid)}`,
        `FS_UUID=${shQuote(a.fsUuid)}`,
        `FS_LABEL=${shQuote(a.label)}`,
        `# scsi${a.disks[0].index} (${a.disks[0].sizeGiB} GiB on ${a.disks[0].datastore}) and scsi${a.disks[1].index} (${a.disks[1].sizeGiB} GiB on ${a.disks[1].datastore})`,
        `DISKS=${shQuote(a.disks.map((d) => scsiDiskPath(d.index)).join(" "))}`,
        `MOUNT_POINT=${shQuote(plan.mountPoint)}`,
        "",
    ].join("\n");
}

/** /etc/mdadm/mdadm.conf: the array by UUID (the initramfs assembles it at boot) and who mdadm --monitor alerts. */
export function renderMdadmConf(model: SiteModel, plan: FileServerPlan): string {
    return [
        header(plan, "mdadm's configuration; update-initramfs copies it into the initramfs").trimEnd(),
        "DEVICE partitions containers",
        "HOMEHOST <system>",
        "CREATE owner=root group=disk mode=0660 auto=yes",
        `MAILADDR ${plan.alertEmail}`,
        `MAILFROM ${plan.host} mdadm <root@${plan.host.toLowerCase()}.${model.site.domain}>`,
        `ARRAY /dev/md/${plan.array.name} metadata=1.2 UUID=${plan.array.mdUuid}`,
        "",
    ].join("\n");
}

/** The systemd mount unit of the mirrored filesystem (by filesystem UUID; `nofail` keeps SSH up to repair it). */
export function renderMountUnit(plan: FileServerPlan): { name: string; content: string } {
    return {
        name: systemdUnitForPath(plan.mountPoint, "mount"),
        content: [
            header(plan, "the mirrored data filesystem").trimEnd(),
            "[Unit]",
            `Description=BillU file shares (mdadm RAID 1 ${plan.array.name})`,
            "",
            "[Mount]",
            `What=/dev/disk/by-uuid/${plan.array.fsUuid}`,
            `Where=${plan.mountPoint}`,
            "Type=ext4",
            "Options=defaults,acl,user_xattr,nofail",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
            "",
        ].join("\n"),
    };
}

/** smbd may only start when the data filesystem is mounted, so a share never writes to the OS disk. */
export function renderSmbdDropIn(plan: FileServerPlan): string {
    return [header(plan, "smbd waits for the data filesystem").trimEnd(), "[Unit]", `RequiresMountsFor=${plan.mountPoint}`, ""].join("\n");
}

/**
 * /etc/msmtprc: mdadm mails through `sendmail -t`; msmtp-mta relays to the site's mail server. Plain SMTP inside
 * the servers zone: guests do not trust the site CA yet, and an alert carries only the array's state.
 */
export function renderMsmtprc(model: SiteModel, plan: FileServerPlan): string | undefined {
    const mail = model.hostsByRole("mail")[0];
    if (!mail) return undefined;
    return [
        header(plan, "msmtp relays mdadm's alert mail to the site's mail server").trimEnd(),
        "defaults",
        "syslog LOG_MAIL",
        "tls off",
        "",
        "account default",
        `host ${mail.address}`,
        `port ${portOf("smtp")}`,
        `from root@${plan.host.toLowerCase()}.${model.site.domain}`,
        "",
    ].join("\n");
}

/** smb.conf of an AD member server: winbind with the rid backend, one section per share, SMB3 only. */
export function renderSmbConf(model: SiteModel, plan: FileServerPlan): string {
    const realm = model.site.domain.toUpperCase();
    const lines = [
        header(plan, "Samba as a member server of the AD domain, one section per share").trimEnd(),
        "[global]",
        `    workgroup = ${plan.workgroup}`,
        `    realm = ${realm}`,
        `    netbios name = ${plan.host}`,
        "    security = ADS",
        "    server role = member server",
        "    kerberos method = secrets and keytab",
        "    dedicated keytab file = /etc/krb5.keytab",
        "    winbind use default domain = no",
        "    winbind refresh tickets = yes",
        "    winbind enum users = no",
        "    winbind enum groups = no",
        "    # IDs: a fixed mapping from the domain's RIDs, the same on every member server.",
        "    idmap config * : backend = tdb",
        `    idmap config * : range = ${idRange(plan.idmap.default)}`,
        `    idmap config ${plan.workgroup} : backend = rid`,
        `    idmap config ${plan.workgroup} : range = ${idRange(plan.idmap.domain)}`,
        ...(plan.idmap.partner
            ? [
                  "    # The trusted partner's domain (billu:trust): its users reach the shares of the trust's grants, with ids from their RIDs too.",
                  `    idmap config ${plan.idmap.partner.netbios} : backend = rid`,
                  `    idmap config ${plan.idmap.partner.netbios} : range = ${idRange(plan.idmap.partner.range)}`,
              ]
            : []),
        "    template shell = /bin/false",
        "    # Permissions are the POSIX ACLs billu-shares sets from the plan, shown to Windows clients as NT ACLs.",
        "    inherit acls = yes",
        "    map acl inherit = yes",
        "    store dos attributes = yes",
        "    server min protocol = SMB3_00",
        "    smb encrypt = desired",
        "    server signing = mandatory",
        "    restrict anonymous = 2",
        "    disable netbios = yes",
        `    smb ports = ${portOf("smb")}`,
        "    load printers = no",
        "    printing = bsd",
        "    printcap name = /dev/null",
        "    disable spoolss = yes",
        "    log file = /var/log/samba/log.%m",
        "    max log size = 10000",
        "    log level = 1 auth_audit:2",
        "",
    ];
    const h = plan.homes;
    if (h) {
        // Hidden (not browseable); every account connects, but the folder ACLs (billu-shares) let each one into its
        // own folder only: the root is traverse-only for the staff group.
        lines.push(
            `[${h.name}]`,
            `    comment = ${h.comment}`,
            `    path = ${homePath(plan)}`,
            "    read only = no",
            "    browseable = no",
            "    access based share enum = yes",
            "    hide unreadable = yes",
            `    valid users = ${[plan.adminGroup, h.group].map((g) => `"@${qualified(plan, g)}"`).join(" ")}`,
            "",
        );
    }
    for (const s of plan.shares) {
        const users = [plan.adminGroup, ...s.groups].map((g) => `"@${qualified(plan, g)}"`).join(" ");
        lines.push(
            `[${s.name}]`,
            `    comment = ${s.comment}`,
            `    path = ${sharePath(plan, s)}`,
            "    read only = no",
            "    browseable = yes",
            "    access based share enum = yes",
            "    hide unreadable = yes",
            `    valid users = ${users}`,
            "",
        );
    }
    for (const t of plan.trustShares) {
        // The grant's domain-local group, never the partner's group itself: its one member is the partner's admin group
        // (the trust step), so emptying it revokes the share (docs/services/trust.md). Read-only shares: the admins write.
        lines.push(
            `[${t.name}]`,
            `    comment = ${t.comment}`,
            `    path = ${sharePath(plan, t)}`,
            `    read only = ${t.readOnly ? "yes" : "no"}`,
            ...(t.readOnly ? [`    write list = "@${qualified(plan, plan.adminGroup)}"`] : []),
            "    browseable = yes",
            "    access based share enum = yes",
            "    hide unreadable = yes",
            `    valid users = ${[plan.adminGroup, t.group].map((g) => `"@${qualified(plan, g)}"`).join(" ")}`,
            "",
        );
    }
    return lines.join("\n");
}

function idRange(r: IdRange): string {
    return `${r.low}-${r.high}`;
}

export function renderKrb5Conf(model: SiteModel, plan: FileServerPlan): string {
    const realm = model.site.domain.toUpperCase();
    return [
        header(plan, "Kerberos for the AD domain (the KDCs are found in DNS)").trimEnd(),
        "[libdefaults]",
        `    default_realm = ${realm}`,
        "    dns_lookup_realm = false",
        "    dns_lookup_kdc = true",
        "",
    ].join("\n");
}

/** Debian 12's nsswitch.conf with winbind for users and groups (ACLs name AD groups). */
export function renderNsswitch(plan: FileServerPlan): string {
    return [
        header(plan, "name services: local files, then the AD domain through winbind").trimEnd(),
        "passwd:         files systemd winbind",
        "group:          files systemd winbind",
        "shadow:         files systemd",
        "gshadow:        files systemd",
        "hosts:          files dns",
        "networks:       files",
        "protocols:      db files",
        "services:       db files",
        "ethers:         db files",
        "rpc:            db files",
        "netgroup:       nis",
        "",
    ].join("\n");
}

/**
 * /etc/billu/shares.conf: what billu-shares reads: one SHARE line per share (name|path|groups); with a home share,
 * its HOME line (name|path|staff group), WORKGROUP, and one HOME_USER line per account that gets a folder; one
 * TRUST_SHARE line per trust grant's share (name|path|the grant's domain-local group|read or modify).
 */
export function renderSharesConf(plan: FileServerPlan): string {
    const h = plan.homes;
    return [
        header(plan, "the share plan billu-shares applies (folders and ACLs)").trimEnd(),
        `MOUNT_POINT=${plan.mountPoint}`,
        `ADMIN_GROUP=${qualified(plan, plan.adminGroup)}`,
        ...plan.shares.map((s) => `SHARE=${s.name}|${sharePath(plan, s)}|${s.groups.map((g) => qualified(plan, g)).join(",")}`),
        ...(h ? [`WORKGROUP=${plan.workgroup}`, `HOME=${h.name}|${homePath(plan)}|${qualified(plan, h.group)}`, ...h.users.map((u) => `HOME_USER=${u}`)] : []),
        ...plan.trustShares.map((t) => `TRUST_SHARE=${t.name}|${sharePath(plan, t)}|${qualified(plan, t.group)}|${trustAccess(t)}`),
        "",
    ].join("\n");
}

/** A trust share's access as its folder ACL gives it: `read` (r-x; NTFS ReadAndExecute) or `modify` (rwx; NTFS Modify). */
export function trustAccess(t: TrustSharePlan): "read" | "modify" {
    return t.readOnly ? "read" : "modify";
}

/** The body of the Linux `raid1` step (scripts/fileserver/raid1-step.sh): packages, the mirror, its mount, the initramfs. */
export function raidStepScript(mountUnit: string, hasMail: boolean): string {
    return stepScript("linux", "fileserver/raid1-step.sh", { MOUNT_UNIT: mountUnit, MAIL_ALERTS: hasMail ? "1" : "0" });
}

/** The body of the Linux `samba` step (scripts/fileserver/samba-step.sh): join (once), winbind and smbd. */
export function sambaStepScript(model: SiteModel, plan: FileServerPlan, joinUser: string | undefined): string {
    return stepScript("linux", "fileserver/samba-step.sh", {
        WORKGROUP: plan.workgroup,
        JOIN_USER: joinUser ?? "",
        HOST_NAME: plan.host,
        DOMAIN_FQDN: model.site.domain,
    });
}

// ---------------------------------------------------------------------------------------------------------------
// Windows flavor

/**
 * A Windows file server script: the header, the plan's data as variables, then scripts/fileserver/<file> verbatim
 * (its logic, PowerShell-parsed and run under Pester as a file).
 */
function windowsScript(plan: FileServerPlan, what: string, file: string, data: Readonly<Record<string, string>>): string {
    return [header(plan, what).trimEnd(), stepScript("windows", `fileserver/${file}`, data), ""].join("\r\n");
}

/** storage.ps1: the two data disks as a Storage Spaces two-way mirror, NTFS, on the plan's drive letter. */
export function renderStoragePs1(plan: FileServerPlan, host: HostModel): string {
    return windowsScript(plan, "the mirrored data volume (Storage Spaces two-way mirror)", "storage.ps1", {
        HOST_NAME: host.name,
        POOL: plan.array.name,
        LETTER: plan.driveLetter,
        LABEL: plan.array.label,
        DISK_BYTES: String(plan.array.disks[0].sizeGiB * 1024 ** 3),
    });
}

/**
 * shares.ps1: one folder and SMB share per share of the plan, NTFS ACLs from its groups, access-based enumeration; the
 * trust grants' shares with their group's ReadAndExecute/Read or Modify/Change; the home share (its root, one owner-only
 * folder per planned account) when the plan has one.
 */
export function renderSharesPs1(plan: FileServerPlan): string {
    const shares = plan.shares.map((s) => ({ Name: s.name, Path: sharePath(plan, s), Comment: s.comment, Groups: s.groups.map((g) => qualified(plan, g)) }));
    const trustShares = plan.trustShares.map((t) => ({
        Name: t.name,
        Path: sharePath(plan, t),
        Comment: t.comment,
        Group: qualified(plan, t.group),
        Access: trustAccess(t) === "read" ? "Read" : "Modify",
    }));
    const h = plan.homes;
    const home = h
        ? { Name: h.name, Path: homePath(plan), Comment: h.comment, Group: qualified(plan, h.group), Domain: plan.workgroup, Users: h.users }
        : undefined;
    return windowsScript(plan, "the SMB shares and their NTFS ACLs", "shares.ps1", {
        ADMINS: qualified(plan, plan.adminGroup),
        SHARES_JSON: JSON.stringify(shares),
        TRUST_SHARES_JSON: JSON.stringify(trustShares),
        HOME_JSON: home ? JSON.stringify(home) : "",
    });
}

/** health.ps1: run hourly by a scheduled task; mails the admin address while the mirror is not healthy. */
export function renderHealthPs1(model: SiteModel, plan: FileServerPlan): string {
    const mail = model.hostsByRole("mail")[0];
    return windowsScript(plan, "the mirror's health check (scheduled task billu-storage-health)", "health.ps1", {
        HOST_NAME: plan.host,
        POOL: plan.array.name,
        SMTP_SERVER: mail ? mail.address : "",
        MAIL_FROM: `${plan.host.toLowerCase()}@${model.site.domain}`,
        MAIL_TO: plan.alertEmail,
    });
}

export const WINDOWS_DIR = "C:/ProgramData/billu/fileserver";

/** The body of the Windows step (scripts/fileserver/fileserver-step.ps1): membership, mirror, shares, health task. */
/**
 * The body of the `shares` step (scripts/fileserver/shares-step.sh or .ps1): the share folders and their ACLs, run
 * after the directory and the trust steps made the groups they name.
 */
export function sharesStepScript(model: SiteModel, plan: FileServerPlan): string {
    return plan.flavor === "linux"
        ? stepScript("linux", "fileserver/shares-step.sh")
        : stepScript("windows", "fileserver/shares-step.ps1", { HOST_NAME: plan.host, DOMAIN_FQDN: model.site.domain });
}

export function windowsStepScript(model: SiteModel, plan: FileServerPlan): string {
    return stepScript("windows", "fileserver/fileserver-step.ps1", { HOST_NAME: plan.host, DOMAIN_FQDN: model.site.domain });
}

// ---------------------------------------------------------------------------------------------------------------
// Docs

export function shareDocRows(plan: FileServerPlan): (string | number)[][] {
    // Backslashes in code spans: Markdown would otherwise eat the first of `\\`.
    const code = (t: string) => "`" + t + "`";
    const h = plan.homes;
    const home = h
        ? [
              [
                  plan.host,
                  code(`\\\\${plan.host}\\${h.name}`),
                  homePath(plan),
                  `home (${h.users.length} folders)`,
                  `each account its own folder (owner); ${code(qualified(plan, h.group))} may only traverse the root`,
                  code(qualified(plan, plan.adminGroup)),
              ],
          ]
        : [];
    return [
        ...home,
        ...plan.shares.map((s) => [
            plan.host,
            code(`\\\\${plan.host}\\${s.name}`),
            sharePath(plan, s),
            s.kind,
            s.groups.map((g) => code(qualified(plan, g))).join(", "),
            code(qualified(plan, plan.adminGroup)),
        ]),
        ...plan.trustShares.map((t) => [
            plan.host,
            code(`\\\\${plan.host}\\${t.name}`),
            sharePath(plan, t),
            `trust grant (${t.readOnly ? "read-only" : "read/write"})`,
            `${code(qualified(plan, t.group))} (its member: ${code(t.partnerGroup)})`,
            code(qualified(plan, plan.adminGroup)),
        ]),
    ];
}

export function arrayDocRows(plan: FileServerPlan): (string | number)[][] {
    const where = plan.flavor === "windows" ? `${plan.driveLetter}: (NTFS)` : `${plan.mountPoint} (ext4 ${plan.array.fsUuid})`;
    const kind = plan.flavor === "windows" ? "Storage Spaces two-way mirror" : `mdadm RAID 1 /dev/md/${plan.array.name} (${plan.array.mdUuid})`;
    return [
        [
            plan.host,
            kind,
            plan.array.disks.map((d) => `scsi${d.index}: ${d.sizeGiB} GiB on ${d.datastore}`).join(", "),
            `${plan.array.disks[0].sizeGiB} GiB`,
            where,
            plan.alertEmail,
        ],
    ];
}
