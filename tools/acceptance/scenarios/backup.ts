/**
 * Backups (billu:backup, model/backup.ts, issue #23): "backup freshness and a restore of a test file", read from the
 * backup server (PAR-BKP01) over restic's REST protocol, as BillU's manual acceptance run did with its restore tests.
 *
 * Freshness, per client the model declares (its repository on the server): the newest snapshot tagged `billu` (the
 * data the client's services declared; `billu-result` snapshots are the job's own result) is at most its RPO old,
 * plus the job's own run time (FRESHNESS_GRACE_MINUTES: a snapshot is stamped when its job starts). The RPO is read off
 * the client's staggered timer exactly as docs/rpo.md states it (tools/docs/rpo.ts `rpoHours`), never from the server.
 *
 * Restore, for one client (the first checked client that backs up files, else the first): from its newest snapshot,
 * a test file under the paths the model says it backs up (the smallest non-empty regular file, at most
 * RESTORE_MAX_BYTES, the first by path on a tie) is restored into a temporary folder of the run's private folder and
 * compared with the snapshot's own record of it (size, permissions, modification time); the report gives its SHA-256
 * (labs/backup compares it with the file on the client). Then the client's own backup marker: the `billu-result.json`
 * its job sent after the data (tag billu-result) is restored the same way and must name that newest snapshot, the
 * client as host and exit status 0. The temporary folders are removed.
 *
 * Credentials: each client's HTTP login (`<repository>`, confined to its own repository by the server) and repository
 * key, from the stack's secret output `backupCredentials` (`pulumi stack output --json --show-secrets`), written to
 * 0600 files of the run's private folder: never on a command line, never printed. Read-only: every restic command runs
 * with `--no-lock` (no lock file is written: the run leaves the repository byte for byte as it found it) and
 * `--no-cache`. The server is reached at the plan's address (its certificate names it), verified against the site CA
 * (the outputs' caCertPem). BILLU_BACKUP_CLIENTS=<a,b> (labs only) checks these clients only (a lab runs some of the
 * model's clients). Needs restic (Debian's package) on the run's host. Each restic call is bounded (25 s).
 */
import { createHash } from "crypto";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import * as path from "path";
import { BACKUP_CREDENTIALS_OUTPUT, RESTIC_REST_SERVICE, type BackupClient, type BackupPlan } from "../../../model/backup";
import { InputError } from "../../../model/errors";
import type { SiteModel } from "../../../model/site";
import { rpoHours } from "../../docs/rpo";
import { execTool, lastLine } from "../exec";
import type { Check, Scenario, ScenarioInput, StackOutputs } from "../types";

export const CLIENTS_ENV = "BILLU_BACKUP_CLIENTS";
/** A snapshot is stamped when its job starts: a job started on time may still be running. */
export const FRESHNESS_GRACE_MINUTES = 60;
/** The test file's bound: the restore stays small on a share of any size. */
export const RESTORE_MAX_BYTES = 1024 * 1024;
const RESTIC_MS = 25_000;

/** One client's credentials as the stack outputs them. */
export interface ClientCredentials {
    readonly password: string;
    readonly key: string;
}

/** One snapshot as `restic snapshots --json` lists it. */
export interface SnapshotAnswer {
    readonly time: string;
    readonly id: string;
    readonly short_id: string;
    readonly hostname?: string;
    readonly tags?: readonly string[];
    readonly paths?: readonly string[];
}

/** One entry as `restic ls --json` lists it (the snapshot line first, then the nodes). */
export interface NodeAnswer {
    readonly struct_type?: string;
    readonly type?: string;
    readonly path?: string;
    readonly size?: number;
    readonly mode?: number;
    readonly mtime?: string;
}

/** restic's times have nanoseconds: Date.parse takes milliseconds. */
export function resticTime(t: string): number {
    return Date.parse(t.replace(/(\.\d{3})\d+/, "$1"));
}

const hoursText = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`;

/** The clients to check: the plan's, or those BILLU_BACKUP_CLIENTS names (bad input when it names another host). */
export function clientsToCheck(plan: BackupPlan, only: string | undefined): readonly BackupClient[] {
    if (only === undefined) return plan.clients;
    const names = only
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    const unknown = names.filter((n) => !plan.clients.some((c) => c.name === n));
    if (names.length === 0 || unknown.length > 0)
        throw new InputError([
            {
                path: CLIENTS_ENV,
                message: `${JSON.stringify(only)}: ${unknown.length > 0 ? `${unknown.join(", ")} is not a backup client of the model` : "names no client"}`,
                fix: `name clients among ${plan.clients.map((c) => c.name).join(", ")}, or unset it (every client)`,
            },
        ]);
    return plan.clients.filter((c) => names.includes(c.name));
}

/** Every client's credentials from the outputs' secret `backupCredentials` (a JSON object by repository); bad input when absent. */
export function readBackupCredentials(outputs: StackOutputs): ReadonlyMap<string, ClientCredentials> {
    const v = outputs[BACKUP_CREDENTIALS_OUTPUT];
    const fix =
        "read the outputs with their secrets, without a file: --outputs <(pulumi stack output --json --show-secrets) (the stack exports every backup client's login and key as a secret)";
    const bad = (message: string) => new InputError([{ path: "--outputs", message, fix }]);
    if (v === undefined) throw bad(`has no ${BACKUP_CREDENTIALS_OUTPUT} (the backup scenario reads each client's repository with its login and key)`);
    if (v === "[secret]") throw bad(`holds ${BACKUP_CREDENTIALS_OUTPUT} as [secret] (written without --show-secrets)`);
    let parsed: unknown = v;
    if (typeof v === "string") {
        try {
            parsed = JSON.parse(v);
        } catch {
            throw bad(`${BACKUP_CREDENTIALS_OUTPUT} is not JSON`);
        }
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw bad(`${BACKUP_CREDENTIALS_OUTPUT} is not an object by repository`);
    const out = new Map<string, ClientCredentials>();
    for (const [repo, c] of Object.entries(parsed as Record<string, unknown>)) {
        const cc = c as Partial<ClientCredentials> | null;
        if (typeof cc?.password === "string" && typeof cc.key === "string" && cc.password !== "" && cc.key !== "")
            out.set(repo, { password: cc.password, key: cc.key });
    }
    return out;
}

/** The freshness verdict for one client from the snapshots restic listed (tag billu), at `now`. */
export function judgeFreshness(
    client: BackupClient,
    snapshots: readonly SnapshotAnswer[],
    now: number,
): { ok: boolean; observed: string; newest?: SnapshotAnswer } {
    const rpo = rpoHours(client.onCalendar);
    const mine = snapshots.filter((s) => (s.tags ?? []).includes("billu") && !Number.isNaN(resticTime(s.time)));
    if (mine.length === 0) return { ok: false, observed: `${client.repository}: no snapshot tagged billu (the client's job has never completed a backup)` };
    const newest = mine.reduce((a, b) => (resticTime(b.time) > resticTime(a.time) ? b : a));
    const age = now - resticTime(newest.time);
    const at = `newest ${newest.short_id} of ${newest.time.replace(/\.\d+/, "")} (${hoursText(Math.max(0, age))} old)`;
    if (rpo === undefined)
        return {
            ok: false,
            observed: `${at}; the schedule ${client.onCalendar} gives no RPO (docs/rpo.md says "see the schedule"): give the client a daily or weekly time`,
        };
    const limit = (rpo * 60 + FRESHNESS_GRACE_MINUTES) * 60_000;
    if (age > limit) return { ok: false, observed: `stale: ${at}, more than ${rpo} h (+${FRESHNESS_GRACE_MINUTES} min)`, newest };
    if (age < -5 * 60_000) return { ok: false, observed: `${at}: in the future (the client's or this host's clock is wrong)`, newest };
    return { ok: true, observed: at, newest };
}

/** The test file: the smallest non-empty regular file of at most RESTORE_MAX_BYTES under the declared paths, first by path on a tie. */
export function pickTestFile(nodes: readonly NodeAnswer[], paths: readonly string[]): NodeAnswer | undefined {
    const under = (p: string) => paths.some((d) => p === d || p.startsWith(d.endsWith("/") ? d : `${d}/`));
    return nodes
        .filter(
            (n) =>
                n.struct_type !== "snapshot" &&
                n.type === "file" &&
                n.path !== undefined &&
                under(n.path) &&
                (n.size ?? 0) > 0 &&
                (n.size ?? 0) <= RESTORE_MAX_BYTES,
        )
        .sort((a, b) => a.size! - b.size! || (a.path! < b.path! ? -1 : a.path! > b.path! ? 1 : 0))[0];
}

/** The restored file against the snapshot's record of it: size, permissions and modification time (seconds). */
export function judgeRestored(
    node: NodeAnswer,
    restored: { size: number; mode: number; mtimeMs: number } | undefined,
    content?: Buffer,
): { ok: boolean; observed: string } {
    if (!restored) return { ok: false, observed: `${node.path}: restic restore wrote no file` };
    const diffs: string[] = [];
    if (restored.size !== node.size) diffs.push(`size ${restored.size}, the snapshot's ${node.size}`);
    if (node.mode !== undefined && (restored.mode & 0o777) !== (node.mode & 0o777))
        diffs.push(`permissions ${(restored.mode & 0o777).toString(8)}, the snapshot's ${(node.mode & 0o777).toString(8)}`);
    const want = node.mtime ? Math.floor(resticTime(node.mtime) / 1000) : undefined;
    if (want !== undefined && Math.floor(restored.mtimeMs / 1000) !== want)
        diffs.push(`modified ${new Date(restored.mtimeMs).toISOString()}, the snapshot's ${new Date(want * 1000).toISOString()}`);
    const sum = content ? `sha256 ${createHash("sha256").update(content).digest("hex")}` : "no content";
    if (diffs.length > 0) return { ok: false, observed: `mismatch: ${node.path} restored: ${diffs.join("; ")}` };
    return { ok: true, observed: `${node.path} restored (${restored.size} bytes, ${sum}): size, permissions and time equal to the snapshot's` };
}

/** The client's marker (its job's billu-result.json) against the newest data snapshot. */
export function judgeMarker(client: BackupClient, marker: string | undefined, newest: SnapshotAnswer | undefined): { ok: boolean; observed: string } {
    if (marker === undefined) return { ok: false, observed: `${client.repository}: no billu-result.json restored` };
    let r: { host?: unknown; snapshot?: unknown; exitStatus?: unknown; started?: unknown };
    try {
        r = JSON.parse(marker) as typeof r;
    } catch {
        return { ok: false, observed: `billu-result.json is not JSON: ${lastLine(marker).slice(0, 120)}` };
    }
    const why: string[] = [];
    if (r.host !== client.name) why.push(`host ${JSON.stringify(r.host)}, not ${client.name}`);
    if (r.exitStatus !== 0) why.push(`exit status ${JSON.stringify(r.exitStatus)}`);
    if (!newest) why.push("no data snapshot to compare it with");
    else if (typeof r.snapshot !== "string" || r.snapshot === "" || !newest.id.startsWith(r.snapshot))
        why.push(`it names snapshot ${JSON.stringify(r.snapshot)}, the newest tagged billu is ${newest.short_id}`);
    if (why.length > 0) return { ok: false, observed: `mismatch: billu-result.json of ${String(r.started)}: ${why.join("; ")}` };
    return { ok: true, observed: `billu-result.json of ${String(r.started)}: ${client.name}, snapshot ${newest!.short_id}, exit status 0` };
}

/** The client the restore uses: the first checked client that backs up files, else the first. */
export function restoreClient(model: SiteModel, clients: readonly BackupClient[]): BackupClient {
    return clients.find((c) => model.backups.some((s) => s.host === c.name && s.dataClass === "files")) ?? clients[0];
}

/** restic's reason in its output (`Fatal: ...`), or its last line. */
const resticError = (out: string) => /^Fatal: [^\n]*/m.exec(out)?.[0] ?? lastLine(out);
const missingRepo = (out: string) => /Is there a repository at the following location\?|unable to open config file/.test(out);

export const backupScenario: Scenario = {
    name: "backup",
    title: "backup freshness and a restore of a test file: every client's newest snapshot within its RPO, a file restored from one",
    skip: (m) => {
        const plan = m.plan<BackupPlan>("backup");
        if (!plan) return "the site has no backup server (billu:backup)";
        if (plan.clients.length === 0) return "billu:backup plans no client";
        return undefined;
    },
    checks: (input: ScenarioInput) => {
        const plan = input.model.plan<BackupPlan>("backup")!;
        const clients = clientsToCheck(plan, process.env[CLIENTS_ENV]);
        const creds = input.dryRun ? new Map<string, ClientCredentials>() : readBackupCredentials(input.outputs);
        const contacts = [`${plan.fqdn} at ${plan.host.address} (${RESTIC_REST_SERVICE} tcp/${plan.port})`];
        const dir = path.join(input.workDir, "backup");

        /** One bounded restic call against one client's repository; the login and key in 0600 files. */
        const restic = async (c: BackupClient, args: readonly string[]) => {
            const cred = creds.get(c.repository);
            if (!cred) return { code: 2, out: `Fatal: the outputs' ${BACKUP_CREDENTIALS_OUTPUT} has no entry for ${c.repository}` };
            mkdirSync(dir, { recursive: true, mode: 0o700 });
            const f = (n: string) => path.join(dir, `${c.repository}.${n}`);
            writeFileSync(f("ca.pem"), input.outputs.caCertPem ?? "", { mode: 0o600 });
            // The address in the URL: the server's certificate names it (model/backup.ts), no resolver is trusted.
            const login = `${c.repository}:${encodeURIComponent(cred.password)}`;
            writeFileSync(f("repository"), `rest:https://${login}@${plan.host.address}:${plan.port}/${c.repository}/\n`, { mode: 0o600 });
            writeFileSync(f("key"), `${cred.key}\n`, { mode: 0o600 });
            return execTool(
                "restic",
                ["--no-lock", "--no-cache", "--cacert", f("ca.pem"), "--repository-file", f("repository"), "--password-file", f("key"), ...args],
                { timeoutMs: RESTIC_MS },
            );
        };
        const snapshotsOf = new Map<string, Promise<{ list?: SnapshotAnswer[]; error?: string }>>();
        const listed = (c: BackupClient) => {
            let p = snapshotsOf.get(c.repository);
            if (!p) {
                p = restic(c, ["snapshots", "--json"]).then((r) => {
                    if (r.code !== 0)
                        return {
                            error: missingRepo(r.out)
                                ? `${c.repository}: no repository on ${plan.host.name} (${resticError(r.out)})`
                                : `restic exit ${r.code}: ${resticError(r.out)}`,
                        };
                    try {
                        return { list: JSON.parse(r.out) as SnapshotAnswer[] };
                    } catch {
                        return { error: `restic snapshots: not JSON (${lastLine(r.out).slice(0, 120)})` };
                    }
                });
                snapshotsOf.set(c.repository, p);
            }
            return p;
        };
        /** Restores one path of one snapshot into a fresh folder; its bytes and stat, the folder removed after. */
        const restoreOne = async (c: BackupClient, snapshot: string, file: string) => {
            const target = path.join(dir, `restore-${c.repository}-${snapshot}`);
            rmSync(target, { recursive: true, force: true });
            try {
                const r = await restic(c, ["restore", snapshot, "--target", target, "--include", file]);
                const at = path.join(target, file);
                let st: { size: number; mode: number; mtimeMs: number } | undefined;
                let content: Buffer | undefined;
                try {
                    st = statSync(at);
                    content = readFileSync(at);
                } catch {
                    st = undefined;
                }
                return { code: r.code, out: r.out, st, content };
            } finally {
                rmSync(target, { recursive: true, force: true });
            }
        };

        const checks: Check[] = clients.map((c) => {
            const rpo = rpoHours(c.onCalendar);
            return {
                name: `${c.name}: the newest snapshot in ${c.repository} on ${plan.host.name} is within its RPO`,
                expected: `a snapshot tagged billu at most ${rpo === undefined ? "(no RPO)" : `${rpo} h`} old (+${FRESHNESS_GRACE_MINUTES} min for the job; backed up at ${c.onCalendar})`,
                contacts,
                run: async () => {
                    const s = await listed(c);
                    if (s.error) return { ok: false, observed: s.error };
                    return judgeFreshness(c, s.list!, Date.now());
                },
            };
        });
        const rc = restoreClient(input.model, clients);
        const paths = input.model.backups.filter((s) => s.host === rc.name).flatMap((s) => [...s.paths]);
        let restoredFrom: SnapshotAnswer | undefined;
        checks.push({
            name: `${rc.name}: a test file under ${paths.join(", ")} restored from its newest snapshot into a temporary folder`,
            expected: `the smallest file of at most ${RESTORE_MAX_BYTES} bytes, its size, permissions and time equal to the snapshot's record; the folder removed`,
            contacts,
            run: async () => {
                const s = await listed(rc);
                if (s.error) return { ok: false, observed: s.error };
                const newest = judgeFreshness(rc, s.list!, Date.now()).newest;
                if (!newest) return { ok: false, observed: `${rc.repository}: no snapshot tagged billu to restore from` };
                restoredFrom = newest;
                const ls = await restic(rc, ["ls", "--json", "--recursive", newest.id, ...paths]);
                if (ls.code !== 0) return { ok: false, observed: `restic ls exit ${ls.code}: ${resticError(ls.out)}` };
                const nodes = ls.out
                    .split("\n")
                    .filter((l) => l.startsWith("{"))
                    .map((l) => JSON.parse(l) as NodeAnswer);
                const node = pickTestFile(nodes, paths);
                if (!node)
                    return {
                        ok: false,
                        observed: `snapshot ${newest.short_id} holds no non-empty file of at most ${RESTORE_MAX_BYTES} bytes under ${paths.join(", ")}`,
                    };
                const r = await restoreOne(rc, newest.id, node.path!);
                if (r.code !== 0 && !r.st) return { ok: false, observed: `restic restore exit ${r.code}: ${resticError(r.out)}` };
                const v = judgeRestored(node, r.st, r.content);
                return { ok: v.ok, observed: `${v.observed} (snapshot ${newest.short_id})` };
            },
        });
        checks.push({
            name: `${rc.name}: its own backup marker (billu-result.json, tag billu-result) restored names that snapshot`,
            expected: `host ${rc.name}, exit status 0, the newest snapshot tagged billu`,
            contacts,
            run: async () => {
                const s = await listed(rc);
                if (s.error) return { ok: false, observed: s.error };
                const results = s.list!.filter((x) => (x.tags ?? []).includes("billu-result") && !Number.isNaN(resticTime(x.time)));
                if (results.length === 0) return { ok: false, observed: `${rc.repository}: no snapshot tagged billu-result (the job never sent its result)` };
                const last = results.reduce((a, b) => (resticTime(b.time) > resticTime(a.time) ? b : a));
                const r = await restoreOne(rc, last.id, "/billu-result.json");
                if (!r.content) return { ok: false, observed: `restic restore exit ${r.code}: ${resticError(r.out)}` };
                return judgeMarker(rc, r.content.toString("utf8"), restoredFrom ?? judgeFreshness(rc, s.list!, Date.now()).newest);
            },
        });
        return checks;
    },
};
