/** Telephony: FreePBX 17 on the host of role pbx (`billu:telephony`), model/telephony.ts. */
import type { DirectoryPlan } from "../directory";
import type { DomainModel } from "../domain";
import type { FirewallModel } from "../flows";
import type { MailPlan } from "../mail";
import {
    ADMIN_SERVICE,
    planTelephony,
    PROVISIONING_SERVICE,
    RTP_SERVICE,
    SIP_TLS_SERVICE,
    TelephonyConfig,
    TelephonyPlan,
    telephonySchema,
} from "../telephony";
import { defineService, Requirement } from "./types";

export const telephonyService = defineService<TelephonyConfig, TelephonyPlan>({
    key: "pbx",
    title: "the telephony (PBX)",
    config: { telephony: telephonySchema.optional() },
    docs: "docs/services/telephony.md",
    // Stateful: voicemail, call records and FreePBX's own database live there (backed up, protected against replacement).
    role: { code: "PBX", startOrder: 4, stateful: true },
    after: ["dc", "directory", "firewall?", "mail?"],
    plan: ({ config, core, hr, plan, problems }) => {
        const directory = plan<DirectoryPlan>("directory");
        const source = hr?.source ?? "the HR export";
        const leftSams = new Set(directory?.lock.people.filter((e) => e.left).map((e) => e.sam) ?? []);
        return planTelephony(
            {
                cfg: config,
                environment: core.site.environment,
                hosts: core.hosts.map((h) => ({ name: h.name, role: h.role, os: h.os, zone: h.zone, address: h.nics[0].address, index: h.index })),
                zones: core.zones,
                domain: plan<DomainModel>("dc"),
                // In export order, so a collision is reported on the later line, naming the earlier one.
                people: directory?.people
                    .filter((p) => p.enabled && p.attributes && p.line !== undefined)
                    .sort((a, b) => a.line! - b.line!)
                    .map((p) => ({
                        sam: p.sam,
                        displayName: p.displayName,
                        department: p.department,
                        where: `${source}:${p.line}`,
                        phone: p.attributes!.telephoneNumber,
                        mail: p.mail,
                    })),
                leavers: directory?.lock.people
                    .filter((e) => e.left && leftSams.has(e.sam) && e.deskDigits)
                    .map((e) => ({ sam: e.sam, name: e.name, phone: e.deskDigits! })),
                mailboxes: plan<MailPlan>("mail") && new Map(plan<MailPlan>("mail")!.accounts.map((a) => [a.sam, a.mail])),
                catalogue: plan<FirewallModel>("firewall")?.catalogue,
            },
            problems,
        );
    },
    requires: (t): Requirement[] => [
        ...t.flows.map((f) => ({ kind: "flow" as const, ...f })),
        ...[SIP_TLS_SERVICE, RTP_SERVICE, PROVISIONING_SERVICE, ADMIN_SERVICE].map((service) => ({
            kind: "listen" as const,
            host: t.host.name,
            service,
            why: "Asterisk (SIP over TLS, RTP) and FreePBX's web server (provisioning, admin)",
        })),
        {
            kind: "backup",
            host: t.host.name,
            dataClass: "files",
            paths: ["/var/spool/asterisk", "/etc/asterisk", "/var/lib/asterisk"],
            why: "voicemail, recordings and FreePBX's generated configuration",
        },
    ],
});
