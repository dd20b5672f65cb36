/**
 * In-guest backups through the service seam: the committed dev and prod stacks with their backup server PAR-BKP01
 * (its host, billu:backup, the flows), synthesized: the BackupServer and its step, each client's credentials, and
 * the backup part every client's base step carries.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { BACKUP_CLIENT_TYPE, BACKUP_DATA_TYPE, VM_TYPE } from "../../components/contracts";
import type { BackupPlan } from "../../model/backup";
import { requireInGuestBackupForStatefulHosts } from "../../policies/rules/require-in-guest-backup-for-stateful-hosts";
import { model, secretLeaks, stackRaw } from "../helpers";
import { check } from "../policies/harness";
import { expectOnBaseServer, serviceSynth } from "./shared";

const s = serviceSynth<BackupPlan>("backup");
const { plan } = s;

const rendered = (host: string, p: string) => readFileSync(path.join(s.out, "rendered", host, p), "utf8");

test("the backup server is a BackupServer on its BaseServer, its step after the host's base step", () => {
    expect(s.r.exitCode).toBe(0);
    expectOnBaseServer(s.r, "PAR-BKP01", "billu:backup:BackupServer", "backup-server");
    expect(rendered("PAR-BKP01", "etc/systemd/system/billu-backup-server.service")).toContain(`--addr ${plan.host.address}:${plan.port} --append-only`);
});

test("each client has two generated passwords (its login, its repository key), both secret outputs", () => {
    const names = s.r.resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword" && x.name.startsWith("backup-")).map((x) => x.name);
    expect(names.sort()).toEqual(plan.clients.flatMap((c) => [`backup-${c.repository}-http`, `backup-${c.repository}-key`]).sort());
    const one = s.r.resources.find((x) => x.name === "backup-par-fs01-key")!;
    expect(one.options.additionalSecretOutputs).toEqual(["bcryptHash", "result"]);
});

test("every client backs up from its one base step, on its staggered timer", () => {
    expect(plan.clients.map((c) => c.name)).toEqual(["PAR-DC01", "PAR-FS01", "PAR-MAIL01", "PAR-LOG01", "PAR-MON01", "PAR-FTP01", "PAR-PBX01", "PAR-GLPI01"]);
    for (const c of plan.clients) {
        expect(rendered(c.name, "var/lib/billu/stage/base/run.sh")).toContain("billu_install '/etc/billu/backup/client.env'");
        expect(rendered(c.name, "etc/systemd/system/billu-backup.timer")).toContain(`OnCalendar=${c.onCalendar}\n`);
    }
    expect(s.r.resources.filter((x) => x.name.endsWith("-backup-client-apply"))).toEqual([]);
});

test("no password or key is rendered: the steps' secrets are placeholders", () => {
    expect(rendered("PAR-FS01", "etc/billu/backup/password")).toBe("{{secret:backup-password}}\n");
    expect(secretLeaks(path.join(s.out, "rendered"), ["PRIVATE KEY", "$2a$"])).toEqual([]);
});

describe("the facts require-in-guest-backup-for-stateful-hosts reads", () => {
    const facts = () => s.r.resources.filter((x) => x.type === BACKUP_CLIENT_TYPE);
    test("one BackupClient per client, a child of its base step, with the paths its services declared", () => {
        // Registered in the site's start order (the collector before the mail server), so compared by name.
        const byName = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
        expect(
            facts()
                .map((x) => [x.name, x.inputs.host, x.inputs.paths, x.inputs.schedule])
                .sort(byName),
        ).toEqual(
            plan.clients
                .map((c) => [
                    `${c.repository}-base-backup-client`,
                    c.name,
                    model(stackRaw("dev"))
                        .backups.filter((s) => s.host === c.name)
                        .flatMap((s) => s.paths),
                    c.onCalendar,
                ])
                .sort(byName),
        );
        const data = s.r.resources.find((x) => x.type === BACKUP_DATA_TYPE)!;
        expect((data.inputs.sets as { host: string }[]).map((s) => s.host)).toEqual(model(stackRaw("dev")).backups.map((s) => s.host));
    });
    // The rule holds prod stacks only: this stack's VMs are relabelled env-prod to hold it to the rule.
    const asProd = () =>
        s.r.resources.map((x) =>
            x.type === VM_TYPE ? { ...x, inputs: { ...x.inputs, tags: (x.inputs.tags as string[]).map((t) => (t === "env-dev" ? "env-prod" : t)) } } : x,
        );
    test("the stack as synthesized passes the rule", async () => {
        expect(await check(requireInGuestBackupForStatefulHosts, asProd())).toEqual([]);
    });
    test("with PAR-FS01's client gone, the rule flags its VM and its shares", async () => {
        const without = asProd().filter((x) => !(x.type === BACKUP_CLIENT_TYPE && x.inputs.host === "PAR-FS01"));
        const fs = s.r.resources.find((x) => x.type === VM_TYPE && x.inputs.name === "PAR-FS01")!;
        expect(await check(requireInGuestBackupForStatefulHosts, without)).toEqual([
            `Stateful VM PAR-FS01 (vm:${String(fs.inputs.vmId)}) has no in-guest backup client: only its image would bring its data back.`,
            `PAR-FS01 keeps files data (${model(stackRaw("dev"))
                .backups.filter((s) => s.host === "PAR-FS01")
                .flatMap((s) => s.paths)
                .join(", ")}) that no in-guest backup client backs up.`,
        ]);
    });
});

test("prod: the backup server is a BackupServer; its clients are every host with state, the Windows DCs included", () => {
    expect(s.prod.exitCode).toBe(0);
    const server = s.prod.resources.find((x) => x.type === "billu:backup:BackupServer")!;
    expect(server.name).toBe("par-bkp01");
    expect(server.inputs.clients).toEqual([
        "PAR-DC01",
        "PAR-DC02",
        "PAR-DC03",
        "PAR-FS01",
        "PAR-MAIL01",
        "PAR-LOG01",
        "PAR-MON01",
        "PAR-FTP01",
        "PAR-PBX01",
        "PAR-GLPI01",
    ]);
    expect(
        model(stackRaw("prod"))
            .plan<BackupPlan>("backup")!
            .notCovered.map((n) => n.name),
    ).toEqual([]);
});
