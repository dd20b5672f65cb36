/** Calls a rule the way CrossGuard does, on hand-built resources (after pulumi-policy-aws's tests/util.ts). */
import { RecordedResource } from "../../tools/mock-runtime";
import { runPolicies, Violation } from "../../tools/policy-runner";
import { BilluRule } from "../../policies/rules/rule";

export function vm(name: string, inputs: Record<string, unknown>, options: Partial<RecordedResource["options"]> = {}): RecordedResource {
    return {
        urn: `urn:pulumi:test::billu-infra::proxmoxve:index/vmLegacy:VmLegacy::${name}`,
        type: "proxmoxve:index/vmLegacy:VmLegacy",
        name,
        custom: true,
        inputs,
        options: {
            protect: false,
            retainOnDelete: false,
            dependsOn: [],
            ignoreChanges: [],
            additionalSecretOutputs: [],
            deleteBeforeReplace: false,
            replaceWith: [],
            ...options,
        },
    };
}

export function resource(type: string, name: string, inputs: Record<string, unknown>): RecordedResource {
    return { ...vm(name, inputs), type, urn: `urn:pulumi:test::billu-infra::${type}::${name}` };
}

export async function check(rule: BilluRule, resources: RecordedResource[]): Promise<string[]> {
    const v: Violation[] = await runPolicies(resources, [rule], new Map());
    return v.map((x) => x.message);
}

/** A compliant baseline VM: one NIC, firewall on, stateless dev. */
export function baselineVm(overrides: Record<string, unknown> = {}) {
    return {
        name: "PAR-WEB01",
        tags: ["billu", "env-dev", "role-web", "stateless"],
        networkDevices: [{ bridge: "vmbr1", vlanId: 200, firewall: true }],
        protection: false,
        ...overrides,
    };
}
