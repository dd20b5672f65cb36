import { problemsOf, model, stackRaw } from "../helpers";

describe("the one requirements check: what the services need of the flow matrix", () => {
    test("a flow to a port where nothing the site deploys listens is refused (the webmail flow with the webmail off)", () => {
        const raw = stackRaw("dev");
        raw.mail.webmail = { enabled: false };
        const i = raw.flows.findIndex((f: { to: string; service: string }) => f.to === "PAR-MAIL01" && f.service === "https");
        expect(i).toBeGreaterThan(0);
        expect(problemsOf(raw)).toEqual([
            `billu:flows[${i}]: opens https (tcp/443) on PAR-MAIL01, where nothing the site deploys listens: a host of role mail answers on smtp, submission, imaps, rspamd-milter, zabbix-agent, ssh. Fix: remove the flow, or deploy the service that answers on https on PAR-MAIL01`,
        ]);
    });

    test("the webmail needs its flow: without it the site is refused with the line to add", () => {
        const raw = stackRaw("dev");
        raw.flows = raw.flows.filter((f: { to: string; service: string }) => !(f.to === "PAR-MAIL01" && f.service === "https"));
        const departments = model(stackRaw("dev"))
            .zones.filter((z) => z.kind === "department")
            .map((z) => z.name);
        expect(departments.length).toBeGreaterThan(1);
        expect(problemsOf(raw)).toEqual(
            departments.map(
                (z) =>
                    `billu:flows: lacks ${z} -> PAR-MAIL01 https, which mail needs (the webmail (Roundcube) in the browser). Fix: append { from: ${z}, to: PAR-MAIL01, service: https } to billu:flows`,
            ),
        );
    });

    test("every port of the flow's service is judged: a bundle with one idle port is refused for that port", () => {
        const raw = stackRaw("dev");
        raw.firewall.services = [{ name: "mail-plus", includes: ["imaps", "http"] }];
        raw.flows.push({ from: "lan-dsi", to: "PAR-MAIL01", service: "mail-plus" });
        const i = raw.flows.length - 1;
        expect(problemsOf(raw)).toEqual([
            `billu:flows[${i}]: opens mail-plus (tcp/80) on PAR-MAIL01, where nothing the site deploys listens: a host of role mail answers on smtp, submission, imaps, rspamd-milter, https, zabbix-agent, ssh. Fix: remove the flow, or deploy the service that answers on mail-plus on PAR-MAIL01`,
        ]);
    });

    test("flows to a zone (its clients) and to a member server (software installed by hand) are not judged", () => {
        const raw = stackRaw("dev");
        raw.hosts.push({
            ...raw.hosts.find((h: { name: string }) => h.name === "PAR-DHCP01"),
            name: "PAR-SRV01",
            role: "member",
            address: "10.20.10.60",
            vmId: 199,
        });
        raw.flows.push(
            { from: "lan-dsi", to: "PAR-SRV01", service: "rdp" },
            { from: "lan-dsi", to: "servers", service: "rdp" },
            // A Debian member forwards its logs like every host (dev has a collector): the one flow it needs.
            { from: "PAR-SRV01", to: "PAR-LOG01", service: "syslog-tls" },
            // and runs the Zabbix agent like every host (dev has a Zabbix server): polled, and sending its active checks.
            { from: "PAR-MON01", to: "PAR-SRV01", service: "zabbix-agent" },
            { from: "PAR-SRV01", to: "PAR-MON01", service: "zabbix-trapper" },
            // and the inventory agent (dev has GLPI): it sends its inventory.
            { from: "PAR-SRV01", to: "PAR-GLPI01", service: "https" },
        );
        expect(problemsOf(raw)).toEqual([]);
    });

    test("a DC listens on the AD bundle, DNS and NTP; the DHCP servers on the relay; the file server on SMB; the web server on HTTP(S); every host on SSH", () => {
        const m = model(stackRaw("prod"));
        const listens = (host: string) => m.requirements.flatMap((r) => (r.need.kind === "listen" && r.need.host === host ? [r.need.service] : []));
        expect(listens("PAR-DC02")).toEqual(["ad", "dns", "ntp", "zabbix-agent", "ssh"]);
        expect(listens("PAR-DHCP02")).toEqual(["dhcp-relay", "kea-ha", "zabbix-agent", "ssh"]);
        expect(listens("PAR-FS01")).toEqual(["smb", "zabbix-agent", "ssh"]);
        expect(listens("PAR-WEB01")).toEqual(["http", "https", "zabbix-agent", "ssh"]);
        // rspamd-milter: its milter on the server's own address, for the inbound relay (PAR-MX01) to ask before its 250.
        expect(listens("PAR-MAIL01")).toEqual(["smtp", "submission", "imaps", "rspamd-milter", "https", "zabbix-agent", "ssh"]);
    });

    test("every requirement names the service that asked and why", () => {
        const m = model(stackRaw("dev"));
        const flows = m.requirements.filter((r) => r.need.kind === "flow");
        expect(new Set(flows.map((r) => r.service))).toEqual(
            new Set(["base", "dhcp", "mail", "mx", "ftp", "pbx", "assets", "logs", "backup", "directory", "monitoring"]),
        );
        expect(flows.find((r) => r.service === "mail" && r.need.kind === "flow" && r.need.service === "ldaps")?.need).toEqual({
            kind: "flow",
            from: "PAR-MAIL01",
            to: "PAR-DC01",
            service: "ldaps",
            why: "recipients, aliases and logons are looked up in AD",
        });
        const dns = m.requirements.filter((r) => r.need.kind === "dns").map((r) => r.service);
        expect(dns).toEqual(["web", "web", "mail"]);
    });

    test("sshd on every host, reached from the management zone: a flow the stack lacks is exit 2 with the line to append", () => {
        const raw = stackRaw("dev");
        const i = raw.flows.findIndex(
            (f: { from: string; to: string; service: string }) => f.from === "management" && f.to === "management" && f.service === "ssh",
        );
        expect(i).toBeGreaterThan(0);
        raw.flows.splice(i, 1);
        const why = "which every host's base step needs (administrators and Pulumi's guest steps log on over SSH from the management zone)";
        expect(problemsOf(raw)).toEqual([
            `billu:flows: lacks management -> PAR-LOG01 ssh, ${why}. Fix: append { from: management, to: PAR-LOG01, service: ssh } to billu:flows`,
            `billu:flows: lacks management -> PAR-BKP01 ssh, ${why}. Fix: append { from: management, to: PAR-BKP01, service: ssh } to billu:flows`,
            `billu:flows: lacks management -> PAR-MON01 ssh, ${why}. Fix: append { from: management, to: PAR-MON01, service: ssh } to billu:flows`,
        ]);
    });

    test("the inbound relay's milter flow (#22): missing, exit 2 with the line to append; without a relay the port is idle and the flow refused", () => {
        const raw = stackRaw("dev");
        const milter = (f: { from: string; to: string; service: string }) => f.from === "PAR-MX01" && f.to === "PAR-MAIL01" && f.service === "rspamd-milter";
        expect(raw.flows.filter(milter)).toHaveLength(1);
        raw.flows = raw.flows.filter((f: { from: string; to: string; service: string }) => !milter(f));
        raw.firewall.dmzAllowlist = raw.firewall.dmzAllowlist.filter((f: { from: string; to: string; service: string }) => !milter(f));
        expect(problemsOf(raw)).toEqual([
            "billu:flows: lacks PAR-MX01 -> PAR-MAIL01 rspamd-milter, which inbound mail relay needs (the inbound relay asks the mail server's rspamd before its 250, so the internet's client is told of a refusal). Fix: append { from: PAR-MX01, to: PAR-MAIL01, service: rspamd-milter } to billu:flows",
        ]);
        // Without the relay, the mail server's milter listens on the loopback only: the flow would open an idle port.
        const none = stackRaw("dev");
        delete none.mx;
        none.hosts = none.hosts.filter((h: { role: string }) => h.role !== "mx");
        none.flows = none.flows.filter((f: { from: string; to: string }) => f.from !== "PAR-MX01" && f.to !== "PAR-MX01");
        none.firewall.dmzAllowlist = none.firewall.dmzAllowlist.filter((a: { from: string }) => a.from !== "PAR-MX01");
        none.firewall.published = none.firewall.published.filter((p: { host: string }) => p.host !== "PAR-MX01");
        none.flows.push({ from: "PAR-WEB01", to: "PAR-MAIL01", service: "rspamd-milter" });
        none.firewall.dmzAllowlist.push({ from: "PAR-WEB01", to: "PAR-MAIL01", service: "rspamd-milter", reason: "a flow to a port nobody listens on" });
        expect(problemsOf(none).filter((m) => m.includes("rspamd-milter"))).toEqual([
            `billu:flows[${none.flows.length - 1}]: opens rspamd-milter (tcp/11332) on PAR-MAIL01, where nothing the site deploys listens: a host of role mail answers on smtp, submission, imaps, https, zabbix-agent, ssh. Fix: remove the flow, or deploy the service that answers on rspamd-milter on PAR-MAIL01`,
        ]);
    });

    test("the relay's own resolver (billu:mx.resolver: own, the default with a DNSBL) needs its dns flow to the WAN: missing, exit 2 with the line to append", () => {
        const raw = stackRaw("dev");
        const dmzDns = (f: { from: string; to: string; service: string }) => f.from === "dmz" && f.to === "wan" && f.service === "dns";
        expect(raw.flows.filter(dmzDns)).toHaveLength(1);
        // The DMZ resolving through the DC instead (its hosts' cloud-init resolvers): the relay's unbound still needs the WAN.
        raw.flows = [...raw.flows.filter((f: { from: string; to: string; service: string }) => !dmzDns(f)), { from: "dmz", to: "PAR-DC01", service: "dns" }];
        raw.firewall.dmzAllowlist.push({ from: "dmz", to: "PAR-DC01", service: "dns", reason: "the DMZ resolves through the DC" });
        expect(problemsOf(raw)).toEqual([
            "billu:flows: lacks PAR-MX01 -> wan dns, which inbound mail relay needs (the relay's own resolver (billu:mx.resolver: own) asks the DNS block lists' authoritative servers itself). Fix: append { from: PAR-MX01, to: wan, service: dns } to billu:flows",
        ]);
        // With the site's resolvers (and no Spamhaus list) the relay asks for no such flow.
        raw.mx = { ...raw.mx, resolver: "site", dnsbl: { threshold: 2, sites: [{ zone: "bl.spamcop.net", reply: "127.0.0.2", weight: 2 }] } };
        expect(problemsOf(raw)).toEqual([]);
    });

    test("the SSH need covers every host, the router and the Windows DCs included", () => {
        const m = model(stackRaw("prod"));
        const ssh = m.requirements.filter((r) => r.service === "base" && r.need.kind === "flow").map((r) => (r.need.kind === "flow" ? r.need.to : ""));
        const every = m.hosts.map((h) => h.name);
        expect(ssh).toEqual(every);
        expect(ssh).toEqual(expect.arrayContaining([m.router.name, "PAR-DC01"]));
        expect(m.host("PAR-DC01").os).toMatch(/^windows/);
        const listens = m.requirements
            .filter((r) => r.service === "base" && r.need.kind === "listen")
            .map((r) => (r.need.kind === "listen" ? r.need.host : ""));
        expect(listens).toEqual(every);
    });

    test("a service whose dependency failed is not planned: its problems would only echo that one", () => {
        const raw = stackRaw("dev");
        raw.domain.fsmo = { pdcEmulator: "PAR-DC09" };
        const problems = problemsOf(raw);
        expect(problems.filter((p) => p.startsWith("billu:domain"))).toHaveLength(1);
        // mail reads the domain: not planned, so no "mail needs" echo of the broken domain
        expect(problems.filter((p) => p.includes("mail"))).toEqual([]);
    });
});
