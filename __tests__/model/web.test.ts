/** billu:web: the sites resolved from both committed stacks, and every bad input pinned with its exact message. */
import { mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { Problems } from "../../model/errors";
import { SiteModel } from "../../model/site";
import { intranetNetworks, validateWeb, WebFirewallView, WebFlowSource, WebModel } from "../../model/web";
import { loadWebContent } from "../../model/web-content";
import { model, problemsOf, stackRaw } from "../helpers";

describe("the committed stacks", () => {
    test("dev: both sites on PAR-WEB01, the intranet for the departments, management and servers", () => {
        const m = model(stackRaw("dev"));
        const web = m.web!;
        expect([web.host, web.address, web.zone]).toEqual(["PAR-WEB01", "172.16.120.10", "dmz"]);
        expect([web.public.name, web.intranet.name]).toEqual(["www.billu.example", "intranet.billu.remindme.lan"]);
        expect(web.public.files.map((f) => f.path)).toEqual(["index.html", "robots.txt", "site.css"]);
        expect(web.intranet.files.find((f) => f.path === "index.html")!.content).toContain("billu-site: intranet");
        expect(web.ports).toEqual({ https: 443, http: 80 });
        expect(web.intranet.allowedFrom.map((s) => [s.written, s.zones.length])).toEqual([
            ["kind:department", 9],
            ["management", 1],
            ["servers", 1],
        ]);
        expect(intranetNetworks(web)).toEqual([
            "10.20.20.0/24",
            "10.20.21.0/24",
            "10.20.22.0/24",
            "10.20.23.0/24",
            "10.20.24.0/24",
            "10.20.25.0/24",
            "10.20.26.0/24",
            "10.20.27.0/24",
            "10.20.28.0/24",
            "10.20.0.0/24",
            "10.20.10.0/24",
        ]);
        // The firewall's flow model: the port forwards are the public site's own listeners; each allowed zone's flow.
        expect(web.flowsChecked).toBe(true);
        expect(web.published.map((p) => [p.scheme, p.wanPort, p.hostPort])).toEqual([
            ["http", 80, 8080],
            ["https", 443, 8443],
        ]);
        const raw = stackRaw("dev");
        const flowIndex = (from: string, service: string) =>
            raw.flows.findIndex((f: { from: string; to: string; service: string }) => f.from === from && f.to === "PAR-WEB01" && f.service === service);
        expect(web.intranet.allowedFrom[0].flows["lan-dsi"]).toEqual([flowIndex("kind:department", "https")]);
        expect(web.intranet.allowedFrom[1].flows).toEqual({ management: [flowIndex("management", "https")] });
        expect(web.intranet.allowedFrom[2].flows).toEqual({ servers: [flowIndex("servers", "https")] });
    });

    test("DNS: both names at the server in the AD DNS, the public name at the WAN address for the public DNS", () => {
        const m = model(stackRaw("dev"));
        expect(m.web!.dnsRecords).toEqual([
            {
                zone: "billu.remindme.lan",
                name: "intranet",
                fqdn: "intranet.billu.remindme.lan",
                type: "A",
                value: "172.16.120.10",
                owner: "billu:web.intranet.name",
                purpose: "the intranet site on PAR-WEB01",
            },
            {
                zone: "www.billu.example",
                name: "@",
                fqdn: "www.billu.example",
                type: "A",
                value: "172.16.120.10",
                owner: "billu:web.public.name",
                purpose: "the public site on PAR-WEB01, reached directly from inside (no hairpin through the router)",
            },
        ]);
        // The DC step publishes them: the domain model carries them (and the zone of the public name).
        expect(m.domain!.extraRecords.filter((r) => r.owner.startsWith("billu:web."))).toEqual(m.web!.dnsRecords);
        expect(m.domain!.extraZones).toEqual(["www.billu.example"]);
        expect(m.web!.publicRecords).toEqual([
            { fqdn: "www.billu.example", type: "A", value: "198.51.100.2", purpose: "the public site, forwarded by the router" },
        ]);
    });

    test("prod: the partner is allowed (the flow matrix lets it reach PAR-WEB01), with the router's partner networks", () => {
        const web = model(stackRaw("prod")).web!;
        expect(web.intranet.allowedFrom.map((s) => s.written)).toEqual(["kind:department", "management", "servers", "vpn-partner"]);
        expect(intranetNetworks(web).slice(-3)).toEqual(["172.20.0.0/24", "172.20.10.0/24", "172.20.20.0/24"]);
        expect(web.intranet.allowedFrom[3].flows).toEqual({ "vpn-partner": [expect.any(Number)] });
    });

    test("a site without billu:web has no web model (ecotech: its own domain, for the trust, has no web records)", () => {
        const m = model(stackRaw("ecotech"));
        expect([m.web, m.domain?.fqdn, m.domain?.extraRecords]).toEqual([undefined, "ecotech-solutions.lan", []]);
    });
});

describe("bad input (exit 2): the key path, the value and the fix", () => {
    test("a vhost name outside the site's domains", () => {
        const raw = stackRaw("dev");
        raw.web.public.name = "www.example.com";
        raw.web.intranet.name = "intranet.corp.example";
        expect(problemsOf(raw)).toEqual([
            'billu:web.public.name: "www.example.com" is outside the site\'s public domains (billu.example). Fix: name the public site inside billu:web.publicDomains (e.g. www.billu.example), or add its domain there if the site owns it',
            'billu:web.intranet.name: "intranet.corp.example" is outside the site\'s domains (billu.remindme.lan, billu.example). Fix: name the intranet inside the AD domain (intranet.billu.remindme.lan) or a public domain of the site',
        ]);
    });

    test("a public name in the AD domain, a malformed name, the same name twice, the AD domain listed as public", () => {
        const raw = stackRaw("dev");
        raw.web.public.name = "www.billu.remindme.lan";
        raw.web.publicDomains = ["billu.example", "remindme.lan"];
        raw.web.intranet.name = "intra_net.billu.remindme.lan";
        expect(problemsOf(raw)).toEqual([
            'billu:web.publicDomains[1]: "remindme.lan" is or holds the AD domain billu.remindme.lan, which is internal. Fix: list the public domains the site owns at a registrar (billu.fr)',
            'billu:web.public.name: "www.billu.remindme.lan" is outside the site\'s public domains (billu.example). Fix: name the public site inside billu:web.publicDomains (e.g. www.billu.example), or add its domain there if the site owns it',
            'billu:web.intranet.name: "intra_net.billu.remindme.lan" has the label "intra_net", which is not 1 to 63 letters, digits or inner dashes. Fix: write a DNS name such as intranet.billu.remindme.lan',
        ]);
        const same = stackRaw("dev");
        same.web.intranet.name = "WWW.billu.example";
        expect(problemsOf(same)).toEqual(['billu:web.intranet.name: "WWW.billu.example" is also the public site\'s name. Fix: give each site its own name']);
    });

    test("an intranet open to the WAN, or to the DMZ, or to an unknown zone", () => {
        const raw = stackRaw("dev");
        raw.web.intranet.allowedFrom = ["lan-dsi", "wan", "kind:wan", "dmz", "lan-nope", "kind:lab", "vpn-partner"];
        expect(problemsOf(raw)).toEqual([
            'billu:web.intranet.allowedFrom[1]: "wan" opens the intranet to the WAN (the internet). Fix: remove it: the intranet is for the site\'s own networks; what the internet may see belongs on the public site',
            'billu:web.intranet.allowedFrom[2]: "kind:wan" opens the intranet to the WAN (the internet). Fix: remove it: the intranet is for the site\'s own networks; what the internet may see belongs on the public site',
            'billu:web.intranet.allowedFrom[3]: "dmz" opens the intranet to a DMZ, whose hosts face the internet. Fix: remove it: a compromised DMZ host must not reach internal sites',
            'billu:web.intranet.allowedFrom[4]: "lan-nope" is not a zone of billu:network.zones. Fix: use a zone (management, servers, lan-direction, lan-dsi, lan-dev, lan-finance, lan-rh, lan-commercial, lan-juridique, lan-qhse, lan-com), kind:management, kind:servers, kind:department',
            'billu:web.intranet.allowedFrom[5]: "kind:lab" selects no zone of billu:network.zones. Fix: use a zone (management, servers, lan-direction, lan-dsi, lan-dev, lan-finance, lan-rh, lan-commercial, lan-juridique, lan-qhse, lan-com), kind:management, kind:servers, kind:department',
            "billu:web.intranet.allowedFrom[6]: is vpn-partner, but the router knows no partner networks (billu:firewall.vpnPartner). Fix: remove it, or declare the tunnel (billu:vpn) and its far networks (billu:firewall.vpnPartner) first",
        ]);
    });

    test("a published site with no DMZ host: none of role web, or one outside the DMZ", () => {
        const none = stackRaw("dev");
        none.hosts = none.hosts.filter((h: { role: string }) => h.role !== "web");
        const problems = problemsOf(none);
        expect(problems).toContain(
            "billu:web: publishes a public site but billu:hosts has no host of role web to serve it. Fix: declare the web server in billu:hosts (role: web, in a zone of kind dmz), or remove billu:web",
        );
        expect(problems).toContain('billu:firewall.published[1].host: "PAR-WEB01" is not a host of billu:hosts. Fix: name the DMZ host that serves it');
        const inside = stackRaw("dev");
        Object.assign(inside.hosts[5], { zone: "servers", address: "10.20.10.59" });
        expect(problemsOf(inside)).toEqual([
            "billu:firewall.published[0].host: PAR-WEB01 is in zone servers (servers), not in a DMZ zone. Fix: publish only services of a DMZ host (put a relay or reverse proxy in the DMZ in front of an internal server)",
            "billu:firewall.published[1].host: PAR-WEB01 is in zone servers (servers), not in a DMZ zone. Fix: publish only services of a DMZ host (put a relay or reverse proxy in the DMZ in front of an internal server)",
            'billu:hosts[5].zone: "servers" is a zone of kind servers, but PAR-WEB01 publishes the public site to the internet. Fix: put the web server in a zone of kind dmz (dmz)',
        ]);
        const named = stackRaw("dev");
        named.web.host = "PAR-MAIL01";
        expect(problemsOf(named)).toEqual(['billu:web.host: "PAR-MAIL01" is a host of role mail. Fix: name a host of role web']);
    });

    test("content that cannot be deployed: missing folder, no index.html, a hidden file, a binary file", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "billu-web-content-"));
        mkdirSync(path.join(dir, "noindex"));
        writeFileSync(path.join(dir, "noindex", "about.html"), "<p>about</p>\n");
        mkdirSync(path.join(dir, "hidden", "css"), { recursive: true });
        writeFileSync(path.join(dir, "hidden", "index.html"), "ok\n");
        writeFileSync(path.join(dir, "hidden", "css", ".htaccess"), "Require all granted\n");
        mkdirSync(path.join(dir, "binary"));
        writeFileSync(path.join(dir, "binary", "index.html"), "ok\n");
        writeFileSync(path.join(dir, "binary", "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00]));
        expect(loadWebContent("sites/nope")).toEqual({
            problem: '"sites/nope" is not a folder of the repository',
            fix: "commit the site's files in that folder, or correct the path",
        });
        expect(loadWebContent(path.join(dir, "noindex"))).toEqual({
            problem: `${JSON.stringify(path.join(dir, "noindex"))} has no index.html`,
            fix: "commit the site's home page as index.html in that folder",
        });
        expect(loadWebContent(path.join(dir, "hidden"))).toMatchObject({
            problem: `${JSON.stringify(path.join(dir, "hidden"))} holds "css/.htaccess", whose name is hidden or has characters other than letters, digits, '.', '_' and '-'`,
        });
        expect(loadWebContent(path.join(dir, "binary"))).toMatchObject({
            problem: `${JSON.stringify(path.join(dir, "binary"))} holds "logo.png", which is not UTF-8 text (guest steps carry text files only)`,
        });
        const raw = stackRaw("dev");
        raw.web.intranet.content = "sites/intranett";
        expect(problemsOf(raw)).toEqual([
            'billu:web.intranet.content: "sites/intranett" is not a folder of the repository. Fix: commit the site\'s files in that folder, or correct the path',
        ]);
    });

    test("unknown keys and a missing allowedFrom are refused by the schema", () => {
        const raw = stackRaw("dev");
        raw.web.intranet.allowFrom = raw.web.intranet.allowedFrom;
        delete raw.web.intranet.allowedFrom;
        expect(problemsOf(raw)).toEqual([
            'billu:web.intranet.allowedFrom: is required but missing. Fix: set billu:web.intranet.allowedFrom in the stack config (see README, "Configuration")',
            'billu:web.intranet: has unknown key allowFrom. Fix: remove or rename them (see README, "Configuration")',
        ]);
    });
});

/**
 * With the firewall's flow model (a hand-built view here): the port forwards become the public site's own
 * listeners, and the flows must carry exactly what billu:web allows.
 */
describe("against the flow matrix", () => {
    const m: SiteModel = model(stackRaw("prod"));
    const cfg = stackRaw("prod").web;
    const https = (from: number) => [{ proto: "tcp", from, to: from }];
    const goodPublished = [
        { index: 0, service: "web-public-https", host: "PAR-WEB01", wanPorts: https(443), hostPorts: https(8443) },
        { index: 1, service: "web-public-http", host: "PAR-WEB01", wanPorts: https(80), hostPorts: https(8080) },
        { index: 2, service: "smtp", host: "PAR-MX01", wanPorts: https(25), hostPorts: https(25) },
    ];
    /** Flows: each internal zone and the partner reach PAR-WEB01 on 443 (flow index = a stable number per source). */
    const flows = (src: WebFlowSource, host: string, port: number): number[] => {
        if (host !== "PAR-WEB01" || (port !== 443 && port !== 80)) return [];
        if (src.kind === "vpn-partner") return [2];
        return src.zone === "wan" ? [] : [10 + m.zones.findIndex((z) => z.name === src.zone)];
    };
    function run(fw: Partial<WebFirewallView>, web = cfg): { problems: string[]; model?: WebModel } {
        const problems = new Problems();
        const out = validateWeb(
            web,
            {
                site: m.site,
                zones: m.zones,
                hosts: m.hosts,
                configuredZones: m.zones.map((z) => z.name),
                partnerNetworks: ["172.20.0.0/24"],
                firewall: { published: goodPublished, flowsTo: flows, ...fw },
            },
            problems,
            loadWebContent,
        );
        return { problems: problems.all.map((p) => `${p.path}: ${p.message}. Fix: ${p.fix}`), model: out };
    }

    test("the published services become the public site's own listeners; the flows are recorded per allowed zone", () => {
        const r = run({});
        expect(r.problems).toEqual([]);
        expect(r.model!.published).toEqual([
            { index: 1, service: "web-public-http", scheme: "http", wanPort: 80, hostPort: 8080 },
            { index: 0, service: "web-public-https", scheme: "https", wanPort: 443, hostPort: 8443 },
        ]);
        expect(r.model!.flowsChecked).toBe(true);
        expect(r.model!.intranet.allowedFrom[1].flows).toEqual({ management: [11] });
        expect(r.model!.intranet.allowedFrom[3].flows).toEqual({ "vpn-partner": [2] });
    });

    test("an intranet open to the WAN through the port forward (WAN 443 to the server's 443)", () => {
        const published = [{ index: 4, service: "https", host: "PAR-WEB01", wanPorts: https(443), hostPorts: https(443) }];
        expect(run({ published }).problems).toEqual([
            "billu:firewall.published[4]: forwards WAN tcp/443 to PAR-WEB01 tcp/443, where the intranet site listens too: the internet would reach the intranet's listener and only Apache would stop it. Fix: forward to a listener of the public site alone: publish web-public-https (tcp/8443) with publicPort 443",
            "billu:web.public: is not published: no entry of billu:firewall.published forwards WAN tcp/443 to PAR-WEB01. Fix: publish the public site's own listener: add { service: web-public-https, host: PAR-WEB01, publicPort: 443 } to billu:firewall.published",
        ]);
    });

    test("an intranet open to the WAN through a flow; a forward of another service is not a site listener", () => {
        const wanFlows = (src: WebFlowSource, host: string, port: number) =>
            src.kind === "zone" && src.zone === "wan" && port === 443 ? [7] : flows(src, host, port);
        const published = [...goodPublished, { index: 3, service: "ssh", host: "PAR-WEB01", wanPorts: https(22), hostPorts: https(22) }];
        expect(run({ flowsTo: wanFlows, published }).problems).toEqual([
            "billu:flows[7]: lets the WAN reach PAR-WEB01 on tcp/443, where the intranet site listens. Fix: remove the flow: the internet reaches the public site through billu:firewall.published only",
        ]);
    });

    test("a forwarded range that covers the intranet's port", () => {
        const wide = [
            ...goodPublished,
            {
                index: 5,
                service: "range",
                host: "PAR-WEB01",
                wanPorts: [{ proto: "tcp", from: 400, to: 500 }],
                hostPorts: [{ proto: "tcp", from: 400, to: 500 }],
            },
        ];
        expect(run({ published: wide }).problems).toEqual([
            "billu:firewall.published[5]: forwards WAN tcp/400-500 to PAR-WEB01 tcp/443, where the intranet site listens too: the internet would reach the intranet's listener and only Apache would stop it. Fix: forward to a listener of the public site alone: publish web-public-https (tcp/8443) with publicPort 443",
        ]);
    });

    test("an allowed zone the flow matrix does not let through", () => {
        const noRh = (src: WebFlowSource, host: string, port: number) => (src.kind === "zone" && src.zone === "lan-rh" ? [] : flows(src, host, port));
        expect(run({ flowsTo: noRh }).problems).toEqual([
            'billu:web.intranet.allowedFrom[0]: "kind:department" may reach the intranet, but no flow of billu:flows lets lan-rh reach PAR-WEB01 on https (tcp/443), so the router drops it. Fix: add { from: kind:department, to: PAR-WEB01, service: https } to billu:flows, or remove kind:department here',
        ]);
    });

    test("the partner without a flow", () => {
        const noPartner = (src: WebFlowSource, host: string, port: number) => (src.kind === "vpn-partner" ? [] : flows(src, host, port));
        expect(run({ flowsTo: noPartner }).problems).toEqual([
            'billu:web.intranet.allowedFrom[3]: "vpn-partner" may reach the intranet, but no flow of billu:flows lets vpn-partner reach PAR-WEB01 on https (tcp/443), so the router drops it. Fix: add { from: vpn-partner, to: PAR-WEB01, service: https } to billu:flows, or remove vpn-partner here',
        ]);
    });
});

describe("against the committed dev flow matrix (the firewall's own model)", () => {
    test("publishing the catalogue's https (WAN 443 onto the server's 443) opens the intranet to the WAN: exit 2", () => {
        const raw = stackRaw("dev");
        raw.firewall.published[1] = { service: "https", host: "PAR-WEB01", comment: "the public site" };
        expect(problemsOf(raw)).toEqual([
            "billu:firewall.published[1]: forwards WAN tcp/443 to PAR-WEB01 tcp/443, where the intranet site listens too: the internet would reach the intranet's listener and only Apache would stop it. Fix: forward to a listener of the public site alone: publish web-public-https (tcp/8443) with publicPort 443",
            "billu:web.public: is not published: no entry of billu:firewall.published forwards WAN tcp/443 to PAR-WEB01. Fix: publish the public site's own listener: add { service: web-public-https, host: PAR-WEB01, publicPort: 443 } to billu:firewall.published",
        ]);
    });

    test("a flow from the WAN to the web server's https: exit 2 naming the flow", () => {
        const raw = stackRaw("dev");
        raw.flows.push({ from: "wan", to: "PAR-WEB01", service: "https", comment: "oops" });
        expect(problemsOf(raw)).toEqual([
            `billu:flows[${raw.flows.length - 1}]: lets the WAN reach PAR-WEB01 on tcp/443, where the intranet site listens. Fix: remove the flow: the internet reaches the public site through billu:firewall.published only`,
        ]);
    });

    test("an allowed zone without its flow: exit 2 naming the zone and the flow to add", () => {
        const raw = stackRaw("dev");
        raw.flows = raw.flows.filter(
            (f: { from: string; to: string; service: string }) => !(f.from === "servers" && f.to === "PAR-WEB01" && f.service === "https"),
        );
        expect(problemsOf(raw)).toEqual([
            'billu:web.intranet.allowedFrom[2]: "servers" may reach the intranet, but no flow of billu:flows lets servers reach PAR-WEB01 on https (tcp/443), so the router drops it. Fix: add { from: servers, to: PAR-WEB01, service: https } to billu:flows, or remove servers here',
        ]);
    });
});
