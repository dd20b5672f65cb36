/** Runs scenarios' checks one after the other, each bounded in time; a check that throws is a failed check. */
import type { Check, CheckResult, Scenario, ScenarioInput, ScenarioResult } from "./types";

/** Every wait of a check is bounded: a check that has not answered by then has failed. */
export const CHECK_TIMEOUT_MS = 30_000;

async function runCheck(check: Check, timeoutMs: number): Promise<CheckResult> {
    const start = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ ok: boolean; observed: string }>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, observed: `no answer within ${timeoutMs / 1000} s` }), timeoutMs);
    });
    try {
        const r = await Promise.race([check.run().catch((e: unknown) => ({ ok: false, observed: e instanceof Error ? e.message : String(e) })), timeout]);
        return { name: check.name, expected: check.expected, observed: r.observed, ok: r.ok, ms: Date.now() - start };
    } finally {
        clearTimeout(timer);
    }
}

export async function runScenarios(
    scenarios: readonly Scenario[],
    input: ScenarioInput,
    opts: { timeoutMs?: number; onCheck?: (scenario: string, r: CheckResult) => void } = {},
): Promise<ScenarioResult[]> {
    const results: ScenarioResult[] = [];
    for (const s of scenarios) {
        const start = Date.now();
        const checks: CheckResult[] = [];
        for (const c of s.checks(input)) {
            const r = await runCheck(c, opts.timeoutMs ?? CHECK_TIMEOUT_MS);
            opts.onCheck?.(s.name, r);
            checks.push(r);
        }
        results.push({ name: s.name, title: s.title, checks, ok: checks.length > 0 && checks.every((c) => c.ok), ms: Date.now() - start });
    }
    return results;
}
