/**
 * The plaintext-secret check under the real engine's path (stacks/program.ts reads config through the SDK, not the
 * stack file): a secret-named key the engine does not list as secret is refused, one set with --secret passes.
 */
import * as pulumi from "@pulumi/pulumi";
import { InputError } from "../../model/errors";
import { assertConfigSecretsEncrypted } from "../../stacks/program";

const problems = () => {
    try {
        assertConfigSecretsEncrypted();
        return [];
    } catch (e) {
        if (e instanceof InputError) return e.problems.map((p) => `${p.path}: ${p.message}. Fix: ${p.fix}`);
        throw e;
    }
};

beforeAll(() => pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "billu-infra", "dev"));

test("a secret-named key set without --secret is refused, naming the key and the command", () => {
    pulumi.runtime.setAllConfig(
        { "billu:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----", "proxmoxve:apiToken": "u@pve!t=x", "billu:site": '{"name":"x"}' },
        [],
    );
    expect(problems()).toEqual([
        "billu:sshPrivateKey: is written in plaintext in Pulumi.dev.yaml, and its name says it is a secret (the value is not shown). Fix: delete it from Pulumi.dev.yaml and run pulumi config set --secret billu:sshPrivateKey (it then stores the value encrypted)",
        "proxmoxve:apiToken: is written in plaintext in Pulumi.dev.yaml, and its name says it is a secret (the value is not shown). Fix: delete it from Pulumi.dev.yaml and run pulumi config set --secret proxmoxve:apiToken (it then stores the value encrypted)",
    ]);
});

test("the same keys set with --secret (the engine lists them as secret) pass", () => {
    pulumi.runtime.setAllConfig({ "billu:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----", "proxmoxve:apiToken": "u@pve!t=x" }, [
        "billu:sshPrivateKey",
        "proxmoxve:apiToken",
    ]);
    expect(problems()).toEqual([]);
});
