/**
 * GuestStep's `secretMap` (issue #24): secrets computed together reach the step's stdin from ONE Output, exactly as the
 * same values bound one by one in `secretValues` would (the PBX's 10,000 derived extension secrets held 235 MiB of a
 * 5,000-person synth as one Output each). Mocks first, then `await import`.
 */
import * as pulumi from "@pulumi/pulumi";
import { mkdtempSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { waitForRegistrations } from "../../tools/mock-runtime";

const registered: { name: string; inputs: Record<string, unknown> }[] = [];

beforeAll(() => {
    pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push({ name: args.name, inputs: args.inputs });
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: (args) => args.inputs,
        },
        "billu-infra",
        "dev",
        false,
    );
});

/** The stdin the mocks received for a step's apply command, out of its secret envelope if it has one. */
function stdinOf(step: string): unknown {
    const v = registered.find((r) => r.name === `${step}-apply`)!.inputs.stdin;
    return v !== null && typeof v === "object" && "value" in v ? (v as { value: unknown }).value : v;
}

const hex = (s: string) => Buffer.from(s, "utf8").toString("hex");

test("a secretMap binds the names secretValues leaves unbound; stdin is the same as with every value bound one by one", async () => {
    const { GuestStep } = await import("../../components/guest-step/GuestStep");
    const renderDir = mkdtempSync(path.join(tmpdir(), "billu-secret-map-"));
    const common = { files: [], script: "true", renderDir, host: "PAR-PBX01", os: "linux" as const, connection: { host: "10.0.0.1", user: "billu-admin" } };
    new GuestStep("mapped", {
        ...common,
        step: "a",
        secrets: ["ca", "sip-1001", "vm-1001"],
        secretValues: { ca: "CA-PEM" },
        // "unused" is not a secret of the step: ignored, as secretValues' extra keys are.
        secretMap: pulumi.secret(pulumi.output({ "sip-1001": "Sip1001", "vm-1001": "424242", unused: "never-sent" })),
    });
    new GuestStep("bound", {
        ...common,
        step: "b",
        secrets: ["ca", "sip-1001", "vm-1001"],
        secretValues: { ca: "CA-PEM", "sip-1001": "Sip1001", "vm-1001": "424242" },
    });
    await waitForRegistrations();
    const expected = `ca\t${hex("CA-PEM")}\nsip-1001\t${hex("Sip1001")}\nvm-1001\t${hex("424242")}\n`;
    expect(stdinOf("mapped")).toBe(expected);
    expect(stdinOf("bound")).toBe(expected);
});

test("without a secretMap, a secret bound to no value is refused at once, naming the step and the secret", async () => {
    const { GuestStep } = await import("../../components/guest-step/GuestStep");
    const renderDir = mkdtempSync(path.join(tmpdir(), "billu-secret-map-"));
    expect(
        () =>
            new GuestStep("unbound", {
                files: [],
                script: "true",
                renderDir,
                host: "PAR-PBX01",
                os: "linux",
                connection: { host: "10.0.0.1", user: "billu-admin" },
                step: "c",
                secrets: ["ca", "vm-1001"],
                secretValues: { ca: "CA-PEM" },
            }),
    ).toThrow("guest step PAR-PBX01/c needs the secret vm-1001, but no value is bound to it");
});
