/**
 * `npm run directory:drift -- --stack <name> [options]`: the directory's drift against the plan, read from a
 * management host over LDAPS before a `pulumi up` (issue #27). It prints exactly what the first DC's scheduled check
 * prints (`drift: <DN or account> | <attribute> | planned <JSON> | live <JSON>[ | privileged]`, sorted, phone numbers
 * as "[secret]", then the `directory check: ...` summary) and exits like it.
 *
 *   --config <file>   the stack file @default Pulumi.<stack>.yaml
 *   --outputs <file>  the stack's outputs as JSON, with their secrets, read through a pipe:
 *                     `--outputs <(pulumi stack output --json --show-secrets --stack <name>)`; they give the site CA
 *                     (caCertPem) and the reader's password (driftReaderPassword, unless BILLU_DRIFT_PASSWORD is set)
 *                     @default out/<stack>/outputs.json (what synth wrote: its secrets are placeholders)
 *
 * Exit 0 in sync, 1 drift, 2 bad input (the flag and the fix), 3 the directory could not be read (the DC unreachable,
 * the bind or the certificate refused, Samba's Python module missing on this host).
 *
 * Why a thin wrapper around scripts/directory/apply_samba.py --check --url: the diff rules live in one place. The
 * plan is the one the directory step ships (renderApplierPlan of the stack's model, exactly as synth renders it), and
 * apply_samba.py's own check reads the DC through Samba's `ldb` over LDAPS (SamDB with a remote URL) instead of its
 * local sam.ldb, so the objects, attributes, comparisons and lines cannot differ from the scheduled check's. A port
 * to an npm LDAP client (ldapts is not a dependency here) would be a second copy of the rules needing a parity test.
 * The cost: the management host needs Debian's `python3-samba` (the labs' packages already hold it).
 *
 * The account is the model's read-only `billu:directory.drift.reader` (a plain domain user: Domain Users reads every
 * attribute the check compares, proven in labs/directory); its password reaches the applier on stdin, never a command
 * line, and is never printed. The DC's certificate is verified against the stack's caCertPem for the first DC's
 * name (ldaps://<its FQDN>; its certificate names it, components/domain-controller): Samba verifies a name only,
 * never an address ("no hostname available for verify_peer"), so the host resolves the site's names (its DNS).
 */
import { spawn } from "child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { renderApplierPlan } from "../components/directory/render";
import { repoPath } from "../components/paths";
import { formatProblem, InputError } from "../model/errors";
import { FileServerPlan, homeDirectoriesOf } from "../model/fileserver";
import { ipPhonesOf, TelephonyPlan } from "../model/telephony";
import { loadModel } from "../stacks/program";
import { checkStackName, flagValue } from "./paths";
import { readBilluConfig } from "./stack-config";

const FLAGS_WITH_VALUE = ["--stack", "--config", "--outputs"];
const bad = (flag: string, message: string, fix: string) => new InputError([{ path: flag, message, fix }]);
const OUTPUTS_FIX = "read the outputs with their secrets, without a file: --outputs <(pulumi stack output --json --show-secrets --stack <name>)";

/** Debian's python3, which has Samba's module (a version manager's python3 has not). */
const PYTHON = process.env.BILLU_PYTHON ?? "/usr/bin/python3";
/** The whole read is bounded: a DC that never answers is exit 3, not a hang. One SamDB read of 170 accounts takes ~10 s. */
export const CHECK_TIMEOUT_MS = 120_000;

function checkArgs(argv: readonly string[]): void {
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (FLAGS_WITH_VALUE.includes(a)) {
            const v = argv[i + 1];
            if (v === undefined || v.startsWith("--")) throw bad(a, "has no value", `give it one: ${a} <value>`);
            i++;
        } else
            throw bad(
                a,
                `${JSON.stringify(a)} is not an option of directory:drift`,
                `use ${FLAGS_WITH_VALUE.join(", ")} (the password never on a command line)`,
            );
    }
}

function readOutputs(file: string, flag: string): Record<string, unknown> {
    if (!existsSync(file)) throw bad(flag, `${file} does not exist`, OUTPUTS_FIX);
    try {
        const v: unknown = JSON.parse(readFileSync(file, "utf8"));
        if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not a JSON object");
        return v as Record<string, unknown>;
    } catch (e) {
        throw bad(
            flag,
            `${file} is not the stack's outputs (${(e as Error).message})`,
            "give the JSON object `pulumi stack output --json --show-secrets` prints",
        );
    }
}

/** The reader's password: BILLU_DRIFT_PASSWORD, else the outputs' secret driftReaderPassword (never a placeholder). */
export function readerPassword(outputs: Record<string, unknown>, account: string): string {
    const fromEnv = process.env.BILLU_DRIFT_PASSWORD;
    if (fromEnv) return fromEnv;
    const out = outputs.driftReaderPassword;
    if (typeof out === "string" && out !== "" && out !== "[secret]") return out;
    throw bad(
        "--outputs",
        out === "[secret]"
            ? "holds driftReaderPassword as [secret] (written without --show-secrets)"
            : `has no driftReaderPassword (the password of ${account}, the read-only account of the check)`,
        `${OUTPUTS_FIX}, or put the password in BILLU_DRIFT_PASSWORD`,
    );
}

export interface RemoteCheck {
    /** ldaps://<host>[:port] */
    readonly url: string;
    /** account@realm */
    readonly user: string;
    readonly password: string;
    readonly caPem: string;
    /** The applier's plan (renderApplierPlan). */
    readonly planText: string;
    readonly timeoutMs?: number;
}

/**
 * Runs apply_samba.py --check against a remote DC; its stdout and stderr go to `out` and `err` as it wrote them.
 * Returns its exit status (0, 1, 2, 3), or 3 when it did not finish in time or could not run.
 */
export async function runRemoteCheck(c: RemoteCheck, out: (s: string) => void, err: (s: string) => void): Promise<number> {
    const work = mkdtempSync(path.join(tmpdir(), "billu-drift-")); // 0700: the plan holds phone numbers
    try {
        const plan = path.join(work, "plan.json");
        const ca = path.join(work, "ca.pem");
        writeFileSync(plan, c.planText, { mode: 0o600 });
        writeFileSync(ca, c.caPem, { mode: 0o600 });
        const args = [repoPath("scripts", "directory", "apply_samba.py"), "--plan", plan, "--check", "--url", c.url, "--user", c.user, "--ca-file", ca];
        return await new Promise<number>((resolve) => {
            const child = spawn(PYTHON, args, { stdio: ["pipe", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8" } });
            let stderr = "";
            const timer = setTimeout(() => {
                child.kill("SIGKILL");
                err(`directory check: failed to read the directory: no verdict from ${c.url} within ${(c.timeoutMs ?? CHECK_TIMEOUT_MS) / 1000} s\n`);
                resolve(3);
            }, c.timeoutMs ?? CHECK_TIMEOUT_MS);
            child.stdout.on("data", (b: Buffer) => out(b.toString("utf8")));
            child.stderr.on("data", (b: Buffer) => {
                stderr += b.toString("utf8");
                err(b.toString("utf8"));
            });
            child.on("error", (e) => {
                clearTimeout(timer);
                err(`directory check: failed to read the directory: cannot run ${PYTHON} (${e.message}): install python3-samba (Debian) on this host\n`);
                resolve(3);
            });
            child.on("close", (code) => {
                clearTimeout(timer);
                // Without Samba's module, python exits 1 before any check: that is no drift.
                if (/ModuleNotFoundError: No module named '(ldb|samba)/.test(stderr)) {
                    err(`directory check: failed to read the directory: ${PYTHON} has no Samba module: install python3-samba (Debian) on this host\n`);
                    resolve(3);
                } else resolve(code === 0 || code === 1 || code === 2 || code === 3 ? code : 3);
            });
            child.stdin.on("error", () => undefined); // a child that exits before reading stdin
            child.stdin.end(`${c.password}\n`);
        });
    } finally {
        rmSync(work, { recursive: true, force: true });
    }
}

export async function main(
    argv: readonly string[],
    out: (s: string) => void = (s) => process.stdout.write(s),
    err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
    try {
        checkArgs(argv);
        const arg = (f: string) => flagValue(argv, f);
        const stack = arg("--stack");
        if (!stack)
            throw bad("--stack", "is required", "npm run directory:drift -- --stack prod --outputs <(pulumi stack output --json --show-secrets --stack prod)");
        checkStackName(stack);
        const configFile = path.resolve(arg("--config") ?? `Pulumi.${stack}.yaml`);
        if (!existsSync(configFile))
            throw bad(
                arg("--config") ? "--config" : "--stack",
                `${configFile} does not exist`,
                "run it in the project folder, or name the stack file with --config",
            );
        process.env.BILLU_PROJECT_ROOT ??= process.cwd();
        const model = loadModel(readBilluConfig(configFile));
        const directory = model.directory;
        const dc = model.domain?.dcs[0];
        if (!directory || !dc || !directory.driftReader)
            throw bad(
                "--stack",
                `${stack}'s model has no directory on a domain controller (billu:directory and a host of role dc)`,
                "name a stack with a directory",
            );
        const outputs = readOutputs(path.resolve(arg("--outputs") ?? path.join("out", stack, "outputs.json")), arg("--outputs") ? "--outputs" : "--stack");
        const caPem = outputs.caCertPem;
        if (typeof caPem !== "string" || !caPem.includes("BEGIN CERTIFICATE"))
            throw bad("--outputs", "has no caCertPem (the site CA the DC's certificate is verified against)", OUTPUTS_FIX);
        const reader = directory.driftReader;
        const password = readerPassword(outputs, reader.sam);
        err(`directory:drift: ${stack}: reading ${dc.name} (ldaps://${dc.fqdn}) as ${reader.sam}, the certificate verified against caCertPem\n`);
        return await runRemoteCheck(
            {
                url: `ldaps://${dc.fqdn}`,
                user: reader.upn,
                password,
                caPem,
                planText: renderApplierPlan(
                    directory,
                    ipPhonesOf(model.plan<TelephonyPlan>("pbx")),
                    homeDirectoriesOf(model.plan<FileServerPlan[]>("fileserver"), model.domain?.fqdn),
                ),
            },
            out,
            err,
        );
    } catch (e) {
        if (e instanceof InputError) {
            err(`directory:drift: ${e.problems.map(formatProblem).join("\n")}\n`);
            return 2;
        }
        err(`directory:drift: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        return 3;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => (process.exitCode = code),
        () => (process.exitCode = 3),
    );
}
