/**
 * Preloaded by `npm run bench` into the synth CLI it times (`node -r dist/tools/peak-rss.js`): at exit, writes the
 * process's peak resident set size in KiB (process.resourceUsage().maxRSS) to $BILLU_PEAK_RSS_FILE.
 */
import { writeFileSync } from "fs";

const file = process.env.BILLU_PEAK_RSS_FILE;
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
