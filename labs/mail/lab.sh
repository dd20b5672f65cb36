#!/usr/bin/env bash
# labs/mail: the MailServer component (Postfix, Dovecot, rspamd) against a real Samba AD DC, in network namespaces.
#
# It synthesizes the dev stack and runs the guest steps exactly as synth rendered them (every staged file
# and every installed file read back after its step, nothing edited), in the order the program deploys them: PAR-DC01 `dc` (provision) and `domain`
# (records, including the mail domain's MX), `directory` (every account of the directory plan, with the address
# the plan gives it), PAR-DC01 `mail-directory` (the LDAP service account with its
# generated password, the aliases as proxyAddresses), then PAR-MAIL01 `mail-packages` and `mail` (TLS, Postfix,
# Dovecot, rspamd; each file checked by its daemon first). Hosts are pseudo-guests (labs/lib/samba.sh) on the servers
# zone's switch, with the zone's gateway: PAR-FW01, the router, runs its rendered sysctl file and nftables ruleset
# (installed as its step declares them and read back; its NICs carry the model's names and addresses, stubs for zones
# without a lab host). Users' probes (probe.py: DNS, TLS, IMAPS, submission, the mail acceptance scenario) run from a
# workstation in a department zone (the first address of its DHCP pool), through that router, as users will: the
# router's rule counters and a SYN counter in the mail guest show they crossed it; port 25 from that zone (not in the
# matrix) is dropped by the router's forward chain (nft trace: its drop log rule, then its policy) and never reaches the
# server, and does once the ruleset is flushed (the control). SMTP from another server (port 25) runs from the servers
# zone, at the address of the host the model lets send there (PAR-FS01: a flow inside one zone, not the router's).
# Inbound mail from the internet (billu:mx): the relay PAR-MX01 runs its `mx-relay` step in a guest on the router's
# DMZ NIC; a namespace at the WAN zone's upstream gateway address sends to the router's WAN address on 25 (the
# rendered DNAT): a message to a user is relayed to PAR-MAIL01 over verified TLS and read over IMAPS; an unknown
# recipient gets 550 5.1.1 at RCPT, an outside domain 554 5.7.1; from the relay only PAR-MAIL01:25 of the servers
# zone answers (each other port probed answers from the servers zone: the control).
#
# Lab overrides (documented, nothing rendered is edited):
#   - guests are namespaces with overlays, not VMs; `systemctl` is a shim (labs/lib/systemctl-shim.sh) that
#     starts the daemons in the guest; packages are preinstalled (the install guard of
#     `mail-packages` sees them and skips); the mail guest's /dev is a tmpfs with the host's device nodes and a
#     lab syslog socket (syslog.py), so Postfix's and Dovecot's logs land in the lab's dir;
#   - the mail guest's /etc/resolv.conf is written from its VM's cloud-init DNS servers in resources.json; its
#     `base` and `ad-join` steps are not run (the mail steps do not use the join);
#   - the relay guest has no `base` step; its certificate is the lab CA's, with the names synth recorded; its VM's
#     cloud-init DNS server (on the internet) is a lab unbound in the internet namespace, a public resolver forwarding
#     to a second one, the lists' server, which stands for the root and the model's DNSBL zones (billu:mx.dnsbl) with
#     the lab's listings (NXDOMAIN for every other name); the router routes the forwarder's address to the WAN zone's
#     gateway (its default route on the site); the relay's own unbound (billu:mx.resolver: own) gets a lab drop-in
#     beside the rendered one: root hints naming the lists' server, and val-permissive-mode (the lab root is unsigned);
#   - the DC's forwarders (on the internet) are unreachable at once (an unreachable route), not silently dropped;
#   - the secrets Pulumi would send on stdin are made here: random passwords, and a throwaway CA (openssl, ECDSA
#     P-384 like SiteCa) issuing the DC's LDAPS and the mail server's certificates with the SANs synth recorded, and
#     a throwaway DKIM key (openssl, RSA 2048 like MailServer's tls.PrivateKey), its p= from components/mail/dkim.ts;
#   - to test the quota without writing its 2 GiB, one message file whose Maildir name declares its size (S=, W=, as
#     Dovecot names the files it stores) fills a mailbox past the model's quota; doveadm recounts it;
#   - the mail acceptance scenario reads the stack's outputs with the lab's throwaway CA as caCertPem;
#   - the webmail's packages are preinstalled (the `webmail-packages` guard skips), the shim runs `apache2ctl -D
#     FOREGROUND`, the mail guest gets the /run/lock a booted VM has (systemd-tmpfiles); Roundcube's des_key is made here (openssl; a RandomPassword in a real run);
#   - the initial passwords of the directory's accounts are made here (RandomPasswords in a real run); a second
#     synth with the committed export minus one person's line (--hr-csv) stands for HR's next export: its
#     directory plan disables that person (the departure).
# Broken cases that must fail: a main.cf with a typo refused by the step's postfix check (the installed one
# stays); a wrong password, a password still to change, a disabled account, relaying without logon, a forged
# sender, an unknown recipient, GTUBE, an oversize message, another CA on IMAPS and on submission (the verification's
# reason checked), mail to a mailbox over quota (552 5.2.2 in Postfix's log, a bounce to the sender, nothing stored),
# the acceptance scenario with Dovecot stopped (exit 1, its report naming the refused IMAPS connection), and with
# delivery broken (LMTP refused: exit 1, its message queued; the next run deletes it once delivered). BILLU_LAB_SABOTAGE=1 sets mynetworks = 0.0.0.0/0 in the
# installed main.cf after the step ran: the relay probe must fail (exit 1). MBL_SABOTAGE=milter sets milter_default_action =
# accept in the installed main.cf: with rspamd down, mail is then accepted unscanned and the rspamd-down probes must
# fail (exit 1). MBL_SABOTAGE=1 gives the mail step a wrong service
# account password: its LDAPS check fails, and so does the probe on the mail step (exit 1). MBL_SABOTAGE=dkim renames
# the DKIM record's DNS node the mail-directory step wrote to another selector: the DKIM verification probe (dkimpy
# from the client, the key fetched over DNS from the DC) must fail (exit 1). MBL_SABOTAGE=webmail lets every network
# in to the webmail (the installed apache2.conf's Require ip replaced after the step): the servers-zone 403 probe must
# fail (exit 1). MBL_SABOTAGE=mx makes the installed relay an open relay (mynetworks = 0.0.0.0/0 with
# permit_mynetworks, Postfix restarted): the outside-domain probe (554 5.7.1) must fail (exit 1). MBL_SABOTAGE=dmarc
# takes the DMARC rule out of the installed force_actions.conf (rspamd restarted): the
# p=reject refusal probe must fail (exit 1). #22: the relay asks PAR-MAIL01's rspamd (milter) before its 250, so a
# p=reject failure from the internet gets 554 5.7.1 at the end of DATA from the relay itself, and with rspamd down a 4xx;
# MBL_SABOTAGE=relay-milter takes smtpd_milters out of the installed relay main.cf (postfix reload): the first probe of
# the relay's ask (rspamd's log line for the relay's queue id) must fail, as that 5xx probe would; MBL_SABOTAGE=postscreen puts plain smtpd on the relay's port 25 (master.cf, postfix reload): the PREGREET probe
# must fail; MBL_SABOTAGE=dnsbl takes postscreen_dnsbl_sites out of the installed relay main.cf (postfix reload): the DNSBL
# refusal probe (550 5.7.1 ... blocked using <list>, for a client listed in every block list of the model) must fail;
# MBL_SABOTAGE=resolver puts the relay's resolv.conf back on the stacks' public forwarder (postfix reload): the probe that
# the lists' server was asked by the relay itself (from its address as the internet sees it) must fail. The switches are
# declared in labs/mail/sabotage.txt (npm run lab -- --sabotage mail runs each).
LAB=bml
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/samba.sh
source "$LAB_ROOT/labs/lib/samba.sh"
lab_require samba samba-tool ldapsearch ldbsearch dig postfix postconf dovecot doveconf doveadm rspamd clamd openssl python3 unshare nsenter node ss
HERE="$LAB_ROOT/labs/mail"
START=$(date +%s%N)

# --- synth the dev stack; every fact below comes from its outputs -------------------------------------------------
OUT="$(lab_synth dev)"
R="$OUT/rendered"
lab_expected dev # the read-back's reference: out/dev, written by `npm run synth -- --stack dev`
q() { node -e "const o=require('$OUT/outputs.json'), r=require('$OUT/resources.json').resources; const row=(s,k)=>o.sections[s].rows.find(x=>x[0]===k)[1]; $1"; }
DOMAIN=$(q 'console.log(o.site.domain)')
DC1=$(q 'console.log(o.hosts.find(h=>h.role==="dc").name)')
MAIL=$(q 'console.log(o.hosts.find(h=>h.role==="mail").name)')
DC1_IP=$(q "console.log(o.hosts.find(h=>h.name==='$DC1').address)")
MAIL_IP=$(q "console.log(o.hosts.find(h=>h.name==='$MAIL').address)")
MAILDOM=$(q 'console.log(row("Mail","mail domain"))')
MAILHOST=$(q 'console.log(o.sections["Mail client settings"].rows[0][1])')
IMAPS_PORT=$(q 'console.log(o.sections["Mail client settings"].rows[0][2])')
SUB_PORT=$(q 'console.log(o.sections["Mail client settings"].rows[1][2])')
SMTP_PORT=$(q 'console.log(o.sections["Mail client settings"].rows[2][2])')
WEBMAIL_URL=$(q 'console.log(o.sections["Mail client settings"].rows.find((x) => x[0] === "webmail (browser)")[1])')
MX_VALUE=$(q 'const m=o.sections["Mail DNS records"].rows.find(x=>x[2]==="MX"); console.log(m[3])')
# The TXT records the model publishes (SPF, DMARC, DKIM: "<fqdn> TAB <value as dig prints it>"), and the DKIM selector.
mapfile -t TXT_ROWS < <(q 'for (const x of o.sections["Mail DNS records"].rows.filter((x) => x[2] === "TXT")) console.log((x[1] === "@" ? x[0] : x[1] + "." + x[0]) + "\t" + x[3])')
DKIM_NAME=$(q 'console.log(o.sections["Mail DNS records"].rows.find((x) => x[2] === "TXT" && x[1].endsWith("._domainkey"))[1])')
DKIM_SEL=${DKIM_NAME%%._domainkey*}
MAIL_DNS=$(q "console.log(r.find(x=>x.type.endsWith('VmLegacy')&&x.inputs.name==='$MAIL').inputs.initialization.dns.servers.join(' '))")
# The size limit, quota and bind DN the probes expect: the model's (tools/lab-facts.ts), never the files under test.
(cd "$LAB_ROOT" && node dist/tools/lab-facts.js --stack dev) >"$LAB_DIR/facts.json" || lab_die "lab-facts dev failed"
mfact() { node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).mail[process.argv[2]])' "$LAB_DIR/facts.json" "$1"; }
SIZE_LIMIT=$(mfact messageSizeBytes)
QUOTA_MIB=$(mfact quotaMiB)
BIND_DN=$(mfact bindDn)
SVC=${BIND_DN%@*}
POSTMASTER_TO=$(awk -F'\t' '$1 ~ /^postmaster@/ {print $2}' "$R/$DC1/etc/billu/mail/aliases.tsv")
lab_log "mail domain $MAILDOM on $MAIL $MAIL_IP ($MAILHOST); DC $DC1 $DC1_IP; service account $BIND_DN; postmaster -> $POSTMASTER_TO"

# --- secrets (what Pulumi would send on stdin) ----------------------------------------------------------------------
ADMIN_PW="Lab-$(openssl rand -hex 10)-A1"
LDAP_PW="$(openssl rand -hex 16)Ab1"
PKI="$LAB_PKI"
lab_ca ca "BillU lab throwaway root CA"
lab_ca otherca "Some other CA"
issue() { # <file name> <CertRequest name suffix>: the SANs and CN synth recorded for that certificate
    local c="r.find(x=>x.type==='tls:index/certRequest:CertRequest'&&x.name.endsWith('$2')).inputs"
    lab_cert "$1" "$(q "console.log($c.subject.commonName)")" "$(q "const c=$c; console.log([...c.dnsNames.map(d=>'DNS:'+d),...c.ipAddresses.map(i=>'IP:'+i)].join(','))")"
}
issue dc1 "${DC1,,}-ldaps-csr"
issue mail "${MAIL,,}-mail-csr"
# The DKIM key (MailServer's tls.PrivateKey, RSA 2048): a throwaway one, PKCS#1 as the provider writes it; its public
# half as the DNS record's p= through the project's own function (components/mail/dkim.ts), as MailServer computes it.
openssl genrsa -traditional -out "$PKI/dkim.key" 2048 2>/dev/null || lab_die "openssl could not make the DKIM key"
openssl rsa -in "$PKI/dkim.key" -pubout -out "$PKI/dkim.pub" 2>/dev/null || lab_die "openssl could not write the DKIM public key"
DKIM_P=$(node -e 'console.log(require(process.argv[1]).dkimPublicKeyData(require("fs").readFileSync(process.argv[2], "utf8")))' "$LAB_ROOT/dist/components/mail/dkim.js" "$PKI/dkim.pub")
S="$LAB_DIR/secrets"; mkdir -p "$S"
samba_dc_secrets "$S/dc1" "$ADMIN_PW" dc1
: >"$S/domain"; secrets_add "$S/domain" admin-password "$ADMIN_PW"; secrets_add "$S/domain" join-password "Join-$(openssl rand -hex 8)-B2"
: >"$S/dir"; secrets_add "$S/dir" mail-ldap-password "$LDAP_PW"; secrets_add "$S/dir" mail-dkim-public "$DKIM_P"
mail_secrets() { # <file> <ldap password>
    : >"$1"
    secrets_add "$1" mail-ldap-password "$2"
    secrets_add "$1" mail-cert "$(cat "$PKI/mail.pem")"; secrets_add "$1" mail-key "$(cat "$PKI/mail.key")"; secrets_add "$1" site-ca-cert "$(cat "$PKI/ca.pem")"
    secrets_add "$1" mail-dkim-key "$(cat "$PKI/dkim.key")"
}
mail_secrets "$S/mail" "$LDAP_PW"
# MBL_SABOTAGE=1 gives the mail step a service account password AD does not know: the lab must then fail.
if [ "${MBL_SABOTAGE:-}" = 1 ]; then mail_secrets "$S/mail" "Wrong$LDAP_PW"; lab_log "SABOTAGE: the mail step gets a wrong service account password"; fi
: >"$S/none"
# Roundcube's des_key (a RandomPassword of 24 letters and digits in a real run).
: >"$S/webmail"; secrets_add "$S/webmail" webmail-des-key "$(openssl rand -hex 12)"

# --- network: one switch for the servers zone; a client on it ---------------------------------------------------------
lab_switch
plug() { lab_plug "$1" "$2/24"; } # <namespace suffix> <address>
run_step() { guest_step "$1" "$R/$2" "$3" "$4"; } # <guest> <host> <step> <secrets>: stage, run, time, read back
# refused <pattern> <command...>: the command fails AND says why (a refusal for another reason is no pass).
refused() { local out rc=0; out=$("${@:2}" 2>&1) || rc=$?; printf '%s\n' "$out" | tee -a "$LAB_DIR/probes.log"; [ "$rc" -ne 0 ] && grep -Eq -- "$1" <<<"$out"; }

# --- PAR-DC01: the forest, then the domain step (records, the MX of the mail domain) -----------------------------
guest_new dc1 "${DC1,,}"; plug dc1 "$DC1_IP"
run_step dc1 "$DC1" dc "$S/dc1" || lab_die "provisioning $DC1 failed"
lab_fig "$DC1 dc step (provision, start, LDAP ready)" "${LAST_MS} ms"
run_step dc1 "$DC1" domain "$S/domain" || lab_die "the domain step failed"
lab_fig "$DC1 domain step (zones, records with the MX, subnets, groups)" "${LAST_MS} ms"
SAM=/var/lib/samba/private/sam.ldb

# --- the people: the directory step applies the plan (every account with its address, must change its password) --
PLAN=/var/lib/billu/directory/plan.json
: >"$S/directory"
node -e 'for (const u of require(process.argv[1]).users) if (u.password) console.log(u.password)' "$R/$DC1$PLAN" | while read -r name; do
    secrets_add "$S/directory" "$name" "Init-$(openssl rand -hex 8)-C3"
done
run_step dc1 "$DC1" directory "$S/directory" || lab_die "the directory step failed"
lab_fig "$DC1 directory step (the plan: OUs, groups, $(node -e 'console.log(require(process.argv[1]).people.length)' "$OUT/directory.json") accounts, computers)" "${LAST_MS} ms"
# Two people of the postmaster's group (GG_DSI: the IT department), from the plan.
# Nobody's manager: HR's next export can drop either line without orphaning anyone.
mapfile -t PEOPLE < <(node -e 'const d = require(process.argv[1]); const managers = new Set(d.people.map((x) => x.manager));
    for (const p of d.people.filter((x) => x.enabled && x.groups.includes(process.argv[2]) && !managers.has(x.sam)).slice(0, 2))
        console.log(p.sam + "\t" + p.mail + "\t" + p.identity + "\t" + p.line + "\t" + p.department)' "$OUT/directory.json" "$POSTMASTER_TO")
IFS=$'\t' read -r USER_A MAIL_A _ _ DEPT_A <<<"${PEOPLE[0]}"
IFS=$'\t' read -r USER_B MAIL_B _ LINE_B _ <<<"${PEOPLE[1]}"
secret_of() { perl -e 'my $n = shift; while (<STDIN>) { chomp; my ($k, $v) = split /\t/; if ($k eq $n) { print pack("H*", $v); exit } }' "$2" <"$1"; }
# USER_A's initial password as IT reads it: from the onboarding sheet the directory step wrote on the first DC (issue
# #24: the DC generates people's initial passwords; the sheet's folder is the plan's), never made by the lab.
initial_pw() {
    local dir
    dir=$(node -e 'console.log(require(process.argv[1]).onboarding.path)' "$R/$DC1$PLAN") || return 1
    guest_exec dc1 sh -c "cat '$dir'/onboarding-*.csv" | /usr/bin/python3 -c '
import csv, io, sys
rows = csv.DictReader(io.StringIO(sys.stdin.buffer.read().decode("utf-8-sig")), delimiter=";")
print(next((r["initialPassword"] for r in rows if r.get("sam") == sys.argv[1]), ""), end="")' "$USER_A"
}
PW_A="Reset-$(openssl rand -hex 8)-D4"; PW_B="Reset-$(openssl rand -hex 8)-E5"
lab_log "accounts from the directory plan: $MAIL_A and $MAIL_B (both in $POSTMASTER_TO; new: must change their password)"

# --- PAR-DC01 mail-directory: the service account and the aliases --------------------------------------------------
run_step dc1 "$DC1" mail-directory "$S/dir" || lab_die "the mail-directory step failed"
lab_fig "$DC1 mail-directory step (service account, aliases)" "${LAST_MS} ms"
ldap_bind() { # <bind name> <password>: an LDAPS bind with the site CA verified, from the DC's own shell
    (umask 077; printf '%s' "$2" >"$LAB_DIR/bindpw")
    guest_exec dc1 env LDAPTLS_CACERT="$PKI/ca.pem" LDAPTLS_REQCERT=demand ldapsearch -LLL -x -H "ldaps://${DC1,,}.$DOMAIN" -D "$1" -y "$LAB_DIR/bindpw" -s base -b '' 1.1
}
lab_expect "$SVC binds over LDAPS with the generated password" pass ldap_bind "$BIND_DN" "$LDAP_PW"
lab_expect "$SVC does not bind with another password" fail ldap_bind "$BIND_DN" "x$LDAP_PW"
lab_expect "postmaster@$MAILDOM is a proxyAddress of $POSTMASTER_TO" pass lab_has "smtp:postmaster@$MAILDOM" guest_exec dc1 ldbsearch -H "$SAM" "(sAMAccountName=$POSTMASTER_TO)" proxyAddresses
# MBL_SABOTAGE=dkim: the DKIM record is served under another selector than the one rspamd signs with (its DNS node,
# written by the step, renamed): the signature verification below must fail.
if [ "${MBL_SABOTAGE:-}" = dkim ]; then
    ZONE_DN="DC=$DOMAIN,CN=MicrosoftDNS,DC=DomainDnsZones,DC=${DOMAIN//./,DC=}"
    guest_exec dc1 ldbrename -H "$SAM" "DC=$DKIM_NAME,$ZONE_DN" "DC=x$DKIM_NAME,$ZONE_DN" >/dev/null
    lab_log "SABOTAGE: the DKIM record is published at x$DKIM_NAME (selector x$DKIM_SEL), not $DKIM_NAME"
fi

# --- PAR-MAIL01: packages (preinstalled: the guard skips), then the mail step --------------------------------------
guest_new mail "${MAIL,,}"; plug mail "$MAIL_IP"
# shellcheck disable=SC2086 # MAIL_DNS is a list of servers: one argument each
guest_resolv mail "$DOMAIN" $MAIL_DNS
# A lab /dev: the host's device nodes and a syslog socket of the lab's own (<guest>-syslog.log in the lab's dir).
lab_dev() { # <guest>
    # shellcheck disable=SC2016 # a program for the guest's sh: its $n is the guest's
    guest_exec "$1" sh -euc 'mkdir -p /run/hostdev && mount --bind /dev /run/hostdev && mount -t tmpfs -o mode=0755 tmpfs /dev
        for n in null zero full random urandom tty; do touch /dev/$n; mount --bind /run/hostdev/$n /dev/$n; done
        ln -s /proc/self/fd /dev/fd; ln -s /proc/self/fd/0 /dev/stdin; ln -s /proc/self/fd/1 /dev/stdout; ln -s /proc/self/fd/2 /dev/stderr
        mkdir -p /dev/shm /dev/pts; mount -t tmpfs -o mode=1777 tmpfs /dev/shm'
    guest_bg "$1" python3 "$HERE/syslog.py" /dev/log "$LAB_DIR/$1-syslog.log"
    lab_wait 10 "the $1 guest's syslog socket" guest_exec "$1" test -S /dev/log
}
lab_dev mail
run_step mail "$MAIL" mail-packages "$S/none" || lab_die "the mail-packages step failed"
# Lab override: clamd's signatures are one EICAR signature the lab writes (freshclam would download them; the shim
# does not start it), so clamd is up in a fraction of a second and the lab contacts nothing outside.
# shellcheck disable=SC2016 # the EICAR test string, literally (its $ are characters)
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
# shellcheck disable=SC2016 # a program for the guest's sh: its $1 is its argument
guest_exec mail sh -euc 'install -d -o clamav -g clamav /var/lib/clamav; printf "Lab.EICAR:0:*:%s\n" "$1" >/var/lib/clamav/lab-eicar.ndb' sh \
    "$(printf '%s' "$EICAR" | od -An -tx1 | tr -d ' \n')"
# A probe, not a set-up guard: MBL_SABOTAGE=1's wrong service account password must fail it (AD answers data 52e to the
# step's LDAPS check); nothing below can run without the step, so a failure ends the lab there (exit 1).
mail_step_rc=0; run_step mail "$MAIL" mail "$S/mail" || mail_step_rc=$?
lab_expect "$MAIL mail step ran (its LDAPS check bound as the service account)" pass test "$mail_step_rc" = 0
[ "$mail_step_rc" = 0 ] || { lab_log "the mail step failed (exit $mail_step_rc): nothing below can be probed"; lab_finish; }
lab_fig "$MAIL mail step (checks, rspamd, Dovecot, Postfix up)" "${LAST_MS} ms"
# The webmail: Roundcube and Apache (preinstalled: the packages step's guard skips), then its step (php -l, apache2ctl -t).
# Lab override: /run/lock, which systemd-tmpfiles makes at boot (apache2ctl's lock folder /var/lock/apache2 is under it).
guest_exec mail install -d -m 1777 /run/lock
run_step mail "$MAIL" webmail-packages "$S/none" || lab_die "the webmail-packages step failed"
run_step mail "$MAIL" webmail "$S/webmail" || lab_die "the webmail step failed"
lab_fig "$MAIL webmail step (checks, database, Apache up)" "${LAST_MS} ms"
if [ "${MBL_SABOTAGE:-}" = webmail ]; then # after the read-back: the installed Apache file lets every network in
    guest_exec mail sh -c "sed -i 's|^\( *\)Require ip .*|\1Require all granted|' /etc/apache2/apache2.conf && systemctl reload apache2"
    lab_log "SABOTAGE: the installed apache2.conf serves the webmail to every network (Require all granted)"
fi
if lab_sabotage; then # after the hash check, the installed main.cf trusts every network: the relay probe must fail
    guest_exec mail sh -c "sed -i 's|^mynetworks = .*|mynetworks = 0.0.0.0/0|' /etc/postfix/main.cf && postfix reload" >/dev/null 2>&1
    lab_log "SABOTAGE: the installed main.cf has mynetworks = 0.0.0.0/0 (an open relay)"
fi
# The folders the step created: 0755 root's from the library (postfix's proxymap traverses them), the LDAP tables'
# 0750 root:postfix as the step declares it; the key stays 0600.
DKIM_KEY_FILE="/etc/billu/mail/dkim/$MAILDOM.$DKIM_SEL.key"
modes() { guest_exec mail stat -c '%n %a %U:%G' /etc/billu /etc/billu/mail /etc/billu/mail/tls /etc/billu/mail/postfix-ldap /etc/billu/mail/tls/server.key /etc/billu/mail/dkim "$DKIM_KEY_FILE" | tr '\n' ';'; }
lab_expect "folders 0755 root:root, the LDAP tables' 0750 root:postfix, the key 0600, the DKIM key rspamd's alone ($(modes))" pass test "$(modes)" = \
    "/etc/billu 755 root:root;/etc/billu/mail 755 root:root;/etc/billu/mail/tls 755 root:root;/etc/billu/mail/postfix-ldap 750 root:postfix;/etc/billu/mail/tls/server.key 600 root:root;/etc/billu/mail/dkim 750 root:_rspamd;$DKIM_KEY_FILE 600 _rspamd:_rspamd;"

# --- the router between the zones, and the clients ---------------------------------------------------------------
# PAR-FW01 exactly as synth rendered it (its sysctl file and nftables ruleset, read back), its NICs named and addressed
# as the model says: the servers zone's on the lab switch, the client's department zone to the client, stubs for the
# rest. The client is a workstation of $USER_A's department zone (the first address of its DHCP pool); it reaches the
# DC (DNS) and the mail server only through the router, as users will. Port 25 is not in the matrix from a department
# zone: the SMTP-from-another-server probes run from the servers zone, at the address of the host the model lets send
# on 25 (flow "PAR-FS01 -> PAR-MAIL01 smtp": inside one zone, carried by the Proxmox VM firewall, not the router).
eval "$(node -e 'const o = require(process.argv[1]), dept = process.argv[2], mail = process.argv[3];
    const out = [], sh = (k, v) => out.push(k + "=" + JSON.stringify(String(v)));
    const fw = o.hosts.find((h) => h.role === "firewall"), m = o.hosts.find((h) => h.name === mail);
    const z = o.zones.find((x) => x.kind === "department" && x.department === dept), sz = o.zones.find((x) => x.name === m.zone);
    // A sender in the zone of the mail server (the relay in the DMZ also has an smtp flow to it: probed apart).
    const f = o.flows.find((x) => x.service === "smtp" && (x.toHosts || []).includes(mail) && (x.fromHosts || []).length > 0 &&
        o.hosts.find((h) => h.name === x.fromHosts[0]).zone === m.zone);
    const mta = f && o.hosts.find((h) => h.name === f.fromHosts[0]);
    sh("FW", fw.name); sh("SERVERS_ZONE", sz.name); sh("SERVERS_GW", sz.gateway);
    sh("CLI_ZONE", z.name); sh("CLI_IP", z.dhcpPool.split("-")[0]); sh("CLI_PREFIX", z.cidr.split("/")[1]); sh("CLI_GW", z.gateway);
    sh("CLI_IF", fw.nics.find((n) => n.zone === z.name).ifname);
    sh("MTA", mta ? mta.name : ""); sh("MTA_IP", mta ? mta.address : "");
    console.log(out.join("\n"));' "$OUT/outputs.json" "$DEPT_A" "$MAIL")"
[ -n "$MTA" ] || lab_die "the dev model names no host that sends to $MAIL on port 25 (billu:flows smtp)"
lab_ns fw; lab_ns cli
# The inbound relay (billu:mx) in the DMZ and "the internet" (a namespace at the WAN zone's upstream gateway address),
# each on its own router NIC, so mail from outside crosses the rendered DNAT and forward rules.
eval "$(node -e 'const o = require(process.argv[1]), r = require(process.argv[2]).resources, out = [], sh = (k, v) => out.push(k + "=" + JSON.stringify(String(v)));
    const mx = o.hosts.find((h) => h.role === "mx"), dz = o.zones.find((z) => z.name === mx.zone), wz = o.zones.find((z) => z.kind === "wan");
    const csr = r.find((x) => x.type === "tls:index/certRequest:CertRequest" && x.name.endsWith(mx.name.toLowerCase() + "-mx-csr")).inputs;
    sh("MX", mx.name); sh("MX_IP", mx.address); sh("MX_PREFIX", dz.cidr.split("/")[1]); sh("DMZ_ZONE", dz.name); sh("DMZ_GW", dz.gateway);
    sh("MX_PUBLIC", csr.subject.commonName);
    sh("WAN_ZONE", wz.name); sh("WAN_IP", wz.routerAddress); sh("INET_IP", wz.gateway); sh("WAN_PREFIX", wz.cidr.split("/")[1]);
    console.log(out.join("\n"));' "$OUT/outputs.json" "$OUT/resources.json")"
guest_new mx "${MX,,}"; lab_ns inet
lab_router_nics "$LAB-fw" "$OUT/outputs.json" "$SERVERS_ZONE=switch" "$CLI_ZONE=$LAB-cli" "$DMZ_ZONE=$LAB-mx" "$WAN_ZONE=$LAB-inet"
ip -n "$LAB-mx" addr add "$MX_IP/$MX_PREFIX" dev eth0; ip -n "$LAB-mx" route add default via "$DMZ_GW"
ip -n "$LAB-inet" addr add "$INET_IP/$WAN_PREFIX" dev eth0
lab_router_ruleset "$LAB-fw" "$R/$FW" dev
for g in dc1 mail; do ip -n "$LAB-$g" route add default via "$SERVERS_GW"; done # cloud-init's gateway on the VMs
# Lab override: the internet is not in the lab. The DC's forwarders (the outputs' DNS "forwarders") are unreachable at
# once (an unreachable route in its namespace), as they were before it had a gateway: a name outside the lab's zones
# fails at once, not after the resolvers' timeouts (rspamd's, 5 s on each message; glibc's, 20 s on its restart).
for f in $(q 'console.log(row("DNS", "forwarders").split(/[ ,]+/).join(" "))'); do ip -n "$LAB-dc1" route add unreachable "$f/32"; done
ip -n "$LAB-cli" addr add "$CLI_IP/$CLI_PREFIX" dev eth0
ip -n "$LAB-cli" route add default via "$CLI_GW"
mkdir -p "/etc/netns/$LAB-cli"; printf 'search %s\nnameserver %s\n' "$DOMAIN" "$DC1_IP" >"/etc/netns/$LAB-cli/resolv.conf"
lab_ns mta; plug mta "$MTA_IP"
mkdir -p "/etc/netns/$LAB-mta"; printf 'search %s\nnameserver %s\n' "$DOMAIN" "$DC1_IP" >"/etc/netns/$LAB-mta/resolv.conf"
lab_log "client $CLI_IP ($CLI_ZONE, $USER_A's department $DEPT_A) behind $FW ($CLI_IF); $MTA $MTA_IP (port 25) on the $SERVERS_ZONE switch"
probe_in() { local ns="$1"; shift; ip netns exec "$LAB-$ns" python3 "$HERE/probe.py" "$@" --server "$MAILHOST" --host "$MAILHOST" --ca "$PKI/ca.pem"; }
probe() { probe_in cli "$@"; }  # a user's workstation, through the router
send() { probe_in mta send "$@"; } # another server, on port 25
imap() { # <user> <password> [probe args]
    local u="$1" pw="$2"; shift 2
    PROBE_PASSWORD="$pw" probe imap --port "$IMAPS_PORT" --user "$u" "$@"
}
submit() { # <user> <password> [probe args]
    local u="$1" pw="$2"; shift 2
    PROBE_PASSWORD="$pw" probe send --port "$SUB_PORT" --starttls --user "$u" "$@"
}
dig_is() { test "$(ip netns exec "$LAB-cli" dig +short +time=2 +tries=2 "$1" "$2")" = "$3"; }
# A SYN counter in the mail guest (a lab table of its own, before everything): what reaches the server from the client.
ip netns exec "$LAB-mail" nft -f - <<NFT
table inet labwatch {
    chain pre {
        type filter hook prerouting priority -400; policy accept;
        ip saddr $CLI_IP tcp dport $SMTP_PORT tcp flags syn counter comment "syn $SMTP_PORT"
        ip saddr $CLI_IP tcp dport $SUB_PORT tcp flags syn counter comment "syn $SUB_PORT"
        ip saddr $CLI_IP tcp dport $IMAPS_PORT tcp flags syn counter comment "syn $IMAPS_PORT"
    }
}
NFT
seen() { lab_nft_counter "$LAB-mail" inet labwatch pre "syn $1"; } # <port>: SYNs from the client the server received
# <port>: the packets the router's forward rule for client zone -> mail server on that port accepted (its counter).
fw_passed() { ip netns exec "$LAB-fw" nft list chain inet billu forward | grep -F "iifname \"$CLI_IF\"" | grep -F "ip daddr $MAIL_IP tcp dport $1 " | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'; }

# BML_PAUSE=1 (debugging): stop here, with everything up, until $LAB_DIR/pause is removed (30 min at most).
if [ "${BML_PAUSE:-}" = 1 ]; then touch "$LAB_DIR/pause"; lab_log "paused: rm $LAB_DIR/pause to go on"; lab_wait 1800 "the end of the pause" test ! -e "$LAB_DIR/pause" || true; fi

# The milter drill: rspamd down, mail is deferred (4xx), never lost and never accepted unscanned. A function: the
# MBL_SABOTAGE=milter run takes it right after the password reset (its probes need nothing of the delivery section),
# the normal run in order below.
milter_drill() {
    lab_log "rspamd down: mail is deferred (4xx), never lost and never accepted unscanned"
    # MBL_SABOTAGE=milter: after the step ran, the installed main.cf lets mail pass when the milter is unreachable
    # (milter_default_action = accept): the probes below must fail.
    if [ "${MBL_SABOTAGE:-}" = milter ]; then
        guest_exec mail postconf -e "milter_default_action = accept" && guest_exec mail postfix reload >/dev/null 2>&1
        lab_log "SABOTAGE: the installed main.cf accepts mail while the milter is down"
    fi
    rspamd_listens() { guest_exec mail ss -Hltn "sport = :$1" | grep -q LISTEN; }
    MILTER_PORT=$(guest_exec mail postconf -h smtpd_milters | sed -n 's/^inet:[0-9.]*:\([0-9]*\)$/\1/p')
    lab_expect "rspamd's milter listens on the port main.cf names ($MILTER_PORT)" pass rspamd_listens "$MILTER_PORT"
    guest_exec mail systemctl stop rspamd
    lab_expect "rspamd stopped: nothing listens on $MILTER_PORT" fail rspamd_listens "$MILTER_PORT"
    tok="down-$(openssl rand -hex 4)"
    lab_expect "with rspamd down, $MAIL_A's message (submission, through $FW) is refused with a temporary error (4xx: the client retries)" pass \
        refused "^refused: 4[0-9][0-9] 4\.[0-9]+\.[0-9]+ " submit "$MAIL_A" "$PW_A" --sender "$MAIL_A" --to "$MAIL_A" --subject "$tok"
    # The reason: Postfix could not reach the milter and applied its default action (tempfail), per its own log.
    milter_deferred() { grep -q "connect to Milter service inet:127.0.0.1:$MILTER_PORT: Connection refused" "$LAB_DIR/mail-syslog.log" &&
        grep -q "milter-reject: .*: 4[0-9][0-9] 4\.[0-9.]* .*Service unavailable" "$LAB_DIR/mail-syslog.log"; }
    lab_expect "...because Postfix cannot reach the milter (its log: connection refused, then milter-reject 4xx)" pass lab_wait 5 "milter-reject logged" milter_deferred
    # Never accepted: no queue file was made for it (no cleanup line with its Message-ID), and the mailbox has no copy.
    lab_expect "...and it was never queued (no cleanup line for <$tok@lab>)" fail grep -q "message-id=<$tok@lab>" "$LAB_DIR/mail-syslog.log"
    lab_expect "...nor delivered unscanned to $USER_A's Maildir" fail guest_exec mail sh -c "grep -qs 'Subject: $tok' /var/vmail/$USER_A/Maildir/new/*"
    # Control: rspamd back, the sender's retry is accepted, scanned and delivered.
    guest_exec mail systemctl start rspamd
    lab_wait 30 "rspamd listening again" rspamd_listens "$MILTER_PORT" || true
    lab_expect "rspamd back: the retried message is accepted" pass submit "$MAIL_A" "$PW_A" --sender "$MAIL_A" --to "$MAIL_A" --subject "$tok"
    lab_expect "...delivered to $USER_A's Maildir" pass lab_wait 30 "retried message in the Maildir" guest_exec mail sh -c "grep -qs 'Subject: $tok' /var/vmail/$USER_A/Maildir/new/*"
    # Scanned: rspamd's own log names the message, the client's address and the logged-on user (it adds no X-Spamd-Bar
    # header for a logged-on user: milter_headers' skip_authenticated).
    lab_expect "...scanned by rspamd (its log: <$tok@lab> from $CLI_IP, user $MAIL_A)" pass \
        guest_exec mail grep -q "rspamd_task_write_log: id: <$tok@lab>, qid: <[0-9A-F]*>, ip: $CLI_IP, user: $MAIL_A," /var/log/rspamd/rspamd.log
    lab_expect "...and its queue file is in the log (cleanup: message-id=<$tok@lab>): the \"never queued\" check above could see one" pass \
        grep -q "message-id=<$tok@lab>" "$LAB_DIR/mail-syslog.log"
}

relay_probe() { lab_expect "relaying to an outside domain without logon is refused (port $SMTP_PORT: relay access denied)" pass refused "Relay access denied" send --port "$SMTP_PORT" --sender "$MAIL_A" --to "someone@example.org" --subject relay; }
# BILLU_LAB_SABOTAGE=1 (an open relay) goes to the relay probe first: with LAB_STOP_AT_FIRST_FAIL the run ends there
# instead of after every probe before it (165 s in stop 34's CI). The normal run takes it in order below.
if lab_sabotage; then relay_probe; fi
# The refusals' texts: the model's (model/mail.ts MAIL_REFUSALS), never the rendered files'.
refusal() { node -e 'console.log(require(process.argv[1]).MAIL_REFUSALS[process.argv[2]])' "$LAB_ROOT/dist/model/mail.js" "$1"; }
# shellcheck disable=SC2016 # a sed bracket expression: its $ is a character
refusal_re() { refusal "$1" | sed 's/[][\.*^$(){}+?|]/\\&/g'; } # as an extended regular expression, literally

# The probes in phases (lab_phase, labs/lib/common.sh): a normal run takes every one; a sabotage run only those that
# name its switch, the phases its probe needs. A new phase names the switches whose probe it holds or feeds.

if lab_phase "DNS and TLS, from the client through $FW"; then
lab_expect "MX of $MAILDOM is \"$MX_VALUE\" (the DC step made it)" pass dig_is "$MAILDOM" MX "$MX_VALUE"
lab_expect "A of $MAILHOST is $MAIL_IP" pass dig_is "$MAILHOST" A "$MAIL_IP"
lab_expect "IMAPS ($IMAPS_PORT) presents a certificate the site CA verifies for $MAILHOST" pass lab_has verified probe tls --port "$IMAPS_PORT"
lab_expect "submission ($SUB_PORT) STARTTLS presents a certificate the site CA verifies" pass lab_has verified probe tls --port "$SUB_PORT"
# Another CA: refused by the client's verification itself (the reason), not by a connection that failed.
other_ca() { ip netns exec "$LAB-cli" python3 "$HERE/probe.py" tls --port "$1" --server "$MAILHOST" --host "$MAILHOST" --ca "$PKI/otherca.pem"; }
lab_expect "IMAPS checked against another CA: not verified (CERTIFICATE_VERIFY_FAILED: unable to get local issuer certificate)" pass \
    refused "^not verified: .*CERTIFICATE_VERIFY_FAILED.*unable to get local issuer certificate" other_ca "$IMAPS_PORT"
lab_expect "submission ($SUB_PORT) STARTTLS checked against another CA: not verified (CERTIFICATE_VERIFY_FAILED: unable to get local issuer certificate)" pass \
    refused "^not verified: .*CERTIFICATE_VERIFY_FAILED.*unable to get local issuer certificate" other_ca "$SUB_PORT"
lab_expect "SMTP ($SMTP_PORT, from $MTA) offers no AUTH" fail lab_has '^AUTH' probe_in mta ehlo --port "$SMTP_PORT"
lab_expect "SMTP announces the size limit $SIZE_LIMIT" pass lab_has "^SIZE $SIZE_LIMIT" probe_in mta ehlo --port "$SMTP_PORT"
lab_expect "submission offers no AUTH before STARTTLS" fail lab_has '^AUTH' probe ehlo --port "$SUB_PORT"
lab_expect "submission offers AUTH PLAIN LOGIN after STARTTLS" pass lab_has '^AUTH PLAIN LOGIN' probe ehlo --port "$SUB_PORT" --starttls

fi # DNS and TLS

if lab_phase "$FW is in the path: what the matrix does not allow from $CLI_ZONE never reaches $MAIL"; then
lab_expect "the client's submission and IMAPS connections crossed $FW: its rules for $CLI_ZONE -> $MAIL tcp/$SUB_PORT and tcp/$IMAPS_PORT counted them ($(fw_passed "$SUB_PORT"), $(fw_passed "$IMAPS_PORT") packets)" pass \
    test "$(fw_passed "$SUB_PORT")" -gt 0 -a "$(fw_passed "$IMAPS_PORT")" -gt 0
lab_expect "...and $MAIL received their SYNs (its lab counter: $(seen "$SUB_PORT") on $SUB_PORT, $(seen "$IMAPS_PORT") on $IMAPS_PORT)" pass test "$(seen "$SUB_PORT")" -gt 0 -a "$(seen "$IMAPS_PORT")" -gt 0
lab_expect "SMTP ($SMTP_PORT) from $CLI_ZONE to $MAIL is not in the matrix: the client's connection times out" pass refused "^timed out" probe connect --port "$SMTP_PORT"
# The reason: the router's forward chain, its log rule (billu-drop-fwd) then its policy drop, per nftables' trace. A
# connection attempt per try until the trace shows it (the monitor may subscribe after the first SYN).
trace_on "$LAB-fw" "$LAB_DIR/fw-trace.log" ip saddr "$CLI_IP" tcp dport "$SMTP_PORT"
fw_dropped() { probe connect --port "$SMTP_PORT" --timeout 1 >/dev/null 2>&1; grep -q 'inet billu forward .*log prefix "billu-drop-fwd: "' "$LAB_DIR/fw-trace.log" &&
    grep -q "inet billu forward policy drop" "$LAB_DIR/fw-trace.log"; }
lab_expect "...dropped by $FW's forward chain: its drop log rule (billu-drop-fwd), then its policy drop (nft trace)" pass lab_wait 10 "forward drop traced" fw_dropped
trace_off "$LAB-fw"
grep -m 4 "inet billu forward" "$LAB_DIR/fw-trace.log" | sed "s/^/[$LAB]     trace: /" || true
lab_expect "...and $MAIL never saw it (no SYN from $CLI_IP on port $SMTP_PORT: $(seen "$SMTP_PORT"))" pass test "$(seen "$SMTP_PORT")" = 0
# Control: without the router's ruleset the same connection reaches the server (so the drop above was the router's).
ip netns exec "$LAB-fw" nft flush ruleset
lab_expect "control: $FW's ruleset flushed, the same connection reaches $MAIL (220 banner)" pass lab_has "^connected: 220 " probe connect --port "$SMTP_PORT"
lab_expect "...and $MAIL's counter sees it ($(seen "$SMTP_PORT") SYN)" pass test "$(seen "$SMTP_PORT")" -gt 0
ip netns exec "$LAB-fw" nft -f "$LAB_ROUTER_RULESET"
lab_expect "$FW runs its rendered ruleset again: port $SMTP_PORT from the client times out" pass refused "^timed out" probe connect --port "$SMTP_PORT"

fi # the router in the path

# Every probe below logs on as $USER_A or $USER_B: their passwords are reset here.
if lab_phase "a new account must change its password first; an administrator reset opens it" \
    MBL_SABOTAGE=milter MBL_SABOTAGE=dkim MBL_SABOTAGE=webmail MBL_SABOTAGE=mx MBL_SABOTAGE=spf MBL_SABOTAGE=dmarc MBL_SABOTAGE=relay-milter MBL_SABOTAGE=postscreen MBL_SABOTAGE=dnsbl MBL_SABOTAGE=resolver; then
INITIAL_PW="$(initial_pw)"
[ -n "$INITIAL_PW" ] || lab_die "the onboarding sheet on $DC1 gives no initial password for $USER_A"
lab_expect "AD refuses $USER_A's bind with the initial password: must change it (data 773)" pass lab_has 'data 773' ldap_bind "$MAIL_A" "$INITIAL_PW"
lab_expect "IMAPS logon of $MAIL_A with the initial password is refused (AUTHENTICATIONFAILED)" pass refused AUTHENTICATIONFAILED imap "$MAIL_A" "$INITIAL_PW"
for p in "$USER_A:$PW_A" "$USER_B:$PW_B"; do
    guest_exec dc1 env BILLU_SECRET="${p#*:}" billu-samba-tool user setpassword "${p%%:*}" --newpassword=@BILLU_SECRET@ -H "$SAM" >/dev/null
done
lab_expect "after the administrator's reset, $MAIL_A logs on over IMAPS with the AD password" pass imap "$MAIL_A" "$PW_A"
lab_expect "$USER_A (account name) logs on too" pass imap "$USER_A" "$PW_A"
lab_expect "a wrong password is refused (AUTHENTICATIONFAILED)" pass refused AUTHENTICATIONFAILED imap "$MAIL_A" "wrong-$PW_A"
[ "${MBL_SABOTAGE:-}" = milter ] && milter_drill # the sabotaged drill first (see milter_drill)
fi # password reset

# The webmail's inbox probe reads the first message delivered here ($FIRST).
if lab_phase "delivery" MBL_SABOTAGE=webmail; then
LAT=(); TOKS=()
for i in 1 2 3 4 5; do
    tok="lab-$i-$(openssl rand -hex 4)"; TOKS+=("$tok")
    t=$(date +%s%N)
    send --port "$SMTP_PORT" --sender "someone@partner.example" --to "$MAIL_A" --subject "$tok" >>"$LAB_DIR/probes.log" 2>&1 || lab_log "message $i refused"
    if lab_wait 30 "message $i in $USER_A's Maildir" guest_exec mail sh -c "grep -qs 'Subject: $tok' /var/vmail/$USER_A/Maildir/new/*"; then LAT+=("$(lab_since "$t")"); fi
    [ "$i" = 1 ] && FIRST="$tok"
done
lab_expect "5 messages to $MAIL_A by SMTP from outside were delivered (${#LAT[@]}/5)" pass test "${#LAT[@]}" = 5
mapfile -t SORTED < <(printf '%s\n' "${LAT[@]:-0}" | sort -n)
lab_fig "delivery latency, end to end (client start, SMTP, rspamd, LMTP, file in the Maildir; 5 messages: min/median/max)" "${SORTED[0]}/${SORTED[2]:-?}/${SORTED[4]:-?} ms"
# Postfix's own account of each message (delay=: queue arrival to Dovecot's 250 Saved), from the lab syslog.
DELAYS=$(for tok in "${TOKS[@]}"; do
    qid=$(sed -n "s/.*postfix\/cleanup\[[0-9]*\]: \([0-9A-F]*\): message-id=<$tok@lab>.*/\1/p" "$LAB_DIR/mail-syslog.log" | head -n 1)
    [ -z "$qid" ] || sed -n "s/.*postfix\/lmtp\[[0-9]*\]: $qid: to=.* delay=\([0-9.]*\),.*status=sent.*/\1/p" "$LAB_DIR/mail-syslog.log" | head -n 1
done | sort -n | tr '\n' ' ' || true)
lab_fig "delivery latency, Postfix queue to mailbox (its delay=, seconds, 5 messages sorted)" "${DELAYS:-none logged}"
lab_expect "the mailbox is the account's: /var/vmail/$USER_A/Maildir" pass guest_exec mail test -d "/var/vmail/$USER_A/Maildir/new"
lab_expect "$MAIL_A reads the first message over IMAPS" pass lab_has "Subject: $FIRST" imap "$MAIL_A" "$PW_A" --expect "$FIRST" --wait 5
lab_expect "the message went through rspamd (X-Spamd-Bar header)" pass guest_exec mail sh -c "grep -l 'Subject: $FIRST' /var/vmail/$USER_A/Maildir/new/* | xargs grep -q '^X-Spamd-Bar:'"
# DKIM signs only what a user submits with a logon (the DKIM phase proves that side): mail received from outside is not
# signed with the site's key. Here, where $FIRST is delivered, so the DKIM phase reads nothing this phase sets.
guest_exec mail sh -c "grep -ls 'Subject: $FIRST' /var/vmail/$USER_A/Maildir/new/* /var/vmail/$USER_A/Maildir/cur/* | head -n 1 | xargs cat" >"$LAB_DIR/dkim-inbound.eml" || true
test -s "$LAB_DIR/dkim-inbound.eml" || lab_die "the first delivered message is not in $USER_A's Maildir"
lab_expect "mail received from outside without a logon is not signed by $MAILDOM" fail grep -qi "^DKIM-Signature:.* d=$MAILDOM;" "$LAB_DIR/dkim-inbound.eml"
lab_expect "mail to postmaster@$MAILDOM reaches $USER_A (member of $POSTMASTER_TO)" pass send --port "$SMTP_PORT" --sender "someone@partner.example" --to "postmaster@$MAILDOM" --subject "pm-$START"
lab_expect "$MAIL_A reads the postmaster message" pass imap "$MAIL_A" "$PW_A" --expect "pm-$START" --wait 15
lab_expect "an address nobody has is refused (550 user unknown)" pass refused "550 .*User unknown" send --port "$SMTP_PORT" --sender "someone@partner.example" --to "nobody.here@$MAILDOM" --subject x
lab_expect "the GTUBE test message is refused by the spam filter (554)" pass refused "554 5.7.1" send --port "$SMTP_PORT" --sender "someone@partner.example" --to "$MAIL_A" --subject gtube \
    --body 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X'
lab_expect "a message over $SIZE_LIMIT bytes is refused (552)" pass refused "552 5.3.4" send --port "$SMTP_PORT" --sender "someone@partner.example" --to "$MAIL_A" --subject big --size $((SIZE_LIMIT + 100000))
lab_expect "the quota Dovecot applies is $QUOTA_MIB MiB" pass lab_has "STORAGE [0-9]* $((QUOTA_MIB * 1024))" imap "$MAIL_A" "$PW_A" --quota

fi # delivery

if lab_phase "rspamd down: mail is deferred (4xx), never lost and never accepted unscanned"; then
[ "${MBL_SABOTAGE:-}" = milter ] || milter_drill # MBL_SABOTAGE=milter took it above
fi # rspamd down

# The DKIM probe verifies the message $MAIL_A submits here (sub-$START).
if lab_phase "no open relay; submission needs a logon and the sender's own address" MBL_SABOTAGE=dkim; then
relay_probe
lab_expect "submission without logon is refused (port $SUB_PORT: access denied)" pass refused "Access denied" probe send --port "$SUB_PORT" --starttls --sender "$MAIL_A" --to "someone@example.org" --subject relay
lab_expect "$MAIL_A submits to $MAIL_B after logging on" pass submit "$MAIL_A" "$PW_A" --sender "$MAIL_A" --to "$MAIL_B" --subject "sub-$START"
lab_expect "$MAIL_B reads it" pass imap "$MAIL_B" "$PW_B" --expect "sub-$START" --wait 15

fi # submission

if lab_phase "antivirus and attachments: refused by policy, with the policy's message (the model's)"; then
lab_expect "EICAR from another server (port $SMTP_PORT) is refused: 554 5.7.1 $(refusal virus)" pass \
    refused "^refused: 554 5\.7\.1 $(refusal_re virus)" send --port "$SMTP_PORT" --sender "someone@partner.example" --to "$MAIL_A" --subject eicar25 --body "$EICAR"
lab_expect "...clamd found it (rspamd's log: CLAM_VIRUS(Lab.EICAR.UNOFFICIAL))" pass guest_exec mail grep -q "CLAM_VIRUS(.*Lab\.EICAR" /var/log/rspamd/rspamd.log
lab_expect "EICAR submitted by $MAIL_A (port $SUB_PORT, logged on) is refused too" pass \
    refused "^refused: 554 5\.7\.1 $(refusal_re virus)" submit "$MAIL_A" "$PW_A" --sender "$MAIL_A" --to "$MAIL_B" --subject eicar587 --body "$EICAR"
lab_expect "a message with an attachment named facture.pdf.exe (PDF bytes: refused for its name) is refused: 554 5.7.1 $(refusal attachment)" pass \
    refused "^refused: 554 5\.7\.1 $(refusal_re attachment)" send --port "$SMTP_PORT" --sender "someone@partner.example" --to "$MAIL_A" --subject exe --attach facture.pdf.exe
lab_expect "an executable named .pdf is refused too (rspamd detects its type): 554 5.7.1 $(refusal attachment)" pass \
    refused "^refused: 554 5\.7\.1 $(refusal_re attachment)" send --port "$SMTP_PORT" --sender "someone@partner.example" --to "$MAIL_A" --subject exepdf --attach facture.pdf --attach-exe
tok="pdf-$(openssl rand -hex 4)"
lab_expect "control: the same message with a PDF attachment (facture.pdf) is accepted" pass send --port "$SMTP_PORT" --sender "someone@partner.example" --to "$MAIL_A" --subject "$tok" --attach facture.pdf
lab_expect "...into $USER_A's Maildir" pass lab_wait 30 "the .pdf message in the Maildir" guest_exec mail sh -c "grep -qs 'Subject: $tok' /var/vmail/$USER_A/Maildir/new/*"
# clamd down: never accepted unscanned, deferred (4xx) until it is back.
guest_exec mail systemctl stop clamav-daemon
lab_expect "clamd stopped: a message is deferred (4xx: $(refusal scannerDown))" pass \
    refused "^refused: 4[0-9][0-9] 4\.[0-9.]+ $(refusal_re scannerDown)" send --port "$SMTP_PORT" --sender "someone@partner.example" --to "$MAIL_A" --subject clamdown
guest_exec mail systemctl start clamav-daemon
lab_wait 60 "clamd's socket again" guest_exec mail test -S /run/clamav/clamd.ctl || lab_die "clamd did not start again"

fi # antivirus

if lab_phase "DKIM: what a user sends with a logon is signed (d=$MAILDOM s=$DKIM_SEL) and verifies against the record AD DNS serves" MBL_SABOTAGE=dkim; then
# <user> <subject> <copy>: the delivered message, as the recipient's Maildir holds it, copied out of the mail guest.
copy_msg() { guest_exec mail sh -c "grep -ls 'Subject: $2' /var/vmail/$1/Maildir/new/* /var/vmail/$1/Maildir/cur/* | head -n 1 | xargs cat" >"$3" && test -s "$3"; }
dkim_verify() { ip netns exec "$LAB-cli" /usr/bin/python3 "$HERE/dkim_verify.py" --file "$1" --domain "$MAILDOM" --selector "$DKIM_SEL" | tee -a "$LAB_DIR/probes.log"; }
copy_msg "$USER_B" "sub-$START" "$LAB_DIR/dkim-signed.eml" || lab_die "the submitted message is not in $USER_B's Maildir"
lab_expect "$MAIL_A's message to $MAIL_B carries a DKIM signature d=$MAILDOM s=$DKIM_SEL that verifies against the TXT record the DC serves (dkimpy, DNS through $DC1)" pass \
    lab_has "^pass d=$MAILDOM s=$DKIM_SEL\$" dkim_verify "$LAB_DIR/dkim-signed.eml"
# Control: the same message with one body line changed fails (the verifier does check the signature).
sed 's/^lab message /lab message (edited) /' "$LAB_DIR/dkim-signed.eml" >"$LAB_DIR/dkim-edited.eml"
lab_expect "control: that message with its body edited fails verification (body hash mismatch)" pass lab_has "^fail .*body hash mismatch" dkim_verify "$LAB_DIR/dkim-edited.eml"
# The records the model publishes (SPF, DMARC, DKIM with the key the lab fed the step), as the client's resolver sees them.
txt_of() { ip netns exec "$LAB-cli" dig +short +time=2 +tries=2 "$1" TXT | grep -F "$2" | sed 's/" "//g'; }
for row in "${TXT_ROWS[@]}"; do
    name=${row%%$'\t'*}; want=${row#*$'\t'}; want=${want/<dkim-public-key>/$DKIM_P}; tag=${want%%[; ]*}
    lab_expect "TXT $name is the model's ${tag#\"} record (${want:0:60}...)" pass test "$(txt_of "$name" "$tag")" = "$want"
done
lab_expect "$MAIL_A may not send as $MAIL_B (not owned by user)" pass refused "not owned by user" submit "$MAIL_A" "$PW_A" --sender "$MAIL_B" --to "$MAIL_A" --subject forged
lab_expect "a wrong password gets no submission (535)" pass refused "535" submit "$MAIL_A" "wrong-$PW_A" --sender "$MAIL_A" --to "$MAIL_B" --subject nope

fi # DKIM

if lab_phase "webmail: Roundcube at $WEBMAIL_URL (the docs' address), from the client through $FW" MBL_SABOTAGE=webmail; then
# <namespace> <cookie jar> [curl args]: HTTPS to the webmail with the site CA verified and the name from the URL.
wcurl() { local ns="$1" jar="$2"; shift 2; ip netns exec "$LAB-$ns" curl -sS --max-time 20 --cacert "$PKI/ca.pem" -b "$jar" -c "$jar" "$@"; }
# <user> <password> <jar>: GET the login page, take its _token, POST the form (the password from a 0600 file, never
# on a command line); prints the page the POST ends on and its status line (`HTTP <code>`).
webmail_login() {
    local token
    : >"$3"
    token=$(wcurl cli "$3" "$WEBMAIL_URL" | sed -n 's/.*name="_token" value="\([^"]*\)".*/\1/p' | head -n 1)
    [ -n "$token" ] || { echo "no _token on the login page"; return 1; }
    (umask 077; printf '%s' "$2" >"$LAB_DIR/webmail-pw")
    wcurl cli "$3" -L -w '\nHTTP %{http_code}\n' "${WEBMAIL_URL}?_task=login" --data-urlencode "_token=$token" -d _task=login -d _action=login \
        -d _timezone=UTC -d _url= --data-urlencode "_user=$1" --data-urlencode "_pass@$LAB_DIR/webmail-pw"
}
# <jar>: the inbox's message list, as the page's script asks for it (the request token from the mail page).
webmail_list() {
    local page token
    page=$(wcurl cli "$1" "${WEBMAIL_URL}?_task=mail&_mbox=INBOX")
    token=$(sed -n 's/.*"request_token":"\([^"]*\)".*/\1/p' <<<"$page" | head -n 1)
    [ -n "$token" ] || { echo "no request_token on the mail page (not logged on)"; return 1; }
    wcurl cli "$1" -H "X-Roundcube-Request: $token" "${WEBMAIL_URL}?_task=mail&_action=list&_mbox=INBOX&_remote=1"
}
t=$(date +%s%N)
WEBMAIL_NAME=${WEBMAIL_URL#https://}; WEBMAIL_NAME=${WEBMAIL_NAME%%/*}
lab_expect "the login page over HTTPS, the certificate verified for $WEBMAIL_NAME against the site CA (Roundcube's form)" pass \
    lab_has 'name="_token"' wcurl cli "$LAB_DIR/webmail-jar0" "$WEBMAIL_URL"
lab_expect "$MAIL_A logs on with the AD password (IMAPS to Dovecot): Roundcube's mail page" pass lab_has '"task":"mail"' webmail_login "$MAIL_A" "$PW_A" "$LAB_DIR/webmail-jar"
lab_expect "...the inbox lists the first message from outside ($FIRST)" pass lab_has "$FIRST" webmail_list "$LAB_DIR/webmail-jar"
# <user> <password> <jar>: the logon ends on the login page (401, its form again) with Roundcube's error.
webmail_refused() { local out; out=$(webmail_login "$@") || true; printf '%s\n' "$out" | tail -n 3; grep -q '^HTTP 401$' <<<"$out" && grep -q 'name="_token"' <<<"$out" && grep -q 'Login failed' <<<"$out"; }
lab_expect "a wrong password is refused: the login page again (401, the form) with Roundcube's error (Login failed)" pass \
    webmail_refused "$MAIL_A" "wrong-$PW_A" "$LAB_DIR/webmail-jar2"
lab_expect "...and that session lists no message (Roundcube: session invalid)" fail lab_has "$FIRST" webmail_list "$LAB_DIR/webmail-jar2"
lab_expect "the webmail is not served to the servers zone ($MTA $MTA_IP, not a department): 403 from Apache's Require ip" pass \
    lab_has '^403$' ip netns exec "$LAB-mta" curl -sS --max-time 20 --cacert "$PKI/ca.pem" -o /dev/null -w '%{http_code}\n' "$WEBMAIL_URL"
lab_expect "nothing on port 80 (HTTPS only)" fail ip netns exec "$LAB-mta" curl -sS --max-time 5 -o /dev/null "http://$MAILHOST/"
lab_fig "webmail probes (login page, logon, inbox, wrong password, refusals)" "$(lab_since "$t") ms"
lab_expect "the webmail's database is Roundcube's (its users table holds $MAIL_A), www-data's alone" pass \
    lab_has "^$MAIL_A 640 www-data:www-data\$" guest_exec mail sh -c "printf '%s %s\n' \"\$(sqlite3 /var/lib/roundcube/db/roundcube.sqlite 'select username from users')\" \"\$(stat -c '%a %U:%G' /var/lib/roundcube/db/roundcube.sqlite)\""

fi # webmail

if lab_phase "over quota: mail to a full mailbox is refused (552 5.2.2) and the sender learns it; nothing is stored"; then
# The lab fills $USER_B's mailbox past the model's quota ($QUOTA_MIB MiB) with one message file whose Maildir name
# declares its size (S= and W=, as Dovecot names the files it stores itself): Dovecot counts it like a message of that
# size, and the lab writes a few bytes instead of $QUOTA_MIB MiB. doveadm recounts the mailbox (the count backend).
FILL=$(((QUOTA_MIB + 1) * 1024 * 1024))
# shellcheck disable=SC2016 # a program for the guest's sh: its $1.. are its arguments
guest_exec mail sh -euc 'f="/var/vmail/$1/Maildir/cur/1.lab-fill.$2,S=$3,W=$3:2,S"
    printf "From: lab@lab.example\r\nSubject: lab-fill\r\n\r\nfill\r\n" >"$f"; chown vmail:vmail "$f"; doveadm quota recalc -u "$4"' sh "$USER_B" "${MAIL,,}" "$FILL" "$MAIL_B"
over_quota() { # <user> <password>: the account's STORAGE use (KiB) is above the model's quota, and the limit is the model's
    local q used limit
    q=$(imap "$1" "$2" --quota | grep -o 'STORAGE [0-9]* [0-9]*') || return 1
    read -r _ used limit <<<"$q"
    [ "$limit" = $((QUOTA_MIB * 1024)) ] && [ "$used" -gt "$limit" ]
}
lab_expect "$MAIL_B's mailbox is over its quota of $QUOTA_MIB MiB (IMAP GETQUOTAROOT, through $FW)" pass over_quota "$MAIL_B" "$PW_B"
tok="quota-$(openssl rand -hex 4)"
lab_expect "$MAIL_A submits a message to $MAIL_B (over quota): Postfix queues it (250)" pass submit "$MAIL_A" "$PW_A" --sender "$MAIL_A" --to "$MAIL_B" --subject "$tok"
quota_bounced() { # Dovecot's LMTP refused the recipient for its quota, and Postfix bounced the message (its log)
    local qid
    qid=$(sed -n "s/.*postfix\/cleanup\[[0-9]*\]: \([0-9A-F]*\): message-id=<$tok@lab>.*/\1/p" "$LAB_DIR/mail-syslog.log" | head -n 1)
    [ -n "$qid" ] && grep -q "postfix/lmtp\[[0-9]*\]: $qid: to=<$MAIL_B>.*status=bounced (.* said: 552 5\.2\.2 " "$LAB_DIR/mail-syslog.log"
}
lab_expect "...refused by Dovecot for the quota: Postfix's log says status=bounced (552 5.2.2)" pass lab_wait 15 "the over-quota bounce logged" quota_bounced
grep "to=<$MAIL_B>.*status=bounced" "$LAB_DIR/mail-syslog.log" | tail -n 1 | sed "s/^/[$LAB]     log: /" || true
lab_expect "...nothing of it in $USER_B's Maildir" fail guest_exec mail sh -c "grep -qs 'Subject: $tok' /var/vmail/$USER_B/Maildir/new/* /var/vmail/$USER_B/Maildir/cur/*"
lab_expect "...and $MAIL_A gets the bounce (a report naming 5.2.2 and the message)" pass lab_wait 15 "the bounce in $USER_A's Maildir" guest_exec mail sh -c \
    "grep -ls 'Subject: $tok' /var/vmail/$USER_A/Maildir/new/* | xargs -r grep -l 'Status: 5\.2\.2' | grep -q ."

fi # over quota

if lab_phase "the acceptance scenario mail"; then
# The model's acceptance account (outputs' acceptanceAccount), created by the directory step above with the mailbox
# its plan gives it (billu:directory.acceptance.mailbox): no --account. Its address comes from the applier's plan.
ACC_SAM=$(q 'console.log(o.acceptanceAccount)')
ACC_MAIL=$(node -e 'console.log(require(process.argv[1]).users.find((u) => u.sam === process.argv[2]).mail)' "$R/$DC1$PLAN" "$ACC_SAM")
lab_log "the acceptance scenario mail (tools/acceptance/scenarios/mail.ts), from the client through $FW, as $ACC_SAM ($ACC_MAIL)"
# Lab overrides: the outputs' caCertPem is the lab's throwaway CA (the one that issued the mail server's certificate),
# and their acceptancePassword is the password the lab made for the account's secret (offline synth has a placeholder),
# passed through the environment, never on a command line, into a 0600 copy.
LAB_ACC_PW="$(secret_of "$S/directory" "pw-$ACC_SAM")" node -e 'const fs = require("fs"); const o = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    o.caCertPem = fs.readFileSync(process.argv[2], "utf8"); o.acceptancePassword = process.env.LAB_ACC_PW;
    fs.writeFileSync(process.argv[3], JSON.stringify(o), { mode: 0o600 })' "$OUT/outputs.json" "$PKI/ca.pem" "$LAB_DIR/outputs.json"
acceptance() { # <report dir>: the mail scenario as the model's acceptance account (its password from the outputs copy)
    (cd "$LAB_ROOT" && ip netns exec "$LAB-cli" env -u BILLU_ACCEPTANCE_PASSWORD BILLU_PROJECT_ROOT="$LAB_ROOT" node dist/tools/acceptance.js \
        --stack dev --outputs "$LAB_DIR/outputs.json" --only mail --report "$1") >"$1.log" 2>&1
}
acceptance_exit() { local rc=0; acceptance "$2" || rc=$?; test "$rc" = "$1"; } # <exit code> <report dir>
sub0=$(fw_passed "$SUB_PORT"); imaps0=$(fw_passed "$IMAPS_PORT")
t=$(date +%s%N)
lab_expect "acceptance: the mail scenario passes as $ACC_SAM, the directory's acceptance account, without --account (exit 0)" pass acceptance "$LAB_DIR/acceptance"
lab_fig "acceptance run (mail: submission, IMAPS read, delete)" "$(lab_since "$t") ms"
lab_expect "acceptance: the report and log show no password" fail grep -rqF -- "$(secret_of "$S/directory" "pw-$ACC_SAM")" "$LAB_DIR/acceptance" "$LAB_DIR/acceptance.log"
sed 's/^/    /' "$LAB_DIR/acceptance.log"
lab_expect "acceptance: its JUnit report counts 4 steps, no failure" pass grep -q '<testsuites [^>]*tests="4" failures="0"' "$LAB_DIR/acceptance/acceptance.xml"
lab_expect "acceptance: it went through $FW (its rules' counters: submission $sub0 -> $(fw_passed "$SUB_PORT"), IMAPS $imaps0 -> $(fw_passed "$IMAPS_PORT"))" pass \
    test "$(fw_passed "$SUB_PORT")" -gt "$sub0" -a "$(fw_passed "$IMAPS_PORT")" -gt "$imaps0"
lab_expect "acceptance: its test message was delivered (Dovecot's log: saved to $ACC_MAIL's INBOX)" pass \
    grep -q "lmtp($ACC_MAIL).*msgid=<billu-acceptance-[0-9a-f]*@$MAILDOM>: saved mail to INBOX" "$LAB_DIR/mail-syslog.log"
lab_expect "acceptance: ...and cleaned up: no test message left in $ACC_SAM's Maildir" fail guest_exec mail sh -c \
    "grep -qs '^Subject: billu-acceptance-' /var/vmail/$ACC_SAM/Maildir/new/* /var/vmail/$ACC_SAM/Maildir/cur/*"
# A broken daemon: Dovecot stopped. The scenario must fail (exit 1, not bad input) and its report must say why.
guest_exec mail systemctl stop dovecot
lab_expect "acceptance, Dovecot stopped: the mail scenario fails (exit 1)" pass acceptance_exit 1 "$LAB_DIR/acceptance-broken"
sed 's/^/    /' "$LAB_DIR/acceptance-broken.log"
lab_expect "acceptance, Dovecot stopped: the report says IMAPS was refused (connect ECONNREFUSED $MAIL_IP:$IMAPS_PORT)" pass \
    grep -q "^| IMAPS: $ACC_MAIL reads the test message .* | connect ECONNREFUSED $MAIL_IP:$IMAPS_PORT | FAIL |" "$LAB_DIR/acceptance-broken/acceptance.md"
lab_expect "acceptance, Dovecot stopped: it sent nothing (its mailbox did not answer), so nothing is left queued" pass \
    grep -q "^| submission: $ACC_MAIL logs on after STARTTLS .* | not sent, so nothing left queued: the mailbox does not answer over IMAPS (connect ECONNREFUSED $MAIL_IP:$IMAPS_PORT) | FAIL |" "$LAB_DIR/acceptance-broken/acceptance.md"
guest_exec mail systemctl start dovecot
lab_wait 60 "Dovecot listening again" guest_exec mail sh -c "ss -Hltn 'sport = :$IMAPS_PORT' | grep -q LISTEN" || lab_die "Dovecot did not start again"
lab_wait 90 "submission offering AUTH again (Dovecot's SASL)" lab_has '^AUTH PLAIN LOGIN' probe ehlo --port "$SUB_PORT" --starttls || lab_die "submission did not offer AUTH again"

# Delivery broken while submission works (Dovecot's LMTP socket refused to Postfix; Dovecot itself, so SASL and IMAPS,
# still up): the run's message is accepted and stays queued where no client can remove it. The run fails (exit 1)
# and its clean-up says so; once delivery works again the message arrives (the control: it really was left behind),
# and the next run's clean-up deletes it with its own: nothing of the failed run is left.
LMTP_SOCK=/var/spool/postfix/private/dovecot-lmtp
LMTP_MODE=$(guest_exec mail stat -c %a "$LMTP_SOCK")
guest_exec mail chmod 000 "$LMTP_SOCK"
lab_expect "acceptance, delivery broken (LMTP refused to Postfix): the mail scenario fails (exit 1)" pass acceptance_exit 1 "$LAB_DIR/acceptance-queued"
sed 's/^/    /' "$LAB_DIR/acceptance-queued.log"
QUEUED_SUBJECT=$(grep -o 'billu-acceptance-[0-9a-f]\{12\}' "$LAB_DIR/acceptance-queued.log" | head -n 1)
lab_expect "...its message was accepted (250) and deferred by Postfix (its log: status=deferred)" pass lab_wait 15 "the deferral logged" \
    grep -q "postfix/lmtp\[[0-9]*\]: .*to=<$ACC_MAIL>.*status=deferred" "$LAB_DIR/mail-syslog.log"
lab_expect "...and its clean-up says the message never arrived and is queued for the next run" pass \
    grep -q "^| IMAPS: the test messages are deleted .* | deleted UID none (0 left by earlier runs); this run's message ($QUEUED_SUBJECT) never arrived: if the server accepted it, it is queued and the next run deletes it | FAIL |" \
    "$LAB_DIR/acceptance-queued/acceptance.md"
guest_exec mail chmod "$LMTP_MODE" "$LMTP_SOCK"
guest_exec mail postqueue -f
lab_expect "control: delivery restored, the failed run's message arrives in $ACC_SAM's Maildir (left behind until a run cleans up)" pass \
    lab_wait 60 "the queued message delivered" guest_exec mail sh -c "grep -qs '^Subject: $QUEUED_SUBJECT' /var/vmail/$ACC_SAM/Maildir/new/* /var/vmail/$ACC_SAM/Maildir/cur/*"
lab_expect "acceptance, delivery working again: the mail scenario passes (exit 0)" pass acceptance "$LAB_DIR/acceptance-after"
sed 's/^/    /' "$LAB_DIR/acceptance-after.log"
lab_expect "...its clean-up deleted its own message and the failed run's (1 left by earlier runs)" pass \
    grep -q "^| IMAPS: the test messages are deleted .* | deleted UID [0-9]*,[0-9]* (1 left by earlier runs); none left | ok |" "$LAB_DIR/acceptance-after/acceptance.md"
lab_expect "...and no test message is left in $ACC_SAM's Maildir" fail guest_exec mail sh -c \
    "grep -qs '^Subject: billu-acceptance-' /var/vmail/$ACC_SAM/Maildir/new/* /var/vmail/$ACC_SAM/Maildir/cur/*"

fi # acceptance

# --- the inbound relay: mail from the internet, through the router's published smtp ----------------------------
# Its set-up and first message: every inbound probe needs them; MBL_SABOTAGE=spf's probe is on that message's verdict.
if lab_phase "inbound mail: $MX ($MX_IP, $DMZ_ZONE) behind $FW's published smtp on $WAN_IP, sent from $INET_IP ($WAN_ZONE)" \
    MBL_SABOTAGE=mx MBL_SABOTAGE=spf MBL_SABOTAGE=dmarc MBL_SABOTAGE=relay-milter MBL_SABOTAGE=postscreen MBL_SABOTAGE=dnsbl MBL_SABOTAGE=resolver; then
# The relay's own resolver (billu:mx.resolver: own, dev's default with its DNSBL): its step runs the rendered unbound on
# 127.0.0.1 and points /etc/resolv.conf at it, so postscreen's DNSBL queries (billu:mx.dnsbl) go from the relay itself,
# across the rendered router's dmz -> wan dns rule (and its masquerade), to the lists' authoritative servers; before
# the step it resolves through its VM's cloud-init DNS servers (billu:network's forwarders, a public resolver).
# Lab overrides: "the internet" holds two lab DNS servers (unbound): the lists' server at a free WAN address, which
# stands for the root and every list's authoritative servers (one static root zone: the lab's root NS and the model's
# DNSBL listings below, every other name NXDOMAIN), and the public resolver at the model's forwarder address, which
# forwards everything to it (the router routes that address to the WAN zone's gateway, its default route on the
# site). The relay's unbound recurses from lab root hints naming the lists' server (a drop-in beside the rendered one,
# /etc/unbound/unbound.conf.d/lab-root.conf: root-hints, and val-permissive-mode, since the lab's root is unsigned and
# the relay's validator, with the real root trust anchor, finds it bogus: the lab does not prove DNSSEC answers).
MX_DNS=$(q "console.log(r.find(x=>x.type.endsWith('VmLegacy')&&x.inputs.name==='$MX').inputs.initialization.dns.servers.join(' '))")
[ -n "$MX_DNS" ] || lab_die "the dev model gives $MX no DNS server (its VM's initialization.dns.servers)"
# The DNSBL test the model renders (tools/lab-facts.ts: billu:mx.dnsbl) and three new internet clients (the WAN zone's
# last free addresses): LISTED in every block list (rank = their weights' sum), LOW in the lightest block list alone
# when its weight is under the threshold, CLEAN in none. Each list answers the lowest address of its reply pattern.
eval "$(node -e 'const ip = require(process.argv[1]), f = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8")).mx, o = require(process.argv[3]);
    const out = [], sh = (k, v) => out.push(k + "=" + JSON.stringify(String(v))), d = f && f.dnsbl;
    const wz = o.zones.find((z) => z.kind === "wan"), n = (a) => a.toByteArray().reduce((x, b) => x * 256 + b, 0);
    const lo = n(ip.IPv4.networkAddressFromCIDR(wz.cidr)), hi = n(ip.IPv4.broadcastAddressFromCIDR(wz.cidr));
    const taken = [wz.gateway, wz.routerAddress, ...process.argv[4].split(" ")];
    const free = []; for (let a = hi - 1; a > lo; a--) { const s = [24, 16, 8, 0].map((b) => (a >>> b) & 255).join("."); if (!taken.includes(s)) free.push(s); }
    const rev = (a) => a.split(".").reverse().join("."), answer = (r) => (r ? r.split(/\.(?![^[]*\])/).map((x) => (x.startsWith("[") ? x.slice(1).split(/[;.\]]/)[0] : x)).join(".") : "127.0.0.2");
    const block = d ? d.sites.filter((s) => s.weight > 0) : [], top = Math.max(...block.map((s) => s.weight)), light = [...block].sort((a, b) => a.weight - b.weight)[0];
    sh("DNSBL_THRESHOLD", d ? d.threshold : ""); sh("DNSBL_ZONES", d ? d.sites.map((s) => s.zone).join(" ") : "");
    sh("LISTED", free[0]); sh("LOW", free[1]); sh("CLEAN", free[2]); sh("ROOT_IP", free[3]);
    // The address the lists see the queries of the relay from: the WAN address of the router when it masquerades the
    // zone of the relay (its rules table in the stack docs), else the address of the relay.
    const mxh = o.hosts.find((h) => h.role === "mx"), mz = o.zones.find((z) => z.name === mxh.zone);
    const masq = Object.values(o.sections).flatMap((t) => t.rows || []).find((row) => row[0] === "masquerade");
    sh("MX_SEEN_AS", masq && String(masq[3]).split(", ").includes(mz.cidr) ? wz.routerAddress : mxh.address);
    sh("MX_RESOLVER", f ? f.resolver : "");
    sh("LISTED_RANK", block.reduce((x, s) => x + s.weight, 0));
    sh("LISTED_BY_RE", block.filter((s) => s.weight === top).map((s) => s.zone.replace(/\./g, "\\.")).join("|"));
    const low = light && light.weight < d.threshold ? light : undefined;
    sh("LOW_ZONE", low ? low.zone : ""); sh("LOW_RANK", low ? low.weight : "");
    // unbound: the lists, each a static zone; a record per listing (the client reversed, under the list zone).
    const data = [...block.map((s) => [rev(free[0]) + "." + s.zone, answer(s.reply)]), ...(low ? [[rev(free[1]) + "." + low.zone, answer(low.reply)]] : [])];
    sh("DNSBL_DATA", data.map(([k, v]) => k + " " + v).join("\n"));
    sh("LISTED_NAMES", block.map((s) => rev(free[0]) + "." + s.zone).join(" ")); sh("LOW_NAME", low ? rev(free[1]) + "." + low.zone : "");
    console.log(out.join("\n"));' "$LAB_ROOT/node_modules/ipaddr.js" "$LAB_DIR/facts.json" "$OUT/outputs.json" "$MX_DNS")"
DNS1=${MX_DNS%% *}
ROOT_NAME=a.root.lab
mkdir -p "$LAB_DIR/unbound" "$LAB_DIR/unbound-public"
# The lists' server (the lab's root and every list's authoritative server): its query log names each asker's address.
{
    echo "server:"
    echo "    interface: $ROOT_IP"
    printf '    %s\n' "port: 53" "do-ip6: no" "do-daemonize: no" 'chroot: ""' 'username: ""' "directory: \"$LAB_DIR/unbound\"" \
        "pidfile: \"$LAB_DIR/unbound/unbound.pid\"" "use-syslog: no" 'logfile: ""' "verbosity: 1" "log-queries: yes" \
        "access-control: 0.0.0.0/0 allow_snoop" 'module-config: "iterator"' 'local-zone: "." static' \
        "local-data: \". 300 IN NS $ROOT_NAME.\"" "local-data: \"$ROOT_NAME. 300 IN A $ROOT_IP\""
    while read -r name answer; do [ -z "$name" ] || echo "    local-data: \"$name. 300 IN A $answer\""; done <<<"$(printf '%b' "$DNSBL_DATA")"
    printf 'remote-control:\n    control-enable: no\n'
} >"$LAB_DIR/unbound/unbound.conf"
# The public resolver at the model's forwarder address: it asks the lists' server from its own address.
{
    echo "server:"
    for a in $MX_DNS; do echo "    interface: $a"; done
    echo "    outgoing-interface: $DNS1"
    printf '    %s\n' "port: 53" "do-ip6: no" "do-daemonize: no" 'chroot: ""' 'username: ""' "directory: \"$LAB_DIR/unbound-public\"" \
        "pidfile: \"$LAB_DIR/unbound-public/unbound.pid\"" "use-syslog: no" 'logfile: ""' "verbosity: 1" "log-queries: yes" \
        "access-control: 0.0.0.0/0 allow" 'module-config: "iterator"'
    printf 'forward-zone:\n    name: "."\n    forward-addr: %s\n' "$ROOT_IP"
    printf 'remote-control:\n    control-enable: no\n'
} >"$LAB_DIR/unbound-public/unbound.conf"
for c in unbound unbound-public; do
    unbound-checkconf "$LAB_DIR/$c/unbound.conf" >/dev/null || lab_die "unbound-checkconf refused the lab DNS's configuration ($LAB_DIR/$c/unbound.conf)"
done
ip -n "$LAB-inet" addr add "$ROOT_IP/$WAN_PREFIX" dev eth0
for a in $MX_DNS; do ip -n "$LAB-inet" addr add "$a/32" dev lo; ip -n "$LAB-fw" route add "$a/32" via "$INET_IP"; done
lab_bg "$LAB-inet" "$LAB_DIR/unbound.log" unbound -d -c "$LAB_DIR/unbound/unbound.conf"
lab_bg "$LAB-inet" "$LAB_DIR/unbound-public.log" unbound -d -c "$LAB_DIR/unbound-public/unbound.conf"
# Ready when it answers at all (a name no probe looks for: the DNSBL probes read unbound's query log for their own names).
lab_wait 20 "the lab DNS on $DNS1 answering" sh -c "ip netns exec '$LAB-inet' dig +time=1 +tries=1 @$DNS1 lab-ready.invalid A | grep -q 'status: NXDOMAIN'" ||
    lab_die "the lab DNS on $DNS1 does not answer (see unbound.log)"
# shellcheck disable=SC2086 # MX_DNS is a list of servers: one argument each
guest_resolv mx "$DOMAIN" $MX_DNS
# Lab override: the relay's unbound recurses from the lab's root (its hints name the lists' server), and hands over the
# answers its validator finds bogus (the lab's root is unsigned): a drop-in beside the rendered one, which is not edited.
# shellcheck disable=SC2016 # a program for the guest's sh: its $1 and $2 are its own
guest_exec mx sh -euc 'printf ". 3600000 NS %s.\n%s. 3600000 A %s\n" "$1" "$1" "$2" >/etc/unbound/lab-root.hints
    printf "server:\n    root-hints: \"/etc/unbound/lab-root.hints\"\n    val-permissive-mode: yes\n" >/etc/unbound/unbound.conf.d/lab-root.conf' sh "$ROOT_NAME" "$ROOT_IP"
lab_log "$MX resolves through $MX_DNS before its step (the lab's public resolver); the lists' server (lab root) $ROOT_IP serves ${DNSBL_ZONES:-no DNSBL zone}; DNSBL clients: listed $LISTED, light-listed ${LOW_ZONE:+$LOW}, clean $CLEAN"
lab_dev mx
issue mx "${MX,,}-mx-csr"
: >"$S/mx"; secrets_add "$S/mx" site-ca-cert "$(cat "$PKI/ca.pem")"; secrets_add "$S/mx" mx-cert "$(cat "$PKI/mx.pem")"; secrets_add "$S/mx" mx-key "$(cat "$PKI/mx.key")"
mx_step_rc=0; run_step mx "$MX" mx-relay "$S/mx" || mx_step_rc=$?
lab_expect "$MX mx-relay step ran (postfix check, Postfix up on 25)" pass test "$mx_step_rc" = 0
lab_fig "$MX mx-relay step (checks, Postfix up)" "${LAST_MS} ms"
# The relay's own resolver (billu:mx.resolver), as the model says: its address is the renderer's constant, never read
# from the file under test.
MX_RESOLVER_IP=$(node -e 'console.log(require(process.argv[1]).MX_RESOLVER_ADDRESS)' "$LAB_ROOT/dist/components/mx/render.js")
if [ "$MX_RESOLVER" = own ]; then
    mx_resolv() { guest_exec mx sh -c 'grep "^nameserver" /etc/resolv.conf'; }
    lab_expect "$MX resolves through its own unbound (billu:mx.resolver: own): /etc/resolv.conf names $MX_RESOLVER_IP alone" pass \
        test "$(mx_resolv)" = "nameserver $MX_RESOLVER_IP"
    mx_dns_listeners() { guest_exec mx ss -Hlun "sport = :53" | awk '{print $4}' | sort -u | tr '\n' ' '; }
    lab_expect "...its unbound listens on $MX_RESOLVER_IP:53 alone (not on $MX_IP: nobody else may ask it)" pass test "$(mx_dns_listeners)" = "$MX_RESOLVER_IP:53 "
    lab_expect "...and answers there: the lab root's NS ($ROOT_NAME) through recursion from the root hints" pass \
        lab_has "^$ROOT_NAME\.$" guest_exec mx dig +short +time=3 +tries=2 @"$MX_RESOLVER_IP" . NS
    lab_expect "...it validates: it asked the root for its DNSKEY, from $MX_SEEN_AS (the relay's address as the internet sees it)" pass \
        lab_wait 5 "the relay's DNSKEY query in the lists' server's log" grep -qF "info: $MX_SEEN_AS . DNSKEY IN" "$LAB_DIR/unbound.log"
fi
# MBL_SABOTAGE=mx: after the read-back, the installed main.cf lets anyone relay: the outside-domain probe must fail.
if [ "${MBL_SABOTAGE:-}" = mx ]; then
    # The classic open relay: every client is in mynetworks, and mynetworks may relay. (`smtpd_relay_restrictions =
    # permit` alone is not one: Postfix's smtpd then refuses to serve at all, "specify at least one working instance of
    # reject_unauth_destination...", so every session ends before its greeting: a failure for the wrong reason.)
    # postscreen_access_list emptied: its default (permit_mynetworks) would whitelist every client past postscreen too,
    # and the PREGREET probe would fail first, not the outside-domain probe this switch is for.
    guest_exec mx postconf -e 'mynetworks = 0.0.0.0/0' 'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination' 'postscreen_access_list =' >/dev/null 2>&1
    guest_exec mx systemctl restart postfix >/dev/null 2>&1
    lab_wait 30 "the sabotaged relay listening on 25" guest_exec mx sh -c 'ss -Hltn "sport = :25" | grep -q .' || true
    lab_log "SABOTAGE: the installed relay main.cf lets every client relay (mynetworks = 0.0.0.0/0, permit_mynetworks: an open relay)"
fi
# SPF and DMARC of inbound mail (rspamd's external_relay): a partner test domain on the lab's DC, which rspamd resolves
# through (its options.inc). partner.example permits the internet namespace's address; deny.partner.example permits only
# another address (TEST-NET-1) and publishes DMARC p=reject. Lab data, not the model's: a zone the DC serves alone.
SPF_DOM=partner.example; SPF_DENY=deny.$SPF_DOM; SPF_OTHER=192.0.2.25
# shellcheck disable=SC2016 # the guest's sh: its $(cat) (the administrator's password, from stdin) and $@
dc_dns() { printf '%s' "$ADMIN_PW" | guest_exec dc1 sh -c 'PASSWD="$(cat)" exec samba-tool dns "$@" -U administrator' sh "$@" >>"$LAB_DIR/dc-dns.log" 2>&1; }
dc_dns zonecreate "$DC1_IP" "$SPF_DOM" || lab_die "creating the partner test zone $SPF_DOM on $DC1 failed (see dc-dns.log)"
dc_dns add "$DC1_IP" "$SPF_DOM" @ TXT "\"v=spf1 ip4:$INET_IP -all\"" || lab_die "adding $SPF_DOM's SPF record failed"
dc_dns add "$DC1_IP" "$SPF_DOM" "${SPF_DENY%."$SPF_DOM"}" TXT "\"v=spf1 ip4:$SPF_OTHER -all\"" || lab_die "adding $SPF_DENY's SPF record failed"
dc_dns add "$DC1_IP" "$SPF_DOM" "_dmarc.${SPF_DENY%."$SPF_DOM"}" TXT "\"v=DMARC1; p=reject\"" || lab_die "adding $SPF_DENY's DMARC record failed"
# Inbound DKIM: partner.example signs with a key the lab makes (1024 bits: its record fits one TXT string), its public key
# published at <selector>._domainkey on the DC, as a partner publishes it at its DNS provider.
DKIM_SEL=lab
openssl genrsa -out "$LAB_DIR/partner-dkim.key" 1024 2>/dev/null || lab_die "making the partner's DKIM key failed"
DKIM_P=$(openssl rsa -in "$LAB_DIR/partner-dkim.key" -pubout -outform DER 2>/dev/null | base64 -w0)
dc_dns add "$DC1_IP" "$SPF_DOM" "$DKIM_SEL._domainkey" TXT "\"v=DKIM1; k=rsa; p=$DKIM_P\"" || lab_die "adding $SPF_DOM's DKIM record failed"
lab_wait 20 "the DC serving $SPF_DENY's SPF record" sh -c "ip netns exec '$LAB-cli' dig +short +time=2 +tries=1 '$SPF_DENY' TXT | grep -qF 'ip4:$SPF_OTHER'" ||
    lab_die "$DC1 does not serve $SPF_DENY's TXT record"
# MBL_SABOTAGE=spf: rspamd's external_relay switched off (an override.d file, outside the step's files; rspamd restarted):
# rspamd sees the relay's local address again and skips SPF and DMARC: the SPF probes below must fail.
if [ "${MBL_SABOTAGE:-}" = spf ]; then
    guest_exec mail sh -c 'mkdir -p /etc/rspamd/override.d && echo "enabled = false;" >/etc/rspamd/override.d/external_relay.conf && systemctl restart rspamd' >/dev/null 2>&1
    port=$(guest_exec mail postconf -h smtpd_milters | sed -n 's/^inet:[0-9.]*:\([0-9]*\)$/\1/p')
    lab_wait 60 "the restarted rspamd's milter on $port" guest_exec mail sh -c "ss -Hltn 'sport = :$port' | grep -q LISTEN" || true
    lab_log "SABOTAGE: rspamd's external_relay is off (override.d/external_relay.conf: enabled = false)"
fi
# MBL_SABOTAGE=dmarc: the installed force_actions.conf loses its DMARC rule (rspamd restarted): a p=reject failure is
# scored again, not refused: the DMARC refusal probe below must fail.
if [ "${MBL_SABOTAGE:-}" = dmarc ]; then
    guest_exec mail sh -c "sed -i '/^  BILLU_DMARC_REJECT {\$/,/^  }\$/d' /etc/rspamd/local.d/force_actions.conf && systemctl restart rspamd" >/dev/null 2>&1
    port=$(guest_exec mail postconf -h smtpd_milters | sed -n 's/^inet:[0-9.]*:\([0-9]*\)$/\1/p')
    lab_wait 60 "the restarted rspamd's milter on $port" guest_exec mail sh -c "ss -Hltn 'sport = :$port' | grep -q LISTEN" || true
    lab_log "SABOTAGE: rspamd's force_actions.conf has no BILLU_DMARC_REJECT rule"
fi
wan_send() { ip netns exec "$LAB-inet" python3 "$HERE/probe.py" send --server "$WAN_IP" --port "$SMTP_PORT" --sender "someone@partner.example" "$@"; }
wan_pregreet() { ip netns exec "$LAB-inet" python3 "$HERE/probe.py" pregreet --server "$WAN_IP" --port "$SMTP_PORT" --sender "someone@partner.example" "$@"; }
mx_log() { grep -Eq "$1" "$LAB_DIR/mx-syslog.log"; }
mx_queue_empty() { local q; q=$(guest_exec mx postqueue -j) || return 1; [ -z "$q" ]; }
# --- #22 relay milter and postscreen: set-up and sabotage switches (MBL_SABOTAGE=relay-milter, =postscreen) ---------
# The relay asks PAR-MAIL01's rspamd before its 250 (its main.cf's smtpd_milters): the milter's port is the model's
# (model/mx.ts RSPAMD_MILTER_PORT, the catalogue's rspamd-milter), never read from the file under test.
MILTER_PORT=$(node -e 'console.log(require(process.argv[1]).RSPAMD_MILTER_PORT)' "$LAB_ROOT/dist/model/mx.js")
# The relay's own greeting on its DMZ address, first line: postscreen's "220-" (it holds the rest of the greeting while
# it watches for a client that talks first), or smtpd's "220 " when smtpd owns the port.
mx_greeting() { ip netns exec "$LAB-mx" python3 "$HERE/probe.py" connect --server "$MX_IP" --port "$SMTP_PORT" --timeout 5; }
# MBL_SABOTAGE=relay-milter: the installed relay main.cf loses smtpd_milters and Postfix is reloaded: the relay says 250
# to a DMARC p=reject failure again (PAR-MAIL01 refuses it later, the relay drops its bounce). The first probe to see
# it is the inbound message's "rspamd's log line for the relay's ask" (no scan has the relay's queue id); the
# 5xx-at-relay probe below would fail too.
if [ "${MBL_SABOTAGE:-}" = relay-milter ]; then
    guest_exec mx sh -c 'postconf -X smtpd_milters && postfix reload' >>"$LAB_DIR/sabotage.log" 2>&1
    if [ -z "$(guest_exec mx postconf -h smtpd_milters 2>/dev/null)" ] && lab_wait 15 "the relay's reload logged" mx_log "postfix/master\[[0-9]+\]: reload"; then
        lab_log "SABOTAGE: the installed relay main.cf has no smtpd_milters (postfix reload done)"
    else
        lab_log "SABOTAGE NOT IN EFFECT: the relay's main.cf still names a milter, or Postfix did not reload (see sabotage.log)"
    fi
fi
# MBL_SABOTAGE=postscreen: the installed relay master.cf puts plain smtpd on port 25 in place of postscreen (its smtpd
# pass line removed) and Postfix is reloaded: master re-reads master.cf and the port's program changes (a restart through
# the systemctl shim left the running postscreen serving: the last attempt's mistake). Checked before the probes: the
# port now greets with smtpd's "220 " at once. The PREGREET probe below must fail.
if [ "${MBL_SABOTAGE:-}" = postscreen ]; then
    guest_exec mx sh -c "sed -i -e 's/^smtp  *inet  .* postscreen\$/smtp       inet  n       -       n       -       -       smtpd/' -e '/^smtpd  *pass /d' /etc/postfix/master.cf && postfix reload" >>"$LAB_DIR/sabotage.log" 2>&1
    if lab_wait 20 "smtpd's own greeting on $MX_IP:$SMTP_PORT" lab_has "^connected: 220 " mx_greeting; then
        lab_log "SABOTAGE: the relay's port 25 is plain smtpd (master.cf without postscreen, postfix reload): $(guest_exec mx postconf -M smtp/inet 2>&1)"
    else
        lab_log "SABOTAGE NOT IN EFFECT: the relay's port 25 still greets as postscreen (see sabotage.log)"
    fi
fi
# MBL_SABOTAGE=resolver: the relay's /etc/resolv.conf back to its VM's cloud-init DNS servers (the stacks' public
# forwarder) and Postfix reloaded: postscreen's lookups go through the public resolver again, which still answers, so
# the listed client is still refused; but the lists' server sees the public resolver ask, not the relay: the probe
# "asked from $MX_SEEN_AS" must fail.
if [ "${MBL_SABOTAGE:-}" = resolver ]; then
    # shellcheck disable=SC2086 # MX_DNS is a list of servers: one argument each
    guest_resolv mx "$DOMAIN" $MX_DNS
    guest_exec mx postfix reload >>"$LAB_DIR/sabotage.log" 2>&1
    if guest_exec mx grep -qx "nameserver $DNS1" /etc/resolv.conf && lab_wait 15 "the relay's reload logged" mx_log "postfix/master\[[0-9]+\]: reload"; then
        lab_log "SABOTAGE: the relay's /etc/resolv.conf names the public resolver $DNS1 again (postfix reload done)"
    else
        lab_log "SABOTAGE NOT IN EFFECT: the relay's resolv.conf does not name $DNS1, or Postfix did not reload (see sabotage.log)"
    fi
fi
# MBL_SABOTAGE=dnsbl: the installed relay main.cf loses postscreen_dnsbl_sites (postfix reload): postscreen asks no list,
# so the listed client gets its 250: the DNSBL refusal probe must fail.
if [ "${MBL_SABOTAGE:-}" = dnsbl ]; then
    guest_exec mx sh -c 'postconf -X postscreen_dnsbl_sites && postfix reload' >>"$LAB_DIR/sabotage.log" 2>&1
    if [ -z "$(guest_exec mx postconf -h postscreen_dnsbl_sites 2>/dev/null)" ] && lab_wait 15 "the relay's reload logged" mx_log "postfix/master\[[0-9]+\]: reload"; then
        lab_log "SABOTAGE: the installed relay main.cf has no postscreen_dnsbl_sites (postfix reload done)"
    else
        lab_log "SABOTAGE NOT IN EFFECT: the relay's main.cf still names DNSBL sites, or Postfix did not reload (see sabotage.log)"
    fi
fi
# --- end #22 set-up --------------------------------------------------------------------------------------------------
# postscreen, before any other client of the internet's address connects (a client that passed is remembered for a day
# and handed straight to smtpd): a client that talks before the greeting is refused at RCPT and logged.
lab_expect "a client that talks before the relay's greeting is refused by postscreen (550 at RCPT)" pass refused "^refused: 550 " wan_pregreet --to "$MAIL_A"
lab_expect "...postscreen logs it: PREGREET from [$INET_IP]" pass lab_wait 10 "postscreen's PREGREET line" mx_log "postscreen\[[0-9]+\]: PREGREET [0-9]+ after .* from \[${INET_IP//./\\.}\]"
# The published port: the router's forward rule for DNATed smtp (its counter) shows the connections crossed it.
dnat_count() { ip netns exec "$LAB-fw" nft list chain inet billu forward | grep -F "ip daddr $MX_IP tcp dport $SMTP_PORT ct status dnat" | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'; }
tok="mx-$(openssl rand -hex 4)"
lab_expect "from the internet, a message to $MAIL_A sent to $WAN_IP:$SMTP_PORT is accepted by the relay" pass wan_send --to "$MAIL_A" --subject "$tok"
lab_expect "...relayed to $MAIL and read by $MAIL_A over IMAPS (through $FW)" pass imap "$MAIL_A" "$PW_A" --expect "$tok" --wait 30
# Its headers, from the Maildir: PAR-MAIL01 received it from the relay (its HELO is the relay's FQDN), the relay from the
# internet namespace's own address (the router translated the destination only).
mx_received() { guest_exec mail sh -c "f=\$(grep -ls 'Subject: $tok' /var/vmail/$USER_A/Maildir/new/* /var/vmail/$USER_A/Maildir/cur/* | head -n 1); [ -n \"\$f\" ] && cat \"\$f\"" | grep -E "^Received: from $1"; }
lab_expect "...a client that waits for the greeting passes postscreen (PASS NEW [$INET_IP])" pass mx_log "postscreen\[[0-9]+\]: PASS NEW \[${INET_IP//./\\.}\]"
lab_expect "...received by $MAIL from the relay (Received: from ${MX,,}.$DOMAIN ... [$MX_IP])" pass mx_received "${MX,,}\\.${DOMAIN//./\\.} \\(.*\\[${MX_IP//./\\.}\\]\\)"
lab_expect "...received by the relay from the internet's address (Received: from ... [$INET_IP])" pass mx_received ".* \\(.*\\[${INET_IP//./\\.}\\]\\)"
lab_expect "...handed over TLS with $MAIL's certificate verified (the relay's log: Verified TLS connection to $MAILHOST)" pass \
    lab_wait 10 "the relay's TLS log line" grep -q "Verified TLS connection established to $MAIL_IP\[$MAIL_IP\]:$SMTP_PORT" "$LAB_DIR/mx-syslog.log"
# rspamd's verdict on a message (by its subject token): its headers in $USER_A's Maildir, folded lines joined.
mx_headers() { guest_exec mail sh -c "f=\$(grep -ls 'Subject: $1' /var/vmail/$USER_A/Maildir/new/* /var/vmail/$USER_A/Maildir/cur/* | head -n 1); [ -n \"\$f\" ] && sed '/^\$/q' \"\$f\"" | sed ':a;N;$!ba;s/\n[ \t]\+/ /g'; }
# ...and rspamd's own log line for it (by its Message-ID, <token@lab>, which probe.py sets).
rspamd_verdict() { guest_exec mail grep -F "rspamd_task_write_log: id: <$1@lab>," /var/log/rspamd/rspamd.log; }
# rspamd judges it twice (#22): when the relay asks before its 250 (the milter sees the internet's client itself) and when
# PAR-MAIL01 receives it from the relay (external_relay takes the client from the relay's Received line). Each scan's log
# line is found by its Postfix queue id (the host's cleanup logs the Message-ID with it), so each is probed apart.
scan_of() {
    local qid
    qid=$(sed -nE "s/.*postfix\/cleanup\[[0-9]+\]: ([0-9A-F]+): message-id=<$2@lab>.*/\1/p" "$LAB_DIR/$1-syslog.log" | head -n 1)
    [ -n "$qid" ] && guest_exec mail grep -F "rspamd_task_write_log: id: <$2@lab>, qid: <$qid>," /var/log/rspamd/rspamd.log
}
# Every Authentication-Results header of the delivered message: one, PAR-MAIL01's (the relay drops the headers rspamd
# adds when it asks: milter_header_checks).
auth_results() { mx_headers "$1" | grep '^Authentication-Results: '; }
spf_pass_once() {
    local ar; ar=$(auth_results "$tok"); printf '%s\n' "$ar" >>"$LAB_DIR/probes.log"
    [ "$(grep -c . <<<"$ar")" = 1 ] && grep -q "spf=pass ([^)]*: domain of someone@$SPF_DOM designates $INET_IP as permitted sender)" <<<"$ar"
}
lab_expect "...judged by rspamd with the internet's address: one Authentication-Results ($MAIL's), spf=pass for $INET_IP" pass spf_pass_once
# PAR-MAIL01's scan is not swayed by the relay's: no X-Spam header from the relay's ask reached it (rspamd's SPAM_FLAG).
unswayed() { local l; l=$(scan_of mail "$tok") || return 1; printf '%s\n' "$l" >>"$LAB_DIR/probes.log"; [ -n "$l" ] && ! grep -q "SPAM_FLAG" <<<"$l"; }
lab_expect "...$MAIL's own scan saw none of the relay's rspamd headers (no SPAM_FLAG in its log line)" pass unswayed
lab_expect "...rspamd's log line for the relay's ask (the relay's queue id): ip: $INET_IP, R_SPF_ALLOW" pass lab_has "ip: $INET_IP, .*R_SPF_ALLOW" scan_of mx "$tok"
lab_expect "...and for $MAIL's own scan (its queue id; external_relay): ip: $INET_IP, R_SPF_ALLOW" pass lab_has "ip: $INET_IP, .*R_SPF_ALLOW" scan_of mail "$tok"
fi # inbound mail

if lab_phase "DNSBL at postscreen (billu:mx.dnsbl): a client the model's lists name is refused, an unlisted one gets its 250" MBL_SABOTAGE=dnsbl MBL_SABOTAGE=resolver; then
# New clients of the internet (each address's first connection: postscreen asks the lists of a client it does not
# remember), at addresses the internet namespace adds now (its own address stays the source of every other probe).
for a in "$LISTED" "$LOW" "$CLEAN"; do ip -n "$LAB-inet" addr add "$a/$WAN_PREFIX" dev eth0; done
wan_rcpt() { local src="$1"; shift; ip netns exec "$LAB-inet" python3 "$HERE/probe.py" rcpt --server "$WAN_IP" --port "$SMTP_PORT" --sender "someone@partner.example" --source "$src" --to "$MAIL_A"; }
asked() { grep -qF " $1. A IN" "$LAB_DIR/unbound.log"; } # the lists' server's query log: someone asked for that name
asked_by() { grep -qF "info: $1 $2. A IN" "$LAB_DIR/unbound.log"; } # ...and who: the asker's address
dns_count() { ip netns exec "$LAB-fw" nft list chain inet billu forward | grep -F "udp dport 53" | grep -F "dmz -> wan dns" | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'; }
lab_expect "the dev model has a DNSBL test (billu:mx.dnsbl: threshold $DNSBL_THRESHOLD, lists $DNSBL_ZONES)" pass test -n "$DNSBL_ZONES"
dns_before=$(dns_count)
lab_expect "a client listed in every block list ($LISTED, rank $LISTED_RANK, threshold $DNSBL_THRESHOLD) is refused by postscreen at RCPT: 550 5.7.1 Service unavailable; client [$LISTED] blocked using ${LISTED_BY_RE//\\/}" pass \
    refused "^refused: 550 5\.7\.1 Service unavailable; client \[${LISTED//./\\.}\] blocked using ($LISTED_BY_RE)$" wan_rcpt "$LISTED"
lab_expect "...postscreen logs its rank: DNSBL rank $LISTED_RANK for [$LISTED]" pass \
    lab_wait 10 "postscreen's DNSBL line" mx_log "postscreen\[[0-9]+\]: DNSBL rank $LISTED_RANK for \[${LISTED//./\\.}\]"
for n in $LISTED_NAMES; do lab_expect "...the lists' server ($ROOT_IP, the lab's root) was asked for $n" pass lab_wait 5 "the query in unbound's log" asked "$n"; done
if [ "$MX_RESOLVER" = own ]; then
    # The relay's own unbound asked the lists itself (Spamhaus answers the site's own address), never the public resolver.
    for n in $LISTED_NAMES; do
        lab_expect "...asked by the relay itself, from $MX_SEEN_AS (billu:mx.resolver: own), not by the public resolver $DNS1" pass asked_by "$MX_SEEN_AS" "$n"
        lab_expect "...and the public resolver $DNS1 never asked for it" fail asked_by "$DNS1" "$n"
    done
fi
lab_expect "...through $FW's rendered rule for the dmz -> wan dns flow (its counter grew from $dns_before)" pass test "$(dns_count)" -gt "$dns_before"
if [ -n "$LOW_ZONE" ]; then
    lab_expect "a client listed in $LOW_ZONE alone ($LOW, rank $LOW_RANK, under the threshold $DNSBL_THRESHOLD) gets its 250 at RCPT" pass lab_has "^accepted: 250 " wan_rcpt "$LOW"
    # shellcheck disable=SC2153 # LOW_NAME is set by the eval of the model's DNSBL facts above
    lab_expect "...the relay did ask for it ($LOW_NAME)" pass asked "$LOW_NAME"
    lab_expect "...and postscreen passed it (PASS NEW [$LOW])" pass lab_wait 10 "postscreen's PASS NEW line" mx_log "postscreen\[[0-9]+\]: PASS NEW \[${LOW//./\\.}\]"
fi
lab_expect "a client listed nowhere ($CLEAN) gets its 250 at RCPT" pass lab_has "^accepted: 250 " wan_rcpt "$CLEAN"
lab_expect "...postscreen passed it (PASS NEW [$CLEAN]), no DNSBL rank logged for it" pass \
    lab_wait 10 "postscreen's PASS NEW line" mx_log "postscreen\[[0-9]+\]: PASS NEW \[${CLEAN//./\\.}\]"
lab_expect "...no DNSBL rank line for [$CLEAN]" fail mx_log "DNSBL rank [0-9]+ for \[${CLEAN//./\\.}\]"
fi # DNSBL

if lab_phase "inbound SPF fail and DMARC p=reject: refused by the relay at the end of DATA" MBL_SABOTAGE=dmarc MBL_SABOTAGE=relay-milter; then
# --- #22 relay milter: a DMARC p=reject failure is refused by the relay itself, at the end of DATA --------------------
# The relay asks rspamd before its 250, so the internet's client is told (554 5.7.1, the model's text): nothing is
# queued on the relay, nothing reaches PAR-MAIL01, no bounce is made. MBL_SABOTAGE=relay-milter and =dmarc fail the first probe.
refused_at_data() { local out rc=0; out=$("${@:2}" 2>&1) || rc=$?; printf '%s\n' "$out" | tee -a "$LAB_DIR/probes.log"; [ "$rc" -ne 0 ] && grep -Eq -- "$1" <<<"$out" && grep -qx "stage: end of DATA" <<<"$out"; }
tok2="spf-$(openssl rand -hex 4)"
lab_expect "from the internet, a message from someone@$SPF_DENY (SPF permits $SPF_OTHER only, -all; DMARC p=reject) is refused at the end of DATA: 554 5.7.1 $(refusal dmarcReject)" pass \
    refused_at_data "^refused: 554 5\.7\.1 $(refusal_re dmarcReject)" ip netns exec "$LAB-inet" python3 "$HERE/probe.py" send --server "$WAN_IP" --port "$SMTP_PORT" --sender "someone@$SPF_DENY" --to "$MAIL_A" --subject "$tok2"
lab_expect "...by the relay itself (its log: milter-reject: END-OF-MESSAGE from [$INET_IP]: 5.7.1 ...)" pass lab_wait 10 "the relay's milter-reject line" \
    mx_log "milter-reject: END-OF-MESSAGE from [^ ]*\\[${INET_IP//./\\.}\\]: 5\\.7\\.1 $(refusal_re dmarcReject);.* to=<$MAIL_A>"
lab_expect "...rspamd's log line for that message: ip: $INET_IP, R_SPF_FAIL" pass lab_has "ip: $INET_IP, .*R_SPF_FAIL" rspamd_verdict "$tok2"
lab_expect "...and DMARC_POLICY_REJECT ($SPF_DENY's p=reject, SPF not aligned, no DKIM)" pass lab_has "ip: $INET_IP, .*DMARC_POLICY_REJECT" rspamd_verdict "$tok2"
lab_expect "...nothing queued on the relay (postqueue -j on $MX is empty)" pass lab_wait 15 "an empty queue on $MX" mx_queue_empty
lab_expect "...never handed to $MAIL (its log has no message-id=<$tok2@lab>)" fail grep -q "message-id=<$tok2@lab>" "$LAB_DIR/mail-syslog.log"
lab_expect "...not delivered: $MAIL_A's mailbox has no message $tok2" fail imap "$MAIL_A" "$PW_A" --expect "$tok2"
lab_expect "...and no bounce made: the relay's log has no line to someone@$SPF_DENY" fail mx_log "to=<someone@${SPF_DENY//./\\.}>"
# rspamd down: the relay answers 4xx (milter_default_action = tempfail): the internet's server keeps the message and
# retries; nothing is accepted unscanned, nothing is lost.
milter_on() { guest_exec mail ss -Hltn "sport = :$MILTER_PORT" | grep -qF "$MAIL_IP:$MILTER_PORT"; }
lab_expect "rspamd's milter listens on $MAIL's own address for the relay ($MAIL_IP:$MILTER_PORT)" pass milter_on
lab_expect "...and $MX reaches it through $FW (flow rspamd-milter)" pass ip netns exec "$LAB-mx" timeout 3 bash -c "exec 3<>/dev/tcp/$MAIL_IP/$MILTER_PORT"
guest_exec mail systemctl stop rspamd
lab_expect "rspamd stopped on $MAIL: nothing listens on $MAIL_IP:$MILTER_PORT" fail milter_on
tok5="down-$(openssl rand -hex 4)"
lab_expect "with rspamd down, the relay answers the internet's client with a temporary error (4xx: it keeps the message and retries)" pass \
    refused "^refused: 4[0-9][0-9] 4\." wan_send --to "$MAIL_A" --subject "$tok5"
lab_expect "...because the relay cannot reach the milter (its log: connect to Milter service inet:$MAIL_IP:$MILTER_PORT refused)" pass lab_wait 10 "the relay's milter warning" \
    mx_log "connect to Milter service inet:${MAIL_IP//./\\.}:$MILTER_PORT: Connection refused"
lab_expect "...nothing queued on the relay" pass mx_queue_empty
guest_exec mail systemctl start rspamd
lab_wait 60 "rspamd's milter back on $MAIL_IP:$MILTER_PORT" milter_on || true
lab_expect "rspamd back: the client's retry is accepted by the relay" pass wan_send --to "$MAIL_A" --subject "$tok5"
lab_expect "...and delivered to $MAIL_A (nothing lost)" pass imap "$MAIL_A" "$PW_A" --expect "$tok5" --wait 30
# --- end #22 relay milter --------------------------------------------------------------------------------------------
fi # inbound SPF and DMARC

if lab_phase "inbound DKIM: a partner's signature verified, a broken one found"; then
# Inbound DKIM: a message signed with partner.example's key is verified against its DNS record; altered after signing,
# the signature is broken.
dkim_send() {
    ip netns exec "$LAB-inet" /usr/bin/python3 "$HERE/probe.py" send --server "$WAN_IP" --port "$SMTP_PORT" --sender "someone@$SPF_DOM" --to "$MAIL_A" \
        --dkim-key "$LAB_DIR/partner-dkim.key" --dkim-domain "$SPF_DOM" --dkim-selector "$DKIM_SEL" "$@"
}
tok3="dkim-$(openssl rand -hex 4)"; tok4="dkim-$(openssl rand -hex 4)"
lab_expect "from the internet, a message signed by $SPF_DOM (s=$DKIM_SEL) is accepted by the relay and delivered" pass dkim_send --subject "$tok3"
lab_expect "...read by $MAIL_A" pass imap "$MAIL_A" "$PW_A" --expect "$tok3" --wait 30
lab_expect "...rspamd verified the signature against $SPF_DOM's DNS record: R_DKIM_ALLOW" pass lab_has "ip: $INET_IP, .*R_DKIM_ALLOW" rspamd_verdict "$tok3"
lab_expect "...its Authentication-Results: dkim=pass header.d=$SPF_DOM header.s=$DKIM_SEL" pass lab_has \
    "^Authentication-Results: .*dkim=pass header\\.d=${SPF_DOM//./\\.} header\\.s=$DKIM_SEL" mx_headers "$tok3"
lab_expect "the same, its body altered after signing, is accepted by the relay" pass dkim_send --dkim-tamper --subject "$tok4"
lab_expect "...read by $MAIL_A (a broken signature is scored, not refused)" pass imap "$MAIL_A" "$PW_A" --expect "$tok4" --wait 30
lab_expect "...rspamd finds the signature broken: R_DKIM_REJECT" pass lab_has "ip: $INET_IP, .*R_DKIM_REJECT" rspamd_verdict "$tok4"
lab_expect "...and no R_DKIM_ALLOW" fail lab_has "ip: $INET_IP, .*R_DKIM_ALLOW" rspamd_verdict "$tok4"
fi # inbound DKIM

if lab_phase "the relay refuses what is not for $MAILDOM; from the DMZ only $MAIL:$SMTP_PORT answers" MBL_SABOTAGE=mx; then
lab_expect "an unknown recipient is refused at RCPT (550 5.1.1)" pass refused "550 5\.1\.1 .*nobody\.here@$MAILDOM" wan_send --to "nobody.here@$MAILDOM" --subject x
lab_expect "...so the relay queued no bounce (postqueue -j on $MX is empty)" pass lab_wait 15 "an empty queue on $MX" mx_queue_empty
lab_expect "relaying to an outside domain is refused (554 5.7.1 relay access denied)" pass refused "554 5\.7\.1 .*Relay access denied" wan_send --to "someone@example.org" --subject relay
lab_expect "the relay offers STARTTLS with a site-CA certificate naming $MX_PUBLIC" pass lab_has "Verify return code: 0 (ok)" \
    ip netns exec "$LAB-inet" timeout 10 openssl s_client -starttls smtp -connect "$WAN_IP:$SMTP_PORT" -CAfile "$PKI/ca.pem" -verify_hostname "$MX_PUBLIC" -verify_return_error </dev/null
lab_expect "the router's forward rule for the published smtp to $MX_IP counted those connections" pass test "$(dnat_count)" -ge 4
# From the DMZ the relay reaches PAR-MAIL01 on smtp (and rspamd's milter, probed in the #22 block) and nothing else of the
# servers zone; each port answers from the servers zone (control).
tcp_open() { ip netns exec "$LAB-$1" timeout 3 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null; }
lab_expect "$MX reaches $MAIL:$SMTP_PORT" pass tcp_open mx "$MAIL_IP" "$SMTP_PORT"
for t in "$MAIL_IP:$IMAPS_PORT" "$MAIL_IP:$SUB_PORT" "$DC1_IP:636" "$DC1_IP:53" "$DC1_IP:88"; do
    lab_expect "$t answers from the servers zone ($MTA_IP)" pass tcp_open mta "${t%:*}" "${t#*:}"
    lab_expect "...but not from $MX (dropped by $FW)" fail tcp_open mx "${t%:*}" "${t#*:}"
done

fi # the relay's refusals

if lab_phase "a person who left: HR's next export lacks $USER_B (line $LINE_B); the directory plan disables the account"; then
sed "${LINE_B}d" "$LAB_ROOT/data/billu-hr.csv" >"$LAB_DIR/hr-departure.csv"
OUT2="$LAB_DIR/synth-departure"
(cd "$LAB_ROOT" && node dist/tools/synth.js --stack dev --out "$OUT2" --hr-csv "$LAB_DIR/hr-departure.csv" >"$OUT2.log" 2>&1) || { cat "$OUT2.log" >&2; lab_die "synth with the departure failed"; }
lab_expect "the new plan disables $USER_B and only them" pass node -e 'const d = require(process.argv[1]); const x = d.people.filter((p) => p.action === "disable").map((p) => p.sam);
    process.exit(JSON.stringify(x) === JSON.stringify([process.argv[2]]) ? 0 : 1)' "$OUT2/directory.json" "$USER_B"
R_MAIN="$R"; R="$OUT2/rendered"; GUEST_STACK="" # HR's next export: not the committed stack's output
run_step dc1 "$DC1" directory "$S/directory" || lab_die "the directory step (departure) failed"
R="$R_MAIN"; GUEST_STACK=dev
lab_expect "AD refuses $USER_B's bind: disabled (data 533)" pass lab_has 'data 533' ldap_bind "$MAIL_B" "$PW_B"
lab_expect "$MAIL_B (disabled) cannot log on over IMAPS (AUTHENTICATIONFAILED)" pass refused AUTHENTICATIONFAILED imap "$MAIL_B" "$PW_B"
lab_expect "$MAIL_B (disabled) gets no submission (535)" pass refused "535" submit "$MAIL_B" "$PW_B" --sender "$MAIL_B" --to "$MAIL_A" --subject gone
lab_expect "mail to $MAIL_B (disabled) is refused (550 user unknown)" pass refused "550 .*User unknown" send --port "$SMTP_PORT" --sender "someone@partner.example" --to "$MAIL_B" --subject gone
# The relay's table still lists $MAIL_B (its step not re-run): it accepts, $MAIL refuses, and the relay's bounce to the
# internet's sender is dropped by its transport table (no backscatter), not queued for a flow the DMZ does not have.
lab_expect "from the internet, mail to $MAIL_B is still accepted by the relay (its table not yet re-rendered)" pass wan_send --to "$MAIL_B" --subject gone2
lab_expect "...$MAIL refuses it to the relay (status=bounced, 550 in the relay's log)" pass lab_wait 30 "the relay's bounced line" mx_log "to=<$MAIL_B>, relay=$MAIL_IP\[$MAIL_IP\]:$SMTP_PORT, .*status=bounced .* 550 "
lab_expect "...and the relay's bounce to someone@partner.example is discarded, not sent (no backscatter)" pass lab_wait 30 "the discarded bounce" mx_log "to=<someone@partner\.example>, relay=none, .*status=sent \(no backscatter"
lab_expect "...nothing stays queued on $MX (postqueue -j is empty)" pass lab_wait 15 "an empty queue on $MX" mx_queue_empty

fi # departure

if lab_phase "idempotence and the checks before applying"; then
pids() { guest_exec mail sh -c 'cat /run/lab-postfix.pid /run/lab-dovecot.pid /run/lab-rspamd.pid'; }
P1=$(pids); U1=$(samba_usn dc1)
t=$(date +%s%N)
lab_expect "re-run $DC1 mail-directory: no change" pass guest_rerun_clean dc1 mail-directory "$S/dir"
lab_expect "re-run $MAIL mail: no change" pass guest_rerun_clean mail mail "$S/mail"
lab_fig "re-run of both mail steps" "$(lab_since "$t") ms"
lab_expect "the re-run restarted no daemon" pass test "$(pids)" = "$P1"
lab_expect "the re-run wrote nothing to AD (highestCommittedUSN stays $U1)" pass test "$(samba_usn dc1)" = "$U1"
# The relay's step again (its own resolver too): nothing written, neither Postfix nor unbound restarted, resolv.conf kept.
mx_pids() { guest_exec mx sh -c 'cat /run/lab-postfix.pid /run/lab-unbound.pid 2>/dev/null'; }
MXP1=$(mx_pids)
lab_expect "$MX runs Postfix and unbound (two pids)" pass test "$(grep -c '^[0-9][0-9]*$' <<<"$MXP1")" = 2
lab_expect "re-run $MX mx-relay: no change" pass guest_rerun_clean mx mx-relay "$S/mx"
lab_expect "...it restarted neither Postfix nor unbound on $MX (their pids: $(tr '\n' ' ' <<<"$MXP1"))" pass test "$(mx_pids)" = "$MXP1"
# Broken on purpose: a typo that would drop the relay rule; the step's check must refuse it and keep the old file.
STAGED=/var/lib/billu/stage/mail/files/etc/postfix/main.cf
guest_exec mail sh -c "sed -i 's/^smtpd_relay_restrictions =/smtpd_relay_restriction =/' $STAGED"
lab_expect "a main.cf with a typo (smtpd_relay_restriction) is refused by the step's postfix check" fail guest_run_step mail mail "$S/mail" "$LAB_DIR/broken-main.log"
lab_expect "the refusal is postconf's: unused parameter smtpd_relay_restriction" pass grep -q "unused parameter: smtpd_relay_restriction=" "$LAB_DIR/broken-main.log"
LAB_ENTER=(guest_exec mail); lab_readback dev "$MAIL" /etc/postfix/main.cf /etc/postfix/main.cf; LAB_ENTER=() # still the rendered one
lab_expect "and relaying is still refused (relay access denied)" pass refused "Relay access denied" send --port "$SMTP_PORT" --sender "$MAIL_A" --to "someone@example.org" --subject relay2

fi # idempotence

# --- figures ------------------------------------------------------------------------------------------------------
lab_fig "$MAIL memory (Postfix, Dovecot, rspamd: PSS)" "$(samba_pss_mib mail) MiB"
lab_fig "$DC1 memory (PSS)" "$(samba_pss_mib dc1) MiB"
lab_fig "lab duration" "$(( $(lab_since "$START") / 1000 )) s"
lab_finish
