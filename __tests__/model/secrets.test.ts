/** Plaintext secrets in a stack file: refused with the key as written and `pulumi config set --secret` as the fix. */
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { readStackConfig } from "../../tools/synth";
import { assertNoPlaintextSecrets, plaintextSecrets } from "../../model/schema";
import { formatProblem, InputError } from "../../model/errors";

const committed = (stack: string) =>
    (parse(readFileSync(path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
const check = (config: Record<string, unknown>) => plaintextSecrets(config, "Pulumi.dev.yaml").map(formatProblem);

test.each(["dev", "prod", "ecotech"])("the committed stack %s has none (its pskLength is a number, not a key)", (stack) => {
    expect(check(committed(stack))).toEqual([]);
});

test("baseline: secrets set with pulumi config set --secret are encrypted objects", () => {
    expect(check({ ...committed("dev"), "billu:sshPrivateKey": { secure: "v1:abc" }, "proxmoxve:apiToken": { secure: "v1:def" } })).toEqual([]);
});

describe("one plaintext secret each", () => {
    const cases: [string, Record<string, unknown>, string][] = [
        [
            "an SSH private key",
            { "billu:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n" },
            "billu:sshPrivateKey: is written in plaintext in Pulumi.dev.yaml, and its name says it is a secret (the value is not shown). Fix: delete it from Pulumi.dev.yaml and run pulumi config set --secret billu:sshPrivateKey (it then stores the value encrypted)",
        ],
        [
            "the Proxmox API token",
            { "proxmoxve:apiToken": "root@pam!ci=8c2a3c1e-0000-4000-8000-000000000000" },
            "proxmoxve:apiToken: is written in plaintext in Pulumi.dev.yaml, and its name says it is a secret (the value is not shown). Fix: delete it from Pulumi.dev.yaml and run pulumi config set --secret proxmoxve:apiToken (it then stores the value encrypted)",
        ],
        [
            "a provider password",
            { "proxmoxve:password": "hunter2" },
            "proxmoxve:password: is written in plaintext in Pulumi.dev.yaml, and its name says it is a secret (the value is not shown). Fix: delete it from Pulumi.dev.yaml and run pulumi config set --secret proxmoxve:password (it then stores the value encrypted)",
        ],
        [
            "a nested pre-shared key",
            { "billu:vpn": { tunnel: "ecotech", owner: { psk: "s3cr3t-shared-key" } } },
            "billu:vpn.owner.psk: is written in plaintext in Pulumi.dev.yaml, and its name says it is a secret (the value is not shown). Fix: delete it from Pulumi.dev.yaml and run pulumi config set --path --secret billu:vpn.owner.psk (it then stores the value encrypted)",
        ],
        [
            "a billu: key named like a secret",
            { "billu:adminPassword": "P@ssw0rd" },
            "billu:adminPassword: is written in plaintext in Pulumi.dev.yaml, and its name says it is a secret (the value is not shown). Fix: delete it from Pulumi.dev.yaml and run pulumi config set --secret billu:adminPassword (it then stores the value encrypted)",
        ],
    ];
    test.each(cases)("%s", (_name, extra, message) => {
        expect(check({ ...committed("dev"), ...extra })).toEqual([message]);
    });
});

test("assertNoPlaintextSecrets throws an InputError (exit 2) that never shows the value", () => {
    const secret = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----";
    let err: unknown;
    try {
        assertNoPlaintextSecrets({ "billu:sshPrivateKey": secret, "proxmoxve:apiToken": "root@pam!ci=0d1e" }, "Pulumi.dev.yaml");
    } catch (e) {
        err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems.map((p) => p.path)).toEqual(["billu:sshPrivateKey", "proxmoxve:apiToken"]);
    expect((err as Error).message).not.toContain("BEGIN OPENSSH");
    expect((err as Error).message).not.toContain("root@pam!ci=0d1e");
});

test("the offline tools refuse a stack file with a plaintext secret (tools/synth.ts readStackConfig)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-secrets-"));
    const file = path.join(dir, "Pulumi.dev.yaml");
    writeFileSync(file, stringify({ config: { ...committed("dev"), "proxmoxve:apiToken": "root@pam!ci=0d1e" } }));
    expect(() => readStackConfig(file)).toThrow(
        "plaintext secret in the stack file (1 problem):\n  - proxmoxve:apiToken: is written in plaintext in Pulumi.dev.yaml, and its name says it is a secret (the value is not shown). Fix: delete it from Pulumi.dev.yaml and run pulumi config set --secret proxmoxve:apiToken (it then stores the value encrypted)",
    );
});
