// Runs dependency-cruiser's own command line (bin/dependency-cruise.mjs) several times in this one process, for
// layers.test.ts: each run gets its working directory and arguments, and its exit status and output are recorded
// as a run of its own would give them. Node, dependency-cruiser and TypeScript load once instead of once per run
// (the test cruises nine trees: nine processes cost ~25 s of CPU on a 2-core machine).
//
//   node depcruise-runs.mjs <bin> <runs.json>    runs.json: [{ "cwd": "...", "args": ["--config", ...] }, ...]
//   prints [{ "status": n, "stdout": "...", "stderr": "..." }, ...] as JSON, one entry per run.
//
// The bin defines its options on commander's global `program`, which refuses the same options twice; each run
// imports its own copy of the bin (a ?run=<n> query makes a new module) whose `program` is a new Command, by a
// loader hook that rewrites that one import line and fails if it is not there. Everything else is the bin as
// shipped, and dependency-cruiser clears its caches at the start of every cruise (src/extract/clear-caches.mjs).
import { readFileSync, realpathSync } from "node:fs";
import { register } from "node:module";
import { pathToFileURL } from "node:url";

const [bin, runsFile] = process.argv.slice(2);
// By its real path: Node loads an ES module under its real path, so the hook below would never see the URL of a bin
// reached through a symbolic link (npm run bench:jest -- --against links node_modules) and every run but the first
// would fail on commander's repeated options.
const binUrl = pathToFileURL(realpathSync(bin)).href;
const hooks = `
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
let binUrl;
export function initialize(data) { binUrl = data.binUrl; }
export async function load(url, context, next) {
    if (!url.startsWith(binUrl + "?run=")) return next(url, context);
    const original = 'import { program, Option } from "commander";';
    const text = readFileSync(fileURLToPath(url), "utf8");
    if (!text.includes(original)) throw new Error(binUrl + " no longer has the line " + original + ": update __tests__/tools/depcruise-runs.mjs");
    const source = text.replace(original, 'import { Command, Option } from "commander";\\nconst program = new Command();');
    return { format: "module", source, shortCircuit: true };
}
`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { binUrl } });

const runs = JSON.parse(readFileSync(runsFile, "utf8"));
const results = [];
const { write: outWrite } = process.stdout;
const { write: errWrite } = process.stderr;
for (const [i, run] of runs.entries()) {
    let stdout = "";
    let stderr = "";
    process.chdir(run.cwd);
    process.argv = [process.execPath, bin, ...run.args];
    process.exitCode = undefined;
    process.stdout.write = (chunk) => ((stdout += chunk), true);
    process.stderr.write = (chunk) => ((stderr += chunk), true);
    try {
        await import(`${binUrl}?run=${i}`);
    } finally {
        process.stdout.write = outWrite;
        process.stderr.write = errWrite;
    }
    results.push({ status: process.exitCode ?? 0, stdout, stderr });
}
process.exitCode = 0;
process.stdout.write(JSON.stringify(results));
