/**
 * In-guest backups through the service seam: the committed dev and prod stacks with their backup server PAR-BKP01
 * (its host, billu:backup, the flows), synthesized: the BackupServer and its step, each client's credentials, and
 * the backup part every client's base step carries.
 */
import { readFileSync } from "fs";
import * as path from "path";
import type { BackupPlan } from "../../model/backup";
import { SynthResult } from "../../tools/synth";
import { model, secretLeaks, stackRaw } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

const plan = model(stackRaw("dev")).plan<BackupPlan>("backup")!;
let r: SynthResult;
let out: string;
let prod: SynthResult;

beforeAll(async () => {
    ({ r, out } = await committedSynth("dev"));
    ({ r: prod } = await committedSynth("prod"));
}, SYNTH_TIMEOUT);

const rendered = (host: string, p: string) => readFileSync(path.join(out, "rendered", host, p), "utf8");

test("the backup server is a BackupServer on its BaseServer, its step after the host's base step", () => {
    expect(r.exitCode).toBe(0);
    expect(
        r.resources
            .filter((x) => x.name === "par-bkp01")
            .map((x) => x.type)
            .sort(),
    ).toEqual(["billu:backup:BackupServer", "billu:compute:BaseServer", "billu:compute:ProxmoxVm"]);
    const prepare = r.resources.find((x) => x.name === "par-bkp01-backup-server-prepare")!;
    expect(prepare.options.dependsOn).toContain(r.resources.find((x) => x.name === "par-bkp01-base-apply")!.urn);
    expect(rendered("PAR-BKP01", "etc/systemd/system/billu-backup-server.service")).toContain(`--addr ${plan.host.address}:${plan.port} --append-only`);
});

test("each client has two generated passwords (its login, its repository key), both secret outputs", () => {
    const names = r.resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword" && x.name.startsWith("backup-")).map((x) => x.name);
    expect(names.sort()).toEqual(plan.clients.flatMap((c) => [`backup-${c.repository}-http`, `backup-${c.repository}-key`]).sort());
    const one = r.resources.find((x) => x.name === "backup-par-fs01-key")!;
    expect(one.options.additionalSecretOutputs).toEqual(["bcryptHash", "result"]);
});

test("every client backs up from its one base step, on its staggered timer", () => {
    expect(plan.clients.map((c) => c.name)).toEqual(["PAR-DC01", "PAR-FS01", "PAR-MAIL01", "PAR-LOG01"]);
    for (const c of plan.clients) {
        expect(rendered(c.name, "var/lib/billu/stage/base/run.sh")).toContain("billu_install '/etc/billu/backup/client.env'");
        expect(rendered(c.name, "etc/systemd/system/billu-backup.timer")).toContain(`OnCalendar=${c.onCalendar}\n`);
    }
    expect(r.resources.filter((x) => x.name.endsWith("-backup-client-apply"))).toEqual([]);
});

test("no password or key is rendered: the steps' secrets are placeholders", () => {
    expect(rendered("PAR-FS01", "etc/billu/backup/password")).toBe("{{secret:backup-password}}\n");
    expect(secretLeaks(path.join(out, "rendered"), ["PRIVATE KEY", "$2a$"])).toEqual([]);
});

test("prod: the backup server is a BackupServer; its clients are the Debian hosts with state (the Windows DCs are not yet)", () => {
    expect(prod.exitCode).toBe(0);
    const server = prod.resources.find((x) => x.type === "billu:backup:BackupServer")!;
    expect(server.name).toBe("par-bkp01");
    expect(server.inputs.clients).toEqual(["PAR-FS01", "PAR-MAIL01", "PAR-LOG01"]);
    expect(
        model(stackRaw("prod"))
            .plan<BackupPlan>("backup")!
            .notCovered.map((n) => n.name),
    ).toEqual(["PAR-DC01", "PAR-DC02", "PAR-DC03"]);
});
