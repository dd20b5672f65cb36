/**
 * Offline synth's answer to a `pulumi.StackReference` (tools/mock-runtime.ts): the outputs the referenced stack
 * would export, computed from its committed Pulumi.<stack>.yaml with the very functions its own program exports
 * them with (buildSiteModel, then vpnPeerExport). Chosen over reading out/<stack>/outputs.json: it needs no
 * synth order (synth-all runs stacks alphabetically, ecotech before prod) and can never be stale. Secret outputs
 * (the key) get a fresh mock secret, so a leak test can look for it; a structured secret output (the monitored hosts
 * and their PSKs, monitoringPartner) keeps its shape, each MOCK_SECRET in it replaced by a fresh mock secret. A stack name names its file by its last
 * segment: `organization/billu-infra/ecotech` -> Pulumi.ecotech.yaml.
 */
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import { EMPTY_LOCK, parseDirectoryLock } from "../model/directory-lock";
import { InputError } from "../model/errors";
import { parseHrExport } from "../model/hr";
import { buildSiteModel } from "../model/site";
import { vpnPeerExport } from "../model/vpn";
import { VPN_OUTPUTS } from "../components/vpn/peer";
import { TRUST_PASSWORD_OUTPUT } from "../components/trust/render";
import { trustService } from "../model/services/trust";
import { planOf } from "../model/services/types";
import { readBilluConfig } from "./stack-config";
import { MONITORING_PARTNER_OUTPUT, monitoringPartnerExport } from "../model/monitoring";
import { monitoringService } from "../model/services/monitoring";
import { MOCK_SECRET } from "./mock-runtime";

export { MOCK_SECRET };

export function offlineStackOutputs(root: string, name: string): { outputs: Record<string, unknown>; secretOutputNames: string[] } {
    const stack = name.split("/").pop()!;
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!existsSync(file)) return { outputs: {}, secretOutputNames: [] };
    const raw = readBilluConfig(file);
    let local;
    let trustOwner = false;
    let monitoring: Record<string, unknown> | undefined;
    try {
        // The peer's model is built as its own program builds it, with its committed HR export and directory lock (read
        // from the project root: BILLU_HR_CSV and BILLU_DIRECTORY_LOCK are the synthesized stack's, not its peer's). Its
        // VPN end and trust need neither, but the model's site-wide checks do: a service planned from the directory
        // (GLPI) declares the port it listens on and the data it backs up, and without it the peer's flows to GLPI
        // would open a port where nothing listens and its backup would name a client without data.
        const peer = buildSiteModel(
            raw,
            (p) => parseHrExport(readFileSync(path.resolve(root, p)), p),
            (p) => (p !== undefined && existsSync(path.resolve(root, p)) ? parseDirectoryLock(readFileSync(path.resolve(root, p), "utf8"), p) : EMPTY_LOCK),
        );
        local = peer.vpnLocal;
        // The forest trust's password (billu:trust), exported as a secret by the side that owns the trust.
        trustOwner = planOf(trustService, peer)?.isOwner ?? false;
        // Its hosts watched by this side's Zabbix server (billu:monitoring.remoteServer): the hosts, each PSK a mock secret.
        const mon = planOf(monitoringService, peer);
        if (mon?.remote) {
            const exported = monitoringPartnerExport(mon, peer.site.company);
            monitoring = { ...exported, psks: Object.fromEntries(exported.hosts.map((h) => [h.name, MOCK_SECRET])) };
        }
    } catch (e) {
        if (e instanceof InputError) {
            throw new InputError(
                e.problems.map((p) => ({ ...p, path: `${path.basename(file)} (the peer stack ${name}): ${p.path}` })),
                "invalid VPN peer stack",
            );
        }
        throw e;
    }
    if (!local) return { outputs: {}, secretOutputNames: [] };
    return {
        outputs: { [VPN_OUTPUTS.peer]: vpnPeerExport(local), ...(monitoring ? { [MONITORING_PARTNER_OUTPUT]: monitoring } : {}) },
        secretOutputNames: [
            ...(local.owner ? [VPN_OUTPUTS.psk] : []),
            ...(trustOwner ? [TRUST_PASSWORD_OUTPUT] : []),
            ...(monitoring ? [MONITORING_PARTNER_OUTPUT] : []),
        ],
    };
}
