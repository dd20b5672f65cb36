/**
 * Open a ticket (billu:assets, model/assets.ts, issue #21): BillU's acceptance test "open a ticket", through GLPI's REST
 * API (apirest.php, GLPI's apirest.md): initSession with the API client's App-Token and the acceptance user's
 * user_token, POST a Ticket (an incident named `billu-acceptance-<12 hex>`), GET it back (same id, same name), DELETE
 * it with force_purge (the clean-up), GET it again (404: it is gone), killSession. What is expected comes from the
 * model (GLPI's URL, address and name); the tokens from the file BILLU_GLPI_API_TOKENS names (0600, `app_token=` and
 * `user_token=` lines; the stack does not create the API client nor the user token yet: docs/services/assets.md).
 *
 * Every request goes to the plan's address of the GLPI server, its certificate verified against the site CA (the
 * outputs' caCertPem) for GLPI's FQDN; each bounded (10 s). The ticket is deleted even when reading it back failed;
 * the session is closed in any case. No token is printed.
 */
import { randomBytes } from "crypto";
import * as https from "https";
import * as tls from "tls";
import type { AssetsPlan } from "../../../model/assets";
import { readKeyFile } from "../key-file";
import type { Check, Scenario, ScenarioInput } from "../types";

export const TOKENS_ENV = "BILLU_GLPI_API_TOKENS";
export const REQUEST_MS = 10_000;
/** The names the scenario gives its tickets: an earlier run's leftovers are recognisable by them. */
export const TICKET_NAME = /^billu-acceptance-[0-9a-f]{12}$/;

export interface GlpiApi {
    readonly address: string;
    readonly port: number;
    readonly fqdn: string;
    readonly caPem: string;
    readonly timeoutMs?: number;
}

export interface GlpiTokens {
    readonly appToken: string;
    readonly userToken: string;
}

/** The tokens from the file BILLU_GLPI_API_TOKENS names: bad input (exit 2) when unset, unreadable, open to others or incomplete. */
export function readTokens(file: string | undefined): GlpiTokens {
    const fix = `write a 0600 file with two lines, app_token=<the API client's App-Token> and user_token=<the acceptance user's API token> (GLPI: Setup > General > API, and the user's Remote access key), and set ${TOKENS_ENV}=<that file>`;
    const t = readKeyFile(TOKENS_ENV, file, ["app_token", "user_token"], "the ticket scenario logs on to GLPI's REST API", fix);
    return { appToken: t.app_token, userToken: t.user_token };
}

interface Answer {
    readonly status: number;
    readonly body: unknown;
}

/** One request to apirest.php, pinned to the address, the certificate verified for the FQDN; bounded. */
function request(api: GlpiApi, method: string, pathname: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const timeoutMs = api.timeoutMs ?? REQUEST_MS;
    return new Promise((resolve, reject) => {
        const req = https.request(
            {
                host: api.address,
                servername: api.fqdn,
                port: api.port,
                path: `/apirest.php/${pathname}`,
                method,
                // One connection per request: a kept-alive socket to a GLPI restarted meanwhile would fail as "socket hang up".
                agent: false,
                ca: api.caPem,
                minVersion: "TLSv1.2",
                // The name checked is GLPI's FQDN, whatever address was dialled.
                checkServerIdentity: (_h, cert) => tls.checkServerIdentity(api.fqdn, cert),
                headers: {
                    Host: api.port === 443 ? api.fqdn : `${api.fqdn}:${api.port}`,
                    "Content-Type": "application/json",
                    ...headers,
                    ...(data !== undefined ? { "Content-Length": String(Buffer.byteLength(data)) } : {}),
                },
                timeout: timeoutMs,
            },
            (res) => {
                let text = "";
                res.on("data", (d: Buffer) => (text += d.toString()));
                res.on("end", () => {
                    let parsed: unknown = text;
                    try {
                        parsed = text === "" ? "" : JSON.parse(text);
                    } catch {
                        // GLPI answers JSON; anything else is reported as text.
                    }
                    resolve({ status: res.statusCode ?? 0, body: parsed });
                });
            },
        );
        req.on("timeout", () => req.destroy(new Error(`${method} ${pathname}: no answer within ${timeoutMs / 1000} s`)));
        req.on("error", (e: NodeJS.ErrnoException) => reject(new Error(`${method} ${pathname}: ${e.code ? `${e.code}: ` : ""}${e.message}`)));
        req.end(data);
    });
}

/** GLPI's error answers are `["ERROR_...", "message"]`: shown as such, anything else as JSON (cut). */
function shown(a: Answer): string {
    const b = Array.isArray(a.body) && typeof a.body[0] === "string" ? a.body.join(": ") : JSON.stringify(a.body);
    return `HTTP ${a.status} ${String(b).slice(0, 200)}`;
}

export interface TicketRun {
    readonly session: { ok: boolean; observed: string };
    readonly create: { ok: boolean; observed: string };
    readonly read: { ok: boolean; observed: string };
    readonly remove: { ok: boolean; observed: string };
    readonly gone: { ok: boolean; observed: string };
}

const skipped = (why: string) => ({ ok: false, observed: `not done: ${why}` });

/** The whole exchange: session, ticket opened, read back, deleted, checked gone, session closed. */
export async function openTicket(api: GlpiApi, tokens: GlpiTokens, name = `billu-acceptance-${randomBytes(6).toString("hex")}`): Promise<TicketRun> {
    const app = { "App-Token": tokens.appToken };
    const init = await request(api, "GET", "initSession", { ...app, Authorization: `user_token ${tokens.userToken}` });
    const token = (init.body as { session_token?: unknown })?.session_token;
    if (init.status !== 200 || typeof token !== "string" || token === "") {
        const why = "no session";
        return {
            session: { ok: false, observed: `initSession: ${shown(init)}` },
            create: skipped(why),
            read: skipped(why),
            remove: skipped(why),
            gone: skipped(why),
        };
    }
    const h = { ...app, "Session-Token": token };
    const session = { ok: true, observed: "initSession: HTTP 200, a session token" };
    try {
        const content = "Ticket ouvert par le scénario de recette (npm run acceptance): il est supprimé à la fin du scénario.";
        const add = await request(api, "POST", "Ticket", h, { input: { name, content, type: 1, urgency: 3 } });
        const id = (add.body as { id?: unknown })?.id;
        if (add.status !== 201 || typeof id !== "number") {
            const why = "no ticket was opened";
            return { session, create: { ok: false, observed: `POST Ticket: ${shown(add)}` }, read: skipped(why), remove: skipped(why), gone: skipped(why) };
        }
        const create = { ok: true, observed: `POST Ticket: HTTP 201, ticket ${id} "${name}"` };
        const got = await request(api, "GET", `Ticket/${id}`, h);
        const item = got.body as { id?: unknown; name?: unknown };
        const read =
            got.status === 200 && item?.id === id && item?.name === name
                ? { ok: true, observed: `GET Ticket/${id}: HTTP 200, named "${name}"` }
                : { ok: false, observed: `GET Ticket/${id}: ${shown(got)}` };
        // Deleted whatever the read said: a run leaves no ticket behind.
        const del = await request(api, "DELETE", `Ticket/${id}?force_purge=true`, h);
        // 200 answers `[{"<id>": true, "message": ""}]`; an error answers `["ERROR_...", "message"]` (strings, not objects).
        const entry = Array.isArray(del.body)
            ? (del.body as unknown[]).find((e): e is Record<string, unknown> => typeof e === "object" && e !== null && String(id) in e)
            : undefined;
        const remove =
            del.status === 204 || (del.status === 200 && entry?.[String(id)] === true)
                ? { ok: true, observed: `DELETE Ticket/${id}?force_purge=true: HTTP ${del.status}` }
                : { ok: false, observed: `DELETE Ticket/${id}?force_purge=true: ${shown(del)}` };
        const after = await request(api, "GET", `Ticket/${id}`, h);
        const gone =
            after.status === 404
                ? { ok: true, observed: `GET Ticket/${id}: HTTP 404 (purged)` }
                : { ok: false, observed: `GET Ticket/${id} after the delete: ${shown(after)}` };
        return { session, create, read, remove, gone };
    } finally {
        await request(api, "GET", "killSession", h).catch(() => undefined);
    }
}

/** Where the API is, from the model: GLPI's address and FQDN, the port of its URL. */
export function glpiApi(plan: AssetsPlan, caPem: string): GlpiApi {
    const url = new URL(plan.url);
    return { address: plan.host.address, port: url.port === "" ? 443 : Number(url.port), fqdn: plan.fqdn, caPem };
}

export const ticketScenario: Scenario = {
    name: "ticket",
    title: "open a ticket in GLPI through its REST API, read it back, delete it",
    skip: (m) => (m.plan<AssetsPlan>("assets") ? undefined : "the site has no GLPI server (billu:assets)"),
    checks: (input: ScenarioInput) => {
        const plan = input.model.plan<AssetsPlan>("assets")!;
        const tokens = input.dryRun ? undefined : readTokens(process.env[TOKENS_ENV]);
        const api = glpiApi(plan, typeof input.outputs.caCertPem === "string" ? input.outputs.caCertPem : "");
        const contacts = [`${plan.fqdn} at ${api.address} (https tcp/${api.port})`];
        let seen: Promise<TicketRun> | undefined;
        const once = () => {
            if (!api.caPem.includes("BEGIN CERTIFICATE")) return Promise.reject(new Error("the outputs have no caCertPem (the site CA)"));
            return (seen ??= openTicket(api, tokens!));
        };
        const step = (name: string, expected: string, pick: (r: TicketRun) => { ok: boolean; observed: string }): Check => ({
            name,
            expected,
            contacts,
            run: async () => pick(await once()),
        });
        return [
            step(
                `GLPI's REST API at ${plan.url}/apirest.php opens a session (App-Token and user_token)`,
                `initSession answers 200 with a session token, over TLS verified against the site CA for ${plan.fqdn}`,
                (r) => r.session,
            ),
            step("a ticket is opened (POST Ticket)", "201 with the new ticket's id", (r) => r.create),
            step("the ticket reads back (GET Ticket/<id>)", "200, the same id and name", (r) => r.read),
            step("the ticket is deleted (DELETE Ticket/<id>?force_purge=true)", "200 with the id true, or 204", (r) => r.remove),
            step("the ticket is gone (GET Ticket/<id>)", "404: the run leaves no ticket behind", (r) => r.gone),
        ];
    },
};
