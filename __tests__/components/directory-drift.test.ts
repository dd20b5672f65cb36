/**
 * The scheduled drift check the directory step installs on the first DC (issue #27, components/directory/drift.ts):
 * the Samba units as rendered for dev, checked by systemd's own verifier (`systemd-analyze verify`: unknown keys and
 * bad values are reported on its stderr), and the Windows step's data for prod.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parseDirectoryLock } from "../../model/directory-lock";
import { buildSiteModel } from "../../model/site";
import { DRIFT_PATHS } from "../../components/directory/drift";
import { renderDirectoryStep, SAMBA_PATHS, WINDOWS_PATHS } from "../../components/directory/render";
import { loadHr, ROOT, stackRaw } from "../helpers";

const lock = parseDirectoryLock(readFileSync(path.join(ROOT, "directory.lock.json"), "utf8"), "directory.lock.json");
const planOf = (stack: string, edit?: (raw: Record<string, any>) => void) => {
    const raw = stackRaw(stack);
    edit?.(raw);
    return buildSiteModel(raw, loadHr, () => lock).directory!;
};

describe("Samba first DC: the drift units", () => {
    const step = renderDirectoryStep(planOf("dev"), "samba");
    const file = (p: string) => step.files.find((f) => f.path === p)!;

    test("the service runs the installed applier's check against the installed plan, writing the verdict at the model's path", () => {
        const unit = file(DRIFT_PATHS.service).content;
        expect(unit.split("\n").filter((l) => /^[A-Za-z]+=/.test(l))).toEqual([
            "Description=BillU directory drift check (apply_samba.py --check, writes nothing)",
            "After=samba-ad-dc.service",
            "Type=oneshot",
            `ExecStart=/usr/bin/python3 ${SAMBA_PATHS.applier} --plan ${SAMBA_PATHS.plan} --check --result /var/lib/billu/drift/directory.json`,
            "SuccessExitStatus=1",
            "SyslogIdentifier=billu-directory-drift",
            "StandardOutput=journal",
            "StandardError=journal",
        ]);
    });

    test("the timer fires on the model's schedule, and a run missed while the DC was off is made up", () => {
        const timer = file(DRIFT_PATHS.timer).content;
        expect(timer).toContain("\nOnCalendar=hourly\nPersistent=true\nUnit=billu-directory-drift.service\n");
        const every15 = renderDirectoryStep(
            planOf("dev", (r) => (r.directory.drift = { schedule: "*:0/15" })),
            "samba",
        );
        expect(every15.files.find((f) => f.path === DRIFT_PATHS.timer)!.content).toContain("\nOnCalendar=*:0/15\n");
    });

    test("systemd-analyze verify accepts both units with no warning", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "billu-drift-units-"));
        const paths = [DRIFT_PATHS.service, DRIFT_PATHS.timer].map((p) => {
            const f = path.join(dir, path.basename(p));
            writeFileSync(f, file(p).content);
            return f;
        });
        const r = spawnSync("systemd-analyze", ["verify", "--man=no", ...paths], { encoding: "utf8" });
        expect([r.status, r.stderr]).toEqual([0, ""]);
        // The verifier is an oracle: a misspelt key is reported.
        writeFileSync(paths[0], file(DRIFT_PATHS.service).content.replace("SyslogIdentifier=", "SyslogIdentifer="));
        expect(spawnSync("systemd-analyze", ["verify", "--man=no", ...paths], { encoding: "utf8" }).stderr).toContain("Unknown key 'SyslogIdentifer'");
    });

    test("the plan stays 0600 (phone numbers); the step script makes the verdict's folder 0755 and enables the timer only under systemd", () => {
        expect(file(SAMBA_PATHS.plan).mode).toBe("0600");
        expect(step.script).toContain("DRIFT_RESULT_DIR='/var/lib/billu/drift'\nDRIFT_UNIT='billu-directory-drift'\n");
        expect(step.script).toContain('install -d -m 0755 -o root -g root "$DRIFT_RESULT_DIR"');
        // billu_timer (billu-lib.sh) enables the timer only under systemd (billu-lib-service.test.ts runs it).
        expect(step.script).toMatch(/\nbillu_timer "\$DRIFT_UNIT" "drift check"(\n|$)/);
    });
});

describe("Windows first DC: the drift task", () => {
    test("prod: the step installs drift-task.ps1 and registers the task with the applier, plan, verdict and the model's interval", () => {
        const step = renderDirectoryStep(planOf("prod"), "windows");
        expect(step.files.map((f) => f.path)).toEqual([WINDOWS_PATHS.plan, WINDOWS_PATHS.applier, DRIFT_PATHS.windowsTask]);
        expect(step.script.split("\r\n").slice(0, 5)).toEqual([
            "$DRIFT_TASK = 'BillU directory drift'",
            "$DRIFT_APPLIER = 'C:/ProgramData/billu/directory/Apply-Directory.ps1'",
            "$DRIFT_PLAN = 'C:/ProgramData/billu/directory/plan.json'",
            "$DRIFT_RESULT = 'C:/ProgramData/billu/drift/directory.json'",
            "$DRIFT_INTERVAL = 'PT1H'",
        ]);
        expect(step.script).toContain(
            "\r\nRegister-BilluDriftTask -Name $DRIFT_TASK -Applier $DRIFT_APPLIER -Plan $DRIFT_PLAN -Result $DRIFT_RESULT -Interval $DRIFT_INTERVAL",
        );
        const every15 = renderDirectoryStep(
            planOf("prod", (r) => (r.directory.drift = { schedule: "*:0/15" })),
            "windows",
        );
        expect(every15.script).toContain("$DRIFT_INTERVAL = 'PT15M'");
    });
});
