/**
 * The registry of the site's services: adding a service is its descriptor file plus one line here. The config
 * schema (model/schema.ts), the host roles and their name codes, the start order, the stateful roles and the
 * planning order of `buildSiteModel` (model/site.ts) are all derived from this list.
 */
import type { Role, RoleSpec } from "../core";
import { assetsService } from "./assets";
import { backupService } from "./backup";
import { baseService } from "./base";
import { dcService } from "./dc";
import { dhcpService } from "./dhcp";
import { directoryService } from "./directory";
import { fileserverService } from "./fileserver";
import { firewallService } from "./firewall";
import { ftpService } from "./ftp";
import { gpoService } from "./gpo";
import { mailService } from "./mail";
import { telephonyService } from "./telephony";
import { logsService } from "./logs";
import { memberService } from "./member";
import { clientService } from "./client";
import { mxService } from "./mx";
import { monitoringService } from "./monitoring";
import { vmBackupService } from "./vm-backup";
import { trustService } from "./trust";
import { vpnService } from "./vpn";
import { webService } from "./web";
import { wsusService } from "./wsus";
import type { ServiceDescriptor } from "./types";

/** In the order their DNS requests are published and their docs listed; planning follows `after`. */
export const SERVICES: readonly ServiceDescriptor[] = [
    firewallService,
    vpnService,
    directoryService,
    dcService,
    trustService,
    dhcpService,
    fileserverService,
    wsusService,
    webService,
    mailService,
    mxService,
    ftpService,
    telephonyService,
    assetsService,
    // After GLPI: the glpiAgent policy reads its plan (planned after it without pulling mail and GLPI before wsus and web).
    gpoService,
    logsService,
    backupService,
    monitoringService,
    memberService,
    clientService,
    baseService,
    vmBackupService,
];

/** The pseudo-service `after` may name: every host of billu:hosts is sound. */
export const HOSTS_SOUND = "hosts";

/** Host roles and the code each puts in the host name (`PAR-DC01`), in registry order. */
export const ROLE_CODES: Readonly<Record<Role, string>> = Object.fromEntries(SERVICES.filter((s) => s.role).map((s) => [s.key, s.role!.code]));
export const ROLES: readonly Role[] = Object.keys(ROLE_CODES);
export const ROLE_SPECS: ReadonlyMap<Role, RoleSpec> = new Map(SERVICES.filter((s) => s.role).map((s) => [s.key, s.role!]));
export const STATEFUL_ROLES: readonly Role[] = SERVICES.filter((s) => s.role?.stateful).map((s) => s.key);

/**
 * The order services are planned in: each after every service its `after` names (`<key>?`: read if it planned
 * soundly, run anyway if not), otherwise in registry order. Throws at load time for an unknown or circular
 * `after` (a programming error, caught by the registry's test).
 */
export function planningOrder(services: readonly ServiceDescriptor[] = SERVICES): ServiceDescriptor[] {
    const byKey = new Map(services.map((s) => [s.key, s]));
    const out: ServiceDescriptor[] = [];
    const done = new Set<string>();
    const visiting = new Set<string>();
    const visit = (s: ServiceDescriptor): void => {
        if (done.has(s.key)) return;
        if (visiting.has(s.key)) throw new Error(`internal: the services' after lists form a cycle through ${s.key}`);
        visiting.add(s.key);
        for (const written of s.after) {
            const k = written.replace(/\?$/, "");
            if (k === HOSTS_SOUND) continue;
            const d = byKey.get(k);
            if (!d) throw new Error(`internal: service ${s.key} is after ${k}, which is not in the registry`);
            visit(d);
        }
        visiting.delete(s.key);
        done.add(s.key);
        out.push(s);
    };
    services.forEach(visit);
    return out;
}

for (const [i, s] of SERVICES.entries()) {
    if (SERVICES.findIndex((t) => t.key === s.key) !== i) throw new Error(`internal: two services have the key ${s.key}`);
}
