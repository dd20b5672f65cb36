import { StackValidationPolicy } from "@pulumi/policy";
import { RANDOM_PASSWORD_TYPE, VPN_TYPE } from "../../components/contracts";
import { MIN_PSK_LENGTH, proposalWeakness } from "../../model/vpn-crypto";
import { rule } from "./rule";

function list(v: unknown): string[] {
    return Array.isArray(v) ? v.map(String) : [];
}

export const enforceVpnStrongCrypto = rule<StackValidationPolicy>(
    {
        name: "enforce-vpn-strong-crypto",
        description:
            "Every site-to-site tunnel uses AES-GCM-256, PRF SHA-384 and ECP-384 (or stronger) in IKE and ESP, PFS on every rekey, and a pre-shared key of at least 32 random characters.",
        reason: "The tunnel carries BillU's internal traffic over the internet: a weak suite or a short key can be broken offline from a capture.",
        remediation:
            "Set billu:vpn.owner.ikeProposals to aes256gcm16-prfsha384-ecp384, espProposals to aes256gcm16-ecp384 and pskLength to 32 or more (default 48).",
        enforcementLevel: "mandatory",
    },
    {
        validateStack: (args, reportViolation) => {
            for (const r of args.resources) {
                if (r.type !== VPN_TYPE) continue;
                const p = r.props as Record<string, unknown>;
                const name = String(p.tunnel ?? r.name);
                const ike = list(p.ikeProposals);
                const esp = list(p.espProposals);
                if (p.paired === true && (ike.length === 0 || esp.length === 0)) {
                    reportViolation(
                        `VPN ${name}: no ${ike.length === 0 ? "IKE" : "ESP"} proposal, so the daemon's defaults (weak suites included) would apply.`,
                        r.urn,
                    );
                }
                for (const [kind, proposals] of [
                    ["ike", ike],
                    ["esp", esp],
                ] as const) {
                    for (const proposal of proposals) {
                        const weak = proposalWeakness(proposal, kind);
                        if (weak) reportViolation(`VPN ${name}: ${kind.toUpperCase()} proposal "${proposal}" is too weak: ${weak}.`, r.urn);
                    }
                }
                const pskLength = Number(p.pskLength ?? 0);
                if ((p.owner === true || p.paired === true) && pskLength < MIN_PSK_LENGTH) {
                    reportViolation(`VPN ${name}: the pre-shared key is ${pskLength} characters, fewer than ${MIN_PSK_LENGTH}.`, r.urn);
                }
                for (const key of args.resources) {
                    if (key.type !== RANDOM_PASSWORD_TYPE || key.parent?.urn !== r.urn) continue;
                    const length = Number((key.props as Record<string, unknown>).length ?? 0);
                    if (length < MIN_PSK_LENGTH) {
                        reportViolation(`VPN ${name}: the generated key ${key.name} is ${length} characters, fewer than ${MIN_PSK_LENGTH}.`, key.urn);
                    }
                }
            }
        },
    },
);
