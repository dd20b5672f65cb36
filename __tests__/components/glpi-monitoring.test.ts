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
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as https from "https";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { INVENTORY_STAMP } from "../../model/assets";
import { renderAgentService } from "../../components/assets/render";
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

describe("the inventory service touches the freshness stamp only after a run that sent its inventory", () => {
    const service = renderAgentService({ name: "PAR-WEB01" });
    const exec = /^ExecStart=\/bin\/sh -c '(.*)'$/m.exec(service);

    test("the unit's stamp is the model's, under the unit's own state directory", () => {
        expect(exec).not.toBeNull();
        expect(service).toContain(`\nStateDirectory=billu-inventory\n`);
        expect(path.posix.dirname(INVENTORY_STAMP)).toBe("/var/lib/billu-inventory");
    });

    // [what the stand-in agent prints, its exit status, whether the stamp must exist afterwards]
    const cases: [string, string, number, boolean][] = [
        [
            "a run that sent its inventory",
            "[info] target server0: server https://par-glpi01/front/inventory.php\n[info] sending prolog request to server0",
            0,
            true,
        ],
        ["GLPI unreachable (the agent still exits 0)", "[error] No answer from server at https://par-glpi01/front/inventory.php", 0, false],
        ["the agent failing", "Execution failure", 1, false],
    ];
    test.each(cases)("%s", (_what, printed, rc, stamped) => {
        const dir = mkdtempSync(path.join(os.tmpdir(), "glpi-inv-"));
        try {
            const agent = path.join(dir, "fusioninventory-agent");
            writeFileSync(path.join(dir, "printed"), printed + "\n");
            writeFileSync(agent, `#!/bin/sh\ncat '${path.join(dir, "printed")}' >&2\nexit ${rc}\n`);
            chmodSync(agent, 0o755);
            const stamp = path.join(dir, "last-success");
            // systemd's `$$` is a literal `$`; the lab-only overrides: the agent's path and the stamp's.
            const cmd = exec![1].replace(/\$\$/g, "$").replace("/usr/bin/fusioninventory-agent", agent).replace(INVENTORY_STAMP, stamp);
            const run = spawnSync("sh", ["-c", cmd], { encoding: "utf8", timeout: 10_000 });
            expect(run.stdout).toContain(printed.split("\n")[0]);
            expect(existsSync(stamp)).toBe(stamped);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
