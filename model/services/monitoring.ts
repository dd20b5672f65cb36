/** Monitoring: the Zabbix server with PostgreSQL and its frontend, an agent on every host (`billu:monitoring`), model/monitoring.ts. */
import { INVENTORY_STAMP, type AssetsPlan } from "../assets";
import type { BackupPlan } from "../backup";
import type { DhcpPlan } from "../dhcp";
import type { DirectoryPlan } from "../directory";
import type { DomainModel } from "../domain";
import type { FileServerPlan } from "../fileserver";
import type { FirewallModel } from "../flows";
import type { MailPlan } from "../mail";
import {
    MONITORING_AGENT_NEED,
    MonitoringConfig,
    MonitoringPlan,
    monitoringSchema,
    planMonitoring,
    planRemoteMonitoring,
    RemoteMonitoringPlan,
    ZABBIX_AGENT_SERVICE,
    ZABBIX_TRAPPER_SERVICE,
} from "../monitoring";
import type { VpnLocal } from "../vpn";
import type { WebModel } from "../web";
import { hostInputs } from "./hosts";
import { defineService, Requirement } from "./types";

export const monitoringService = defineService<MonitoringConfig, MonitoringPlan | RemoteMonitoringPlan>({
    key: "monitoring",
    title: "monitoring",
    config: { monitoring: monitoringSchema.optional() },
    role: { code: "MON", startOrder: 5, stateful: true },
    // It reads what every other service watches; each is optional (a site without DHCP still has monitoring).
    after: ["hosts", "firewall?", "dc?", "directory?", "mail?", "dhcp?", "web?", "vpn?", "fileserver?", "backup?", "assets?"],
    // A partner site watched by its VPN partner's server (billu:monitoring.remoteServer) plans agents and flows only.
    plan: ({ config, all, core, plan, problems }) => {
        const firewall = plan<FirewallModel>("firewall");
        const partnerWritten = (all.firewall as { vpnPartner?: unknown } | undefined)?.vpnPartner !== undefined;
        return (config?.remoteServer ? planRemoteMonitoring : planMonitoring)(
            {
                site: core.site,
                cfg: config,
                hosts: hostInputs(core.hosts, "disks"),
                zones: core.zones,
                domain: plan<DomainModel>("dc"),
                directory: plan<DirectoryPlan>("directory"),
                mail: plan<MailPlan>("mail"),
                dhcp: plan<DhcpPlan>("dhcp"),
                web: plan<WebModel>("web"),
                vpn: plan<VpnLocal>("vpn"),
                vpnInvalid: all.vpn !== undefined && plan<VpnLocal>("vpn") === undefined,
                fileservers: plan<FileServerPlan[]>("fileserver"),
                backup: plan<BackupPlan>("backup"),
                partnerNetworks: firewall?.vpnPartner?.networks.map((c) => c.text),
                partnerHosts: firewall?.vpnPartner?.hosts,
                partnerNetworksInvalid: !firewall && partnerWritten,
                assets: assetsWatch(plan<AssetsPlan>("assets")),
            },
            problems,
        );
    },
    requires: (mon): Requirement[] =>
        mon.remote
            ? [
                  ...mon.flows.map((f) => ({ kind: "flow" as const, ...f })),
                  ...mon.hosts.map((h) => ({
                      kind: "listen" as const,
                      host: h.name,
                      service: ZABBIX_AGENT_SERVICE,
                      why: `the Zabbix agent answers the passive checks of ${mon.host.name}, the VPN partner's server`,
                  })),
                  {
                      kind: "every-host",
                      need: MONITORING_AGENT_NEED,
                      service: "monitoring",
                      hosts: mon.hosts.map((h) => h.name),
                      why: `every host runs a Zabbix agent (TLS with its own pre-shared key) that ${mon.host.name}, the VPN partner's server, polls over the tunnel`,
                  },
              ]
            : localRequirements(mon),
});

function localRequirements(mon: MonitoringPlan): Requirement[] {
    return [
        ...mon.flows.map((f) => ({ kind: "flow" as const, ...f })),
        { kind: "listen", host: mon.host.name, service: ZABBIX_TRAPPER_SERVICE, why: "the Zabbix server receives the agents' active checks" },
        { kind: "listen", host: mon.host.name, service: "https", why: "the Zabbix frontend and its API" },
        ...mon.hosts
            .filter((h) => h.name !== mon.host.name)
            .map((h) => ({
                kind: "listen" as const,
                host: h.name,
                service: ZABBIX_AGENT_SERVICE,
                why: "the Zabbix agent answers the server's passive checks",
            })),
        {
            kind: "every-host",
            need: MONITORING_AGENT_NEED,
            service: "monitoring",
            hosts: mon.hosts.map((h) => h.name),
            why: "every host runs a Zabbix agent (TLS with its own pre-shared key) the server polls and that sends active checks",
        },
        {
            kind: "backup",
            host: mon.host.name,
            dataClass: "database",
            paths: [mon.database.dumpDir],
            why: "the Zabbix database (configuration, history, trends), from the daily pg_dump",
        },
    ];
}

/** What monitoring watches of GLPI's plan (absent on a site without GLPI). */
function assetsWatch(a: AssetsPlan | undefined) {
    if (!a) return undefined;
    return {
        host: { name: a.host.name },
        url: a.url,
        dumpFile: `${a.dumpDir}/${a.database.name}.sql`,
        inventory: { hours: a.inventory.hours, agents: a.inventory.agents, stampFile: INVENTORY_STAMP },
    };
}
