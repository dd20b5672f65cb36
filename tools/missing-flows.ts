/**
 * `node dist/tools/missing-flows.js --stack <name> [--config <file>] [--service <key>]`: the flows the site's services
 * require and its billu:flows lacks (model/site.ts missingFlows), one `billu:flows` entry a line, as a stack file
 * writes it (`  - { from: A, to: B, service: S }`); with --service, only those a service asks for (its descriptor's key:
 * dc, logs, ...). Nothing printed: the config declares them all. For a lab that derives a stack from a committed one
 * (labs/trust's Samba prod) and must declare what the model requires of the derived site, asked of the model rather
 * than re-derived. Exit 0; 2 for bad input (a problem found before the flows are checked), named as synth names it.
 */
// Before anything loads @pulumi/pulumi, as synth does: a run loads only the SDK parts it uses (tools/defer-modules.ts).
import "./defer-modules";
import * as path from "path";
import { formatProblem, InputError } from "../model/errors";
import { flowLine } from "../model/requirements";
import { loadMissingFlows } from "../stacks/program";
import { checkStackName, flagValue } from "./paths";
import { readBilluConfig } from "./stack-config";

function main(argv: string[]): number {
    const arg = (flag: string) => flagValue(argv, flag);
    const stack = arg("--stack");
    if (!stack) {
        process.stderr.write("missing-flows: --stack is required. Fix: node dist/tools/missing-flows.js --stack prod [--config <file>] [--service dc]\n");
        return 2;
    }
    try {
        checkStackName(stack);
        const raw = readBilluConfig(path.resolve(arg("--config") ?? `Pulumi.${stack}.yaml`));
        process.env.BILLU_PROJECT_ROOT ??= process.cwd();
        const service = arg("--service");
        const lines = loadMissingFlows(raw)
            .filter((a) => service === undefined || a.service === service)
            .map((a) => `  - ${flowLine(a.need)}\n`);
        process.stdout.write(lines.join(""));
        return 0;
    } catch (e) {
        if (e instanceof InputError) {
            process.stderr.write(`missing-flows ${stack}: ${e.problems.map(formatProblem).join("\n")}\n`);
            return 2;
        }
        throw e;
    }
}

/** The command line: `node dist/tools/missing-flows.js <argv>` runs this; the unit tests call it in their own process (__tests__/cli.ts). */
export function cli(argv: string[]): void {
    process.exitCode = main(argv);
}

if (require.main === module) cli(process.argv.slice(2));
