/**
 * `npm run acceptance -- --stack <name> [options]`: BillU's user scenarios against a deployed site (issue #23), run
 * from a host in the management zone. What to expect comes from the stack's model (its Pulumi.<stack>.yaml) and its
 * outputs, never from the site under test.
 *
 *   --config <file>        the stack file @default Pulumi.<stack>.yaml
 *   --outputs <file>       the stack's outputs as JSON (`pulumi stack output --json > outputs.json`)
 *                          @default out/<stack>/outputs.json (what synth wrote)
 *   --only <a,b>           these scenarios only @default every scenario that applies to the site
 *   --report <dir>         writes acceptance.xml (JUnit) and acceptance.md there
 *   --dry-run              lists the scenarios, their steps and what each contacts; contacts nothing
 *   --account <name>       another account than the model's (its password in BILLU_ACCEPTANCE_PASSWORD)
 *                          @default billu:directory.acceptance's account, its password the outputs' secret
 *                          acceptancePassword (or BILLU_ACCEPTANCE_PASSWORD when set)
 *   --member <host>        the Linux member the logon scenario logs on to @default the domain's first member
 *   --side <inside|wan>    where the run stands, for the web scenario @default inside
 *   --host-keys accept-new labs only: trust a guest's own host key instead of the stack's pinned `knownHosts`
 *   --dhcp-probe <if>@<zone> a NIC of the run's host on that department zone's network: the dhcp scenario asks
 *                          for a lease there (never configuring it) @default none: the dhcp scenario does not run
 *   --zone <zone>          the zone the run's host stands in (the vpn scenario's flows; ftp runs from an allowed zone only)
 *                          @default the management zone
 *
 * Exit 0 every scenario passed (or the dry run listed them), 1 a scenario failed, 2 bad input (the flag and the
 * fix), 3 an internal error.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { formatProblem, InputError } from "../model/errors";
import { loadModel } from "../stacks/program";
import { junitReport, markdownReport } from "./acceptance/report";
import { runScenarios } from "./acceptance/runner";
import { SCENARIOS } from "./acceptance/scenarios";
import { dhcpProbeOf } from "./acceptance/scenarios/dhcp";
import type { Scenario, StackOutputs } from "./acceptance/types";
import { checkStackName, flagValue } from "./paths";
import { readBilluConfig } from "./stack-config";

const FLAGS_WITH_VALUE = ["--stack", "--config", "--outputs", "--only", "--report", "--account", "--member", "--host-keys", "--side", "--dhcp-probe", "--zone"];
const bad = (flag: string, message: string, fix: string) => new InputError([{ path: flag, message, fix }]);

function checkArgs(argv: readonly string[]): void {
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (FLAGS_WITH_VALUE.includes(a)) {
            const v = argv[i + 1];
            if (v === undefined || v.startsWith("--")) throw bad(a, "has no value", `give it one: ${a} <value> (npm run acceptance -- --help lists them)`);
            i++;
        } else if (a !== "--dry-run") {
            throw bad(a, `${JSON.stringify(a)} is not an option of acceptance`, `use ${[...FLAGS_WITH_VALUE, "--dry-run"].join(", ")}`);
        }
    }
}

function selectScenarios(only: string | undefined): Scenario[] {
    if (only === undefined) return [...SCENARIOS];
    const names = only.split(",").map((s) => s.trim());
    const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
    if (unknown.length > 0 || names.length === 0)
        throw bad(
            "--only",
            `${unknown.map((u) => JSON.stringify(u)).join(", ") || "an empty list"} is not a scenario`,
            `name scenarios among: ${SCENARIOS.map((s) => s.name).join(", ")}`,
        );
    return SCENARIOS.filter((s) => names.includes(s.name));
}

function readOutputs(file: string, flag: string, required: boolean): StackOutputs {
    if (!existsSync(file)) {
        if (!required) return {};
        throw bad(
            flag,
            `${file} does not exist`,
            "write the stack's outputs there: pulumi stack output --json > outputs.json (or run npm run synth -- --stack <name> for out/<name>/outputs.json)",
        );
    }
    try {
        const v: unknown = JSON.parse(readFileSync(file, "utf8"));
        if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not a JSON object");
        return v as StackOutputs;
    } catch (e) {
        throw bad(flag, `${file} is not the stack's outputs (${(e as Error).message})`, "give the JSON object `pulumi stack output --json` prints");
    }
}

/**
 * The account the scenarios log on as: `--account`, else the model's (billu:directory.acceptance); its password from
 * BILLU_ACCEPTANCE_PASSWORD, else the outputs' secret `acceptancePassword` (never from a command line).
 */
export function acceptanceAccount(
    model: { readonly directory?: { readonly acceptance?: { readonly sam: string } } },
    outputs: StackOutputs,
    flag: string | undefined,
    needing: readonly string[],
): { name: string; password: string } {
    const name = flag ?? model.directory?.acceptance?.sam;
    if (!name)
        throw bad(
            "--account",
            `${needing.join(", ")} needs an account, and the site's model has no directory (so no billu:directory.acceptance account)`,
            "give --account <name> and its password in BILLU_ACCEPTANCE_PASSWORD, or leave the scenario out with --only",
        );
    const fromEnv = process.env.BILLU_ACCEPTANCE_PASSWORD;
    if (fromEnv) return { name, password: fromEnv };
    const out = outputs.acceptancePassword;
    if (flag === undefined && typeof out === "string" && out !== "" && out !== "[secret]") return { name, password: out };
    if (flag !== undefined)
        throw bad(
            "--account",
            `${flag} is given, but BILLU_ACCEPTANCE_PASSWORD is empty`,
            "put the account's password in BILLU_ACCEPTANCE_PASSWORD (never on the command line)",
        );
    throw bad(
        "--outputs",
        out === "[secret]"
            ? "holds acceptancePassword as [secret] (written without --show-secrets)"
            : `has no acceptancePassword (${needing.join(", ")} logs on as ${name})`,
        "read the outputs with their secrets, without a file: --outputs <(pulumi stack output --json --show-secrets), or put the password in BILLU_ACCEPTANCE_PASSWORD",
    );
}

export async function main(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
    try {
        checkArgs(argv);
        const arg = (f: string) => flagValue(argv, f);
        const stack = arg("--stack");
        if (!stack) throw bad("--stack", "is required", "npm run acceptance -- --stack dev --dry-run");
        checkStackName(stack);
        const dryRun = argv.includes("--dry-run");
        const hostKeys = arg("--host-keys") ?? "pinned";
        if (hostKeys !== "pinned" && hostKeys !== "accept-new")
            throw bad(
                "--host-keys",
                `${JSON.stringify(hostKeys)} is not pinned or accept-new`,
                "leave it out (the stack's knownHosts are pinned); accept-new is for labs",
            );
        const side = arg("--side") ?? "inside";
        if (side !== "inside" && side !== "wan")
            throw bad(
                "--side",
                `${JSON.stringify(side)} is not inside or wan`,
                "leave it out on a host of the site; give wan on a host outside it (the internet)",
            );
        const scenarios = selectScenarios(arg("--only"));
        const configFile = path.resolve(arg("--config") ?? `Pulumi.${stack}.yaml`);
        if (!existsSync(configFile))
            throw bad(
                arg("--config") ? "--config" : "--stack",
                `${configFile} does not exist`,
                "run it in the project folder, or name the stack file with --config",
            );
        process.env.BILLU_PROJECT_ROOT ??= process.cwd();
        const model = loadModel(readBilluConfig(configFile));
        const zone = arg("--zone");
        if (zone !== undefined && !model.zones.some((z) => z.name === zone))
            throw bad(
                "--zone",
                `${JSON.stringify(zone)} is not a zone of the model`,
                `name the zone the run's host stands in: ${model.zones.map((z) => z.name).join(", ")}`,
            );
        const dhcpProbe = arg("--dhcp-probe");
        if (dhcpProbe !== undefined) {
            const p = dhcpProbeOf(model, dhcpProbe);
            if ("reason" in p) throw bad("--dhcp-probe", p.reason, "give the run's NIC on a department network and its zone: --dhcp-probe eth1@lan-dsi");
        }
        const outputs = readOutputs(
            path.resolve(arg("--outputs") ?? path.join("out", stack, "outputs.json")),
            arg("--outputs") ? "--outputs" : "--stack",
            !dryRun,
        );
        const opts = { zone, dhcpProbe };
        const applicable = scenarios.filter((s) => s.skip(model, opts) === undefined);
        for (const s of scenarios.filter((x) => x.skip(model, opts) !== undefined)) out(`[${s.name}] not run: ${s.skip(model, opts)}\n`);
        const needing = applicable.filter((s) => s.needs?.includes("account")).map((s) => s.name);
        const account =
            needing.length === 0
                ? undefined
                : dryRun
                  ? { name: arg("--account") ?? model.directory?.acceptance?.sam ?? "<--account>", password: "" }
                  : acceptanceAccount(model, outputs, arg("--account"), needing);
        const workDir = mkdtempSync(path.join(tmpdir(), "billu-acceptance-"));
        try {
            const input = {
                model,
                outputs,
                account,
                workDir,
                acceptNewHostKeys: hostKeys === "accept-new",
                member: arg("--member"),
                side: side as "inside" | "wan",
                dhcpProbe,
                zone,
                dryRun,
            };
            if (dryRun) {
                for (const s of applicable) {
                    const checks = s.checks(input);
                    out(`${s.name}: ${s.title} (${checks.length} steps${s.needs?.includes("account") ? `; logs on as ${account?.name}` : ""})\n`);
                    for (const c of checks) out(`    ${c.name}: expects ${c.expected}; contacts ${c.contacts.join(", ")}\n`);
                }
                return 0;
            }
            const results = await runScenarios(applicable, input, {
                onCheck: (s, r) =>
                    out(`[${s}] ${r.ok ? "ok  " : "FAIL"} ${r.name}: ${r.ok ? r.observed : `expected ${r.expected}, observed ${r.observed}`} (${r.ms} ms)\n`),
            });
            const report = arg("--report");
            if (report) {
                const dir = path.resolve(report);
                if (existsSync(dir) && !statSync(dir).isDirectory()) throw bad("--report", `${dir} is a file`, "name a folder (it is created if missing)");
                mkdirSync(dir, { recursive: true });
                writeFileSync(path.join(dir, "acceptance.xml"), junitReport(stack, results));
                writeFileSync(path.join(dir, "acceptance.md"), markdownReport(stack, results));
            }
            const failed = results.filter((r) => !r.ok);
            out(
                `acceptance ${stack}: ${results.length - failed.length} of ${results.length} scenarios passed${failed.length ? `; failed: ${failed.map((f) => f.name).join(", ")}` : ""}\n`,
            );
            return failed.length === 0 ? 0 : 1;
        } finally {
            rmSync(workDir, { recursive: true, force: true });
        }
    } catch (e) {
        if (e instanceof InputError) {
            process.stderr.write(`acceptance: ${e.problems.map(formatProblem).join("\n")}\n`);
            return 2;
        }
        process.stderr.write(`acceptance: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        return 3;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => (process.exitCode = code),
        () => (process.exitCode = 3),
    );
}
