/**
 * pfSense rendering of a stack's flow matrix: `npm run pfsense -- --stack <name> [--config <file>] [--out <dir>]`.
 * Writes the config.xml sections (interfaces, aliases, filter, nat, dhcrelay) and PROCEDURE.md to
 * out/<stack>/pfsense/ (default). Exit 0, or 2 on invalid config (the same messages as synth).
 */
import { mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import { formatProblem, InputError } from "../model/errors";
import { pfsenseProcedure, renderPfsense } from "../components/firewall/pfsense";
import { loadModel } from "../stacks/program";
import { readBilluConfig } from "./synth";

function main(argv: string[]): number {
    const arg = (flag: string) => {
        const i = argv.indexOf(flag);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const stack = arg("--stack");
    if (!stack) {
        process.stderr.write("pfsense: --stack is required. Fix: npm run pfsense -- --stack dev\n");
        return 2;
    }
    const root = process.cwd();
    const out = path.resolve(arg("--out") ?? path.join("out", stack, "pfsense"));
    try {
        const raw = readBilluConfig(path.resolve(arg("--config") ?? `Pulumi.${stack}.yaml`));
        process.env.BILLU_PROJECT_ROOT ??= root;
        const model = loadModel(raw);
        const r = renderPfsense(model);
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

process.exit(main(process.argv.slice(2)));
