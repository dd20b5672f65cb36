/** The mail server's pure renderers: the files of each step, from the mail plan (snapshots for the whole texts). */
import { readFileSync } from "fs";
import { mailDirectoryStep } from "../../components/directory/mail";
import { MAIL_PATHS, RSPAMD_MILTER } from "../../components/mail/common";
import { SERVICES } from "../../model/ports";
import { mailDocs } from "../../components/mail/docs";
import { renderDovecotConf, renderDovecotLdap } from "../../components/mail/dovecot";
import { LDAP_TABLES, renderLdapTable, renderMainCf, renderMasterCf } from "../../components/mail/postfix";
import { mailPackagesStep, mailStep } from "../../components/mail/steps";
import { dkimKeyPath, dkimPublicKeyData } from "../../components/mail/dkim";
import { renderRspamd } from "../../components/mail/rspamd";
import { sambaDomainStep } from "../../components/domain-controller/samba";
import { windowsDomainStep } from "../../components/domain-controller/windows";
import { repoPath } from "../../components/paths";
import { model, stackRaw } from "../helpers";

const dev = model(stackRaw("dev"));
const plan = dev.mail!;
const domain = dev.domain!;
const prod = model(stackRaw("prod"));

test("main.cf: the mail domain is virtual, looked up in AD; no open relay; TLS, size, milter from the plan", () => {
    const lines = renderMainCf(plan).split("\n");
    for (const l of [
        "myhostname = par-mail01.billu.remindme.lan",
        "mydestination =",
        "mynetworks = 127.0.0.0/8",
        "message_size_limit = 26214400",
        "virtual_mailbox_domains = billu.remindme.lan",
        "virtual_mailbox_maps = proxy:ldap:/etc/billu/mail/postfix-ldap/mailboxes.cf",
        "virtual_transport = lmtp:unix:private/dovecot-lmtp",
        "smtpd_sasl_auth_enable = no",
        "smtpd_tls_auth_only = yes",
        "smtpd_tls_chain_files = /etc/billu/mail/tls/server.key, /etc/billu/mail/tls/server.pem",
        "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination",
        "smtpd_milters = inet:127.0.0.1:11332",
        "milter_default_action = tempfail",
    ]) {
        expect(lines).toContain(l);
    }
    expect(renderMainCf(plan)).toMatchSnapshot();
});

test("master.cf: submission requires TLS, a logon and the login's own sender address; nothing chrooted", () => {
    const text = renderMasterCf(plan);
    expect(text).toContain(
        "587        inet  n       -       n       -       -       smtpd\n  -o syslog_name=postfix/submission\n  -o smtpd_tls_security_level=encrypt",
    );
    expect(text).toContain("  -o smtpd_sender_restrictions=reject_non_fqdn_sender,reject_sender_login_mismatch");
    expect(text).toContain("  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject");
    // Column 5 (chroot) is n on every service line.
    const services = text.split("\n").filter((l) => /^[a-z0-9]+ +(inet|unix|unix-dgram) /.test(l));
    expect(services.length).toBeGreaterThan(20);
    expect(services.filter((l) => l.split(/\s+/)[4] !== "n")).toEqual([]);
    expect(text).toMatchSnapshot();
});

test("LDAP tables: LDAPS to every DC with the CA verified, the service account, enabled people only; the password a placeholder", () => {
    for (const t of LDAP_TABLES) {
        const text = renderLdapTable(plan, t);
        expect(text).toContain("bind_pw = {{secret:mail-ldap-password}}\n");
        expect(text).toContain("tls_require_cert = yes\n");
        expect(text).toContain("bind_dn = svc-mail@billu.remindme.lan\n");
    }
    expect(renderLdapTable(prod.mail!, "mailboxes")).toContain(
        "server_host = ldaps://par-dc01.billu.remindme.lan ldaps://par-dc02.billu.remindme.lan ldaps://par-dc03.billu.remindme.lan\n",
    );
    expect(renderLdapTable(plan, "mailboxes")).toContain(
        "query_filter = (&(objectCategory=person)(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2))(mail=%s))\n",
    );
    expect(renderLdapTable(plan, "groups")).toContain("special_result_attribute = member\nleaf_result_attribute = mail\n");
    expect(LDAP_TABLES.map((t) => renderLdapTable(plan, t)).join("\n")).toMatchSnapshot();
});

test("Dovecot: IMAPS only, AD bind as the user, Maildir under vmail, the quota from the plan", () => {
    const conf = renderDovecotConf(plan);
    for (const l of [
        "protocols = imap lmtp",
        "ssl = required",
        "disable_plaintext_auth = yes",
        "    port = 993",
        "  quota_rule = *:storage=2048M",
        "first_valid_uid = 5000",
    ]) {
        expect(conf.split("\n")).toContain(l);
    }
    expect(conf).toContain("inet_listener imap {\n    port = 0\n  }");
    const ldap = renderDovecotLdap(plan);
    expect(ldap).toContain("auth_bind = yes\n");
    expect(ldap).toContain("dnpass = {{secret:mail-ldap-password}}\n");
    expect(ldap).toContain("user_attrs = =home=/var/vmail/%L{ldap:sAMAccountName}\n");
    expect(conf + ldap).toMatchSnapshot();
});

test("the mail step: secrets only as placeholders in 0600 files, every config checked by its daemon before install", () => {
    const step = mailStep(plan, domain);
    const byPath = new Map(step.files.map((f) => [f.path, f]));
    expect(step.secrets).toEqual(["mail-ldap-password", "mail-cert", "mail-key", "site-ca-cert", "mail-dkim-key"]);
    for (const f of step.files) {
        if (/\{\{secret:(mail-ldap-password|mail-key|mail-dkim-key)\}\}/.test(f.content)) expect([f.path, f.mode]).toEqual([f.path, "0600"]);
    }
    // The DKIM key: rspamd's alone, in its folder, at the path dkim_signing.conf names.
    expect(byPath.get("/etc/billu/mail/dkim/billu.remindme.lan.billu.key")).toEqual({
        path: "/etc/billu/mail/dkim/billu.remindme.lan.billu.key",
        content: "{{secret:mail-dkim-key}}",
        mode: "0600",
        owner: "_rspamd:_rspamd",
    });
    expect(byPath.get("/etc/billu/mail/postfix-ldap/mailboxes.cf")!.owner).toBe("postfix:postfix");
    expect(byPath.get(MAIL_PATHS.mainCf)!.check).toContain('postfix -c "$d" check');
    expect(byPath.get(MAIL_PATHS.mainCf)!.check).toContain("/var/lib/billu/stage/mail/files/etc/postfix/master.cf");
    expect(byPath.get(MAIL_PATHS.masterCf)!.check).toContain("/var/lib/billu/stage/mail/files/etc/postfix/main.cf");
    expect(byPath.get(MAIL_PATHS.dovecotConf)!.check).toBe("doveconf -n -c {} >/dev/null");
    // The LDAP tables, the TLS files and master.cf come before main.cf, whose check reads them; certificates before dovecot.conf.
    const order = step.files.map((f) => f.path);
    expect(order.indexOf(MAIL_PATHS.mainCf)).toBeGreaterThan(order.indexOf("/etc/billu/mail/postfix-ldap/senders.cf"));
    expect(order.indexOf(MAIL_PATHS.dovecotConf)).toBeGreaterThan(order.indexOf(MAIL_PATHS.key));
    // Daemons restart only when their files changed; the service account is proven before they are.
    expect(step.script).toContain('billu_service postfix "its configuration changed" /etc/billu/mail/tls/ca.pem');
    // The site's data comes first, then scripts/mail/mail.sh verbatim.
    expect(step.script.split("\n").slice(0, 4)).toEqual([
        "LDAP_URI='ldaps://par-dc01.billu.remindme.lan'",
        "BIND_DN='svc-mail@billu.remindme.lan'",
        "SERVICE_ACCOUNT='svc-mail'",
        "DKIM_KEY='/etc/billu/mail/dkim/billu.remindme.lan.billu.key'",
    ]);
    expect(step.script.split("\n").slice(4).join("\n")).toBe(readFileSync(repoPath("scripts", "mail", "mail.sh"), "utf8").trimEnd());
    expect(step.script).toMatch(/ldapsearch -LLL -x .* -D "\$BIND_DN" -y "\$BILLU_WORK\/ldap.pw"/);
    expect(step.script).not.toMatch(/-w /);
    // The LDAP tables' folder is postfix's alone; every other folder takes the library's 0755 (no chmod in the body).
    expect(step.dirs).toEqual([
        { path: "/etc/billu/mail/postfix-ldap", mode: "0750", owner: "root:postfix" },
        { path: "/etc/billu/mail/dkim", mode: "0750", owner: "root:_rspamd" },
    ]);
    expect(step.script).not.toMatch(/chmod|chown/);
    expect(mailPackagesStep().script).toContain("select No configuration");
});

test("mail.sh restarts each daemon on exactly the files the step installs for it, and waits for the catalogue's ports", () => {
    const step = mailStep(plan, domain);
    const paths = step.files.map((f) => f.path);
    const tls = [MAIL_PATHS.ca, MAIL_PATHS.cert, MAIL_PATHS.key];
    const changed = (unit: string) =>
        new RegExp(`^billu_service ${unit} "its configuration changed" (.*)$`, "m")
            .exec(step.script)?.[1]
            .split(" ")
            .map((p) => (p === '"$DKIM_KEY"' ? dkimKeyPath(plan) : p));
    expect(changed("rspamd")).toEqual([...paths.filter((p) => p.startsWith(`${MAIL_PATHS.rspamd}/`)), dkimKeyPath(plan)]);
    expect(changed("dovecot")).toEqual([...tls, MAIL_PATHS.dovecotLdap, MAIL_PATHS.dovecotConf]);
    expect(changed("postfix")).toEqual([...tls, ...paths.filter((p) => p.startsWith(`${MAIL_PATHS.ldapDir}/`)), MAIL_PATHS.masterCf, MAIL_PATHS.mainCf]);
    expect(paths.filter((p) => !changed("rspamd")!.concat(changed("dovecot")!, changed("postfix")!).includes(p))).toEqual([]);
    const ports = ["smtp", "submission", "imaps"].map((s) => SERVICES[s].ports[0].from);
    expect(step.script).toContain(`\nfor p in ${RSPAMD_MILTER.split(":")[1]} ${ports.join(" ")}; do\n`);
});

const TXT_TSV =
    "billu.remindme.lan\t@\tv=spf1 mx -all\n" +
    "billu.remindme.lan\t_dmarc\tv=DMARC1; p=none; sp=none; adkim=r; aspf=r; rua=mailto:postmaster@billu.remindme.lan\n" +
    "billu.remindme.lan\tbillu._domainkey\tv=DKIM1; k=rsa; p={{secret:mail-dkim-public}}\n";

test("mail-directory (samba): the service account with the secret via the wrapper, aliases as proxyAddresses, the TXT records", () => {
    const step = mailDirectoryStep(plan, domain);
    expect(step.files).toEqual([
        {
            path: "/etc/billu/mail/aliases.tsv",
            content: "postmaster@billu.remindme.lan\tGG_DSI\nabuse@billu.remindme.lan\tGG_DSI\ndsi-alertes@billu.remindme.lan\tGG_DSI\n",
        },
        { path: "/usr/local/sbin/billu-mail-dns", content: readFileSync(repoPath("scripts", "directory", "billu-mail-dns.py"), "utf8"), mode: "0755" },
        { path: "/etc/billu/mail/txt-records.tsv", content: TXT_TSV },
    ]);
    expect(step.script).toContain("TXT_RECORDS='/etc/billu/mail/txt-records.tsv'\n");
    expect(step.script).toContain('/usr/local/sbin/billu-mail-dns --base-dn "$DOMAIN_DN" "$TXT_RECORDS"');
    expect(step.script).toContain("SERVICE_ACCOUNT='svc-mail'\n");
    expect(step.script).toContain("DOMAIN_DN='DC=billu,DC=remindme,DC=lan'\n");
    expect(step.script).toContain('BILLU_SECRET="$(billu_secret mail-ldap-password)" billu-samba-tool user create "$SERVICE_ACCOUNT" @BILLU_SECRET@');
    expect(step.script).toContain('samba-tool user setexpiry "$SERVICE_ACCOUNT" --noexpiry');
    // The script reads the very file the step installs.
    expect(step.script).toContain(`done < ${step.files[0].path} | sort -u`);
    expect(step.script).toContain("proxyAddresses: %s");
    expect(step.secrets).toEqual(["mail-ldap-password", "mail-dkim-public"]);
    // A mail domain AD DNS does not serve: no records to write, no key to receive (the docs list them).
    const raw = stackRaw("dev");
    raw.directory.mailDomain = "billu.fr";
    raw.flows.push({ from: "wan", to: "PAR-MAIL01", service: "smtp" });
    const pub = model(raw);
    const unserved = mailDirectoryStep(pub.mail!, pub.domain!);
    expect([unserved.files.map((f) => f.path), unserved.secrets]).toEqual([["/etc/billu/mail/aliases.tsv"], ["mail-ldap-password"]]);
    expect(unserved.script).toContain("TXT_RECORDS=''\n");
});

test("antivirus and attachments: clamd scans the whole message; a virus or a refused type is refused with the policy's message", () => {
    const r = renderRspamd(plan, domain);
    expect(r["antivirus.conf"]).toContain(
        '  servers = "/run/clamav/clamd.ctl";\n  # The whole message, every part (a text part too), not only what rspamd counts as attachments.\n  scan_mime_parts = false;\n',
    );
    expect(r["antivirus.conf"]).toContain(`  max_size = ${plan.messageSizeBytes};\n`);
    expect(r["multimap.conf"]).toContain('  type = "filename";\n  filter = "extension";\n  map = "/etc/rspamd/local.d/billu-refused-extensions.map";\n');
    expect(r["billu-refused-extensions.map"]).toBe("exe\nscr\ncom\npif\nbat\ncmd\nvbs\nvbe\njs\njse\nwsf\nwsh\nhta\nmsi\nlnk\njar\nps1\niso\nimg\n");
    const rules = r["force_actions.conf"];
    expect(rules).toContain('    action = "reject";\n    expression = "CLAM_VIRUS";\n    message = "BillU policy: a virus was found in this message";\n');
    expect(rules).toContain(
        '    action = "reject";\n    expression = "BILLU_REFUSED_ATTACHMENT";\n    message = "BillU policy: attachments of this type are refused (executables and scripts)";\n',
    );
    expect(rules).toContain('    action = "soft reject";\n    expression = "CLAM_VIRUS_FAIL";\n');
    // DMARC p=reject is enforced: a refusal, whatever the score (rspamd inserts DMARC_POLICY_REJECT for p=reject only).
    expect(rules).toContain(
        '  BILLU_DMARC_REJECT {\n    action = "reject";\n    expression = "DMARC_POLICY_REJECT";\n' +
            '    message = "BillU policy: the sender\'s domain publishes DMARC p=reject and this message fails it (neither SPF nor DKIM aligned)";\n  }\n',
    );
    // ClamAV is waited for (bounded) before rspamd (re)starts; freshclam brings the signatures.
    const script = mailStep(plan, domain).script;
    expect(script.indexOf("systemctl start clamav-daemon")).toBeLessThan(script.indexOf("billu_service rspamd"));
    expect(script).toContain('until [ -S /run/clamav/clamd.ctl ]; do n=$((n + 1)); [ "$n" -le 600 ]');
    expect(mailPackagesStep().script).toContain("clamav clamav-daemon clamav-freshclam");
});

test("DKIM: rspamd signs what users send with a logon, with the key the step installs; the record's p= is the PEM's base64", () => {
    const conf = renderRspamd(plan, domain)["dkim_signing.conf"];
    expect(conf).toContain('  "billu.remindme.lan" {\n    selector = "billu";\n    path = "/etc/billu/mail/dkim/billu.remindme.lan.billu.key";\n  }\n');
    expect(conf).toMatch(/^sign_authenticated = true;$/m);
    expect(conf).toMatch(/^sign_inbound = false;$/m);
    expect(conf).toMatch(/^use_esld = false;$/m);
    expect(dkimKeyPath(plan)).toBe("/etc/billu/mail/dkim/billu.remindme.lan.billu.key");
    expect(dkimPublicKeyData("-----BEGIN PUBLIC KEY-----\nMIIBIjAN\nBgkqhkiG9w0B==\n-----END PUBLIC KEY-----\n")).toBe("MIIBIjANBgkqhkiG9w0B==");
    expect(() => dkimPublicKeyData("-----BEGIN RSA PRIVATE KEY-----\nxx\n")).toThrow(
        'the DKIM public key is not a PEM PUBLIC KEY block: "-----BEGIN RSA PRIVATE KEY-----\\nxx\\n"',
    );
});

test("mail-directory (windows): New-ADUser with the secret, Set-ADObject for the aliases, no literal password", () => {
    const step = mailDirectoryStep(prod.mail!, prod.domain!);
    expect(step.script).toContain(
        "Set-BilluServiceAccount -Sam $SERVICE_ACCOUNT -BindDn $BIND_DN -Secret 'mail-ldap-password' -DcFqdn $DC_FQDN -DomainDn $DOMAIN_DN",
    );
    expect(step.files).toEqual([
        {
            path: "C:/ProgramData/billu/mail/aliases.tsv",
            content: "postmaster@billu.remindme.lan\tGG_DSI\nabuse@billu.remindme.lan\tGG_DSI\ndsi-alertes@billu.remindme.lan\tGG_DSI\n",
        },
        { path: "C:/ProgramData/billu/mail/txt-records.tsv", content: TXT_TSV },
    ]);
    expect(step.script).toContain("$TXT_RECORDS = 'C:/ProgramData/billu/mail/txt-records.tsv'\r\n");
    expect(step.script).toContain("Add-DnsServerResourceRecord -ZoneName $zone -Name $name -Txt -DescriptiveText $value");
    expect(step.script).toContain("$ALIASES = 'C:/ProgramData/billu/mail/aliases.tsv'\r\n");
    expect(step.script).toContain("$SERVICE_ACCOUNT = 'svc-mail'\r\n");
    expect(step.script).not.toMatch(/[^\r]\n/);
    expect(step.script).toContain("Set-ADObject -Identity $o -Add @{ proxyAddresses = $w.Value }");
});

test("the DC's domain step publishes the MX of a served mail domain (samba and windows)", () => {
    const samba = sambaDomainStep(domain, domain.dcs[0]);
    expect(samba.files.find((f) => f.path === "/etc/billu/domain/extra-records.tsv")!.content.split("\n")).toContain(
        "billu.remindme.lan\t@\tMX\tpar-mail01.billu.remindme.lan\t10",
    );
    expect(windowsDomainStep(prod.domain!).script).toMatch(
        /^\$EXTRA_RECORDS = '(?:[^']*\r\n)?billu\.remindme\.lan\t@\tMX\tpar-mail01\.billu\.remindme\.lan\t10(?:\r\n[^']*)?'\r$/m,
    );
});

test("docs: the client settings and the DNS records", () => {
    const docs = mailDocs(plan);
    expect(docs["Mail client settings"].rows).toEqual([
        ["IMAP (incoming)", "par-mail01.billu.remindme.lan", 993, "SSL/TLS (IMAPS)", "normal password: mail address and AD password"],
        ["SMTP (outgoing)", "par-mail01.billu.remindme.lan", 587, "STARTTLS (required)", "normal password: mail address and AD password"],
        ["SMTP between servers", "par-mail01.billu.remindme.lan", 25, "STARTTLS offered", "none (only mail for the domain is accepted)"],
        [
            "webmail (browser)",
            "https://par-mail01.billu.remindme.lan/",
            443,
            "HTTPS (site CA), department networks only",
            "mail address (or account name) and AD password",
        ],
    ]);
    expect(docs["Mail DNS records"].rows[0]).toEqual(["billu.remindme.lan", "@", "MX", "10 par-mail01.billu.remindme.lan.", "AD DNS (applied by the DC step)"]);
});

/** dev without its inbound relay (the host, billu:mx and the relay's flows, allowlist entry and published smtp removed). */
function withoutRelay(): Record<string, any> {
    const raw = stackRaw("dev");
    const relay = raw.hosts.find((h: { role: string }) => h.role === "mx").name;
    raw.hosts = raw.hosts.filter((h: { role: string }) => h.role !== "mx");
    delete raw.mx;
    raw.flows = raw.flows.filter((f: { from: string; to: string }) => f.from !== relay && f.to !== relay);
    raw.firewall.dmzAllowlist = raw.firewall.dmzAllowlist.filter((a: { from: string }) => a.from !== relay);
    raw.firewall.published = raw.firewall.published.filter((p: { host: string }) => p.host !== relay);
    return raw;
}

test("external_relay: behind the inbound relay rspamd judges the sender the relay received from (local strategy, the relay local)", () => {
    // Expected from the stack's config itself: dev's host of role mx.
    const relay = stackRaw("dev").hosts.find((h: { role: string }) => h.role === "mx");
    expect(plan.relay).toEqual({ name: relay.name, address: relay.address, fqdn: `${relay.name.toLowerCase()}.${domain.fqdn}` });
    const r = renderRspamd(plan, domain);
    const body = (text: string) => text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    expect(body(r["external_relay.conf"])).toEqual(["enabled = true;", "rules {", "  BILLU_INBOUND_RELAY {", '    strategy = "local";', "  }", "}"]);
    expect(body(r["options.inc"])).toEqual([
        "dns {",
        `  nameserver = [${domain.dcs.map((d) => `"${d.address}"`).join(", ")}];`,
        "}",
        `local_addrs = ["${relay.address}"];`,
    ]);
    // The step installs it and restarts rspamd when it changes (the restart list is pinned against the files above).
    expect(mailStep(plan, domain).files.map((f) => f.path)).toContain(`${MAIL_PATHS.rspamd}/external_relay.conf`);
    expect(r["external_relay.conf"]).toMatchSnapshot();
});

test("external_relay: without an inbound relay the module is written off (a removed relay is undone) and nothing is local but rspamd's own", () => {
    const bare = model(withoutRelay());
    expect(bare.mail!.relay).toBeUndefined();
    const r = renderRspamd(bare.mail!, bare.domain!);
    expect(r["external_relay.conf"].split("\n").filter((l) => l !== "" && !l.startsWith("#"))).toEqual(["enabled = false;"]);
    expect(r["options.inc"]).not.toContain("local_addrs");
});
