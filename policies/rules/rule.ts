/**
 * The shape of a BillU policy rule: a CrossGuard resource or stack validation plus the metadata every rule
 * carries (what, why, how to fix, enforcement level). Rules are pure functions of the resources they see, so
 * the pack (policies/index.ts) and offline synth (tools/policy-runner.ts) run the very same code.
 */
import { EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

export interface RuleMeta {
    /** Verb-first kebab-case (`disallow-wan-to-lan`). */
    readonly name: string;
    readonly description: string;
    /** Why the rule exists. */
    readonly reason: string;
    /** What to change when it fires. */
    readonly remediation: string;
    /** @default "mandatory": every rule is mandatory in every committed stack */
    readonly enforcementLevel: EnforcementLevel;
}

export type BilluRule = (ResourceValidationPolicy | StackValidationPolicy) & RuleMeta;

/** Fills in the CrossGuard fields from the rule's metadata. */
export function rule<T extends ResourceValidationPolicy | StackValidationPolicy>(
    meta: RuleMeta,
    body: Omit<T, "name" | "description" | "enforcementLevel">,
): T & RuleMeta {
    return {
        ...meta,
        ...(body as T),
        description: `${meta.description} Why: ${meta.reason}`,
        remediationSteps: meta.remediation,
    } as T & RuleMeta;
}

/** The Proxmox VM tags our ProxmoxVm sets (components/contracts.ts VM_TAG): `role-<role>`, `env-<env>`, `stateful`. */
export function vmTags(props: Record<string, unknown>): string[] {
    return Array.isArray(props.tags) ? (props.tags as unknown[]).map(String) : [];
}
