/**
 * The log collection lab's inputs, from a stack's model (never from a file under test):
 * `node dist/tools/lab-logs.js --stack <stack> [--config <file>] --out <dir>` writes
 *   <dir>/<HOST>/<guest path>   the `logs-collector` and `logs-forward` guest steps exactly as the component renders
 *                               them (run.sh, billu-lib.sh and every file, with `{{secret:...}}` placeholders), in the
 *                               layout synth uses for out/<stack>/rendered (on a guest, `logs-forward` joins the host's
 *                               base step, with the same files and body)
 *   <dir>/facts.json            the plan (collector, FQDN, port, clients and addresses), the zones (CIDR, gateway) and
 *                               the directory drift check's journal tag and unit path (issue #27: its lines must reach
 *                               the collector)
 * The stack's own collector (a host of role logs, billu:logs, its flows) is used: the lab reads installed files back
 * against the stack's own synth output (out/<stack>/rendered).
 * Exit 0 written, 2 invalid configuration (the key path and the fix on stderr).
 */
import { mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import { formatProblem, InputError } from "../model/errors";
import { logsService } from "../model/services/logs";
import { planOf } from "../model/services/types";
import { loadModel } from "../stacks/program";
import { renderStep } from "../components/guest-step/render";
import { DRIFT_PATHS, DRIFT_SYSLOG_IDENTIFIER } from "../components/directory/drift";
import { clientFiles, collectorDirs, collectorFiles, LOGS_SECRETS, rsyslogStepScript } from "../components/logs/render";
import { checkStackName, flagValue } from "./paths";
import { readBilluConfig } from "./synth";

export function labLogs(raw: Record<string, unknown>) {
    const model = loadModel(raw);
    const plan = planOf(logsService, model);
    if (!plan) throw new InputError([{ path: "billu:hosts", message: "has no host of role logs", fix: "add the collector (PAR-LOG01, role: logs)" }]);
    const secretNames = Object.values(LOGS_SECRETS);
    const rendered = [
        { host: plan.host.name, files: collectorFiles(plan), dirs: collectorDirs(plan), step: "logs-collector" },
        ...plan.clients.map((c) => ({ host: c.name, files: clientFiles(plan, c.name)!, dirs: [], step: "logs-forward" })),
    ].map((s) => ({ host: s.host, staged: renderStep({ ...s, os: "linux", script: rsyslogStepScript(), secrets: secretNames }).staged }));
    const zones = model.zones.map((z) => ({ name: z.name, kind: z.kind, cidr: z.cidr.text, gateway: z.gateway, routerAddress: z.routerAddress }));
    const drift = { identifier: DRIFT_SYSLOG_IDENTIFIER, unit: DRIFT_PATHS.service };
    return { plan, zones, drift, rendered };
}

function main(argv: string[]): number {
    const arg = (flag: string) => flagValue(argv, flag);
    const stack = arg("--stack");
    const out = arg("--out");
    if (!stack || !out) {
        process.stderr.write("lab-logs: --stack and --out are required. Fix: node dist/tools/lab-logs.js --stack dev --out <dir> [--config <file>]\n");
        return 2;
    }
    try {
        checkStackName(stack);
        const raw = readBilluConfig(path.resolve(arg("--config") ?? `Pulumi.${stack}.yaml`));
        process.env.BILLU_PROJECT_ROOT ??= process.cwd();
        const r = labLogs(raw);
        for (const { host, staged } of r.rendered) {
            for (const s of staged) {
                const file = path.join(out, host, s.guestPath);
                mkdirSync(path.dirname(file), { recursive: true });
                writeFileSync(file, s.content);
            }
        }
        writeFileSync(path.join(out, "facts.json"), JSON.stringify({ plan: r.plan, zones: r.zones, drift: r.drift }, null, 2) + "\n");
        return 0;
    } catch (e) {
        if (e instanceof InputError) {
            process.stderr.write(`lab-logs ${stack}: ${e.problems.map(formatProblem).join("\n")}\n`);
            return 2;
        }
        throw e;
    }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
