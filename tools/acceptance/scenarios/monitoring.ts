/**
 * Monitoring: every host the model monitors is green in Zabbix (billu:monitoring, model/monitoring.ts), as the API of
 * the Zabbix server (PAR-MON01) answers it over HTTPS. What to expect comes from the model: the hosts, their host
 * groups and templates are the Zabbix configuration document the model renders (components/monitoring/config-input.ts,
 * the document the configuration step applies), the severity floor is billu:monitoring.alerts.minSeverity. Never
 * from Zabbix itself.
 *
 * Per host: it exists (host.get by its name), it is in every planned host group, it has every planned template, its
 * agent interface is available (interface `available` 1; `active_available` not 2), and no trigger of severity >=
 * the floor is in problem state on it (trigger.get, value 1, monitored). The report names each failing host and why.
 *
 * The API: `<frontendUrl>api_jsonrpc.php`, the connection pinned to the plan's address of the server, its certificate
 * verified against the site CA (the outputs' caCertPem) for the frontend's name. The account: a 0600 file named by
 * BILLU_ZABBIX_CREDENTIALS with `username=` and `password=` lines (zabbix-config.py's --credentials format): a
 * read-only account is enough (a Zabbix user of role "User" with read on the site's host groups); the password is
 * never printed. It logs out at the end; nothing is changed. BILLU_MONITORING_HOSTS=<a,b> (labs only) checks these
 * monitored hosts only (a lab runs agents for some of the model's hosts).
 */
import * as https from "https";
import { InputError } from "../../../model/errors";
import { MonitoringPlan, RemoteMonitoringPlan, SEVERITIES, Severity } from "../../../model/monitoring";
import type { SiteModel } from "../../../model/site";
import { zabbixConfigInput } from "../../../components/monitoring/config-input";
import { renderZabbixConfig, type ZbxHost } from "../../../components/monitoring/zabbix-config";
import { readKeyFile } from "../key-file";
import type { Check, Scenario, ScenarioInput } from "../types";

export const CREDENTIALS_ENV = "BILLU_ZABBIX_CREDENTIALS";
export const HOSTS_ENV = "BILLU_MONITORING_HOSTS";
const REQUEST_MS = 10_000;

/** One host as host.get answers it (selectGroups, selectParentTemplates, selectInterfaces). */
export interface HostAnswer {
    readonly host: string;
    readonly active_available?: string;
    readonly groups?: readonly { readonly name: string }[];
    readonly parentTemplates?: readonly { readonly host: string }[];
    readonly interfaces?: readonly { readonly type?: string; readonly available: string; readonly error?: string }[];
}

/** One trigger in problem state as trigger.get answers it (selectHosts, expandDescription). */
export interface ProblemAnswer {
    readonly description: string;
    /** The severity's number (0 not classified .. 5 disaster). */
    readonly priority: string;
    readonly hosts: readonly { readonly host: string }[];
}

/** What the model expects of Zabbix: the document's hosts (filtered by BILLU_MONITORING_HOSTS) and the severity floor. */
export interface MonitoringExpectation {
    readonly plan: MonitoringPlan;
    readonly hosts: readonly ZbxHost[];
    readonly minSeverity: Severity;
}

const AVAILABLE: Record<string, string> = { "0": "unknown (not yet checked)", "1": "available", "2": "unavailable" };

/** Judges one host of the model against Zabbix's answers: ok, or every reason it is not. */
export function judgeHost(
    want: ZbxHost,
    answer: HostAnswer | undefined,
    problems: readonly ProblemAnswer[],
    minSeverity: Severity,
): { ok: boolean; observed: string } {
    if (!answer) return { ok: false, observed: `${want.host}: not in Zabbix (host.get finds no host of that name)` };
    const why: string[] = [];
    const groups = (answer.groups ?? []).map((g) => g.name);
    const lackGroups = want.groups.filter((g) => !groups.includes(g));
    if (lackGroups.length > 0) why.push(`not in host group ${lackGroups.join(", ")} (it is in ${groups.join(", ") || "none"})`);
    const templates = (answer.parentTemplates ?? []).map((t) => t.host);
    const lackTemplates = want.templates.filter((t) => !templates.includes(t));
    if (lackTemplates.length > 0) why.push(`lacks template ${lackTemplates.join(", ")} (it has ${templates.join(", ") || "none"})`);
    // The agent interface (type 1); an answer without types is the agent's alone.
    const agent = (answer.interfaces ?? []).find((i) => i.type === undefined || i.type === "1");
    if (!agent) why.push("has no agent interface");
    else if (agent.available !== "1")
        why.push(`its agent interface is ${AVAILABLE[agent.available] ?? `available=${agent.available}`}${agent.error ? `: ${agent.error}` : ""}`);
    if (answer.active_available === "2") why.push("its active checks are unavailable (active_available=2)");
    const floor = SEVERITIES.indexOf(minSeverity);
    for (const p of problems) {
        const sev = Number(p.priority);
        if (sev >= floor && p.hosts.some((h) => h.host === want.host))
            why.push(`open problem "${p.description}" (severity ${SEVERITIES[sev] ?? p.priority}, at or above ${minSeverity})`);
    }
    if (why.length > 0) return { ok: false, observed: `${want.host}: ${why.join("; ")}` };
    return {
        ok: true,
        observed: `${want.host}: in ${want.groups.join(", ")}; ${want.templates.join(", ")}; agent available; no problem at or above ${minSeverity}`,
    };
}

/** The hosts and severity floor the model expects; undefined when the site renders no Zabbix configuration. */
export function expectation(model: SiteModel, only: string | undefined): MonitoringExpectation | undefined {
    const plan = model.plan<MonitoringPlan>("monitoring");
    if (!plan?.alerting) return undefined;
    const input = zabbixConfigInput(plan, model.site.company);
    if (!input) return undefined;
    let hosts = renderZabbixConfig(input).hosts;
    if (only !== undefined) {
        const names = only
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s !== "");
        const unknown = names.filter((n) => !hosts.some((h) => h.host === n));
        if (names.length === 0 || unknown.length > 0)
            throw new InputError([
                {
                    path: HOSTS_ENV,
                    message: `${JSON.stringify(only)}: ${unknown.length > 0 ? `${unknown.join(", ")} is not a host the model monitors` : "names no host"}`,
                    fix: `name hosts among ${hosts.map((h) => h.host).join(", ")}, or unset it (every monitored host)`,
                },
            ]);
        hosts = hosts.filter((h) => names.includes(h.host));
    }
    return { plan, hosts, minSeverity: plan.alerting.minSeverity };
}

/** The API account from the file BILLU_ZABBIX_CREDENTIALS names: bad input (exit 2) when unset, unreadable, open to others or incomplete. */
export function readCredentials(file: string | undefined): { username: string; password: string } {
    const fix = `write a 0600 file with two lines, username=<API user> and password=<its password> (a read-only Zabbix user is enough), and set ${CREDENTIALS_ENV}=<that file>`;
    return readKeyFile(CREDENTIALS_ENV, file, ["username", "password"], "the monitoring scenario logs on to the Zabbix API", fix);
}

/** One JSON-RPC call, pinned to `address`, the certificate verified against `ca` for `url`'s name; bounded. */
function rpc(url: URL, address: string, ca: string, method: string, params: unknown, auth: string | null): Promise<unknown> {
    const body = JSON.stringify({ jsonrpc: "2.0", method, params, id: 1, ...(auth ? { auth } : {}) });
    return new Promise((resolve, reject) => {
        const req = https.request(
            {
                host: address,
                servername: url.hostname,
                port: url.port === "" ? 443 : Number(url.port),
                path: url.pathname,
                method: "POST",
                ca,
                headers: { Host: url.host, "Content-Type": "application/json-rpc", "Content-Length": Buffer.byteLength(body) },
                timeout: REQUEST_MS,
            },
            (res) => {
                let data = "";
                res.on("data", (d: Buffer) => (data += d.toString()));
                res.on("end", () => {
                    if (res.statusCode !== 200) return reject(new Error(`${method}: HTTP ${res.statusCode}`));
                    try {
                        const r = JSON.parse(data) as { result?: unknown; error?: { message: string; data?: string } };
                        if (r.error) return reject(new Error(`${method}: ${r.error.message} ${r.error.data ?? ""}`.trim()));
                        resolve(r.result);
                    } catch {
                        reject(new Error(`${method}: not a JSON-RPC answer`));
                    }
                });
            },
        );
        req.on("timeout", () => req.destroy(new Error(`${method}: no answer within ${REQUEST_MS / 1000} s`)));
        req.on("error", (e) => reject(e));
        req.end(body);
    });
}

/** Logs on, reads the hosts and the open problems at or above the floor, logs out. */
async function observe(input: ScenarioInput, exp: MonitoringExpectation, creds: { username: string; password: string }) {
    const url = new URL("api_jsonrpc.php", exp.plan.frontendUrl);
    const ca = input.outputs.caCertPem ?? "";
    const call = (m: string, p: unknown, auth: string | null) => rpc(url, exp.plan.host.address, ca, m, p, auth);
    const auth = (await call("user.login", { username: creds.username, password: creds.password }, null)) as string;
    try {
        const names = exp.hosts.map((h) => h.host);
        const hosts = (await call(
            "host.get",
            {
                filter: { host: names },
                output: ["host", "active_available"],
                selectGroups: ["name"],
                selectParentTemplates: ["host"],
                selectInterfaces: ["type", "available", "error"],
            },
            auth,
        )) as HostAnswer[];
        const problems = (await call(
            "trigger.get",
            {
                filter: { value: 1 },
                min_severity: SEVERITIES.indexOf(exp.minSeverity),
                monitored: true,
                skipDependent: true,
                expandDescription: true,
                output: ["description", "priority"],
                selectHosts: ["host"],
            },
            auth,
        )) as ProblemAnswer[];
        return { hosts, problems };
    } finally {
        await call("user.logout", [], auth).catch(() => undefined);
    }
}

export const monitoringScenario: Scenario = {
    name: "monitoring",
    title: "monitoring green for every host: in Zabbix with its groups and templates, its agent available, no open problem",
    skip: (m) =>
        !m.plan<MonitoringPlan>("monitoring")
            ? "the site has no monitoring server (billu:monitoring)"
            : (m.plan<MonitoringPlan | RemoteMonitoringPlan>("monitoring") as MonitoringPlan | RemoteMonitoringPlan).remote
              ? `the site has no monitoring server of its own: ${m.plan<RemoteMonitoringPlan>("monitoring")!.host.name}, its VPN partner's (billu:monitoring.remoteServer), watches its hosts`
              : !m.plan<MonitoringPlan>("monitoring")!.alerting
                ? "the site's monitoring plan sends no alert mail (no mail server or directory), so the configuration step configures no Zabbix host"
                : undefined,
    checks: (input) => {
        const exp = expectation(input.model, process.env[HOSTS_ENV])!;
        const creds = input.dryRun ? undefined : readCredentials(process.env[CREDENTIALS_ENV]);
        const api = `${exp.plan.host.address}:${new URL(exp.plan.frontendUrl).port || 443} (${new URL("api_jsonrpc.php", exp.plan.frontendUrl).href})`;
        let seen: ReturnType<typeof observe> | undefined;
        const once = () => (seen ??= observe(input, exp, creds!));
        const login: Check = {
            name: `the Zabbix API of ${exp.plan.host.name} answers over HTTPS (site CA) and lets the account log on`,
            expected: `user.login, host.get and trigger.get answered at ${exp.plan.frontendUrl}api_jsonrpc.php`,
            contacts: [api],
            run: async () => {
                const r = await once();
                return {
                    ok: true,
                    observed: `logged on as ${creds!.username}; ${r.hosts.length} of ${exp.hosts.length} hosts found, ${r.problems.length} open problems at or above ${exp.minSeverity}`,
                };
            },
        };
        return [
            login,
            ...exp.hosts.map((want): Check => ({
                name: `${want.host} is green in Zabbix`,
                expected: `in ${want.groups.join(", ")}; templates ${want.templates.join(", ")}; agent available; no open problem at or above ${exp.minSeverity}`,
                contacts: [api],
                run: async () => {
                    const r = await once();
                    return judgeHost(
                        want,
                        r.hosts.find((h) => h.host === want.host),
                        r.problems,
                        exp.minSeverity,
                    );
                },
            })),
        ];
    },
};
