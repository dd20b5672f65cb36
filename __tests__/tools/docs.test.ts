import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { renderDocs } from "../../tools/docs/render";
import { siteDocs } from "../../stacks/outputs";
import { runTool } from "../cli";
import { model, stackRaw } from "../helpers";

test("docs from stack outputs equal the docs synth renders from the model", async () => {
    const docs = siteDocs(model(stackRaw("dev")));
    const dir = mkdtempSync(path.join(tmpdir(), "billu-docs-"));
    // What `pulumi stack output --json` gives: the same outputs, as JSON.
    writeFileSync(path.join(dir, "outputs.json"), JSON.stringify({ ...docs, caCertPem: "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n" }));
    const p = await runTool("docs", ["--outputs", path.join(dir, "outputs.json"), "--out", path.join(dir, "README.md")]);
    expect(p.stderr).toBe("");
    expect(p.status).toBe(0);
    expect(readFileSync(path.join(dir, "README.md"), "utf8")).toBe(
        renderDocs(JSON.parse(JSON.stringify(docs)), "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n"),
    );
});

test("the addressing plan lists every zone with its VLAN, pool and headcount", () => {
    const md = renderDocs(siteDocs(model(stackRaw("prod"))));
    expect(md).toContain(
        "| lan-dev | department | Développement logiciel | 10.10.22.0/24 | 255.255.255.0 | 22 | vmbr1 | 10.10.22.1 | 10.10.22.1 | 10.10.22.100-10.10.22.250 | 151 | 40 |",
    );
    expect(md).toContain('PAR_FW01{{"PAR-FW01<br/>router / firewall"}}');
});

test("outputs that are not a billu-infra stack's are refused with exit 2", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-docs-"));
    writeFileSync(path.join(dir, "o.json"), JSON.stringify({ foo: 1 }));
    const p = await runTool("docs", ["--outputs", path.join(dir, "o.json")]);
    expect(p.status).toBe(2);
    expect(p.stderr).toContain("lacks the outputs site, zones, hosts, flows");
});
