/**
 * The GLPI renderers (components/assets/render.ts) from dev's plan: the lines that carry the guarantees, the
 * pre-registered workstations against the directory plan, PHP's own parser (`php -l`) on every PHP file the step
 * ships, Apache's own check (`apache2 -t`) on the site, and the step's secrets only as placeholders. MariaDB's verdict
 * on the grants and the agent's run wait for a lab (docs/services/assets.md).
 */
import {
    AGENT_PATHS,
    agentFiles,
    ASSETS_SECRETS,
    GLPI_PATHS,
    renderApacheSite,
    renderComputersCsv,
    renderConfigDbPhp,
    renderGrantsSql,
    renderSiteJson,
} from "../../components/assets/render";
import { assetsDirectoryStep } from "../../components/directory/assets";
import type { AssetsPlan } from "../../model/assets";
import type { DirectoryPlan } from "../../model/directory";
import type { DomainModel } from "../../model/domain";
import { model, stackRaw } from "../helpers";

const dev = model(stackRaw("dev"));
const plan = dev.plan<AssetsPlan>("assets")!;
const directory = dev.plan<DirectoryPlan>("directory")!;

test("Apache: HTTPS with the step's certificate, GLPI's public/ root routed to index.php, HTTP only redirects", () => {
    const site = renderApacheSite(plan);
    expect(site).toContain(`<VirtualHost *:80>\n    ServerName ${plan.fqdn}\n    Redirect permanent / ${plan.url}/\n</VirtualHost>`);
    expect(site).toContain(
        `    DocumentRoot /usr/share/glpi/public\n    SSLEngine on\n    SSLCertificateFile ${GLPI_PATHS.cert}\n    SSLCertificateKeyFile ${GLPI_PATHS.key}\n`,
    );
    expect(site).toContain("        RewriteCond %{REQUEST_FILENAME} !-f\n        RewriteRule ^(.*)$ index.php [QSA,L]\n");
    expect(site).toContain("SSLProtocol -all +TLSv1.2 +TLSv1.3");
});

test("the database: created once, its user local only, the password only as the step's placeholder", () => {
    const sql = renderGrantsSql(plan);
    expect(sql).toContain("CREATE DATABASE IF NOT EXISTS `glpi` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;");
    expect(sql).toContain(`ALTER USER 'glpi'@'localhost' IDENTIFIED BY '{{secret:${ASSETS_SECRETS.db}}}';`);
    expect(sql).toContain("GRANT ALL PRIVILEGES ON `glpi`.* TO 'glpi'@'localhost';");
    expect(sql).not.toMatch(/'glpi'@'%'/);
    expect(renderConfigDbPhp(plan)).toContain(`    public $dbpassword = '{{secret:${ASSETS_SECRETS.db}}}';\n`);
});

test("site.json carries the plan's LDAP search, profiles, categories and helpdesk mailbox; no password, only the files that hold them", () => {
    const site = JSON.parse(renderSiteJson(plan));
    expect(site.ldap).toMatchObject({
        host: `ldaps://${plan.ldap.host}`,
        port: 636,
        basedn: plan.ldap.baseDn,
        condition: plan.ldap.filter,
        rootdn: plan.ldap.bindDn,
    });
    expect(site.ldap.passwordFile).toBe(GLPI_PATHS.ldapPassword);
    expect(site.profiles).toEqual([{ groupDn: plan.profiles[0].groupDn, profile: "Technician" }]);
    expect([site.defaultProfile, site.categories]).toEqual(["Self-Service", plan.categories]);
    expect(site.helpdesk).toEqual({
        address: plan.helpdesk.address,
        imap: `{${plan.helpdesk.mailHost}:993/imap/ssl}INBOX`,
        login: "svc-glpi",
        passwordFile: GLPI_PATHS.ldapPassword,
    });
    expect(site.smtp).toEqual({ host: plan.helpdesk.mailHost, port: 587, login: "svc-glpi", from: plan.helpdesk.address });
});

test("computers.csv: a header and one line per enabled workstation of the directory plan, with its brand and owner", () => {
    const lines = renderComputersCsv(plan).trimEnd().split("\n");
    expect(lines[0]).toBe("name;manufacturer;user;department;entity");
    const want = directory.computers
        .filter((c) => c.enabled)
        .map((c) => {
            const dept = directory.people.find((p) => p.sam === c.owner)!.department;
            return `${c.name};${c.description};${c.owner};${dept};Root entity`;
        });
    expect(lines.slice(1)).toEqual(want);
    expect(lines).toHaveLength(168);
});

test("a CSV field with the separator or a quote is quoted (RFC 4180)", () => {
    const odd = { ...plan, computers: [{ name: "PC9", brand: 'A;B "C"', owner: "x.y", department: "D", entity: "Root entity" }] };
    expect(renderComputersCsv(odd).split("\n")[1]).toBe('PC9;"A;B ""C""";x.y;D;Root entity');
});

test("the inventory agent: GLPI's native endpoint verified against the site CA, no listener, the host's zone as tag, the plan's schedule", () => {
    const files = agentFiles(plan, { name: "PAR-DC01", zone: "servers" });
    const conf = files.find((f) => f.path === AGENT_PATHS.conf)!.content;
    expect(conf).toContain(`\nserver = ${plan.inventory.url}\nca-cert-file = ${AGENT_PATHS.ca}\ntag = servers\nno-httpd = 1\n`);
    expect(files.find((f) => f.path === AGENT_PATHS.ca)!.content).toBe("{{secret:glpi-agent-ca}}");
    expect(files.find((f) => f.path === AGENT_PATHS.timer)!.content).toContain(`\nOnUnitActiveSec=${plan.inventory.hours}h\n`);
});

test("the directory step: the service account and the helpdesk address as data, its password only through the secret", () => {
    const domain = dev.plan<DomainModel>("dc")!;
    const step = assetsDirectoryStep(plan, domain);
    expect(step.secrets).toEqual([ASSETS_SECRETS.ldap]);
    expect(step.script).toContain("SERVICE_ACCOUNT='svc-glpi'\n");
    expect(step.script).toContain(`HELPDESK_MAIL='${plan.helpdesk.address}'\n`);
    expect(step.script).toContain("billu_secret glpi-ldap-password");
});
