/**
 * Every resource synth registers has its own URN, as the engine demands ("Duplicate resource URN"); the SDK's mock
 * runtime accepts duplicates, so synth checks them (tools/mock-runtime.ts checkUniqueUrns). A small program under
 * the recording mock runtime.
 */
import * as pulumi from "@pulumi/pulumi";
import { InputError } from "../../model/errors";
import { checkUniqueUrns, installRecordingMocks, RecordedResource, SynthMocks, waitForRegistrations } from "../../tools/mock-runtime";

class Box extends pulumi.ComponentResource {
    constructor(type: string, name: string, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        this.registerOutputs({});
    }
}

let recorded: RecordedResource[];

beforeAll(async () => {
    recorded = installRecordingMocks(new SynthMocks(), "proj", "dev");
    // Unique: the same name under another type, or under a parent of another type.
    new Box("test:index:A", "one");
    new Box("test:index:B", "one");
    const p = new Box("test:index:A", "p");
    const q = new Box("test:index:A", "q");
    const r = new Box("test:index:B", "r");
    new Box("test:index:C", "child", { parent: r });
    // Duplicates: the same type and name at the top; the same name under two parents of the same type (a URN
    // holds the parents' types, not their names).
    new Box("test:index:A", "one");
    new Box("test:index:C", "child", { parent: p });
    new Box("test:index:C", "child", { parent: q });
    await waitForRegistrations();
});

test("the mock runtime itself records the duplicates without complaint", () => {
    expect(recorded.map((x) => x.urn).sort()).toEqual(
        [
            "urn:pulumi:dev::proj::test:index:A::one",
            "urn:pulumi:dev::proj::test:index:B::one",
            "urn:pulumi:dev::proj::test:index:A::p",
            "urn:pulumi:dev::proj::test:index:A::q",
            "urn:pulumi:dev::proj::test:index:B::r",
            "urn:pulumi:dev::proj::test:index:B$test:index:C::child",
            "urn:pulumi:dev::proj::test:index:A::one",
            "urn:pulumi:dev::proj::test:index:A$test:index:C::child",
            "urn:pulumi:dev::proj::test:index:A$test:index:C::child",
        ].sort(),
    );
});

test("checkUniqueUrns names both registrations of each duplicate URN and the fix", () => {
    let err: unknown;
    try {
        checkUniqueUrns(recorded);
    } catch (e) {
        err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const fix =
        "Fix: give each resource its own name (names that differ only by case or accents, in the config or the HR export, map to one resource name: make them differ)";
    expect((err as Error).message).toBe(
        [
            "duplicate resource URNs (2 problems):",
            `  - urn:pulumi:dev::proj::test:index:A$test:index:C::child: is registered 2 times: (type test:index:C, name "child", parent urn:pulumi:dev::proj::test:index:A::p) and (type test:index:C, name "child", parent urn:pulumi:dev::proj::test:index:A::q); pulumi up refuses a duplicate URN. ${fix}`,
            `  - urn:pulumi:dev::proj::test:index:A::one: is registered 2 times: (type test:index:A, name "one", parent the stack) and (type test:index:A, name "one", parent the stack); pulumi up refuses a duplicate URN. ${fix}`,
        ].join("\n"),
    );
});

test("unique URNs pass", () => {
    const unique = recorded.filter((x) => recorded.filter((y) => y.urn === x.urn).length === 1);
    expect(unique).toHaveLength(5);
    expect(() => checkUniqueUrns(unique)).not.toThrow();
});
