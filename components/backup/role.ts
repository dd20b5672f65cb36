import * as pulumi from "@pulumi/pulumi";
import { BACKUP_CREDENTIALS_OUTPUT, type BackupPlan } from "../../model/backup";
import { backupService } from "../../model/services/backup";
import { planOf } from "../../model/services/types";
import type { EveryHostRenderer } from "../base-server/every-host";
import { buildServerRole } from "../base-server/server-role";
import { SiteContext, siteServer } from "../context";
import { BACKUP_DATA_TYPE, BackupDataFact, DocSections, RoleBuilder } from "../contracts";
import { backupClientStep, BackupCredentials, backupCredentials, BackupServer } from "./BackupServer";

/** The every-host need's name (model/services/backup.ts declares it). */
export const BACKUP_CLIENT_NEED = "backup-client";

/** What the backup service makes once for every host: the clients' credentials (the server reads them too). */
export interface BackupResources {
    readonly credentials: ReadonlyMap<string, BackupCredentials>;
    /** The site CA's certificate: the clients verify the server with it. */
    readonly caCertPem: pulumi.Input<string>;
}

/** The backup role: the plan's server becomes a BackupServer; any other host of role backup is a BaseServer. */
export const buildBackup: RoleBuilder = (ctx, hosts, parent) => {
    const plan = planOf(backupService, ctx.model);
    const resources = ctx.everyHostResources?.get(BACKUP_CLIENT_NEED) as BackupResources | undefined;
    const site = siteServer(ctx);
    const result = buildServerRole(
        site,
        hosts,
        parent,
        plan && {
            host: plan.host.name,
            make: (name, host) => new BackupServer(name, { site, ca: ctx.ca, host, plan, credentials: resources?.credentials ?? new Map() }, { parent }),
        },
    );
    const credentials = plan && backupCredentialsOutput(plan, resources?.credentials);
    return credentials ? { ...result, secretOutputs: { ...result.secretOutputs, [BACKUP_CREDENTIALS_OUTPUT]: credentials } } : result;
};

/**
 * Every client's login password and repository key as one JSON object by repository, for the acceptance run's backup
 * scenario (it reads each repository with them, read-only). A secret output (the site makes it one); the state holds
 * the same values already (the runbook reads the keys from there).
 */
function backupCredentialsOutput(plan: BackupPlan, credentials: ReadonlyMap<string, BackupCredentials> | undefined): pulumi.Output<string> | undefined {
    const entries = plan.clients.flatMap((client) => {
        const c = credentials?.get(client.name);
        return c ? [pulumi.all([c.http.result, c.key.result]).apply(([password, key]) => [client.repository, { password, key }] as const)] : [];
    });
    if (entries.length === 0) return undefined;
    return pulumi.secret(pulumi.all(entries).apply((es) => JSON.stringify(Object.fromEntries(es))));
}

/** Every client's credentials (HTTP login and repository key), made once before the hosts are built. */
export function backupResources(ctx: SiteContext, parent: pulumi.Resource): BackupResources {
    const plan = planOf(backupService, ctx.model);
    return { credentials: plan ? backupCredentials(plan, parent) : new Map(), caCertPem: ctx.ca.certPem };
}

/** The backup client in a host's base step: restic, its repository settings and its staggered timer. */
export const renderBackupClient: EveryHostRenderer = (model, host, resources) => {
    const plan = planOf(backupService, model);
    const r = resources as BackupResources | undefined;
    const step = plan && r ? backupClientStep(r.caCertPem, plan, host.name, model.backups, r.credentials) : undefined;
    if (!step) return { unsupported: "billu:backup plans no in-guest backup for this host (not a client, or no service declares data on it)" };
    return step;
};

/** The declared data, as a fact the policy pack holds the clients against (one resource per site). */
class DeclaredData extends pulumi.ComponentResource {
    constructor(name: string, fact: BackupDataFact, opts: pulumi.ComponentResourceOptions) {
        super(BACKUP_DATA_TYPE, name, { ...fact }, opts);
        this.registerOutputs({ ...fact });
    }
}

/**
 * The site-wide part (components/registry.ts `site`): what every service declared it keeps (`backup` requirements),
 * published for require-in-guest-backup-for-stateful-hosts, also on a site without billu:backup (the rule must see
 * the data nobody backs up). Nothing when no service declares data.
 */
export function declareBackupData(ctx: SiteContext, parent: pulumi.Resource): DocSections | undefined {
    const sets = ctx.model.backups.map((s) => ({ host: s.host, dataClass: s.dataClass, paths: [...s.paths] }));
    if (sets.length > 0) new DeclaredData(`${ctx.model.site.code.toLowerCase()}-backup-data`, { sets }, { parent });
    return undefined;
}
