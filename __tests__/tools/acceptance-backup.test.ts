/**
 * The backup acceptance scenario (tools/acceptance/scenarios/backup.ts, issue #23): --dry-run for every committed
 * stack lists its steps from the model (the RPO from each client's staggered timer); the checks judge restic's
 * answers (a stub restic here that serves a repository per client from a JSON file, as `restic snapshots --json`,
 * `ls --json` and `restore` answer; the real restic against the real rclone serve restic in labs/backup): fresh,
 * stale, missing repository, restore mismatch, marker mismatch; the credentials come from the outputs' secret and
 * never reach a command line.
 */
import { createHash } from "crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { main } from "../../tools/acceptance";
import { runScenarios } from "../../tools/acceptance/runner";
import { backupScenario, CLIENTS_ENV, pickTestFile, resticTime } from "../../tools/acceptance/scenarios/backup";
import type { BackupPlan } from "../../model/backup";
import { loadModel } from "../../stacks/program";
import { readBilluConfig } from "../../tools/stack-config";
import { problemsOf, ROOT, stackRaw } from "../helpers";

process.env.BILLU_PROJECT_ROOT = ROOT;
const modelOf = (stack: string) => loadModel(readBilluConfig(path.join(ROOT, `Pulumi.${stack}.yaml`)));
const dev = modelOf("dev");
const plan = dev.plan<BackupPlan>("backup")!;

async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const write = process.stderr.write;
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    for (const [k, v] of Object.entries(env))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
        const code = await main(["--only", "backup", ...args], (s) => (out += s));
        return { code, out, err };
    } finally {
        process.chdir(cwd);
        process.stderr.write = write;
        for (const [k, v] of Object.entries(saved))
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
    }
}

describe("--dry-run lists the backup scenario from the model, contacting nothing", () => {
    const at = (p: BackupPlan) => `${p.fqdn} at ${p.host.address} (restic-rest tcp/8000)`;
    test("dev: one freshness step per client (its RPO from its timer), the restore and the marker on PAR-FS01", async () => {
        expect(plan.clients.map((c) => c.name)).toEqual([
            "PAR-DC01",
            "PAR-FS01",
            "PAR-MAIL01",
            "PAR-LOG01",
            "PAR-MON01",
            "PAR-FTP01",
            "PAR-PBX01",
            "PAR-GLPI01",
        ]);
        const r = await cli(["--stack", "dev", "--dry-run"], { [CLIENTS_ENV]: undefined });
        expect(r.err).toBe("");
        expect(r.code).toBe(0);
        const lines = r.out.split("\n");
        expect(lines[0]).toBe(
            "backup: backup freshness and a restore of a test file: every client's newest snapshot within its RPO, a file restored from one (10 steps)",
        );
        expect(lines[2]).toBe(
            `    PAR-FS01: the newest snapshot in par-fs01 on PAR-BKP01 is within its RPO: expects a snapshot tagged billu at most 24 h old (+60 min for the job; backed up at *-*-* 23:07); contacts ${at(plan)}`,
        );
        expect(lines[9]).toBe(
            `    PAR-FS01: a test file under /srv/shares restored from its newest snapshot into a temporary folder: expects the smallest file of at most 1048576 bytes, its size, permissions and time equal to the snapshot's record; the folder removed; contacts ${at(plan)}`,
        );
        expect(lines[10]).toBe(
            `    PAR-FS01: its own backup marker (billu-result.json, tag billu-result) restored names that snapshot: expects host PAR-FS01, exit status 0, the newest snapshot tagged billu; contacts ${at(plan)}`,
        );
        expect(lines.length).toBe(12);
    });
    test("prod: its ten clients, the server in its own management zone", async () => {
        const prod = modelOf("prod").plan<BackupPlan>("backup")!;
        expect(prod.clients.map((c) => c.name)).toEqual([
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
        const r = await cli(["--stack", "prod", "--dry-run"], { [CLIENTS_ENV]: undefined });
        expect(r.code).toBe(0);
        // One freshness step per client, then the restore and the marker.
        expect(r.out.split("\n")[0]).toMatch(new RegExp(` \\(${prod.clients.length + 2} steps\\)$`));
        for (const c of prod.clients) expect(r.out).toContain(`    ${c.name}: the newest snapshot in ${c.repository} on PAR-BKP01 is within its RPO: `);
        expect(r.out).toContain(`contacts ${at(prod)}`);
    });
    test("ecotech: not run, saying why", async () => {
        expect(await cli(["--stack", "ecotech", "--dry-run"])).toEqual({
            code: 0,
            err: "",
            out: "[backup] not run: the site has no backup server (billu:backup)\n",
        });
    });
    test("BILLU_BACKUP_CLIENTS naming another host is bad input (exit 2)", async () => {
        const r = await cli(["--stack", "dev", "--dry-run"], { [CLIENTS_ENV]: "PAR-FS01,PAR-WEB01" });
        expect(r.code).toBe(2);
        expect(r.err).toBe(
            'acceptance: BILLU_BACKUP_CLIENTS: "PAR-FS01,PAR-WEB01": PAR-WEB01 is not a backup client of the model. Fix: name clients among PAR-DC01, PAR-FS01, PAR-MAIL01, PAR-LOG01, PAR-MON01, PAR-FTP01, PAR-PBX01, PAR-GLPI01, or unset it (every client)\n',
        );
    });
});

test.each(["dev", "prod"])("%s: the management zone, where the run stands, must reach the backup server (the backup service asks)", (stack) => {
    const raw = stackRaw(stack);
    const flow = (f: { from: string; to: string; service: string }) => f.from === "management" && f.to === "PAR-BKP01" && f.service === "restic-rest";
    expect(raw.flows.filter(flow)).toHaveLength(1);
    raw.flows = raw.flows.filter((f: { from: string; to: string; service: string }) => !flow(f));
    expect(problemsOf(raw)).toEqual([
        "billu:flows: lacks management -> PAR-BKP01 restic-rest, which the in-guest backup needs (the acceptance run's backup scenario (npm run acceptance) reads the repositories). Fix: append { from: management, to: PAR-BKP01, service: restic-rest } to billu:flows",
    ]);
});

describe("the credentials come from the outputs' secret backupCredentials", () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "billu-bkp-out-"))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const withOutputs = async (o: Record<string, unknown>) => {
        writeFileSync(path.join(dir, "o.json"), JSON.stringify(o));
        return cli(["--stack", "dev", "--outputs", path.join(dir, "o.json")], { [CLIENTS_ENV]: "PAR-FS01" });
    };
    test("absent: exit 2 naming the output and the fix", async () => {
        const r = await withOutputs({});
        expect([r.code, r.out]).toEqual([2, ""]);
        expect(r.err).toBe(
            "acceptance: --outputs: has no backupCredentials (the backup scenario reads each client's repository with its login and key). Fix: read the outputs with their secrets, without a file: --outputs <(pulumi stack output --json --show-secrets) (the stack exports every backup client's login and key as a secret)\n",
        );
    });
    test("written without --show-secrets: exit 2", async () => {
        const r = await withOutputs({ backupCredentials: "[secret]" });
        expect(r.code).toBe(2);
        expect(r.err).toContain("--outputs: holds backupCredentials as [secret] (written without --show-secrets). Fix:");
    });
});

describe("the checks judge restic's answers", () => {
    let dir: string;
    let savedPath: string | undefined;
    const FRESH_ID = "a1b2c3d4".repeat(8);
    const RESULT_ID = "e5f6a7b8".repeat(8);
    const NOTES = "minutes of dsi\n";
    const notesTime = "2026-11-30T10:11:12.123456789+00:00";
    const CRED = { password: "http-Pw-0123456789", key: "repo-Key-9876543210" };
    const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().replace("Z", "123456+00:00");
    // A repository as the stub restic serves it: snapshots (restic's JSON), each snapshot's nodes and files.
    const repo = (o: { dataAgoMs?: number; marker?: Record<string, unknown>; notes?: string; mode?: number } = {}) => ({
        snapshots: [
            {
                time: iso(o.dataAgoMs ?? 3_600_000),
                id: FRESH_ID,
                short_id: FRESH_ID.slice(0, 8),
                hostname: "PAR-FS01",
                tags: ["billu"],
                paths: ["/srv/shares"],
            },
            {
                time: iso((o.dataAgoMs ?? 3_600_000) - 60_000),
                id: RESULT_ID,
                short_id: RESULT_ID.slice(0, 8),
                hostname: "PAR-FS01",
                tags: ["billu-result"],
                paths: ["/billu-result.json"],
            },
        ],
        nodes: {
            [FRESH_ID]: [
                { struct_type: "snapshot", id: FRESH_ID },
                { struct_type: "node", type: "dir", path: "/srv/shares/dsi", size: 0, mode: 2147485176 },
                { struct_type: "node", type: "file", path: "/srv/shares/dsi/report-dsi.bin", size: 200000, mode: 416, mtime: notesTime },
                { struct_type: "node", type: "file", path: "/srv/shares/dsi/sub/notes.txt", size: NOTES.length, mode: o.mode ?? 384, mtime: notesTime },
                { struct_type: "node", type: "file", path: "/srv/shares/dsi/empty", size: 0, mode: 384, mtime: notesTime },
            ],
        },
        files: {
            [`${FRESH_ID}:/srv/shares/dsi/sub/notes.txt`]: { content: o.notes ?? NOTES, mode: 0o600, mtime: notesTime },
            [`${RESULT_ID}:/billu-result.json`]: {
                content: JSON.stringify(o.marker ?? { host: "PAR-FS01", started: "2026-12-05T18:00:00Z", snapshot: FRESH_ID.slice(0, 8), exitStatus: 0 }),
                mode: 0o644,
                mtime: notesTime,
            },
        },
    });
    // The stub: the repository from the URL in --repository-file (never an argument), its data from $STUB_DIR/repos.json.
    const stub = String.raw`#!/usr/bin/env node
const fs = require("fs"), path = require("path");
const args = process.argv.slice(2);
fs.appendFileSync(process.env.STUB_DIR + "/calls", args.join(" ") + "\n");
const opt = (f) => args[args.indexOf(f) + 1];
const url = fs.readFileSync(opt("--repository-file"), "utf8").trim();
fs.appendFileSync(process.env.STUB_DIR + "/urls", url + "\n");
const name = /\/([a-z0-9-]+)\/$/.exec(url)[1];
const repo = JSON.parse(fs.readFileSync(process.env.STUB_DIR + "/repos.json", "utf8"))[name];
if (!repo) { console.error("Fatal: unable to open config file: <config/> does not exist\nIs there a repository at the following location?\n" + url.replace(/:[^:@]*@/, ":***@")); process.exit(1); }
const cmd = args.find((a) => ["snapshots", "ls", "restore"].includes(a));
if (cmd === "snapshots") { console.log(JSON.stringify(repo.snapshots)); process.exit(0); }
if (cmd === "ls") { const id = args[args.indexOf("ls") + 3]; for (const n of repo.nodes[id] || []) console.log(JSON.stringify(n)); process.exit(0); }
if (cmd === "restore") {
    const id = args[args.indexOf("restore") + 1], target = opt("--target"), inc = opt("--include");
    const f = repo.files[id + ":" + inc];
    if (!f) { console.error("Fatal: nothing to restore"); process.exit(1); }
    const at = path.join(target, inc);
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.writeFileSync(at, f.content); fs.chmodSync(at, f.mode); const t = new Date(f.mtime.replace(/(\.\d{3})\d+/, "$1")); fs.utimesSync(at, t, t);
    fs.appendFileSync(process.env.STUB_DIR + "/targets", target + "\n");
    console.log("restoring <Snapshot " + id.slice(0, 8) + "> to " + target); process.exit(0);
}
process.exit(3);
`;
    beforeEach(() => {
        dir = mkdtempSync(path.join(tmpdir(), "billu-bkp-acc-"));
        mkdirSync(path.join(dir, "work"));
        writeFileSync(path.join(dir, "restic"), stub);
        chmodSync(path.join(dir, "restic"), 0o755);
        savedPath = process.env.PATH;
        process.env.PATH = `${dir}:${process.env.PATH}`;
        process.env.STUB_DIR = dir;
    });
    afterEach(() => {
        process.env.PATH = savedPath;
        delete process.env.STUB_DIR;
        delete process.env[CLIENTS_ENV];
        rmSync(dir, { recursive: true, force: true });
    });
    const run = async (repos: Record<string, unknown>, clients = "PAR-FS01", creds: Record<string, unknown> = { "par-fs01": CRED, "par-dc01": CRED }) => {
        writeFileSync(path.join(dir, "repos.json"), JSON.stringify(repos));
        process.env[CLIENTS_ENV] = clients;
        const input = {
            model: dev,
            outputs: { caCertPem: "-----BEGIN CERTIFICATE-----\nlab\n-----END CERTIFICATE-----\n", backupCredentials: JSON.stringify(creds) },
            workDir: path.join(dir, "work"),
            acceptNewHostKeys: false,
        };
        const [r] = await runScenarios([backupScenario], input);
        return r.checks.map((c) => [c.ok, c.observed]);
    };
    const restoreOk = `/srv/shares/dsi/sub/notes.txt restored (15 bytes, sha256 ${createHash("sha256").update(NOTES).digest("hex")}): size, permissions and time equal to the snapshot's (snapshot a1b2c3d4)`;

    test("fresh: the newest snapshot within 24 h, the smallest file restored and compared, the marker names the snapshot", async () => {
        const seen = await run({ "par-fs01": repo() });
        const newest = JSON.parse(readFileSync(path.join(dir, "repos.json"), "utf8"))["par-fs01"].snapshots[0].time.replace(/\.\d+/, "");
        expect(seen).toEqual([
            [true, `newest a1b2c3d4 of ${newest} (1.0 h old)`],
            [true, restoreOk],
            [true, "billu-result.json of 2026-12-05T18:00:00Z: PAR-FS01, snapshot a1b2c3d4, exit status 0"],
        ]);
        // Read-only and secret-free: every call --no-lock --no-cache, the URL at the plan's address, no credential in an argument.
        const calls = readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
        expect(calls.every((c) => c.startsWith("--no-lock --no-cache --cacert "))).toBe(true);
        expect(calls.some((c) => c.includes(CRED.password) || c.includes(CRED.key))).toBe(false);
        expect(readFileSync(path.join(dir, "urls"), "utf8").trim().split("\n")[0]).toBe(
            `rest:https://par-fs01:${CRED.password}@${plan.host.address}:8000/par-fs01/`,
        );
        // The restore folders are gone.
        const targets = readFileSync(path.join(dir, "targets"), "utf8").trim().split("\n");
        expect(targets).toHaveLength(2);
        for (const t of targets) expect(() => readFileSync(path.join(t, "billu-result.json"))).toThrow(/ENOENT/);
    });
    test("stale: the newest snapshot 25 h old fails, naming its age and the RPO", async () => {
        const seen = await run({ "par-fs01": repo({ dataAgoMs: 25 * 3_600_000 }) });
        expect(seen[0][0]).toBe(false);
        expect(seen[0][1]).toMatch(/^stale: newest a1b2c3d4 of \S+ \(25\.0 h old\), more than 24 h \(\+60 min\)$/);
        expect(seen.slice(1).map((s) => s[0])).toEqual([true, true]);
    });
    test("within the grace: 24.5 h old passes (a job started on time may still run)", async () => {
        expect((await run({ "par-fs01": repo({ dataAgoMs: 24.5 * 3_600_000 }) }))[0][0]).toBe(true);
    });
    test("missing repository: the client's check fails naming it, the others pass", async () => {
        const seen = await run({ "par-fs01": repo() }, "PAR-DC01,PAR-FS01");
        expect(seen[0]).toEqual([false, "par-dc01: no repository on PAR-BKP01 (Fatal: unable to open config file: <config/> does not exist)"]);
        expect(seen.slice(1).map((s) => s[0])).toEqual([true, true, true]);
    });
    test("a client without credentials in the outputs fails its check", async () => {
        const seen = await run({ "par-fs01": repo() }, "PAR-FS01", { "par-dc01": CRED });
        expect(seen[0]).toEqual([false, "restic exit 2: Fatal: the outputs' backupCredentials has no entry for par-fs01"]);
    });
    test("restore mismatch: another size, other permissions", async () => {
        expect((await run({ "par-fs01": repo({ notes: "minutes\n" }) }))[1]).toEqual([
            false,
            "mismatch: /srv/shares/dsi/sub/notes.txt restored: size 8, the snapshot's 15 (snapshot a1b2c3d4)",
        ]);
        expect((await run({ "par-fs01": repo({ mode: 0o640 }) }))[1]).toEqual([
            false,
            "mismatch: /srv/shares/dsi/sub/notes.txt restored: permissions 600, the snapshot's 640 (snapshot a1b2c3d4)",
        ]);
    });
    test("marker mismatch: another snapshot, a failed job", async () => {
        const other = await run({ "par-fs01": repo({ marker: { host: "PAR-FS01", started: "x", snapshot: "0badc0de", exitStatus: 0 } }) });
        expect(other[2]).toEqual([false, 'mismatch: billu-result.json of x: it names snapshot "0badc0de", the newest tagged billu is a1b2c3d4']);
        const failed = await run({ "par-fs01": repo({ marker: { host: "PAR-FS01", started: "y", snapshot: "", exitStatus: 1 } }) });
        expect(failed[2]).toEqual([false, 'mismatch: billu-result.json of y: exit status 1; it names snapshot "", the newest tagged billu is a1b2c3d4']);
    });
});

describe("pure parts", () => {
    test("restic's nanosecond times", () => {
        expect(resticTime("2026-12-05T18:55:01.123456789+01:00")).toBe(Date.parse("2026-12-05T17:55:01.123Z"));
    });
    test("the test file: the smallest non-empty under the declared paths, first by path on a tie", () => {
        const f = (p: string, size: number) => ({ type: "file", path: p, size });
        expect(pickTestFile([f("/srv/sharesX/a", 1), f("/srv/shares/b", 2), f("/srv/shares/a", 2), f("/srv/shares/c", 0)], ["/srv/shares"])?.path).toBe(
            "/srv/shares/a",
        );
        expect(pickTestFile([f("/srv/shares/big", 2 * 1024 * 1024)], ["/srv/shares"])).toBeUndefined();
    });
});
