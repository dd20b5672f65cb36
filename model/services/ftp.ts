/** File exchange over FTP with explicit TLS: vsftpd on the host of role ftp (`billu:ftp`), model/ftp.ts. */
import type { DomainModel } from "../domain";
import type { FirewallModel } from "../flows";
import { FTP_PASSIVE_SERVICE, FTP_SERVICE, FtpConfig, FtpPlan, ftpSchema, planFtp } from "../ftp";
import type { LogsPlan } from "../logs";
import { hostInputs } from "./hosts";
import { defineService, Requirement } from "./types";

export const ftpService = defineService<FtpConfig, FtpPlan>({
    key: "ftp",
    title: "the FTP server",
    config: { ftp: ftpSchema.optional() },
    // Stateful: the exchange folders hold the files staff left there (backed up, protected against replacement).
    role: { code: "FTP", startOrder: 4, stateful: true },
    after: ["dc", "firewall?", "logs?"],
    plan: ({ config, core, hr, plan, problems }) =>
        planFtp(
            {
                cfg: config,
                hosts: hostInputs(core.hosts, "joinDomain"),
                zones: core.zones,
                domain: plan<DomainModel>("dc"),
                hr,
                catalogue: plan<FirewallModel>("firewall")?.catalogue,
                logClients: plan<LogsPlan>("logs")?.clients.map((c) => c.name),
            },
            problems,
        ),
    requires: (ftp): Requirement[] => [
        ...ftp.flows.map((f) => ({ kind: "flow" as const, ...f })),
        ...[FTP_SERVICE, FTP_PASSIVE_SERVICE].map((service) => ({
            kind: "listen" as const,
            host: ftp.host.name,
            service,
            why: "vsftpd: the control connection and the passive data range",
        })),
        { kind: "backup", host: ftp.host.name, dataClass: "files", paths: [ftp.root], why: "the exchange folders, with their owners and POSIX ACLs" },
    ],
});
