/** The labs' facts (tools/lab-facts.ts) are the validated model's values, the ones the stack file sets. */
import { spawnSync } from "child_process";
import * as path from "path";
import { arrayIdentity } from "../../model/fileserver";
import { labFacts } from "../../tools/lab-facts";
import { runTool } from "../cli";
import { model, ROOT, stackRaw } from "../helpers";

test("dev: the mail limits, the bind DN, the file server's alert address and shares, every host's records", () => {
    const raw = stackRaw("dev");
    const m = model(raw);
    const f = labFacts(m);
    expect(f.mail).toEqual({
        domain: "billu.remindme.lan",
        host: "PAR-MAIL01",
        messageSizeBytes: raw.mail.messageSizeMiB * 1024 * 1024,
        quotaMiB: raw.mail.quotaMiB,
        bindDn: "svc-mail@billu.remindme.lan",
        baseDn: "DC=billu,DC=remindme,DC=lan",
    });
    // The relay's DNSBL test as the stack file sets it (labs/mail serves these zones and expects this threshold).
    // dev sets no billu:mx.resolver: its DNSBL makes it own (model/mx.ts).
    expect(raw.mx.resolver).toBeUndefined();
    expect(f.mx).toEqual({ host: "PAR-MX01", dnsbl: raw.mx.dnsbl, resolver: "own" });
    expect(f.fileservers.map((x) => [x.host, x.alertEmail, x.workgroup])).toEqual([["PAR-FS01", raw.fileserver.alertEmail, "BILLU"]]);
    // The mirror's identity: the raid1 lab expects this array name and UUID, not the ones raid1.conf says.
    expect(f.fileservers[0].array).toEqual({ name: "billu-data", mdUuid: arrayIdentity("billu.remindme.lan", "PAR-FS01").mdUuid });
    expect(f.fileservers[0].array.mdUuid).toMatch(/^[0-9a-f]{8}(:[0-9a-f]{8}){3}$/);
    // The home share the fileserver lab expects: billu:fileserver.homeShare, a folder per enabled account of the directory.
    expect(f.fileservers[0].homes).toEqual({
        name: raw.fileserver.homeShare,
        folder: "home",
        group: "GG_Personnel",
        users: m
            .directory!.people.filter((p) => p.enabled)
            .map((p) => p.sam)
            .sort(),
        // billu:fileserver.homeDrive, unset in dev: its default (the directory lab reads each account's homeDrive back).
        drive: "H:",
    });
    // The acceptance account the directory lab expects, from billu:directory.acceptance (default svc-acceptance).
    expect(f.directory!.acceptance).toEqual({
        sam: "svc-acceptance",
        dn: "CN=svc-acceptance,OU=Acceptance," + m.directory!.rootDn,
        extraGroups: [m.domain!.linuxLogin!.sshGroup],
        groups: ["GG_DSI"], // billu:directory.acceptance.department: DSI (the ftp lab finds its exchange folder by it)
    });
    expect(f.fileservers[0].shares.find((s) => s.kind === "common")).toEqual({ name: "commun", kind: "common", groups: ["GG_Personnel"] });
    expect(f.fileservers[0].shares.filter((s) => s.kind === "department").map((s) => s.groups.length)).not.toContain(0);
    // One A record per host (the router's once), a PTR for every address of every host.
    const hosts = m.hosts.map((h) => h.name.toLowerCase());
    expect(f.domain!.records.filter((r) => r.a).map((r) => r.name)).toEqual(hosts);
    expect(f.domain!.records.find((r) => r.name === "par-web01")).toMatchObject({ address: m.host("PAR-WEB01").address, a: true });
    // The certificate thresholds labs/monitoring expects its triggers to use: the schema's defaults (dev sets none).
    expect(raw.monitoring.thresholds).toBeUndefined();
    expect(f.monitoring).toEqual({ host: "PAR-MON01", certificateDays: 30, certificateCritDays: 7 });
    const set = labFacts(model({ ...raw, monitoring: { ...raw.monitoring, thresholds: { certificateDays: 40, certificateCritDays: 12 } } }));
    expect(set.monitoring).toEqual({ host: "PAR-MON01", certificateDays: 40, certificateCritDays: 12 });
});

test("the CLI prints the same JSON; without --stack it exits 2 and says how to call it", async () => {
    const ok = await runTool("lab-facts", ["--stack", "dev"]);
    expect([ok.status, ok.stderr]).toEqual([0, ""]);
    expect(JSON.parse(ok.stdout)).toEqual(JSON.parse(JSON.stringify(labFacts(model(stackRaw("dev"))))));
    const none = await runTool("lab-facts", []);
    expect([none.status, none.stderr]).toEqual([2, "lab-facts: --stack is required. Fix: node dist/tools/lab-facts.js --stack dev [--config <file>]\n"]);
});

test("a stack name outside Pulumi's rule is refused before it is used in a path (exit 2)", () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "dist", "tools", "lab-facts.js"), "--stack", "../../x"], { cwd: ROOT, encoding: "utf8" });
    expect([r.status, r.stdout, r.stderr]).toEqual([
        2,
        "",
        'lab-facts ../../x: --stack: "../../x" is not a stack name. Fix: name a stack with letters, digits, "_", "." and "-" only (Pulumi\'s rule), not "." or "..": --stack dev\n',
    ]);
});
