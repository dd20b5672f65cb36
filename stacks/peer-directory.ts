/**
 * The VPN partner's declared groups (billu:trust.localGroups of its committed stack file), for the model's check of
 * billu:trust.partner.adminGroup (model/trust.ts). The partner's stack is the last part of billu:vpn.peerStack
 * (`organization/billu-infra/ecotech` -> Pulumi.ecotech.yaml in the project root). A partner whose stack file is not in
 * this project, or declares no localGroups, is not checked.
 */
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import type { PeerDirectory } from "../model/trust";

export function peerDirectoryLoader(root: string): (peerStack: string) => PeerDirectory | undefined {
    return (peerStack) => {
        const file = `Pulumi.${peerStack.split("/").pop()}.yaml`;
        const full = path.join(root, file);
        if (!existsSync(full)) return undefined;
        const doc = parseYaml(readFileSync(full, "utf8")) as { config?: Record<string, unknown> } | null;
        const trust = doc?.config?.["billu:trust"] as { localGroups?: unknown } | undefined;
        if (!Array.isArray(trust?.localGroups)) return undefined;
        // The partner's own model checks its entries' form; here only their names are read.
        const groups = trust.localGroups.flatMap((g: unknown) =>
            typeof g === "object" && g !== null && typeof (g as { name?: unknown }).name === "string" ? [(g as { name: string }).name] : [],
        );
        return { file, groups };
    };
}
