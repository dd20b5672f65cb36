// Needs a Debian package the labs install (the program that checks the rendered file): run by `npm run test:packaged`
// after scripts/install-lab-packages.sh, not by `npm test`. The rest of this renderer's tests are in __tests__/components/.
/**
 * GLPI's monitoring (issue #21), checked by the programs that will run it:
 * - the GLPI template's front item (components/monitoring/zabbix-config.ts glpiFrontItem) evaluated by Zabbix agent 2
 *   itself (`zabbix_agent2 -t`, Debian's 6.0) against a local HTTPS server that answers 200, then 500: the item's value
 *   is the status code the trigger compares with 200;
 * - the inventory service's ExecStart (components/assets/render.ts renderAgentService) run by sh with systemd's `$$`
 *   unescaped: it touches the stamp monitoring reads only after a run without an `[error]` line and with exit 0.
 *   The agent is a stand-in here (only path changed); that Debian's fusioninventory-agent 2.6 exits 0 with "[error]
 *   No answer from server" when GLPI is unreachable was measured on these machines, and is why the line is checked.
 */
import { spawn, spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import * as https from "https";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { glpiFrontItem } from "../../components/monitoring/zabbix-config";

/** Runs `zabbix_agent2 -t <key>` (no server contacted: the agent evaluates the key itself) and returns its value part. */
function agentTest(key: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const p = spawn("zabbix_agent2", ["-t", key], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        p.stdout.on("data", (d: Buffer) => (out += d.toString()));
        p.stderr.on("data", (d: Buffer) => (out += d.toString()));
        const timer = setTimeout(() => p.kill("SIGKILL"), 20_000);
        p.on("error", reject);
        p.on("close", () => {
            clearTimeout(timer);
            const m = /\[([a-z]\|[^\]]*)\]\s*$/m.exec(out.trim());
            resolve(m ? m[1] : out.trim());
        });
    });
}

describe("the GLPI front item, evaluated by Zabbix agent 2", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "glpi-mon-"));
    let status = 200;
    let server: https.Server;
    let port = 0;
    beforeAll(async () => {
        const made = spawnSync(
            "openssl",
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=par-glpi01.lab"].concat([
                "-keyout",
                path.join(dir, "key.pem"),
                "-out",
                path.join(dir, "cert.pem"),
            ]),
            { encoding: "utf8" },
        );
        expect(made.status).toBe(0);
        server = https.createServer({ key: readFileSync(path.join(dir, "key.pem")), cert: readFileSync(path.join(dir, "cert.pem")) }, (req, res) => {
            res.writeHead(status, { "Content-Type": "text/html" });
            res.end(req.url === "/index.php" ? "<title>GLPI - Authentication</title>" : "not here");
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
        port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
        await new Promise<void>((r) => server.close(() => r()));
        rmSync(dir, { recursive: true, force: true });
    });

    test("a front answering 200 gives 200; one answering 500 gives 500 (the trigger's `<>200` fires)", async () => {
        const key = glpiFrontItem(`https://127.0.0.1:${port}`);
        status = 200;
        expect(await agentTest(key)).toBe("s|200");
        status = 500;
        expect(await agentTest(key)).toBe("s|500");
    }, 60_000);
});
