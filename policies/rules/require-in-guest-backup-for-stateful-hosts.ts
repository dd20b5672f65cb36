import { StackValidationPolicy } from "@pulumi/policy";
import { BACKUP_CLIENT_TYPE, BACKUP_DATA_TYPE, BackupClientFact, BackupDataFact, VM_TAG, VM_TYPE } from "../../components/contracts";
import { rule, vmTags } from "./rule";

export const requireInGuestBackupForStatefulHosts = rule<StackValidationPolicy>(
    {
        name: "require-in-guest-backup-for-stateful-hosts",
        description:
            "In prod, every stateful host (but the backup server) has an in-guest backup client, and every data set a service declares (directory, shares, mailboxes, logs) is among the paths its host's client backs up.",
        reason: "A VM image restores a whole machine as it was at night: a deleted mailbox, share folder or AD object needs an application-consistent copy of that data alone, kept on the backup server's append-only repository, which a compromised host cannot erase.",
        remediation:
            "Declare the backup server (a host of role backup, e.g. PAR-BKP01) and billu:backup, and leave billu:backup.clients unset (every stateful host) or list the host in it.",
        enforcementLevel: "mandatory",
    },
    {
        validateStack: (args, reportViolation) => {
            // Prod, like the other stateful rules: dev and the lab stacks may run without the backup server.
            const vms = args.resources.filter((r) => r.type === VM_TYPE);
            if (!vms.some((vm) => vmTags(vm.props).includes(VM_TAG.env("prod")))) return;
            const clients = new Map(
                args.resources.filter((r) => r.type === BACKUP_CLIENT_TYPE).map((r) => [String(r.props.host), r.props as unknown as BackupClientFact]),
            );
            for (const vm of vms) {
                const tags = vmTags(vm.props);
                // The backup server holds the repositories themselves: its image is its backup (protect-backup rules).
                if (!tags.includes(VM_TAG.stateful) || tags.includes(VM_TAG.role("backup"))) continue;
                const name = String(vm.props.name ?? vm.name);
                if (!clients.has(name)) {
                    reportViolation(
                        `Stateful VM ${name} (vm:${String(vm.props.vmId)}) has no in-guest backup client: only its image would bring its data back.`,
                        vm.urn,
                    );
                }
            }
            for (const r of args.resources.filter((x) => x.type === BACKUP_DATA_TYPE)) {
                for (const set of (r.props as unknown as BackupDataFact).sets ?? []) {
                    const client = clients.get(set.host);
                    const missing = set.paths.filter((p) => !(client?.paths ?? []).includes(p));
                    if (missing.length === 0) continue;
                    reportViolation(
                        client
                            ? `${set.host}'s in-guest backup client leaves out its declared ${set.dataClass} data (${missing.join(", ")}).`
                            : `${set.host} keeps ${set.dataClass} data (${missing.join(", ")}) that no in-guest backup client backs up.`,
                        r.urn,
                    );
                }
            }
        },
    },
);
