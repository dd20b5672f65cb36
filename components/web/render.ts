/**
 * Pure renderers of the DMZ web server: the whole Apache configuration (one file, so `apache2ctl -t` checks
 * exactly what will run before it replaces the installed one), the content manifests, the step body, and the
 * docs. Model in, text out; no Pulumi here.
 *
 * TLS follows Mozilla's "intermediate" server-side recommendations (https://ssl-config.mozilla.org/, guidelines
 * 5.7), restricted to ECDSA suites since the site CA issues ECDSA P-384 keys: TLS 1.2 and 1.3 only, AEAD
 * ciphers with forward secrecy, no session tickets, no compression. Headers after the OWASP Secure Headers
 * Project (https://owasp.org/www-project-secure-headers/).
 */
import type { Input } from "@pulumi/pulumi";
import { GuestFile, stepScript } from "../guest-step/render";
import { intranetNetworks, WebModel, WebRole, WebSiteModel } from "../../model/web";
import type { DocSections } from "../contracts";
import { generatedHeader } from "../header";

export const WEB_PATHS = {
    apacheConf: "/etc/apache2/apache2.conf",
    cert: (role: WebRole) => `/etc/ssl/billu/web/${role}.crt`,
    key: (role: WebRole) => `/etc/ssl/billu/web/${role}.key`,
    /** The document roots' parent. */
    www: "/var/www/billu",
    docRoot: (role: WebRole) => `/var/www/billu/${role}`,
    manifest: (role: WebRole) => `/etc/billu/web/${role}.manifest`,
} as const;

/** Names of the step's secrets: each site's key, and its certificate (public, but known only once issued). */
export const WEB_SECRETS = {
    key: (role: WebRole) => `web-${role}-key`,
    cert: (role: WebRole) => `web-${role}-cert`,
} as const;

export const TLS = {
    protocols: ["TLSv1.2", "TLSv1.3"],
    /** TLS 1.2 suites (TLS 1.3 suites are all AEAD with forward secrecy: OpenSSL's defaults stay). */
    ciphers: ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"],
    curves: ["X25519", "prime256v1", "secp384r1"],
    /** Two years, Mozilla's recommendation. */
    hstsMaxAgeSeconds: 63072000,
} as const;

/** Headers every response carries (errors and redirects included). */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
    ["X-Content-Type-Options", "nosniff"],
    ["X-Frame-Options", "DENY"],
    ["Referrer-Policy", "same-origin"],
    ["Content-Security-Policy", "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"],
    ["Permissions-Policy", "camera=(), geolocation=(), microphone=(), payment=(), usb=()"],
    ["Cross-Origin-Opener-Policy", "same-origin"],
];

/** Modules the configuration uses, and nothing else (core, log_config and unixd are built into Debian's apache2). */
export const APACHE_MODULES = [
    "mpm_event",
    "authz_core",
    "authz_host",
    "alias",
    "dir",
    "mime",
    "headers",
    "rewrite",
    "reqtimeout",
    "socache_shmcb",
    "ssl",
    "http2",
] as const;

export interface ApacheInputs {
    readonly web: WebModel;
    /** The intranet's allowed networks (`intranetNetworks`: the zones', and the partner's when allowed). */
    readonly intranetNetworks: readonly string[];
    /** The server's own name (`par-web01.billu.remindme.lan`), for Apache's global ServerName. */
    readonly serverFqdn: string;
    /** Site name, for the header comment. */
    readonly siteName: string;
}

function requireLine(networks: readonly string[], indent: string): string[] {
    return networks.length > 0 ? [`${indent}Require ip ${networks.join(" ")}`] : [`${indent}# No network is allowed.`, `${indent}Require all denied`];
}

/** `*:443 *:8443`: the addresses of a virtual host. */
function vhostAddrs(ports: readonly number[]): string {
    return ports.map((p) => `*:${p}`).join(" ");
}

export function renderApacheConf(inp: ApacheInputs): string {
    const { web } = inp;
    const pub = web.published;
    const httpsPublic = [web.ports.https, ...pub.filter((p) => p.scheme === "https").map((p) => p.hostPort)];
    const httpPublic = [web.ports.http, ...pub.filter((p) => p.scheme === "http").map((p) => p.hostPort)];
    const listens = [...new Set([web.ports.http, web.ports.https, ...pub.map((p) => p.hostPort)])].sort((a, b) => a - b);
    const tlsPorts = new Set(httpsPublic);
    const L: string[] = [];
    L.push(generatedHeader("#", { host: web.host, site: inp.siteName, what: "Apache's whole configuration, from the site model." }));
    L.push("# Do not edit: change billu:web (the sites), billu:flows and billu:firewall (who reaches them) in the stack config.");
    L.push("# It is checked with `apache2ctl -t` before it replaces the installed file. Debian's envvars supply the APACHE_* values.");
    L.push('ServerRoot "/etc/apache2"');
    L.push(`ServerName ${inp.serverFqdn}`);
    L.push("DefaultRuntimeDir ${APACHE_RUN_DIR}");
    L.push("PidFile ${APACHE_PID_FILE}");
    L.push("Mutex file:${APACHE_LOCK_DIR} default");
    L.push("User ${APACHE_RUN_USER}");
    L.push("Group ${APACHE_RUN_GROUP}");
    L.push("");
    L.push("# Only the modules this file uses.");
    for (const m of APACHE_MODULES) L.push(`LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`);
    L.push("");
    L.push("Timeout 60");
    L.push("KeepAlive On");
    L.push("KeepAliveTimeout 5");
    L.push("MaxKeepAliveRequests 100");
    L.push("HostnameLookups Off");
    L.push("ServerTokens Prod");
    L.push("ServerSignature Off");
    L.push("TraceEnable Off");
    L.push("FileETag MTime Size");
    L.push("# Slow clients cannot hold workers (slowloris).");
    L.push("RequestReadTimeout header=20-40,MinRate=500 body=20,MinRate=500");
    L.push("TypesConfig /etc/mime.types");
    L.push("AddDefaultCharset UTF-8");
    L.push("DirectoryIndex index.html");
    L.push("ErrorLog ${APACHE_LOG_DIR}/error.log");
    L.push("LogLevel warn");
    L.push('LogFormat "%v:%p %a %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\"" vhost_combined');
    L.push("CustomLog ${APACHE_LOG_DIR}/access.log vhost_combined");
    L.push("");
    L.push("# Nothing on the file system is served unless a section below allows it.");
    L.push("<Directory />");
    L.push("    Options None");
    L.push("    AllowOverride None");
    L.push("    Require all denied");
    L.push("</Directory>");
    L.push(`<Directory ${WEB_PATHS.docRoot("public")}>`);
    L.push("    Options None");
    L.push("    AllowOverride None");
    L.push("    Require all granted");
    L.push("</Directory>");
    L.push(`<Directory ${WEB_PATHS.docRoot("intranet")}>`);
    L.push("    Options None");
    L.push("    AllowOverride None");
    L.push(...requireLine(inp.intranetNetworks, "    "));
    L.push("</Directory>");
    L.push("");
    L.push("# TLS: 1.2 and 1.3 only, AEAD suites with forward secrecy (ECDSA keys from the site CA), no tickets.");
    L.push(`SSLProtocol -all ${TLS.protocols.map((p) => "+" + p).join(" ")}`);
    L.push(`SSLCipherSuite ${TLS.ciphers.join(":")}`);
    L.push("SSLHonorCipherOrder off");
    L.push(`SSLOpenSSLConfCmd Curves ${TLS.curves.join(":")}`);
    L.push("SSLSessionTickets off");
    L.push("SSLCompression off");
    L.push("SSLSessionCache shmcb:${APACHE_RUN_DIR}/ssl_scache(512000)");
    L.push("SSLSessionCacheTimeout 300");
    L.push("# A client that names no host (no SNI) cannot pick a name-based site.");
    L.push("SSLStrictSNIVHostCheck on");
    L.push("");
    L.push("# Security headers on every response.");
    for (const [h, v] of SECURITY_HEADERS) L.push(`Header always set ${h} "${v}"`);
    L.push("");
    L.push(
        `# Listeners: ${web.ports.https} (https) and ${web.ports.http} (http) carry both sites by name, for the site's own networks.` +
            (pub.length > 0 ? ` ${pub.map((p) => `${p.hostPort}`).join(" and ")} carry the public site alone: the router forwards the WAN there.` : ""),
    );
    for (const port of listens) {
        const p = pub.find((x) => x.hostPort === port);
        if (p) L.push(`# billu:firewall.published[${p.index}]: the router forwards WAN tcp/${p.wanPort} (${p.service}) here.`);
        L.push(`Listen ${port}`);
    }
    L.push("");

    const cert = (s: WebSiteModel) => [
        "    SSLEngine on",
        `    SSLCertificateFile ${WEB_PATHS.cert(s.role)}`,
        `    SSLCertificateKeyFile ${WEB_PATHS.key(s.role)}`,
    ];
    // The first virtual host of a listener answers names no other one claims: refuse them (421 Misdirected Request).
    L.push("# Catch-all, first on every listener: a name that is not a site's gets 421 Misdirected Request.");
    L.push(`<VirtualHost ${vhostAddrs(listens.filter((p) => !tlsPorts.has(p)))}>`);
    L.push("    ServerName unknown.invalid");
    L.push('    <Location "/">');
    L.push("        Require all granted");
    L.push("        Redirect 421");
    L.push("    </Location>");
    L.push("</VirtualHost>");
    L.push(`<VirtualHost ${vhostAddrs(listens.filter((p) => tlsPorts.has(p)))}>`);
    L.push("    ServerName unknown.invalid");
    L.push(...cert(web.public));
    L.push('    <Location "/">');
    L.push("        Require all granted");
    L.push("        Redirect 421");
    L.push("    </Location>");
    L.push("</VirtualHost>");
    L.push("");

    const site = (s: WebSiteModel, httpPorts: readonly number[], httpsPorts: readonly number[]) => {
        const access = s.role === "public" ? ["        Require all granted"] : requireLine(inp.intranetNetworks, "        ");
        const who = s.role === "public" ? "everyone" : "the allowed networks only (billu:web.intranet.allowedFrom)";
        L.push(`# The ${s.role} site, for ${who}: HTTP redirects to HTTPS.`);
        L.push(`<VirtualHost ${vhostAddrs(httpPorts)}>`);
        L.push(`    ServerName ${s.name}`);
        L.push(`    DocumentRoot ${WEB_PATHS.docRoot(s.role)}`);
        L.push('    <Location "/">');
        L.push(...access);
        L.push("    </Location>");
        L.push("    # Redirected in the directory context, after the access check (mod_alias's Redirect would answer before it).");
        L.push(`    <Directory ${WEB_PATHS.docRoot(s.role)}>`);
        L.push("        # mod_rewrite needs symlink checks on in a directory context; nothing is served here.");
        L.push("        Options +SymLinksIfOwnerMatch");
        L.push("        RewriteEngine On");
        L.push(`        RewriteRule ^ https://${s.name}%{REQUEST_URI} [R=301,L]`);
        L.push("    </Directory>");
        L.push("</VirtualHost>");
        L.push(`<VirtualHost ${vhostAddrs(httpsPorts)}>`);
        L.push(`    ServerName ${s.name}`);
        L.push(`    DocumentRoot ${WEB_PATHS.docRoot(s.role)}`);
        L.push("    Protocols h2 http/1.1");
        L.push(...cert(s));
        L.push(`    Header always set Strict-Transport-Security "max-age=${TLS.hstsMaxAgeSeconds}"`);
        L.push('    <Location "/">');
        L.push(...access);
        L.push("    </Location>");
        L.push("</VirtualHost>");
        L.push("");
    };
    site(web.public, httpPublic, httpsPublic);
    site(web.intranet, [web.ports.http], [web.ports.https]);
    return L.join("\n");
}

/** The site's files as the guest holds them: one per line, relative to its document root (the step removes others). */
export function renderManifest(site: WebSiteModel): string {
    return site.files.map((f) => f.path + "\n").join("");
}

/** Every file of the web step, in install order: content, manifests, certificates, keys, then Apache's config. */
export function webFiles(inp: ApacheInputs): GuestFile[] {
    const { web } = inp;
    const sites = [web.public, web.intranet];
    return [
        ...sites.flatMap((s) => s.files.map((f) => ({ path: `${WEB_PATHS.docRoot(s.role)}/${f.path}`, content: f.content }))),
        ...sites.map((s) => ({ path: WEB_PATHS.manifest(s.role), content: renderManifest(s) })),
        ...sites.map((s) => ({ path: WEB_PATHS.cert(s.role), content: `{{secret:${WEB_SECRETS.cert(s.role)}}}` })),
        ...sites.map((s) => ({ path: WEB_PATHS.key(s.role), content: `{{secret:${WEB_SECRETS.key(s.role)}}}`, mode: "0600" })),
        // Installed last and only if `apache2ctl -t` accepts it with the certificates above in place.
        { path: WEB_PATHS.apacheConf, content: renderApacheConf(inp), check: "apache2ctl -t -f {}" },
    ];
}

/** The web step's body (POSIX sh, idempotent): stale content removed, Apache started, or reloaded only on change. */
export function webStepBody(web: WebModel): string {
    return stepScript("linux", "web/web.sh", { PUBLIC_SITE: web.public.name, INTRANET_SITE: web.intranet.name });
}

/** A certificate as the docs show it; `expires` is known once issued (the stack output resolves it). */
export interface CertDoc {
    readonly role: WebRole;
    readonly subject: string;
    readonly dnsNames: readonly string[];
    readonly expires: Input<string>;
}

/** The docs sections of the web server: sites, who reaches the intranet, certificates, DNS records. */
export function webDocsSections(web: WebModel, certs: readonly CertDoc[]): DocSections {
    const intranetNets = intranetNetworks(web);
    const title = (what: string) => `Web server ${web.host}: ${what}`;
    const pub = web.published;
    const published = pub.map((p) => `${p.hostPort} (${p.scheme}) ← WAN tcp/${p.wanPort}, billu:firewall.published[${p.index}]`).join("; ");
    const byName = `${web.ports.https} (https), ${web.ports.http} (redirects to https)`;
    const flowText = (flows: readonly number[] | undefined) =>
        !web.flowsChecked ? "not checked: the site has no flow model" : (flows ?? []).map((f) => `billu:flows[${f}]`).join(", ");
    const sections: DocSections = {};
    sections[title("sites")] = {
        columns: ["site", "name", "listens on (tcp)", "reachable from", "content", "files"],
        rows: [
            [
                "public",
                web.public.name,
                `${byName}, by name${pub.length > 0 ? `; public site alone: ${published}` : ""}`,
                pub.length > 0
                    ? "the internet, through the router's port forwards; the site's networks as billu:flows allows"
                    : `the site's networks as billu:flows allows; not published to the internet (${web.flowsChecked ? "no port forward" : "no flow model"})`,
                web.public.contentDir,
                web.public.files.map((f) => f.path).join(", "),
            ],
            [
                "intranet",
                web.intranet.name,
                `${byName}, by name`,
                intranetNets.length > 0 ? intranetNets.join(", ") : "nobody yet (partner-only list, tunnel not paired)",
                web.intranet.contentDir,
                web.intranet.files.map((f) => f.path).join(", "),
            ],
        ],
    };
    sections[title("intranet allowed networks")] = {
        columns: ["billu:web.intranet.allowedFrom", "zone", "network", "flows to https (router, Proxmox VM firewall)", "Apache"],
        rows: web.intranet.allowedFrom.flatMap((s): Input<string | number>[][] =>
            s.kind === "vpn-partner"
                ? [[s.written, "vpn-partner (the tunnel's far side)", s.networks.join(", "), flowText(s.flows["vpn-partner"]), "Require ip"]]
                : s.zones.map((z, i) => [s.written, z, s.networks[i], flowText(s.flows[z]), "Require ip"]),
        ),
    };
    sections[title("certificates")] = {
        columns: ["site", "subject", "DNS names", "issuer", "key", "expires"],
        rows: certs.map((c) => [
            c.role,
            c.subject,
            c.dnsNames.join(", "),
            "the site CA (caCertPem)",
            `ECDSA P-384, secret: 0600 ${WEB_PATHS.key(c.role)}`,
            c.expires,
        ]),
    };
    sections[title("DNS records")] = {
        columns: ["view", "zone", "name", "type", "value", "belongs in", "purpose"],
        rows: [
            ...web.dnsRecords.map((r) => ["internal", r.zone, r.name, r.type, r.value, "the AD DNS: published by the DC's domain step", r.purpose]),
            ...web.publicRecords.map((r) => {
                const domain = web.publicDomains.find((d) => r.fqdn === d || r.fqdn.endsWith("." + d)) ?? r.fqdn;
                return [
                    "public",
                    domain,
                    r.fqdn === domain ? "@" : r.fqdn.slice(0, -(domain.length + 1)),
                    r.type,
                    r.value,
                    `the public DNS of ${domain}: not managed here, publish it at its registrar`,
                    r.purpose,
                ];
            }),
        ],
    };
    return sections;
}
