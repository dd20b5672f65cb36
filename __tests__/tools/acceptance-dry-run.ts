/**
 * The set-up the acceptance scenario tests share (acceptance-ftp, acceptance-shares): a committed stack's model, and
 * `npm run acceptance -- --dry-run --only <scenario>` run in-process from the project root, its output, stderr and
 * exit code captured, with BILLU_ACCEPTANCE_PASSWORD set or unset for the call and restored after it.
 */
import * as path from "path";
import { main } from "../../tools/acceptance";
import { loadModel } from "../../stacks/program";
import { readBilluConfig } from "../../tools/stack-config";
import { ROOT } from "../helpers";

// The program reads the project's files (the HR export, the lock) relative to this root, as the CLI does.
process.env.BILLU_PROJECT_ROOT = ROOT;

/** A committed stack's model (Pulumi.<stack>.yaml), as the acceptance tool loads it. */
export const modelOf = (stack: string) => loadModel(readBilluConfig(path.join(ROOT, `Pulumi.${stack}.yaml`)));

/** One scenario's dry run: `--dry-run --only <scenario> ...args`, the password in the environment when given. */
export async function dryRun(scenario: string, args: string[], password?: string): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const write = process.stderr.write;
    const saved = process.env.BILLU_ACCEPTANCE_PASSWORD;
    if (password === undefined) delete process.env.BILLU_ACCEPTANCE_PASSWORD;
    else process.env.BILLU_ACCEPTANCE_PASSWORD = password;
    process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
        const code = await main(["--dry-run", "--only", scenario, ...args], (s) => (out += s));
        return { code, out, err };
    } finally {
        process.chdir(cwd);
        process.stderr.write = write;
        if (saved === undefined) delete process.env.BILLU_ACCEPTANCE_PASSWORD;
        else process.env.BILLU_ACCEPTANCE_PASSWORD = saved;
    }
}
