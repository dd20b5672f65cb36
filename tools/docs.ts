/**
 * Docs from a real deployment: `npm run docs -- --outputs <file> [--out <file>]`, where <file> is
 * `pulumi stack output --json --show-secrets=false` of a deployed stack. Writes the same README offline synth
 * writes (default: stdout).
 */
import { readFileSync, writeFileSync } from "fs";
import { renderDocs } from "./docs/render";
import { SiteDocs } from "../stacks/outputs";

function main(argv: string[]): number {
    const i = argv.indexOf("--outputs");
    const o = argv.indexOf("--out");
    if (i < 0 || !argv[i + 1]) {
        process.stderr.write("docs: --outputs <file> is required (the JSON of `pulumi stack output --json`)\n");
        return 2;
    }
    let outputs: Record<string, unknown>;
    try {
        outputs = JSON.parse(readFileSync(argv[i + 1], "utf8"));
    } catch (e) {
        process.stderr.write(`docs: ${argv[i + 1]} cannot be read as JSON (${(e as Error).message}). Fix: pass the output of pulumi stack output --json\n`);
        return 2;
    }
    const missing = ["site", "zones", "hosts", "flows"].filter((k) => !(k in outputs));
    if (missing.length > 0) {
        process.stderr.write(`docs: ${argv[i + 1]} lacks the outputs ${missing.join(", ")}. Fix: pass the outputs of a billu-infra stack\n`);
        return 2;
    }
    const { caCertPem, ...docs } = outputs;
    const md = renderDocs({ sections: {}, ...docs } as unknown as SiteDocs, typeof caCertPem === "string" ? caCertPem : undefined);
    if (o >= 0 && argv[o + 1]) writeFileSync(argv[o + 1], md);
    else process.stdout.write(md);
    return 0;
}

process.exit(main(process.argv.slice(2)));
