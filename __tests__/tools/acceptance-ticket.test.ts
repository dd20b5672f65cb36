/**
 * The ticket scenario (tools/acceptance/scenarios/ticket.ts) against an HTTPS server on this machine standing in for
 * GLPI's REST API: it answers with the shapes of GLPI's apirest.md (initSession -> {"session_token"}, POST
 * :itemtype -> 201 {"id"}, GET :itemtype/:id -> 200 the item or 404 ["ERROR_ITEM_NOT_FOUND", ...], DELETE with
 * force_purge -> 200 [{"<id>": true, "message": ""}], killSession -> 200; a wrong token -> 401
 * ["ERROR_GLPI_LOGIN_USER_TOKEN", ...]). The dev model's GLPI moved to 127.0.0.1 (its FQDN kept), a throwaway CA
 * standing in for the site CA. It never ran against a real GLPI: the stand-in is written from the documentation.
 */
import { execFileSync } from "child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as https from "https";
import type { AddressInfo } from "net";
import { tmpdir } from "os";
import * as path from "path";
import type { AssetsPlan } from "../../model/assets";
import { InputError } from "../../model/errors";
import type { SiteModel } from "../../model/site";
import { main } from "../../tools/acceptance";
import { runScenarios } from "../../tools/acceptance/runner";
import { glpiTokens, openTicket, readTokens, TICKET_NAME, ticketScenario, TOKENS_ENV } from "../../tools/acceptance/scenarios/ticket";
import { loadModel } from "../../stacks/program";
import { readBilluConfig } from "../../tools/stack-config";
import { ROOT } from "../helpers";

process.env.BILLU_PROJECT_ROOT = ROOT;
const dev = loadModel(readBilluConfig(path.join(ROOT, "Pulumi.dev.yaml")));
const glpi = dev.plan<AssetsPlan>("assets")!;

let dir: string;
const pem: Record<string, string> = {};
const APP = "app-token-of-the-lab";
const USER = "user-token-of-the-lab";

/** A CA and a server certificate for `name` signed by it (prefix `p`). */
function pki(p: string, name: string): void {
    const ossl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    ossl("req", "-x509", ...ec, "-keyout", `${p}ca.key`, "-out", `${p}ca.pem`, "-subj", `/CN=${p} CA`, "-days", "1");
    ossl("req", ...ec, "-keyout", `${p}srv.key`, "-out", `${p}srv.csr`, "-subj", `/CN=${name}`);
    writeFileSync(path.join(dir, `${p}srv.ext`), `subjectAltName=DNS:${name}\n`);
    ossl("x509", "-req", "-in", `${p}srv.csr`, "-CA", `${p}ca.pem`, "-CAkey", `${p}ca.key`, "-CAcreateserial", "-days", "1");
    ossl("x509", "-req", "-in", `${p}srv.csr`, "-CA", `${p}ca.pem`, "-CAkey", `${p}ca.key`, "-days", "1", "-extfile", `${p}srv.ext`, "-out", `${p}srv.pem`);
    for (const f of ["ca.pem", "srv.pem", "srv.key"]) pem[p + f] = readFileSync(path.join(dir, p + f), "utf8");
}

beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "billu-glpi-acc-"));
    pki("site", glpi.fqdn);
    pki("other", glpi.fqdn);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Fault = "none" | "no-delete" | "read-other-name";

/** GLPI's REST API as apirest.md documents it, in memory; every request recorded (method, path, tokens seen). */
async function glpiStandIn(p = "site", fault: Fault = "none") {
    const tickets = new Map<number, { id: number; name: string; content: string; type: number }>();
    const sessions = new Set<string>();
    const seen: string[] = [];
    let next = 41;
    const srv = https.createServer({ key: pem[p + "srv.key"], cert: pem[p + "srv.pem"] }, (req, res) => {
        let body = "";
        req.on("data", (d: Buffer) => (body += d.toString()));
        req.on("end", () => {
            const url = new URL(req.url!, "https://x");
            const send = (status: number, json?: unknown) => {
                res.writeHead(status, { "Content-Type": "application/json; charset=UTF-8" });
                res.end(json === undefined ? "" : JSON.stringify(json));
            };
            seen.push(`${req.method} ${url.pathname}${url.search}`);
            if (req.headers["app-token"] !== APP) return send(400, ["ERROR_WRONG_APP_TOKEN_PARAMETER", "parameter app_token seems wrong"]);
            const route = url.pathname.replace(/^\/apirest\.php\//, "");
            if (route === "initSession") {
                if (req.headers.authorization !== `user_token ${USER}`) return send(401, ["ERROR_GLPI_LOGIN_USER_TOKEN", "parameter user_token seems invalid"]);
                const t = `sess${sessions.size + 1}`;
                sessions.add(t);
                return send(200, { session_token: t });
            }
            const session = String(req.headers["session-token"] ?? "");
            if (!sessions.has(session)) return send(401, ["ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid"]);
            if (route === "killSession") {
                sessions.delete(session);
                return send(200);
            }
            const m = /^Ticket\/?(\d*)$/.exec(route);
            if (!m) return send(400, ["ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM", "resource not found"]);
            const id = Number(m[1]);
            if (req.method === "POST") {
                const input = (JSON.parse(body) as { input: { name: string; content: string; type: number } }).input;
                const t = { id: next++, ...input };
                tickets.set(t.id, t);
                return send(201, { id: t.id, message: "" });
            }
            if (req.method === "GET") {
                const t = tickets.get(id);
                if (!t) return send(404, ["ERROR_ITEM_NOT_FOUND", "Item not found"]);
                return send(200, fault === "read-other-name" ? { ...t, name: "someone else's" } : t);
            }
            if (req.method === "DELETE") {
                if (fault === "no-delete" || url.searchParams.get("force_purge") !== "true")
                    return send(400, ["ERROR_GLPI_DELETE", "You don't have permission to perform this action."]);
                tickets.delete(id);
                return send(200, [{ [String(id)]: true, message: "" }]);
            }
            send(405, ["ERROR_METHOD_NOT_ALLOWED", "method not allowed"]);
        });
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    return { port: (srv.address() as AddressInfo).port, seen, tickets, sessions, stop: () => new Promise<void>((r) => srv.close(() => r())) };
}

const api = (port: number, ca = pem["siteca.pem"]) => ({ address: "127.0.0.1", port, fqdn: glpi.fqdn, caPem: ca, timeoutMs: 3000 });

describe("openTicket against the stand-in", () => {
    test("opens a ticket, reads it back, purges it, sees it gone, closes the session: in that order, nothing left", async () => {
        const s = await glpiStandIn();
        const r = await openTicket(api(s.port), { appToken: APP, userToken: USER }, "billu-acceptance-0123456789ab");
        await s.stop();
        expect(r).toEqual({
            session: { ok: true, observed: "initSession: HTTP 200, a session token" },
            create: { ok: true, observed: 'POST Ticket: HTTP 201, ticket 41 "billu-acceptance-0123456789ab"' },
            read: { ok: true, observed: 'GET Ticket/41: HTTP 200, named "billu-acceptance-0123456789ab"' },
            remove: { ok: true, observed: "DELETE Ticket/41?force_purge=true: HTTP 200" },
            gone: { ok: true, observed: "GET Ticket/41: HTTP 404 (purged)" },
        });
        expect(s.seen).toEqual([
            "GET /apirest.php/initSession",
            "POST /apirest.php/Ticket",
            "GET /apirest.php/Ticket/41",
            "DELETE /apirest.php/Ticket/41?force_purge=true",
            "GET /apirest.php/Ticket/41",
            "GET /apirest.php/killSession",
        ]);
        expect([s.tickets.size, s.sessions.size]).toEqual([0, 0]);
    });
    test("a wrong user token: GLPI's error, nothing opened", async () => {
        const s = await glpiStandIn();
        const r = await openTicket(api(s.port), { appToken: APP, userToken: "wrong" });
        await s.stop();
        expect(r.session).toEqual({ ok: false, observed: "initSession: HTTP 401 ERROR_GLPI_LOGIN_USER_TOKEN: parameter user_token seems invalid" });
        expect(r.create).toEqual({ ok: false, observed: "not done: no session" });
        expect(s.seen).toEqual(["GET /apirest.php/initSession"]);
    });
    test("a ticket read back under another name fails the read, and is still purged", async () => {
        const s = await glpiStandIn("site", "read-other-name");
        const r = await openTicket(api(s.port), { appToken: APP, userToken: USER }, "billu-acceptance-aaaaaaaaaaaa");
        await s.stop();
        expect(r.read.ok).toBe(false);
        expect(r.read.observed).toMatch(/^GET Ticket\/41: HTTP 200 \{"id":41,"name":"someone else's"/);
        expect([r.remove.ok, r.gone.ok, s.tickets.size]).toEqual([true, true, 0]);
    });
    test("a delete GLPI refuses: the delete and the gone steps fail, naming GLPI's error, and the session is closed", async () => {
        const s = await glpiStandIn("site", "no-delete");
        const r = await openTicket(api(s.port), { appToken: APP, userToken: USER }, "billu-acceptance-bbbbbbbbbbbb");
        await s.stop();
        expect(r.remove).toEqual({
            ok: false,
            observed: "DELETE Ticket/41?force_purge=true: HTTP 400 ERROR_GLPI_DELETE: You don't have permission to perform this action.",
        });
        expect(r.gone.ok).toBe(false);
        expect(r.gone.observed).toMatch(/^GET Ticket\/41 after the delete: HTTP 200 /);
        expect(s.seen[s.seen.length - 1]).toBe("GET /apirest.php/killSession");
        expect(s.sessions.size).toBe(0);
    });
    test("another CA's certificate: refused before any token is sent; no server: refused", async () => {
        const s = await glpiStandIn("other");
        await expect(openTicket(api(s.port), { appToken: APP, userToken: USER })).rejects.toThrow(
            "GET initSession: UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate",
        );
        await s.stop();
        expect(s.seen).toEqual([]);
        await expect(openTicket(api(s.port), { appToken: APP, userToken: USER })).rejects.toThrow(`GET initSession: ECONNREFUSED`);
    });
    test("the ticket names are recognisable: billu-acceptance-<12 hex>", () => {
        expect(TICKET_NAME.test("billu-acceptance-0123456789ab")).toBe(true);
        expect(TICKET_NAME.test("billu-acceptance-xyz")).toBe(false);
    });
});

describe("the scenario", () => {
    test("through the runner, the dev model's GLPI moved to the stand-in: five passing steps; then the stand-in stopped: failing", async () => {
        const s = await glpiStandIn();
        const moved: SiteModel = Object.create(dev, {
            plan: {
                value: <T>(k: string) =>
                    k === "assets" ? ({ ...glpi, host: { ...glpi.host, address: "127.0.0.1" }, url: `https://${glpi.fqdn}:${s.port}` } as T) : dev.plan<T>(k),
            },
        });
        const work = mkdtempSync(path.join(tmpdir(), "billu-glpi-run-"));
        delete process.env[TOKENS_ENV];
        try {
            // The tokens from the stack's secret output, as `pulumi stack output --json --show-secrets` prints it (a JSON string).
            const glpiApiTokens = JSON.stringify({ appToken: APP, user: "svc-acceptance", userToken: USER });
            const input = { model: moved, outputs: { caCertPem: pem["siteca.pem"], glpiApiTokens }, workDir: work, acceptNewHostKeys: false };
            const [ok] = await runScenarios([ticketScenario], input);
            expect([ok.ok, ok.checks.map((c) => c.ok)]).toEqual([true, [true, true, true, true, true]]);
            expect(ok.checks[1].observed).toMatch(/^POST Ticket: HTTP 201, ticket 41 "billu-acceptance-[0-9a-f]{12}"$/);
            // No token in what the report shows.
            expect(JSON.stringify(ok)).not.toContain(USER);
            expect(JSON.stringify(ok)).not.toContain(APP);
            await s.stop();
            const [down] = await runScenarios([ticketScenario], input);
            expect(down.ok).toBe(false);
            expect(down.checks[0].observed).toBe(`GET initSession: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${s.port}`);
        } finally {
            delete process.env[TOKENS_ENV];
            rmSync(work, { recursive: true, force: true });
        }
    });
    test("prod's --dry-run lists it: five steps against its GLPI server (the plan's name and address), contacting nothing", async () => {
        const prod = loadModel(readBilluConfig(path.join(ROOT, "Pulumi.prod.yaml"))).plan<AssetsPlan>("assets")!;
        let out = "";
        const cwd = process.cwd();
        process.chdir(ROOT);
        try {
            expect(await main(["--stack", "prod", "--only", "ticket", "--dry-run"], (s) => (out += s))).toBe(0);
        } finally {
            process.chdir(cwd);
        }
        const at = `contacts ${prod.fqdn} at ${prod.host.address} (https tcp/443)`;
        expect(out.split("\n")).toEqual([
            "ticket: open a ticket in GLPI through its REST API, read it back, delete it (5 steps)",
            `    GLPI's REST API at https://${prod.fqdn}/apirest.php opens a session (App-Token and user_token): expects initSession answers 200 with a session token, over TLS verified against the site CA for ${prod.fqdn}; ${at}`,
            `    a ticket is opened (POST Ticket): expects 201 with the new ticket's id; ${at}`,
            `    the ticket reads back (GET Ticket/<id>): expects 200, the same id and name; ${at}`,
            `    the ticket is deleted (DELETE Ticket/<id>?force_purge=true): expects 200 with the id true, or 204; ${at}`,
            `    the ticket is gone (GET Ticket/<id>): expects 404: the run leaves no ticket behind; ${at}`,
            "",
        ]);
    });
    test("a site without GLPI: not run, saying why", () => {
        const without: SiteModel = Object.create(dev, { plan: { value: <T>(k: string) => (k === "assets" ? undefined : dev.plan<T>(k)) } });
        expect(ticketScenario.skip(without)).toBe("the site has no GLPI server (billu:assets)");
        expect(ticketScenario.skip(dev)).toBeUndefined();
    });
});

describe("the tokens' file (BILLU_GLPI_API_TOKENS)", () => {
    const fix =
        "write a 0600 file with two lines, app_token=<the API client's App-Token> and user_token=<the acceptance user's API token> (GLPI: Setup > General > API, and the user's Remote access key), and set BILLU_GLPI_API_TOKENS=<that file>";
    const problems = (f: () => unknown) => {
        try {
            f();
            return [];
        } catch (e) {
            return (e as InputError).problems.map((p) => `${p.path}: ${p.message} | ${p.fix}`);
        }
    };
    test("unset, open to others, incomplete: bad input naming the variable and the fix; a good file is read", () => {
        expect(problems(() => readTokens(undefined))).toEqual([`BILLU_GLPI_API_TOKENS: is not set (the ticket scenario logs on to GLPI's REST API) | ${fix}`]);
        const f = path.join(dir, "tokens");
        writeFileSync(f, "app_token=a\n");
        chmodSync(f, 0o644);
        expect(problems(() => readTokens(f))).toEqual([`BILLU_GLPI_API_TOKENS: ${f} is readable by others (mode 644) | ${fix}`]);
        chmodSync(f, 0o600);
        expect(problems(() => readTokens(f))).toEqual([`BILLU_GLPI_API_TOKENS: ${f} has no user_token= line | ${fix}`]);
        writeFileSync(f, "app_token = a b\nuser_token=c=d\n");
        expect(readTokens(f)).toEqual({ appToken: "a b", userToken: "c=d" });
    });
});

describe("the tokens from the stack (glpiApiTokens), the file an override", () => {
    const fix =
        "read the outputs with their secrets, without a file: --outputs <(pulumi stack output --json --show-secrets), or name a 0600 token file in BILLU_GLPI_API_TOKENS";
    const problems = (f: () => unknown) => {
        try {
            f();
            return [];
        } catch (e) {
            return (e as InputError).problems.map((p) => `${p.path}: ${p.message} | ${p.fix}`);
        }
    };
    const good = JSON.stringify({ appToken: "A".repeat(40), user: "svc-acceptance", userToken: "u".repeat(40) });
    test("read from the output (a JSON string, or an object); absent, [secret], not JSON, no app token: bad input naming --outputs and the fix", () => {
        expect(glpiTokens({ glpiApiTokens: good }, undefined)).toEqual({ appToken: "A".repeat(40), userToken: "u".repeat(40) });
        expect(glpiTokens({ glpiApiTokens: JSON.parse(good) }, "")).toEqual({ appToken: "A".repeat(40), userToken: "u".repeat(40) });
        expect(problems(() => glpiTokens({}, undefined))).toEqual([
            `--outputs: has no glpiApiTokens (the ticket scenario logs on to GLPI's REST API with the tokens the stack generated) | ${fix}`,
        ]);
        expect(problems(() => glpiTokens({ glpiApiTokens: "[secret]" }, undefined))).toEqual([
            `--outputs: holds glpiApiTokens as [secret] (written without --show-secrets) | ${fix}`,
        ]);
        expect(problems(() => glpiTokens({ glpiApiTokens: "{app" }, undefined))).toEqual([`--outputs: glpiApiTokens is not JSON | ${fix}`]);
        expect(problems(() => glpiTokens({ glpiApiTokens: "{}" }, undefined))).toEqual([`--outputs: glpiApiTokens has no appToken | ${fix}`]);
    });
    test("no user token (a directory without an acceptance account): bad input saying so", () => {
        expect(problems(() => glpiTokens({ glpiApiTokens: JSON.stringify({ appToken: "a" }) }, undefined))).toEqual([
            "--outputs: glpiApiTokens has no userToken: the directory has no acceptance account for GLPI to give an API token | declare billu:directory.acceptance and run pulumi up, or name a 0600 token file in BILLU_GLPI_API_TOKENS",
        ]);
    });
    test("BILLU_GLPI_API_TOKENS set: its file wins over the output (and its own errors are reported)", () => {
        const f = path.join(dir, "override");
        writeFileSync(f, "app_token=from-file\nuser_token=file-user\n");
        chmodSync(f, 0o600);
        expect(glpiTokens({ glpiApiTokens: good }, f)).toEqual({ appToken: "from-file", userToken: "file-user" });
        expect(glpiTokens({}, f)).toEqual({ appToken: "from-file", userToken: "file-user" });
        chmodSync(f, 0o644);
        expect(problems(() => glpiTokens({ glpiApiTokens: good }, f))[0]).toMatch(/^BILLU_GLPI_API_TOKENS: .* is readable by others \(mode 644\)/);
    });
});
