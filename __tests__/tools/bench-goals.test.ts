/** The state estimate of `npm run bench` (tools/bench-goals.ts): what it counts for a component, a custom resource, a secret. */
import { footprint, stateBytes, StateResource } from "../../tools/bench-goals";

const component: StateResource = {
    urn: "urn:pulumi:dev::billu-infra::billu:directory:Accounts::par-directory-accounts-00",
    type: "billu:directory:Accounts",
    name: "par-directory-accounts-00",
    inputs: { accounts: { "lea.laurent2": { sam: "lea.laurent2", mobile: "[secret]" } } },
};
const head = (r: StateResource) => JSON.stringify({ urn: r.urn, type: r.type, parent: "", dependencies: [] }).length;

test("a component: its inputs once (outputs are what it registers, {}), a secret as its ciphertext (140 bytes)", () => {
    const props = JSON.stringify(component.inputs).length;
    expect(stateBytes(component)).toBe(head(component) + 80 + props - '"[secret]"'.length + 140);
});

test("a custom resource: its inputs twice (outputs echo them), and the provider reference", () => {
    const pw: StateResource = {
        urn: "urn:pulumi:dev::billu-infra::random:index/randomPassword:RandomPassword::par-directory-user-lea.laurent2-password",
        type: "random:index/randomPassword:RandomPassword",
        name: "par-directory-user-lea.laurent2-password",
        custom: true,
        inputs: { length: 20 },
    };
    expect(stateBytes(pw)).toBe(head(pw) + 260 + 2 * JSON.stringify(pw.inputs).length);
    expect(footprint([component, pw, { ...pw, name: "par-pbx01-sip-4001", urn: pw.urn + "x" }])).toMatchObject({
        resources: 3,
        personPasswords: 1,
        extensionSecrets: 1,
    });
    // The PBX's master key (issue #24) is infrastructure, not an extension's secret.
    expect(footprint([{ ...pw, name: "par-pbx01-extension-key", urn: pw.urn + "k" }]).extensionSecrets).toBe(0);
});
