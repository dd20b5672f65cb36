/**
 * The mail store on the mail host's data disk (step `mail-store`): scripts/mail/billu-mail-store.sh, installed
 * verbatim, and the config it reads, rendered from the host's disks. A mail host without a data disk keeps its
 * mailboxes on the OS disk and has no such step. No Pulumi here.
 */
import { readFileSync } from "fs";
import type { HostModel } from "../../model/site";
import { StepSpec, stepScript } from "../guest-step/render";
import { generatedHeader } from "../header";
import { repoPath } from "../paths";
import { MAIL_PATHS } from "./common";

export const MAIL_STORE_SCRIPT_PATH = "/usr/local/sbin/billu-mail-store";
export const MAIL_STORE_CONF_PATH = "/etc/billu/mail-store.conf";
/** The ext4 label the store is created with. */
export const MAIL_STORE_LABEL = "billu-vmail";

/**
 * The in-guest path of the VM's disk `scsi<index>` (Proxmox virtio-scsi): udev names it after the drive id, so it
 * is stable across boots, unlike /dev/sdX. (The file server's renderer has the same rule for its RAID disks.)
 */
export function mailDiskPath(diskIndex: number): string {
    return `/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi${diskIndex}`;
}

function shQuote(s: string): string {
    return "'" + s.replace(/'/g, `'\\''`) + "'";
}

/** /etc/billu/mail-store.conf: what billu-mail-store reads (sourced by sh, so every value is quoted). */
export function renderMailStoreConf(host: HostModel): string {
    const disk = host.disks[1];
    return [
        generatedHeader("#", {
            host: host.name,
            what: "the mail store billu-mail-store keeps on the data disk.",
            note: "Do not edit: the next pulumi up overwrites it.",
        }),
        `# scsi1: ${disk.sizeGiB} GiB on ${disk.datastore}`,
        `DISK=${shQuote(mailDiskPath(1))}`,
        `MOUNT=${shQuote(MAIL_PATHS.mailboxes)}`,
        `LABEL=${shQuote(MAIL_STORE_LABEL)}`,
        `FSTAB=${shQuote("/etc/fstab")}`,
        "",
    ].join("\n");
}

/** The step `mail-store`, or undefined for a mail host with only its OS disk. */
export function mailStoreStep(host: HostModel): StepSpec | undefined {
    if (host.disks.length < 2) return undefined;
    return {
        files: [
            { path: MAIL_STORE_SCRIPT_PATH, content: readFileSync(repoPath("scripts", "mail", "billu-mail-store.sh"), "utf8"), mode: "0755" },
            { path: MAIL_STORE_CONF_PATH, content: renderMailStoreConf(host) },
        ],
        script: stepScript("linux", "mail/mail-store-step.sh"),
    };
}
