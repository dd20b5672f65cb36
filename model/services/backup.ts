/**
 * In-guest backups: restic on every host with state to `rclone serve restic --append-only` on the host of role
 * backup (`billu:backup`), model/backup.ts. What each host keeps is declared by the service owning it (`backup`
 * requirements of the DC, the file server, the mail server); `checkBackupNeeds` (model/site.ts) holds them against
 * this plan's clients.
 */
import { BackupConfig, BackupPlan, backupSchema, planBackup, RESTIC_REST_SERVICE } from "../backup";
import type { DomainModel } from "../domain";
import { defineService, Requirement } from "./types";

export const backupService = defineService<BackupConfig, BackupPlan>({
    key: "backup",
    title: "the in-guest backup",
    config: { backup: backupSchema.optional() },
    role: { code: "BKP", startOrder: 3, stateful: true },
    after: ["dc"],
    plan: ({ config, core, plan, problems }) =>
        planBackup(
            {
                site: core.site,
                cfg: config,
                hosts: core.hosts.map((h) => ({
                    name: h.name,
                    role: h.role,
                    os: h.os,
                    zone: h.zone,
                    address: h.address,
                    stateful: h.stateful,
                    index: h.index,
                })),
                zones: core.zones,
                domain: plan<DomainModel>("dc"),
            },
            problems,
        ),
    requires: (backup, { core }): Requirement[] => [
        ...backup.flows.map((f) => ({ kind: "flow" as const, ...f })),
        // The acceptance run's backup scenario (tools/acceptance/scenarios/backup.ts), from a host of a management zone: it
        // reads the repositories (read-only). The server's own zone too: the Proxmox firewall of the VM enforces it.
        ...core.zones
            .filter((z) => z.kind === "management")
            .map((z) => ({
                kind: "flow" as const,
                from: z.name,
                to: backup.host.name,
                service: RESTIC_REST_SERVICE,
                why: "the acceptance run's backup scenario (npm run acceptance) reads the repositories",
            })),
        { kind: "listen", host: backup.host.name, service: RESTIC_REST_SERVICE, why: "rclone serves the restic repositories (append-only for the clients)" },
        {
            kind: "every-host",
            need: "backup-client",
            service: "backup",
            hosts: backup.clients.map((c) => c.name),
            why: "every host with state backs up what its services declare, on a staggered systemd timer",
        },
    ],
});
