/**
 * tools/defer-modules.ts: offline synth loads the SDK without the TypeScript compiler, npm's Arborist,
 * normalize-package-data and the Automation API, and each still works when a program does use it.
 * Runs the compiled module (npm test compiles first) in a fresh node, since it patches the module loader.
 */
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const DEFER = path.join(ROOT, "dist", "tools", "defer-modules.js");

function run(script: string): { loaded: Record<string, boolean>; result?: unknown } {
    const p = spawnSync("node", ["-r", DEFER, "-e", script], { cwd: ROOT, encoding: "utf8" });
    if (p.status !== 0) throw new Error(p.stderr);
    return JSON.parse(p.stdout);
}

const LOADED = `
const cache = Object.keys(require.cache);
const has = (frag) => cache.some((k) => k.includes(frag));
const loaded = {
    typescript: has("/node_modules/typescript/"),
    arborist: has("/node_modules/@npmcli/arborist/"),
    normalize: has("/node_modules/normalize-package-data/"),
    automation: has("/@pulumi/pulumi/automation/"),
};`;

test("loading @pulumi/pulumi loads none of the deferred modules", () => {
    const out = run(`require("@pulumi/pulumi"); ${LOADED} console.log(JSON.stringify({ loaded }));`);
    expect(out.loaded).toEqual({ typescript: false, arborist: false, normalize: false, automation: false });
});

test("each deferred module loads on first use and behaves as the real one", () => {
    const out = run(`
const pulumi = require("@pulumi/pulumi");
const result = {
    automation: typeof pulumi.automation.LocalWorkspace,
    fullyQualifiedStackName: pulumi.automation.fullyQualifiedStackName("org", "proj", "dev"),
};
// The closure serializer's modules, as its own files import them.
const codePathsFile = require.resolve("@pulumi/pulumi/runtime/closure/codePaths");
const m = new (require("module"))(codePathsFile);
m.filename = codePathsFile;
m.paths = require("module")._nodeModulePaths(require("path").dirname(codePathsFile));
const arborist = m.require("@npmcli/arborist");
const normalize = m.require("normalize-package-data");
const data = { name: "x", version: "1.0.0" };
normalize(data);
result.arborist = typeof new arborist.Arborist({ path: "." }).loadActual;
result.normalized = data._id;
const shim = require("@pulumi/pulumi/typescript-shim");
result.typescript = typeof shim.createSourceFile;
${LOADED}
console.log(JSON.stringify({ loaded, result }));`);
    expect(out.result).toEqual({
        automation: "function",
        fullyQualifiedStackName: "org/proj/dev",
        arborist: "function",
        normalized: "x@1.0.0",
        typescript: "function",
    });
    expect(out.loaded).toEqual({ typescript: true, arborist: true, normalize: true, automation: true });
});
