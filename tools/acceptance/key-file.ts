/**
 * A scenario's API credentials from a 0600 file of `key=value` lines, named by an environment variable (the Zabbix
 * API account of the monitoring scenario, GLPI's tokens of the ticket scenario): never on a command line, never in the
 * report. Bad input (exit 2, the variable as the path) when the variable is unset, the file unreadable, readable by
 * others, or missing a key.
 */
import { readFileSync, statSync } from "fs";
import { InputError } from "../../model/errors";

export function readKeyFile<K extends string>(env: string, file: string | undefined, keys: readonly K[], why: string, fix: string): Record<K, string> {
    const bad = (message: string) => new InputError([{ path: env, message, fix }]);
    if (!file) throw bad(`is not set (${why})`);
    let text: string;
    try {
        const mode = statSync(file).mode & 0o777;
        if ((mode & 0o077) !== 0) throw bad(`${file} is readable by others (mode ${mode.toString(8)})`);
        text = readFileSync(file, "utf8");
    } catch (e) {
        if (e instanceof InputError) throw e;
        throw bad(`${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const kv = new Map(
        text
            .split("\n")
            .filter((l) => l.includes("="))
            .map((l) => [l.slice(0, l.indexOf("=")).trim(), l.slice(l.indexOf("=") + 1).trim()] as const),
    );
    const missing = keys.find((k) => (kv.get(k) ?? "") === "");
    if (missing !== undefined) throw bad(`${file} has no ${missing}= line`);
    return Object.fromEntries(keys.map((k) => [k, kv.get(k)!])) as Record<K, string>;
}
