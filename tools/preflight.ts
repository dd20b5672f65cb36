/**
 * Pre-flight before a real `pulumi up`: `npm run preflight -- --stack <name> [--config <file>]`. Finds the local
 * address this machine uses to reach the stack's Proxmox endpoint (`proxmoxve:endpoint`, else PROXMOX_VE_ENDPOINT;
 * a UDP socket's connect() then address(): the route is chosen, no packet is sent) and checks it against
 * `billu:proxmox.managementAllowlist`, which the datacenter firewall lets in once it is on (input policy DROP).
 * Exit 0 with what it checked; 2 when the runner would be locked out (the key path, the address, the fix) or the
 * config is invalid (the same messages as synth). The program runs the same check before `pulumi up` registers
 * anything (stacks/runner-check.ts); this one ignores `billu:proxmox.skipRunnerCheck`, it is the check by hand.
 * With `--import-file <file>` it also writes the `pulumi import --file` document that adopts the cluster's existing
 * datacenter IP sets and firewall options (tools/preflight-import.ts), from synth's `out/<stack>/resources.json`
 * (`--synth-out <dir>` for another folder).
 */
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { formatProblem, InputError } from "../model/errors";
import { ALLOWLIST_KEY } from "../model/runner-access";
import { loadModel } from "../stacks/program";
import { checkRunner, endpointTarget, ENDPOINT_ENV, ENDPOINT_KEY } from "../stacks/runner-check";
import { checkReadableFile, checkStackName, flagValue } from "./paths";
import { datacenterImports } from "./preflight-import";
import { readBilluConfig, readStackConfig } from "./stack-config";

async function main(argv: string[]): Promise<number> {
    const stack = flagValue(argv, "--stack");
    if (!stack) {
        process.stderr.write("preflight: --stack is required. Fix: npm run preflight -- --stack prod\n");
        return 2;
    }
    try {
        checkStackName(stack);
        const config = flagValue(argv, "--config");
        if (config !== undefined) checkReadableFile(path.resolve(config), "--config", config, "pass --config the path of a stack file (Pulumi.<stack>.yaml)");
        const file = path.resolve(config ?? `Pulumi.${stack}.yaml`);
        const endpoint = readStackConfig(file).config[ENDPOINT_KEY] ?? process.env[ENDPOINT_ENV];
        if (endpoint === undefined) {
            throw new InputError([
                {
                    path: ENDPOINT_KEY,
                    message: `is not set in ${path.basename(file)}, and ${ENDPOINT_ENV} is not set either`,
                    fix: `pulumi config set ${ENDPOINT_KEY} https://<node>:8006/ --stack ${stack}`,
                },
            ]);
        }
        const importFile = flagValue(argv, "--import-file");
        if (importFile !== undefined) writeImportFile(stack, importFile, flagValue(argv, "--synth-out") ?? path.join("out", stack));
        process.env.BILLU_PROJECT_ROOT ??= process.cwd();
        const model = loadModel(readBilluConfig(file));
        const allowlist = model.config.proxmox.managementAllowlist;
        const verdict = await checkRunner(endpoint, allowlist);
        if (verdict.problems.length > 0) {
            process.stderr.write(
                `preflight ${stack}: this machine would lock itself out of the cluster:\n${verdict.problems.map((p) => "  - " + formatProblem(p)).join("\n")}\n`,
            );
            return 2;
        }
        const { host, port } = endpointTarget(endpoint);
        process.stdout.write(
            `preflight ${stack}: this machine reaches the Proxmox API ${endpoint} (${host} port ${port}) from ${verdict.address}, ` +
                `inside ${ALLOWLIST_KEY} (${verdict.matched}): the datacenter firewall lets it in.\n` +
                "Not checked: an address translated on the way (NAT), and the nodes' existing firewall rules.\n",
        );
        return 0;
    } catch (e) {
        if (e instanceof InputError) {
            process.stderr.write(`preflight ${stack}: ${e.problems.map(formatProblem).join("\n")}\n`);
            return 2;
        }
        throw e;
    }
}

function writeImportFile(stack: string, file: string, synthOut: string): void {
    const resourcesJson = path.join(synthOut, "resources.json");
    let text: string;
    try {
        text = readFileSync(resourcesJson, "utf8");
    } catch {
        throw new InputError([
            {
                path: "--synth-out",
                message: `${JSON.stringify(synthOut)} holds no resources.json`,
                fix: `run npm run synth -- --stack ${stack} first (it writes out/${stack})`,
            },
        ]);
    }
    const { resources, leftOut } = datacenterImports(JSON.parse(text).resources);
    writeFileSync(file, JSON.stringify({ resources }, null, 2) + "\n");
    process.stdout.write(
        `preflight ${stack}: wrote ${file}: ${resources.filter((r) => !r.component).length} existing datacenter objects to adopt with pulumi import --file ${file} --stack ${stack}` +
            (leftOut.length ? ` (not importable, saved by hand: ${leftOut.join(", ")})` : "") +
            "\n",
    );
}

/** The command line: `node dist/tools/preflight.js <argv>` runs this; the unit tests call it in their own process (__tests__/cli.ts). */
export function cli(argv: string[]): Promise<void> {
    // exitCode, never process.exit: a pipe gets every byte. An internal error is exit 3.
    return main(argv).then(
        (code) => void (process.exitCode = code),
        (e: unknown) => {
            process.stderr.write(`preflight: internal error: ${(e as Error).message}\n`);
            process.exitCode = 3;
        },
    );
}

if (require.main === module) void cli(process.argv.slice(2));
