/**
 * The firewall lab's plan for a stack: `node dist/tools/firewall-lab.js --stack dev --prefix bfw --out <dir>`.
 * Writes <dir>/plan.json (actors, listeners, probes with their expected outcome, cells, broken cases) and
 * <dir>/topology.txt (one namespace, link, bridge, address or route per line) for labs/firewall/lab.sh.
 */
// Before anything loads @pulumi/pulumi, as synth does: a run loads only the SDK parts it uses (tools/defer-modules.ts).
import "./defer-modules";
import { mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import { formatProblem, InputError } from "../model/errors";
import { planLab } from "../components/firewall/lab-plan";
import { loadModel } from "../stacks/program";
import { checkReadableFile, checkStackName, flagValue } from "./paths";
import { readBilluConfig } from "./synth";

function main(argv: string[]): number {
    const arg = (flag: string) => flagValue(argv, flag);
    const stack = arg("--stack") ?? "dev";
    const prefix = arg("--prefix") ?? "bfw";
    const out = path.resolve(arg("--out") ?? ".");
    try {
        checkStackName(stack);
        const config = arg("--config");
        if (config !== undefined) checkReadableFile(path.resolve(config), "--config", config, "pass --config the path of a stack file (Pulumi.<stack>.yaml)");
        const raw = readBilluConfig(path.resolve(config ?? `Pulumi.${stack}.yaml`));
        process.env.BILLU_PROJECT_ROOT ??= process.cwd();
        const plan = planLab(loadModel(raw), prefix);
        mkdirSync(out, { recursive: true });
        writeFileSync(path.join(out, "plan.json"), JSON.stringify(plan));
        writeFileSync(path.join(out, "topology.txt"), plan.topology.join("\n") + "\n");
        process.stdout.write(
            `firewall lab plan ${stack}: ${plan.actors.length} actors, ${plan.cells.length} cells, ${plan.probes.length} probes, ${plan.spoofs.length} spoofed sources, ${plan.mutations.length} broken cases\n`,
        );
        return 0;
    } catch (e) {
        if (e instanceof InputError) {
            process.stderr.write(`firewall-lab ${stack}: ${e.problems.map(formatProblem).join("\n")}\n`);
            return 2;
        }
        throw e;
    }
}

/** The command line: `node dist/tools/firewall-lab.js <argv>` runs this; the unit tests call it in their own process (__tests__/cli.ts). */
export function cli(argv: string[]): void {
    // exitCode, never process.exit: a pipe gets every byte.
    process.exitCode = main(argv);
}

if (require.main === module) cli(process.argv.slice(2));
