import { createHash } from "crypto";
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { InputError } from "../model/errors";
import { HrExport, parseHrExport } from "../model/hr";
import { buildSiteModel, SiteModel } from "../model/site";
import { peerDirectoryLoader } from "../stacks/peer-directory";
import { RUN_TMP_ENV } from "./synth-cache-setup";

export const ROOT = path.join(__dirname, "..");

/** What `parsed` keeps in this test file's memory: the JSON text of a parse, by kind and input hash. */
const parsedHere = new Map<string, string>();

/**
 * `compute()`'s result for an input, as a fresh object each call: computed once per jest run and input, then read
 * back as JSON (in memory within a test file, from the run's folder for the other files and workers). For pure
 * parses of plain data only (no class, no undefined, no Buffer), where the JSON copy equals the parse. A parse that
 * throws is not kept: every call throws again. Why: jest gives every test file fresh modules, so each one parsed the
 * committed stacks' YAML (with a cold JIT) for every stackRaw, about a third of the model tests' CPU.
 */
function parsed<T>(kind: string, input: string | Uint8Array, compute: () => T): T {
    const key = `${kind}-${createHash("sha256").update(input).digest("hex").slice(0, 32)}`;
    let json = parsedHere.get(key);
    const run = process.env[RUN_TMP_ENV];
    const file = run ? path.join(run, `parsed-${key}.json`) : undefined;
    if (json === undefined && file && existsSync(file)) json = readFileSync(file, "utf8");
    if (json === undefined) {
        json = JSON.stringify(compute());
        if (file) {
            // Written whole, then renamed into place: a file reading it in another worker never sees half of it.
            writeFileSync(`${file}.${process.pid}.tmp`, json);
            renameSync(`${file}.${process.pid}.tmp`, file);
        }
    }
    parsedHere.set(key, json);
    return JSON.parse(json) as T;
}

/** The raw `billu:` namespace of a committed stack, as the program reads it (a fresh copy each call). */
export function stackRaw(stack: string): Record<string, any> {
    const text = readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
    return parsed(`stack-${stack}`, text, () => {
        const doc = parseYaml(text) as { config: Record<string, unknown> };
        const raw: Record<string, any> = {};
        for (const [k, v] of Object.entries(doc.config)) {
            if (k.startsWith("billu:")) raw[k.slice(6)] = JSON.parse(JSON.stringify(v));
        }
        return raw;
    });
}

/**
 * The committed prod without its GLPI server: the host, billu:assets, the flows and DMZ entries naming it, its backup
 * client, the GPO deploying its agent (a fresh copy each call).
 */
export function prodWithoutGlpi(): Record<string, unknown> {
    const full = stackRaw("prod");
    const glpi = (full.hosts as { name: string; role: string }[]).find((h) => h.role === "assets")!.name;
    return {
        ...Object.fromEntries(Object.entries(full).filter(([k]) => k !== "assets")),
        hosts: full.hosts.filter((h: { name: string }) => h.name !== glpi),
        flows: full.flows.filter((f: { from: string; to: string }) => f.from !== glpi && f.to !== glpi),
        firewall: { ...full.firewall, dmzAllowlist: full.firewall.dmzAllowlist.filter((e: { to: string }) => e.to !== glpi) },
        backup: { ...full.backup, clients: full.backup.clients.filter((c: string) => c !== glpi) },
        gpo: { ...full.gpo, gpos: full.gpo.gpos.filter((g: { policies: Record<string, unknown> }) => !g.policies.glpiAgent) },
    };
}

/** An HR export under the project root, parsed as the program parses it (a fresh copy each call). */
export function loadHr(p: string): HrExport {
    const bytes = readFileSync(path.join(ROOT, p));
    return parsed(`hr-${p.replace(/[^A-Za-z0-9.-]/g, "_")}`, bytes, () => parseHrExport(bytes, p));
}

/** The VPN partner's declared groups, read from its committed stack file as the program reads them (stacks/peer-directory.ts). */
export const peerDirectory = peerDirectoryLoader(ROOT);

export function model(raw: Record<string, unknown>): SiteModel {
    return buildSiteModel(raw, loadHr, undefined, { peerDirectory });
}

/** The formatted problems (`<path>: <message>. Fix: <fix>`) of the InputError a call throws ([] when it throws none). */
export function thrownProblems(f: () => unknown): string[] {
    try {
        f();
        return [];
    } catch (e) {
        if (e instanceof InputError) return e.problems.map((p) => `${p.path}: ${p.message}. Fix: ${p.fix}`);
        throw e;
    }
}

/** The formatted problems a config yields ([] when it is valid). */
export function problemsOf(raw: Record<string, unknown>): string[] {
    return thrownProblems(() => model(raw));
}

/** Every file under a folder, recursively. */
export function filesUnder(dir: string): string[] {
    return readdirSync(dir).flatMap((f) => {
        const p = path.join(dir, f);
        return statSync(p).isDirectory() ? filesUnder(p) : [p];
    });
}

/** `<file> leaks <secret>` for every secret found in any file under a folder ([] when none leaks). */
export function secretLeaks(dir: string, secrets: readonly string[]): string[] {
    const leaks: string[] = [];
    for (const file of filesUnder(dir)) {
        const text = readFileSync(file, "utf8");
        for (const s of secrets) if (text.includes(s)) leaks.push(`${file} leaks ${s}`);
    }
    return leaks;
}

/**
 * The parts of a VM besides the VM resource: its generated host key and the snippet that delivers it. A step ordered
 * after the VM's component waits for them too; host-key-pinning.test.ts and real-cluster.test.ts pin them.
 */
export const VM_HOST_KEY_PART =
    /\$(tls:index\/privateKey:PrivateKey::[a-z0-9-]+-host-key|proxmoxve:index\/fileLegacy:FileLegacy::[a-z0-9-]+-host-key-snippet)$/;

/**
 * The dependencies a resource was given for ordering: its recorded dependsOn without its `replaceWith` resources
 * (the SDK also sends those as dependencies; that every guest step follows its VM is pinned in real-cluster.test.ts)
 * and without the VM's host-key parts (VM_HOST_KEY_PART: a connection's `hostKey` is the key's output).
 */
export function orderingDeps(x: { options: { dependsOn: string[]; replaceWith: string[] } }): string[] {
    return x.options.dependsOn.filter((u) => !x.options.replaceWith.includes(u) && !VM_HOST_KEY_PART.test(u));
}

/**
 * A generated page is committed as its generator renders it, else an Error naming the command to run and the first
 * line that differs (`label`: what the page is rendered from).
 */
export function expectFreshPage(file: string, rendered: string, command: string, label: string): void {
    const full = path.join(ROOT, file);
    const committed = existsSync(full) ? readFileSync(full, "utf8") : "";
    if (committed === rendered) return;
    const a = committed.split("\n");
    const b = rendered.split("\n");
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    throw new Error(
        `${file} is stale: run ${command} and commit it.\n` +
            `first difference at line ${i + 1}:\n  committed: ${a[i] ?? "(end of file)"}\n  ${`${label}:`.padEnd(10)} ${b[i] ?? "(end of file)"}`,
    );
}
