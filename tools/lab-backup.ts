/**
 * The in-guest backup lab's inputs, from a stack's model (never from a file under test):
 * `node dist/tools/lab-backup.js --stack <stack> --out <dir> [--config <file>]` writes
 *   <dir>/<HOST>/<guest path>   the server's `backup-server` step and each client's backup part as a step of its own
 *                               (`backup-client`: on a guest it joins the host's base step, with the same files and
 *                               body), exactly as the component renders them, in synth's layout
 *   <dir>/facts.json            the plan (server, FQDN, port, clients, repositories, retention), the data sets the
 *                               services declared, the zones and the file servers' shares (paths, groups)
 *   (with --runbook: the restore runbook of the stack, components/backup/runbook.ts, on stdout instead)
 * The stack's own backup server (a host of role backup, billu:backup, its flows) is used: the lab reads installed
 * files back against the stack's own synth output (out/<stack>/rendered).
 * Exit 0 written, 2 invalid configuration (the key path and the fix on stderr).
 */
import { mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import { clientFiles, CLIENT_SECRET_NAMES, scriptText, serverDirs, serverFiles, serverSecretNames } from "../components/backup/render";
import { renderRunbook } from "../components/backup/runbook";
import { renderStep } from "../components/guest-step/render";
import { formatProblem, InputError } from "../model/errors";
import { backupService } from "../model/services/backup";
import { planOf } from "../model/services/types";
import { loadModel } from "../stacks/program";
import { checkStackName, flagValue } from "./paths";
import { readBilluConfig } from "./synth";

export function labBackup(raw: Record<string, unknown>) {
    const model = loadModel(raw);
    const plan = planOf(backupService, model);
    if (!plan) throw new InputError([{ path: "billu:hosts", message: "has no host of role backup", fix: "add one (PAR-BKP01, role: backup)" }]);
    const server = renderStep({
        host: plan.host.name,
        step: "backup-server",
        os: "linux",
        files: serverFiles(plan),
        dirs: serverDirs(plan),
        script: scriptText("server-step.sh"),
        secrets: serverSecretNames(plan),
    });
    const clients = plan.clients.map((c) => {
        const sets = model.backups.filter((s) => s.host === c.name);
        return {
            host: c.name,
            staged: renderStep({
                host: c.name,
                step: "backup-client",
                os: "linux",
                files: clientFiles(plan, c, sets),
                dirs: [{ path: "/etc/billu/backup", mode: "0700", owner: "root:root" }],
                script: scriptText("client-step.sh"),
                secrets: [...CLIENT_SECRET_NAMES],
            }).staged,
        };
    });
    const facts = {
        plan,
        backups: model.backups,
        zones: model.zones.map((z) => ({ name: z.name, kind: z.kind, cidr: z.cidr.text, gateway: z.gateway, routerAddress: z.routerAddress })),
        fileservers: (model.fileservers ?? []).map((f) => ({ host: f.host, mountPoint: f.mountPoint, shares: f.shares })),
        // Every host's addresses: the lab's admin host (the acceptance run) takes one no host of the model has.
        hosts: model.hosts.map((h) => ({ name: h.name, addresses: h.nics.map((n) => n.address) })),
    };
    return { rendered: [{ host: plan.host.name, staged: server.staged }, ...clients], facts };
}

function main(argv: string[]): number {
    const stack = flagValue(argv, "--stack");
    const out = flagValue(argv, "--out");
    if (!stack || !out) {
        process.stderr.write("lab-backup: --stack and --out are required. Fix: node dist/tools/lab-backup.js --stack dev --out <dir> [--config <file>]\n");
        return 2;
    }
    try {
        checkStackName(stack);
        const raw = readBilluConfig(path.resolve(flagValue(argv, "--config") ?? `Pulumi.${stack}.yaml`));
        process.env.BILLU_PROJECT_ROOT ??= process.cwd();
        const r = labBackup(raw);
        if (argv.includes("--runbook")) {
            process.stdout.write(renderRunbook(r.facts.plan, r.facts.backups));
            return 0;
        }
        for (const { host, staged } of r.rendered) {
            for (const s of staged) {
                const file = path.join(out, host, s.guestPath);
                mkdirSync(path.dirname(file), { recursive: true });
                writeFileSync(file, s.content);
            }
        }
        writeFileSync(path.join(out, "facts.json"), JSON.stringify(r.facts, null, 2) + "\n");
        return 0;
    } catch (e) {
        if (e instanceof InputError) {
            process.stderr.write(`lab-backup ${stack}: ${e.problems.map(formatProblem).join("\n")}\n`);
            return 2;
        }
        throw e;
    }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
