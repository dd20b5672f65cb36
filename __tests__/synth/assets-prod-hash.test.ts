/**
 * prod pins what it downloads for GLPI (issue #21): the program (stacks/program.ts `requirePinnedGlpi` and
 * `requirePinnedGlpiAgent`) stops a prod stack with a GLPI server and no `billu:assets.glpi.sha256`, and one whose GPO
 * deploys the GLPI agent with no `billu:assets.windowsAgent.sha256`, before any resource exists, naming the key, what
 * it would install and the command. Offline synth, which downloads nothing, lets them through; dev goes on.
 * The stack here is dev's GLPI site in a prod environment; the committed prod stack pins the hash assets.md records.
 */
import { requirePinnedGlpi, requirePinnedGlpiAgent } from "../../stacks/program";
import { readFileSync } from "fs";
import * as path from "path";
import { model, prodWithoutGlpi, ROOT, stackRaw, thrownProblems } from "../helpers";

const problems = thrownProblems;
const devRaw = stackRaw("dev");
const asProd = (assets: Record<string, unknown> = {}) => ({
    ...devRaw,
    site: { ...devRaw.site, environment: "prod" },
    assets: { ...(devRaw.assets as Record<string, unknown>), ...assets },
});
const HASH = "ab".repeat(32);
test("prod without GLPI's tarball hash stops (preview and up), naming the key, the release and the command", () => {
    expect(problems(() => requirePinnedGlpi(model(asProd()), false))).toEqual([
        "billu:assets.glpi.sha256: is not set, and a production stack installs no unpinned GLPI (10.0.18). Fix: set it to the SHA-256 of " +
            "https://github.com/glpi-project/glpi/releases/download/10.0.18/glpi-10.0.18.tgz (published on the release's page, or sha256sum of a copy " +
            "you trust): pulumi config set --path 'billu:assets.glpi.sha256' <its 64 hex digits>",
    ]);
});

test("prod without the GLPI agent MSI's hash stops when a GPO deploys it, naming the GPO, the MSI and the command", () => {
    expect(problems(() => requirePinnedGlpiAgent(model(asProd()), false))).toEqual([
        "billu:assets.windowsAgent.sha256: is not set, but this prod stack deploys the GLPI agent 1.11 from " +
            "https://github.com/glpi-project/glpi-agent/releases/download/1.11/GLPI-Agent-1.11-x64.msi by GPO (BillU - Agent GLPI), and its startup " +
            "script installs no MSI it cannot check against a pinned hash. Fix: download the MSI once on a trusted machine, read its hash " +
            "(Get-FileHash <file> -Algorithm SHA256, or sha256sum <file>) and pin it: pulumi config set --path 'billu:assets.windowsAgent.sha256' <its 64 hex digits>",
    ]);
});

test("pinned, offline synth, dev, a prod without GLPI: each goes on", () => {
    const pinned = model(asProd({ glpi: { sha256: HASH }, windowsAgent: { sha256: HASH } }));
    expect(problems(() => requirePinnedGlpi(pinned, false))).toEqual([]);
    expect(problems(() => requirePinnedGlpiAgent(pinned, false))).toEqual([]);
    expect(problems(() => requirePinnedGlpi(model(asProd()), true))).toEqual([]);
    expect(problems(() => requirePinnedGlpiAgent(model(asProd()), true))).toEqual([]);
    expect(problems(() => requirePinnedGlpi(model(devRaw), false))).toEqual([]);
    expect(problems(() => requirePinnedGlpiAgent(model(devRaw), false))).toEqual([]);
    expect(problems(() => requirePinnedGlpi(model(prodWithoutGlpi()), false))).toEqual([]);
    // A prod GLPI site whose GPOs do not deploy the agent: only the tarball is its business.
    const noGpo = { ...asProd(), gpo: { gpos: (devRaw.gpo as { gpos: { name: string }[] }).gpos.filter((g) => g.name !== "BillU - Agent GLPI") } };
    expect(problems(() => requirePinnedGlpiAgent(model(noGpo), false))).toEqual([]);
});

test("the committed prod pins the hash docs/services/assets.md records with its source; without it a real preview stops", () => {
    const prod = stackRaw("prod");
    const glpi = prod.assets.glpi as { version: string; sha256: string };
    const doc = readFileSync(path.join(ROOT, "docs/services/assets.md"), "utf8");
    // The one published hash found, with the file and commit it was read from (assets.md, "The tarball's hash").
    expect(doc).toContain(`GLPI ${glpi.version} (the pinned version): \`${glpi.sha256}\`, from YunoHost's`);
    expect(problems(() => requirePinnedGlpi(model(prod), false))).toEqual([]);
    const unpinned = { ...prod, assets: { ...prod.assets, glpi: { version: glpi.version } } };
    expect(problems(() => requirePinnedGlpi(model(unpinned), false))).toEqual([
        `billu:assets.glpi.sha256: is not set, and a production stack installs no unpinned GLPI (${glpi.version}). Fix: set it to the SHA-256 of ` +
            `https://github.com/glpi-project/glpi/releases/download/${glpi.version}/glpi-${glpi.version}.tgz (published on the release's page, or sha256sum of a copy ` +
            "you trust): pulumi config set --path 'billu:assets.glpi.sha256' <its 64 hex digits>",
    ]);
});
