/**
 * docs/operations.md, the "run it for real" procedure (#16), names only what exists: every `billu:` key it names is
 * a key path of the config schema (a record's own keys below it, such as `billu:proxmox.templates.windows-2022-gui`,
 * count as that record) or one of the secret keys, and every `npm run <script>` is a script of package.json.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { configFields } from "../../tools/docs/config-reference";
import { SECRET_KEYS } from "../../tools/stack-config";
import { ROOT } from "../helpers";

const DOC = readFileSync(path.join(ROOT, "docs", "operations.md"), "utf8");
const fields = configFields();
const known = new Set([...fields.map((f) => f.path), ...SECRET_KEYS.map((k) => `billu:${k}`)]);
const records = fields.filter((f) => f.type.startsWith("map from")).map((f) => f.path);

/** A key as the doc writes it, its indexes as the schema's `[]`, a trailing dot (end of a sentence) dropped. */
function keyPaths(text: string): string[] {
    return [...new Set([...text.matchAll(/billu:[A-Za-z][A-Za-z0-9_.[\]-]*/g)].map((m) => m[0].replace(/\[\d*\]/g, "[]").replace(/\.+$/, "")))];
}

function unknownKeys(text: string): string[] {
    return keyPaths(text).filter((k) => !known.has(k) && !records.some((r) => k.startsWith(r + ".")));
}

function unknownScripts(text: string, scripts: Record<string, string>): string[] {
    return [...new Set([...text.matchAll(/npm run ([a-z][a-z0-9:-]*)/g)].map((m) => m[1]))].filter((s) => !(s in scripts));
}

test("it names billu keys, and each is a key of the config schema", () => {
    expect(keyPaths(DOC)).toEqual(expect.arrayContaining(["billu:proxmox.managementAllowlist", "billu:proxmox.skipRunnerCheck", "billu:sshPrivateKey"]));
    expect(unknownKeys(DOC)).toEqual([]);
});

test("each npm script it names exists", () => {
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(unknownScripts(DOC, scripts)).toEqual([]);
    expect(["preflight", "synth", "setup"].filter((s) => !DOC.includes(`npm run ${s}`))).toEqual([]);
});

test("the checks find a key or a script that does not exist (the way a renamed key or script would fail)", () => {
    expect(unknownKeys("set `billu:proxmox.managmentAllowlist`, then `billu:hosts[3].disks[0].sizeGiB` and `billu:proxmox.templates.debian-12.pve1`.")).toEqual(
        ["billu:proxmox.managmentAllowlist"],
    );
    expect(unknownScripts("run `npm run preflight` then `npm run preflite`", { preflight: "x" })).toEqual(["preflite"]);
});
