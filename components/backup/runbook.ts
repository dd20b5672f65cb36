/**
 * The restore runbook of the in-guest backups, rendered from the model (pure, no Pulumi): per class of data the
 * services declared, which host keeps it, which repository holds it, when it is backed up (the RPO), where the keys
 * live, and the commands that bring it back. docs/services/backup.md embeds it for the dev stack with the lab's
 * backup server (its test keeps the two equal); `node dist/tools/lab-backup.js --stack <stack> --runbook` prints it
 * for any stack.
 */
import type { BackupDataSet, BackupPlan, DataClass } from "../../model/backup";
import { BACKUP_PATHS } from "./render";

/** A Windows DC's system state (wbadmin), restored with wbadmin in Directory Services Restore Mode. */
const WINDOWS_DIRECTORY = (s: BackupDataSet): readonly string[] => [
    `The DC's system state: restore \`${s.paths[0]}\` (step 2) onto the DC's C: volume, start the DC in Directory Services Restore Mode (\`bcdedit /set safeboot dsrepair\`, restart), ` +
        "`wbadmin get versions -backupTarget:C:` then `wbadmin start systemstaterecovery -version:<version> -backupTarget:C: -quiet` " +
        "(non-authoritative: the other DCs replicate what changed since; `ntdsutil` `authoritative restore` for deleted objects), `bcdedit /deletevalue safeboot`, restart.",
];

const STEPS: Readonly<Record<DataClass, (set: BackupDataSet) => readonly string[]>> = {
    directory: (s) =>
        s.preHook === "wbadmin-system-state"
            ? WINDOWS_DIRECTORY(s)
            : [
                  `The whole domain (every DC lost, or the directory damaged beyond repair): on a fresh Debian VM with the DC's name and address, restore the newest \`samba-backup-*.tar.bz2\` of ${s.paths[0]} (step 2), then ` +
                      "`samba-tool domain backup restore --backup-file=<file> --newservername=<new name> --targetdir=/var/lib/samba-restored` (a name no DC of the domain has: the backed-up DC's own account is in the backup and samba-tool refuses to add it again; the restore removes the old DCs), point smb.conf at it, run `samba-tool ntacl sysvolreset` (the restore of an online backup leaves SYSVOL without its NT ACLs) and start samba; join the other DCs again (labs/backup rehearses it).",
                  "One object (a deleted user, a group's members): restore the file the same way into a scratch VM without network, start samba there and read the object's attributes (`ldbsearch -H <targetdir>/private/sam.ldb`), then recreate it on the live domain; the directory step re-applies what the HR export plans.",
              ],
    files: (s) => [
        `A file, a folder or a whole share: \`${BACKUP_PATHS.lib}/restore.sh latest /srv/restore-<date> ${s.paths[0]}/<share>\` on ${s.host}, check it, then move it back into place: owners, modes, POSIX ACLs and xattrs come back as they were.`,
    ],
    mail: (s) => [
        `A mailbox: \`${BACKUP_PATHS.lib}/restore.sh latest /srv/restore-<date> ${s.paths[0]}/<account>\` on ${s.host} (<account>: the sAMAccountName in lower case, the mailbox's home in Dovecot's userdb), stop Dovecot's access to that mailbox (or the service), move the Maildir back (owner vmail), run \`doveadm force-resync -u <user> '*'\`.`,
    ],
    logs: (s) => [
        `Collected logs: \`${BACKUP_PATHS.lib}/restore.sh latest /srv/restore-<date> ${s.paths[0]}/<host>\` on ${s.host}; read them there, keep them out of the live folder.`,
    ],
    database: (s) => [
        `A database dump: \`${BACKUP_PATHS.lib}/restore.sh latest /srv/restore-<date> ${s.paths[0]}\` on ${s.host}, then load it with the database's own tool.`,
    ],
};

export function renderRunbook(plan: BackupPlan, sets: readonly BackupDataSet[]): string {
    const lines: string[] = [
        `Backup server: ${plan.host.name} (${plan.fqdn}:${plan.port}, repositories under ${plan.repoRoot}/<repository>, results in ${plan.resultDir}/<repository>.json).`,
        `Retention (pruned on the server at ${plan.prune}): ${plan.retention.keepDaily} daily, ${plan.retention.keepWeekly} weekly, ${plan.retention.keepMonthly} monthly snapshots.`,
        "",
        "| data | host | repository | backed up at (RPO: 24 h) | paths | before the backup |",
        "|---|---|---|---|---|---|",
    ];
    for (const s of sets) {
        const c = plan.clients.find((x) => x.name === s.host);
        const hook =
            s.preHook === "samba-domain-backup"
                ? "`samba-tool domain backup online` into the path"
                : s.preHook === "wbadmin-system-state"
                  ? "`wbadmin start systemstatebackup -backupTarget:C: -quiet`"
                  : "-";
        lines.push(
            `| ${s.dataClass} | ${s.host} | ${c ? `\`${c.repository}\`` : "not covered"} | ${c ? `\`${c.onCalendar}\`` : "-"} | ${s.paths.map((p) => `\`${p}\``).join(", ")} | ${hook} |`,
        );
    }
    for (const n of plan.notCovered) lines.push(`| - | ${n.name} | not covered | - | - | ${n.why} |`);
    lines.push(
        "",
        "**The keys.** Each client's repository key and HTTP password are `@pulumi/random` passwords in the stack's state " +
            "(`backup-<repository>-key`, `backup-<repository>-http`). With the host lost, get them out of the state on an administrator's machine: " +
            "`pulumi stack export --show-secrets | jq -r '.deployment.resources[] | select(.urn | endswith(\"::backup-<repository>-key\")) | .outputs.result'` " +
            `(never into a file that is kept). The backup server holds every repository's key in ${BACKUP_PATHS.keys}/<repository> (0600, for pruning): from it, ` +
            `\`restic -r ${plan.repoRoot}/<repository> --password-file ${BACKUP_PATHS.keys}/<repository> snapshots\` lists what there is.`,
        "",
    );
    for (const s of sets) {
        const repo = plan.clients.find((c) => c.name === s.host)?.repository ?? "<repository>";
        lines.push(`**${s.dataClass} on ${s.host}** (${s.why}):`, "");
        lines.push(`1. Check the last result: \`cat ${plan.resultDir}/${repo}.json\` on ${plan.host.name} (exitStatus 0, its time, its snapshot).`);
        lines.push(
            `2. On a rebuilt host, \`pulumi up\` puts the client back (its settings, its key); a host that cannot wait restores from the server itself: \`restic -r ${plan.repoRoot}/${repo} --password-file ${BACKUP_PATHS.keys}/${repo} restore latest --tag billu --target <folder>\`.`,
        );
        STEPS[s.dataClass](s).forEach((t, i) => lines.push(`${i + 3}. ${t}`));
        lines.push("");
    }
    return lines.join("\n");
}
