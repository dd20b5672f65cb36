/**
 * Web: the DMZ web server's two sites as BillU's users and the internet see them (billu:web, model/web.ts).
 *   --side inside (the default, a host of a zone of billu:web.intranet.allowedFrom): the intranet and the public site
 *     answer at the web server's address with their own index.html (the model's content, compared by SHA-256), the
 *     intranet's http redirects to https;
 *   --side wan (a host outside the site): the public site answers at the router's WAN address through the port
 *     forward (billu:firewall.published) with its own index.html, its http redirects to https; the intranet's name
 *     there gets no intranet (no certificate for it, no content), and the web server's own intranet listener is not
 *     reachable.
 * Certificates are verified against the site CA (the outputs' caCertPem); names are pinned to the model's addresses
 * (curl --resolve), so no DNS is needed. Every request is bounded (connect 5 s, total 10 s); nothing is written.
 */
import { createHash } from "crypto";
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { InputError } from "../../../model/errors";
import type { WebSiteModel } from "../../../model/web";
import { curlError, execTool, lastLine } from "../exec";
import type { Check, Scenario, ScenarioInput } from "../types";

const sha = (s: string | Buffer) => createHash("sha256").update(s).digest("hex").slice(0, 12);
const indexOf = (site: WebSiteModel) => site.files.find((f) => f.path === "index.html")?.content;

interface Answer {
    /** curl's exit code: 0 when an HTTP answer came. */
    readonly exit: number | null;
    /** `<code>` or `<code> <redirect>`, or curl's own message. */
    readonly status: string;
    readonly bodySha?: string;
}

/** One bounded request: `name` pinned to `address`, the certificate checked against the site CA. */
async function request(input: ScenarioInput, scheme: "https" | "http", name: string, address: string, port: number): Promise<Answer> {
    const work = (f: string) => path.join(input.workDir, f);
    writeFileSync(work("web-ca.pem"), input.outputs.caCertPem ?? "", { mode: 0o600 });
    const body = work("web-body");
    writeFileSync(body, "");
    const dflt = scheme === "https" ? 443 : 80;
    const url = `${scheme}://${name}${port === dflt ? "" : `:${port}`}/`;
    const r = await execTool("curl", [
        ...["-sS", "--connect-timeout", "5", "--max-time", "10", "--proto", "=http,https"],
        ...["--cacert", work("web-ca.pem"), "--resolve", `${name}:${port}:${address}`],
        ...["-o", body, "-w", "%{http_code} %{redirect_url}", url],
    ]);
    // curl's reason is its stderr line (`curl: (7) Failed to connect ...`), not the `-w` line it still prints.
    if (r.code !== 0) return { exit: r.code, status: `curl exit ${r.code}: ${curlError(r.out) ?? lastLine(r.out)}` };
    return { exit: 0, status: r.out.trim(), bodySha: sha(readFileSync(body)) };
}

/** 200 with the site's own index.html. */
function served(input: ScenarioInput, site: WebSiteModel, address: string, port: number, where: string): Check {
    const want = sha(indexOf(site) ?? "");
    return {
        name: `${site.role} site https://${site.name}/ ${where}`,
        expected: `200, its index.html (sha256 ${want})`,
        contacts: [`${address}:${port} (${site.name})`],
        run: async () => {
            const a = await request(input, "https", site.name, address, port);
            if (a.exit !== 0) return { ok: false, observed: a.status };
            const observed = a.bodySha === want ? `${a.status}, its index.html (sha256 ${a.bodySha})` : `${a.status}, another body (sha256 ${a.bodySha})`;
            return { ok: a.status === "200" && a.bodySha === want, observed };
        },
    };
}

function redirects(input: ScenarioInput, site: WebSiteModel, address: string, port: number, where: string): Check {
    const want = `301 https://${site.name}/`;
    return {
        name: `${site.role} site http://${site.name}/ ${where}`,
        expected: `${want} (to https)`,
        contacts: [`${address}:${port} (${site.name})`],
        run: async () => {
            const a = await request(input, "http", site.name, address, port);
            return { ok: a.status === want, observed: a.status };
        },
    };
}

/** Anything but the intranet's own page: no connection, no certificate for it, or a refusal. */
function refused(input: ScenarioInput, site: WebSiteModel, address: string, port: number, where: string, expected: string): Check {
    const intranet = sha(indexOf(site) ?? "");
    return {
        name: `intranet https://${site.name}/ ${where}`,
        expected,
        contacts: [`${address}:${port} (${site.name})`],
        run: async () => {
            const a = await request(input, "https", site.name, address, port);
            const leaked = a.exit === 0 && a.bodySha === intranet;
            return { ok: !leaked && !(a.exit === 0 && a.status.startsWith("2")), observed: leaked ? `${a.status}, the intranet's index.html` : a.status };
        },
    };
}

export const webScenario: Scenario = {
    name: "web",
    title: "the public site from the WAN side, the intranet refused from the WAN and served inside",
    skip: (m) => (m.web ? undefined : "the site has no web server (billu:web)"),
    checks: (input) => {
        const w = input.model.web!;
        if ((input.side ?? "inside") === "inside") {
            const at = `at ${w.host} (${w.address})`;
            return [
                served(input, w.intranet, w.address, w.ports.https, at),
                served(input, w.public, w.address, w.ports.https, at),
                redirects(input, w.intranet, w.address, w.ports.http, at),
            ];
        }
        const wan = w.publicRecords[0]?.value;
        const https = w.published.find((l) => l.scheme === "https");
        const http = w.published.find((l) => l.scheme === "http");
        if (!wan || !https)
            throw new InputError([
                {
                    path: "--side",
                    message: `is wan, but ${w.host} publishes no https listener on the WAN`,
                    fix: "publish it (billu:firewall.published), or run --side inside",
                },
            ]);
        const at = `from the WAN, at the router's WAN address ${wan}`;
        return [
            served(input, w.public, wan, https.wanPort, at),
            ...(http ? [redirects(input, w.public, wan, http.wanPort, at)] : []),
            refused(input, w.intranet, wan, https.wanPort, at, "no intranet there: no certificate for its name, no content"),
            refused(
                input,
                w.intranet,
                w.address,
                w.ports.https,
                `from the WAN, at ${w.host}'s own listener ${w.address}`,
                "no connection (the router drops it) or 403",
            ),
        ];
    },
};
