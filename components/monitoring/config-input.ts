/**
 * The adapter between the monitoring plan (model/monitoring.ts `planMonitoring`) and the Zabbix configuration
 * document's renderer (zabbix-config.ts `renderZabbixConfig`): the plan's hosts with their PSK identities, the web
 * sites and DHCP scopes the plan watches, the alert mail settings and the IT group's recipients, the thresholds.
 * Pure, no Pulumi. The document is rendered into the Zabbix server's files (render.ts `serverFiles`).
 */
import type { MonitoringPlan } from "../../model/monitoring";
import { renderZabbixConfig, type MonitoringConfigInput, type Severity, type ZabbixConfigDocument } from "./zabbix-config";

/**
 * The renderer's input for a plan. `site` prefixes the host groups, templates group, media type, actions and
 * dashboards (the company's name: `BillU/role/web`). Undefined when the plan sends no alert mail (a site without a
 * mail server or a directory): the document needs the media type and the IT group.
 */
export function zabbixConfigInput(plan: MonitoringPlan, site: string): MonitoringConfigInput | undefined {
    const alerting = plan.alerting;
    if (!alerting) return undefined;
    const watches = plan.hosts.flatMap((h) => h.watches);
    const webSites: { name: string; port: number }[] = [];
    const dhcpScopes: { id: number; name: string }[] = [];
    for (const w of watches) {
        if (w.kind === "web-site" && !webSites.some((s) => s.name === w.name)) webSites.push({ name: w.name, port: w.port });
        if (w.kind === "kea-scope" && !dhcpScopes.some((s) => s.id === w.subnetId)) dhcpScopes.push({ id: w.subnetId, name: w.zone });
    }
    // The model's lowest severity (not classified) has no action of its own in the document: information is its floor.
    const minSeverity: Severity = alerting.minSeverity === "not_classified" ? "information" : alerting.minSeverity;
    const t = plan.thresholds;
    const backupClients = watches.flatMap((w) => (w.kind === "backup-freshness" ? [{ client: w.client, resultFile: w.resultFile }] : []));
    const driftHost = plan.hosts.find((h) => h.watches.some((w) => w.kind === "directory-drift"));
    const drift = driftHost?.watches.find((w) => w.kind === "directory-drift");
    const glpiHost = plan.hosts.find((h) => h.watches.some((w) => w.kind === "glpi"));
    const glpi = glpiHost?.watches.find((w) => w.kind === "glpi");
    const agentHosts = plan.hosts.filter((h) => h.watches.some((w) => w.kind === "inventory-freshness"));
    const inventory = agentHosts[0]?.watches.find((w) => w.kind === "inventory-freshness");
    // TLS endpoints beside the web sites, by the role whose template carries them (one name and port per role).
    const tls = (role: string) => {
        const out: { name: string; port: number; what: string }[] = [];
        for (const h of plan.hosts.filter((x) => x.role === role && x.os === "linux")) {
            for (const w of h.watches)
                if (w.kind === "tls-endpoint" && !out.some((e) => e.name === w.name && e.port === w.port))
                    out.push({ name: w.name, port: w.port, what: w.what });
        }
        return out;
    };
    const dcTls = tls("dc");
    const mailTls = tls("mail");
    const siteCaHost = plan.hosts.find((h) => h.os === "linux" && h.watches.some((w) => w.kind === "certificate-file"));
    return {
        site,
        hosts: [
            ...plan.hosts.map((h) => ({
                name: h.name,
                address: h.address,
                role: h.role,
                zone: h.zone,
                os: h.os,
                pskIdentity: h.pskIdentity,
                agentPort: h.port,
            })),
            // The VPN partner's hosts (billu:monitoring.watchVpnPartner), as its stack exported them: their own group.
            ...(plan.partner?.hosts ?? []).map((h) => ({
                name: h.name,
                address: h.address,
                role: h.role,
                zone: h.zone,
                os: h.os,
                pskIdentity: h.pskIdentity,
                agentPort: h.port,
                partner: plan.partner!.company ?? plan.partner!.peerStack,
            })),
        ],
        webSites,
        dhcpScopes,
        mail: { relay: alerting.mediaType.smtpServer, port: alerting.mediaType.smtpPort, helo: alerting.mediaType.smtpHelo, from: alerting.mediaType.from },
        // A recipient's Zabbix user is named by its mail address: unique, and what the directory plan gives.
        itGroup: { name: alerting.group, members: alerting.recipients.map((m) => ({ username: m, fullName: m, email: m })), minSeverity },
        thresholds: {
            cpuPercent: t.cpuPercent,
            memoryPercent: t.memoryPercent,
            diskPercent: 100 - t.diskFreePercent,
            dhcpPoolPercent: t.dhcpPoolPercent,
            postfixQueue: t.mailQueue,
            certificateDays: t.certificateDays,
            certificateCritDays: t.certificateCritDays,
            backupHours: t.backupMaxAgeHours,
            ftpFailedLogins: t.ftpFailedLogins,
            agentUnavailableMinutes: t.agentUnavailableMinutes,
        },
        ...(backupClients.length > 0 ? { backupClients } : {}),
        ...(driftHost && drift?.kind === "directory-drift"
            ? { directoryDrift: { host: driftHost.name, resultPath: drift.resultPath, graceSeconds: drift.graceSeconds, maxAgeSeconds: drift.maxAgeSeconds } }
            : {}),
        ...(glpiHost && glpi?.kind === "glpi"
            ? { glpi: { host: glpiHost.name, url: glpi.url, dumpFile: glpi.dumpFile, dumpMaxAgeHours: glpi.dumpMaxAgeHours } }
            : {}),
        ...(dcTls.length + mailTls.length > 0
            ? { tlsEndpoints: { ...(dcTls.length > 0 ? { dc: dcTls } : {}), ...(mailTls.length > 0 ? { mail: mailTls } : {}) } }
            : {}),
        ...(siteCaHost ? { siteCa: { host: siteCaHost.name } } : {}),
        ...(inventory?.kind === "inventory-freshness"
            ? { inventoryAgents: { hosts: agentHosts.map((h) => h.name), stampFile: inventory.stampFile, maxAgeHours: inventory.maxAgeHours } }
            : {}),
    };
}

/** Every host the configuration step registers, with a PSK each: this site's, then the VPN partner's it watches. */
export function configuredHosts(plan: MonitoringPlan): readonly { readonly name: string; readonly pskIdentity: string }[] {
    return [...plan.hosts, ...(plan.partner?.hosts ?? [])];
}

/** The document of a plan (see zabbixConfigInput), as the configuration step reads it: JSON, two-space indent, one key a line. */
export function renderZabbixConfigFile(plan: MonitoringPlan, site: string): string | undefined {
    const input = zabbixConfigInput(plan, site);
    if (!input) return undefined;
    const doc: ZabbixConfigDocument = renderZabbixConfig(input);
    return JSON.stringify(doc, null, 2) + "\n";
}
