/**
 * Reading a stack file (Pulumi.<stack>.yaml) the way the program reads its config: for synth and for the offline
 * tools that build a model without synthesizing (peer-stack, lab-facts, pfsense, ...). Its own module, so that
 * peer-stack.ts (which synth.ts imports) does not import synth.ts back.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { InputError } from "../model/errors";
import { assertNoPlaintextSecrets, CONFIG_KEYS } from "../model/schema";
import { SECRET_MARK } from "./mock-runtime";

/** `billu:` keys read as secrets (never part of the model). */
export const SECRET_KEYS = ["sshPrivateKey", "vmBackupPbsPassword"];

/** Reads a stack file into Pulumi's flat config map; secure values become placeholders. */
export function readStackConfig(file: string): { config: Record<string, string>; secretKeys: string[] } {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new InputError([
            {
                path: file,
                message: code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a folder" : `cannot be read (${(e as Error).message})`,
                fix: "name a stack with a committed Pulumi.<stack>.yaml, or pass --config <a stack file>",
            },
        ]);
    }
    let doc: unknown;
    try {
        doc = parseYaml(text);
    } catch (e) {
        throw new InputError([{ path: file, message: `cannot be read as YAML (${(e as Error).message.split("\n")[0]})`, fix: "fix the YAML syntax" }]);
    }
    const cfg = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
    assertNoPlaintextSecrets(cfg, path.basename(file));
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const unknown: string[] = [];
    for (const [key, value] of Object.entries(cfg)) {
        if (key.startsWith("billu:")) {
            const k = key.slice("billu:".length);
            if (!(CONFIG_KEYS as string[]).includes(k) && !SECRET_KEYS.includes(k)) unknown.push(key);
        }
        if (value && typeof value === "object" && "secure" in (value as object)) {
            config[key] = SECRET_MARK;
            secretKeys.push(key);
        } else {
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    if (unknown.length > 0) {
        throw new InputError(
            unknown.map((k) => ({
                path: k,
                message: "is not a key of the billu namespace",
                fix: `use one of ${[...CONFIG_KEYS, ...SECRET_KEYS].map((c) => "billu:" + c).join(", ")}`,
            })),
        );
    }
    return { config, secretKeys };
}

/**
 * The `billu:` namespace of a stack file as the program reads it (`stacks/program.ts` readRawConfig): each value
 * parsed as JSON, a plain string kept as it is. For the offline tools that build a model without synthesizing.
 */
export function readBilluConfig(file: string): Record<string, unknown> {
    const { config } = readStackConfig(file);
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) {
        if (!k.startsWith("billu:")) continue;
        try {
            raw[k.slice("billu:".length)] = JSON.parse(v);
        } catch {
            raw[k.slice("billu:".length)] = v;
        }
    }
    return raw;
}
