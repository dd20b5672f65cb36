/**
 * FTP (billu:ftp, model/ftp.ts, issue #19): what a member of staff does with the file exchange, from a host of an
 * allowed zone (`--zone`, which must be one of billu:ftp.allowedZones: the router and vsftpd's PAM let no other zone
 * in). The control port answers with vsftpd's greeting (the model's FTP_BANNER) and offers AUTH TLS, the certificate
 * verified against the site CA (the outputs' caCertPem) for the server's FQDN (the plan's); a plaintext login is
 * refused with `530 Non-anonymous sessions must use encryption.`; the account logs in over explicit TLS, lists its
 * department's exchange folder (the folder of billu:ftp whose group the model puts it in), uploads a small test file
 * in passive mode to the PASV address and range the model advertises, downloads it back (SHA-256 compared), and
 * deletes it (with any test file an earlier run left: exact `billu-acceptance-<12 hex>.txt` names only), leaving none.
 * It writes nothing else: the site is read-only to it but for its own test file.
 *
 * Client: curl (as labs/ftp), not an FTP client of our own: curl speaks explicit FTPS with `--ssl-reqd`, verifies the
 * certificate and name (`--cacert`, the name pinned to the model's address with `--resolve`), forces PASV over EPSV
 * and uses the address of its reply (`--disable-epsv --no-ftp-skip-pasv-ip`, the only way to prove the advertised
 * address), and prints every command and reply with `-v`, which is what the steps judge. curl cannot choose its AUTH
 * command (it sends `AUTH SSL`), so `openssl s_client -starttls ftp`, which sends `AUTH TLS`, proves that one. The password reaches curl in
 * a 0600 config file (`-K`) of the run's private folder, never on a command line; the plaintext attempt sends the
 * account's name only (vsftpd refuses at USER, so no password is ever sent in clear). Every request is bounded
 * (connect 5 s, total 25 s, under the runner's 30 s).
 */
import { createHash, randomBytes } from "crypto";
import { existsSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { FTP_BANNER, type FtpFolder, type FtpPlan } from "../../../model/ftp";
import type { SiteModel } from "../../../model/site";
import { curlError, execTool, lastLine } from "../exec";
import type { Check, Scenario, ScenarioInput } from "../types";
import { directoryAccountOf, runAccount } from "./account";
import { runZone } from "./vpn";

/** vsftpd's reply to USER on a connection without AUTH TLS (force_local_logins_ssl). */
export const PLAIN_REFUSED = "530 Non-anonymous sessions must use encryption.";
/** The names of the scenario's own test files: only these are ever deleted. */
export const TEST_FILE = /^billu-acceptance-[0-9a-f]{12}\.txt$/;
const TEST_FILE_BYTES = 4096;

const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

/** The account's exchange folder, from the model: a department folder of billu:ftp whose group it is in. */
export function ftpFolderOf(model: SiteModel, plan: FtpPlan, account: string): { folder: FtpFolder } | { reason: string } {
    const person = directoryAccountOf(model, account, "the department whose FTP folder it uses");
    if ("reason" in person) return person;
    const groups = person.groups.join(", ") || "none";
    if (!plan.allowedGroups.some((g) => person.groups.includes(g))) {
        // The acceptance account is in its department's group only (never GG_Personnel): that group must be allowed.
        const fix = person.acceptance
            ? `add ${person.groups.join(" or ")} (its department's group) to billu:ftp.allowedGroups`
            : "add one of its groups to billu:ftp.allowedGroups";
        return {
            reason: `${account} is in none of billu:ftp.allowedGroups (${plan.allowedGroups.join(", ")}; its groups: ${groups}), so vsftpd's PAM refuses it: ${fix}`,
        };
    }
    const folder = plan.folders.find((f) => f.kind === "department" && person.groups.includes(f.group));
    if (!folder)
        return {
            reason: `no department folder of billu:ftp is ${account}'s (its groups: ${groups}; folders: ${plan.folders.map((f) => `${f.name} ${f.group}`).join(", ")}): add its department to billu:ftp.folders.departments`,
        };
    return { folder };
}

/** The PASV reply's address and port (`227 Entering Passive Mode (h1,h2,h3,h4,p1,p2).`), from curl's -v lines. */
export function pasvOf(lines: readonly string[]): { address: string; port: number } | undefined {
    for (const l of lines) {
        const m = /^< 227 .*\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(l);
        if (m) return { address: m.slice(1, 5).join("."), port: Number(m[5]) * 256 + Number(m[6]) };
    }
    return undefined;
}

interface Exchange {
    readonly code: number | null;
    /** curl's -v lines, `\r` removed: `< ` the server's replies, `> ` curl's commands, `* ` its notes. */
    readonly lines: readonly string[];
    /** curl's own error (`curl: (67) Access denied: 530`), or undefined. */
    readonly error?: string;
}

/** The server's replies (`< 230 Login successful.`), without the `< `. */
const replies = (e: Exchange) => e.lines.filter((l) => /^< \d{3}[ -]/.test(l)).map((l) => l.slice(2));
const replied = (e: Exchange, code: number) => replies(e).find((r) => r.startsWith(`${code} `));
/** What went wrong, for a report: curl's error and the server's last reply. */
const failure = (e: Exchange) => `curl exit ${e.code}: ${e.error ?? "(no error line)"}${replies(e).length ? `; last reply: ${replies(e).pop()}` : ""}`;

export const ftpScenario: Scenario = {
    name: "ftp",
    title: "the acceptance account exchanges a file over explicit FTPS in its department's folder",
    skip: (m, opts) => {
        const plan = m.plan<FtpPlan>("ftp");
        if (!plan) return "the site has no FTP server (billu:ftp)";
        const zone = runZone(m, opts?.zone);
        const allowed = plan.allowedZones.map((z) => z.name);
        if (!allowed.includes(zone))
            return `billu:ftp.allowedZones lets in ${allowed.join(", ")}, not ${zone || "(no zone)"} where the run stands: run it from a host of one of them with --zone <zone>`;
        return undefined;
    },
    needs: ["account"],
    checks: (input: ScenarioInput) => {
        const plan = input.model.plan<FtpPlan>("ftp")!;
        const account = runAccount(input);
        const work = (f: string) => path.join(input.workDir, f);
        const address = plan.host.address;
        const port = plan.controlPort;
        const url = (p: string) => `ftp://${plan.fqdn}${port === 21 ? "" : `:${port}`}/${p}`;
        const pick = input.account ? ftpFolderOf(input.model, plan, account.name) : undefined;
        const folder = pick && "folder" in pick ? pick.folder : undefined;
        const reason = pick && "reason" in pick ? pick.reason : "no account";
        const dir = folder ? `/${folder.name}/` : "its department's folder";
        const name = `billu-acceptance-${randomBytes(6).toString("hex")}.txt`;
        const local = work(`ftp-${name}`);
        const back = work(`ftp-back-${name}`);
        let sent: string | undefined;

        /** One bounded curl session; `login` sends the account's credentials from a 0600 config file over TLS. */
        const curl = async (args: readonly string[], opts: { tls: boolean; login: boolean }): Promise<Exchange> => {
            writeFileSync(work("ftp-ca.pem"), input.outputs.caCertPem ?? "", { mode: 0o600 });
            const quote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
            // The plaintext attempt names the account without its password: vsftpd refuses at USER.
            writeFileSync(work("ftp-curl.conf"), `user = ${quote(`${account.name}:${opts.login ? account.password : ""}`)}\n`, { mode: 0o600 });
            const r = await execTool("curl", [
                ...["-sS", "-v", "--connect-timeout", "5", "--max-time", "25", "--proto", "=ftp"],
                ...["--resolve", `${plan.fqdn}:${port}:${address}`, "-K", work("ftp-curl.conf")],
                ...(opts.tls ? ["--ssl-reqd", "--cacert", work("ftp-ca.pem"), "--ftp-pasv", "--disable-epsv", "--no-ftp-skip-pasv-ip"] : []),
                ...args,
            ]);
            const lines = r.out.split("\n").map((l) => l.replace(/\r$/, ""));
            return { code: r.code, lines, error: curlError(r.out) };
        };
        const checks: Check[] = [];
        const contacts = [`${plan.fqdn} at ${address} (ftp tcp/${port})`];
        const data = [...contacts, `${plan.advertisedAddress} (ftp-passive tcp/${plan.passive.min}-${plan.passive.max})`];
        const needsFolder = (): { ok: boolean; observed: string } | undefined => (folder ? undefined : { ok: false, observed: reason });

        checks.push({
            name: `FTP: ${plan.fqdn}:${port} greets with vsftpd's banner, offers AUTH TLS, its certificate verified against the site CA`,
            expected: `220 ${FTP_BANNER}; 234 to AUTH; AUTH TLS accepted: a TLS session, a certificate of the site CA for ${plan.fqdn}`,
            contacts,
            run: async () => {
                // The login alone (no data connection): -I on the session's first folder. curl asks `AUTH SSL` (its default;
                // vsftpd takes SSL and TLS alike, and with ssl_tlsv1=NO its FEAT lists neither), so `AUTH TLS` itself, what
                // FileZilla sends, is asked by openssl s_client -starttls ftp, which sends exactly that and then shakes hands.
                const e = await curl(["-I", url("")], { tls: true, login: true });
                const banner = replied(e, 220);
                const sentAuth = e.lines.find((l) => /^> AUTH (TLS|SSL)$/.test(l))?.slice(2);
                const auth = sentAuth ? replied(e, 234) : undefined;
                const verified = e.lines.some((l) => /^\*\s+SSL certificate verify ok\./.test(l));
                const s = await execTool(
                    "openssl",
                    [
                        ...["s_client", "-starttls", "ftp", "-connect", `${address}:${port}`, "-servername", plan.fqdn],
                        ...["-CAfile", work("ftp-ca.pem"), "-verify_hostname", plan.fqdn, "-verify_return_error"],
                    ],
                    { timeoutMs: 10_000 },
                );
                const session = /^New, (TLSv1\.[23]), Cipher is /m.exec(s.out)?.[1];
                const tls = session !== undefined && s.out.includes("Verify return code: 0 (ok)");
                const seen = [
                    banner ?? "no 220 greeting",
                    auth ? `${auth} (to ${sentAuth})` : "no 234 to AUTH",
                    tls ? `AUTH TLS: a ${session} session` : `AUTH TLS: no verified session (openssl exit ${s.code}: ${lastLine(s.out)})`,
                    verified ? `certificate verified for ${plan.fqdn}` : `certificate not verified (${failure(e)})`,
                ];
                return { ok: banner === `220 ${FTP_BANNER}` && auth !== undefined && tls && verified, observed: seen.join("; ") };
            },
        });
        checks.push({
            name: `FTP: a plaintext login as ${account.name} (no AUTH TLS) is refused`,
            expected: PLAIN_REFUSED,
            contacts,
            run: async () => {
                const e = await curl(["-I", url("")], { tls: false, login: false });
                const r = replied(e, 530) ?? replied(e, 230) ?? failure(e);
                return { ok: r === PLAIN_REFUSED, observed: r };
            },
        });
        checks.push({
            name: `FTP: ${account.name} logs in over explicit TLS and lists ${dir}`,
            expected: `230 Login successful.; ${dir} listed (226)`,
            contacts: data,
            run: async () => {
                const no = needsFolder();
                if (no) return no;
                const listing = work("ftp-list");
                writeFileSync(listing, "");
                const e = await curl(["-l", "-o", listing, url(`${folder!.name}/`)], { tls: true, login: true });
                const login = replied(e, 230);
                const done = replied(e, 226);
                if (e.code !== 0 || !login || !done) return { ok: false, observed: login ? `${login}; ${failure(e)}` : failure(e) };
                const n = readFileSync(listing, "utf8")
                    .split("\n")
                    .filter((l) => l.trim() !== "").length;
                return { ok: true, observed: `${login}; ${dir} listed (226, ${n} entries)` };
            },
        });
        checks.push({
            name: `FTP: ${account.name} uploads a ${TEST_FILE_BYTES}-byte test file to ${dir} in passive mode`,
            expected: `226, through the model's PASV address ${plan.advertisedAddress} and a port of ${plan.passive.min}-${plan.passive.max}`,
            contacts: data,
            run: async () => {
                const no = needsFolder();
                if (no) return no;
                const bytes = randomBytes(TEST_FILE_BYTES);
                writeFileSync(local, bytes);
                const e = await curl(["-T", local, url(`${folder!.name}/${name}`)], { tls: true, login: true });
                const pasv = pasvOf(e.lines);
                const at = pasv ? `PASV ${pasv.address}:${pasv.port}` : "no PASV reply";
                const inRange = pasv !== undefined && pasv.address === plan.advertisedAddress && pasv.port >= plan.passive.min && pasv.port <= plan.passive.max;
                const done = replied(e, 226);
                if (e.code === 0 && done) sent = sha(bytes);
                return {
                    ok: e.code === 0 && done !== undefined && inRange,
                    observed: e.code === 0 && done ? `${done} (${name}), ${at}` : `${failure(e)}; ${at}`,
                };
            },
        });
        checks.push({
            name: `FTP: ${account.name} downloads the test file back from ${dir}, checksums compared`,
            expected: "the same bytes (SHA-256)",
            contacts: data,
            run: async () => {
                const no = needsFolder();
                if (no) return no;
                if (!sent) return { ok: false, observed: `nothing to compare: the upload of ${name} failed` };
                writeFileSync(back, "");
                const e = await curl(["-o", back, url(`${folder!.name}/${name}`)], { tls: true, login: true });
                if (e.code !== 0) return { ok: false, observed: failure(e) };
                const got = existsSync(back) ? sha(readFileSync(back)) : "(no file)";
                return {
                    ok: got === sent,
                    observed:
                        got === sent ? `the same bytes (SHA-256 ${got.slice(0, 12)})` : `other bytes: SHA-256 ${got.slice(0, 12)}, sent ${sent.slice(0, 12)}`,
                };
            },
        });
        checks.push({
            name: `FTP: ${account.name} deletes the test file from ${dir}, leaving no test file there`,
            expected: `250 to each DELE; no billu-acceptance-<12 hex>.txt left in ${dir}`,
            contacts,
            run: async () => {
                const no = needsFolder();
                if (no) return no;
                const listing = work("ftp-list");
                const list = async (quote: readonly string[]) => {
                    writeFileSync(listing, "");
                    const e = await curl([...quote, "-l", "-o", listing, url(`${folder!.name}/`)], { tls: true, login: true });
                    const names = readFileSync(listing, "utf8")
                        .split("\n")
                        .map((l) => path.posix.basename(l.replace(/\r$/, "").trim()))
                        .filter((l) => TEST_FILE.test(l));
                    return { e, names };
                };
                const before = await list([]);
                if (before.e.code !== 0) return { ok: false, observed: failure(before.e) };
                // This run's file and any an earlier run left (its own names only); -Q runs before the listing.
                const mine = before.names.includes(name);
                const earlier = before.names.filter((n) => n !== name);
                const after = await list(before.names.flatMap((n) => ["-Q", `DELE /${folder!.name}/${n}`]));
                if (after.e.code !== 0) return { ok: false, observed: failure(after.e) };
                const dele = replies(after.e).filter((r) => r.startsWith("250 Delete"));
                const ok = mine && after.names.length === 0 && dele.length === before.names.length;
                const observed = !mine
                    ? `${name} was not in ${dir} (the upload failed?)${after.names.length ? `; left: ${after.names.join(", ")}` : ""}`
                    : after.names.length
                      ? `still there: ${after.names.join(", ")}`
                      : `deleted${earlier.length ? ` (with ${earlier.length} left by earlier runs)` : ""}, none left`;
                return { ok, observed };
            },
        });
        return checks;
    },
};
