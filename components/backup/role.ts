import * as pulumi from "@pulumi/pulumi";
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
    return buildServerRole(
        site,
        hosts,
        parent,
        plan && {
            host: plan.host.name,
            make: (name, host) => new BackupServer(name, { site, ca: ctx.ca, host, plan, credentials: resources?.credentials ?? new Map() }, { parent }),
        },
    );
};

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
