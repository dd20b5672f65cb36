// Needs a Debian package the labs install (the program that checks the rendered file): run by `npm run test:packaged`
// after scripts/install-lab-packages.sh, not by `npm test`. The rest of this renderer's tests are in __tests__/components/.
/**
 * The webmail step (components/mail/webmail.ts): Roundcube's configuration parsed and evaluated by PHP itself (the
 * values Roundcube reads, from the mail plan), Apache's file allowing the department zones only, the des_key a secret
 * placeholder; synthesized, the steps follow `mail` and the des_key is a generated secret. labs/mail runs them.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { renderRoundcubeConf, renderWebmailApache, WEBMAIL_SECRET, WEBMAIL_TLS, webmailStep } from "../../components/mail/webmail";
import { TLS } from "../../components/web/render";
import { placeholder } from "../../components/guest-step/render";
import { SynthResult } from "../../tools/synth";
import { model, orderingDeps, stackRaw } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "../synth/shared";

const dev = model(stackRaw("dev"));
const plan = dev.mail!;
const departments = dev.zones.filter((z) => z.kind === "department");
const inputs = { plan, networks: departments.map((z) => z.cidr.text), siteName: dev.site.name };

/** Roundcube's $config as PHP evaluates the rendered file. */
function evaluated(text: string): Record<string, unknown> {
    const dir = mkdtempSync(path.join(os.tmpdir(), "webmail-"));
    const file = path.join(dir, "config.inc.php");
    writeFileSync(file, text);
    const r = spawnSync("php", ["-r", "include $argv[1]; echo json_encode($config);", file], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`php: ${r.stdout}${r.stderr}`);
    return JSON.parse(r.stdout);
}

test("the plan: the webmail at the server's FQDN (in its certificate), on in the committed stacks, off by default", () => {
    expect(plan.webmail).toEqual({ url: "https://par-mail01.billu.remindme.lan/" });
    expect(plan.certificate.dnsNames).toContain(new URL(plan.webmail!.url).hostname);
    expect(model(stackRaw("prod")).mail!.webmail).toEqual({ url: "https://par-mail01.billu.remindme.lan/" });
    const raw = stackRaw("dev");
    delete raw.mail.webmail;
    raw.flows = raw.flows.filter((f: { to: string; service: string }) => !(f.to === "PAR-MAIL01" && f.service === "https"));
    expect(model(raw).mail!.webmail).toBeUndefined();
});

test("Roundcube's configuration, as PHP reads it: IMAPS and submission on the FQDN, the site CA verified, SQLite under /var/lib/roundcube", () => {
    const tls = { ssl: { verify_peer: true, verify_peer_name: true, peer_name: "par-mail01.billu.remindme.lan", cafile: "/etc/billu/mail/tls/ca.pem" } };
    expect(evaluated(renderRoundcubeConf(inputs))).toEqual({
        db_dsnw: "sqlite:////var/lib/roundcube/db/roundcube.sqlite?mode=0640",
        imap_host: "ssl://par-mail01.billu.remindme.lan:993",
        imap_conn_options: tls,
        smtp_host: "tls://par-mail01.billu.remindme.lan:587",
        smtp_user: "%u",
        smtp_pass: "%p",
        smtp_conn_options: tls,
        des_key: placeholder(WEBMAIL_SECRET.desKey),
        product_name: "BillU webmail",
        support_url: "",
        skin: "elastic",
        plugins: [],
        use_https: true,
    });
    // The parser ran: a broken file is refused.
    expect(() => evaluated("<?php $config = [;")).toThrow(/php: /);
});

test("Apache: HTTPS only, the department zones alone allowed, the mail server's certificate", () => {
    const text = renderWebmailApache(inputs);
    expect(text.split("\n").filter((l) => /^\s*(Listen|Require|SSLCertificate)/.test(l))).toEqual([
        "    Require all denied",
        "Listen 443",
        "    SSLCertificateFile /etc/billu/mail/tls/server.pem",
        "    SSLCertificateKeyFile /etc/billu/mail/tls/server.key",
        `        Require ip ${departments.map((z) => z.cidr.text).join(" ")}`,
    ]);
    expect(renderWebmailApache({ ...inputs, networks: [] })).not.toMatch(/Require ip/);
});

test("TLS as the DMZ web server's (Mozilla intermediate, ECDSA suites)", () => {
    expect(WEBMAIL_TLS).toEqual(TLS);
    expect(renderWebmailApache(inputs)).toContain(`SSLCipherSuite ${TLS.ciphers.join(":")}`);
});

test("the step: the config 0640 root:www-data checked by php -l, Apache's checked by apache2ctl -t, the data folder www-data's, one secret", () => {
    const step = webmailStep(inputs);
    expect(step.files.map((f) => [f.path, f.mode ?? "0644", f.owner ?? "root:root", f.check])).toEqual([
        ["/etc/roundcube/config.inc.php", "0640", "root:www-data", "php -l {} >/dev/null"],
        ["/etc/apache2/apache2.conf", "0644", "root:root", "apache2ctl -t -f {}"],
    ]);
    expect(step.dirs).toEqual([{ path: "/var/lib/roundcube/db", mode: "0750", owner: "www-data:www-data" }]);
    expect(step.secrets).toEqual(["webmail-des-key"]);
    expect(spawnSync("sh", ["-n"], { input: step.script }).status).toBe(0);
});

describe("synthesized dev", () => {
    let r: SynthResult;
    beforeAll(async () => {
        ({ r } = await committedSynth("dev"));
    }, SYNTH_TIMEOUT);
    const named = (n: string) => r.resources.find((x) => x.name === n)!;

    test("the webmail packages follow the mail step, the webmail step follows them; the des_key is a generated 24-character secret", () => {
        expect(orderingDeps(named("par-mail01-webmail-packages-prepare"))).toContain(named("par-mail01-mail-apply").urn);
        expect(orderingDeps(named("par-mail01-webmail-prepare"))).toContain(named("par-mail01-webmail-packages-apply").urn);
        expect(named("par-mail01-webmail-des-key").inputs).toMatchObject({ length: 24, special: false });
    });
});
