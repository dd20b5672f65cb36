/**
 * The log collection lab's inputs, from a stack's model (never from a file under test):
 * `node dist/tools/lab-logs.js --stack <stack> [--config <file>] [--overlay <file>] --out <dir>` writes
 *   <dir>/<HOST>/<guest path>   the `logs-collector` and `logs-forward` guest steps exactly as the component renders
 *                               them (run.sh, billu-lib.sh and every file, with `{{secret:...}}` placeholders), in the
 *                               layout synth uses for out/<stack>/rendered
 *   <dir>/facts.json            the plan (collector, FQDN, port, clients and addresses) and the zones (CIDR, gateway)
 * Until the stack declares its own collector (a host of role logs and billu:logs, wired by the service registry),
 * the overlay (labs/logs/overlay.yaml: `hosts` appended, `logs`) supplies them; a stack that has its own ignores it.
 * Exit 0 written, 2 invalid configuration (the key path and the fix on stderr).
 */
import { mkdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import type { OsKind } from "../model/core";
import { keyPath, formatProblem, InputError, Problems } from "../model/errors";
import { LogsHost, logsSchema, planLogs } from "../model/logs";
import { loadModel } from "../stacks/program";
import { renderStep } from "../components/guest-step/render";
import { clientFiles, collectorDirs, collectorFiles, LOGS_SECRETS, rsyslogStepScript } from "../components/logs/render";
import { checkStackName, flagValue } from "./paths";
import { readBilluConfig } from "./synth";

type RawHost = Record<string, unknown> & { name?: unknown; role?: unknown };

export function labLogs(raw: Record<string, unknown>, overlay: { hosts?: RawHost[]; logs?: unknown }) {
    const rawHosts = (Array.isArray(raw.hosts) ? raw.hosts : []) as RawHost[];
    const own = rawHosts.some((h) => h.role === "logs");
    const allHosts = own ? rawHosts : [...rawHosts, ...(overlay.hosts ?? [])];
    const logsRaw = raw.logs ?? (own ? undefined : overlay.logs);
    // The model does not know role logs until the registry wires the service: build it without the collector.
    const rest = { ...raw, hosts: allHosts.filter((h) => h.role !== "logs") };
    delete (rest as Record<string, unknown>).logs;
    const model = loadModel(rest);
    const problems = new Problems();
    let cfg;
    if (logsRaw !== undefined) {
        const r = logsSchema.safeParse(logsRaw);
        if (!r.success) {
            for (const i of r.error.issues) problems.add(keyPath("billu", ["logs", ...i.path]), i.message, "see docs/services/logs.md");
            problems.throwIfAny();
        } else cfg = r.data;
    }
    const hosts: LogsHost[] = allHosts.map((h, index) => {
        const m = model.hosts.find((x) => x.name === h.name);
        return m
            ? { name: m.name, role: m.role, os: m.os, zone: m.zone, address: m.nics[0].address, index }
            : // The overlay's collector, which the model does not validate: the planner reads its os for isWindows and messages.
              { name: String(h.name), role: String(h.role), os: String(h.os) as OsKind, zone: String(h.zone), address: String(h.address), index };
    });
    const plan = planLogs(
        { site: { domain: model.site.domain }, cfg, hosts, zones: model.zones, domain: model.domain && { fqdn: model.domain.fqdn } },
        problems,
    );
    problems.throwIfAny();
    if (!plan) throw new InputError([{ path: "billu:hosts", message: "has no host of role logs", fix: "add one (or use labs/logs/overlay.yaml)" }]);
    const secretNames = Object.values(LOGS_SECRETS);
    const rendered = [
        { host: plan.host.name, files: collectorFiles(plan), dirs: collectorDirs(plan), step: "logs-collector" },
        ...plan.clients.map((c) => ({ host: c.name, files: clientFiles(plan, c.name)!, dirs: [], step: "logs-forward" })),
    ].map((s) => ({ host: s.host, staged: renderStep({ ...s, os: "linux", script: rsyslogStepScript(), secrets: secretNames }).staged }));
    const zones = model.zones.map((z) => ({ name: z.name, kind: z.kind, cidr: z.cidr.text, gateway: z.gateway, routerAddress: z.routerAddress }));
    return { plan, zones, rendered };
}

function main(argv: string[]): number {
    const arg = (flag: string) => flagValue(argv, flag);
    const stack = arg("--stack");
    const out = arg("--out");
    if (!stack || !out) {
        process.stderr.write(
            "lab-logs: --stack and --out are required. Fix: node dist/tools/lab-logs.js --stack dev --out <dir> [--config <file>] [--overlay <file>]\n",
        );
        return 2;
    }
    try {
        checkStackName(stack);
        const raw = readBilluConfig(path.resolve(arg("--config") ?? `Pulumi.${stack}.yaml`));
        const overlayFile = arg("--overlay");
        const overlay = overlayFile ? (parseYaml(readFileSync(overlayFile, "utf8")) as { hosts?: RawHost[]; logs?: unknown }) : {};
        process.env.BILLU_PROJECT_ROOT ??= process.cwd();
        const r = labLogs(raw, overlay);
        for (const { host, staged } of r.rendered) {
            for (const s of staged) {
                const file = path.join(out, host, s.guestPath);
                mkdirSync(path.dirname(file), { recursive: true });
                writeFileSync(file, s.content);
            }
        }
        writeFileSync(path.join(out, "facts.json"), JSON.stringify({ plan: r.plan, zones: r.zones }, null, 2) + "\n");
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
