/**
 * The ftp acceptance scenario (tools/acceptance/scenarios/ftp.ts, issues #19 and #23): --dry-run for every committed
 * stack lists its steps from the model, or says why it does not run; the account's folder comes from the directory
 * plan and billu:ftp; curl's -v exchanges are judged by the server's replies (a stub curl here that keeps the
 * uploaded files in a folder like a server would and answers as vsftpd 3.0.3 does; the real curl against the
 * rendered vsftpd in labs/ftp).
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { runScenarios } from "../../tools/acceptance/runner";
import { ftpFolderOf, ftpScenario, pasvOf, PLAIN_REFUSED } from "../../tools/acceptance/scenarios/ftp";
import { FTP_BANNER, type FtpPlan } from "../../model/ftp";
import { dryRun as dryRunOf, modelOf } from "./acceptance-dry-run";

const dryRun = (args: string[], password?: string) => dryRunOf("ftp", args, password);

const dev = modelOf("dev");
const plan = dev.plan<FtpPlan>("ftp")!;

describe("--dry-run lists the ftp scenario from the model, contacting nothing", () => {
    test("dev from lan-dsi (an allowed zone): six steps, the account's folder /dsi/, the server's name at its address", async () => {
        const as = dev.directory!.acceptance!.sam;
        expect([plan.fqdn, plan.host.address, plan.advertisedAddress, plan.passive]).toEqual([
            "par-ftp01.billu.remindme.lan",
            dev.host("PAR-FTP01").nics[0].address,
            dev.host("PAR-FTP01").nics[0].address,
            { min: 40000, max: 40099 },
        ]);
        const at = `par-ftp01.billu.remindme.lan at ${plan.host.address} (ftp tcp/21)`;
        const data = `${at}, ${plan.advertisedAddress} (ftp-passive tcp/40000-40099)`;
        expect(await dryRun(["--stack", "dev", "--zone", "lan-dsi"])).toEqual({
            code: 0,
            err: "",
            out: [
                `ftp: the acceptance account exchanges a file over explicit FTPS in its department's folder (6 steps; logs on as ${as})`,
                `    FTP: par-ftp01.billu.remindme.lan:21 greets with vsftpd's banner, offers AUTH TLS, its certificate verified against the site CA: expects 220 ${FTP_BANNER}; 234 to AUTH; AUTH TLS accepted: a TLS session, a certificate of the site CA for par-ftp01.billu.remindme.lan; contacts ${at}`,
                `    FTP: a plaintext login as ${as} (no AUTH TLS) is refused: expects ${PLAIN_REFUSED}; contacts ${at}`,
                `    FTP: ${as} logs in over explicit TLS and lists /dsi/: expects 230 Login successful.; /dsi/ listed (226); contacts ${data}`,
                `    FTP: ${as} uploads a 4096-byte test file to /dsi/ in passive mode: expects 226, through the model's PASV address ${plan.advertisedAddress} and a port of 40000-40099; contacts ${data}`,
                `    FTP: ${as} downloads the test file back from /dsi/, checksums compared: expects the same bytes (SHA-256); contacts ${data}`,
                `    FTP: ${as} deletes the test file from /dsi/, leaving no test file there: expects 250 to each DELE; no billu-acceptance-<12 hex>.txt left in /dsi/; contacts ${at}`,
                "",
            ].join("\n"),
        });
    });
    test("dev from the management zone (not allowed): not run, naming the zones to run from", async () => {
        expect(await dryRun(["--stack", "dev"])).toEqual({
            code: 0,
            err: "",
            out: "[ftp] not run: billu:ftp.allowedZones lets in lan-dsi, lan-direction, not management where the run stands: run it from a host of one of them with --zone <zone>\n",
        });
    });
    test("ecotech has no FTP server: the scenario says why it does not run", async () => {
        expect(await dryRun(["--stack", "ecotech"])).toEqual({ code: 0, err: "", out: "[ftp] not run: the site has no FTP server (billu:ftp)\n" });
    });
});

describe("ftpFolderOf: the account's exchange folder, from the directory plan and billu:ftp", () => {
    const prod = modelOf("prod");
    test("dev's acceptance account (GG_DSI, allowed) gets dsi", () => {
        expect(ftpFolderOf(dev, plan, "SVC-Acceptance")).toMatchObject({ folder: { name: "dsi", group: "GG_DSI", kind: "department" } });
    });
    test("prod allows GG_Personnel only, which the acceptance account is not in: the reason says what to set", () => {
        expect(ftpFolderOf(prod, prod.plan<FtpPlan>("ftp")!, "svc-acceptance")).toEqual({
            reason: "svc-acceptance is in none of billu:ftp.allowedGroups (GG_Personnel; its groups: GG_DSI), so vsftpd's PAM refuses it: add GG_DSI (its department's group) to billu:ftp.allowedGroups",
        });
    });
    test("a person of an allowed department gets their department's folder", () => {
        expect(ftpFolderOf(dev, plan, "emma.dupont")).toMatchObject({ folder: { name: "direction" } });
    });
    test("the acceptance account without a department: the reason names the key to set", () => {
        const noDept = { ...dev, directory: { ...dev.directory!, acceptance: { ...dev.directory!.acceptance!, groups: [] } } } as unknown as typeof dev;
        expect(ftpFolderOf(noDept, plan, "svc-acceptance")).toEqual({
            reason: "svc-acceptance is in no department's group: set billu:directory.acceptance.department (the department whose FTP folder it uses)",
        });
    });
    test("an allowed group but no folder of its department: the reason names billu:ftp.folders.departments", () => {
        const noFolder = { ...plan, folders: plan.folders.filter((f) => f.name !== "dsi") };
        expect(ftpFolderOf(dev, noFolder, "svc-acceptance")).toEqual({
            reason: "no department folder of billu:ftp is svc-acceptance's (its groups: GG_DSI; folders: direction GG_Direction, commun GG_Personnel): add its department to billu:ftp.folders.departments",
        });
    });
    test("an account outside the directory plan", () => {
        expect(ftpFolderOf(dev, plan, "svc-other")).toEqual({
            reason: "svc-other is not an enabled account of the model's directory plan (the HR export) nor its acceptance account (billu:directory.acceptance)",
        });
    });
});

test("pasvOf reads the address and port of a 227 reply", () => {
    expect(pasvOf(["< 220 x", "< 227 Entering Passive Mode (10,20,10,51,156,69)."])).toEqual({ address: "10.20.10.51", port: 40005 });
    expect(pasvOf(["< 229 Entering Extended Passive Mode (|||40005|)"])).toBeUndefined();
});

describe("the checks judge curl's -v exchanges by the server's replies", () => {
    let dir: string;
    let savedPath: string | undefined;
    const PW = 'pa"ss w\\rd';
    const [h1, h2, h3, h4] = plan.advertisedAddress.split(".");
    const pasv = `${h1},${h2},${h3},${h4},156,69`; // port 40005
    // A stub curl: records its arguments, serves <dir>/srv/<folder>/ like vsftpd (USER refused without AUTH TLS, PASV,
    // STOR, RETR, NLST, DELE from -Q), printing the exchange on stderr as curl -v does (CRLF replies). STUB_* change it.
    const stub = () => {
        const script = String.raw`#!/bin/bash
echo "$*" >>"$STUB_DIR/calls"
tls=0 head=0 list=0 up="" out="" quotes=() conf=""
while [ $# -gt 1 ]; do
    case "$1" in
        --ssl-reqd) tls=1 ;;
        -I) head=1 ;;
        -l) list=1 ;;
        -T) up="$2"; shift ;;
        -o) out="$2"; shift ;;
        -K) conf="$2"; shift ;;
        -Q) quotes+=("$2"); shift ;;
        --connect-timeout|--max-time|--proto|--resolve|--cacert) shift ;;
    esac
    shift
done
cp "$conf" "$STUB_DIR/last.conf"; cp "$conf" "$STUB_DIR/conf.$(wc -l <"$STUB_DIR/calls")"
url="$1"; p="${"$"}{url#ftp://*/}"; srv="$STUB_DIR/srv"
r() { printf '< %s\r\n' "$1" >&2; }
r "220 ${"$"}{STUB_BANNER:-${FTP_BANNER}}"
if [ "$tls" = 0 ]; then
    printf '> USER svc-acceptance\r\n' >&2; r "${"$"}{STUB_PLAIN:-${PLAIN_REFUSED}}"; echo "curl: (67) Access denied: 530" >&2; exit 67
fi
printf '> AUTH SSL\r\n' >&2; r "234 Proceed with negotiation."
if [ -n "$STUB_CERT" ]; then echo "curl: (60) SSL certificate problem: unable to get local issuer certificate" >&2; exit 60; fi
printf '*  SSL certificate verify ok.\n' >&2
r "331 Please specify the password."; r "230 Login successful."; r "257 \"/\" is the current directory"
for q in "${"$"}{quotes[@]}"; do
    f="$srv/${"$"}{q#DELE /}"
    if [ -e "$f" ] && [ -z "$STUB_NODELE" ]; then rm "$f"; r "250 Delete operation successful."; else r "550 Delete operation failed."; echo "curl: (21) QUOT command failed with 550" >&2; exit 21; fi
done
[ "$head" = 1 ] && exit 0
r "227 Entering Passive Mode (${"$"}{STUB_PASV}).";
if [ -n "$up" ]; then mkdir -p "$srv/$(dirname "$p")"; cp "$up" "$srv/$p"; r "150 Ok to send data."; r "226 Transfer complete."; exit 0; fi
if [ "$list" = 1 ]; then ls "$srv/$p" >"$out"; r "150 Here comes the directory listing."; r "226 Directory send OK."; exit 0; fi
if [ -e "$srv/$p" ]; then cp "$srv/$p" "$out"; [ -n "$STUB_CORRUPT" ] && printf x >>"$out"; r "226 Transfer complete."; exit 0; fi
r "550 Failed to open file."; echo "curl: (78) The file does not exist" >&2; exit 78
`;
        writeFileSync(path.join(dir, "curl"), script);
        chmodSync(path.join(dir, "curl"), 0o755);
        // A stub openssl: records its arguments; s_client's output after AUTH TLS (a verified TLS 1.3 session), or a refusal.
        const ossl = [
            "#!/bin/sh",
            'echo "openssl $*" >>"$STUB_DIR/calls"',
            'if [ -n "$STUB_NOAUTHTLS" ]; then echo "CONNECTED(00000003)"; echo "40A7B1F2:error:0A00010B:SSL routines:ssl3_get_record:wrong version number"; exit 1; fi',
            "printf 'CONNECTED(00000003)\\n---\\nNew, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384\\nVerify return code: 0 (ok)\\n---\\nDONE\\n'",
            "",
        ].join("\n");
        writeFileSync(path.join(dir, "openssl"), ossl);
        chmodSync(path.join(dir, "openssl"), 0o755);
    };
    const STUB_KEYS = ["STUB_DIR", "STUB_BANNER", "STUB_PLAIN", "STUB_CERT", "STUB_NODELE", "STUB_PASV", "STUB_CORRUPT", "STUB_NOAUTHTLS"];
    beforeEach(() => {
        dir = mkdtempSync(path.join(tmpdir(), "billu-ftp-acc-"));
        mkdirSync(path.join(dir, "srv", "dsi"), { recursive: true });
        mkdirSync(path.join(dir, "work"));
        stub();
        savedPath = process.env.PATH;
        process.env.PATH = `${dir}:${process.env.PATH}`;
        process.env.STUB_DIR = dir;
        process.env.STUB_PASV = pasv;
    });
    afterEach(() => {
        process.env.PATH = savedPath;
        for (const k of STUB_KEYS) delete process.env[k];
        rmSync(dir, { recursive: true, force: true });
    });
    const run = async (env: Record<string, string> = {}) => {
        Object.assign(process.env, env);
        const input = {
            model: dev,
            outputs: { caCertPem: "CA" },
            account: { name: "svc-acceptance", password: PW },
            workDir: path.join(dir, "work"),
            acceptNewHostKeys: false,
        };
        const [r] = await runScenarios([ftpScenario], input);
        return r;
    };
    const observed = (r: Awaited<ReturnType<typeof run>>) => r.checks.map((c) => [c.ok, c.observed]);

    test("a server that answers as vsftpd does: every step passes, nothing is left, the password never on a command line", async () => {
        writeFileSync(path.join(dir, "srv", "dsi", "billu-acceptance-0123456789ab.txt"), "left by an earlier run");
        writeFileSync(path.join(dir, "srv", "dsi", "report.pdf"), "a person's file");
        const r = await run();
        expect(observed(r)).toEqual([
            [
                true,
                `220 ${FTP_BANNER}; 234 Proceed with negotiation. (to AUTH SSL); AUTH TLS: a TLSv1.3 session; certificate verified for par-ftp01.billu.remindme.lan`,
            ],
            [true, PLAIN_REFUSED],
            [true, "230 Login successful.; /dsi/ listed (226, 2 entries)"],
            [
                true,
                expect.stringMatching(
                    new RegExp(
                        `^226 Transfer complete\\. \\(billu-acceptance-[0-9a-f]{12}\\.txt\\), PASV ${plan.advertisedAddress.replace(/\./g, "\\.")}:40005$`,
                    ),
                ),
            ],
            [true, expect.stringMatching(/^the same bytes \(SHA-256 [0-9a-f]{12}\)$/)],
            [true, "deleted (with 1 left by earlier runs), none left"],
        ]);
        expect(r.ok).toBe(true);
        // Only the test files went; a person's file stays.
        expect(readdirSync(path.join(dir, "srv", "dsi"))).toEqual(["report.pdf"]);
        const calls = readFileSync(path.join(dir, "calls"), "utf8");
        expect(calls).not.toContain('pa"ss');
        expect(calls).toContain(
            `openssl s_client -starttls ftp -connect ${plan.host.address}:21 -servername par-ftp01.billu.remindme.lan -CAfile ${dir}/work/ftp-ca.pem -verify_hostname par-ftp01.billu.remindme.lan -verify_return_error\n`,
        );
        expect(calls).toContain(`--resolve par-ftp01.billu.remindme.lan:21:${plan.host.address} -K ${dir}/work/ftp-curl.conf`);
        expect(calls).toContain(`--ssl-reqd --cacert ${dir}/work/ftp-ca.pem --ftp-pasv --disable-epsv --no-ftp-skip-pasv-ip`);
        expect(calls).toMatch(/-Q DELE \/dsi\/billu-acceptance-0123456789ab\.txt -Q DELE \/dsi\/billu-acceptance-[0-9a-f]{12}\.txt -l -o /);
        // The credentials in a 0600 config file, quoted for curl (its last use: a TLS session).
        expect(readFileSync(path.join(dir, "last.conf"), "utf8")).toBe('user = "svc-acceptance:pa\\"ss w\\\\rd"\n');
        expect(statSync(path.join(dir, "work", "ftp-curl.conf")).mode & 0o777).toBe(0o600);
    });
    test("the plaintext attempt sends the account's name without its password", async () => {
        await run();
        const calls = readFileSync(path.join(dir, "calls"), "utf8").split("\n");
        expect(calls[1]).toMatch(/^openssl s_client /); // the greeting step's AUTH TLS
        expect(calls[2]).not.toContain("--ssl-reqd");
        expect(readFileSync(path.join(dir, "conf.3"), "utf8")).toBe('user = "svc-acceptance:"\n');
        expect(readFileSync(path.join(dir, "conf.1"), "utf8")).toBe('user = "svc-acceptance:pa\\"ss w\\\\rd"\n');
    });
    test("another greeting fails the first step, naming it", async () => {
        const r = await run({ STUB_BANNER: "(vsFTPd 3.0.3)" });
        expect(r.checks[0]).toMatchObject({
            ok: false,
            observed: `220 (vsFTPd 3.0.3); 234 Proceed with negotiation. (to AUTH SSL); AUTH TLS: a TLSv1.3 session; certificate verified for par-ftp01.billu.remindme.lan`,
        });
    });
    test("a server that refuses AUTH TLS (openssl gets no session) fails the first step with openssl's last line", async () => {
        const r = await run({ STUB_NOAUTHTLS: "1" });
        expect(r.checks[0]).toMatchObject({
            ok: false,
            observed: `220 ${FTP_BANNER}; 234 Proceed with negotiation. (to AUTH SSL); AUTH TLS: no verified session (openssl exit 1: 40A7B1F2:error:0A00010B:SSL routines:ssl3_get_record:wrong version number); certificate verified for par-ftp01.billu.remindme.lan`,
        });
    });
    test("a certificate the site CA did not sign fails the first step with curl's reason", async () => {
        const r = await run({ STUB_CERT: "1" });
        expect(r.checks[0]).toMatchObject({
            ok: false,
            observed: `220 ${FTP_BANNER}; 234 Proceed with negotiation. (to AUTH SSL); AUTH TLS: a TLSv1.3 session; certificate not verified (curl exit 60: curl: (60) SSL certificate problem: unable to get local issuer certificate; last reply: 234 Proceed with negotiation.)`,
        });
        expect(r.checks.slice(2).every((c) => !c.ok)).toBe(true);
    });
    test("a plaintext login let through (331 then a 530 for the empty password) fails: not the encryption refusal", async () => {
        const r = await run({ STUB_PLAIN: "530 Login incorrect." });
        expect(r.checks[1]).toMatchObject({ ok: false, observed: "530 Login incorrect." });
    });
    test("a PASV reply with another address than the model's fails the upload, naming both", async () => {
        const r = await run({ STUB_PASV: "192,0,2,10,156,69" });
        expect(r.checks[3]).toMatchObject({
            ok: false,
            observed: expect.stringMatching(/^226 Transfer complete\. \(billu-acceptance-[0-9a-f]{12}\.txt\), PASV 192\.0\.2\.10:40005$/),
        });
        expect(r.checks[3].expected).toBe(`226, through the model's PASV address ${plan.advertisedAddress} and a port of 40000-40099`);
    });
    test("a port outside the model's range fails the upload", async () => {
        const r = await run({ STUB_PASV: `${h1},${h2},${h3},${h4},200,0` });
        expect(r.checks[3]).toMatchObject({ ok: false, observed: expect.stringMatching(/, PASV [\d.]+:51200$/) });
    });
    test("other bytes back fail the download step with both checksums", async () => {
        const r = await run({ STUB_CORRUPT: "1" });
        expect(r.checks[4]).toMatchObject({ ok: false, observed: expect.stringMatching(/^other bytes: SHA-256 [0-9a-f]{12}, sent [0-9a-f]{12}$/) });
    });
    test("a refused DELE fails the clean-up with the server's reply; the test file stays (the next run deletes it)", async () => {
        const r = await run({ STUB_NODELE: "1" });
        expect(r.checks[5]).toMatchObject({
            ok: false,
            observed: "curl exit 21: curl: (21) QUOT command failed with 550; last reply: 550 Delete operation failed.",
        });
        expect(readdirSync(path.join(dir, "srv", "dsi"))).toEqual([expect.stringMatching(/^billu-acceptance-[0-9a-f]{12}\.txt$/)]);
    });
    test("prod's account refused by billu:ftp.allowedGroups: the login steps fail with the reason, contacting nothing for them", async () => {
        const prod = modelOf("prod");
        const input = {
            model: prod,
            outputs: { caCertPem: "CA" },
            account: { name: "svc-acceptance", password: PW },
            workDir: path.join(dir, "work"),
            acceptNewHostKeys: false,
        };
        const [r] = await runScenarios([ftpScenario], input);
        const reason =
            "svc-acceptance is in none of billu:ftp.allowedGroups (GG_Personnel; its groups: GG_DSI), so vsftpd's PAM refuses it: add GG_DSI (its department's group) to billu:ftp.allowedGroups";
        expect(r.checks.slice(2).map((c) => [c.ok, c.observed])).toEqual([
            [false, reason],
            [false, reason],
            [false, reason],
            [false, reason],
        ]);
        expect(readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n")).toHaveLength(3); // the greeting (curl, openssl) and the plaintext attempt
    });
});
