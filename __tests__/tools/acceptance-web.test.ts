/**
 * The web scenario (tools/acceptance/scenarios/web.ts) against a real HTTPS server on this machine: the dev model's
 * web server moved to 127.0.0.1 (its names, sites and content unchanged), a throwaway CA standing in for the site
 * CA. Served with the model's index.html it passes; a changed page, then a stopped server, fail with a report that
 * says what was observed. labs/web runs the same scenario against the rendered Apache behind the rendered router.
 */
import { execFileSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as http from "http";
import * as https from "https";
import type { AddressInfo } from "net";
import { tmpdir } from "os";
import * as path from "path";
import { curlError } from "../../tools/acceptance/exec";
import { runScenarios } from "../../tools/acceptance/runner";
import { webScenario } from "../../tools/acceptance/scenarios/web";
import { loadModel } from "../../stacks/program";
import { readBilluConfig } from "../../tools/stack-config";
import type { SiteModel } from "../../model/site";
import { ROOT } from "../helpers";

process.env.BILLU_PROJECT_ROOT = ROOT;
const dev = loadModel(readBilluConfig(path.join(ROOT, "Pulumi.dev.yaml")));
const web = dev.web!;
const index = (role: "public" | "intranet") => web[role].files.find((f) => f.path === "index.html")!.content;

let dir: string;
let ca: string;
let httpsServer: https.Server;
let httpServer: http.Server;
let page: Record<string, string>;

beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "billu-web-acc-"));
    const ossl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    ossl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=test CA",
        "-days",
        "1",
    );
    ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", `/CN=${web.intranet.name}`);
    writeFileSync(path.join(dir, "srv.ext"), `subjectAltName=DNS:${web.intranet.name},DNS:${web.public.name}\n`);
    ossl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-extfile", "srv.ext", "-out", "srv.pem");
    ca = readFileSync(path.join(dir, "ca.pem"), "utf8");
    page = { [web.intranet.name]: index("intranet"), [web.public.name]: index("public") };
    httpsServer = https.createServer({ key: readFileSync(path.join(dir, "srv.key")), cert: readFileSync(path.join(dir, "srv.pem")) }, (req, res) => {
        const body = page[(req.headers.host ?? "").split(":")[0]];
        res.writeHead(body === undefined ? 421 : 200).end(body ?? "");
    });
    httpServer = http.createServer((req, res) => res.writeHead(301, { location: `https://${(req.headers.host ?? "").split(":")[0]}/` }).end());
    await new Promise<void>((r) => httpsServer.listen(0, "127.0.0.1", r));
    await new Promise<void>((r) => httpServer.listen(0, "127.0.0.1", r));
}, 60_000);

afterAll(() => {
    httpsServer.close();
    httpServer.close();
    rmSync(dir, { recursive: true, force: true });
});

/** The dev model with its web server at 127.0.0.1 on the test servers' ports. */
function local(): SiteModel {
    const ports = { https: (httpsServer.address() as AddressInfo).port, http: (httpServer.address() as AddressInfo).port };
    return { ...dev, web: { ...web, address: "127.0.0.1", ports } } as SiteModel;
}
const run = () =>
    runScenarios([webScenario], { model: local(), outputs: { caCertPem: ca }, workDir: dir, acceptNewHostKeys: false, side: "inside" }, { timeoutMs: 15_000 });

test("inside: both sites with the model's index.html, the intranet's http redirects: passes", async () => {
    const [r] = await run();
    expect(r.checks.map((c) => [c.name, c.ok, c.observed.replace(/sha256 \w+/, "sha256 …")])).toEqual([
        [`intranet site https://${web.intranet.name}/ at ${web.host} (127.0.0.1)`, true, "200, its index.html (sha256 …)"],
        [`public site https://${web.public.name}/ at ${web.host} (127.0.0.1)`, true, "200, its index.html (sha256 …)"],
        [`intranet site http://${web.intranet.name}/ at ${web.host} (127.0.0.1)`, true, `301 https://${web.intranet.name}/`],
    ]);
    expect(r.ok).toBe(true);
}, 60_000);

test("a page that is not the model's fails, saying so", async () => {
    page[web.intranet.name] = "<html>maintenance</html>";
    try {
        const [r] = await run();
        expect(r.checks[0].ok).toBe(false);
        expect(r.checks[0].observed).toMatch(/^200, another body \(sha256 [0-9a-f]{12}\)$/);
        expect(r.ok).toBe(false);
    } finally {
        page[web.intranet.name] = index("intranet");
    }
}, 60_000);

test("the server stopped: every check fails with curl's reason, not a timeout", async () => {
    const model = local();
    httpsServer.close();
    httpServer.close();
    const [r] = await runScenarios([webScenario], { model, outputs: { caCertPem: ca }, workDir: dir, acceptNewHostKeys: false }, { timeoutMs: 15_000 });
    expect(r.ok).toBe(false);
    for (const c of r.checks) expect(c.observed).toMatch(/^curl exit 7: curl: \(7\) Failed to connect to /);
}, 60_000);

test("curl's reason is found wherever its stderr line lands among the interleaved output", () => {
    const reason = "curl: (7) Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server";
    // The -w line (no newline) first, the reason on the same line: seen on a loaded machine, where the old
    // line-start search reported "000 curl: (7) ...".
    expect(curlError(`000 ${reason}`)).toBe(reason);
    expect(curlError(`${reason}\n000 `)).toBe(reason);
    expect(curlError(`* Trying 127.0.0.1:1...\r\n${reason}\r\n`)).toBe(reason);
    expect(curlError("000 ")).toBeUndefined();
});
