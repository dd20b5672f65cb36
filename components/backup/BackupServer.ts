import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { BackupDataSet, BackupPlan } from "../../model/backup";
import { CertifiedServerComponent, ServiceServerArgs } from "../base-server/certified-server";
import { BACKUP_CLIENT_TYPE, BackupClientFact } from "../contracts";
import { GuestDir, GuestFile } from "../guest-step/render";
import { BACKUP_SECRETS, clientFiles, scriptText, serverDirs, serverFiles, WINDOWS_BACKUP_PATHS, windowsClientFiles } from "./render";
import { stepScript } from "../guest-step/render";

/** One client's generated credentials: its HTTP login password (the server keeps its bcrypt hash) and its repository key. */
export interface BackupCredentials {
    /** The HTTP password of the client's login (`<repository>`); `bcryptHash` goes into the server's htpasswd file. */
    readonly http: random.RandomPassword;
    /** restic's repository password: it encrypts the client's repository (the client and the server's pruning hold it). */
    readonly key: random.RandomPassword;
}

/**
 * Each client's credentials, made once before any host is built (the clients' base steps and the server's step both
 * read them), children `backup-<host>-http` and `backup-<host>-key` of `parent`. Stable across runs (stack state).
 */
export function backupCredentials(plan: BackupPlan, parent: pulumi.Resource): ReadonlyMap<string, BackupCredentials> {
    const out = new Map<string, BackupCredentials>();
    for (const c of plan.clients) {
        // RandomPassword marks result and bcryptHash secret itself.
        const opts = { parent };
        out.set(c.name, {
            http: new random.RandomPassword(`backup-${c.repository}-http`, { length: 32, special: false }, opts),
            key: new random.RandomPassword(`backup-${c.repository}-key`, { length: 40, special: false }, opts),
        });
    }
    return out;
}

export interface BackupServerArgs extends ServiceServerArgs<BackupPlan> {
    /** Every client's credentials (`backupCredentials`), by host name; one for each of the plan's clients. */
    readonly credentials: ReadonlyMap<string, BackupCredentials>;
}

/**
 * The backup server: its Debian VM and base step (BaseServer, same name), a server certificate from the site CA for
 * its FQDN and address, and the `backup-server` step: rclone serving one restic repository per client over TLS,
 * append-only, each login confined to its own repository (htpasswd of bcrypt hashes), and the pruning timer with
 * every repository's key (pruning runs here only). Secrets reach the guest through the step's secret channel. Built
 * as every service's own server is (components/base-server/certified-server.ts).
 */
export class BackupServer extends CertifiedServerComponent {
    constructor(name: string, args: BackupServerArgs, opts?: pulumi.ComponentResourceOptions) {
        const { plan } = args;
        const props = { host: plan.host.name, fqdn: plan.fqdn, port: plan.port, clients: plan.clients.map((c) => c.name) };
        const spec = (self: pulumi.Resource) => {
            const moreSecrets: Record<string, pulumi.Input<string>> = {};
            for (const c of plan.clients) {
                const cred = args.credentials.get(c.name);
                if (!cred) throw new pulumi.ResourceError(`[credentials] has none for the client ${c.name}`, self);
                moreSecrets[BACKUP_SECRETS.htpasswdOf(c.repository)] = cred.http.bcryptHash;
                moreSecrets[BACKUP_SECRETS.keyOf(c.repository)] = cred.key.result;
            }
            return {
                site: args.site,
                ca: args.ca,
                host: args.host,
                certName: "backup",
                certificate: plan.certificate,
                step: "backup-server",
                secretNames: BACKUP_SECRETS,
                dirs: serverDirs(plan),
                files: serverFiles(plan),
                script: scriptText("server-step.sh"),
                moreSecrets,
                after: args.after,
            };
        };
        super("billu:backup:BackupServer", name, props, spec, opts);
    }
}

/** What one host adds to its base step to back up: files, folders, body and secrets. */
export interface BackupClientStep {
    readonly files: readonly GuestFile[];
    readonly dirs: readonly GuestDir[];
    readonly script: string;
    readonly secrets: Readonly<Record<string, pulumi.Input<string>>>;
    /** What the policy pack reads: the client's host, server, schedule and paths (components/contracts.ts). */
    readonly fact: { readonly type: string; readonly name: string; readonly props: BackupClientFact };
}

/**
 * The client part for one host: its settings (the data sets its services declared), its repository URL and key,
 * the job and its staggered timer. Undefined for a host the plan does not back up.
 */
export function backupClientStep(
    caCertPem: pulumi.Input<string>,
    plan: BackupPlan,
    hostName: string,
    sets: readonly BackupDataSet[],
    credentials: ReadonlyMap<string, BackupCredentials>,
): BackupClientStep | undefined {
    const client = plan.clients.find((c) => c.name === hostName);
    const cred = credentials.get(hostName);
    const own = sets.filter((s) => s.host === hostName);
    if (!client || !cred || own.length === 0) return undefined;
    const secrets = { [BACKUP_SECRETS.ca]: caCertPem, [BACKUP_SECRETS.http]: cred.http.result, [BACKUP_SECRETS.password]: cred.key.result };
    const fact = {
        type: BACKUP_CLIENT_TYPE,
        name: "backup-client",
        props: {
            host: client.name,
            os: client.os,
            server: `${plan.fqdn}:${plan.port}`,
            schedule: client.onCalendar,
            dataClasses: own.map((s) => s.dataClass),
            paths: own.flatMap((s) => [...s.paths]),
        },
    };
    if (client.os === "windows") {
        return {
            files: windowsClientFiles(plan, client, own),
            dirs: [],
            // Data: where the settings are, in the guest's own spelling (the rest is in the settings).
            script: stepScript("windows", "backup/client-step.ps1", { BACKUP_SETTINGS: WINDOWS_BACKUP_PATHS.settings.replace(/\//g, "\\") }),
            secrets,
            fact,
        };
    }
    return {
        files: clientFiles(plan, client, own),
        dirs: [{ path: "/etc/billu/backup", mode: "0700", owner: "root:root" }],
        script: scriptText("client-step.sh"),
        secrets,
        fact,
    };
}
