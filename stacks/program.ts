/**
 * The Pulumi program: read the stack's `billu:` config, validate it into the site model (before any resource
 * exists), build the site, export the outputs that document it. index.ts runs it under the real engine; offline
 * synth (tools/synth.ts) runs the very same function under the SDK's mock runtime.
 */
import * as pulumi from "@pulumi/pulumi";
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import { DirectoryLock, EMPTY_LOCK, parseDirectoryLock } from "../model/directory-lock";
import { InputError } from "../model/errors";
import { HrExport, parseHrExport } from "../model/hr";
import { assertNoPlaintextSecrets, CONFIG_KEYS } from "../model/schema";
import type { Asked } from "../model/requirements";
import { FlowNeed, planOf } from "../model/services/types";
import { assetsService } from "../model/services/assets";
import { gpoService } from "../model/services/gpo";
import { monitoringService } from "../model/services/monitoring";
import { vmBackupService } from "../model/services/vm-backup";
import { peerDirectoryLoader } from "./peer-directory";
import { buildSiteModel, missingFlows, SiteModel } from "../model/site";
import { knownHostsOf } from "../components/proxmox-vm/ProxmoxVm";
import { monitoringPartnerOutputs } from "../components/monitoring/role";
import { guardRunner } from "./runner-check";
import { Site } from "./site";
import { trustOutputs } from "./trust";
import { vpnOutputs, withVpnPeer } from "./vpn";

/** Bad input, reported to the user without a stack trace (Pulumi prints a RunError's message only). */
export class InvalidInput extends pulumi.RunError {
    readonly problems: InputError["problems"];
    constructor(err: InputError) {
        super(err.message);
        this.name = "InvalidInput";
        this.problems = err.problems;
    }
}

/** Project root: where Pulumi.yaml is (paths in config are relative to it). */
export function projectRoot(): string {
    return process.env.BILLU_PROJECT_ROOT ?? process.cwd();
}

/** Reads the raw `billu:` namespace. Object values arrive as JSON text; anything else is kept as is for zod. */
export function readRawConfig(cfg = new pulumi.Config("billu")): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const key of CONFIG_KEYS) {
        const text = cfg.get(key);
        if (text === undefined) continue;
        try {
            raw[key] = JSON.parse(text);
        } catch {
            raw[key] = text;
        }
    }
    return raw;
}

/**
 * Under `pulumi up` and `preview` too (the offline tools check the stack file itself): a config value whose name says
 * it is a secret must have been set with `pulumi config set --secret`, or it sits in plaintext in the stack file and
 * in the state. The engine lists the secret keys for the program; the SDK reads that list with `isConfigSecret`.
 */
export function assertConfigSecretsEncrypted(): void {
    // isConfigSecret is exported by the SDK's runtime but marked internal, so its type is not published.
    const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
    if (!isSecret) throw new Error("internal: @pulumi/pulumi no longer exports runtime.isConfigSecret; the plaintext secret check needs it");
    const plain: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(pulumi.runtime.allConfig())) {
        if (isSecret(k)) continue;
        try {
            plain[k] = JSON.parse(v);
        } catch {
            plain[k] = v;
        }
    }
    assertNoPlaintextSecrets(plain, `Pulumi.${pulumi.getStack()}.yaml`);
}

/** Reads the directory lock (BILLU_DIRECTORY_LOCK overrides the config's path); a missing file is the empty lock. */
export function loadDirectoryLock(p: string | undefined): DirectoryLock {
    const file = process.env.BILLU_DIRECTORY_LOCK ?? (p !== undefined ? path.resolve(projectRoot(), p) : undefined);
    if (file === undefined || !existsSync(file)) return EMPTY_LOCK;
    return parseDirectoryLock(readFileSync(file, "utf8"), process.env.BILLU_DIRECTORY_LOCK ? file : p!);
}

/** Builds the model from config, loading the HR export and the directory lock (BILLU_HR_CSV, BILLU_DIRECTORY_LOCK for synth). */
export function loadModel(raw: Record<string, unknown>): SiteModel {
    return buildSiteModel(raw, loadHr, loadDirectoryLock, { peerDirectory: peerDirectoryLoader(projectRoot()) });
}

/** The flows the site requires and its billu:flows lacks (model/site.ts missingFlows), read with loadModel's loaders. */
export function loadMissingFlows(raw: Record<string, unknown>): Asked<FlowNeed>[] {
    return missingFlows(raw, loadHr, loadDirectoryLock);
}

function loadHr(p: string): HrExport {
    const file = process.env.BILLU_HR_CSV ?? path.resolve(projectRoot(), p);
    let bytes: Buffer;
    try {
        bytes = readFileSync(file);
    } catch {
        throw new InputError([
            {
                path: "billu:directory.hrCsv",
                message: `${JSON.stringify(p)} cannot be read (${file})`,
                fix: "commit the HR export at that path, or correct the path",
            },
        ]);
    }
    return parseHrExport(bytes, process.env.BILLU_HR_CSV ? file : p);
}

/** The stack secret the PBS backup storage logs on with (`pulumi config set --secret billu:vmBackupPbsPassword`). */
export const PBS_PASSWORD_KEY = "vmBackupPbsPassword";

/**
 * The PBS storage's secret, read here in the stack layer and handed to the VmBackup component as an argument:
 * undefined when billu:vmBackup does not store on PBS. Missing while needed is bad input, reported before any
 * resource exists. Offline synth (`offline`) has no stack secrets: a placeholder, recorded as a secret, stands in.
 */
export function vmBackupPbsPassword(
    model: SiteModel,
    getSecret: (key: string) => pulumi.Output<string> | undefined,
    offline: boolean,
): pulumi.Output<string> | undefined {
    const storage = planOf(vmBackupService, model)?.storage;
    if (storage?.kind !== "pbs") return undefined;
    const secret = getSecret(PBS_PASSWORD_KEY);
    if (secret !== undefined) return secret;
    if (offline) return pulumi.secret("offline-synth-placeholder");
    throw new InputError([
        {
            path: `billu:${PBS_PASSWORD_KEY}`,
            message: `is not set, and billu:vmBackup.storage.kind is pbs: the cluster cannot log on to ${storage.server}`,
            fix: `run pulumi config set --secret billu:${PBS_PASSWORD_KEY} (the password or API token secret of ${storage.username})`,
        },
    ]);
}

/**
 * prod installs no Windows Zabbix agent it cannot check: with Windows hosts to monitor, `billu:monitoring.windowsAgent.sha256`
 * must pin the MSI's hash (their base step verifies the download against it: scripts/monitoring/agent-windows.ps1, which
 * without one installs nothing and only warns). Missing in prod, it is bad input before any resource exists, in
 * `pulumi preview` and `up` alike. Offline synth (`offline`) cannot download the MSI to learn its hash and lets it
 * through, so CI still synthesizes the committed prod stack while no hash is pinned (docs/services/monitoring.md).
 */
export function requirePinnedWindowsAgent(model: SiteModel, offline: boolean): void {
    if (offline || model.site.environment !== "prod") return;
    const plan = planOf(monitoringService, model);
    const windows = (plan?.hosts ?? []).filter((h) => h.os === "windows").map((h) => h.name);
    const agent = plan?.windowsAgent;
    if (!agent || windows.length === 0 || agent.sha256) return;
    throw new InputError([
        {
            path: "billu:monitoring.windowsAgent.sha256",
            message: `is not set, but this prod stack installs Zabbix agent 2 ${agent.version} on ${windows.join(", ")} from ${agent.msiUrl}, and their base step installs no MSI it cannot check against a pinned hash`,
            fix:
                "download the MSI once on a trusted machine, read its hash (Get-FileHash <file> -Algorithm SHA256, or sha256sum <file>) and pin it: " +
                "pulumi config set --path 'billu:monitoring.windowsAgent.sha256' <its 64 hex digits>",
        },
    ]);
}

/**
 * prod installs no GLPI it cannot check: with a GLPI server, `billu:assets.glpi.sha256` must pin the release tarball's
 * hash (the glpi-server step installs no tarball whose hash differs, and none without one: it prepares the database and
 * stops). Refused before any resource exists in a real preview or up; offline synth (`offline`), which downloads
 * nothing, renders the stack anyway, so CI synthesizes prod with PAR-GLPI01 while no verified hash is pinned.
 */
export function requirePinnedGlpi(model: SiteModel, offline: boolean): void {
    if (offline || model.site.environment !== "prod") return;
    const glpi = planOf(assetsService, model)?.glpi;
    if (!glpi || glpi.sha256) return;
    throw new InputError([
        {
            path: "billu:assets.glpi.sha256",
            message: `is not set, and a production stack installs no unpinned GLPI (${glpi.version})`,
            fix:
                `set it to the SHA-256 of ${glpi.url} (published on the release's page, or sha256sum of a copy you trust): ` +
                "pulumi config set --path 'billu:assets.glpi.sha256' <its 64 hex digits>",
        },
    ]);
}

/**
 * prod installs no GLPI agent MSI it cannot check: when a GPO deploys it (the named policy glpiAgent),
 * `billu:assets.windowsAgent.sha256` must pin the MSI's hash (the startup script, scripts/assets/Install-GlpiAgent.ps1,
 * installs nothing without it and only logs). Same rule and same offline exception as requirePinnedWindowsAgent.
 */
export function requirePinnedGlpiAgent(model: SiteModel, offline: boolean): void {
    if (offline || model.site.environment !== "prod") return;
    const gpos = (planOf(gpoService, model)?.gpos ?? []).filter((g) => g.named.some((n) => n.name === "glpiAgent")).map((g) => g.name);
    const agent = planOf(assetsService, model)?.windowsAgent;
    if (!agent || gpos.length === 0 || agent.sha256) return;
    throw new InputError([
        {
            path: "billu:assets.windowsAgent.sha256",
            message: `is not set, but this prod stack deploys the GLPI agent ${agent.version} from ${agent.msiUrl} by GPO (${gpos.join(", ")}), and its startup script installs no MSI it cannot check against a pinned hash`,
            fix:
                "download the MSI once on a trusted machine, read its hash (Get-FileHash <file> -Algorithm SHA256, or sha256sum <file>) and pin it: " +
                "pulumi config set --path 'billu:assets.windowsAgent.sha256' <its 64 hex digits>",
        },
    ]);
}

export async function main(): Promise<Record<string, unknown>> {
    let model: SiteModel;
    let vpnPeerPsk: pulumi.Output<string> | undefined;
    let monitoringPartnerPsks: ReadonlyMap<string, pulumi.Output<string>> | undefined;
    let pbsPassword: pulumi.Output<string> | undefined;
    try {
        assertConfigSecretsEncrypted();
        model = loadModel(readRawConfig());
        ({ model, peerPsk: vpnPeerPsk, monitoringPartnerPsks } = await withVpnPeer(model));
        // Before anything is registered: a runner outside the management allowlist would lock itself out (#16).
        await guardRunner(model);
        const billu = new pulumi.Config("billu");
        pbsPassword = vmBackupPbsPassword(model, (k) => billu.getSecret(k), process.env.BILLU_SYNTH_OUT !== undefined);
        requirePinnedWindowsAgent(model, process.env.BILLU_SYNTH_OUT !== undefined);
        requirePinnedGlpi(model, process.env.BILLU_SYNTH_OUT !== undefined);
        requirePinnedGlpiAgent(model, process.env.BILLU_SYNTH_OUT !== undefined);
    } catch (e) {
        if (e instanceof InputError) throw new InvalidInput(e);
        throw e;
    }
    const stack = pulumi.getStack();
    const renderDir = process.env.BILLU_RENDER_DIR ?? path.join(projectRoot(), ".billu", "rendered", stack);
    const sshPrivateKey = new pulumi.Config("billu").getSecret("sshPrivateKey");
    const site = new Site(`${model.site.code.toLowerCase()}`, {
        model,
        renderDir,
        sshPrivateKey,
        vpnPeerPsk,
        vmBackupPbsPassword: pbsPassword,
        monitoringPartnerPsks,
    });
    return {
        site: site.docs.site,
        zones: site.docs.zones,
        hosts: site.docs.hosts,
        flows: site.docs.flows,
        sections: site.docs.sections,
        caCertPem: site.caCertPem,
        // The SSH host keys the stack generated for its Debian guests (pinned by the guest steps), as known_hosts lines.
        knownHosts: knownHostsOf(site.ctx.vms, (h) => model.host(h).nics[0].address),
        ...vpnOutputs(model, site.vpn),
        ...trustOutputs(site.trust),
        // A site watched by its partner's Zabbix server: its hosts and their PSKs, one secret output the partner reads.
        ...monitoringPartnerOutputs(site.ctx),
        // What roles publish (the mail domain's DKIM record, to publish at the public DNS provider).
        ...site.roleOutputs,
        // What `npm run acceptance` logs on as; the password stays a secret (`pulumi stack output --show-secrets`).
        ...(site.acceptance ? { acceptanceAccount: site.acceptance.account, acceptancePassword: site.acceptance.password } : {}),
        // What `npm run directory:drift` binds as (read-only); the password stays a secret like the acceptance one.
        ...(site.driftReader ? { driftReaderAccount: site.driftReader.account, driftReaderPassword: site.driftReader.password } : {}),
        // What the roles add, each a secret (the Zabbix frontend's Admin password: docs/services/monitoring.md).
        ...site.roleSecretOutputs,
    };
}
