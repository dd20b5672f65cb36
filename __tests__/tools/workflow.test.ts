/**
 * The team's GitHub Actions workflow (.github/workflows/pulumi.yml), linted: what it runs exists, it previews every
 * committed stack with the policy pack on pull requests, and it deploys only from main, behind an environment
 * approval, one stack at a time, never cancelling a deployment.
 */
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ROOT } from "../helpers";

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Job = {
    if?: string;
    needs?: string;
    "runs-on": string | string[];
    environment?: string;
    strategy?: { "max-parallel"?: number; matrix: { stack: string[] } };
    steps: Step[];
};
const wf = parse(readFileSync(path.join(ROOT, ".github", "workflows", "pulumi.yml"), "utf8")) as {
    on: Record<string, unknown>;
    concurrency: { "cancel-in-progress": boolean };
    jobs: Record<string, Job>;
};
const stacks = readdirSync(ROOT)
    .map((f) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();
const scripts = Object.keys((JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);

test("runs on pull requests and on pushes to main only; never cancels a run in progress", () => {
    expect(Object.keys(wf.on).sort()).toEqual(["pull_request", "push"]);
    expect(wf.on.push).toEqual({ branches: ["main"] });
    expect(wf.concurrency["cancel-in-progress"]).toBe(false);
});

test("the offline job runs the README's commands, and every npm script it names exists", () => {
    const runs = wf.jobs.offline.steps.filter((s) => s.run).map((s) => s.run);
    expect(runs).toEqual(["npm ci", "npm run setup", "npm run synth -- --stack dev", "npm test"]);
    const named = runs.flatMap((r) => /^npm run ([\w:-]+)/.exec(r!)?.[1] ?? []);
    expect(named.filter((n) => !scripts.includes(n))).toEqual([]);
});

test("pull requests preview every committed stack with the policy pack and its config, on the management-zone runner", () => {
    const p = wf.jobs.preview;
    expect(p.if).toBe("github.event_name == 'pull_request'");
    expect(p.needs).toBe("offline");
    expect(p["runs-on"]).toEqual(["self-hosted", "billu-management"]);
    expect([...p.strategy!.matrix.stack].sort()).toEqual(stacks);
    const action = p.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    expect(action.with).toMatchObject({ command: "preview", "stack-name": "${{ matrix.stack }}", policyPacks: "policies", "comment-on-pr": true });
    expect(action.with!.policyPackConfigs).toBe("policies/config.${{ matrix.stack }}.json");
    // The config file the action passes must exist for every stack, or the CLI refuses the run.
    expect(stacks.filter((s) => !existsSync(path.join(ROOT, "policies", `config.${s}.json`)))).toEqual([]);
});

test("main deploys behind the production environment's approval, one stack at a time, with the policy pack", () => {
    const u = wf.jobs.up;
    expect(u.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(u.environment).toBe("production");
    expect(u.strategy!["max-parallel"]).toBe(1);
    expect([...u.strategy!.matrix.stack].sort()).toEqual(stacks);
    expect(u.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!.with).toMatchObject({ command: "up", policyPacks: "policies" });
});

test("every action is pinned to a major version, and no secret is written in the workflow", () => {
    const uses = Object.values(wf.jobs).flatMap((j) => j.steps.flatMap((s) => s.uses ?? []));
    expect(uses.filter((u) => !/^[\w-]+\/[\w-]+@v\d+$/.test(u))).toEqual([]);
    const text = readFileSync(path.join(ROOT, ".github", "workflows", "pulumi.yml"), "utf8");
    expect(text.match(/PASSPHRASE:\s*(.*)/)?.[1]).toBe("${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
});
