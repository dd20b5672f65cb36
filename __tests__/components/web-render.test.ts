/** The web server's renderers: the whole Apache configuration (snapshot and its key lines), the step's files and body. */
import { intranetNetworks, WebModel } from "../../model/web";
import { renderApacheConf, webDocsSections, webFiles, webStepBody, WEB_PATHS } from "../../components/web/render";
import { model, stackRaw } from "../helpers";

const dev = model(stackRaw("dev")).web!;
/** dev publishes the public site's own listeners: WAN 80 -> 8080 and WAN 443 -> 8443 (billu:firewall.published). */
const published: WebModel = dev;

test("dev's port forwards are the public site's own listeners", () => {
    expect(dev.published).toEqual([
        { index: 0, service: "web-public-http", scheme: "http", wanPort: 80, hostPort: 8080 },
        { index: 1, service: "web-public-https", scheme: "https", wanPort: 443, hostPort: 8443 },
    ]);
});
const inputs = (web: WebModel) => ({
    web,
    intranetNetworks: intranetNetworks(web),
    serverFqdn: "par-web01.billu.remindme.lan",
    siteName: "BillU lab",
});

test("apache2.conf: snapshot of dev with the public listeners published", () => {
    expect(renderApacheConf(inputs(published))).toMatchSnapshot();
});

test("the intranet answers only on the by-name listeners, with Require ip of exactly the allowed networks", () => {
    const conf = renderApacheConf(inputs(published));
    const vhosts = [...conf.matchAll(/<VirtualHost ([^>]+)>\n\s+ServerName (\S+)/g)].map((m) => [m[2], m[1]]);
    expect(vhosts).toEqual([
        ["unknown.invalid", "*:80 *:8080"],
        ["unknown.invalid", "*:443 *:8443"],
        ["www.billu.example", "*:80 *:8080"],
        ["www.billu.example", "*:443 *:8443"],
        ["intranet.billu.remindme.lan", "*:80"],
        ["intranet.billu.remindme.lan", "*:443"],
    ]);
    const requires = conf.split("\n").filter((l) => l.includes("Require ip"));
    expect(requires).toHaveLength(3); // the intranet's directory, and its two virtual hosts
    for (const r of requires) expect(r.trim()).toBe(`Require ip ${intranetNetworks(dev).join(" ")}`);
    expect(conf.split("\n").filter((l) => /^Listen /.test(l))).toEqual(["Listen 80", "Listen 443", "Listen 8080", "Listen 8443"]);
    expect(conf).toContain("SSLProtocol -all +TLSv1.2 +TLSv1.3");
});

test("without a port forward, only the by-name listeners; an allowed list without networks denies all", () => {
    const conf = renderApacheConf(inputs({ ...dev, published: [] }));
    expect(conf.split("\n").filter((l) => /^Listen /.test(l))).toEqual(["Listen 80", "Listen 443"]);
    const none: WebModel = {
        ...dev,
        intranet: { ...dev.intranet, allowedFrom: [{ written: "vpn-partner", index: 0, kind: "vpn-partner", zones: [], networks: [], flows: {} }] },
    };
    const denied = renderApacheConf(inputs(none));
    expect(denied).not.toContain("Require ip");
    expect(denied.match(/Require all denied/g)).toHaveLength(4); // "/" and the intranet's directory and both virtual hosts
});

test("the step's files: content, manifests, certificate and key placeholders (keys 0600), then the checked config last", () => {
    const files = webFiles(inputs(published));
    expect(files.map((f) => [f.path, f.mode ?? "0644", f.check ?? ""])).toEqual([
        ["/var/www/billu/public/index.html", "0644", ""],
        ["/var/www/billu/public/robots.txt", "0644", ""],
        ["/var/www/billu/public/site.css", "0644", ""],
        ["/var/www/billu/intranet/index.html", "0644", ""],
        ["/var/www/billu/intranet/robots.txt", "0644", ""],
        ["/var/www/billu/intranet/site.css", "0644", ""],
        ["/etc/billu/web/public.manifest", "0644", ""],
        ["/etc/billu/web/intranet.manifest", "0644", ""],
        ["/etc/ssl/billu/web/public.crt", "0644", ""],
        ["/etc/ssl/billu/web/intranet.crt", "0644", ""],
        ["/etc/ssl/billu/web/public.key", "0600", ""],
        ["/etc/ssl/billu/web/intranet.key", "0600", ""],
        ["/etc/apache2/apache2.conf", "0644", "apache2ctl -t -f {}"],
    ]);
    expect(files.find((f) => f.path === WEB_PATHS.key("intranet"))!.content).toBe("{{secret:web-intranet-key}}");
    expect(files.find((f) => f.path === WEB_PATHS.manifest("public"))!.content).toBe("index.html\nrobots.txt\nsite.css\n");
});

test("the body reloads Apache only when its configuration or a certificate changed", () => {
    const body = webStepBody(dev);
    expect(body).toContain(
        "elif billu_changed /etc/apache2/apache2.conf /etc/ssl/billu/web/public.crt /etc/ssl/billu/web/public.key /etc/ssl/billu/web/intranet.crt /etc/ssl/billu/web/intranet.key; then\n    # A graceful reload: open connections finish on the old configuration.\n    systemctl reload apache2",
    );
    expect(body).not.toMatch(/restart/);
    // The document roots' folders are created 0755 by the library: the body changes no mode.
    expect(body).not.toMatch(/chmod/);
});

test("docs: the published listeners, the allowed networks with their flows, the certificates, the DNS records", () => {
    const s = webDocsSections({ ...published, flowsChecked: true }, [
        { role: "public", subject: "CN=www.billu.example, O=BillU", dnsNames: ["www.billu.example"], expires: "2027-01-01T00:00:00Z" },
    ]);
    expect(Object.keys(s)).toEqual([
        "Web server PAR-WEB01: sites",
        "Web server PAR-WEB01: intranet allowed networks",
        "Web server PAR-WEB01: certificates",
        "Web server PAR-WEB01: DNS records",
    ]);
    expect(s["Web server PAR-WEB01: sites"].rows[0][2]).toBe(
        "443 (https), 80 (redirects to https), by name; public site alone: 8080 (http) ← WAN tcp/80, billu:firewall.published[0]; 8443 (https) ← WAN tcp/443, billu:firewall.published[1]",
    );
    expect(s["Web server PAR-WEB01: DNS records"].rows[2]).toEqual([
        "public",
        "billu.example",
        "www",
        "A",
        "198.51.100.2",
        "the public DNS of billu.example: not managed here, publish it at its registrar",
        "the public site, forwarded by the router",
    ]);
    expect(s["Web server PAR-WEB01: certificates"].rows).toEqual([
        [
            "public",
            "CN=www.billu.example, O=BillU",
            "www.billu.example",
            "the site CA (caCertPem)",
            "ECDSA P-384, secret: 0600 /etc/ssl/billu/web/public.key",
            "2027-01-01T00:00:00Z",
        ],
    ]);
});
