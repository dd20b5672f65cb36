/**
 * The bench's child-process timer (tools/bench-child.ts), which bench-goals and bench-directory time synth with: a
 * real node child, its output and status, its wall time, and the peak RSS and CPU time it recorded itself at exit
 * through the preloaded peak-rss.js (the built one: `npm test` builds before jest).
 */
import * as path from "path";
import { timedNode } from "../../tools/bench-child";
import { ROOT } from "../helpers";

const PRELOAD = path.join(ROOT, "dist", "tools", "peak-rss.js");

test("a child that holds 64 MiB and spins: its output, its status, and its own peak RSS and CPU time", () => {
    const script = path.join(ROOT, "__tests__", "tools", "bench-child-fixture.js");
    const r = timedNode(ROOT, script, ["64", "exit-3"], PRELOAD);
    expect([r.status, r.stdout, r.stderr]).toEqual([3, "held 64 MiB\n", ""]);
    expect(r.peakMiB).toBeGreaterThanOrEqual(64);
    expect(r.cpuMs).toBeGreaterThan(0);
    expect(r.wallMs).toBeGreaterThanOrEqual(r.cpuMs / 4); // at most the cores of this machine work for it at once
});

test("a child killed before its exit handler gives no figures (NaN), not stale ones", () => {
    const script = path.join(ROOT, "__tests__", "tools", "bench-child-fixture.js");
    const r = timedNode(ROOT, script, ["1", "kill"], PRELOAD);
    expect([r.status, r.peakMiB, r.cpuMs]).toEqual([null, NaN, NaN]);
});
