/**
 * Offline synthesis support: runs a Pulumi program under the SDK's mock runtime and records every resource
 * registration with what a reviewer needs to see (type, name, URN, parent, inputs with secrets redacted, and
 * the options protect, retainOnDelete, dependsOn, ignoreChanges, provider). The mocks answer like the providers
 * would for the few outputs the program reads (ids, generated secrets, certificates); every generated secret is
 * a fresh random value, remembered so tests can prove none of them reaches any synth output.
 */
import * as pulumi from "@pulumi/pulumi";
import { randomBytes } from "crypto";
import { InputError } from "../model/errors";

// Internal SDK modules: the mock monitor we extend, and the knobs setMocks itself turns.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mocksModule = require("@pulumi/pulumi/runtime/mocks");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const stateModule = require("@pulumi/pulumi/runtime/state");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require("@pulumi/pulumi/runtime/rpc");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const resproto = require("@pulumi/pulumi/proto/resource_pb");

export const SECRET_MARK = "[secret]";
export const UNKNOWN_MARK = "[unknown]";

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent?: string;
    inputs: Record<string, unknown>;
    options: {
        protect: boolean;
        retainOnDelete: boolean;
        dependsOn: string[];
        ignoreChanges: string[];
        provider?: string;
        additionalSecretOutputs: string[];
        deleteBeforeReplace: boolean;
        /** Urns of the resources whose replacement replaces this one. */
        replaceWith: string[];
    };
}

/** Replaces the wire encoding of secrets, assets, unknowns and resource references with readable values. */
export function readable(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(readable);
    if (v === rpc.unknownValue) return UNKNOWN_MARK;
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        const sig = o[rpc.specialSigKey];
        if (sig === rpc.specialSecretSig) return SECRET_MARK;
        if (sig === rpc.specialAssetSig)
            return o.path !== undefined ? { fileAsset: o.path } : o.text !== undefined ? { stringAsset: o.text } : { remoteAsset: o.uri };
        if (sig === rpc.specialArchiveSig) return o.path !== undefined ? { fileArchive: o.path } : { archive: readable(o.assets ?? o.uri) };
        if (sig === rpc.specialResourceSig) return { resource: o.urn };
        if (sig === rpc.specialOutputValueSig) return o.secret ? SECRET_MARK : "value" in o ? readable(o.value) : UNKNOWN_MARK;
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(o).sort()) out[k] = readable(o[k]);
        return out;
    }
    return v;
}

function secret(value: unknown): Record<string, unknown> {
    return { [rpc.specialSigKey]: rpc.specialSecretSig, value };
}

/** Mocks that answer like the providers for the outputs the program reads. */
export class SynthMocks implements pulumi.runtime.Mocks {
    /** Every secret value the mocks generated this run. */
    readonly producedSecrets: string[] = [];
    /**
     * Answers a `pulumi.StackReference`: the outputs the named stack would have. Secret outputs get a fresh mock
     * secret value. @default no outputs (the referenced stack is not deployed)
     */
    stackReference?: (name: string) => { outputs: Record<string, unknown>; secretOutputNames: string[] };

    private newSecret(label: string): string {
        const v = `mocksecret-${label}-${randomBytes(12).toString("hex")}`;
        this.producedSecrets.push(v);
        return v;
    }

    private newHexSecret(): string {
        const v = randomBytes(32).toString("hex");
        this.producedSecrets.push(v);
        return v;
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
        const state: Record<string, unknown> = { ...args.inputs };
        const n = args.name;
        switch (args.type) {
            case "random:index/randomPassword:RandomPassword":
                state.result = secret(this.newSecret(n));
                state.bcryptHash = secret(this.newSecret(n + "-bcrypt"));
                break;
            case "random:index/randomString:RandomString":
                state.result = this.newSecret(n);
                break;
            case "random:index/randomId:RandomId":
                // A generated key (the Zabbix agents' PSKs): every encoding is a fresh mock secret the leak checks know.
                state.hex = this.newSecret(n);
                state.b64Std = this.newSecret(n + "-b64");
                state.b64Url = this.newSecret(n + "-b64url");
                state.dec = this.newSecret(n + "-dec");
                break;
            case "tls:index/privateKey:PrivateKey": {
                const pem = `-----BEGIN PRIVATE KEY-----\n${this.newSecret(n)}\n-----END PRIVATE KEY-----\n`;
                state.privateKeyPem = secret(pem);
                state.privateKeyPemPkcs8 = secret(pem);
                state.privateKeyOpenssh = secret(pem);
                state.publicKeyPem = `-----BEGIN PUBLIC KEY-----\nmock-public-${n}\n-----END PUBLIC KEY-----\n`;
                state.publicKeyOpenssh = `ecdsa-sha2-nistp384 mock-${n}`;
                break;
            }
            case "tls:index/certRequest:CertRequest":
                state.certRequestPem = `-----BEGIN CERTIFICATE REQUEST-----\nmock-${n}\n-----END CERTIFICATE REQUEST-----\n`;
                break;
            case "tls:index/selfSignedCert:SelfSignedCert":
            case "tls:index/locallySignedCert:LocallySignedCert":
                state.certPem = `-----BEGIN CERTIFICATE-----\nmock-${n}\n-----END CERTIFICATE-----\n`;
                state.validityStartTime = "2026-01-01T00:00:00Z";
                state.validityEndTime = "2027-01-01T00:00:00Z";
                break;
            case "command:remote:Command":
                state.stdout = "";
                state.stderr = "";
                break;
            case "pulumi:pulumi:StackReference": {
                const ref = this.stackReference?.(String(args.inputs.name)) ?? { outputs: {}, secretOutputNames: [] };
                const outputs = { ...ref.outputs };
                for (const k of ref.secretOutputNames) {
                    // A plain secret (a key) or a structured one whose MOCK_SECRET places each get a fresh mock secret.
                    // A structured one's are keys in hex (PSKs, what the reader checks), 32 random bytes like the real ones.
                    const fill = (v: unknown): unknown =>
                        v === MOCK_SECRET
                            ? this.newHexSecret()
                            : Array.isArray(v)
                              ? v.map(fill)
                              : v && typeof v === "object"
                                ? Object.fromEntries(Object.entries(v).map(([kk, vv]) => [kk, fill(vv)]))
                                : v;
                    outputs[k] = outputs[k] === undefined ? this.newSecret(`${n}-${k}`) : fill(outputs[k]);
                }
                state.outputs = outputs;
                state.secretOutputNames = ref.secretOutputNames;
                break;
            }
            default:
                break;
        }
        return { id: args.custom ? `${n}-id` : undefined, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        return args.inputs;
    }
}

/**
 * Throws (exit 2) when two recorded resources have the same URN. The URN is the stack, project, the type chain of the
 * parents and the name, exactly as the engine computes it; the real engine refuses the second registration
 * ("Duplicate resource URN"), the SDK's mock runtime does not, so synth checks it here.
 */
export function checkUniqueUrns(recorded: readonly RecordedResource[]): void {
    const byUrn = new Map<string, RecordedResource[]>();
    for (const r of recorded) byUrn.set(r.urn, [...(byUrn.get(r.urn) ?? []), r]);
    const problems = [...byUrn]
        .filter(([, rs]) => rs.length > 1)
        .map(([urn, rs]) => ({
            path: urn,
            message:
                `is registered ${rs.length} times: ` +
                rs
                    .map((r) => `(type ${r.type}, name ${JSON.stringify(r.name)}, parent ${r.parent ?? "the stack"})`)
                    .sort()
                    .join(" and ") +
                "; pulumi up refuses a duplicate URN",
            fix: "give each resource its own name (names that differ only by case or accents, in the config or the HR export, map to one resource name: make them differ)",
        }))
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    if (problems.length > 0) throw new InputError(problems, "duplicate resource URNs");
}

/**
 * A registration's response that prints as one short line. The SDK formats every response into a debug message,
 * logged or not (`RegisterResource RPC finished: ...; resp: ${innerResponse}` in @pulumi/pulumi runtime/resource.js),
 * and a protobuf message's toString renders its whole Struct: ~95 MB of strings and ~0.15 s of CPU for a 5,000-person
 * site (issue #24). Nothing else reads that text.
 */
function briefly(resp: unknown, urn: string): unknown {
    if (resp !== null && typeof resp === "object") Object.defineProperty(resp, "toString", { value: () => `RegisterResourceResponse(${urn})` });
    return resp;
}

/** Installs a mock monitor that records every registration, and returns the record. */
export function installRecordingMocks(mocks: SynthMocks, project: string, stack: string, preview = false): RecordedResource[] {
    const recorded: RecordedResource[] = [];
    const MockMonitorBase: new (m: pulumi.runtime.Mocks) => any = mocksModule.MockMonitor;
    class RecordingMonitor extends MockMonitorBase {
        async registerResource(req: any, callback: (err: unknown, resp?: unknown) => void): Promise<void> {
            const parent: string = req.getParent();
            const urn: string = (this as any).newUrn(parent, req.getType(), req.getName());
            const obj = req.getObject();
            const inputs = obj ? obj.toJavaScript() : {};
            recorded.push({
                urn,
                type: req.getType(),
                name: req.getName(),
                custom: req.getCustom(),
                parent: parent || undefined,
                inputs: readable(inputs) as Record<string, unknown>,
                options: {
                    protect: !!req.getProtect(),
                    retainOnDelete: !!req.getRetainondelete(),
                    dependsOn: [...req.getDependenciesList()].sort(),
                    ignoreChanges: req.getIgnorechangesList(),
                    provider: req.getProvider() || undefined,
                    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                    deleteBeforeReplace: !!req.getDeletebeforereplace(),
                    replaceWith: [...req.getReplaceWithList()].sort(),
                },
            });
            if (req.getCustom()) return super.registerResource(req, (err: unknown, resp?: unknown) => callback(err, briefly(resp, urn)));
            // A component: SynthMocks.newResource answers its inputs as its state, and no id. The base monitor would
            // convert them four more times to say so (Struct to JavaScript, deserialize, serialize, back to a Struct);
            // the request's own Struct is that answer. The Accounts and Computers chunks of a 5,000-person directory
            // are ~4 MB of inputs: this was ~15% of that synth's CPU (issue #24).
            (this as any).resources.set(urn, { urn, id: null, state: inputs });
            const response = new resproto.RegisterResourceResponse();
            response.setUrn(urn);
            response.setId("");
            if (obj) response.setObject(obj);
            callback(null, briefly(response, urn));
        }
    }
    settings.setMockOptions(new RecordingMonitor(mocks), project, stack, preview);
    // The same feature switches pulumi.runtime.setMocks turns on.
    const store = stateModule.getStore();
    store.supportsSecrets = true;
    store.supportsResourceReferences = true;
    store.supportsOutputValues = false;
    store.supportsDeletedWith = true;
    store.supportsReplaceWith = true;
    store.supportsAliasSpecs = true;
    store.supportsTransforms = false;
    store.supportsParameterization = true;
    store.supportsResourceHooks = true;
    store.supportsErrorHooks = true;
    return recorded;
}

/** Waits until every registration the program started has completed. */
export async function waitForRegistrations(): Promise<void> {
    await settings.waitForRPCs();
}

/** Resolves stack outputs to plain JSON; secret outputs become SECRET_MARK. */
/**
 * In a structured secret output a StackReference answers (tools/peer-stack.ts: the partner's monitored hosts and their
 * PSKs), the place of a secret value: the mock runtime gives each its own fresh secret (64 hex digits, like a PSK).
 */
export const MOCK_SECRET = "<mock secret>";

export async function resolveOutputs(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(outputs)) {
        const o = pulumi.output(v) as pulumi.Output<unknown>;
        const isSecret = await (o as unknown as { isSecret: Promise<boolean> }).isSecret;
        out[k] = isSecret ? SECRET_MARK : await new Promise((resolve) => o.apply((x: unknown) => resolve(x)));
    }
    return JSON.parse(JSON.stringify(out));
}
