#!/usr/bin/env bash
# labs/dc: the `samba` flavor of DomainController against real Samba AD DCs, in network namespaces.
#
# It synthesizes labs/dc/Pulumi.labdc.yaml (generated from the dev stack by tools/lab-dc-config.ts: a second Samba
# DC that every flow to PAR-DC01 also reaches, the FSMO roles split) and
# runs the guest steps exactly as synth rendered them (read back after each step, nothing edited), in the order the program
# deploys them: PAR-DC01 `dc` (provision), PAR-DC02 `dc` (join, KCC, replicate), `fsmo` on each DC that must
# hold roles, `domain` on PAR-DC01 (reverse zones, A/PTR records, the zone and records services ask for: the web
# server's two names, the mail domain's MX; subnets, groups, join account), then PAR-DHCP01 `ad-join` (adcli +
# SSSD). Each host is a pseudo-guest (labs/lib/samba.sh) on one switch.
#
# Lab overrides (documented, nothing rendered is edited):
#   - guests are namespaces with overlays, not VMs; `systemctl` is a shim that starts samba / sssd in the guest
#     and ignores chrony (it would step the host's clock); packages are preinstalled (the member's apt-get guard
#     sees the commands and skips);
#   - a DC guest starts as its VM's first boot would (issue #16): its address, its default route, and only the
#     resolvers cloud-init gives it (its VmLegacy's initialization.dns), with `dig` hidden (bind9-dnsutils not
#     installed yet), so the step's package installation runs; `apt-get` is a shim (labs/lib/apt-get-shim.sh,
#     `lab_apt_shim resolve unhide`) that records /etc/resolv.conf and resolves the package mirror through it, as apt
#     would, then shows `dig` again;
#     the upstream resolvers (billu:network.dnsForwarders) are labs/dc/upstream-dns.py in an `up` namespace that
#     holds the zone's gateway address, answering for the mirror only;
#   - the member's /etc/resolv.conf is written by the lab from its VM's cloud-init DNS servers in resources.json
#     (cloud-init writes it on a VM); its `base` step (chrony, motd) is not run;
#   - the secrets Pulumi would send on stdin are made here: random passwords, and a throwaway CA (openssl,
#     ECDSA P-384 like SiteCa) issuing each DC's LDAPS certificate with the SANs of the synthesized CertRequest.
# Replication is never forced where users would wait for it: an account and group changes made on PAR-DC01, and the
# DNS records its domain step writes, reach PAR-DC02 by themselves within a bound (measured). The member runs a
# real sshd (openssh-server, started as its VM's is, reloaded by the ad-join step): AD users log on with their
# password and with a Kerberos ticket, the sudo group's member runs a command as root.
# Broken cases that must fail: a DC join with a wrong administrator password; LDAPS verified against another
# CA; an AD user outside the SSH group logging on to the member with the right password (sshd's log says PAM's
# account stage refused him); a Kerberos-only logon without a ticket; sudo for a user outside the sudo group (sudo
# says why); the services' records tampered with (a changed
# address, a stray second value, a changed MX), seen by the probes, then repaired by a re-run of the rendered
# domain step (the wrong-password join is a probe of every run). BILLU_LAB_SABOTAGE=1 changes the
# first record's address in the staged records.tsv after its hash check: the A/PTR probes must fail (exit 1).
# BDC_RESOLV_SABOTAGE=1 puts 127.0.0.1 first in PAR-DC01's staged bootstrap resolv.conf after its hash check (the
# regression of #16: the DC resolving through a Samba that does not exist yet): the resolver probes must fail (exit 1).
# The `site-ca` step (after the domain step) publishes the lab's CA in CN=Certification Authorities: probed on both DCs
# (cn = CA_NAME, cACertificate = the DER of the lab's CA file), replaced by a new CA of the same name, re-run clean;
# BDC_CA_SABOTAGE=skip does not run it: the PAR-DC01 probe must fail.
# Both switches are declared in labs/dc/sabotage.txt (npm run lab -- --sabotage dc runs each).
LAB=bdc
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/samba.sh
source "$LAB_ROOT/labs/lib/samba.sh"
lab_require samba samba-tool ldapsearch ldbsearch dig kinit klist adcli sssd sssctl unshare nsenter openssl visudo node rsync smbclient
START=$(date +%s%N)

# --- synth the lab stack -----------------------------------------------------------------------------------
OUT="$LAB_DIR/synth"
(cd "$LAB_ROOT" && node dist/tools/synth.js --stack labdc --config labs/dc/Pulumi.labdc.yaml --out "$OUT" >"$LAB_DIR/synth.log" 2>&1) ||
    { cat "$LAB_DIR/synth.log" >&2; lab_die "synth of labs/dc/Pulumi.labdc.yaml failed"; }
R="$OUT/rendered"
# The read-back's reference: out/labdc, written by the user's command for this stack (labs/lib/common.sh lab_expected).
GUEST_STACK=labdc
lab_expected labdc
# Facts come from the synth outputs, never from this script.
q() { node -e "const o=require('$OUT/outputs.json'), r=require('$OUT/resources.json').resources; $1"; }
DOMAIN=$(q 'console.log(o.site.domain)')
REALM=${DOMAIN^^}
addr() { q "console.log(o.hosts.find(h=>h.name==='$1').address)"; }
DC1=PAR-DC01; DC2=PAR-DC02; MEMBER=PAR-DHCP01
DC1_IP=$(addr $DC1); DC2_IP=$(addr $DC2); M_IP=$(addr $MEMBER)
DC1_FQDN=par-dc01.$DOMAIN; DC2_FQDN=par-dc02.$DOMAIN
DOMAIN_DN=$(printf 'DC=%s' "${DOMAIN//./,DC=}")
M_DNS=$(q "console.log(r.find(x=>x.type.endsWith('VmLegacy')&&x.inputs.name==='$MEMBER').inputs.initialization.dns.servers.join(' '))")
SSH_GROUP=$(q "console.log(o.sections['Domain members'].rows[0][1])")
SUDO_GROUP=$(q "console.log(o.sections['Domain members'].rows[0][2])")
lab_log "domain $DOMAIN: $DC1 $DC1_IP, $DC2 $DC2_IP, member $MEMBER $M_IP (DNS $M_DNS)"

# --- secrets (what Pulumi would send on stdin) -------------------------------------------------------------
ADMIN_PW="Lab-$(openssl rand -hex 10)-A1"
JOIN_PW="Join-$(openssl rand -hex 10)-B2"
USER_PW="User-$(openssl rand -hex 10)-C3"
PKI="$LAB_PKI"
# The site CA's name: what the site-ca step's object in AD must be named (its cn), checked against this, not the step.
CA_NAME="BillU lab throwaway root CA"
lab_ca ca "$CA_NAME"
# The same name, another key: the CA the model would make again (a new CA), whose certificate must replace the old.
lab_ca newca "$CA_NAME"
lab_ca otherca "Some other CA"
issue() { # <host>: the SANs of the CertRequest synth recorded for this DC's LDAPS certificate
    local l="${1,,}"
    lab_cert "$l" "$l.$DOMAIN" "$(q "const c=r.find(x=>x.type==='tls:index/certRequest:CertRequest'&&x.name.endsWith('$l-ldaps-csr')).inputs; console.log([...c.dnsNames.map(d=>'DNS:'+d),...c.ipAddresses.map(i=>'IP:'+i)].join(','))")"
}
issue $DC1; issue $DC2
S="$LAB_DIR/secrets"; mkdir -p "$S"
samba_dc_secrets "$S/dc1" "$ADMIN_PW" "${DC1,,}"; samba_dc_secrets "$S/dc2" "$ADMIN_PW" "${DC2,,}"; samba_dc_secrets "$S/dc2-wrong" "Wrong-$ADMIN_PW" "${DC2,,}"
: >"$S/admin"; secrets_add "$S/admin" admin-password "$ADMIN_PW"
: >"$S/domain"; secrets_add "$S/domain" admin-password "$ADMIN_PW"; secrets_add "$S/domain" join-password "$JOIN_PW"
: >"$S/join"; secrets_add "$S/join" join-password "$JOIN_PW"

# --- network: one switch for the servers zone -------------------------------------------------------------
lab_switch
plug() { lab_plug "$1" "$2/24"; } # <guest> <address>
run_step() { guest_step "$1" "$R/$2" "$3" "$4"; } # <guest> <host> <step> <secrets>: stage, run, time, read back
st() { local g="$1"; shift; guest_exec "$g" env PASSWD="$ADMIN_PW" samba-tool "$@" -U administrator; }

# --- upstream: the zone's gateway and the resolvers of billu:network.dnsForwarders -------------------------------
# What cloud-init gives a DC's VM (its VmLegacy inputs, from the model): DNS servers, search domain, gateway.
vm_in() { q "const i=r.find(x=>x.type.endsWith('VmLegacy')&&x.inputs.name==='$1').inputs.initialization; console.log($2)"; }
UP_DNS=$(vm_in $DC1 "i.dns.servers.join(' ')") # the first DC bootstraps through the upstream servers only
GW=$(vm_in $DC1 "i.ipConfigs[0].ipv4.gateway")
MIRRORS=$(sh "$LAB_ROOT/labs/lib/apt-get-shim.sh" lab-mirror-hosts)
lab_ns up; lab_plug up "$GW/24"
for a in $UP_DNS; do ip -n "$LAB-up" addr add "$a/32" dev lo; done
UP_LOG="$LAB_DIR/upstream-dns.log"
# shellcheck disable=SC2046 # one name=address argument per mirror: the split is the point
lab_bg "$LAB-up" "$LAB_DIR/upstream-dns.err" /usr/bin/python3 "$LAB_ROOT/labs/dc/upstream-dns.py" "$UP_LOG" "$(tr ' ' , <<<"$UP_DNS")" \
    $(for m in $MIRRORS; do printf '%s=192.0.2.80 ' "$m"; done)
lab_wait 10 "the upstream resolver listens" grep -qx ready "$UP_LOG" || lab_die "the upstream resolver did not start"
lab_log "upstream resolvers $UP_DNS (answering for $MIRRORS) behind the gateway $GW"

# dc_guest <guest> <hostname> <host>: a DC pseudo-guest as its VM's first boot leaves it (see the overrides above).
dc_guest() {
    guest_new "$1" "$2"; plug "$1" "$(addr "$3")"
    ip -n "$LAB-$1" route add default via "$GW"
    # shellcheck disable=SC2046 # one argument per resolver address
    guest_resolv "$1" "$(vm_in "$3" i.dns.domain)" $(vm_in "$3" "i.dns.servers.join(' ')")
    lab_apt_shim resolve unhide |
        guest_exec "$1" sh -c 'mkdir -p /usr/local/sbin /var/lib/lab-apt && cat >/usr/local/sbin/apt-get && chmod 0755 /usr/local/sbin/apt-get'
    guest_exec "$1" sh -c 'mount --bind /dev/null /usr/bin/dig && echo /usr/bin/dig >/var/lib/lab-apt/hidden'
}
nameservers() { sed -n 's/^nameserver //p' | tr '\n' ' ' | sed 's/ $//'; }
# The resolvers the step's `apt-get update` ran with: the first update's resolv.conf, as the shim recorded it.
# shellcheck disable=SC2016 # an awk program: its $2 is awk's, not the shell's
apt_resolvers() { guest_exec "$1" awk '/^== apt-get update/ { n++ } n == 1 && /^nameserver / { print $2 }' /var/log/lab-apt-resolv.log | tr '\n' ' ' | sed 's/ $//'; }
apt_used_model_resolvers() { test "$(apt_resolvers "$1")" = "$(vm_in "$2" "i.dns.servers.join(' ')")"; }
apt_resolved_mirror() { lab_has '^resolved ' guest_exec "$1" cat /var/log/lab-apt-resolv.log; }
# Once its DNS answers, a DC resolves through the other DCs, then itself (expected values from the synth outputs).
own_resolvers() { # <guest> <host>
    local want; want="$(q "console.log([...o.hosts.filter(h=>h.role==='dc'&&h.name!=='$2').map(h=>h.address),'127.0.0.1'].join(' '))")"
    test "$(guest_exec "$1" cat /etc/resolv.conf | nameservers)" = "$want"
}
asked_upstream() { grep -q "^$1 $2 1\$" "$UP_LOG"; } # <client address> <name>
resolves_outside() { guest_exec "$1" getent ahostsv4 "$2" >/dev/null; }
dc_resolver_probes() { # <guest> <host>
    local m; m=$(head -n 1 <<<"$MIRRORS")
    lab_expect "$2: the step's apt-get update ran with the resolvers cloud-init gives it ($(vm_in "$2" "i.dns.servers.join(' ')")), in that order" pass apt_used_model_resolvers "$1" "$2"
    lab_expect "$2: the package mirror resolved before Samba existed" pass apt_resolved_mirror "$1"
    lab_expect "$2: once its DNS answers, /etc/resolv.conf is the other DCs, then itself" pass own_resolvers "$1" "$2"
    lab_expect "$2: it resolves $m through itself now (Samba forwards upstream)" pass resolves_outside "$1" "$m"
}

# --- PAR-DC01 creates the forest -------------------------------------------------------------------------
dc_guest dc1 par-dc01 $DC1
t=$(date +%s%N)
if [ "${BDC_RESOLV_SABOTAGE:-}" = 1 ]; then # staged and hash-checked, then 127.0.0.1 put first in the bootstrap list
    guest_stage_step dc1 "$R/$DC1" dc
    guest_exec dc1 sed -i '0,/^nameserver/s//nameserver 127.0.0.1\nnameserver/' /var/lib/billu/stage/dc/files/etc/billu/dc/resolv.bootstrap.conf
    lab_log "SABOTAGE: PAR-DC01's staged bootstrap resolv.conf starts with 127.0.0.1"
    guest_run_step dc1 dc "$S/dc1" || lab_die "provisioning $DC1 failed"
    LAST_MS=$(lab_since "$t")
else
    run_step dc1 $DC1 dc "$S/dc1" || lab_die "provisioning $DC1 failed"
fi
lab_fig "PAR-DC01 dc step (bootstrap resolvers, packages, provision, start, LDAP and DNS ready)" "${LAST_MS} ms"
# Before any probe queries anything: the step's own lookup of the mirror went from the DC to the upstream resolver.
lab_expect "$DC1 asked the upstream resolver for $(head -n 1 <<<"$MIRRORS") during its step" pass asked_upstream "$DC1_IP" "$(head -n 1 <<<"$MIRRORS")"
dc_resolver_probes dc1 $DC1

# --- broken case: a DC join with a wrong administrator password must fail ----------------------------------
dc_guest bad par-dc02 $DC2
lab_expect "a join with a wrong administrator password fails" fail run_step bad $DC2 dc "$S/dc2-wrong"
lab_expect "the failed join left no directory behind" fail guest_exec bad test -f /var/lib/samba/private/sam.ldb
guest_destroy bad

# --- PAR-DC02 joins, then FSMO, then the domain step --------------------------------------------------------
dc_guest dc2 par-dc02 $DC2
run_step dc2 $DC2 dc "$S/dc2" || lab_die "joining $DC2 failed"
lab_fig "PAR-DC02 dc step (bootstrap resolvers, packages, join, start, KCC, replicate)" "${LAST_MS} ms"
dc_resolver_probes dc2 $DC2
for pair in dc1:$DC1 dc2:$DC2; do
    g=${pair%%:*}; h=${pair#*:}
    if [ -d "$R/$h/var/lib/billu/stage/fsmo" ]; then
        run_step "$g" "$h" fsmo "$S/admin" || lab_die "fsmo on $h failed"
        lab_fig "$h fsmo step" "${LAST_MS} ms"
    fi
done
if lab_sabotage; then # staged and hash-checked, then the first record's address changed: the A/PTR probes must fail
    guest_stage_step dc1 "$R/$DC1" domain
    guest_exec dc1 sed -i '1s/^\([^\t]*\)\t\([0-9.]*\)\.[0-9]*\t/\1\t\2.250\t/' /var/lib/billu/stage/domain/files/etc/billu/domain/records.tsv
    lab_log "SABOTAGE: the staged records.tsv gives $(head -1 "$R/$DC1/etc/billu/domain/records.tsv" | cut -f1) the address .250"
    guest_run_step dc1 domain "$S/domain" || lab_die "the domain step failed"
else
run_step dc1 $DC1 domain "$S/domain" || lab_die "the domain step failed"
fi
lab_fig "PAR-DC01 domain step (zones, records, subnets, groups, join account)" "${LAST_MS} ms"

# --- the site CA in AD (step site-ca): the Certification Authorities container Windows members trust ---------------
: >"$S/site-ca"; secrets_add "$S/site-ca" site-ca-cert "$(cat "$PKI/ca.pem")"
: >"$S/site-ca-new"; secrets_add "$S/site-ca-new" site-ca-cert "$(cat "$PKI/newca.pem")"
if [ "${BDC_CA_SABOTAGE:-}" = skip ]; then
    lab_log "SABOTAGE: the site-ca step is not run"
else
run_step dc1 $DC1 site-ca "$S/site-ca" || lab_die "the site-ca step failed"
lab_fig "PAR-DC01 site-ca step (the site CA in CN=Certification Authorities)" "${LAST_MS} ms"
fi

# --- the directory step: the HR plan and the acceptance account (billu:directory.acceptance) --------------------
# Its secrets are what Pulumi sends on stdin: every new account's RandomPassword, made here (offline synth only has
# placeholders); the acceptance account's is ACC_PW, which the acceptance run reads back from the outputs below.
ACC_SAM=$(q 'console.log(o.acceptanceAccount)')
ACC_PW="Acc-$(openssl rand -hex 10)-D4"
node -e 'const c=require("crypto"), a="BCDFGHJKLMNPQRSTVWXZbcdfghjkmnpqrstvwxz!#%+-=?@_";
    const pw=()=>Array.from(c.randomBytes(17),(b)=>a[b%a.length]).join("")+String(100+c.randomInt(900));
    for (const u of require(process.argv[1]).users) if (u.password)
        console.log(u.password+"\t"+Buffer.from(u.sam===process.argv[2]?process.argv[3]:pw()).toString("hex"))' \
    "$R/$DC1/var/lib/billu/directory/plan.json" "$ACC_SAM" "$ACC_PW" >"$S/directory"
run_step dc1 $DC1 directory "$S/directory" || lab_die "the directory step failed"
lab_fig "PAR-DC01 directory step (the HR plan and the acceptance account)" "${LAST_MS} ms"

# --- probes (functions: lab_expect runs them in this shell; output is captured before grep, for pipefail) -----
showrepl_good() { lab_has 'ALL GOOD' st "$1" drs showrepl --summary; }
# ca_published <guest> <ca file>: the DC's own sam.ldb holds CN=$CA_NAME in the Certification Authorities container,
# of class certificationAuthority, with exactly one cACertificate: the file's DER (LDIF lines unfolded first).
CA_CONTAINER="CN=Certification Authorities,CN=Public Key Services,CN=Services,CN=Configuration,$DOMAIN_DN"
ca_published() {
    local out der; der=$(openssl x509 -in "$2" -outform DER | base64 -w0)
    out=$(guest_exec "$1" ldbsearch -H /var/lib/samba/private/sam.ldb -b "$CA_CONTAINER" -s one objectClass cACertificate | sed -e ':a;N;$!ba;s/\n //g')
    grep -qxF "dn: CN=$CA_NAME,$CA_CONTAINER" <<<"$out" && [ "$(grep -c '^dn: ' <<<"$out")" = 1 ] &&
        grep -qx 'objectClass: certificationAuthority' <<<"$out" && [ "$(grep -c '^cACertificate::' <<<"$out")" = 1 ] &&
        grep -qxF "cACertificate:: $der" <<<"$out"
}
account_on() { lab_has "^dn: CN=$2," guest_exec "$1" ldbsearch -H /var/lib/samba/private/sam.ldb -b "$DOMAIN_DN" "(sAMAccountName=$2)" dn; }
a_is() { test "$(guest_exec m1 dig +short +time=2 +tries=2 @"$1" "$2" A)" = "$3"; }
ptr_is() { test "$(guest_exec m1 dig +short +time=2 +tries=2 @"$1" -x "$2")" = "$3"; }
ldaps_verifies() { # <fqdn> <ip> <ca file>
    lab_has 'Verify return code: 0 (ok)' guest_exec m1 openssl s_client -connect "$2:636" -servername "$1" -verify_hostname "$1" -CAfile "$3" -verify_return_error </dev/null
}
ldaps_bind() { lab_has '^dn: CN=lab.alice,' guest_exec m1 env LDAPTLS_CACERT="$PKI/ca.pem" LDAPTLS_REQCERT=demand ldapsearch -LLL -x -H "ldaps://$1" -D "lab.alice@$DOMAIN" -w "$USER_PW" -b "$DOMAIN_DN" '(sAMAccountName=lab.alice)' dn; }
in_group() { guest_exec m1 id -Gn "$1" | tr ' ' '\n' | grep -qx "$2"; }
kinit_as() { printf '%s\n' "$2" | guest_exec m1 kinit "$1@$REALM" >/dev/null 2>&1 && lab_has "krbtgt/$REALM@$REALM" guest_exec m1 klist; }
pam_ok() { # <user> <action>: sssctl drives the sshd PAM stack (auth reads the password on stdin)
    local out; out=$(printf '%s\n' "$USER_PW" | guest_exec m1 sssctl user-checks "$1" -s sshd -a "$2" 2>&1) || true
    printf '%s\n' "$out" >"$LAB_DIR/pam-$1-$2.txt"
    # sssctl prints "pam_authenticate for user [u]: Success" (after its "Password: " prompt) and "pam_acct_mgmt: Success".
    grep -Eq "pam_$3( for user \[$1\])?: Success" <<<"$out"
}

# --- replication ---------------------------------------------------------------------------------------------
lab_expect "drs showrepl on $DC1: all good" pass showrepl_good dc1
lab_expect "drs showrepl on $DC2: all good" pass showrepl_good dc2
# lab.alice may log on and sudo, lab.carol may log on only, lab.bob neither (the model's two groups).
for u in lab.alice lab.bob lab.carol; do
    guest_exec dc1 env BILLU_SECRET="$USER_PW" billu-samba-tool user create "$u" @BILLU_SECRET@ -H /var/lib/samba/private/sam.ldb >/dev/null
done
guest_exec dc1 samba-tool group addmembers "$SSH_GROUP" lab.alice,lab.carol -H /var/lib/samba/private/sam.ldb >/dev/null
guest_exec dc1 samba-tool group addmembers "$SUDO_GROUP" lab.alice -H /var/lib/samba/private/sam.ldb >/dev/null
# Replication by itself, nothing forced: DC1 notifies its partner of the change and DC2 pulls it (Samba's dreplsrv),
# within a bound; the time it took is the figure.
REPL_BOUND=60
in_ssh_group_on() { lab_has "^member: CN=lab.carol," guest_exec "$1" ldbsearch -H /var/lib/samba/private/sam.ldb -b "$DOMAIN_DN" "(sAMAccountName=$SSH_GROUP)" member; }
t=$(date +%s%N)
lab_wait "$REPL_BOUND" "lab.carol's SSH group membership, written last on $DC1, on $DC2" in_ssh_group_on dc2 || true
lab_fig "replication $DC1 -> $DC2 of three new accounts and two group changes, by itself (bound ${REPL_BOUND} s)" "$(lab_since "$t") ms"
lab_expect "lab.alice, created on $DC1, is read on $DC2 (replicated by itself, nothing forced)" pass account_on dc2 lab.alice
lab_expect "lab.carol's SSH group membership, made on $DC1, is read on $DC2" pass in_ssh_group_on dc2
lab_expect "an account created nowhere is not found on $DC2" fail account_on dc2 lab.nobody

# --- the site CA in AD's Certification Authorities container (step site-ca), on both DCs ---------------------------
# Expected: the object named after the lab's CA ($CA_NAME), its cACertificate the DER of the lab's CA file; on PAR-DC02
# by replication alone (configuration partition, nothing forced), within the bound.
lab_expect "$DC1 holds CN=$CA_NAME in CN=Certification Authorities, cACertificate = the site CA's DER" pass ca_published dc1 "$PKI/ca.pem"
t=$(date +%s%N)
lab_wait "$REPL_BOUND" "the site CA's object on $DC2" ca_published dc2 "$PKI/ca.pem" || true
lab_fig "replication $DC1 -> $DC2 of the site CA's object (bound ${REPL_BOUND} s)" "$(lab_since "$t") ms"
lab_expect "$DC2 holds the same object by replication, cACertificate = the site CA's DER" pass ca_published dc2 "$PKI/ca.pem"
lab_expect "the object does not hold another CA's certificate (the probe tells them apart)" fail ca_published dc1 "$PKI/otherca.pem"
# A new CA of the same name (the model's CA made again): the step replaces the certificate, one object still.
run_step dc1 $DC1 site-ca "$S/site-ca-new" || lab_die "the site-ca step with a new CA failed"
lab_expect "a new CA: the step says it replaced the certificate" pass grep -qF "billu[site-ca]: replaced the certificate of the site CA '$CA_NAME'" "$LAB_DIR/dc1-site-ca.log"
lab_expect "a new CA: $DC1's object holds the new CA's DER, alone" pass ca_published dc1 "$PKI/newca.pem"
lab_wait "$REPL_BOUND" "the new CA's certificate on $DC2" ca_published dc2 "$PKI/newca.pem" || true
lab_expect "a new CA: $DC2 holds the new CA's DER by replication" pass ca_published dc2 "$PKI/newca.pem"
run_step dc1 $DC1 site-ca "$S/site-ca" || lab_die "the site-ca step back to the site CA failed"
lab_expect "back to the site CA: $DC1's object holds its DER again" pass ca_published dc1 "$PKI/ca.pem"
lab_wait "$REPL_BOUND" "the site CA's certificate back on $DC2" ca_published dc2 "$PKI/ca.pem" || true

# --- FSMO roles where the config puts them --------------------------------------------------------------------
st dc1 drs replicate "$DC1_FQDN" "$DC2_FQDN" "CN=Configuration,$DOMAIN_DN" >/dev/null
st dc1 drs replicate "$DC1_FQDN" "$DC2_FQDN" "$DOMAIN_DN" >/dev/null
guest_exec dc1 samba-tool fsmo show -H /var/lib/samba/private/sam.ldb >"$LAB_DIR/fsmo-dc1.txt"
guest_exec dc2 samba-tool fsmo show -H /var/lib/samba/private/sam.ldb >"$LAB_DIR/fsmo-dc2.txt"
sed 's/^/    /' "$LAB_DIR/fsmo-dc2.txt"
declare -A SHOW=([schemaMaster]="SchemaMasterRole" [domainNamingMaster]="DomainNamingMasterRole ForestDnsZonesMasterRole" [pdcEmulator]="PdcEmulationMasterRole" [ridMaster]="RidAllocationMasterRole" [infrastructureMaster]="InfrastructureMasterRole DomainDnsZonesMasterRole")
while IFS=$'\t' read -r role holder; do
    for label in ${SHOW[$role]}; do
        for g in dc1 dc2; do
            lab_expect "fsmo show on $g: $label ($role) is held by $holder" pass grep -q "^$label owner: CN=NTDS Settings,CN=$holder," "$LAB_DIR/fsmo-$g.txt"
        done
    done
done < <(q "for (const [r,h] of o.sections['FSMO roles'].rows) console.log(r+'\t'+h)")

# --- re-running every rendered step on the healthy pair changes nothing ---------------------------------------
# The baseline is taken once both DCs hold each other's changes: replication runs by itself (proven above), so a
# change still on its way (the lab's users, the FSMO transfers) would otherwise land during the re-run and move a
# USN the steps did not touch. Pulled both ways, every partition, before the snapshot.
for nc in "$DOMAIN_DN" "CN=Configuration,$DOMAIN_DN" "DC=DomainDnsZones,$DOMAIN_DN"; do
    st dc2 drs replicate "$DC2_FQDN" "$DC1_FQDN" "$nc" >/dev/null
    st dc1 drs replicate "$DC1_FQDN" "$DC2_FQDN" "$nc" >/dev/null
done
# And once neither DC writes by itself any more (DC2 joined seconds ago: its DNS registration, replication bookkeeping).
for g in dc1 dc2; do samba_usn_settle "$g" 60 || lab_log "$g: highestCommittedUSN still moving after 60 s"; done
U1=$(samba_usn dc1); U2=$(samba_usn dc2)
t=$(date +%s%N)
lab_expect "re-run $DC1 dc: no change" pass guest_rerun_clean dc1 dc "$S/dc1"
lab_expect "re-run $DC2 dc: no change" pass guest_rerun_clean dc2 dc "$S/dc2"
[ -d "$R/$DC1/var/lib/billu/stage/fsmo" ] && lab_expect "re-run $DC1 fsmo: no change" pass guest_rerun_clean dc1 fsmo "$S/admin"
[ -d "$R/$DC2/var/lib/billu/stage/fsmo" ] && lab_expect "re-run $DC2 fsmo: no change" pass guest_rerun_clean dc2 fsmo "$S/admin"
lab_expect "re-run $DC1 domain: no change" pass guest_rerun_clean dc1 domain "$S/domain"
lab_expect "re-run $DC1 site-ca: no change" pass guest_rerun_clean dc1 site-ca "$S/site-ca"
lab_expect "re-run $DC1 directory: no change" pass guest_rerun_clean dc1 directory "$S/directory"
lab_fig "re-run of every DC step on the healthy pair" "$(lab_since "$t") ms"
lab_expect "the re-run wrote nothing to $DC1 (highestCommittedUSN stays $U1)" pass samba_usn_is dc1 "$U1"
lab_expect "the re-run wrote nothing to $DC2 (highestCommittedUSN stays $U2)" pass samba_usn_is dc2 "$U2"

# --- SYSVOL replication (billu:domain.sysvolSyncMinutes): the PDC emulator serves, the other DC pulls --------------
# Who serves and who pulls come from the synth outputs (the FSMO roles section), never from the rendered files. The
# PDC emulator's `sysvol-source` step starts its rsync daemon (the lab's systemctl shim runs the unit's own ExecStart);
# the other DC's `sysvol-pull` step installs the tool, its service and timer (no systemd here: the timer is not
# started), and the lab runs the installed service's ExecStart itself, as the timer would (never waiting for it).
PDC=$(q "console.log(o.sections['FSMO roles'].rows.find(r=>r[0]==='pdcEmulator')[1])")
if [ "$PDC" = "$DC2" ]; then SV_G=dc2 PULL=$DC1 PULL_G=dc1 PULL_IP=$DC1_IP; else SV_G=dc1 PULL=$DC2 PULL_G=dc2 PULL_IP=$DC2_IP; fi
PDC_IP=$(addr "$PDC"); PDC_FQDN="${PDC,,}.$DOMAIN"
SV_PW="Sysvol-$(openssl rand -hex 16)"
: >"$S/sysvol"; secrets_add "$S/sysvol" sysvol-password "$SV_PW"
: >"$S/sysvol-wrong"; secrets_add "$S/sysvol-wrong" sysvol-password "wrong-$SV_PW"
lab_log "SYSVOL: $PDC ($PDC_IP, the PDC emulator) serves, $PULL ($PULL_IP) pulls"
# Every GPO of the directory (each DC's own sam.ldb) has its folder in that DC's SYSVOL.
gpo_folders_complete() { # <guest>
    local cn n=0
    for cn in $(guest_exec "$1" ldbsearch -H /var/lib/samba/private/sam.ldb -b "CN=Policies,CN=System,$DOMAIN_DN" -s one '(objectClass=groupPolicyContainer)' cn | sed -n 's/^cn: //p'); do
        n=$((n + 1)); guest_exec "$1" test -f "/var/lib/samba/sysvol/$DOMAIN/Policies/$cn/GPT.INI" || { echo "no folder for $cn"; return 1; }
    done
    [ "$n" -ge 2 ] || { echo "only $n GPOs in the directory"; return 1; }
}
# A DC that joined has no SYSVOL of its own: the PDC emulator here joined, so the folders of provision's GPOs are only
# on the first DC until the sysvol-source step creates them (else the pull would delete them from the first DC).
[ "$PDC" = "$DC1" ] || lab_expect "before its sysvol-source step, $PDC (joined) lacks folders of the directory's GPOs" fail gpo_folders_complete "$SV_G"
run_step "$SV_G" "$PDC" sysvol-source "$S/sysvol" || lab_die "the sysvol-source step on $PDC failed"
lab_expect "after it, every GPO of the directory has its folder in $PDC's SYSVOL" pass gpo_folders_complete "$SV_G"
lab_fig "$PDC sysvol-source step (rsync daemon)" "${LAST_MS} ms"
if [ "${BDC_SYSVOL_SABOTAGE:-}" = noreset ]; then # staged and hash-checked, then the tool's sysvolreset made a no-op
    guest_stage_step "$PULL_G" "$R/$PULL" sysvol-pull
    guest_exec "$PULL_G" sed -i 's/^if ! samba-tool ntacl sysvolreset /if ! true /' /var/lib/billu/stage/sysvol-pull/files/usr/local/sbin/billu-sysvol-sync
    lab_log "SABOTAGE: $PULL's staged billu-sysvol-sync runs no sysvolreset"
    guest_run_step "$PULL_G" sysvol-pull "$S/sysvol" || lab_die "the sysvol-pull step on $PULL failed"
else
    run_step "$PULL_G" "$PULL" sysvol-pull "$S/sysvol" || lab_die "the sysvol-pull step on $PULL failed"
fi
rsyncd_up() { guest_exec "$PULL_G" bash -c "exec 3<>/dev/tcp/$PDC_IP/873"; }
lab_wait 20 "$PDC's rsync daemon listens on $PDC_IP:873" rsyncd_up || true
SV_UNIT=/etc/systemd/system/billu-sysvol-sync.service
# sysvol_pull <log>: the installed unit's ExecStart, run in the puller as systemd would (its output is the journal's).
sysvol_pull() { guest_exec "$PULL_G" sh -c "$(guest_exec "$PULL_G" sed -n 's/^ExecStart=//p' "$SV_UNIT")" >"$1" 2>&1; }
SV_POL=/var/lib/samba/sysvol/$DOMAIN/Policies
GPO_NAME="BillU lab SYSVOL $(openssl rand -hex 3)"
st "$SV_G" gpo create "$GPO_NAME" -H "ldap://$PDC_FQDN" >"$LAB_DIR/sysvol-gpo-create.txt" 2>&1 || { cat "$LAB_DIR/sysvol-gpo-create.txt"; lab_die "samba-tool gpo create on $PDC failed"; }
GUID=$(grep -o '{[0-9A-Fa-f-]\{36\}}' "$LAB_DIR/sysvol-gpo-create.txt" | head -n 1)
lab_log "GPO \"$GPO_NAME\" created on $PDC as $GUID"
# As the gpo step does after each write on the PDC emulator (scripts/gpo/apply.py): the folder ACLs from the GPO's own.
guest_exec "$SV_G" samba-tool ntacl sysvolreset || lab_die "samba-tool ntacl sysvolreset on $PDC failed"
lab_expect "$GUID is in $PDC's SYSVOL (samba-tool gpo create wrote it)" pass guest_exec "$SV_G" test -f "$SV_POL/$GUID/GPT.INI"
lab_expect "before any pull, $GUID is not in $PULL's SYSVOL (Samba does not replicate SYSVOL)" fail guest_exec "$PULL_G" test -e "$SV_POL/$GUID"
# sysvolreset on the puller reads the GPO's nTSecurityDescriptor from its own directory: wait (bounded) for the
# GPO's object to replicate by itself first, as the timer's 5 minutes would.
gpo_object_on() { lab_has "^dn: CN=$GUID," guest_exec "$1" ldbsearch -H /var/lib/samba/private/sam.ldb -b "CN=Policies,CN=System,$DOMAIN_DN" "(cn=$GUID)" dn; }
t=$(date +%s%N)
lab_wait "$REPL_BOUND" "the GPO's object on $PULL" gpo_object_on "$PULL_G" || true
lab_fig "replication of a new GPO's object $PDC -> $PULL by itself (bound ${REPL_BOUND} s)" "$(lab_since "$t") ms"
t=$(date +%s%N)
lab_expect "the pull ($PULL's billu-sysvol-sync.service ExecStart) exits 0" pass sysvol_pull "$LAB_DIR/sysvol-pull-1.log"
lab_fig "SYSVOL pull with one new GPO (rsync + sysvolreset)" "$(lab_since "$t") ms"
sed 's/^/    pull: /' "$LAB_DIR/sysvol-pull-1.log"
lab_expect "the pull logged the new GPO's GPT.INI" pass grep -qxF "sysvol: updated $DOMAIN/Policies/$GUID/GPT.INI" "$LAB_DIR/sysvol-pull-1.log"
lab_expect "the pull's summary: pulled from $PDC, ACLs reset" pass grep -Eqx "sysvol: pulled from $PDC: [1-9][0-9]* updated, 0 deleted; ACLs reset from this DC's directory" "$LAB_DIR/sysvol-pull-1.log"
lab_expect "after the pull, every GPO of the directory has its folder in $PULL's SYSVOL (none deleted)" pass gpo_folders_complete "$PULL_G"
sha_of() { guest_exec "$1" sha256sum "$SV_POL/$GUID/GPT.INI" | cut -d' ' -f1; }
lab_expect "$GUID's GPT.INI on $PULL is byte-identical to $PDC's" pass test "$(sha_of "$PULL_G")" = "$(sha_of "$SV_G")"
ntacl_of() { guest_exec "$1" samba-tool ntacl get --as-sddl "$2"; }
for p in "$SV_POL/$GUID" "$SV_POL/$GUID/GPT.INI" "$SV_POL/$GUID/Machine"; do
    ntacl_of "$SV_G" "$p" >"$LAB_DIR/ntacl-pdc.txt" 2>&1; ntacl_of "$PULL_G" "$p" >"$LAB_DIR/ntacl-pull.txt" 2>&1
    lab_expect "the NT ACL of ${p#"$SV_POL/"} on $PULL is $PDC's (samba-tool ntacl get)" pass cmp -s "$LAB_DIR/ntacl-pdc.txt" "$LAB_DIR/ntacl-pull.txt"
done
sed 's/^/    NT ACL on the PDC: /' "$LAB_DIR/ntacl-pdc.txt"; sed 's/^/    NT ACL on the other DC: /' "$LAB_DIR/ntacl-pull.txt"
lab_expect "the NT ACL compared is a real one (it grants Authenticated Users)" pass grep -q 'AU)' "$LAB_DIR/ntacl-pdc.txt"
lab_expect "samba-tool gpo listall on $PULL lists \"$GPO_NAME\" as $GUID" pass lab_has "^GPO *: $GUID" st "$PULL_G" gpo listall -H "ldap://${PULL,,}.$DOMAIN"
smb_ls() { guest_exec "$SV_G" env PASSWD="$ADMIN_PW" smbclient "//$PULL_IP/sysvol" -U administrator -c "ls $DOMAIN\\Policies\\$GUID\\*"; }
lab_expect "smbclient //$PULL/sysvol lists $GUID's GPT.INI" pass lab_has 'GPT.INI' smb_ls
# The daemon's doors: a wrong password, an address outside hosts allow, a write.
rs_list() { guest_exec "$1" env RSYNC_PASSWORD="$2" rsync --contimeout=5 --timeout=10 "rsync://billu-sysvol@$PDC_IP/sysvol/$DOMAIN/"; }
lab_expect "rsync with the right password from $PULL lists SYSVOL (positive control)" pass rs_list "$PULL_G" "$SV_PW"
lab_expect "rsync with a wrong password from $PULL is refused" fail rs_list "$PULL_G" "wrong-$SV_PW"
# Another address of the servers zone, not a DC (the lab's gateway namespace on the same switch): hosts allow refuses it.
rs_list_from_gw() { ip netns exec "$LAB-up" env RSYNC_PASSWORD="$SV_PW" rsync --contimeout=5 --timeout=10 "rsync://billu-sysvol@$PDC_IP/sysvol/$DOMAIN/"; }
lab_expect "rsync from $GW (the zone's gateway), outside hosts allow, is refused with the right password" fail rs_list_from_gw
rs_push() { guest_exec "$PULL_G" env RSYNC_PASSWORD="$SV_PW" rsync --contimeout=5 --timeout=10 /etc/hostname "rsync://billu-sysvol@$PDC_IP/sysvol/lab-pushed"; }
lab_expect "a write into the module is refused (read only)" fail rs_push
lab_expect "nothing was written into $PDC's SYSVOL" fail guest_exec "$SV_G" test -e /var/lib/samba/sysvol/lab-pushed
# A GPO deleted on the PDC emulator disappears from the other DC at the next pull.
st "$SV_G" gpo del "$GUID" -H "ldap://$PDC_FQDN" >/dev/null 2>&1 || lab_die "samba-tool gpo del on $PDC failed"
lab_expect "$GUID is gone from $PDC's SYSVOL (gpo del)" fail guest_exec "$SV_G" test -e "$SV_POL/$GUID"
lab_expect "... and still in $PULL's until the next pull" pass guest_exec "$PULL_G" test -e "$SV_POL/$GUID"
# The deletion of the GPO's object reaches the other DC by itself (bounded) before its pull: a pull that runs first finds
# the GPO in its directory without a folder and sysvolreset fails (exit 3) until it has (docs: domain-controllers.md).
gpo_object_gone() { ! gpo_object_on "$@"; }
t=$(date +%s%N)
lab_wait "$REPL_BOUND" "the GPO's deletion on $PULL" gpo_object_gone "$PULL_G" || true
lab_fig "replication of a GPO's deletion $PDC -> $PULL by itself (bound ${REPL_BOUND} s)" "$(lab_since "$t") ms"
lab_expect "the next pull exits 0" pass sysvol_pull "$LAB_DIR/sysvol-pull-2.log"
sed 's/^/    pull: /' "$LAB_DIR/sysvol-pull-2.log"
lab_expect "the deleted GPO is gone from $PULL's SYSVOL (rsync --delete)" fail guest_exec "$PULL_G" test -e "$SV_POL/$GUID"
lab_expect "the pull logged the deletion of $GUID's folder" pass grep -qxF "sysvol: deleted $DOMAIN/Policies/$GUID/" "$LAB_DIR/sysvol-pull-2.log"
lab_expect "a third pull finds nothing to change" pass sysvol_pull "$LAB_DIR/sysvol-pull-3.log"
lab_expect "... and says so" pass grep -qxF "sysvol: pulled from $PDC: 0 updated, 0 deleted; ACLs reset from this DC's directory" "$LAB_DIR/sysvol-pull-3.log"
# pull_wrong: the same ExecStart with a password file holding a wrong password; its exit status is printed last.
pull_wrong() {
    local cmd; cmd=$(guest_exec "$PULL_G" sed -n 's/^ExecStart=//p' "$SV_UNIT")
    # shellcheck disable=SC2016 # $1 is the inner shell's argument
    guest_exec "$PULL_G" sh -c 'umask 077; echo "wrong-$1" >/run/lab-sysvol-wrong.pw' sh "$SV_PW"
    guest_exec "$PULL_G" sh -c "${cmd//\/etc\/billu\/sysvol\/rsync.password//run/lab-sysvol-wrong.pw}; echo \"exit \$?\"" >"$LAB_DIR/sysvol-pull-wrong.log" 2>&1
}
pull_wrong; sed 's/^/    wrong password: /' "$LAB_DIR/sysvol-pull-wrong.log"
lab_expect "a pull with a wrong password fails (exit 2), saying rsync's auth failed" pass grep -qx "exit 2" "$LAB_DIR/sysvol-pull-wrong.log"
lab_expect "... and says why: sysvol: pulling from $PDC failed: @ERROR: auth failed on module sysvol" pass grep -qxF "sysvol: pulling from $PDC failed: @ERROR: auth failed on module sysvol" "$LAB_DIR/sysvol-pull-wrong.log"
lab_expect "... and left $PULL's SYSVOL as it was (its default policies still there)" pass guest_exec "$PULL_G" test -f "$SV_POL/{31B2F340-016D-11D2-945F-00C04FB984F9}/GPT.INI"
lab_expect "re-run $PDC sysvol-source: no change" pass guest_rerun_clean "$SV_G" sysvol-source "$S/sysvol"
lab_expect "re-run $PULL sysvol-pull: no change" pass guest_rerun_clean "$PULL_G" sysvol-pull "$S/sysvol"

# --- the member: DNS, LDAPS, join, SSSD, Kerberos --------------------------------------------------------------
guest_new m1 par-dhcp01; plug m1 "$M_IP"
# shellcheck disable=SC2086 # M_DNS is a list of servers: one argument each
guest_resolv m1 "$DOMAIN" $M_DNS
# The model A and PTR records (never the records.tsv under test): name, address, reverse zone, PTR name, a or -.
MODEL_RECORDS=$(cd "$LAB_ROOT" && node dist/tools/lab-facts.js --stack labdc --config labs/dc/Pulumi.labdc.yaml | node -e '
    for (const r of JSON.parse(require("fs").readFileSync(0, "utf8")).domain.records)
        console.log([r.name, r.address, r.reverseZone, r.ptrName, r.a ? "a" : "-"].join("\t"))') || lab_die "lab-facts for labdc failed"
while IFS=$'\t' read -r name address rzone _ptr kind; do
    for dns in "$DC1_IP" "$DC2_IP"; do
        [ "$kind" != a ] || lab_expect "A $name.$DOMAIN = $address (asking $dns)" pass a_is "$dns" "$name.$DOMAIN" "$address"
        lab_expect "PTR $address ($rzone) = $name.$DOMAIN (asking $dns)" pass ptr_is "$dns" "$address" "$name.$DOMAIN."
    done
done <<<"$MODEL_RECORDS"
lab_expect "a name the model does not have does not resolve" fail a_is "$DC1_IP" "par-nothere01.$DOMAIN" "$DC1_IP"

# --- the records services ask for (billu:web, billu:mail), published by the rendered domain step ---------------
# Expected values come from the synth outputs (the web and mail docs, the hosts), not from the DC's own files.
WEB=$(q 'console.log(o.hosts.find(h=>h.role==="web").name)'); WEB_IP=$(addr "$WEB")
site_name() { q "console.log(o.sections['Web server $WEB: sites'].rows.find(x=>x[0]==='$1')[1])"; }
INTRANET=$(site_name intranet); PUBLIC=$(site_name public)
MAILDOM=$(q 'console.log(o.sections["Mail"].rows.find(x=>x[0]==="mail domain")[1])')
MX_VALUE=$(q 'console.log(o.sections["Mail DNS records"].rows.find(x=>x[2]==="MX")[3])')
mx_is() { test "$(guest_exec m1 dig +short +time=2 +tries=2 @"$1" "$2" MX)" = "$3"; }
aa_for() { lab_has 'flags:.* aa' guest_exec m1 dig +norecurse +time=2 +tries=1 @"$1" "$2" SOA; }
lab_log "services' records: $INTRANET and $PUBLIC -> $WEB $WEB_IP; MX $MAILDOM -> $MX_VALUE"
# DC2 serves what DC1's step wrote once the DNS partition has replicated by itself (bounded, measured).
t=$(date +%s%N)
lab_wait "$REPL_BOUND" "MX $MAILDOM on $DC2 (DomainDnsZones replicated)" mx_is "$DC2_IP" "$MAILDOM" "$MX_VALUE" || true
lab_fig "replication of DomainDnsZones $DC1 -> $DC2 by itself (bound ${REPL_BOUND} s)" "$(lab_since "$t") ms"
for dns in "$DC1_IP" "$DC2_IP"; do
    lab_expect "A $INTRANET = $WEB_IP, and only that (asking $dns)" pass a_is "$dns" "$INTRANET" "$WEB_IP"
    lab_expect "A $PUBLIC = $WEB_IP, and only that: inside clients reach the DMZ directly (asking $dns)" pass a_is "$dns" "$PUBLIC" "$WEB_IP"
    lab_expect "MX $MAILDOM = $MX_VALUE, and only that (asking $dns)" pass mx_is "$dns" "$MAILDOM" "$MX_VALUE"
    lab_expect "the DC is authoritative for $PUBLIC, its own zone (asking $dns)" pass aa_for "$dns" "$PUBLIC"
    lab_expect "the DC is not authoritative for ${PUBLIC#*.}: the rest of the public domain stays the public DNS's (asking $dns)" fail aa_for "$dns" "${PUBLIC#*.}"
done

# --- broken DNS is repaired: a host's changed address and PTR, a service's changed address, a stray second value
# and a changed MX, then the rendered step (which replaces each wrong value in place and says so) ---------------------
IFS=$'\t' read -r H_NAME H_ADDR H_RZONE H_PTR _ < <(awk -F'\t' '$5 == "a"' <<<"$MODEL_RECORDS" | head -n 1)
H_FQDN=$H_NAME.$DOMAIN
st dc1 dns update 127.0.0.1 "$DOMAIN" "$H_NAME" A "$H_ADDR" 10.20.10.252 >/dev/null
st dc1 dns update 127.0.0.1 "$H_RZONE" "$H_PTR" PTR "$H_FQDN" "par-wrong01.$DOMAIN" >/dev/null
st dc1 dns update 127.0.0.1 "$DOMAIN" "${INTRANET%".$DOMAIN"}" A "$WEB_IP" 10.20.10.250 >/dev/null
st dc1 dns add 127.0.0.1 "$PUBLIC" @ A 10.20.10.251 >/dev/null
MX_PREF=${MX_VALUE%% *}; MX_HOST=${MX_VALUE#* }; MX_HOST=${MX_HOST%.}
if [ "$MAILDOM" = "$DOMAIN" ]; then MX_NAME=@; else MX_NAME=${MAILDOM%".$DOMAIN"}; fi
st dc1 dns update 127.0.0.1 "$DOMAIN" "$MX_NAME" MX "$MX_HOST $MX_PREF" "$MX_HOST $((MX_PREF + 10))" >/dev/null
lab_expect "tampered: $H_FQDN answers 10.20.10.252 (the probe sees a wrong value)" pass a_is "$DC1_IP" "$H_FQDN" 10.20.10.252
lab_expect "tampered: PTR $H_ADDR answers par-wrong01.$DOMAIN (the probe sees a wrong value)" pass ptr_is "$DC1_IP" "$H_ADDR" "par-wrong01.$DOMAIN."
lab_expect "tampered: $INTRANET answers 10.20.10.250 (the probe sees a wrong value)" pass a_is "$DC1_IP" "$INTRANET" 10.20.10.250
lab_expect "tampered: $PUBLIC has a second value (the probe sees it)" fail a_is "$DC1_IP" "$PUBLIC" "$WEB_IP"
lab_expect "tampered: MX $MAILDOM has another preference (the probe sees it)" fail mx_is "$DC1_IP" "$MAILDOM" "$MX_VALUE"
run_step dc1 $DC1 domain "$S/domain" || lab_die "the domain step failed to repair the records"
lab_fig "PAR-DC01 domain step repairing 5 records" "${LAST_MS} ms"
# What the step said it changed: its log lines (billu-samba-dns's changes), nothing else about DNS.
dns_said() { sed -n -E 's/^billu\[domain\]: ((A|PTR|MX|created zone) .*)$/\1/p' "$LAB_DIR/dc1-domain.log"; }
DNS_SAID_WANT="A $H_NAME 10.20.10.252 -> $H_ADDR
PTR $H_ADDR par-wrong01.$DOMAIN -> $H_NAME
A $INTRANET $WEB_IP
A $INTRANET: removed 10.20.10.250
A $PUBLIC: removed 10.20.10.251
MX $MAILDOM $MX_VALUE
MX $MAILDOM: removed $((MX_PREF + 10)) $MX_HOST."
lab_expect "repaired: A $H_FQDN = $H_ADDR only (replaced, not duplicated)" pass a_is "$DC1_IP" "$H_FQDN" "$H_ADDR"
lab_expect "repaired: PTR $H_ADDR = $H_FQDN only (replaced, not duplicated)" pass ptr_is "$DC1_IP" "$H_ADDR" "$H_FQDN."
lab_expect "repaired: A $INTRANET = $WEB_IP only (updated, not duplicated)" pass a_is "$DC1_IP" "$INTRANET" "$WEB_IP"
lab_expect "repaired: A $PUBLIC = $WEB_IP only (the stray value removed)" pass a_is "$DC1_IP" "$PUBLIC" "$WEB_IP"
lab_expect "repaired: MX $MAILDOM = $MX_VALUE only" pass mx_is "$DC1_IP" "$MAILDOM" "$MX_VALUE"
lab_expect "the repairing step logged each of the 5 changes, in order, and no other DNS change" pass test "$(dns_said)" = "$DNS_SAID_WANT"
dns_said >"$LAB_DIR/dns-said.txt"; sed 's/^/    said: /' "$LAB_DIR/dns-said.txt"
lab_expect "re-run $DC1 domain after the repair: no change" pass guest_rerun_clean dc1 domain "$S/domain"
for pair in "$DC1_FQDN:$DC1_IP" "$DC2_FQDN:$DC2_IP"; do
    lab_expect "LDAPS on ${pair%%:*} presents a certificate the site CA verifies" pass ldaps_verifies "${pair%%:*}" "${pair#*:}" "$PKI/ca.pem"
    lab_expect "LDAPS on ${pair%%:*} is refused when checked against another CA" fail ldaps_verifies "${pair%%:*}" "${pair#*:}" "$PKI/otherca.pem"
done
lab_expect "an LDAPS simple bind as lab.alice on $DC2 (certificate verified)" pass ldaps_bind "$DC2_FQDN"

# sshd runs on the member as on its VM (Pulumi logs on through it); the ad-join step reloads it with its drop-in.
guest_exec m1 systemctl start ssh
run_step m1 $MEMBER ad-join "$S/join" || lab_die "the member's join failed"
lab_fig "PAR-DHCP01 ad-join step (adcli join, sssd start)" "${LAST_MS} ms"
lab_expect "the member's keytab holds its host principal" pass lab_has "host/par-dhcp01.$DOMAIN@$REALM" guest_exec m1 klist -k /etc/krb5.keytab
lab_wait 60 "SSSD on the member resolves lab.alice" guest_exec m1 getent passwd lab.alice || true
lab_expect "SSSD resolves the AD user lab.alice (getent passwd)" pass guest_exec m1 getent passwd lab.alice
lab_expect "lab.alice is in the SSH group (id)" pass in_group lab.alice "${SSH_GROUP,,}"
lab_expect "kinit lab.alice with the right password gets a ticket" pass kinit_as lab.alice "$USER_PW"
lab_expect "kinit lab.alice with a wrong password is refused" fail kinit_as lab.alice "wrong-$USER_PW"
lab_expect "SSSD authenticates lab.alice through sshd's PAM stack" pass pam_ok lab.alice auth authenticate
lab_expect "SSSD lets lab.alice (in $SSH_GROUP) log on" pass pam_ok lab.alice acct acct_mgmt
lab_expect "SSSD refuses lab.bob (not in $SSH_GROUP or $SUDO_GROUP)" fail pam_ok lab.bob acct acct_mgmt
lab_expect "the sudo rule for ${SUDO_GROUP,,} is installed and valid" pass guest_exec m1 visudo -cq -f /etc/sudoers.d/billu-ad
lab_expect "re-running the member's ad-join changes nothing" pass guest_rerun_clean m1 ad-join "$S/join"

# --- a real sshd on the member: AD users log on with their password or a Kerberos ticket; the groups decide ---------
M_FQDN="${MEMBER,,}.$DOMAIN"
SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 -o LogLevel=ERROR)
SSHD_LOG=/var/log/lab-sshd.log
# ssh_pw <user> <command...>: a logon with the password alone (sshpass answers sshd's prompt; stdin goes to the command).
ssh_pw() { guest_exec m1 env SSHPASS="$USER_PW" sshpass -e ssh "${SSH_OPTS[@]}" -o PreferredAuthentications=password -o PubkeyAuthentication=no "$1@$M_FQDN" "${@:2}"; }
# ssh_krb <user> <command...>: a logon with the ticket in the cache alone (no prompt can be answered).
ssh_krb() { guest_exec m1 ssh "${SSH_OPTS[@]}" -o BatchMode=yes -o PreferredAuthentications=gssapi-with-mic -o GSSAPIAuthentication=yes "$1@$M_FQDN" "${@:2}"; }
logs_on_as() { test "$("${@:2}" id -un 2>/dev/null)" = "$1"; }
# sudo_out <user>: what `sudo id -u` prints (stdout, then stderr) when <user> runs it over SSH, the password on stdin;
# kept in $LAB_DIR/sudo-<user>.txt and shown in the lab's log.
# ssh joins the remote command's words with spaces, so the empty prompt is quoted inside one remote command line.
sudo_out() { printf '%s\n' "$USER_PW" | ssh_pw "$1" "sudo -S -p '' id -u" >"$LAB_DIR/sudo-$1.txt" 2>&1 || true; }
sudo_as_root() { sudo_out "$1"; test "$(head -n 1 "$LAB_DIR/sudo-$1.txt")" = 0; }
sudo_refused() { sudo_out "$1"; grep -q "$1 is not in the sudoers file" "$LAB_DIR/sudo-$1.txt"; }
sshd_said() { lab_has "$1" guest_exec m1 cat "$SSHD_LOG"; }
lab_expect "lab.alice logs on with SSH and her password (sshd, PAM, SSSD)" pass logs_on_as lab.alice ssh_pw lab.alice
kinit_as lab.alice "$USER_PW" || true
lab_expect "lab.alice logs on with SSH and her Kerberos ticket, no password (GSSAPI, the member's keytab)" pass logs_on_as lab.alice ssh_krb lab.alice
lab_expect "sshd says the ticket logged her on" pass sshd_said "Accepted gssapi-with-mic for lab.alice"
guest_exec m1 kdestroy -q 2>/dev/null || true
lab_expect "without a ticket, the same Kerberos-only logon is refused" fail logs_on_as lab.alice ssh_krb lab.alice
lab_expect "lab.carol (in $SSH_GROUP only) logs on with her password" pass logs_on_as lab.carol ssh_pw lab.carol
lab_expect "lab.bob (in neither group) is refused, with the right password" fail logs_on_as lab.bob ssh_pw lab.bob
lab_expect "sshd says why: PAM's account stage (SSSD's access rule) refused lab.bob" pass sshd_said "Access denied for user lab.bob by PAM account configuration"
lab_expect "lab.alice (in $SUDO_GROUP) runs a command as root with sudo" pass sudo_as_root lab.alice
lab_expect "lab.carol (not in $SUDO_GROUP) is refused by sudo" fail sudo_as_root lab.carol
lab_expect "sudo says why: lab.carol is not in the sudoers file" pass sudo_refused lab.carol
for u in lab.alice lab.carol; do lab_log "sudo id -u as $u said:"; sed 's/^/    /' "$LAB_DIR/sudo-$u.txt"; done

# --- the acceptance scenarios (tools/acceptance.ts), run from the member as an admin runs them ---------------------
# They log on as the model's acceptance account (outputs' acceptanceAccount), created by the directory step above in
# its own OU and in the SSH group; its password is read from the outputs, as `pulumi stack output --json
# --show-secrets` gives it. Lab overrides: the outputs' acceptancePassword is ACC_PW (the lab made the secret the
# directory step got, offline synth has a placeholder), caCertPem is the lab's throwaway CA (the one that issued the
# DCs' LDAPS certificates), and the member keeps the host's own SSH key (--host-keys accept-new).
lab_outputs() { # <password> <file>: the password through the environment, not on a command line others can list
    LAB_ACC_PW="$1" node -e 'const fs=require("fs"); const o=JSON.parse(fs.readFileSync(process.argv[1],"utf8")); o.caCertPem=fs.readFileSync(process.argv[2],"utf8"); o.acceptancePassword=process.env.LAB_ACC_PW; fs.writeFileSync(process.argv[3], JSON.stringify(o), {mode: 0o600})' \
        "$LAB_ROOT/out/labdc/outputs.json" "$PKI/ca.pem" "$2"
}
lab_outputs "$ACC_PW" "$LAB_DIR/outputs.json"
lab_outputs "wrong-$ACC_PW" "$LAB_DIR/outputs-wrong.json"
acceptance() { # <outputs file> <report dir>: the dns and logon scenarios as the acceptance account; its report in <report dir>
    guest_exec m1 env -u BILLU_ACCEPTANCE_PASSWORD BILLU_PROJECT_ROOT="$LAB_ROOT" node "$LAB_ROOT/dist/tools/acceptance.js" --stack labdc \
        --config "$LAB_ROOT/labs/dc/Pulumi.labdc.yaml" --outputs "$1" --only dns,logon \
        --member "$MEMBER" --host-keys accept-new --report "$2" >"$2.log" 2>&1
}
acceptance_exit() { local rc=0; acceptance "$2" "$3" || rc=$?; test "$rc" = "$1"; } # <exit code> <outputs> <dir>
junit_failures() { grep -o '<testsuites [^>]*failures="[0-9]*"' "$1/acceptance.xml" | grep -o 'failures="[0-9]*"'; }
t=$(date +%s%N)
lab_expect "acceptance: the dns and logon scenarios pass as $ACC_SAM, the directory's acceptance account (exit 0)" pass acceptance "$LAB_DIR/outputs.json" "$LAB_DIR/acceptance"
lab_fig "acceptance run (dns, logon)" "$(lab_since "$t") ms"
sed 's/^/    /' "$LAB_DIR/acceptance.log" | tail -n 8
lab_expect "acceptance: its JUnit report counts no failure" pass test "$(junit_failures "$LAB_DIR/acceptance")" = 'failures="0"'
lab_expect "acceptance: it logged on to $MEMBER over SSH as $ACC_SAM (a member of $SSH_GROUP)" pass grep -q "SSH to $MEMBER as $ACC_SAM with the Kerberos ticket alone | $ACC_SAM | $ACC_SAM | ok" "$LAB_DIR/acceptance/acceptance.md"
lab_expect "acceptance: the report and log show no password" fail grep -rqF -- "$ACC_PW" "$LAB_DIR/acceptance" "$LAB_DIR/acceptance.log"
lab_expect "acceptance: with a wrong password in the outputs, the logon scenario fails (exit 1, not bad input)" pass acceptance_exit 1 "$LAB_DIR/outputs-wrong.json" "$LAB_DIR/acceptance-bad"
lab_expect "acceptance: and its report says Kerberos refused the ticket" pass grep -q "Kerberos: $ACC_SAM@$REALM gets a ticket from $DC1 | a ticket for krbtgt/$REALM@$REALM | kinit: " "$LAB_DIR/acceptance-bad/acceptance.md"

# --- figures ----------------------------------------------------------------------------------------------
lab_fig "PAR-DC01 memory (PSS of its processes)" "$(samba_pss_mib dc1) MiB"
lab_fig "PAR-DC02 memory (PSS of its processes)" "$(samba_pss_mib dc2) MiB"
lab_fig "PAR-DHCP01 memory (sssd, PSS)" "$(samba_pss_mib m1) MiB"
lab_fig "lab duration" "$(( $(lab_since "$START") / 1000 )) s"
lab_finish
