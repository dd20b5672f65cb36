/** The web server in the dev synth: its children and their order, the certificates, the secret channel, the docs. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { SynthResult } from "../../tools/synth";
import { runTool } from "../cli";
import { ROOT, orderingDeps } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

let r: SynthResult;
let out: string;

beforeAll(async () => {
    ({ r, out } = await committedSynth("dev"));
}, SYNTH_TIMEOUT);

const named = (n: string) => r.resources.find((x) => x.name === n)!;
const rendered = (p: string) => readFileSync(path.join(out, "rendered", "PAR-WEB01", p), "utf8");

test("synthesizes clean, PAR-WEB01 as a WebDmz holding its BaseServer (the VM keeps its name)", () => {
    expect(r.exitCode).toBe(0);
    const web = r.resources.find((x) => x.type === "billu:web:WebDmz")!;
    expect(
        r.resources
            .filter((x) => x.name === "par-web01")
            .map((x) => x.type)
            .sort(),
    ).toEqual(["billu:compute:BaseServer", "billu:compute:ProxmoxVm", "billu:web:WebDmz"]);
    expect(web.urn).toBe("urn:pulumi:dev::billu-infra::billu:site:Site$billu:web:WebDmz::par-web01");
    const chain: string[] = [];
    for (let x = named("par-web01-vm"); x.parent; x = r.resources.find((y) => y.urn === x.parent)!) chain.push(x.parent.split("::").slice(-2).join("::"));
    expect(chain).toEqual([
        "billu:compute:BaseServer$billu:compute:ProxmoxVm::par-web01",
        "billu:web:WebDmz$billu:compute:BaseServer::par-web01",
        "billu:site:Site$billu:web:WebDmz::par-web01",
        "billu:site:Site::par",
    ]);
    expect(web.inputs).toMatchObject({
        host: "PAR-WEB01",
        vmId: 150,
        publicName: "www.billu.example",
        intranetName: "intranet.billu.remindme.lan",
        intranetPorts: [443, 80],
        publishedListeners: [
            { hostPort: 8080, wanPort: 80, scheme: "http" },
            { hostPort: 8443, wanPort: 443, scheme: "https" },
        ],
        tlsProtocols: ["TLSv1.2", "TLSv1.3"],
    });
    expect(web.inputs.intranetAllowedNetworks).toHaveLength(11);
});

test("a certificate per site from the site CA: subject and SAN are the site's name", () => {
    for (const [role, name] of [
        ["public", "www.billu.example"],
        ["intranet", "intranet.billu.remindme.lan"],
    ]) {
        const csr = named(`par-ca-par-web01-${role}-csr`);
        expect(csr.inputs).toMatchObject({ subject: { commonName: name, organization: "BillU" }, dnsNames: [name] });
        expect(csr.parent).toBe(named("par-ca").urn);
        expect(named(`par-ca-par-web01-${role}-cert`).inputs).toMatchObject({
            allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
            earlyRenewalHours: 720,
        });
    }
});

test("order: base step, then the package, then the web step; the web step waits for nothing else", () => {
    const deps = (n: string) => orderingDeps(named(n));
    expect(deps("par-web01-apache-packages-prepare")).toEqual([named("par-web01-base-apply").urn]);
    expect(deps("par-web01-web-prepare")).toEqual([named("par-web01-apache-packages-apply").urn]);
});

test("keys and certificates travel the secret channel: placeholders in the staged files, stdin secret, output not logged", () => {
    expect(rendered("etc/ssl/billu/web/public.key")).toBe("{{secret:web-public-key}}");
    expect(rendered("etc/ssl/billu/web/intranet.crt")).toBe("{{secret:web-intranet-cert}}");
    const run = rendered("var/lib/billu/stage/web/run.sh");
    expect(run).toContain("billu_install '/etc/ssl/billu/web/public.key' 0600 'root:root'\n");
    expect(run).toContain("billu_install '/etc/apache2/apache2.conf' 0644 'root:root' 'apache2ctl -t -f {}'\n# --- step body ---");
    const apply = named("par-web01-web-apply");
    expect(apply.inputs.stdin).toBe("[secret]");
    expect(apply.inputs.logging).toBe("none");
    expect(apply.options.additionalSecretOutputs).toEqual(expect.arrayContaining(["stdout", "stderr"]));
    const text = JSON.stringify(r.resources) + JSON.stringify(r.outputs);
    expect(text).not.toContain("BEGIN PRIVATE KEY");
});

test("the rendered site content is the repository's, byte for byte", () => {
    for (const f of ["public/index.html", "public/site.css", "intranet/index.html", "intranet/robots.txt"]) {
        expect(rendered(`var/www/billu/${f}`)).toBe(readFileSync(path.join(ROOT, "sites", f), "utf8"));
    }
});

test("docs: both sites, the allowed networks, the certificates with their expiry, the DNS records", () => {
    const docs = readFileSync(path.join(out, "docs", "README.md"), "utf8");
    for (const h of ["sites", "intranet allowed networks", "certificates", "DNS records"]) expect(docs).toContain(`## Web server PAR-WEB01: ${h}`);
    expect(docs).toContain(
        "| public | CN=www.billu.example, O=BillU | www.billu.example | the site CA (caCertPem) | ECDSA P-384, secret: 0600 /etc/ssl/billu/web/public.key | 2027-01-01T00:00:00Z |",
    );
    expect(docs).toContain("| public | billu.example | www | A | 198.51.100.2 |");
    expect(docs).toContain("| kind:department | lan-dsi | 10.20.21.0/24 |");
});

test("DNS in the docs from synth and from the stack outputs: the DC publishes both internal records; the public one to publish", async () => {
    // The docs tool over the outputs, as `pulumi stack output --json` would give them after a real deployment.
    const dir = mkdtempSync(path.join(tmpdir(), "billu-web-docs-"));
    const p = await runTool("docs", ["--outputs", path.join(out, "outputs.json"), "--out", path.join(dir, "README.md")]);
    expect([p.status, p.stderr]).toEqual([0, ""]);
    for (const docs of [readFileSync(path.join(out, "docs", "README.md"), "utf8"), readFileSync(path.join(dir, "README.md"), "utf8")]) {
        // The DC's section: every record services ask for, with who asks; the zone it creates for the public name.
        expect(docs).toContain("| billu.remindme.lan | intranet | A | 172.16.120.10 | billu:web.intranet.name | the intranet site on PAR-WEB01 |");
        expect(docs).toContain("| www.billu.example | @ | A | 172.16.120.10 | billu:web.public.name |");
        expect(docs).toContain("| billu.remindme.lan | @ | MX | 10 par-mail01.billu.remindme.lan | billu:mail.domain |");
        expect(docs).toContain("| zones for names outside the domain | www.billu.example |");
        // The web server's section: both internal records, published by the DC, and the public record to publish.
        expect(docs).toContain("| internal | billu.remindme.lan | intranet | A | 172.16.120.10 | the AD DNS: published by the DC's domain step |");
        expect(docs).toContain("| internal | www.billu.example | @ | A | 172.16.120.10 | the AD DNS: published by the DC's domain step |");
        expect(docs).toContain(
            "| public | billu.example | www | A | 198.51.100.2 | the public DNS of billu.example: not managed here, publish it at its registrar |",
        );
    }
});

test("the CLI: an intranet open to the WAN and a public name outside the site's domains stop synth with exit 2", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-web-bad-"));
    const cfg = readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")
        .replace("      - kind:department\n", "      - kind:department\n      - wan\n")
        .replace("      name: www.billu.example\n", "      name: www.billu.fr\n");
    writeFileSync(path.join(dir, "Pulumi.webbad.yaml"), cfg);
    const p = await runTool("synth", ["--stack", "webbad", "--config", path.join(dir, "Pulumi.webbad.yaml"), "--out", path.join(dir, "out")]);
    expect(p.status).toBe(2);
    expect(p.stderr).toBe(
        "synth webbad: invalid configuration (2 problems):\n" +
            '  - billu:web.public.name: "www.billu.fr" is outside the site\'s public domains (billu.example). Fix: name the public site inside billu:web.publicDomains (e.g. www.billu.example), or add its domain there if the site owns it\n' +
            '  - billu:web.intranet.allowedFrom[1]: "wan" opens the intranet to the WAN (the internet). Fix: remove it: the intranet is for the site\'s own networks; what the internet may see belongs on the public site\n',
    );
    expect(existsSync(path.join(dir, "out", "resources.json"))).toBe(false);
});

test("three layers, one list: the router's forward rules, the web VM's Proxmox rules and Apache admit the same networks to 443", () => {
    const apache = /Require ip (.*)/.exec(rendered("etc/apache2/apache2.conf"))![1].split(" ").sort();
    const nft = readFileSync(path.join(out, "rendered", "PAR-FW01", "etc", "nftables.conf"), "utf8").split("\n");
    const routerTo443 = nft.filter((l) => l.includes("ip daddr 172.16.120.10 tcp dport 443 ")).map((l) => /ip saddr (\S+)/.exec(l)?.[1] ?? "any");
    expect(routerTo443.sort()).toEqual(apache);
    const rules = named("par-web01-firewall-rules").inputs.rules as { source: string; proto: string; dport: string }[];
    const vmTo443 = rules.filter((r) => r.dport.split(",").includes("443")).flatMap((r) => r.source.split(","));
    expect(vmTo443.sort()).toEqual(apache);
    // The WAN: forwarded to the public site's own listeners only, at the router and on the VM.
    expect(nft.filter((l) => l.includes(" dnat ip to ")).map((l) => l.trim().replace(/ comment .*/, ""))).toEqual([
        "iifname $IF_WAN ip daddr 198.51.100.2 tcp dport 80 dnat ip to 172.16.120.10:8080",
        "iifname $IF_WAN ip daddr 198.51.100.2 tcp dport 443 dnat ip to 172.16.120.10:8443",
        // The inbound mail relay's smtp (billu:mx), another DMZ host.
        "iifname $IF_WAN ip daddr 198.51.100.2 tcp dport 25 dnat ip to 172.16.120.20",
    ]);
    expect(rules.filter((r) => r.source === "+billu-wan").map((r) => `${r.proto}/${r.dport}`)).toEqual(["tcp/8080", "tcp/8443"]);
    expect(rendered("etc/apache2/apache2.conf")).toMatch(/<VirtualHost \*:443>\n\s+ServerName intranet\.billu\.remindme\.lan/);
});
