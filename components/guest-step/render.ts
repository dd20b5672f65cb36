/**
 * Pure rendering of a guest step: the files it stages, the run script that installs them and runs the step's
 * body, and the content hash its triggers use. No Pulumi here.
 */
import { createHash } from "crypto";
import { readFileSync } from "fs";
import { repoPath } from "../paths";
import { generatedHeader } from "../header";

export type GuestOs = "linux" | "windows";

export interface GuestFile {
    /** Absolute path in the guest (`/etc/kea/kea-dhcp4.conf`, `C:/ProgramData/billu/dc/forest.ps1`). */
    readonly path: string;
    /** Exact bytes; secrets appear only as `{{secret:<name>}}` placeholders. */
    readonly content: string;
    /** Octal mode. @default "0644" (use "0600" for a file that receives a secret) */
    readonly mode?: string;
    /** `user:group`. @default "root:root" */
    readonly owner?: string;
    /** A command that must accept the candidate file before it is installed; `{}` names the file. */
    readonly check?: string;
}

/**
 * A folder whose mode or owner must differ from what the library gives the folders it creates (0755, root's).
 * Set before any file is installed, on every run (so a folder made by an earlier run is corrected too).
 */
export interface GuestDir {
    /** Absolute path in the guest; missing parents are created 0755. */
    readonly path: string;
    /** Octal mode (`"0750"`). */
    readonly mode: string;
    /** `user:group` (`"root:postfix"`). */
    readonly owner: string;
}

/**
 * What a guest step pushes and runs: the one shape every renderer returns and GuestStep takes (a renderer names
 * the secrets it needs; the component binds their values).
 */
export interface StepSpec {
    /** Files to install in the guest, in order. */
    readonly files: readonly GuestFile[];
    /**
     * Folders given a mode and owner before the files are installed (Linux). @default none: a folder a file needs
     * is created 0755, root's, and an existing one is left as it is
     */
    readonly dirs?: readonly GuestDir[];
    /** Step body (POSIX sh, or PowerShell on Windows), run after the files are installed. Must be idempotent. */
    readonly script: string;
    /**
     * Names of the secrets substituted for `{{secret:<name>}}` in the files and readable by the body (sent on stdin
     * only). @default none
     */
    readonly secrets?: readonly string[];
}

export interface StepRender {
    /** Staging directory in the guest. */
    readonly stageDir: string;
    /** Files to copy: staging path in the guest -> content. Includes the run script and library. */
    readonly staged: readonly { readonly remotePath: string; readonly guestPath: string; readonly content: string }[];
    /** The command the apply step runs. */
    readonly command: string;
    /** Command that creates the staging directories (run before copying). */
    readonly prepare: string;
    /** sha256 of everything staged: the triggers of the step. */
    readonly hash: string;
}

const SECRET_PLACEHOLDER = /\{\{secret:([A-Za-z0-9_.-]+)\}\}/g;
let libCache: { sh: string; ps1: string } | undefined;

function lib(): { sh: string; ps1: string } {
    libCache ??= {
        sh: readFileSync(repoPath("scripts", "lib", "billu-lib.sh"), "utf8"),
        ps1: readFileSync(repoPath("scripts", "lib", "billu-lib.ps1"), "utf8"),
    };
    return libCache;
}

const scriptCache = new Map<string, string>();

/**
 * A step body kept in `scripts/<area>/<name>` (logic only, shellcheck- or PowerShell-parsed as a file), read
 * verbatim (several files are joined in order: shared helpers, then the body); the site data it needs comes first as variable assignments (`NAME='value'` in sh, `$NAME = 'value'` in
 * PowerShell), never templated into the logic. A Windows body is given CRLF line ends, like the rest of run.ps1.
 */
export function stepScript(os: GuestOs, files: string | readonly string[], data: Readonly<Record<string, string>> = {}): string {
    const file = typeof files === "string" ? files : files.join(" + ");
    const text = (typeof files === "string" ? [files] : files)
        .map((f) => {
            let t = scriptCache.get(f);
            if (t === undefined) {
                t = readFileSync(repoPath("scripts", ...f.split("/")), "utf8");
                scriptCache.set(f, t);
            }
            return t.trimEnd();
        })
        .join("\n");
    for (const name of Object.keys(data)) {
        if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`step script ${file}: data name ${JSON.stringify(name)} must be UPPER_SNAKE_CASE`);
    }
    if (os === "linux") return [...Object.entries(data).map(([k, v]) => `${k}=${shQuote(v)}`), text.trimEnd()].join("\n");
    return [...Object.entries(data).map(([k, v]) => `$${k} = ${psQuote(v)}`), text.trimEnd().replace(/\r?\n/g, "\r\n")].join("\r\n");
}

const INCLUDE = /^# billu:include (lib\/[a-z0-9-]+\.sh)$/;

/**
 * A standalone sh tool of `scripts/<area>/<name>` (a command a step installs and runs, such as
 * /usr/local/sbin/billu-shares) with the shared library it names joined in: each line `# billu:include lib/<file>.sh`
 * is replaced by `scripts/lib/<file>.sh` (its `# shellcheck shell=` directive left out), between two comment lines
 * naming it. The installed tool is then one self-contained file: it runs the same from a step, by hand or from a lab's
 * folder, and what it runs is exactly what synth rendered (a changed library re-runs every step that ships a tool).
 */
export function toolScript(file: string): string {
    let text = scriptCache.get(file);
    if (text === undefined) {
        text = readFileSync(repoPath("scripts", ...file.split("/")), "utf8");
        scriptCache.set(file, text);
    }
    let included = 0;
    const out = text.split("\n").flatMap((line) => {
        const m = INCLUDE.exec(line);
        if (!m) return [line];
        included++;
        const lib = readFileSync(repoPath("scripts", ...m[1].split("/")), "utf8")
            .trimEnd()
            .split("\n")
            .filter((l) => !/^# shellcheck shell=/.test(l));
        return [`# --- begin scripts/${m[1]} (joined in by the renderer) ---`, ...lib, `# --- end scripts/${m[1]} ---`];
    });
    if (included === 0) throw new Error(`internal: scripts/${file} has no "# billu:include lib/<file>.sh" line: read it verbatim instead`);
    return out.join("\n");
}

export function stageRoot(os: GuestOs): string {
    return os === "windows" ? "C:/ProgramData/billu/stage" : "/var/lib/billu/stage";
}

/** Names of the secrets a text refers to. */
export function secretPlaceholders(text: string): string[] {
    return [...new Set([...text.matchAll(SECRET_PLACEHOLDER)].map((m) => m[1]))].sort();
}

export function placeholder(secretName: string): string {
    return `{{secret:${secretName}}}`;
}

function shQuote(s: string): string {
    return "'" + s.replace(/'/g, `'\\''`) + "'";
}

function psQuote(s: string): string {
    return "'" + s.replace(/'/g, "''") + "'";
}

/** Encodes secrets for the step's stdin: one `<name>\t<hex>` line each (hex keeps any byte safe). */
export function encodeSecrets(values: Record<string, string>): string {
    return Object.keys(values)
        .sort()
        .map((k) => `${k}\t${Buffer.from(values[k], "utf8").toString("hex")}\n`)
        .join("");
}

export function renderStep(args: StepSpec & { readonly host: string; readonly step: string; readonly os: GuestOs }): StepRender {
    const { host, step, os, files, script } = args;
    if (!/^[a-z0-9][a-z0-9-]*$/.test(step)) throw new Error(`guest step name ${JSON.stringify(step)} must be kebab-case`);
    const stageDir = `${stageRoot(os)}/${step}`;
    const seen = new Set<string>();
    for (const f of files) {
        if (seen.has(f.path)) throw new Error(`guest step ${host}/${step} pushes ${f.path} twice`);
        seen.add(f.path);
        if (os === "linux" && !f.path.startsWith("/")) throw new Error(`guest step ${host}/${step}: ${f.path} is not an absolute path`);
        if (os === "windows" && !/^[A-Z]:\//.test(f.path)) throw new Error(`guest step ${host}/${step}: ${f.path} is not an absolute Windows path (C:/...)`);
    }
    const dirs = args.dirs ?? [];
    if (os === "windows" && dirs.length > 0) throw new Error(`guest step ${host}/${step}: folder modes are POSIX; a Windows step has no dirs`);
    for (const d of dirs) {
        if (!d.path.startsWith("/")) throw new Error(`guest step ${host}/${step}: the folder ${d.path} is not an absolute path`);
        if (!/^[0-7]{3,4}$/.test(d.mode))
            throw new Error(`guest step ${host}/${step}: the folder ${d.path} has mode ${JSON.stringify(d.mode)}; give octal digits ("0750")`);
    }
    const used = new Set(files.flatMap((f) => secretPlaceholders(f.content)).concat(secretPlaceholders(script)));
    // A Set: a 5,000-person PBX's extensions.csv uses 10,000 secrets of 10,003 (a list's includes was 10^8 steps).
    const given = new Set(args.secrets ?? []);
    for (const name of used) {
        if (!given.has(name)) {
            throw new Error(`guest step ${host}/${step} uses {{secret:${name}}} but no secret of that name is given`);
        }
    }
    const stagedPath = (p: string) => `${stageDir}/files${os === "windows" ? "/" + p.replace(/^([A-Z]):/, "$1") : p}`;
    let runName: string;
    let run: string;
    let libName: string;
    let libText: string;
    if (os === "linux") {
        runName = "run.sh";
        libName = "billu-lib.sh";
        libText = lib().sh;
        run = [
            "#!/bin/sh",
            generatedHeader("#", { what: `guest step ${step} on ${host}.`, note: "Idempotent; secrets arrive on stdin." }),
            "set -eu",
            `BILLU_STEP=${shQuote(step)}`,
            `BILLU_STAGE=${shQuote(stageDir)}`,
            '. "$BILLU_STAGE/billu-lib.sh"',
            "billu_begin",
            ...dirs.map((d) => `billu_dir ${shQuote(d.path)} ${d.mode} ${shQuote(d.owner)}`),
            ...files.map(
                (f) => `billu_install ${shQuote(f.path)} ${f.mode ?? "0644"} ${shQuote(f.owner ?? "root:root")}${f.check ? " " + shQuote(f.check) : ""}`,
            ),
            "# --- step body ---",
            script.trimEnd(),
            "",
        ].join("\n");
    } else {
        runName = "run.ps1";
        libName = "billu-lib.ps1";
        libText = lib().ps1;
        run = [
            generatedHeader("#", { what: `guest step ${step} on ${host}.`, note: "Idempotent; secrets arrive on stdin." }),
            `$env:BILLU_STEP = ${psQuote(step)}`,
            `$env:BILLU_STAGE = ${psQuote(stageDir)}`,
            `. (Join-Path $env:BILLU_STAGE 'billu-lib.ps1')`,
            "Start-BilluStep",
            ...files.map((f) => `Install-BilluFile ${psQuote(f.path)}`),
            "# --- step body ---",
            script.trimEnd(),
            "",
        ].join("\r\n");
    }
    const staged = [
        { remotePath: `${stageDir}/${libName}`, guestPath: `${stageDir}/${libName}`, content: libText },
        { remotePath: `${stageDir}/${runName}`, guestPath: `${stageDir}/${runName}`, content: run },
        ...files.map((f) => ({ remotePath: stagedPath(f.path), guestPath: f.path, content: f.content })),
    ];
    const stageDirs = [...new Set(staged.map((s) => s.remotePath.slice(0, s.remotePath.lastIndexOf("/"))))].sort();
    const prepare =
        os === "linux"
            ? `sudo -n install -d -m 0700 -o "$(id -un)" ${shQuote(stageRoot(os))} ${shQuote(stageDir)} && mkdir -p ${stageDirs.map(shQuote).join(" ")}`
            : `powershell -NoProfile -NonInteractive -Command "New-Item -ItemType Directory -Force -Path ${stageDirs.map(psQuote).join(",")} | Out-Null"`;
    const command =
        os === "linux"
            ? `sudo -n sh ${shQuote(`${stageDir}/${runName}`)}`
            : `powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "${stageDir}/${runName}"`;
    const h = createHash("sha256");
    for (const s of staged) h.update(s.remotePath).update("\0").update(s.content).update("\0");
    for (const f of files) h.update(`${f.path} ${f.mode ?? "0644"} ${f.owner ?? "root:root"} ${f.check ?? ""}\0`);
    return { stageDir, staged, command, prepare, hash: h.digest("hex") };
}
