/** The inbound relay's plan (model/mx.ts): what a site derives, and every bad input with its exact message. */
import { Problems } from "../../model/errors";
import type { HostView, OsKind } from "../../model/core";
import type { MailPlan } from "../../model/mail";
import { MxInput, mxSchema, planMx } from "../../model/mx";
import { plannerMessages, viewHost } from "./planner-fixture";

const host = viewHost;
const HOSTS: HostView[] = [
    host(0, "PAR-FW01", "firewall", "management", "10.20.0.1"),
    host(1, "PAR-MAIL01", "mail", "servers", "10.20.10.41"),
    host(2, "PAR-WEB01", "web", "dmz", "172.16.120.10"),
    host(3, "PAR-MX01", "mx", "dmz", "172.16.120.20"),
];
const ZONES = [
    { name: "wan", kind: "wan" },
    { name: "management", kind: "management" },
    { name: "servers", kind: "servers" },
    { name: "dmz", kind: "dmz" },
];
// The part of the mail plan the relay reads (model/mail.ts builds it; its own test covers it).
const MAIL = {
    domain: "billu.remindme.lan",
    host: { name: "PAR-MAIL01", zone: "servers", address: "10.20.10.41" },
    hostname: "par-mail01.billu.remindme.lan",
    messageSizeBytes: 25 * 1024 * 1024,
    aliases: [{ address: "postmaster@billu.remindme.lan", to: "GG_DSI" }],
    accounts: [
        { sam: "jdupont", mail: "jean.dupont@billu.remindme.lan", enabled: true },
        { sam: "aparti", mail: "ancien.parti@billu.remindme.lan", enabled: false },
        { sam: "bmartin", mail: "bruno.martin@billu.remindme.lan", enabled: true },
    ],
} as unknown as MailPlan;
const PUBLISHED = [
    { service: "web-public-https", host: "PAR-WEB01", publicPort: 443 },
    { service: "smtp", host: "PAR-MX01" },
];

function input(cfg: unknown, over: Partial<MxInput> = {}): MxInput {
    return {
        cfg: cfg === undefined ? undefined : mxSchema.parse(cfg),
        hosts: HOSTS,
        zones: ZONES,
        siteDomain: "billu.remindme.lan",
        mail: MAIL,
        published: PUBLISHED,
        wanAddress: "203.0.113.2",
        wanZone: "wan",
        ...over,
    };
}
const messages = (i: MxInput): string[] => plannerMessages(planMx, i);

describe("the inbound relay's plan", () => {
    test("defaults: the relay in the DMZ takes the enabled accounts and the aliases, and hands them to the mail server's smtp over verified TLS", () => {
        const p = new Problems();
        const plan = planMx(input({}), p)!;
        expect(p.all).toEqual([]);
        expect(plan.host).toEqual({ name: "PAR-MX01", zone: "dmz", address: "172.16.120.20" });
        expect(plan.hostname).toBe("par-mx01.billu.remindme.lan");
        expect(plan.publicName).toBe("mx.billu.remindme.lan");
        // A person who left (disabled) is refused at RCPT like an unknown address.
        expect(plan.recipients).toEqual(["bruno.martin@billu.remindme.lan", "jean.dupont@billu.remindme.lan", "postmaster@billu.remindme.lan"]);
        expect(plan.nextHop).toEqual({ host: "PAR-MAIL01", address: "10.20.10.41", port: 25, hostname: "par-mail01.billu.remindme.lan" });
        expect(plan.messageSizeBytes).toBe(25 * 1024 * 1024);
        expect(plan.certificate).toEqual({
            commonName: "mx.billu.remindme.lan",
            dnsNames: ["mx.billu.remindme.lan", "par-mx01.billu.remindme.lan"],
            ipAddresses: ["172.16.120.20"],
        });
        expect(plan.publicDns).toEqual([
            { name: "billu.remindme.lan", type: "MX", value: "10 mx.billu.remindme.lan." },
            { name: "mx.billu.remindme.lan", type: "A", value: "203.0.113.2" },
        ]);
        expect(plan.published).toBe(1);
        // The relay asks the mail server's rspamd (its milter, tcp/11332) before its 250: a flow of its own.
        expect(plan.milter).toEqual({ address: "10.20.10.41", port: 11332 });
        expect(plan.flows).toEqual([
            { from: "PAR-MX01", to: "PAR-MAIL01", service: "smtp", why: "the inbound relay hands the internet's mail to the mail server" },
            {
                from: "PAR-MX01",
                to: "PAR-MAIL01",
                service: "rspamd-milter",
                why: "the inbound relay asks the mail server's rspamd before its 250, so the internet's client is told of a refusal",
            },
        ]);
    });

    test("no billu:mx and no relay: nothing to plan; a public name and a smaller size limit are taken", () => {
        const p = new Problems();
        expect(planMx(input(undefined, { hosts: HOSTS.slice(0, 3) }), p)).toBeUndefined();
        expect(p.count).toBe(0);
        const plan = planMx(input({ publicName: "MX1.Billu.fr", messageSizeMiB: 10 }), p)!;
        expect([plan.publicName, plan.messageSizeBytes, plan.certificate.dnsNames]).toEqual([
            "mx1.billu.fr",
            10 * 1024 * 1024,
            ["mx1.billu.fr", "par-mx01.billu.remindme.lan"],
        ]);
    });

    test("a relay outside the DMZ is refused, naming the host's zone key and the DMZ zones", () => {
        const hosts = HOSTS.map((h) => (h.name === "PAR-MX01" ? { ...h, zone: "servers" } : h));
        expect(messages(input({}, { hosts }))).toEqual([
            'billu:hosts[3].zone: "servers" is a servers zone, but PAR-MX01 is the inbound mail relay, which the internet reaches. Fix: put the relay in a DMZ zone (dmz)',
        ]);
    });

    test("every other bad input, each with its key path and fix", () => {
        expect(messages(input(undefined))).toEqual([
            "billu:mx: is missing, but billu:hosts has an inbound mail relay (PAR-MX01). Fix: set billu:mx (it may be empty: {}), or remove the host of role mx",
        ]);
        expect(messages(input({}, { hosts: HOSTS.slice(0, 3) }))).toEqual([
            "billu:hosts: has no host of role mx, but billu:mx is set. Fix: add the inbound relay to billu:hosts (role: mx, os: debian-12, in the DMZ, e.g. PAR-MX01), or remove billu:mx",
        ]);
        expect(messages(input({}, { hosts: [...HOSTS, host(4, "PAR-MX02", "mx", "dmz", "172.16.120.21")] }))).toEqual([
            "billu:hosts: has 2 hosts of role mx (PAR-MX01, PAR-MX02). Fix: declare exactly one inbound relay",
        ]);
        const windows = HOSTS.map((h) => (h.name === "PAR-MX01" ? { ...h, os: "windows-2022" as OsKind } : h));
        expect(messages(input({}, { hosts: windows }))).toEqual([
            'billu:hosts[3].os: "windows-2022" cannot run Postfix. Fix: use os: debian-12 for the inbound relay',
        ]);
        expect(messages(input({}, { mail: undefined }))).toEqual([
            "billu:mx: is set, but the site has no mail server for PAR-MX01 to relay to. Fix: declare the mail server (billu:mail and a host of role mail), or remove billu:mx",
        ]);
        // The mail server failed to plan: its own problems are reported, the relay adds none.
        expect(messages(input({}, { mail: undefined, mailPending: true }))).toEqual([]);
        expect(messages(input({}, { published: PUBLISHED.slice(0, 1) }))).toEqual([
            "billu:firewall.published: does not publish smtp to PAR-MX01: the internet cannot reach the inbound relay. Fix: append { service: smtp, host: PAR-MX01 } to billu:firewall.published",
        ]);
        expect(messages(input({}, { published: [...PUBLISHED, { service: "smtp", host: "PAR-WEB01", publicPort: 2525 }] }))).toEqual([
            'billu:firewall.published[2].host: publishes smtp to "PAR-WEB01", but PAR-MX01 is the site\'s inbound mail relay. Fix: publish smtp to PAR-MX01 only',
        ]);
        expect(messages(input({}, { published: [{ service: "smtp", host: "PAR-MX01", publicPort: 2525 }] }))).toEqual([
            "billu:firewall.published[0].publicPort: 2525 is not 25: other mail servers deliver to an MX on port 25 only (RFC 5321, section 4.5.4.2). Fix: remove publicPort",
        ]);
        expect(messages(input({ publicName: "mx..billu.fr" }))[0]).toMatch(
            /^billu:mx\.publicName: "mx\.\.billu\.fr" .*\. Fix: write the relay's public name as a DNS name, e\.g\. mx\.billu\.fr$/,
        );
        expect(messages(input({ messageSizeMiB: 50 }))).toEqual([
            "billu:mx.messageSizeMiB: 50 is above billu:mail.messageSizeMiB (25): the mail server would refuse what the relay accepted. Fix: set it at most to billu:mail.messageSizeMiB, or leave it out",
        ]);
    });

    describe("billu:mx.dnsbl (postscreen's DNSBL test)", () => {
        const ZEN = { zone: "zen.spamhaus.org", reply: "127.0.0.[2..11]", weight: 3 };
        test("taken as written, zones lower-cased without a final dot; absent: no DNSBL in the plan", () => {
            const p = new Problems();
            const dnsbl = {
                threshold: 3,
                sites: [
                    { ...ZEN, zone: "Zen.Spamhaus.org." },
                    { zone: "bl.spamcop.net", weight: 2 },
                    { zone: "list.dnswl.org", reply: "127.0.[0..255].[1;2..3]", weight: -5 },
                ],
            };
            expect(planMx(input({ dnsbl }), p)!.dnsbl).toEqual({
                threshold: 3,
                sites: [ZEN, { zone: "bl.spamcop.net", weight: 2 }, { zone: "list.dnswl.org", reply: "127.0.[0..255].[1;2..3]", weight: -5 }],
            });
            expect(p.all).toEqual([]);
            expect(planMx(input({}), p)!.dnsbl).toBeUndefined();
        });

        test("every bad list, threshold and reply pattern at once, each with its key path and fix", () => {
            const fix = "Fix: write the answers that count as an address pattern, e.g. 127.0.0.[2..11], or remove reply";
            const sites = [
                ZEN,
                { zone: "zen.spamhaus.org", reply: "127.0.0.[2..11]", weight: 1 },
                { zone: "spamcop", weight: 1 },
                { zone: "a.example", reply: "127.0.0", weight: -1 },
                { zone: "b.example", reply: "127.0.0.256", weight: -1 },
                { zone: "c.example", reply: "127.0.0.[11..2]", weight: -1 },
                { zone: "d.example", reply: "127.0.0.[2-11]", weight: -1 },
                { zone: "e.example", reply: "127.0.0.x", weight: -1 },
            ];
            expect(messages(input({ dnsbl: { threshold: 6, sites } }))).toEqual([
                'billu:mx.dnsbl.sites[1].zone: "zen.spamhaus.org" is listed again (billu:mx.dnsbl.sites[0] has the same zone and reply). Fix: keep one entry per zone and reply',
                'billu:mx.dnsbl.sites[2].zone: "spamcop" is a single label (a DNSBL zone needs at least two, e.g. zen.spamhaus.org). Fix: write the list\'s DNS zone, e.g. zen.spamhaus.org',
                `billu:mx.dnsbl.sites[3].reply: "127.0.0" has 3 octets, not 4. ${fix}`,
                `billu:mx.dnsbl.sites[4].reply: "127.0.0.256" has the octet "256", which is neither a number 0-255 nor a bracketed list like [2..11] or [2;4]. ${fix}`,
                `billu:mx.dnsbl.sites[5].reply: "127.0.0.[11..2]" has the range "11..2", whose low end is above its high end. ${fix}`,
                `billu:mx.dnsbl.sites[6].reply: "127.0.0.[2-11]" has "2-11" in "[2-11]", which is neither a number 0-255 nor a range low..high. ${fix}`,
                `billu:mx.dnsbl.sites[7].reply: "127.0.0.x" has the octet "x", which is neither a number 0-255 nor a bracketed list like [2..11] or [2;4]. ${fix}`,
                "billu:mx.dnsbl.threshold: 6 is above what every block list together adds (5): no client could ever be refused. Fix: set it at most to 5, or raise the block lists' weights",
            ]);
        });

        test("billu:mx.resolver: own by default with a DNSBL (and the relay's dns flow to the WAN), site without; Spamhaus through the site's resolvers is refused", () => {
            const p = new Problems();
            const dnsbl = { threshold: 3, sites: [ZEN, { zone: "bl.spamcop.net", reply: "127.0.0.2", weight: 2 }] };
            const own = planMx(input({ dnsbl }), p)!;
            expect(own.resolver).toBe("own");
            expect(own.flows.map((f) => `${f.from} -> ${f.to} ${f.service}`)).toEqual([
                "PAR-MX01 -> PAR-MAIL01 smtp",
                "PAR-MX01 -> PAR-MAIL01 rspamd-milter",
                "PAR-MX01 -> wan dns",
            ]);
            const site = planMx(input({}), p)!;
            expect([site.resolver, site.flows.map((f) => f.service)]).toEqual(["site", ["smtp", "rspamd-milter"]]);
            expect(planMx(input({ resolver: "own" }), p)!.resolver).toBe("own");
            expect(planMx(input({ resolver: "site", dnsbl: { threshold: 2, sites: [dnsbl.sites[1]] } }), p)!.resolver).toBe("site");
            expect(p.all).toEqual([]);
            expect(messages(input({ resolver: "site", dnsbl: { threshold: 3, sites: [dnsbl.sites[1], ZEN, { ...ZEN, zone: "dbl.spamhaus.org" }] } }))).toEqual([
                'billu:mx.resolver: "site" makes the relay ask billu:mx.dnsbl.sites[1] (zen.spamhaus.org), billu:mx.dnsbl.sites[2] (dbl.spamhaus.org) through the site\'s resolvers, public ones in the end (billu:network.dnsForwarders), which Spamhaus refuses (127.255.255.254 or NXDOMAIN): that list would refuse no client. Fix: remove billu:mx.resolver (own is the default with billu:mx.dnsbl: an unbound on the relay asks the lists itself), or remove the Spamhaus list',
            ]);
            const r = mxSchema.safeParse({ resolver: "public" });
            expect(r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([
                "resolver: Invalid enum value. Expected 'own' | 'site', received 'public'",
            ]);
        });

        test("the schema refuses a weight of 0, a threshold below 1 and an empty list of sites", () => {
            const r = mxSchema.safeParse({ dnsbl: { threshold: 0, sites: [{ zone: "a.example", weight: 0 }] } });
            expect(r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([
                "dnsbl.threshold: Number must be greater than or equal to 1",
                "dnsbl.sites.0.weight: a weight of 0 adds nothing: use a positive weight (a block list) or a negative one (an allow list)",
            ]);
            expect(mxSchema.safeParse({ dnsbl: { threshold: 1, sites: [] } }).success).toBe(false);
        });
    });
});
