/**
 * The Zabbix configuration document (components/monitoring/zabbix-config.ts) and the input checks of the step that
 * applies it (scripts/monitoring/zabbix-config.py, run by python3). The API side is proven against a real Zabbix 6.0
 * by labs/monitoring (hosts, PSK, triggers, alert mail, a second run changes nothing).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CERT_DAYS_LEFT_JS, MonitoringConfigInput, renderZabbixConfig, TEMPLATE, USER_PARAMETERS } from "../../components/monitoring/zabbix-config";
import { ROOT } from "../helpers";

const STEP = path.join(ROOT, "scripts", "monitoring", "zabbix-config.py");

const INPUT: MonitoringConfigInput = {
    site: "BillU",
    hosts: [
        { name: "PAR-FW01", address: "10.20.0.1", role: "firewall", zone: "management", os: "linux", pskIdentity: "PAR-FW01-psk" },
        { name: "PAR-DHCP01", address: "10.20.10.21", role: "dhcp", zone: "servers", os: "linux", pskIdentity: "PAR-DHCP01-psk" },
        { name: "PAR-WEB01", address: "172.16.120.10", role: "web", zone: "dmz", os: "linux", pskIdentity: "PAR-WEB01-psk" },
        { name: "PAR-DC02", address: "10.20.10.12", role: "dc", zone: "servers", os: "windows", pskIdentity: "PAR-DC02-psk", agentPort: 10052 },
    ],
    webSites: [
        { name: "intranet.billu.remindme.lan", port: 443 },
        { name: "www.billu.example", port: 8443 },
    ],
    dhcpScopes: [{ id: 1, name: "lan-direction" }],
    mail: { relay: "10.20.10.41", port: 25, helo: "mon.billu.remindme.lan", from: "zabbix@billu.remindme.lan" },
    itGroup: { name: "IT", members: [{ username: "a.martin", fullName: "Alice Martin", email: "a.martin@billu.remindme.lan" }] },
};

describe("renderZabbixConfig", () => {
    const doc = renderZabbixConfig(INPUT);

    it("gives every host its OS base template and its role's templates, in its role and zone groups", () => {
        expect(doc.hosts.map((h) => [h.host, h.templates, h.groups, h.port])).toEqual([
            ["PAR-FW01", [TEMPLATE.linux, TEMPLATE.strongswan], ["BillU/role/firewall", "BillU/zone/management"], 10050],
            ["PAR-DHCP01", [TEMPLATE.linux, TEMPLATE.kea], ["BillU/role/dhcp", "BillU/zone/servers"], 10050],
            ["PAR-WEB01", [TEMPLATE.linux, TEMPLATE.apache], ["BillU/role/web", "BillU/zone/dmz"], 10050],
            // A Windows DC: the Windows template only (the Samba template's "Samba is not running" would fire on it).
            ["PAR-DC02", [TEMPLATE.windows], ["BillU/role/dc", "BillU/zone/servers"], 10052],
        ]);
        expect(doc.hostGroups).toEqual([
            "BillU/role/dc",
            "BillU/role/dhcp",
            "BillU/role/firewall",
            "BillU/role/web",
            "BillU/zone/dmz",
            "BillU/zone/management",
            "BillU/zone/servers",
        ]);
    });

    it("ships only the templates some host uses", () => {
        expect(doc.templates.map((t) => t.name).sort()).toEqual([TEMPLATE.linux, TEMPLATE.windows, TEMPLATE.apache, TEMPLATE.kea, TEMPLATE.strongswan].sort());
    });

    it("checks each HTTPS port and certificate of the planned sites; Apache down is high after {$BILLU.DOWN.CHECKS} failures", () => {
        const apache = doc.templates.find((t) => t.name === TEMPLATE.apache)!;
        expect(apache.items.filter((i) => i.key.startsWith("net.tcp.service")).map((i) => [i.key, i.delay])).toEqual([
            ["net.tcp.service[tcp,,443]", "60s"],
            ["net.tcp.service[tcp,,8443]", "60s"],
        ]);
        expect(apache.triggers[0]).toEqual({
            name: "Apache down: HTTPS port 443 refuses connections",
            expression: "max(/BillU Apache HTTPS/net.tcp.service[tcp,,443],{$BILLU.DOWN.CHECKS})=0",
            severity: "high",
        });
        // Each site's certificate: its own agent fetches it over loopback for the site's name (SNI and verification).
        const L = "Certificate of www.billu.example:8443 (web site)";
        const master = "web.certificate.get[www.billu.example,8443,127.0.0.1]";
        expect(apache.items.filter((i) => i.key === master || i.master === master)).toEqual([
            { key: master, name: L, type: "agent", valueType: "text", delay: "1h" },
            {
                key: "billu.cert.expiry[www.billu.example,8443]",
                name: `${L}: expires at`,
                type: "dependent",
                valueType: "unsigned",
                delay: "0",
                units: "unixtime",
                master,
                preprocessing: [{ type: "jsonpath", params: "$.x509.not_after.timestamp" }],
            },
            {
                key: "billu.cert.days[www.billu.example,8443]",
                name: `${L}: days left`,
                type: "dependent",
                valueType: "float",
                delay: "0",
                units: "d",
                master,
                preprocessing: [{ type: "javascript", params: CERT_DAYS_LEFT_JS }],
            },
            {
                key: "billu.cert.validation[www.billu.example,8443]",
                name: `${L}: validation`,
                type: "dependent",
                valueType: "char",
                delay: "0",
                master,
                preprocessing: [{ type: "jsonpath", params: "$.result.value" }],
            },
        ]);
        expect(apache.triggers.filter((t) => t.name.startsWith(L))).toEqual([
            {
                name: `${L} expires in less than {$BILLU.CERT.DAYS} days`,
                expression: "last(/BillU Apache HTTPS/billu.cert.expiry[www.billu.example,8443])-now()<{$BILLU.CERT.DAYS}*86400",
                severity: "warning",
            },
            {
                name: `${L} expires in less than {$BILLU.CERT.CRIT.DAYS} days`,
                expression: "last(/BillU Apache HTTPS/billu.cert.expiry[www.billu.example,8443])-now()<{$BILLU.CERT.CRIT.DAYS}*86400",
                severity: "high",
            },
            {
                name: `${L} does not verify (not issued by a trusted CA for this name)`,
                expression: 'last(/BillU Apache HTTPS/billu.cert.validation[www.billu.example,8443])<>"valid"',
                severity: "high",
            },
        ]);
    });

    it("the days-left JavaScript counts whole days from the agent's not_after to now (negative once expired)", () => {
        const now = Date.now() / 1000;
        const run = new Function("value", CERT_DAYS_LEFT_JS) as (v: string) => number;
        const doc1 = (t: number) => JSON.stringify({ x509: { not_after: { value: "x", timestamp: Math.round(t) } }, result: { value: "valid" } });
        expect(run(doc1(now + 10.5 * 86400))).toBe(10);
        expect(run(doc1(now - 1.5 * 86400))).toBe(-2);
    });

    it("the Samba DCs' LDAPS and the mail server's IMAPS certificates, from the plan's TLS endpoints; no STARTTLS endpoint", () => {
        const dc = { name: "PAR-DC01", address: "10.20.10.11", role: "dc", zone: "servers", os: "linux" as const, pskIdentity: "PAR-DC01-psk" };
        const mail = { name: "PAR-MAIL01", address: "10.20.10.41", role: "mail", zone: "servers", os: "linux" as const, pskIdentity: "PAR-MAIL01-psk" };
        const d = renderZabbixConfig({
            ...INPUT,
            hosts: [...INPUT.hosts, dc, mail],
            tlsEndpoints: {
                dc: [{ name: "billu.remindme.lan", port: 636, what: "LDAPS" }],
                mail: [{ name: "par-mail01.billu.remindme.lan", port: 993, what: "IMAPS" }],
            },
            thresholds: { certificateDays: 30, certificateCritDays: 10 },
        });
        const tpl = (n: string) => d.templates.find((t) => t.name === n)!;
        expect(
            tpl(TEMPLATE.samba)
                .items.filter((i) => i.type === "agent" && i.key.startsWith("web."))
                .map((i) => i.key),
        ).toEqual(["web.certificate.get[billu.remindme.lan,636,127.0.0.1]"]);
        expect(
            tpl(TEMPLATE.postfix)
                .items.filter((i) => i.key.startsWith("web."))
                .map((i) => i.key),
        ).toEqual(["web.certificate.get[par-mail01.billu.remindme.lan,993,127.0.0.1]"]);
        expect(
            tpl(TEMPLATE.samba)
                .triggers.slice(-3)
                .map((t) => [t.name, t.severity]),
        ).toEqual([
            ["Certificate of billu.remindme.lan:636 (LDAPS) expires in less than {$BILLU.CERT.DAYS} days", "warning"],
            ["Certificate of billu.remindme.lan:636 (LDAPS) expires in less than {$BILLU.CERT.CRIT.DAYS} days", "high"],
            ["Certificate of billu.remindme.lan:636 (LDAPS) does not verify (not issued by a trusted CA for this name)", "high"],
        ]);
        for (const n of [TEMPLATE.samba, TEMPLATE.postfix, TEMPLATE.apache]) {
            expect(tpl(n).macros.filter((m) => m.macro.startsWith("{$BILLU.CERT"))).toEqual([
                { macro: "{$BILLU.CERT.DAYS}", value: "30" },
                { macro: "{$BILLU.CERT.CRIT.DAYS}", value: "10" },
            ]);
        }
        // Without endpoints, the Samba template carries no certificate item nor macro.
        const plain = renderZabbixConfig({ ...INPUT, hosts: [...INPUT.hosts, dc] });
        expect(plain.templates.find((t) => t.name === TEMPLATE.samba)!.items.some((i) => i.key.startsWith("web.certificate.get"))).toBe(false);
        expect(plain.templates.find((t) => t.name === TEMPLATE.samba)!.macros).toEqual([{ macro: "{$BILLU.DOWN.CHECKS}", value: "#3" }]);
    });

    it("the site CA's certificate on the host that keeps it: openssl's notAfter through one sudo rule, a warning and a high trigger", () => {
        const mon = { name: "PAR-MON01", address: "10.20.0.40", role: "monitoring", zone: "management", os: "linux" as const, pskIdentity: "PAR-MON01-psk" };
        const d = renderZabbixConfig({ ...INPUT, hosts: [...INPUT.hosts, mon], siteCa: { host: "PAR-MON01" } });
        expect(d.hosts.find((h) => h.host === "PAR-MON01")!.templates).toEqual([TEMPLATE.linux, TEMPLATE.siteCa]);
        expect(d.templates.find((t) => t.name === TEMPLATE.siteCa)).toEqual({
            name: "BillU site CA certificates",
            description: "The site CA's certificate (/etc/billu/monitoring/site-ca.pem, the copy the Zabbix server keeps): its expiry, read by openssl.",
            macros: [
                { macro: "{$BILLU.CERT.DAYS}", value: "21" },
                { macro: "{$BILLU.CERT.CRIT.DAYS}", value: "7" },
            ],
            items: [
                { key: "billu.siteca.notafter", name: "Site CA certificate: expires at", type: "agent", valueType: "unsigned", delay: "1h", units: "unixtime" },
            ],
            triggers: [
                {
                    name: "Site CA certificate expires in less than {$BILLU.CERT.DAYS} days",
                    expression: "last(/BillU site CA certificates/billu.siteca.notafter)-now()<{$BILLU.CERT.DAYS}*86400",
                    severity: "warning",
                },
                {
                    name: "Site CA certificate expires in less than {$BILLU.CERT.CRIT.DAYS} days",
                    expression: "last(/BillU site CA certificates/billu.siteca.notafter)-now()<{$BILLU.CERT.CRIT.DAYS}*86400",
                    severity: "high",
                },
            ],
        });
        expect(USER_PARAMETERS.siteCa).toEqual([
            {
                key: "billu.siteca.notafter",
                command:
                    'f=$(sudo -n /usr/bin/openssl x509 -noout -enddate -in /etc/billu/monitoring/site-ca.pem 2>/dev/null) && date -u -d "${f#notAfter=}" +%s',
                sudo: "/usr/bin/openssl x509 -noout -enddate -in /etc/billu/monitoring/site-ca.pem",
            },
        ]);
        expect(doc.templates.some((t) => t.name === TEMPLATE.siteCa)).toBe(false);
    });

    it("the site CA's UserParameter, run by sh as the agent would: the file's notAfter as Unix seconds, nothing for a missing file", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "siteca-"));
        try {
            const pem = path.join(dir, "ca.pem");
            const key = path.join(dir, "ca.key");
            const gen = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=t", "-days", "12", "-keyout", key, "-out", pem]);
            expect(gen.status).toBe(0);
            // The expectation from openssl itself (-dateopt iso_8601), the command with the file's path and no sudo.
            const iso = spawnSync("openssl", ["x509", "-noout", "-enddate", "-dateopt", "iso_8601", "-in", pem], { encoding: "utf8" }).stdout.trim();
            const expected = Math.floor(Date.parse(iso.replace(/^notAfter=/, "").replace(" ", "T")) / 1000);
            const cmd = (p: string) => USER_PARAMETERS.siteCa![0].command.replace("sudo -n ", "").replace("/etc/billu/monitoring/site-ca.pem", p);
            const out = spawnSync("sh", ["-c", cmd(pem)], { encoding: "utf8" });
            expect([out.status, out.stdout]).toEqual([0, `${expected}\n`]);
            const missing = spawnSync("sh", ["-c", cmd(path.join(dir, "none.pem"))], { encoding: "utf8" });
            expect([missing.status === 0, missing.stdout]).toEqual([false, ""]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("raises a high problem when an agent stays unreachable: nodata() of agent.ping for billu:monitoring.thresholds.agentUnavailableMinutes", () => {
        for (const [tpl, name] of [
            [TEMPLATE.linux, "BillU Linux base"],
            [TEMPLATE.windows, "BillU Windows base"],
        ]) {
            const t = doc.templates.find((x) => x.name === tpl)!;
            expect(t.items.map((i) => i.key)).toContain("agent.ping");
            expect(t.triggers.filter((x) => x.expression.includes("agent.ping"))).toEqual([
                { name: "Agent unreachable for {$BILLU.AGENT.NODATA}", expression: `nodata(/${name}/agent.ping,{$BILLU.AGENT.NODATA})=1`, severity: "high" },
            ]);
            expect(t.macros).toContainEqual({ macro: "{$BILLU.AGENT.NODATA}", value: "5m" });
        }
        const tuned = renderZabbixConfig({ ...INPUT, thresholds: { agentUnavailableMinutes: 12 } });
        for (const tpl of [TEMPLATE.linux, TEMPLATE.windows]) {
            expect(tuned.templates.find((x) => x.name === tpl)!.macros.filter((m) => m.macro === "{$BILLU.AGENT.NODATA}")).toEqual([
                { macro: "{$BILLU.AGENT.NODATA}", value: "12m" },
            ]);
        }
    });

    it('raises CPU and memory "for 15 minutes" only with 15 minutes of history: a freshly started host\'s busy samples do not', () => {
        const triggers = (t: string) => doc.templates.find((x) => x.name === t)!.triggers.filter((x) => /CPU|Memory/.test(x.name));
        expect(triggers(TEMPLATE.linux).map((x) => x.expression)).toEqual([
            "min(/BillU Linux base/system.cpu.util,15m)>{$BILLU.CPU.MAX} and count(/BillU Linux base/system.cpu.util,5m:now-15m)>0",
            "min(/BillU Linux base/vm.memory.size[pused],15m)>{$BILLU.MEM.MAX} and count(/BillU Linux base/vm.memory.size[pused],5m:now-15m)>0",
        ]);
        expect(triggers(TEMPLATE.windows).map((x) => x.expression)).toEqual([
            "min(/BillU Windows base/system.cpu.util,15m)>{$BILLU.CPU.MAX} and count(/BillU Windows base/system.cpu.util,5m:now-15m)>0",
        ]);
    });

    it("gives Windows hosts one template: agent, CPU and C: items at the plan's intervals, three triggers on them, its macros", () => {
        const t = doc.templates.find((x) => x.name === TEMPLATE.windows)!;
        expect(t.items).toEqual([
            { key: "agent.ping", name: "Agent answers", type: "agent", valueType: "unsigned", delay: "60s" },
            { key: "system.cpu.util", name: "CPU utilisation", type: "agent", valueType: "float", delay: "5m", units: "%" },
            { key: "vfs.fs.size[C:,pused]", name: "C: used", type: "agent", valueType: "float", delay: "5m", units: "%" },
        ]);
        expect(t.triggers.map((x) => [x.name, x.severity])).toEqual([
            ["Agent unreachable for {$BILLU.AGENT.NODATA}", "high"],
            ["CPU above {$BILLU.CPU.MAX}% for 15 minutes", "warning"],
            ["C: above {$BILLU.DISK.MAX}%", "average"],
        ]);
        expect(t.triggers[2].expression).toBe("last(/BillU Windows base/vfs.fs.size[C:,pused])>{$BILLU.DISK.MAX}");
        expect(t.macros).toEqual([
            { macro: "{$BILLU.CPU.MAX}", value: "90" },
            { macro: "{$BILLU.DISK.MAX}", value: "85" },
            { macro: "{$BILLU.AGENT.NODATA}", value: "5m" },
        ]);
        // Only the Windows host links it, and no Debian role template (their UserParameters are Debian commands).
        expect(doc.hosts.filter((h) => h.templates.includes(TEMPLATE.windows)).map((h) => [h.host, h.templates])).toEqual([["PAR-DC02", [TEMPLATE.windows]]]);
    });

    it("names in every trigger only items of its own template, and every macro a trigger uses is one its template defines", () => {
        // Zabbix refuses trigger.create for an item the template lacks (labs/monitoring's BILLU_LAB_WINDOWS_SABOTAGE shows
        // it on a real server); a macro the template lacks stays unresolved and the trigger never fires.
        const problems: string[] = [];
        for (const t of doc.templates) {
            const keys = new Set(t.items.map((i) => i.key));
            const macros = new Set(t.macros.map((m) => m.macro));
            for (const tr of t.triggers) {
                for (const m of tr.expression.matchAll(/\/([^/]+)\/([^,)[]+(?:\[[^\]]*\])?)/g)) {
                    if (m[1] !== t.name || !keys.has(m[2])) problems.push(`${t.name}: ${JSON.stringify(tr.name)} names /${m[1]}/${m[2]}`);
                }
                for (const m of tr.expression.matchAll(/\{\$[A-Z0-9._]+\}/g)) {
                    if (!macros.has(m[0])) problems.push(`${t.name}: ${JSON.stringify(tr.name)} uses ${m[0]}, not a macro of its template`);
                }
            }
        }
        expect(problems).toEqual([]);
        expect(doc.templates.length).toBeGreaterThanOrEqual(5);
    });

    it("writes the thresholds as template macros: the defaults, or the plan's", () => {
        const macros = (d: typeof doc, t: string) => d.templates.find((x) => x.name === t)!.macros;
        expect(macros(doc, TEMPLATE.apache)).toEqual([
            { macro: "{$BILLU.DOWN.CHECKS}", value: "#3" },
            { macro: "{$BILLU.CERT.DAYS}", value: "21" },
            { macro: "{$BILLU.CERT.CRIT.DAYS}", value: "7" },
        ]);
        const tuned = renderZabbixConfig({ ...INPUT, thresholds: { certificateDays: 30, dhcpPoolPercent: 70 }, intervals: { service: "5s" } });
        expect(macros(tuned, TEMPLATE.apache)).toEqual([
            { macro: "{$BILLU.DOWN.CHECKS}", value: "#3" },
            { macro: "{$BILLU.CERT.DAYS}", value: "30" },
            { macro: "{$BILLU.CERT.CRIT.DAYS}", value: "7" },
        ]);
        expect(macros(tuned, TEMPLATE.kea)).toContainEqual({ macro: "{$BILLU.POOL.MAX}", value: "70" });
        expect(tuned.templates.find((t) => t.name === TEMPLATE.apache)!.items[0].delay).toBe("5s");
    });

    it("an FTP server gets the vsftpd template: its failed-login threshold is the plan's, its log item an active one", () => {
        const ftp = { name: "PAR-FTP01", address: "10.20.10.51", role: "ftp", zone: "servers", os: "linux" as const, pskIdentity: "PAR-FTP01-psk" };
        const d = renderZabbixConfig({ ...INPUT, hosts: [...INPUT.hosts, ftp], thresholds: { ftpFailedLogins: 7 } });
        expect(d.hosts.find((h) => h.host === "PAR-FTP01")!.templates).toEqual([TEMPLATE.linux, TEMPLATE.vsftpd]);
        const t = d.templates.find((x) => x.name === TEMPLATE.vsftpd)!;
        expect(t.macros).toEqual([
            { macro: "{$BILLU.DOWN.CHECKS}", value: "#3" },
            { macro: "{$BILLU.FTP.FAILS}", value: "7" },
        ]);
        expect(t.items.map((i) => [i.key, i.type, i.valueType])).toEqual([
            ["proc.num[vsftpd]", "agent", "unsigned"],
            ["net.tcp.service[tcp,,21]", "agent", "unsigned"],
            ['log[/var/log/vsftpd.log,"FAIL LOGIN",,,skip]', "agent-active", "log"],
        ]);
        // Without an FTP server the template is not in the document.
        expect(doc.templates.map((x) => x.name)).not.toContain(TEMPLATE.vsftpd);
    });

    it("GLPI's host gets the GLPI template (front over HTTPS, PHP-FPM, MariaDB, the dump), its agent hosts the inventory one", () => {
        const glpiHost = { name: "PAR-GLPI01", address: "10.20.10.60", role: "assets", zone: "servers", os: "linux" as const, pskIdentity: "PAR-GLPI01-psk" };
        const d = renderZabbixConfig({
            ...INPUT,
            hosts: [...INPUT.hosts, glpiHost],
            glpi: { host: "PAR-GLPI01", url: "https://par-glpi01.billu.remindme.lan", dumpFile: "/var/backups/glpi/glpi.sql", dumpMaxAgeHours: 30 },
            inventoryAgents: { hosts: ["PAR-WEB01", "PAR-GLPI01"], stampFile: "/var/lib/billu-inventory/last-success", maxAgeHours: 49 },
        });
        const templatesOf = (n: string) => d.hosts.find((h) => h.host === n)!.templates;
        expect(templatesOf("PAR-GLPI01")).toEqual([TEMPLATE.linux, TEMPLATE.glpi, TEMPLATE.inventoryAgent]);
        expect(templatesOf("PAR-WEB01")).toEqual([TEMPLATE.linux, TEMPLATE.apache, TEMPLATE.inventoryAgent]);
        expect(templatesOf("PAR-DHCP01")).toEqual([TEMPLATE.linux, TEMPLATE.kea]);
        const g = d.templates.find((x) => x.name === TEMPLATE.glpi)!;
        const front = 'web.page.regexp[https://par-glpi01.billu.remindme.lan/index.php,,,"^HTTP/[0-9.]+ ([0-9]+)",,\\1]';
        expect(g.items.map((i) => [i.key, i.delay])).toEqual([
            ["net.tcp.service[https,,443]", "60s"],
            [front, "60s"],
            ["proc.num[apache2]", "60s"],
            ["proc.num[php-fpm8.2]", "60s"],
            ["proc.num[mariadbd]", "60s"],
            ["vfs.file.time[/var/backups/glpi/glpi.sql,modify]", "1h"],
        ]);
        expect(g.macros).toContainEqual({ macro: "{$BILLU.GLPI.DUMP.HOURS}", value: "30" });
        expect(g.triggers.map((x) => [x.expression, x.severity])).toEqual([
            ["max(/BillU GLPI/net.tcp.service[https,,443],{$BILLU.DOWN.CHECKS})=0", "high"],
            [`last(/BillU GLPI/${front})<>200`, "high"],
            ["max(/BillU GLPI/proc.num[php-fpm8.2],{$BILLU.DOWN.CHECKS})=0", "high"],
            ["max(/BillU GLPI/proc.num[mariadbd],{$BILLU.DOWN.CHECKS})=0", "disaster"],
            ["now()-last(/BillU GLPI/vfs.file.time[/var/backups/glpi/glpi.sql,modify])>{$BILLU.GLPI.DUMP.HOURS}*3600", "warning"],
        ]);
        const inv = d.templates.find((x) => x.name === TEMPLATE.inventoryAgent)!;
        expect(inv.macros).toEqual([{ macro: "{$BILLU.INVENTORY.HOURS}", value: "49" }]);
        expect(inv.triggers[0].expression).toBe(
            "now()-last(/BillU inventory agent/vfs.file.time[/var/lib/billu-inventory/last-success,modify])>{$BILLU.INVENTORY.HOURS}*3600",
        );
        // Without GLPI neither template is in the document.
        expect(doc.templates.map((x) => x.name)).not.toContain(TEMPLATE.glpi);
        expect(doc.templates.map((x) => x.name)).not.toContain(TEMPLATE.inventoryAgent);
    });

    it("alerts the IT group by mail through the site's mail server, one action per severity from average up", () => {
        expect(doc.mediaType).toEqual({
            name: "BillU e-mail",
            smtpServer: "10.20.10.41",
            smtpPort: 25,
            smtpHelo: "mon.billu.remindme.lan",
            smtpEmail: "zabbix@billu.remindme.lan",
        });
        expect(doc.actions.map((a) => a.severity)).toEqual(["average", "high", "disaster"]);
        expect(doc.users).toEqual([
            { username: "a.martin", name: "Alice Martin", email: "a.martin@billu.remindme.lan", severities: ["average", "high", "disaster"] },
        ]);
        const warn = renderZabbixConfig({ ...INPUT, itGroup: { ...INPUT.itGroup, minSeverity: "warning" } });
        expect(warn.actions.map((a) => a.severity)).toEqual(["warning", "average", "high", "disaster"]);
    });

    it("the directory drift template (issue #27) goes to the first DC only, on either OS, with the model's thresholds as macros", () => {
        expect(doc.templates.map((t) => t.name)).not.toContain(TEMPLATE.directoryDrift);
        const drift = { host: "PAR-DC02", resultPath: "C:/ProgramData/billu/drift/directory.json", graceSeconds: 1800, maxAgeSeconds: 1920 };
        const withDrift = renderZabbixConfig({ ...INPUT, directoryDrift: drift });
        expect(withDrift.hosts.map((h) => [h.host, h.templates])).toEqual([
            ["PAR-FW01", [TEMPLATE.linux, TEMPLATE.strongswan]],
            ["PAR-DHCP01", [TEMPLATE.linux, TEMPLATE.kea]],
            ["PAR-WEB01", [TEMPLATE.linux, TEMPLATE.apache]],
            ["PAR-DC02", [TEMPLATE.windows, TEMPLATE.directoryDrift]],
        ]);
        const t = withDrift.templates.find((x) => x.name === TEMPLATE.directoryDrift)!;
        expect(t.macros).toEqual([
            { macro: "{$BILLU.DRIFT.GRACE}", value: "1800s" },
            { macro: "{$BILLU.DRIFT.MAXAGE}", value: "1920" },
        ]);
        const master = "vfs.file.contents[C:/ProgramData/billu/drift/directory.json]";
        expect(
            t.items.map((i) => [i.key, i.type, i.valueType, i.master ?? "", (i.preprocessing ?? []).map((p) => p.type + " " + p.params.split("\n")[0])]),
        ).toEqual([
            [master, "agent", "text", "", []],
            ["billu.drift.count", "dependent", "unsigned", master, ["jsonpath $.drift"]],
            ["billu.drift.privileged", "dependent", "unsigned", master, ["jsonpath $.privilegedDrift"]],
            ["billu.drift.checked", "dependent", "unsigned", master, ["javascript var t = Date.parse(JSON.parse(value).checkedAt);"]],
        ]);
        expect(t.triggers.map((x) => [x.expression, x.severity])).toEqual([
            ["last(/BillU directory drift/billu.drift.privileged)>0", "high"],
            ["min(/BillU directory drift/billu.drift.count,{$BILLU.DRIFT.GRACE})>0", "warning"],
            ["now()-last(/BillU directory drift/billu.drift.checked)>{$BILLU.DRIFT.MAXAGE}", "warning"],
        ]);
    });

    it("the drift check time: the JavaScript turns the verdict's checkedAt into Unix seconds, and refuses a verdict without one", () => {
        const t = renderZabbixConfig({ ...INPUT, directoryDrift: { host: "PAR-DHCP01", resultPath: "/d.json", graceSeconds: 60, maxAgeSeconds: 7320 } });
        const js = t.templates.find((x) => x.name === TEMPLATE.directoryDrift)!.items[3].preprocessing![0].params;
        // Zabbix runs the step as the body of function (value) { ... } (Duktape, ES5): so does this test, in Node.
        const step = new Function("value", js) as (v: string) => number;
        expect(step(JSON.stringify({ checkedAt: "2026-12-05T13:00:00Z", drift: 0 }))).toBe(1796475600);
        expect(() => step(JSON.stringify({ drift: 0 }))).toThrow("checkedAt is not an ISO 8601 date");
    });

    it("has an IT operations and a business dashboard; the business one shows only what staff use", () => {
        expect(doc.dashboards.map((d) => d.name)).toEqual(["BillU IT operations", "BillU business services"]);
        expect(doc.dashboards[1].widgets[0].groups).toEqual(["BillU/role/dc", "BillU/role/dhcp", "BillU/role/firewall", "BillU/role/web"]);
    });

    const FULL: MonitoringConfigInput = {
        ...INPUT,
        hosts: [
            ...INPUT.hosts,
            { name: "PAR-MAIL01", address: "10.20.10.41", role: "mail", zone: "servers", os: "linux", pskIdentity: "PAR-MAIL01-psk" },
            { name: "PAR-FTP01", address: "10.20.10.51", role: "ftp", zone: "servers", os: "linux", pskIdentity: "PAR-FTP01-psk" },
            { name: "PAR-PBX01", address: "10.20.10.71", role: "pbx", zone: "servers", os: "linux", pskIdentity: "PAR-PBX01-psk" },
            { name: "PAR-BKP01", address: "10.20.0.30", role: "backup", zone: "management", os: "linux", pskIdentity: "PAR-BKP01-psk" },
        ],
        backupClients: [
            { client: "PAR-DC02", resultFile: "/var/lib/billu/backup/results/par-dc02.json" },
            { client: "PAR-WEB01", resultFile: "/var/lib/billu/backup/results/par-web01.json" },
        ],
    };

    it("the business dashboard: one item widget per thing that says a staff service works, on the hosts that run it", () => {
        const full = renderZabbixConfig(FULL);
        const widgets = full.dashboards[1].widgets.filter((w) => w.type === "item");
        expect(widgets.map((w) => [w.name, w.item!.host, w.item!.key])).toEqual([
            ["VPN: Established IKE SAs (PAR-FW01)", "PAR-FW01", "billu.ipsec.sas"],
            ["VPN: charon processes (PAR-FW01)", "PAR-FW01", "proc.num[charon]"],
            ["Mail: SMTP answers (PAR-MAIL01)", "PAR-MAIL01", "net.tcp.service[smtp,,25]"],
            ["Mail: Deferred messages (PAR-MAIL01)", "PAR-MAIL01", "billu.postfix.deferred"],
            ["Web: Apache accepts HTTPS on port 443 (PAR-WEB01)", "PAR-WEB01", "net.tcp.service[tcp,,443]"],
            ["Web: Apache accepts HTTPS on port 8443 (PAR-WEB01)", "PAR-WEB01", "net.tcp.service[tcp,,8443]"],
            ["Web: Apache processes (PAR-WEB01)", "PAR-WEB01", "proc.num[apache2]"],
            ["FTP: vsftpd processes (PAR-FTP01)", "PAR-FTP01", "proc.num[vsftpd]"],
            ["FTP: vsftpd accepts FTP connections (PAR-FTP01)", "PAR-FTP01", "net.tcp.service[tcp,,21]"],
            ["Telephony: Asterisk processes (PAR-PBX01)", "PAR-PBX01", "proc.num[asterisk]"],
            ["Telephony: SIP over TLS accepts connections (port 5061) (PAR-PBX01)", "PAR-PBX01", "net.tcp.service[tcp,,5061]"],
            ["Telephony: Registered phones (PJSIP contacts) (PAR-PBX01)", "PAR-PBX01", "billu.pbx.contacts"],
            ["Backups: Last backup of PAR-DC02 finished (PAR-BKP01)", "PAR-BKP01", "billu.backup.finished[PAR-DC02]"],
            ["Backups: Last backup of PAR-WEB01 finished (PAR-BKP01)", "PAR-BKP01", "billu.backup.finished[PAR-WEB01]"],
        ]);
        // Every widget's item is an item of a template its host links (what the step resolves to the host's item id).
        for (const w of widgets) {
            const host = full.hosts.find((h) => h.host === w.item!.host)!;
            const keys = full.templates.filter((t) => host.templates.includes(t.name)).flatMap((t) => t.items.map((i) => i.key));
            expect(keys).toContain(w.item!.key);
        }
        // Six a row below the problem widgets, none overlapping, within Zabbix's 24 columns.
        expect(widgets.slice(0, 7).map((w) => [w.x, w.y])).toEqual([
            [0, 11],
            [4, 11],
            [8, 11],
            [12, 11],
            [16, 11],
            [20, 11],
            [0, 14],
        ]);
        // A site without those services shows none of their widgets (the base input: router and web only).
        expect(doc.dashboards[1].widgets.filter((w) => w.type === "item").map((w) => w.item!.host)).toEqual([
            "PAR-FW01",
            "PAR-FW01",
            "PAR-WEB01",
            "PAR-WEB01",
            "PAR-WEB01",
        ]);
    });

    it("the PBX gets the telephony template: Asterisk, SIP over TLS on the catalogue's port, its registered phones", () => {
        const full = renderZabbixConfig(FULL);
        expect(full.hosts.find((h) => h.host === "PAR-PBX01")!.templates).toEqual([TEMPLATE.linux, TEMPLATE.telephony]);
        const t = full.templates.find((x) => x.name === TEMPLATE.telephony)!;
        expect(t.items.map((i) => i.key)).toEqual(["proc.num[asterisk]", "net.tcp.service[tcp,,5061]", "billu.pbx.contacts"]);
        expect(t.triggers.map((x) => [x.expression, x.severity])).toEqual([
            ["max(/BillU telephony/proc.num[asterisk],{$BILLU.DOWN.CHECKS})=0", "high"],
            ["max(/BillU telephony/net.tcp.service[tcp,,5061],{$BILLU.DOWN.CHECKS})=0", "high"],
        ]);
    });

    it("the inbound relay gets its own template: port 25 through postscreen, its whole queue, which must drain", () => {
        const full = renderZabbixConfig({
            ...FULL,
            hosts: [...FULL.hosts, { ...FULL.hosts[0], name: "PAR-MX01", address: "172.16.100.20", role: "mx", zone: "dmz" }],
        });
        expect(full.hosts.find((h) => h.host === "PAR-MX01")!.templates).toEqual([TEMPLATE.linux, TEMPLATE.mxRelay]);
        const t = full.templates.find((x) => x.name === TEMPLATE.mxRelay)!;
        expect(t.name).toBe("BillU Postfix relay");
        expect(t.macros).toEqual([
            { macro: "{$BILLU.DOWN.CHECKS}", value: "#3" },
            { macro: "{$BILLU.RELAY.QUEUE.MAX}", value: "0" },
        ]);
        expect(t.items.map((i) => [i.key, i.type, i.delay])).toEqual([
            ["net.tcp.service[smtp,,25]", "agent", "60s"],
            ["billu.postfix.queue", "agent", "60s"],
        ]);
        expect(t.triggers.map((x) => [x.expression, x.severity])).toEqual([
            ["max(/BillU Postfix relay/net.tcp.service[smtp,,25],{$BILLU.DOWN.CHECKS})=0", "high"],
            [
                "min(/BillU Postfix relay/billu.postfix.queue,15m)>{$BILLU.RELAY.QUEUE.MAX} and count(/BillU Postfix relay/billu.postfix.queue,5m:now-15m)>0",
                "average",
            ],
        ]);
    });

    it("backup freshness: each client's result file the report writes, its end time and exit status; missing results are old", () => {
        const full = renderZabbixConfig(FULL);
        const t = full.templates.find((x) => x.name === TEMPLATE.backup)!;
        const master = "vfs.file.contents[/var/lib/billu/backup/results/par-dc02.json]";
        expect(t.items.slice(0, 3).map((i) => [i.key, i.type, i.master ?? ""])).toEqual([
            [master, "agent", ""],
            ["billu.backup.finished[PAR-DC02]", "dependent", master],
            ["billu.backup.status[PAR-DC02]", "dependent", master],
        ]);
        expect(t.triggers.slice(0, 2).map((x) => [x.name, x.expression])).toEqual([
            [
                "No backup of PAR-DC02 for {$BILLU.BACKUP.HOURS} hours",
                "now()-last(/BillU backup freshness/billu.backup.finished[PAR-DC02])>{$BILLU.BACKUP.HOURS}*3600",
            ],
            ["Last backup of PAR-DC02 failed", "last(/BillU backup freshness/billu.backup.status[PAR-DC02])<>0"],
        ]);
        // The JavaScript as Zabbix runs it (the body of function (value) {...}), on what report.sh and backup-run.sh write.
        const finished = new Function("value", t.items[1].preprocessing![0].params) as (v: string) => number;
        const status = new Function("value", t.items[2].preprocessing![0].params) as (v: string) => number;
        const ok = '{"host":"PAR-DC02","started":"2026-12-05T13:00:00Z","seconds":42,"bytes":1,"snapshot":"ab","classes":"system","exitStatus":0}';
        expect(finished(ok)).toBe(1796475642);
        expect(status(ok)).toBe(0);
        expect(status(ok.replace('"exitStatus":0', '"exitStatus":3'))).toBe(3);
        const missing = '{"repository":"par-dc02","exitStatus":null,"missing":true}';
        expect(finished(missing)).toBe(0);
        expect(status(missing)).toBe(-1);
    });
});

describe("scripts/monitoring/zabbix-config.py input checks (exit 2, no API contacted)", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "zbxcfg-"));
        fs.writeFileSync(path.join(dir, "doc.json"), JSON.stringify(renderZabbixConfig(INPUT)));
        fs.writeFileSync(path.join(dir, "cred"), "username=Admin\npassword=x\n", { mode: 0o600 });
        fs.writeFileSync(path.join(dir, "psk"), `PAR-WEB01-psk ${"ab".repeat(32)}\n`, { mode: 0o600 });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    // An address nothing listens on: a check that let bad input through would fail with exit 3, not 2.
    const run = (...extra: string[]) => spawnSync("python3", [STEP, "--url", "http://127.0.0.1:9/api_jsonrpc.php", ...extra], { encoding: "utf8" });
    const args = (over: Record<string, string> = {}) => {
        const a = { document: path.join(dir, "doc.json"), credentials: path.join(dir, "cred"), psk: path.join(dir, "psk"), ...over };
        return ["--document", a.document, "--credentials", a.credentials, "--psk", a.psk];
    };

    it("refuses a credentials file others can read", () => {
        fs.chmodSync(path.join(dir, "cred"), 0o644);
        const r = run(...args());
        expect(r.stderr).toBe(`zabbix-config: --credentials ${dir}/cred: mode 644 lets others read the API credentials. Fix: chmod 600 ${dir}/cred\n`);
        expect(r.status).toBe(2);
    });

    it("refuses credentials without a password line", () => {
        fs.writeFileSync(path.join(dir, "cred"), "username=Admin\n");
        const r = run(...args());
        expect(r.stderr).toBe(
            `zabbix-config: --credentials ${dir}/cred: no password line. Fix: write \`username=<api user>\` and \`password=<its password>\`, one a line\n`,
        );
        expect(r.status).toBe(2);
    });

    it("refuses a PSK line that is not `<identity> <hex psk>`, naming the line", () => {
        fs.writeFileSync(path.join(dir, "psk"), "# comment\nPAR-WEB01-psk abcdef\n");
        const r = run(...args());
        expect(r.stderr).toBe(
            `zabbix-config: --psk ${dir}/psk line 2: expected \`<psk identity> <hex psk of at least 32 digits>\`. Fix: regenerate the file\n`,
        );
        expect(r.status).toBe(2);
    });

    it("reads a PSK identity with spaces (the plan's `PSK <host>`) up to the key: good input, so it goes on to the API", () => {
        fs.writeFileSync(path.join(dir, "psk"), `PSK PAR-WEB01 ${"ab".repeat(32)}\n`, { mode: 0o600 });
        const r = run(...args());
        expect(r.stderr).toMatch(/^zabbix-config: user\.login: cannot reach the Zabbix API at /);
        expect(r.status).toBe(3);
    });

    it("refuses a document of another version", () => {
        fs.writeFileSync(path.join(dir, "doc.json"), JSON.stringify({ version: 2 }));
        const r = run(...args());
        expect(r.stderr).toBe(
            `zabbix-config: --document ${dir}/doc.json: version 2, this step reads version 1. Fix: render the document and the step from one synth\n`,
        );
        expect(r.status).toBe(2);
    });

    it("with good input, fails on the unreachable API with exit 3 and says which call", () => {
        const r = run(...args());
        expect(r.stderr).toMatch(/^zabbix-config: user\.login: cannot reach the Zabbix API at http:\/\/127\.0\.0\.1:9\/api_jsonrpc\.php: /);
        expect(r.status).toBe(3);
    });
});

describe("scripts/monitoring/zabbix-config.py trigger comparison", () => {
    // Zabbix 6.0's trigger.get (expandExpression) returns the expression with the template's user macros replaced by their
    // values: compared as written, every trigger with a macro was updated on every run (labs/monitoring's second run).
    const expanded = (expr: string, macros: Record<string, string>) =>
        spawnSync(
            "python3",
            [
                "-c",
                // the client imports zabbix_api from its own folder, as `python3 <client>` finds it
                "import importlib.util, json, os, sys; sys.path.insert(0, os.path.dirname(sys.argv[1])); " +
                    "s = importlib.util.spec_from_file_location('zc', sys.argv[1]); m = importlib.util.module_from_spec(s); " +
                    "s.loader.exec_module(m); print(m.expanded(sys.argv[2], json.loads(sys.argv[3])))",
                STEP,
                expr,
                JSON.stringify(macros),
            ],
            { encoding: "utf8" },
        ).stdout;

    it("expands the template's macros as the API returns the expression, and keeps a macro the template does not define", () => {
        expect(expanded("max(/BillU Apache HTTPS/net.tcp.service[tcp,,443],{$BILLU.DOWN.CHECKS})=0", { "{$BILLU.DOWN.CHECKS}": "#3" })).toBe(
            "max(/BillUApacheHTTPS/net.tcp.service[tcp,,443],#3)=0\n",
        );
        expect(expanded("last(/T/k) - now() < {$BILLU.CERT.DAYS} * 86400 and {$OTHER}", { "{$BILLU.CERT.DAYS}": "21" })).toBe(
            "last(/T/k)-now()<21*86400and{$OTHER}\n",
        );
    });
});
