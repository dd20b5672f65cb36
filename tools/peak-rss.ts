/**
 * Preloaded by `npm run bench` into the synth CLI it times (`node -r dist/tools/peak-rss.js`): at exit, writes the
 * process's peak resident set size in KiB and its CPU time (user + system, all threads) in ms, as JSON, to
 * $BILLU_PEAK_RSS_FILE. CPU time is the steadier figure on a machine shared with other jobs.
 */
import { writeFileSync } from "fs";

const file = process.env.BILLU_PEAK_RSS_FILE;
if (file)
    process.on("exit", () => {
        const u = process.resourceUsage();
        writeFileSync(file, JSON.stringify({ maxRssKiB: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 }));
    });
