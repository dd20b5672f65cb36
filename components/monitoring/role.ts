import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { MONITORING_AGENT_NEED, MONITORING_PARTNER_OUTPUT, monitoringPartnerExport } from "../../model/monitoring";
import { monitoringService } from "../../model/services/monitoring";
import { planOf } from "../../model/services/types";
import type { EveryHostRenderer } from "../base-server/every-host";
import { buildServerRole } from "../base-server/server-role";
import { SiteContext, siteServer } from "../context";
import type { RoleBuilder } from "../contracts";
import { stepScript } from "../guest-step/render";
import { MonitoringServer } from "./MonitoringServer";
import { AGENT_DIRS, agentFiles, agentVerifiesCertificates, MONITORING_SECRETS, WINDOWS_AGENT_PATHS, windowsAgentFiles } from "./render";

/** What the monitoring service makes once for every host: each agent's PSK, by host name. */
export interface MonitoringResources {
    /**
     * Each monitored host's PSK: 32 random bytes as 64 hex digits (Zabbix's recommended 256-bit key), secret. The agent's
     * base step installs it; the API configuration step gives the same value to the server's host entry.
     */
    readonly psks: ReadonlyMap<string, pulumi.Output<string>>;
    /** The site CA's certificate: the hosts whose agent verifies certificates add it to their trust store. */
    readonly caPem?: pulumi.Output<string>;
}

/** The monitoring role: the plan's server becomes a MonitoringServer; any other host of role monitoring is a BaseServer. */
export const buildMonitoring: RoleBuilder = (ctx, hosts, parent) => {
    const plan = planOf(monitoringService, ctx.model);
    const site = siteServer(ctx);
    let server: MonitoringServer | undefined;
    const result = buildServerRole(
        site,
        hosts,
        parent,
        plan && !plan.remote
            ? {
                  host: plan.host.name,
                  make: (name, host) =>
                      (server = new MonitoringServer(
                          name,
                          {
                              site,
                              ca: ctx.ca,
                              company: ctx.model.site.company,
                              host,
                              plan,
                              psks: (ctx.everyHostResources?.get(MONITORING_AGENT_NEED) as MonitoringResources | undefined)?.psks ?? new Map(),
                          },
                          { parent },
                      )),
              }
            : undefined,
    );
    // Admin's generated password, for the administrators' sign-in to the frontend (only the configuration step sets it).
    const admin = server?.adminPassword?.result;
    return admin ? { ...result, secretOutputs: { [ZABBIX_ADMIN_PASSWORD_OUTPUT]: admin } } : result;
};

/** The secret stack output with the Zabbix frontend's Admin password (`pulumi stack output --show-secrets zabbixAdminPassword`). */
export const ZABBIX_ADMIN_PASSWORD_OUTPUT = "zabbixAdminPassword";

/** Every monitored host's PSK (`zabbix-psk-<host>`, a RandomId of 32 bytes), made once before the hosts are built. */
export function monitoringResources(ctx: SiteContext, parent: pulumi.Resource): MonitoringResources {
    const plan = planOf(monitoringService, ctx.model);
    const psks = new Map<string, pulumi.Output<string>>();
    for (const h of plan?.hosts ?? []) {
        const id = new random.RandomId(`zabbix-psk-${h.name.toLowerCase()}`, { byteLength: 32 }, { parent });
        psks.set(h.name, pulumi.secret(id.hex));
    }
    // The VPN partner's hosts this server watches: their PSKs are the partner's own, read from its stack (no agent here).
    for (const [name, psk] of ctx.monitoringPartnerPsks ?? []) psks.set(name, psk);
    return { psks, caPem: ctx.ca.certPem };
}

/**
 * A site watched by its VPN partner's server (billu:monitoring.remoteServer): its hosts and their PSKs as ONE secret
 * stack output (MONITORING_PARTNER_OUTPUT), which the partner's program reads through the VPN's StackReference.
 */
export function monitoringPartnerOutputs(ctx: Pick<SiteContext, "model" | "everyHostResources">): Record<string, unknown> {
    const plan = planOf(monitoringService, ctx.model);
    if (!plan?.remote) return {};
    const psks = (ctx.everyHostResources?.get(MONITORING_AGENT_NEED) as MonitoringResources | undefined)?.psks ?? new Map<string, pulumi.Output<string>>();
    const exported = monitoringPartnerExport(plan, ctx.model.site.company);
    const keys: Record<string, pulumi.Output<string>> = {};
    for (const h of exported.hosts) {
        const psk = psks.get(h.name);
        if (!psk) throw new Error(`internal: no PSK for ${h.name}, a host of the remote monitoring plan`);
        keys[h.name] = psk;
    }
    return { [MONITORING_PARTNER_OUTPUT]: pulumi.secret(pulumi.all(keys).apply((k) => ({ ...exported, psks: k }))) };
}

/**
 * The Zabbix agent in a host's base step: agent 2 with the server's address, the host's name and its own PSK; on Debian
 * from the distribution's package (scripts/monitoring/agent-step.sh), on Windows from its MSI
 * (scripts/monitoring/agent-windows.ps1).
 */
export const renderMonitoringAgent: EveryHostRenderer = (model, host, resources) => {
    const plan = planOf(monitoringService, model);
    const monitored = plan?.hosts.find((h) => h.name === host.name);
    const psk = (resources as MonitoringResources | undefined)?.psks.get(host.name);
    const caPem = (resources as MonitoringResources | undefined)?.caPem;
    if (!plan || !monitored || !psk) return { unsupported: "billu:monitoring plans no agent for this host" };
    if (monitored.os === "windows") {
        return {
            files: windowsAgentFiles(plan, monitored),
            // Data: where the settings are, in the guest's own spelling (the rest is in the settings); then the call.
            script: stepScript("windows", ["monitoring/agent-windows.ps1", "monitoring/agent-windows-step.ps1"], {
                ZBX_SETTINGS: WINDOWS_AGENT_PATHS.settings.replace(/\//g, "\\"),
            }),
            secrets: { [MONITORING_SECRETS.agentPsk]: psk },
        };
    }
    if (agentVerifiesCertificates(monitored) && !caPem) throw new Error(`internal: ${host.name}'s agent verifies certificates, but no site CA was given`);
    return {
        files: agentFiles(plan, monitored),
        dirs: AGENT_DIRS,
        script: stepScript("linux", "monitoring/agent-step.sh"),
        secrets: { [MONITORING_SECRETS.agentPsk]: psk, ...(agentVerifiesCertificates(monitored) && caPem ? { [MONITORING_SECRETS.ca]: caPem } : {}) },
    };
};

export { MONITORING_AGENT_NEED };
