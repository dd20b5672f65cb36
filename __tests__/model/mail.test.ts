/** The mail plan (model/mail.ts): what the committed stacks derive, and every bad input with its exact message. */
import { Problems } from "../../model/errors";
import { MailInput, mailSchema, planMail } from "../../model/mail";
import { model, problemsOf, stackRaw } from "../helpers";

describe("the mail plan of the committed stacks", () => {
    test("dev: the AD domain is the mail domain, served by AD DNS: an MX record for the DC step, the host's A record", () => {
        const m = model(stackRaw("dev"));
        const plan = m.mail!;
        expect([plan.domain, plan.hostname, plan.host.address, plan.host.zone, plan.served]).toEqual([
            "billu.remindme.lan",
            "par-mail01.billu.remindme.lan",
            "10.20.10.41",
            "servers",
            true,
        ]);
        expect(plan.dns).toEqual([
            { zone: "billu.remindme.lan", name: "@", type: "MX", value: "10 par-mail01.billu.remindme.lan.", managed: true },
            { zone: "billu.remindme.lan", name: "par-mail01", type: "A", value: "10.20.10.41", managed: true },
            { zone: "billu.remindme.lan", name: "@", type: "TXT", value: '"v=spf1 mx -all"', managed: true },
            {
                zone: "billu.remindme.lan",
                name: "_dmarc",
                type: "TXT",
                value: '"v=DMARC1; p=none; sp=none; adkim=r; aspf=r; rua=mailto:postmaster@billu.remindme.lan"',
                managed: true,
            },
            { zone: "billu.remindme.lan", name: "billu._domainkey", type: "TXT", value: '"v=DKIM1; k=rsa; p=<dkim-public-key>"', managed: true },
        ]);
        expect(plan.dkim).toEqual({ selector: "billu", recordName: "billu._domainkey.billu.remindme.lan" });
        // The MX joins the domain model's extraRecords, which the DC step applies; the A record is the host's own.
        expect(m.domain!.extraRecords.filter((r) => r.type === "MX")).toEqual([
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
        expect(m.domain!.records.find((r) => r.a && r.name === "par-mail01")?.address).toBe("10.20.10.41");
        expect(plan.ldap).toEqual({
            uris: ["ldaps://par-dc01.billu.remindme.lan"],
            baseDn: "DC=billu,DC=remindme,DC=lan",
            serviceAccount: "svc-mail",
            bindDn: "svc-mail@billu.remindme.lan",
        });
        expect(plan.certificate).toEqual({ source: "site-ca", dnsNames: ["par-mail01.billu.remindme.lan"], ipAddresses: ["10.20.10.41"] });
        expect(plan.aliases).toEqual([
            { address: "postmaster@billu.remindme.lan", to: "GG_DSI" },
            { address: "abuse@billu.remindme.lan", to: "GG_DSI" },
            { address: "dsi-alertes@billu.remindme.lan", to: "GG_DSI" },
        ]);
        expect([plan.messageSizeBytes, plan.quotaMiB, plan.spam]).toEqual([26214400, 2048, { addHeaderScore: 6, rejectScore: 15 }]);
    });

    test("prod: every DC is an LDAPS server, first DC first; flows to each DC", () => {
        const plan = model(stackRaw("prod")).mail!;
        expect(plan.ldap.uris).toEqual(["ldaps://par-dc01.billu.remindme.lan", "ldaps://par-dc02.billu.remindme.lan", "ldaps://par-dc03.billu.remindme.lan"]);
        expect(plan.flows.filter((f) => f.service === "ldaps").map((f) => f.to)).toEqual(["PAR-DC01", "PAR-DC02", "PAR-DC03"]);
        // 9 departments x (submission, imaps, https for the webmail) + 3 DCs x (ldaps, dns) + mail out + the ClamAV signatures in (freshclam, https).
        expect(plan.flows).toHaveLength(27 + 6 + 2);
        expect(plan.flows.filter((f) => f.to === "wan")).toEqual([
            { from: "PAR-MAIL01", to: "wan", service: "smtp", why: "mail to other domains" },
            { from: "PAR-MAIL01", to: "wan", service: "https", why: "freshclam downloads the ClamAV signatures" },
        ]);
    });

    test("a domain AD DNS does not serve: no MX for the DC step, the public records to publish, the WAN flow in", () => {
        const raw = stackRaw("dev");
        // The directory's addresses are in the mail domain (billu:mail.domain defaults to the directory's).
        raw.directory.mailDomain = "billu.fr";
        raw.flows.push({ from: "wan", to: "PAR-MAIL01", service: "smtp" });
        const m = model(raw);
        expect(m.mail!.served).toBe(false);
        expect(m.domain!.extraRecords.filter((r) => r.type === "MX")).toEqual([]);
        expect(m.mail!.dns).toEqual([
            { zone: "billu.fr", name: "@", type: "MX", value: "10 mail.billu.fr.", managed: false },
            { zone: "billu.fr", name: "mail", type: "A", value: "198.51.100.2", managed: false },
            { zone: "billu.fr", name: "@", type: "TXT", value: '"v=spf1 mx -all"', managed: false },
            {
                zone: "billu.fr",
                name: "_dmarc",
                type: "TXT",
                value: '"v=DMARC1; p=none; sp=none; adkim=r; aspf=r; rua=mailto:postmaster@billu.fr"',
                managed: false,
            },
            { zone: "billu.fr", name: "billu._domainkey", type: "TXT", value: '"v=DKIM1; k=rsa; p=<dkim-public-key>"', managed: false },
        ]);
        expect(m.mail!.certificate.dnsNames).toEqual(["par-mail01.billu.remindme.lan", "mail.billu.fr"]);
        // dev's inbound relay (PAR-MX01) receives the internet's mail: the mail server asks for no flow from the WAN.
        expect(m.mail!.flows.filter((f) => f.from === "wan")).toEqual([]);
        const bare = stackRaw("dev");
        bare.directory.mailDomain = "billu.fr";
        bare.hosts = bare.hosts.filter((h: { role: string }) => h.role !== "mx");
        delete bare.mx;
        bare.flows = bare.flows.filter((f: { from: string; to: string }) => f.from !== "PAR-MX01" && f.to !== "PAR-MX01");
        bare.firewall.dmzAllowlist = bare.firewall.dmzAllowlist.filter((a: { from: string }) => a.from !== "PAR-MX01");
        bare.firewall.published = bare.firewall.published.filter((p: { host: string }) => p.host !== "PAR-MX01");
        expect(problemsOf(bare)).toEqual([
            "billu:flows: lacks wan -> PAR-MAIL01 smtp, which mail needs (mail from other domains to the public mail domain). Fix: append { from: wan, to: PAR-MAIL01, service: smtp } to billu:flows",
        ]);
    });

    test("a subdomain of the AD domain is served: its MX is named in the AD zone", () => {
        const raw = stackRaw("dev");
        raw.directory.mailDomain = "mail.billu.remindme.lan";
        raw.mail.domain = "Mail.Billu.Remindme.Lan";
        const m = model(raw);
        expect(m.mail!.domain).toBe("mail.billu.remindme.lan");
        expect(m.domain!.extraRecords.filter((r) => r.type === "MX").map((r) => [r.zone, r.name, r.fqdn, r.value, r.preference])).toEqual([
            ["billu.remindme.lan", "mail", "mail.billu.remindme.lan", "par-mail01.billu.remindme.lan", 10],
        ]);
        // The TXT records too: named in the AD zone, for the names of the mail domain.
        expect(m.mail!.txt.map((t) => [t.name, t.fqdn])).toEqual([
            ["mail", "mail.billu.remindme.lan"],
            ["_dmarc.mail", "_dmarc.mail.billu.remindme.lan"],
            ["billu._domainkey.mail", "billu._domainkey.mail.billu.remindme.lan"],
        ]);
        expect(m.mail!.dkim.recordName).toBe("billu._domainkey.mail.billu.remindme.lan");
    });

    test("the DMARC policy and report address, and the DKIM selector, come from billu:mail", () => {
        const raw = stackRaw("dev");
        raw.mail.dmarc = { policy: "quarantine", rua: "dmarc-reports" };
        raw.mail.dkim = { selector: "k2027" };
        const plan = model(raw).mail!;
        expect(plan.txt.map((t) => [t.name, t.value])).toEqual([
            ["@", "v=spf1 mx -all"],
            ["_dmarc", "v=DMARC1; p=quarantine; sp=quarantine; adkim=r; aspf=r; rua=mailto:dmarc-reports@billu.remindme.lan"],
            ["k2027._domainkey", "v=DKIM1; k=rsa; p=<dkim-public-key>"],
        ]);
    });
});

describe("bad input: the key path, the value and the fix", () => {
    const withMail = (edit: (raw: Record<string, any>) => void) => {
        const raw = stackRaw("dev");
        edit(raw);
        return problemsOf(raw);
    };

    test("a DKIM selector that is not one DNS label, a DMARC policy DMARC does not have", () => {
        expect(withMail((r) => (r.mail.dkim = { selector: "billu.2026" }))).toEqual([
            'billu:mail.dkim.selector: is "billu.2026", which must be one label of lower-case letters, digits and dashes. Fix: correct the value (see README, "Configuration")',
        ]);
        expect(withMail((r) => (r.mail.dmarc = { policy: "block" }))).toEqual([
            'billu:mail.dmarc.policy: is "block". Fix: use one of none, quarantine, reject',
        ]);
    });

    test("a refused attachment extension written with its dot or in capitals", () => {
        expect(withMail((r) => (r.mail.attachments = { refusedExtensions: ["exe", ".scr", "BAT"] }))).toEqual([
            'billu:mail.attachments.refusedExtensions[1]: is ".scr", which must be a file extension without its dot, lower case (exe). Fix: correct the value (see README, "Configuration")',
            'billu:mail.attachments.refusedExtensions[2]: is "BAT", which must be a file extension without its dot, lower case (exe). Fix: correct the value (see README, "Configuration")',
        ]);
    });

    test("a mail domain that is not a DNS name", () => {
        expect(withMail((r) => (r.mail.domain = "billu_mail.lan"))).toEqual([
            'billu:mail.domain: "billu_mail.lan" has the label "billu_mail", but a label is 1 to 63 letters, digits or inner dashes. Fix: write the mail domain as a DNS name, e.g. billu.fr or billu.remindme.lan',
        ]);
        expect(withMail((r) => (r.mail.domain = "billu"))).toEqual([
            'billu:mail.domain: "billu" is a single label (a mail domain needs at least two, e.g. billu.fr). Fix: write the mail domain as a DNS name, e.g. billu.fr or billu.remindme.lan',
        ]);
    });

    test("a missing certificate source", () => {
        const fix = "set billu:mail.certificate.source: site-ca (the site CA issues the server's certificate; BillU's clients trust the site CA)";
        expect(withMail((r) => delete r.mail.certificate)).toEqual([`billu:mail.certificate.source: is required but missing. Fix: ${fix}`]);
        expect(withMail((r) => (r.mail.certificate = {}))).toEqual([`billu:mail.certificate.source: is required but missing. Fix: ${fix}`]);
        expect(withMail((r) => (r.mail.certificate = { source: "letsencrypt" }))).toEqual([
            'billu:mail.certificate.source: is "letsencrypt". Fix: use one of site-ca',
        ]);
    });

    test("aliases: twice the same address, no postmaster, the service account's name", () => {
        expect(
            withMail((r) => {
                r.mail.aliases = [
                    { address: "abuse", to: "GG_DSI" },
                    { address: "abuse", to: "GG_Direction" },
                    { address: "svc-mail", to: "GG_DSI" },
                ];
            }),
        ).toEqual([
            'billu:mail.aliases[1].address: "abuse" is already the address of billu:mail.aliases[0]. Fix: give every alias its own address',
            'billu:mail.aliases[2].address: "svc-mail" is the name of the service account billu:mail.serviceAccount. Fix: choose another alias address',
            "billu:mail.aliases: has no postmaster alias, which every mail domain must have (RFC 5321, section 4.5.1). Fix: add { address: postmaster, to: <the account or group that reads it> }",
        ]);
    });

    test("an alias colliding with an address of the directory plan (the committed export)", () => {
        expect(withMail((r) => r.mail.aliases.push({ address: "agnes.cote", to: "GG_DSI" }))).toEqual([
            'billu:mail.aliases[3].address: "agnes.cote" gives agnes.cote@billu.remindme.lan, the address of the account agnes.cote (directory plan). Fix: choose another alias address; agnes.cote@billu.remindme.lan already delivers to agnes.cote',
        ]);
        expect(withMail((r) => (r.mail.aliases[1].to = "GG_Nobody"))).toEqual([
            'billu:mail.aliases[1].to: "GG_Nobody" is neither an account nor a group of the directory plan. Fix: name the sAMAccountName of a person or a group (GG_<Department>) of the directory plan',
        ]);
    });

    test("a mail server without billu:mail, billu:mail without a mail server, two mail servers", () => {
        expect(withMail((r) => delete r.mail)).toEqual([
            'billu:mail: is missing, but billu:hosts has a mail server (PAR-MAIL01). Fix: set billu:mail (at least certificate: { source: site-ca } and a postmaster alias; see README, "Mail")',
        ]);
        expect(
            withMail((r) => {
                r.hosts = r.hosts.filter((h: { role: string }) => h.role !== "mail");
                r.flows = r.flows.filter((f: { from: string; to: string }) => f.from !== "PAR-MAIL01" && f.to !== "PAR-MAIL01");
                // The inbound relay's DMZ exception names the mail server too.
                r.firewall.dmzAllowlist = r.firewall.dmzAllowlist.filter((a: { to: string }) => a.to !== "PAR-MAIL01");
            }),
        ).toEqual(["billu:hosts: has no host of role mail, but billu:mail is set. Fix: add the mail server to billu:hosts (role: mail), or remove billu:mail"]);
        expect(
            withMail((r) => {
                r.hosts.push({ ...r.hosts.find((h: { role: string }) => h.role === "mail"), name: "PAR-MAIL02", address: "10.20.10.42", vmId: 141 });
                // A seventh backup client at dev's 10-minute stagger would start past midnight: a problem of its own.
                r.backup.staggerMinutes = 5;
            }),
        ).toEqual(["billu:hosts: has 2 hosts of role mail (PAR-MAIL01, PAR-MAIL02). Fix: declare exactly one mail server"]);
    });

    test("a mail server in a department zone; spam thresholds the wrong way round", () => {
        expect(
            withMail((r) => {
                const h = r.hosts.find((x: { role: string }) => x.role === "mail");
                h.zone = "lan-dsi";
                h.address = "10.20.21.41";
                r.mail.spam = { addHeaderScore: 10, rejectScore: 8 };
            }),
        ).toEqual([
            'billu:hosts[4].zone: "lan-dsi" is a department zone, but PAR-MAIL01 is the mail server. Fix: put the mail server in a servers zone, or in the DMZ (servers, dmz)',
            "billu:mail.spam.rejectScore: 8 is not above addHeaderScore 10. Fix: refuse only what scores above the tagging threshold: rejectScore > addHeaderScore",
        ]);
    });

    test("a flow mail needs is missing: the message says which to append", () => {
        const raw = stackRaw("dev");
        raw.flows = raw.flows.filter((f: { service: string; to: string }) => !(f.service === "imaps" && f.to === "PAR-MAIL01"));
        const mailProblems = problemsOf(raw).filter((p) => p.includes("which mail needs"));
        expect(mailProblems).toHaveLength(9);
        expect(mailProblems[0]).toBe(
            "billu:flows: lacks lan-direction -> PAR-MAIL01 imaps, which mail needs (mail clients read their mailbox). Fix: append { from: lan-direction, to: PAR-MAIL01, service: imaps } to billu:flows",
        );
    });

    test("the DC lookups ride on the AD bundle (636 and 53 among its ports); without it, mail says what it lacks", () => {
        const raw = stackRaw("dev");
        raw.flows = raw.flows.filter((f: { from: string; to: string; service: string }) => !(f.from === "servers" && f.to === "servers" && f.service === "ad"));
        expect(problemsOf(raw).filter((p) => p.includes("which mail needs"))).toEqual([
            "billu:flows: lacks PAR-MAIL01 -> PAR-DC01 ldaps, which mail needs (recipients, aliases and logons are looked up in AD). Fix: append { from: PAR-MAIL01, to: PAR-DC01, service: ldaps } to billu:flows",
            "billu:flows: lacks PAR-MAIL01 -> PAR-DC01 dns, which mail needs (the server resolves through the DCs). Fix: append { from: PAR-MAIL01, to: PAR-DC01, service: dns } to billu:flows",
        ]);
    });
});

describe("planMail with a directory plan: aliases against the accounts and groups", () => {
    const base = (directory: MailInput["directory"], aliases: { address: string; to: string }[], domain?: string): string[] => {
        const problems = new Problems();
        planMail(
            {
                site: { domain: "billu.remindme.lan" },
                cfg: mailSchema.parse({ domain, certificate: { source: "site-ca" }, aliases }),
                hosts: [
                    { name: "PAR-DC01", role: "dc", os: "debian-12", zone: "servers", address: "10.20.10.11", index: 0 },
                    { name: "PAR-MAIL01", role: "mail", os: "debian-12", zone: "servers", address: "10.20.10.41", index: 1 },
                ],
                zones: [{ name: "servers", kind: "servers" }],
                domain: { fqdn: "billu.remindme.lan", dn: "DC=billu,DC=remindme,DC=lan", dcs: [{ name: "PAR-DC01", fqdn: "par-dc01.billu.remindme.lan" }] },
                directory,
            },
            problems,
        );
        return problems.all.map((p) => `${p.path}: ${p.message}. Fix: ${p.fix}`);
    };
    const directory = {
        mailDomain: "billu.remindme.lan",
        accounts: [
            { sam: "lea.laurent", mail: "lea.laurent@billu.remindme.lan", enabled: true },
            { sam: "paul.martin", mail: "paul.martin@billu.remindme.lan", enabled: false },
        ],
        groups: ["GG_DSI"],
    };

    test("an alias colliding with an account's address", () => {
        expect(
            base(directory, [
                { address: "postmaster", to: "GG_DSI" },
                { address: "lea.laurent", to: "GG_DSI" },
            ]),
        ).toEqual([
            'billu:mail.aliases[1].address: "lea.laurent" gives lea.laurent@billu.remindme.lan, the address of the account lea.laurent (directory plan). Fix: choose another alias address; lea.laurent@billu.remindme.lan already delivers to lea.laurent',
        ]);
        // A person who left keeps the address (the lock never reuses it): still a collision.
        expect(
            base(directory, [
                { address: "postmaster", to: "GG_DSI" },
                { address: "paul.martin", to: "GG_DSI" },
            ]),
        ).toHaveLength(1);
    });

    test("an alias to nobody, or to a person who left", () => {
        expect(
            base(directory, [
                { address: "postmaster", to: "GG_Nope" },
                { address: "rh", to: "paul.martin" },
            ]),
        ).toEqual([
            'billu:mail.aliases[0].to: "GG_Nope" is neither an account nor a group of the directory plan. Fix: name the sAMAccountName of a person or a group (GG_<Department>) of the directory plan',
            'billu:mail.aliases[1].to: "paul.martin" is the account of a person who left (disabled). Fix: deliver the alias to a current account or a group',
        ]);
        expect(base(directory, [{ address: "postmaster", to: "lea.laurent" }])).toEqual([]);
    });

    test("a mail domain other than the directory's", () => {
        expect(base(directory, [{ address: "postmaster", to: "GG_DSI" }], "billu.fr")).toEqual([
            'billu:mail.domain: "billu.fr" differs from "billu.remindme.lan", the domain of the addresses the directory plan gives (billu:directory.mailDomain). Fix: set both to the same domain, or remove billu:mail.domain (it defaults to the directory\'s)',
        ]);
    });
});
