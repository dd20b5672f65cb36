/**
 * pfSense rendering of a stack's flow matrix: `npm run pfsense -- --stack <name> [--config <file>] [--out <dir>]`.
 * Writes the config.xml sections (interfaces, aliases, filter, nat, dhcrelay) and PROCEDURE.md to
 * out/<stack>/pfsense/ (default). Exit 0, or 2 on invalid config (the same messages as synth).
 */
// Before anything loads @pulumi/pulumi, as synth does: a run loads only the SDK parts it uses (tools/defer-modules.ts).
import "./defer-modules";
import { existsSync, mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import { formatProblem, InputError } from "../model/errors";
import { pfsenseProcedure, renderPfsense } from "../components/firewall/pfsense";
import { loadModel } from "../stacks/program";
import { checkReadableFile, checkStackName, flagValue, OUTPUT_MARKER, OUTPUT_MARKER_TEXT } from "./paths";
import { readBilluConfig } from "./synth";

function main(argv: string[]): number {
    const arg = (flag: string) => flagValue(argv, flag);
    const stack = arg("--stack");
    if (!stack) {
        process.stderr.write("pfsense: --stack is required. Fix: npm run pfsense -- --stack dev\n");
        return 2;
    }
    const root = process.cwd();
    try {
        checkStackName(stack);
        const out = path.resolve(arg("--out") ?? path.join("out", stack, "pfsense"));
        const config = arg("--config");
        if (config !== undefined) checkReadableFile(path.resolve(config), "--config", config, "pass --config the path of a stack file (Pulumi.<stack>.yaml)");
        const raw = readBilluConfig(path.resolve(config ?? `Pulumi.${stack}.yaml`));
        process.env.BILLU_PROJECT_ROOT ??= root;
        const model = loadModel(raw);
        const r = renderPfsense(model);
        // The default out/<stack>/pfsense sits in synth's output folder: a new out/<stack> is marked as synth's,
        // so the next synth may replace it (tools/paths.ts) instead of refusing a folder it did not write.
        const synthOut = path.resolve("out", stack);
        if (arg("--out") === undefined && !existsSync(synthOut)) {
            mkdirSync(synthOut, { recursive: true });
            writeFileSync(path.join(synthOut, OUTPUT_MARKER), OUTPUT_MARKER_TEXT);
        }
        mkdirSync(out, { recursive: true });
        for (const [name, text] of Object.entries(r.files)) writeFileSync(path.join(out, name), text);
        writeFileSync(path.join(out, "PROCEDURE.md"), pfsenseProcedure(model, r));
        process.stdout.write(`pfsense ${stack}: ${r.filterRules} filter rules, ${r.portForwards} port forwards -> ${path.relative(root, out) || "."}\n`);
        return 0;
    } catch (e) {
        if (e instanceof InputError) {
            process.stderr.write(`pfsense ${stack}: ${e.problems.map(formatProblem).join("\n")}\n`);
            return 2;
        }
        throw e;
    }
}

/** The command line: `node dist/tools/pfsense.js <argv>` runs this; the unit tests call it in their own process (__tests__/cli.ts). */
export function cli(argv: string[]): void {
    // exitCode, never process.exit: a pipe gets every byte.
    process.exitCode = main(argv);
}

if (require.main === module) cli(process.argv.slice(2));
