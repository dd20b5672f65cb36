/** Central log collection: rsyslog over TLS on the host of role logs (`billu:logs`), model/logs.ts. */
import type { DomainModel } from "../domain";
import { LogsConfig, LogsPlan, logsSchema, planLogs, SYSLOG_TLS_SERVICE } from "../logs";
import { defineService, Requirement } from "./types";

export const logsService = defineService<LogsConfig, LogsPlan>({
    key: "logs",
    title: "central log collection",
    config: { logs: logsSchema.optional() },
    role: { code: "LOG", startOrder: 3, stateful: true },
    after: ["dc"],
    plan: ({ config, core, plan, problems }) =>
        planLogs(
            {
                site: core.site,
                cfg: config,
                hosts: core.hosts.map((h) => ({ name: h.name, role: h.role, os: h.os, zone: h.zone, address: h.nics[0].address, index: h.index })),
                zones: core.zones,
                domain: plan<DomainModel>("dc"),
            },
            problems,
        ),
    requires: (logs): Requirement[] => [
        ...logs.flows.map((f) => ({ kind: "flow" as const, ...f })),
        { kind: "listen", host: logs.host.name, service: SYSLOG_TLS_SERVICE, why: "rsyslog receives syslog over TLS" },
        {
            kind: "every-host",
            need: "log-shipper",
            service: "logs",
            hosts: logs.clients.map((c) => c.name),
            why: "every host forwards its system and service logs to the collector over TLS",
        },
        { kind: "backup", host: logs.host.name, dataClass: "logs", paths: [logs.remoteDir], why: "every host's collected logs, kept for the retention" },
    ],
});
