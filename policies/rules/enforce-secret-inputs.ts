import { ResourceValidationPolicy, Secret } from "@pulumi/policy";
import { rule } from "./rule";

/** Input names that carry credentials (matched on the last segment, case-insensitive). */
export const SENSITIVE_KEY =
    /^(password|passwd|privatekey|privatekeypem|caprivatekeypem|privatekeypassword|apitoken|token|psk|presharedkey|secret|sharedsecret|stdin)$/i;

// The policy SDK hands remediations proxies over the resource's properties: reading a secret returns its plain
// value, but the proxy's target still holds the Secret wrapper. This symbol reaches the target.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxy = require("@pulumi/policy/proxy");

function target(o: unknown): Record<string, unknown> {
    const t = o && typeof o === "object" ? (o as Record<symbol, unknown>)[proxy.getSpecialProxyTarget] : undefined;
    return (t ?? o) as Record<string, unknown>;
}

/** Paths of sensitive string inputs that are not secrets; wraps each one in place when `fix` is set. */
export function plaintextSensitive(props: Record<string, unknown>, fix: boolean, prefix = ""): string[] {
    const found: string[] = [];
    const raw = target(props);
    for (const key of Object.keys(raw)) {
        const value = raw[key];
        const path = prefix ? `${prefix}.${key}` : key;
        if (value instanceof Secret) continue;
        if (typeof value === "string" && value !== "" && SENSITIVE_KEY.test(key)) {
            found.push(path);
            if (fix) props[key] = new Secret(value);
        } else if (value && typeof value === "object") {
            found.push(...plaintextSensitive(props[key] as Record<string, unknown>, fix, path));
        }
    }
    return found;
}

export const enforceSecretInputs = rule<ResourceValidationPolicy>(
    {
        name: "enforce-secret-inputs",
        description: "Passwords, private keys, pre-shared keys and tokens reach resources only as secrets.",
        reason: "A plaintext credential is stored unencrypted in the state and shown by pulumi preview.",
        remediation: "Pass the value through pulumi.secret(), config.requireSecret() or @pulumi/random; the pack's remediation wraps it meanwhile.",
        // Under the real engine validations see secrets unwrapped, so this rule remediates (it receives secrets
        // wrapped) and the program wraps every sensitive input itself; offline synth reports what it would wrap.
        enforcementLevel: "remediate",
    },
    {
        remediateResource: (args) => {
            const paths = plaintextSensitive(args.props, true);
            return paths.length > 0 ? args.props : undefined;
        },
    },
);
