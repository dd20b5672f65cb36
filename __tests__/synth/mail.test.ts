/**
 * The mail server in the synthesized dev stack: the component and its children, the order of its steps, its secrets
 * (generated, never in a rendered file), the docs; and bad mail input stopping the CLI with exit 2.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { SynthResult } from "../../tools/synth";
import { runTool } from "../cli";
import { filesUnder, ROOT, orderingDeps } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

let r: SynthResult;
let out: string;

beforeAll(async () => {
    ({ r, out } = await committedSynth("dev"));
}, SYNTH_TIMEOUT);

const named = (n: string) => {
    const x = r.resources.find((res) => res.name === n);
    if (!x) throw new Error(`no resource ${n}`);
    return x;
};
const deps = (n: string) =>
    orderingDeps(named(n))
        .map((u) => u.slice(u.lastIndexOf("::") + 2))
        .sort();

test("synthesizes clean: one MailServer under the site, its VM, password, certificate and steps as children", () => {
    expect(r.exitCode).toBe(0);
    expect(r.violations).toEqual([]);
    const mail = r.resources.filter((x) => x.type === "billu:mail:MailServer");
    expect(mail.map((x) => [x.name, x.parent])).toEqual([["par-mail01", "urn:pulumi:dev::billu-infra::billu:site:Site::par"]]);
    const children = r.resources.filter((x) => x.parent === mail[0].urn).map((x) => `${x.type} ${x.name}`);
    expect(children.sort()).toEqual(
        [
            "billu:compute:BaseServer par-mail01",
            "random:index/randomPassword:RandomPassword par-mail01-ldap-password",
            // Roundcube's des_key (the webmail).
            "random:index/randomPassword:RandomPassword par-mail01-webmail-des-key",
            "billu:guest:GuestStep par-mail01-directory",
            "billu:guest:GuestStep par-mail01-packages",
            "billu:guest:GuestStep par-mail01-store",
            "billu:guest:GuestStep par-mail01-webmail",
            "billu:guest:GuestStep par-mail01-webmail-packages",
            "billu:guest:GuestStep par-mail01-mail",
            // The certificate of the site CA, issued under the mail server (like each DC's LDAPS one).
            "tls:index/certRequest:CertRequest par-ca-par-mail01-mail-csr",
            "tls:index/locallySignedCert:LocallySignedCert par-ca-par-mail01-mail-cert",
            "tls:index/privateKey:PrivateKey par-ca-par-mail01-mail-key",
            "tls:index/privateKey:PrivateKey par-mail01-dkim",
        ].sort(),
    );
    expect(named("par-mail01-ldap-password").inputs).toMatchObject({ length: 32, special: false, minUpper: 2, minLower: 2, minNumeric: 2 });
    expect(named("par-ca-par-mail01-mail-csr").inputs).toMatchObject({
        subject: { commonName: "par-mail01.billu.remindme.lan" },
        dnsNames: ["par-mail01.billu.remindme.lan"],
        ipAddresses: ["10.20.10.41"],
    });
    // The VM is stateful (tagged so): protect-stateful-vms protects it in prod.
    expect(named("par-mail01-vm").inputs.tags).toContain("stateful");
});

test("order: the DC side after the domain; the packages after the join; the configuration after both", () => {
    expect(deps("par-mail01-directory-prepare")).toEqual(["par-domain-domain-apply"]);
    // The mail store (dev's second disk) is mounted before the packages, so Dovecot never writes on the OS disk.
    expect(deps("par-mail01-packages-prepare")).toEqual(["par-domain-domain-apply", "par-mail01-ad-join-apply", "par-mail01-store-apply"]);
    expect(deps("par-mail01-mail-prepare")).toEqual(["par-mail01-directory-apply", "par-mail01-packages-apply"]);
});

test("secrets reach the guests on stdin only: the apply commands take them as secrets, no rendered file holds one", () => {
    for (const step of ["par-mail01-directory-apply", "par-mail01-mail-apply"]) {
        expect(named(step).inputs.stdin).toBe("[secret]");
        expect(named(step).inputs.logging).toBe("none");
    }
    const rendered = [...filesUnder(path.join(out, "rendered", "PAR-MAIL01")), ...filesUnder(path.join(out, "rendered", "PAR-DC01"))];
    const holding = rendered.filter((f) => /bind_pw|dnpass/.test(readFileSync(f, "utf8")));
    expect(holding.map((f) => path.relative(out, f)).sort()).toEqual([
        "rendered/PAR-MAIL01/etc/billu/mail/postfix-ldap/aliases.cf",
        "rendered/PAR-MAIL01/etc/billu/mail/postfix-ldap/groups.cf",
        "rendered/PAR-MAIL01/etc/billu/mail/postfix-ldap/mailboxes.cf",
        "rendered/PAR-MAIL01/etc/billu/mail/postfix-ldap/senders.cf",
        "rendered/PAR-MAIL01/etc/dovecot/billu-ldap.conf.ext",
    ]);
    for (const f of holding) expect(readFileSync(f, "utf8")).toMatch(/^(bind_pw|dnpass) = \{\{secret:mail-ldap-password\}\}$/m);
    expect(readFileSync(path.join(out, "rendered", "PAR-MAIL01", "etc/billu/mail/tls/server.key"), "utf8")).toBe("{{secret:mail-key}}");
    // DKIM: the private key only as its placeholder; the DC's TXT records name the public key by its placeholder too.
    expect(readFileSync(path.join(out, "rendered", "PAR-MAIL01", "etc/billu/mail/dkim/billu.remindme.lan.billu.key"), "utf8")).toBe("{{secret:mail-dkim-key}}");
    expect(readFileSync(path.join(out, "rendered", "PAR-DC01", "etc/billu/mail/txt-records.tsv"), "utf8")).toContain(
        "billu.remindme.lan\tbillu._domainkey\tv=DKIM1; k=rsa; p={{secret:mail-dkim-public}}\n",
    );
    // The DC's domain step carries the MX of the mail domain, among the records services ask for.
    expect(readFileSync(path.join(out, "rendered", "PAR-DC01", "etc/billu/domain/extra-records.tsv"), "utf8").split("\n")).toContain(
        "billu.remindme.lan\t@\tMX\tpar-mail01.billu.remindme.lan\t10",
    );
});

test("DKIM: an RSA 2048 key whose private half is a secret output; its record is the stack output mailDkimRecord", () => {
    const key = named("par-mail01-dkim");
    expect([key.type, key.inputs.algorithm, key.inputs.rsaBits]).toEqual(["tls:index/privateKey:PrivateKey", "RSA", 2048]);
    expect(key.options.additionalSecretOutputs).toEqual(expect.arrayContaining(["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"]));
    const o = JSON.parse(readFileSync(path.join(out, "outputs.json"), "utf8"));
    // The mock runtime's public key (tools/mock-runtime.ts) between the PEM armour, as p=.
    expect(o.mailDkimRecord).toBe("v=DKIM1; k=rsa; p=mock-public-par-mail01-dkim");
});

test("docs: the mail sections in the outputs and the README", () => {
    const o = JSON.parse(readFileSync(path.join(out, "outputs.json"), "utf8"));
    expect(Object.keys(o.sections)).toEqual(expect.arrayContaining(["Mail", "Mail client settings", "Mail DNS records"]));
    const readme = readFileSync(path.join(out, "docs", "README.md"), "utf8");
    expect(readme).toContain("Mail client settings");
    expect(readme).toContain("par-mail01.billu.remindme.lan");
});

async function synthCli(edit: (yaml: string) => string) {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-mail-bad-"));
    writeFileSync(path.join(dir, "Pulumi.x.yaml"), edit(readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")));
    const p = await runTool("synth", ["--stack", "dev", "--config", path.join(dir, "Pulumi.x.yaml"), "--out", path.join(dir, "out")]);
    return { status: p.status, stderr: p.stderr };
}

test("CLI: a mail domain that is not a DNS name and a missing certificate source: exit 2, key paths and fixes", async () => {
    const p = await synthCli((y) => y.replace("  billu:mail:\n    certificate:\n      source: site-ca\n", "  billu:mail:\n    domain: billu..fr\n"));
    expect(p.status).toBe(2);
    expect(p.stderr).toContain(
        'billu:mail.domain: "billu..fr" has an empty label. Fix: write the mail domain as a DNS name, e.g. billu.fr or billu.remindme.lan',
    );
    expect(p.stderr).toContain("billu:mail.certificate.source: is required but missing. Fix: set billu:mail.certificate.source: site-ca");
    expect(p.stderr).not.toMatch(/\n\s+at /);
});
