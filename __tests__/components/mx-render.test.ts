/**
 * The inbound relay's files (components/mx/render.ts) for the committed dev stack's plan: exact tables from the model,
 * the no-open-relay settings pinned, and Postfix itself (`postfix check`, `postconf -n`) accepting main.cf and master.cf.
 */
import {
    MX_PATHS,
    MX_SECRETS,
    MX_UNBOUND_CHECK,
    mxDirs,
    mxFiles,
    mxStepData,
    renderMxResolvConf,
    renderMxUnbound,
    renderMxMainCf,
    renderMilterHeaders,
    renderMxMasterCf,
    renderRecipients,
    renderTlsPolicy,
    renderTransport,
} from "../../components/mx/render";
import { renderMainCf, renderMasterCf } from "../../components/mail/postfix";
import { renderRspamd } from "../../components/mail/rspamd";
import type { DomainModel } from "../../model/domain";
import { SERVICES } from "../../model/ports";
import type { MailPlan } from "../../model/mail";
import type { MxPlan } from "../../model/mx";
import { execFileSync } from "child_process";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { stepScript } from "../../components/guest-step/render";
import { model, stackRaw } from "../helpers";

const site = model(stackRaw("dev"));
const plan = site.plan<MxPlan>("mx")!;
const mail = site.plan<MailPlan>("mail")!;

test("the recipient table holds exactly the directory's enabled addresses and billu:mail's aliases", () => {
    const lines = renderRecipients(plan)
        .split("\n")
        .filter((l) => l && !l.startsWith("#"));
    const expected = [...new Set([...mail.accounts.filter((a) => a.enabled && a.mail).map((a) => a.mail), ...mail.aliases.map((a) => a.address)])].sort();
    expect(expected.length).toBeGreaterThan(100);
    expect(lines).toEqual(expected.map((a) => `${a} OK`));
    const left = mail.accounts.find((a) => !a.enabled);
    if (left) expect(lines).not.toContain(`${left.mail} OK`);
});

test("mail for the domain goes to the mail server's address, TLS required and its certificate name checked", () => {
    expect(renderTransport(plan).split("\n").slice(1)).toEqual([
        `${mail.domain} smtp:[${mail.host.address}]:25`,
        // Anything else can only be the relay's own bounce to an internet sender: dropped, never sent (no backscatter).
        "* discard:no backscatter, the relay sends nothing outside its mail domain",
        "",
    ]);
    expect(renderTlsPolicy(plan).split("\n")[1]).toBe(`[${mail.host.address}]:25 secure match=${mail.hostname}`);
});

test("main.cf: relay for the mail domain only, unknown recipients refused, no client may relay", () => {
    const main = renderMxMainCf(plan).split("\n");
    expect(main).toEqual(
        expect.arrayContaining([
            `relay_domains = ${mail.domain}`,
            `relay_recipient_maps = texthash:${MX_PATHS.recipients}`,
            `transport_maps = texthash:${MX_PATHS.transport}`,
            `smtp_tls_policy_maps = texthash:${MX_PATHS.tlsPolicy}`,
            "mydestination =",
            "mynetworks = 127.0.0.0/8",
            "smtpd_relay_restrictions = reject_unauth_destination",
            "smtpd_recipient_restrictions = reject_non_fqdn_recipient, reject_unlisted_recipient",
            `message_size_limit = ${mail.messageSizeBytes}`,
        ]),
    );
    // No permit of any kind before the relay check: not mynetworks, not SASL (the relay has no logins).
    expect(main.filter((l) => /permit/.test(l))).toEqual([]);
    expect(renderMxMasterCf(plan)).not.toMatch(/^submission|^587/m);
});

test("main.cf: the mail server's rspamd is asked before the relay's 250 (its milter in the servers zone); unreachable, 4xx", () => {
    const main = renderMxMainCf(plan).split("\n");
    // The milter's address is the mail server's own (the model's host, not the loopback), on the catalogue's rspamd-milter port.
    expect(SERVICES["rspamd-milter"].ports).toEqual([{ proto: "tcp", from: 11332, to: 11332 }]);
    const milterLines = main.filter((l) => /milter/.test(l) && !l.startsWith("#"));
    expect(milterLines).toEqual([
        `smtpd_milters = inet:${mail.host.address}:11332`,
        "milter_protocol = 6",
        "milter_default_action = tempfail",
        `milter_header_checks = regexp:${MX_PATHS.milterHeaders}`,
    ]);
    // Its verdict only: every header rspamd adds at the relay is dropped (the mail server's scan writes the headers).
    expect(
        renderMilterHeaders(plan)
            .split("\n")
            .filter((l) => l && !l.startsWith("#")),
    ).toEqual(["/^/ IGNORE"]);
    expect(mxFiles(plan).map((f) => f.path)).toContain(MX_PATHS.milterHeaders);
    // rspamd listens there for the relay, and still on the loopback for the mail server's own Postfix (submission: DKIM).
    const proxy = renderRspamd(mail, site.plan<DomainModel>("dc")!)["worker-proxy.inc"].split("\n");
    expect(proxy.filter((l) => l.startsWith("bind_socket"))).toEqual(['bind_socket = "127.0.0.1:11332";', `bind_socket = "${mail.host.address}:11332";`]);
    expect(renderMainCf(mail).split("\n")).toContain("smtpd_milters = inet:127.0.0.1:11332");
});

test("the step's files: the key 0600 from the secret channel, each Postfix file checked, master.cf before main.cf", () => {
    const files = mxFiles(plan);
    const byPath = new Map(files.map((f) => [f.path, f]));
    expect(byPath.get(MX_PATHS.key)).toEqual({ path: MX_PATHS.key, content: `{{secret:${MX_SECRETS.key}}}`, mode: "0600" });
    expect(byPath.get(MX_PATHS.mainCf)!.check).toContain("/var/lib/billu/stage/mx-relay/files/etc/postfix/master.cf");
    expect(files.map((f) => f.path).indexOf(MX_PATHS.masterCf)).toBeLessThan(files.map((f) => f.path).indexOf(MX_PATHS.mainCf));
    expect(mxDirs()).toEqual([{ path: MX_PATHS.tlsDir, mode: "0700", owner: "root:root" }]);
});

test("master.cf: postscreen owns port 25 and hands the clients that pass to smtpd; its other lines are the mail server's", () => {
    const lines = renderMxMasterCf(plan).split("\n");
    const body = lines.filter((l) => !l.startsWith("#") || l.startsWith("# service"));
    expect(body.slice(0, 3)).toEqual([
        "# service   type  private unpriv  chroot  wakeup  maxproc command + args",
        "smtp       inet  n       -       n       -       1       postscreen",
        "smtpd      pass  -       -       n       -       -       smtpd",
    ]);
    expect(body).toContain("tlsproxy   unix  -       -       n       -       0       tlsproxy");
    expect(renderMxMainCf(plan).split("\n")).toContain("postscreen_greet_action = enforce");
    // Every line the relay has and the mail server has not is one of postscreen's (dnsblog with billu:mx.dnsbl): the rest is shared byte for byte.
    const mailLines = new Set(renderMasterCf(mail).split("\n"));
    expect(body.filter((l) => l && !mailLines.has(l))).toEqual([
        "smtp       inet  n       -       n       -       1       postscreen",
        "smtpd      pass  -       -       n       -       -       smtpd",
        "tlsproxy   unix  -       -       n       -       0       tlsproxy",
        "dnsblog    unix  -       -       n       -       0       dnsblog",
    ]);
    // Without a DNSBL, no dnsblog: postscreen asks no list.
    expect(renderMxMasterCf({ ...plan, dnsbl: undefined })).not.toMatch(/^dnsblog/m);
});

test("main.cf: postscreen's DNSBL test from billu:mx.dnsbl, enforced; without it, no DNSBL line at all", () => {
    expect(plan.dnsbl).toBeDefined();
    const dnsblLines = (text: string) => text.split("\n").filter((l) => /^postscreen_dnsbl/.test(l));
    // Each site as the model holds it, `zone=reply*weight`, in billu:mx.dnsbl's order; the threshold; refusal enforced.
    expect(dnsblLines(renderMxMainCf(plan))).toEqual([
        `postscreen_dnsbl_sites = ${plan.dnsbl!.sites.map((s) => `${s.zone}${s.reply ? `=${s.reply}` : ""}*${s.weight}`).join(", ")}`,
        `postscreen_dnsbl_threshold = ${plan.dnsbl!.threshold}`,
        "postscreen_dnsbl_action = enforce",
    ]);
    const other: MxPlan = {
        ...plan,
        dnsbl: {
            threshold: 2,
            sites: [
                { zone: "bl.example.net", weight: 2 },
                { zone: "wl.example.net", reply: "127.0.[0..255].[1;3]", weight: -4 },
            ],
        },
    };
    expect(dnsblLines(renderMxMainCf(other))).toEqual([
        "postscreen_dnsbl_sites = bl.example.net*2, wl.example.net=127.0.[0..255].[1;3]*-4",
        "postscreen_dnsbl_threshold = 2",
        "postscreen_dnsbl_action = enforce",
    ]);
    const none: MxPlan = { ...plan, dnsbl: undefined };
    expect(dnsblLines(renderMxMainCf(none))).toEqual([]);
    expect(renderMxMainCf(none).split("\n")).toContain("postscreen_greet_action = enforce");
});

describe("the relay's own resolver (billu:mx.resolver: own, dev's default with its DNSBL)", () => {
    const body = (text: string) => text.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
    test("unbound: on the loopback only, every other client refused, validating and recursive (no forwarder)", () => {
        expect(plan.resolver).toBe("own");
        expect(body(renderMxUnbound(plan))).toEqual([
            "server:",
            "    interface: 127.0.0.1",
            "    port: 53",
            "    do-ip6: no",
            "    access-control: 0.0.0.0/0 refuse",
            "    access-control: 127.0.0.0/8 allow",
            '    module-config: "validator iterator"',
            "    qname-minimisation: yes",
            "    harden-dnssec-stripped: yes",
            "    hide-identity: yes",
            "    hide-version: yes",
        ]);
        // A DNSBL answers inside 127.0.0.0/8: a private-address line would strip every listing.
        expect(renderMxUnbound(plan)).not.toMatch(/^\s*(private-address|forward-zone|forward-addr)/m);
        expect(body(renderMxResolvConf(plan))).toEqual(["nameserver 127.0.0.1"]);
    });

    test("its files after Postfix's, unbound's drop-in checked by unbound-checkconf; with the site's resolvers, neither", () => {
        const paths = mxFiles(plan).map((f) => f.path);
        expect(paths.slice(-2)).toEqual([MX_PATHS.unbound, MX_PATHS.resolvConf]);
        expect(mxFiles(plan).find((f) => f.path === MX_PATHS.unbound)!.check).toBe(MX_UNBOUND_CHECK);
        expect(MX_PATHS.unbound).toBe("/etc/unbound/unbound.conf.d/billu-relay.conf");
        const site: MxPlan = { ...plan, resolver: "site" };
        expect(mxFiles(site).map((f) => f.path)).toEqual(paths.slice(0, -2));
    });

    test("the step's data and a body sh accepts", () => {
        expect(mxStepData(plan)).toEqual({
            RESOLVER: "own",
            UNBOUND_CONF: "/etc/unbound/unbound.conf.d/billu-relay.conf",
            RESOLV_CONF: "/etc/billu/mx/resolv.conf",
            RESOLV_CONF_BEFORE: "/etc/billu/mx/resolv.conf.before",
            RESOLVER_ADDRESS: "127.0.0.1",
        });
        const file = path.join(mkdtempSync(path.join(tmpdir(), "billu-mx-")), "run.sh");
        writeFileSync(file, stepScript("linux", "mx/relay-step.sh", mxStepData(plan)));
        expect(() => execFileSync("sh", ["-n", file])).not.toThrow();
    });
});
