/** The run's reports: JUnit XML (for CI) and Markdown (for people), from the same results. */
import type { ScenarioResult } from "./types";

const xml = (s: string) =>
    s
        .replace(/&/g, "&amp;")
        .replace(/</g, "&lt;")
        .replace(/>/g, "&gt;")
        .replace(/"/g, "&quot;")
        // XML 1.0 has no place for other control characters.
        .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "?");

export function junitReport(stack: string, results: readonly ScenarioResult[]): string {
    const tests = results.reduce((n, r) => n + r.checks.length, 0);
    const failures = results.reduce((n, r) => n + r.checks.filter((c) => !c.ok).length, 0);
    const secs = (ms: number) => (ms / 1000).toFixed(3);
    const lines = [
        `<?xml version="1.0" encoding="UTF-8"?>`,
        `<testsuites name="billu acceptance ${xml(stack)}" tests="${tests}" failures="${failures}" time="${secs(results.reduce((n, r) => n + r.ms, 0))}">`,
    ];
    for (const r of results) {
        const f = r.checks.filter((c) => !c.ok).length;
        lines.push(`  <testsuite name="${xml(r.name)}" tests="${r.checks.length}" failures="${f}" time="${secs(r.ms)}">`);
        for (const c of r.checks) {
            lines.push(`    <testcase classname="${xml(`${stack}.${r.name}`)}" name="${xml(c.name)}" time="${secs(c.ms)}">`);
            if (!c.ok) lines.push(`      <failure message="${xml(`expected ${c.expected}; observed ${c.observed}`)}"/>`);
            lines.push(`    </testcase>`);
        }
        lines.push(`  </testsuite>`);
    }
    lines.push(`</testsuites>`, "");
    return lines.join("\n");
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

export function markdownReport(stack: string, results: readonly ScenarioResult[]): string {
    const failed = results.filter((r) => !r.ok).map((r) => r.name);
    const lines = [
        `# Acceptance run: ${stack}`,
        "",
        failed.length === 0 ? `All ${results.length} scenarios passed.` : `Failed: ${failed.join(", ")} (${failed.length} of ${results.length} scenarios).`,
        "",
    ];
    for (const r of results) {
        lines.push(`## ${r.name}: ${r.title} (${r.ok ? "passed" : "FAILED"}, ${(r.ms / 1000).toFixed(1)} s)`, "");
        lines.push("| step | expected | observed | result | time |", "|---|---|---|---|---|");
        for (const c of r.checks) lines.push(`| ${cell(c.name)} | ${cell(c.expected)} | ${cell(c.observed)} | ${c.ok ? "ok" : "FAIL"} | ${c.ms} ms |`);
        lines.push("");
    }
    return lines.join("\n");
}
