/**
 * The domain controllers and their AD domain (`billu:domain`), model/domain.ts. The domain's DNS serves the
 * records other services ask for (their `dns` requirements), checked and published by `publishDns`.
 */
import { SAMBA_BACKUP_DIR, WINDOWS_SYSTEM_STATE_DIR } from "../backup";
import { DomainConfig, DomainModel, domainSchema, validateDomain } from "../domain";
import { defineService, Requirement } from "./types";

export const dcService = defineService<DomainConfig, DomainModel>({
    key: "dc",
    title: "the domain controllers",
    docs: "docs/services/domain-controllers.md",
    config: { domain: domainSchema.optional() },
    role: { code: "DC", startOrder: 2, stateful: true },
    after: ["hosts"],
    plan: ({ config, all, core, problems }) => {
        const network = all.network as { dnsForwarders: string[]; ntpServers: string[] };
        return validateDomain(core.site, network, config, core.zones, core.hosts, problems);
    },
    requires: (domain): Requirement[] => [
        ...domain.dcs.flatMap((dc) =>
            ["ad", "dns", "ntp"].map((service) => ({
                kind: "listen" as const,
                host: dc.name,
                service,
                why: "Active Directory, its DNS and the domain's time",
            })),
        ),
        // SYSVOL between Samba DCs: each other DC pulls from the PDC emulator's rsync daemon.
        ...(domain.sysvol
            ? [{ kind: "listen" as const, host: domain.sysvol.source.name, service: "sysvol-rsync", why: "SYSVOL for the other Samba DCs" }]
            : []),
        ...(domain.sysvol?.pullers ?? []).map((dc) => ({
            kind: "flow" as const,
            from: dc.name,
            to: domain.sysvol!.source.name,
            service: "sysvol-rsync",
            why: "Samba does not replicate SYSVOL: the other DCs pull the GPOs' files from the PDC emulator",
        })),
        // The directory, consistent: `samba-tool domain backup online` writes it to a file first (the pre-hook).
        ...(domain.flavor === "samba" ? domain.dcs : []).map((dc) => ({
            kind: "backup" as const,
            host: dc.name,
            dataClass: "directory" as const,
            paths: [SAMBA_BACKUP_DIR],
            preHook: "samba-domain-backup" as const,
            why: "the AD database, SYSVOL and the DC's secrets, from samba-tool domain backup online",
        })),
        // A Windows DC: its system state (AD database, SYSVOL, registry) from wbadmin, then restic (the pre-hook).
        ...(domain.flavor === "windows" ? domain.dcs : []).map((dc) => ({
            kind: "backup" as const,
            host: dc.name,
            dataClass: "directory" as const,
            paths: [WINDOWS_SYSTEM_STATE_DIR],
            preHook: "wbadmin-system-state" as const,
            why: "the AD database, SYSVOL and the registry, from wbadmin start systemstatebackup",
        })),
    ],
});
