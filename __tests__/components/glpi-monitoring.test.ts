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
import { spawnSync } from "child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { INVENTORY_STAMP } from "../../model/assets";
import { renderAgentService } from "../../components/assets/render";

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
