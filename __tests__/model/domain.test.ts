import fc from "fast-check";
import { formatProblem, Problems } from "../../model/errors";
import { dnsNameViolation, ExtraDnsRecord, ptrName, publishExtraRecords, unpublishable } from "../../model/domain";
import { model, problemsOf, stackRaw } from "../helpers";

describe("the domain model of the committed stacks", () => {
    test("dev: one Samba DC holding every role, records for every host, members from joinDomain", () => {
        const d = model(stackRaw("dev")).domain!;
        expect(d.flavor).toBe("samba");
        expect([d.fqdn, d.realm, d.dn, d.netbiosName, d.adSite]).toEqual([
            "billu.remindme.lan",
            "BILLU.REMINDME.LAN",
            "DC=billu,DC=remindme,DC=lan",
            "BILLU",
            "PAR",
        ]);
        expect(d.dcs.map((c) => [c.name, c.fqdn, c.first, c.roles.length])).toEqual([["PAR-DC01", "par-dc01.billu.remindme.lan", true, 5]]);
        // The Debian servers with joinDomain, and the client PAR-CLI01 (a winbind member).
        expect(d.members).toEqual(["PAR-DHCP01", "PAR-FS01", "PAR-MAIL01", "PAR-FTP01", "PAR-GLPI01", "PAR-CLI01"]);
        expect(d.forwarders).toEqual(["9.9.9.9"]);
        // Every internal zone is an AD subnet and has its reverse zone; the WAN transit has neither.
        expect(d.subnets.map((s) => s.cidr)).toHaveLength(12);
        expect(d.subnets.some((s) => s.cidr.startsWith("198.51.100."))).toBe(false);
        expect(d.reverseZones).toContain("10.20.10.in-addr.arpa");
        expect(d.reverseZones).toContain("120.16.172.in-addr.arpa");
        // One A per host; the router has a PTR in each internal zone and its A on its management address.
        const a = d.records.filter((r) => r.a).map((r) => `${r.name}=${r.address}`);
        expect(a).toEqual([
            "par-fw01=10.20.0.1",
            "par-dc01=10.20.10.11",
            "par-dhcp01=10.20.10.21",
            "par-fs01=10.20.10.31",
            "par-mail01=10.20.10.41",
            "par-web01=172.16.120.10",
            "par-log01=10.20.0.20",
            "par-bkp01=10.20.0.30",
            "par-mon01=10.20.0.40",
            "par-ftp01=10.20.10.51",
            "par-pbx01=10.20.10.71",
            "par-glpi01=10.20.10.61",
            "par-mx01=172.16.120.20",
            "par-cli01=10.20.21.30",
            "par-cli02=10.20.23.30",
        ]);
        expect(d.records.filter((r) => r.name === "par-fw01")).toHaveLength(12);
        expect(d.records.find((r) => r.address === "172.16.120.10")).toEqual({
            name: "par-web01",
            address: "172.16.120.10",
            reverseZone: "120.16.172.in-addr.arpa",
            ptrName: "10",
            a: true,
        });
    });

    test("prod: three Windows DCs, FSMO spread as configured, the PDC emulator is the time source", () => {
        const d = model(stackRaw("prod")).domain!;
        expect(d.flavor).toBe("windows");
        expect(d.dcs.map((c) => [c.name, c.node, c.roles])).toEqual([
            ["PAR-DC01", "pve1", ["schemaMaster", "domainNamingMaster"]],
            ["PAR-DC02", "pve2", ["pdcEmulator", "ridMaster"]],
            ["PAR-DC03", "pve3", ["infrastructureMaster"]],
        ]);
        expect(d.pdcEmulator.name).toBe("PAR-DC02");
        expect(d.ntpServers).toEqual(["0.fr.pool.ntp.org", "1.fr.pool.ntp.org"]);
    });

    test("FSMO roles default to the first DC", () => {
        const raw = stackRaw("dev");
        raw.domain.fsmo = {};
        expect(Object.values(model(raw).domain!.fsmo)).toEqual(["PAR-DC01", "PAR-DC01", "PAR-DC01", "PAR-DC01", "PAR-DC01"]);
    });
});

describe("bad input: one clear message each (key path, value received, fix)", () => {
    const cases: [string, (r: Record<string, any>) => void, string[]][] = [
        [
            "an FSMO role on a DC that does not exist",
            (r) => (r.domain.fsmo.ridMaster = "PAR-DC04"),
            ['billu:domain.fsmo.ridMaster: "PAR-DC04" is not a domain controller of billu:hosts. Fix: name one of the DCs: PAR-DC01'],
        ],
        [
            "a DC outside the servers zone",
            (r) => {
                r.hosts[1].zone = "dmz";
                r.hosts[1].address = "172.16.120.11";
                // The flows that name PAR-DC01 in its servers zone would be reported too: this case is about the DC.
                r.flows = r.flows.filter((f: { hosts?: string[] }) => !(f.hosts ?? []).includes("PAR-DC01"));
            },
            ['billu:hosts[1].zone: "dmz" is a dmz zone, but PAR-DC01 is a domain controller. Fix: put domain controllers in a servers zone (servers)'],
        ],
        [
            "a domain name that is not a DNS name",
            (r) => (r.site.domain = "billu_remindme.lan"),
            [
                'billu:site.domain: "billu_remindme.lan" has the label "billu_remindme", but a label is 1 to 63 letters, digits or inner dashes. Fix: write the AD domain as a DNS name, e.g. billu.remindme.lan',
            ],
        ],
        [
            "a single-label domain",
            (r) => (r.site.domain = "billu"),
            [
                'billu:site.domain: "billu" is a single label (an AD domain needs at least two, e.g. billu.remindme.lan). Fix: write the AD domain as a DNS name, e.g. billu.remindme.lan',
            ],
        ],
        [
            "DCs without billu:domain",
            (r) => delete r.domain,
            [
                'billu:domain: is missing, but billu:hosts has 1 domain controller (PAR-DC01). Fix: set billu:domain (at least flavor: windows or samba; see README, "Domain controllers")',
            ],
        ],
        [
            "a Windows DC in the samba flavor",
            (r) => (r.hosts[1].os = "windows-2022-core"),
            [
                'billu:hosts[1].os: "windows-2022-core" cannot run the samba flavor of billu:domain.flavor. Fix: use os: debian-12 for a Samba DC, or flavor: windows',
            ],
        ],
        [
            // Samba takes conditional forwarders since issue #20 (unbound on each DC): only a bad one is refused.
            "a conditional forwarder on Samba with a resolver that is no address",
            (r) => (r.domain.conditionalForwarders = [{ domain: "ecotech.lan", servers: ["10.30.10"] }]),
            ['billu:domain.conditionalForwarders[0].servers[0]: "10.30.10" is not an IPv4 address. Fix: write the partner resolver\'s dotted IPv4 address'],
        ],
        [
            "members without login groups",
            (r) => delete r.domain.linuxLogin,
            [
                "billu:domain.linuxLogin: is required because PAR-DHCP01, PAR-FS01, PAR-MAIL01, PAR-FTP01, PAR-GLPI01, PAR-CLI01 join the domain, but it is missing. Fix: set billu:domain.linuxLogin.sshGroup and sudoGroup (the AD groups allowed to SSH in and to sudo)",
            ],
        ],
        [
            "joinDomain on a DC",
            (r) => (r.hosts[1].joinDomain = true),
            [
                "billu:hosts[1].joinDomain: is true on PAR-DC01 (a domain controller). Fix: set joinDomain only on Debian members and Windows 11 clients (a DC is the domain; Windows servers are not joined by this program)",
            ],
        ],
        [
            "a group name with a space",
            (r) => (r.domain.linuxLogin.sudoGroup = "Linux Sudo"),
            [
                'billu:domain.linuxLogin.sudoGroup: is "Linux Sudo", which must be an ad group name without spaces (letters, digits, . _ -). Fix: correct the value (see README, "Configuration")',
            ],
        ],
    ];
    test.each(cases)("%s", (_, edit, expected) => {
        const raw = stackRaw("dev");
        edit(raw);
        expect(problemsOf(raw)).toEqual(expected);
    });

    test("prod's Windows DCs accept a conditional forwarder to the partner", () => {
        const raw = stackRaw("prod");
        raw.domain.conditionalForwarders = [{ domain: "ecotech.lan", servers: ["10.30.10.11"] }];
        expect(model(raw).domain!.conditionalForwarders).toEqual([{ domain: "ecotech.lan", servers: ["10.30.10.11"] }]);
    });
});

describe("DNS names", () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
    test("any dotted name of valid labels with a non-numeric TLD is accepted", () => {
        fc.assert(
            fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), fc.stringMatching(/^[a-z][a-z0-9]{1,10}$/), (labels, tld) => {
                expect(dnsNameViolation([...labels, tld].join("."))).toBeUndefined();
            }),
        );
    });
    test.each([
        ["a..lan", "has an empty label"],
        ["-a.lan", 'has the label "-a", but a label is 1 to 63 letters, digits or inner dashes'],
        ["a.123", "ends with an all-numeric label"],
        [`${"a".repeat(64)}.lan`, `has the label "${"a".repeat(64)}", but a label is 1 to 63 letters, digits or inner dashes`],
    ])("%s: %s", (name, why) => expect(dnsNameViolation(name)).toBe(why));
    test("a single label: the message names what the name is for (an AD domain unless told)", () => {
        expect(dnsNameViolation("billu")).toBe("is a single label (an AD domain needs at least two, e.g. billu.remindme.lan)");
        expect(dnsNameViolation("spamcop", { what: "a DNSBL zone", example: "zen.spamhaus.org" })).toBe(
            "is a single label (a DNSBL zone needs at least two, e.g. zen.spamhaus.org)",
        );
    });
    test("PTR names inside /24 and /16 reverse zones", () => {
        expect(ptrName("10.20.10.11", "10.20.10.in-addr.arpa")).toBe("11");
        expect(ptrName("10.20.10.11", "20.10.in-addr.arpa")).toBe("11.10");
    });
});

describe("records services ask for (extraRecords): one list the DC step publishes", () => {
    const web = (name: string, fqdn: string, zone = "billu.remindme.lan", role = "intranet", value = "172.16.120.10"): ExtraDnsRecord => ({
        zone,
        name,
        fqdn,
        type: "A",
        value,
        owner: `billu:web.${role}.name`,
        purpose: `the ${role} site on PAR-WEB01`,
    });

    test("dev: the intranet and the public name at the web server, the mail domain's MX; the public name's own zone", () => {
        const d = model(stackRaw("dev")).domain!;
        expect(d.extraRecords).toEqual([
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
            {
                zone: "billu.remindme.lan",
                name: "@",
                fqdn: "billu.remindme.lan",
                type: "MX",
                value: "par-mail01.billu.remindme.lan",
                preference: 10,
                owner: "billu:mail.domain",
                purpose: "mail for billu.remindme.lan goes to PAR-MAIL01",
            },
        ]);
        expect(d.extraZones).toEqual(["www.billu.example"]);
    });

    test("prod: the same names at prod's web server, the MX to prod's mail server", () => {
        const d = model(stackRaw("prod")).domain!;
        expect(d.extraRecords.map((r) => [r.zone, r.name, r.type, r.value, r.preference])).toEqual([
            ["billu.remindme.lan", "intranet", "A", "172.16.100.10", undefined],
            ["www.billu.example", "@", "A", "172.16.100.10", undefined],
            ["billu.remindme.lan", "@", "MX", "par-mail01.billu.remindme.lan", 10],
        ]);
        expect(d.extraZones).toEqual(["www.billu.example"]);
    });

    test("a site name that is the web server's own host name is its host record: nothing extra", () => {
        const raw = stackRaw("dev");
        raw.web.intranet.name = "par-web01.billu.remindme.lan";
        const d = model(raw).domain!;
        expect(d.extraRecords.map((r) => r.fqdn)).toEqual(["www.billu.example", "billu.remindme.lan"]);
    });

    test("bad input (exit 2): a site without domain controllers has no DNS to publish a service's records", () => {
        const m = model(stackRaw("dev"));
        const problems = new Problems();
        expect(unpublishable([...m.web!.dnsRecords, ...m.mail!.mx], problems)).toBeUndefined();
        expect(problems.all.map(formatProblem)).toEqual([
            `billu:web.intranet.name: "intranet.billu.remindme.lan" needs the A record 172.16.120.10 in the site's internal DNS, but the site has no domain controller to publish it. Fix: add a host of role dc to billu:hosts (its AD DNS serves the site's names), or remove this service`,
            `billu:web.public.name: "www.billu.example" needs the A record 172.16.120.10 in the site's internal DNS, but the site has no domain controller to publish it. Fix: add a host of role dc to billu:hosts (its AD DNS serves the site's names), or remove this service`,
            `billu:mail.domain: "billu.remindme.lan" needs the MX record 10 par-mail01.billu.remindme.lan in the site's internal DNS, but the site has no domain controller to publish it. Fix: add a host of role dc to billu:hosts (its AD DNS serves the site's names), or remove this service`,
        ]);
    });

    test("bad input (exit 2): a site name that is another host's name", () => {
        const raw = stackRaw("dev");
        raw.web.intranet.name = "PAR-MAIL01.billu.remindme.lan";
        expect(problemsOf(raw)).toEqual([
            'billu:web.intranet.name: "par-mail01.billu.remindme.lan" would get the A record 172.16.120.10, but it is the name of billu:hosts[4] (PAR-MAIL01), whose own A record is 10.20.10.41. Fix: choose a name no host of billu:hosts has',
        ]);
    });

    test("bad input (exit 2): a site named after the AD domain itself, whose A records are the DCs'", () => {
        const raw = stackRaw("dev");
        raw.web.intranet.name = "billu.remindme.lan";
        expect(problemsOf(raw)).toEqual([
            'billu:web.intranet.name: "billu.remindme.lan" would get the A record 172.16.120.10, but AD keeps the A records of billu.remindme.lan for its domain controllers. Fix: choose a name below the AD domain, e.g. intranet.billu.remindme.lan',
        ]);
        raw.web.intranet.name = "DomainDnsZones.billu.remindme.lan";
        expect(problemsOf(raw)).toEqual([
            'billu:web.intranet.name: "domaindnszones.billu.remindme.lan" would get the A record 172.16.120.10, but AD keeps the A records of domaindnszones.billu.remindme.lan for its domain controllers. Fix: choose a name below the AD domain, e.g. intranet.billu.remindme.lan',
        ]);
    });

    test("two services giving one name different values is a problem at the later one's key; the same record twice is kept once", () => {
        const d = model(stackRaw("dev")).domain!;
        const hosts = [{ name: "PAR-MAIL01", index: 4 }];
        const problems = new Problems();
        const other: ExtraDnsRecord = { ...web("intranet", "intranet.billu.remindme.lan"), value: "10.20.10.99", owner: "billu:other.name" };
        const mx: ExtraDnsRecord = {
            zone: "billu.remindme.lan",
            name: "intranet",
            fqdn: "intranet.billu.remindme.lan",
            type: "MX",
            value: "par-mail01.billu.remindme.lan",
            preference: 10,
            owner: "billu:mail.domain",
            purpose: "mail",
        };
        const out = publishExtraRecords(
            d,
            [web("intranet", "intranet.billu.remindme.lan"), web("intranet", "intranet.billu.remindme.lan"), other, mx],
            hosts,
            problems,
        );
        expect(problems.all.map((p) => `${p.path}: ${p.message}. Fix: ${p.fix}`)).toEqual([
            'billu:other.name: "intranet.billu.remindme.lan" would get the A record 10.20.10.99, but billu:web.intranet.name already gives it 172.16.120.10. Fix: give each its own name, or make billu:other.name and billu:web.intranet.name agree',
        ]);
        // An A and an MX may share a name; the duplicate A is published once.
        expect(out.extraRecords.map((r) => `${r.fqdn} ${r.type}`)).toEqual(["intranet.billu.remindme.lan A", "intranet.billu.remindme.lan MX"]);
        expect(out.extraZones).toEqual([]);
        // The input domain model is left as it was.
        expect(d.extraRecords).toHaveLength(3);
    });

    test("zones outside the AD domain are listed once, sorted", () => {
        const d = model(stackRaw("dev")).domain!;
        const out = publishExtraRecords(
            d,
            [web("@", "www.billu.example", "www.billu.example", "public"), web("@", "extranet.billu.example", "extranet.billu.example", "public")],
            [],
            new Problems(),
        );
        expect(out.extraZones).toEqual(["extranet.billu.example", "www.billu.example"]);
    });
});
