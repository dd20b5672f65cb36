/**
 * One benchmark measurement in a fresh process (the mock runtime is process-global). Prints one JSON line.
 *   --mode sites --count N   build N BillU prod sites (distinct site codes) in one program under the mock runtime
 *   --mode bare --count R    register R plain custom resources with the bare SDK under the mock runtime
 *   --mode replay --from F   register, with the bare SDK, the very resources (types, names, inputs) that a
 *                            `sites` run dumped with --dump F (provider classes, parents,
 *                            dependsOn; tools/bench-replay.ts): the SDK's own cost for our resource graph
 *   --mode accounts --count N  build the dev site (department zones widened to /16) with a generated N-person HR
 *                            export and an empty lock (one resource per OU and group, people and computers in chunks)
 *                            (tools/bench-directory.ts makes the export and the config)
 *   --traces default|off     off: no stack traces captured (Error.stackTraceLimit = 0 and no source positions)
 */
import "./defer-modules";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";

function arg(name: string, def: string): string {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : def;
}

async function main(): Promise<void> {
    const mode = arg("mode", "sites");
    const count = Number(arg("count", "1"));
    const traces = arg("traces", "default");
    const root = path.join(__dirname, "..", "..");
    const t0 = process.hrtime.bigint();
    let cpu0 = process.cpuUsage();
    const pulumi = await import("@pulumi/pulumi");
    const { installRecordingMocks, SynthMocks, waitForRegistrations } = await import("./mock-runtime");
    const { disableStackTraces } = await import("./traces");
    if (traces === "off") disableStackTraces();
    const recorded = installRecordingMocks(new SynthMocks(), "billu-infra", "bench");
    // The stack file is read before the clock starts: under `pulumi up` the CLI parses it, and the program
    // receives its values as JSON (which it parses itself, as here).
    const doc = mode === "sites" ? (parseYaml(readFileSync(path.join(root, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> }) : undefined;
    // Modules load before the clock starts too: the figures compare registering resources, not start-up.
    const program = mode === "sites" || mode === "accounts" ? { ...(await import("../stacks/program")), ...(await import("../stacks/site")) } : undefined;
    const replayer = mode === "replay" ? await import("./bench-replay") : undefined;
    const replayDump = mode === "replay" ? (JSON.parse(readFileSync(arg("from", ""), "utf8")) as import("./bench-replay").DumpedResource[]) : undefined;
    const tLoad = process.hrtime.bigint();
    cpu0 = process.cpuUsage();
    if (mode === "replay") {
        const generic = replayer!.replay(replayDump!);
        if (generic.length > 0) process.stderr.write(`replayed as generic resources (add their classes to tools/bench-replay.ts): ${generic.join(", ")}\n`);
    } else if (mode === "bare") {
        class Thing extends pulumi.CustomResource {}
        for (let i = 0; i < count; i++) {
            new Thing("bench:index:Thing", `thing-${i}`, { name: `thing-${i}`, size: i, tags: ["a", "b"] });
        }
    } else if (mode === "accounts") {
        const { loadModel, Site } = program!;
        const { generateExport, largeDevConfig } = await import("./bench-directory");
        const dir = mkdtempSync(path.join(tmpdir(), "billu-bench-accounts-"));
        writeFileSync(path.join(dir, "export.csv"), generateExport(count));
        process.env.BILLU_PROJECT_ROOT = root;
        process.env.BILLU_HR_CSV = path.join(dir, "export.csv");
        process.env.BILLU_DIRECTORY_LOCK = path.join(dir, "no-lock.json");
        const doc = largeDevConfig();
        const raw: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(doc.config)) if (k.startsWith("billu:")) raw[k.slice(6)] = JSON.parse(JSON.stringify(v));
        new Site("par", { model: loadModel(raw), renderDir: path.join(dir, "rendered") });
    } else {
        const { loadModel, Site, vmBackupPbsPassword } = program!;
        process.env.BILLU_PROJECT_ROOT = root;
        for (let i = 0; i < count; i++) {
            // Site codes AA.., AB.., distinct per site so every resource name is unique.
            const code = "S" + String.fromCharCode(65 + Math.floor(i / 26)) + String.fromCharCode(65 + (i % 26));
            // Every host name, wherever the config names one (hosts, flows, DHCP peers, ...), takes the site's code.
            const raw: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(doc!.config))
                if (k.startsWith("billu:"))
                    raw[k.slice(6)] = JSON.parse(
                        JSON.stringify(v)
                            .replace(/\bPAR-/g, `${code}-`)
                            // and wherever it spells one in lower case (a URL: billu:gpo's WSUS server).
                            .replace(/\bpar-/g, `${code.toLowerCase()}-`),
                    );
            (raw.site as { code: string }).code = code;
            const model = loadModel(raw);
            // No stack secrets here: the program's offline placeholder, as under synth.
            const pbs = vmBackupPbsPassword(model, () => undefined, true);
            new Site(code.toLowerCase(), { model, renderDir: path.join(root, "out", "bench", code), vmBackupPbsPassword: pbs });
        }
    }
    await waitForRegistrations();
    const t1 = process.hrtime.bigint();
    const cpu = process.cpuUsage(cpu0);
    const dumpTo = arg("dump", "");
    if (dumpTo)
        writeFileSync(
            dumpTo,
            JSON.stringify(
                recorded.map((r) => ({
                    urn: r.urn,
                    type: r.type,
                    name: r.name,
                    custom: r.custom,
                    parent: r.parent,
                    dependsOn: r.options.dependsOn,
                    inputs: r.inputs,
                })),
            ),
        );
    const ms = Number(t1 - tLoad) / 1e6;
    process.stdout.write(
        JSON.stringify({
            mode,
            count,
            traces,
            resources: recorded.length,
            ms,
            cpuMs: (cpu.user + cpu.system) / 1000,
            loadMs: Number(tLoad - t0) / 1e6,
            rssMiB: process.memoryUsage().rss / 2 ** 20,
            // The peak, not the resident size at the end (maxRSS is in KiB).
            peakMiB: process.resourceUsage().maxRSS / 1024,
        }) + "\n",
    );
}

main().catch((e) => {
    process.stderr.write(String(e?.stack ?? e) + "\n");
    process.exitCode = 1;
});
