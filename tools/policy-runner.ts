/**
 * Runs the policy pack's rules over the resources offline synth recorded, the way CrossGuard would run them
 * over `pulumi preview`: resource validations per resource, stack validations once, remediations reported as
 * violations (offline, nothing is remediated: the program must be fixed).
 */
import { PolicyResource, ResourceValidationArgs, Secret, StackValidationArgs } from "@pulumi/policy";
import { InputError, Problems } from "../model/errors";
import { BilluRule } from "../policies/rules/rule";
import { RecordedResource, SECRET_MARK } from "./mock-runtime";

export interface Violation {
    policy: string;
    enforcementLevel: string;
    /** The resource's URN, or absent for a stack-level violation. */
    urn?: string;
    message: string;
}

/** `policies/config.<stack>.json`: a rule may be lowered to advisory, with a written reason. */
export type PackConfig = Record<string, { enforcementLevel: string; reason?: string }>;

export function effectiveLevels(rules: readonly BilluRule[], config: PackConfig, source: string): Map<string, string> {
    const problems = new Problems();
    const levels = new Map(rules.map((r) => [r.name, r.enforcementLevel as string]));
    for (const [name, c] of Object.entries(config)) {
        const path = `${source}.${name}`;
        if (!levels.has(name)) {
            problems.add(path, `names no rule of the pack`, `use one of ${[...levels.keys()].join(", ")}`);
        } else if (c.enforcementLevel !== "advisory") {
            problems.add(`${path}.enforcementLevel`, `is ${JSON.stringify(c.enforcementLevel)}`, "a stack may only lower a rule to advisory");
        } else if (!c.reason || c.reason.trim().length < 10) {
            problems.add(`${path}.reason`, "is missing or shorter than 10 characters", "write why this stack may lower the rule");
        } else {
            levels.set(name, "advisory");
        }
    }
    problems.throwIfAny("invalid policy pack config");
    return levels;
}

function withSecrets(v: unknown): unknown {
    if (v === SECRET_MARK) return new Secret(SECRET_MARK);
    if (Array.isArray(v)) return v.map(withSecrets);
    if (v && typeof v === "object" && !(v instanceof Secret)) {
        return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, withSecrets(x)]));
    }
    return v;
}

function typeOf(cls: unknown): string | undefined {
    return (cls as { __pulumiType?: string }).__pulumiType;
}

function policyResource(r: RecordedResource, byUrn: Map<string, PolicyResource>): PolicyResource {
    return {
        type: r.type,
        props: r.inputs,
        urn: r.urn,
        name: r.name,
        opts: {
            protect: r.options.protect,
            ignoreChanges: r.options.ignoreChanges,
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: r.options.additionalSecretOutputs,
            parent: r.parent,
        },
        get parent() {
            return r.parent ? byUrn.get(r.parent) : undefined;
        },
        get dependencies() {
            return r.options.dependsOn.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => !!x);
        },
        propertyDependencies: {},
        isType: (cls) => typeOf(cls) === r.type,
        asType: ((cls: unknown) => (typeOf(cls) === r.type ? r.inputs : undefined)) as PolicyResource["asType"],
    };
}

class NotApplicable extends Error {}

export async function runPolicies(
    resources: readonly RecordedResource[],
    rules: readonly BilluRule[],
    levels: Map<string, string>,
    stackConfig: Record<string, unknown> = {},
): Promise<Violation[]> {
    const violations: Violation[] = [];
    const byUrn = new Map<string, PolicyResource>();
    for (const r of resources) byUrn.set(r.urn, policyResource(r, byUrn));
    const notApplicable = (): never => {
        throw new NotApplicable();
    };
    for (const rule of rules) {
        const level = levels.get(rule.name) ?? rule.enforcementLevel;
        if (level === "disabled") continue;
        const reportLevel = level === "remediate" ? "mandatory" : level;
        const getConfig = <T extends object>() => (stackConfig[rule.name] ?? {}) as T;
        if ("validateResource" in rule || "remediateResource" in rule) {
            const rv = rule as BilluRule & { validateResource?: unknown; remediateResource?: unknown };
            for (const r of resources) {
                if (!r.custom) continue;
                const base = byUrn.get(r.urn)!;
                const args: ResourceValidationArgs = {
                    type: r.type,
                    props: r.inputs,
                    urn: r.urn,
                    name: r.name,
                    opts: base.opts,
                    stackTags: new Map(),
                    isType: base.isType,
                    asType: base.asType as ResourceValidationArgs["asType"],
                    getConfig,
                    notApplicable,
                };
                try {
                    if (typeof rv.validateResource === "function") {
                        const report = (message: string) => violations.push({ policy: rule.name, enforcementLevel: reportLevel, urn: r.urn, message });
                        await (rv.validateResource as (a: ResourceValidationArgs, rep: (m: string) => void) => unknown)(args, report);
                    }
                    if (typeof rv.remediateResource === "function") {
                        const props = withSecrets(r.inputs) as Record<string, unknown>;
                        const fixed = await (rv.remediateResource as (a: ResourceValidationArgs) => unknown)({ ...args, props });
                        if (fixed !== undefined) {
                            violations.push({
                                policy: rule.name,
                                enforcementLevel: reportLevel,
                                urn: r.urn,
                                message: `${r.name}: a sensitive input reaches the resource in plaintext; the pack would remediate it under the engine. ${rule.remediation}`,
                            });
                        }
                    }
                } catch (e) {
                    if (!(e instanceof NotApplicable)) throw e;
                }
            }
        }
        if ("validateStack" in rule && typeof rule.validateStack === "function") {
            const args: StackValidationArgs = { resources: [...byUrn.values()], stackTags: new Map(), getConfig, notApplicable };
            try {
                await rule.validateStack(args, (message, urn) => violations.push({ policy: rule.name, enforcementLevel: reportLevel, urn, message }));
            } catch (e) {
                if (!(e instanceof NotApplicable)) throw e;
            }
        }
    }
    return violations;
}

export { InputError };
