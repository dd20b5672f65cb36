#!/usr/bin/env bash
# labs/client: the client role (issue #23): PAR-CLI01, a Debian desktop joined to a real Samba AD DC through winbind
# by the rendered `client-join` step, in network namespaces with the dev model's addresses.
#
#   switch: bcli-dc1 (PAR-DC01, its servers-zone address) --- bcli-cl (PAR-CLI01, its department-zone address;
#           the two subnets routed on-link: the lab has no router, the flows are the firewall lab's)
#
# It synthesizes the dev stack and runs the guest steps as synth rendered them (each staged and installed file read
# back after its step): PAR-DC01 `dc`, `domain` (the join account), `directory` (dev's people, groups and OUs), `gpo`,
# `client-ou` (the join account may create computers in the client's OU); then PAR-CLI01 `client-join` (smb.conf,
# krb5.conf, nsswitch, PAM, `net ads join` with the join account's password on stdin, winbind started by the step's own
# `systemctl` through the lab's shim). Probes, every expected value from the model (synth outputs and their "Client
# workstations" and "Domain members" sections, directory.json, resources.json), never from a file under test:
#   - `wbinfo -t`: the machine account's trust secret checks out against the DC;
#   - `getent passwd <person>` (an enabled person of the plan) resolves, uid = the model's idmap low + the person's
#     RID (read from the DC), inside the model's range; home and shell the model's templates;
#   - `id -Gn <person>`: every group the plan puts the person in;
#   - `kinit` as the person then `smbclient -k` lists the DC's netlogon share with the ticket (Kerberos from the client);
#   - the computer account in the client's planned OU (the stack's "Client workstations" section: its department's
#     computers OU of directory.json); the join account refused a computer in another department's OU, allowed one in
#     the planned OU (created and deleted again); `samba-gpupdate --rsop` (Samba's Group Policy client, with the
#     machine account): the GPOs the model links to the OU's parents (the domain root, OU=Ordinateurs), in AD's
#     processing order (enforced links last).
#   - the step again: nothing reported.
#   - SSH and sudo (billu:domain.linuxLogin, the stack's "Domain members" row): a real sshd on PAR-CLI01 refuses the
#     person outside the SSH and sudo groups (PAM's account stage, with the right password) while their console logon
#     passes it; a member of the SSH group and one of the sudo group log on; only the latter gets root with sudo.
#   - the home share at logon (phases after the join): PAR-FS01 (its address of the model) runs its rendered `samba`
#     step; the person logs on to PAR-CLI01 through PAM (pamtester); pam_mount runs mount.cifs with the model's UNC
#     //<file server FQDN>/<home share>/<person>, mount point /home/<person> and sec=krb5,cruid=<uid>; mount.cifs
#     resolves the server and only the kernel refuses (no cifs module here: mount error 19); the person's logon
#     ticket writes, lists and removes a file in that UNC (smbclient --use-kerberos=required);
#   - the acceptance run from PAR-CLI01: tools/acceptance's shares scenario as the person (--account), the model's
#     department share written, another refused; a wrong password fails it (exit 1, NT_STATUS_LOGON_FAILURE).
#   - the logon scenario's level 4 from the client: the domain's first Linux member (the stack's "Domain members"
#     section: PAR-DHCP01 in dev) runs its rendered `ad-join` step (adcli, SSSD, sshd with GSSAPI); a person of the
#     SSH group logs on at PAR-CLI01 through PAM (pamtester) and, with that logon's own ticket (runuser, BatchMode,
#     gssapi-with-mic only: no password typed again), runs a command on the member over SSH; a person in neither the
#     SSH nor the sudo group logs on at the client, gets a ticket and a service ticket for the member, and is refused by
#     the member's PAM account stage; then tools/acceptance's logon scenario from PAR-CLI01 as the model's acceptance
#     account (exit 0), and again with the member's sshd stopped (exit 1, its report's SSH step: Connection refused).
#   - tools/acceptance's gpo scenario from PAR-CLI01 as the acceptance account, against the DC's rendered gpo step: every
#     GPO of the model in LDAP, the model's gPLinks, GPT.INI = versionNumber over SMB (exit 0, the model's step count).
# Lab overrides (nothing rendered is edited): guests are namespaces with overlays (labs/lib/samba.sh); `systemctl` is
# the shim; packages are preinstalled (the step's install guard skips); secrets Pulumi would send are made here
# (random passwords, a throwaway CA for the DC's LDAPS); the client's /home is a tmpfs of the guest.
# Sabotage (labs/client/sabotage.txt): BILLU_LAB_SABOTAGE=1 moves the installed smb.conf's domain idmap range after
# the step ran and restarts winbind: the uid probe fails. CLI_SABOTAGE=ou leaves out the DC's `client-ou` step (no
# delegation): the join is refused (LDAP error 50) and the join step's probe fails first. BCLI_SABOTAGE=home-server (the
# installed pam_mount.conf.xml names par-fs01x) fails at the mount.cifs probe; BCLI_SABOTAGE=home-path (<user>-x) at
# the home write probe. BCLI_SABOTAGE=ssh-open (sshd's PAM no longer includes billu-sshd-groups) fails at the SSH
# refusal probe. BCLI_SABOTAGE=member-open (the member's sssd.conf lets everyone in) fails at the probe "refused by the
# member over SSH with that ticket"; BCLI_SABOTAGE=logon-ssh-group (the acceptance account out of the SSH group on the
# DC) at the probe "the logon scenario passes"; BCLI_SABOTAGE=member-gssapi (the member's sshd drop-in turns GSSAPI
# off) at the probe "reaches the member over SSH with that logon's ticket alone"; BCLI_SABOTAGE=gpo-gptini (a GPO's
# GPT.INI one version ahead on the DC) at the probe "the gpo scenario passes".
LAB=bcli
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/samba.sh
source "$LAB_ROOT/labs/lib/samba.sh"
lab_require samba samba-tool ldbsearch winbindd wbinfo net kinit smbclient samba-gpupdate pam-auth-update openssl node unshare nsenter \
    smbd pamtester mount.cifs xmllint klist ss strace runuser sshd ssh sshpass sudo sssd adcli ldapsearch
[ -f /usr/share/pam-configs/winbind ] || lab_require libpam-winbind
START=$(date +%s%N)

# dev as committed (PAR-CLI01 and its flows are in Pulumi.dev.yaml): the lab's synth is also the read-back reference of
# every step it runs (GUEST_STACK).
OUT="$LAB_DIR/synth-dev"
(cd "$LAB_ROOT" && node dist/tools/synth.js --stack dev --out "$OUT" >"$OUT.log" 2>&1) || { cat "$OUT.log" >&2; lab_die "synth dev failed"; }
R="$OUT/rendered"
lab_reference client dev "$R"
GUEST_STACK=client
q() { node -e "const o=require('$OUT/outputs.json'), r=require('$OUT/resources.json').resources; $1"; }
DOMAIN=$(q 'console.log(o.site.domain)')
REALM="${DOMAIN^^}"
DC1=$(q 'console.log(o.hosts.find(h=>h.role==="dc").name)')
DC1_IP=$(q "console.log(o.hosts.find(h=>h.name==='$DC1').address)")
CLI=$(q 'const h=o.hosts.find(h=>h.role==="client"); console.log(h?h.name:"")')
[ -n "$CLI" ] || lab_die "the dev model has no host of role client"
CLI_IP=$(q "console.log(o.hosts.find(h=>h.name==='$CLI').address)")
eval "$(q "const z=(n)=>o.zones.find(x=>x.name===o.hosts.find(h=>h.name===n).zone); console.log('DC_CIDR='+z('$DC1').cidr+' CLI_CIDR='+z('$CLI').cidr)")"
CLI_DNS=$(q "console.log(r.find(x=>x.type.endsWith('VmLegacy')&&x.inputs.name==='$CLI').inputs.initialization.dns.servers.join(' '))")
# The client's plan as the stack documents it (outputs' "Client workstations" section): its idmap ranges and OU, not
# the installed smb.conf.
# shellcheck disable=SC2016 # a JavaScript program
eval "$(q 'const s=o.sections["Client workstations"], c=s.columns, row=s.rows.find(r=>r[c.indexOf("client")]==="'"$CLI"'"), at=(k)=>row[c.indexOf(k)];
    const [lo,hi]=at("idmap (domain)").split("-"); console.log(`IDMAP_LOW=${lo} IDMAP_HIGH=${hi}`); console.log(`WANT_OU="${at("computer OU")}"`)')"
[ -n "${WANT_OU:-}" ] || lab_die "the stack's outputs document no computer OU for $CLI"
# The planned OU is its department's computers OU in the directory plan (directory.json), and another department's
# computers OU is where the join account must be refused.
# shellcheck disable=SC2016 # a JavaScript program
eval "$(node -e 'const d = require(process.argv[1]), want = process.argv[2];
    if (!d.ous.includes(want)) { console.error(`${want} is not an OU of directory.json`); process.exit(1); }
    const parent = want.slice(want.indexOf(",") + 1), other = d.ous.find((x) => x !== want && x.slice(x.indexOf(",") + 1) === parent);
    console.log(`OTHER_OU="${other}"`)' "$OUT/directory.json" "$WANT_OU")" || lab_die "the client's OU is not the directory plan's"
# The person: the plan's first enabled person with a department group (directory.json), and the groups the plan gives them.
# shellcheck disable=SC2016 # a JavaScript program
eval "$(node -e 'const d = require(process.argv[1]); const p = d.people.find((x) => x.enabled && x.groups.length > 0);
    console.log(`PERSON=${p.sam}`); console.log(`PERSON_GROUPS="${p.groups.join(" ")}"`)' "$OUT/directory.json")"
# SSH and sudo (billu:domain.linuxLogin): the groups from the stack's "Domain members" section (the client's row); two
# other enabled people of the plan are put in them on the DC (an admin's act, lab setup), the person above in neither.
# shellcheck disable=SC2016 # a JavaScript program
eval "$(q 'const s=o.sections["Domain members"], c=s.columns, row=s.rows.find(r=>r[c.indexOf("host")]==="'"$CLI"'");
    if (!row) { console.error("no Domain members row for '"$CLI"'"); process.exit(1); }
    console.log(`SSH_GROUP=${row[c.indexOf("SSH group")]} SUDO_GROUP=${row[c.indexOf("sudo group")]}`)')" || lab_die "the stack's outputs do not list $CLI as a domain member"
# shellcheck disable=SC2016 # a JavaScript program
eval "$(node -e 'const d = require(process.argv[1]), bad = [process.argv[2], process.argv[3]].map((g) => g.toLowerCase());
    const free = (p) => p.enabled && !p.groups.some((g) => bad.includes(g.toLowerCase()));
    const [a, b, c] = d.people.filter(free);
    if (a.sam !== process.argv[4]) { console.error(`${process.argv[4]} is in an SSH or sudo group of the plan`); process.exit(1); }
    console.log(`P_SSH=${b.sam} P_SUDO=${c.sam}`)' "$OUT/directory.json" "$SSH_GROUP" "$SUDO_GROUP" "$PERSON")" || lab_die "no three people of the plan outside the SSH and sudo groups"
lab_log "$CLI $CLI_IP joins $REALM at $DC1 $DC1_IP; person $PERSON (groups $PERSON_GROUPS); idmap $IDMAP_LOW-$IDMAP_HIGH"
lab_log "SSH: $P_SSH put in $SSH_GROUP, $P_SUDO in $SUDO_GROUP, $PERSON in neither"

# --- secrets (what Pulumi would send on stdin) --------------------------------------------------------------------
ADMIN_PW="Lab-$(openssl rand -hex 10)-A1"
JOIN_PW="Join-$(openssl rand -hex 10)-B2"
USER_PW="User-$(openssl rand -hex 10)-C3"
lab_ca ca "BillU lab throwaway root CA"
c="r.find(x=>x.type==='tls:index/certRequest:CertRequest'&&x.inputs.dnsNames.includes('${DC1,,}.$DOMAIN')).inputs"
lab_cert dc1 "$(q "console.log($c.subject.commonName)")" "$(q "const c=$c; console.log([...c.dnsNames.map(d=>'DNS:'+d),...(c.ipAddresses||[]).map(i=>'IP:'+i)].join(','))")"
S="$LAB_DIR/secrets"; mkdir -p "$S"
samba_dc_secrets "$S/dc1" "$ADMIN_PW" dc1
: >"$S/domain"; secrets_add "$S/domain" admin-password "$ADMIN_PW"; secrets_add "$S/domain" join-password "$JOIN_PW"
: >"$S/join"; secrets_add "$S/join" join-password "$JOIN_PW"
: >"$S/none"

# --- network: one switch, the two subnets on-link -----------------------------------------------------------------
lab_switch
run_step() { guest_step "$1" "$R/$2" "$3" "$4"; }

guest_new dc1 "${DC1,,}"; lab_plug dc1 "$DC1_IP/${DC_CIDR#*/}"
ip -n "$LAB-dc1" route add "$CLI_CIDR" dev eth0
run_step dc1 "$DC1" dc "$S/dc1" || lab_die "provisioning $DC1 failed"
lab_fig "$DC1 dc step" "${LAST_MS} ms"
run_step dc1 "$DC1" domain "$S/domain" || lab_die "the domain step failed"
PLAN=/var/lib/billu/directory/plan.json
: >"$S/directory"
# The acceptance account's secret is ACC_PW, which the logon scenario's run reads back from the lab's copy of the outputs.
ACC_SAM=$(q 'console.log(o.acceptanceAccount)')
ACC_PW="Acc-$(openssl rand -hex 10)-D4"
node -e 'for (const u of require(process.argv[1]).users) if (u.password) console.log(u.password + "\t" + u.sam)' "$R/$DC1$PLAN" | while IFS=$'\t' read -r name sam; do
    if [ "$sam" = "$ACC_SAM" ]; then secrets_add "$S/directory" "$name" "$ACC_PW"; else secrets_add "$S/directory" "$name" "Init-$(openssl rand -hex 8)-C3"; fi
done
run_step dc1 "$DC1" directory "$S/directory" || lab_die "the directory step failed"
lab_fig "$DC1 directory step" "${LAST_MS} ms"
run_step dc1 "$DC1" gpo "$S/none" || lab_die "the gpo step failed"
if [ "${CLI_SABOTAGE:-}" = ou ]; then
    lab_log "SABOTAGE: the DC's client-ou step is left out (the join account gets no right in $WANT_OU)"
else
    run_step dc1 "$DC1" client-ou "$S/none" || lab_die "the client-ou step failed"
fi
SAM=/var/lib/samba/private/sam.ldb
guest_exec dc1 samba-tool user setpassword "$PERSON" --newpassword="$USER_PW" -H "$SAM" >/dev/null || lab_die "setting $PERSON's lab password failed"
guest_exec dc1 samba-tool user setexpiry "$PERSON" --noexpiry -H "$SAM" >/dev/null || true
for u in "$P_SSH" "$P_SUDO"; do
    guest_exec dc1 samba-tool user setpassword "$u" --newpassword="$USER_PW" -H "$SAM" >/dev/null || lab_die "setting $u's lab password failed"
    guest_exec dc1 samba-tool user setexpiry "$u" --noexpiry -H "$SAM" >/dev/null || true
done
guest_exec dc1 samba-tool group addmembers "$SSH_GROUP" "$P_SSH" -H "$SAM" >/dev/null || lab_die "adding $P_SSH to $SSH_GROUP failed"
guest_exec dc1 samba-tool group addmembers "$SUDO_GROUP" "$P_SUDO" -H "$SAM" >/dev/null || lab_die "adding $P_SUDO to $SUDO_GROUP failed"

# --- PAR-CLI01: the client-join step ----------------------------------------------------------------------------------
guest_new cl "${CLI,,}"; lab_plug cl "$CLI_IP/${CLI_CIDR#*/}"
ip -n "$LAB-cl" route add "$DC_CIDR" dev eth0
# shellcheck disable=SC2086 # CLI_DNS is a list of servers: one argument each
guest_resolv cl "$DOMAIN" $CLI_DNS
guest_exec cl mount -t tmpfs -o mode=0755 lab-home /home || lab_die "the guest's /home"
# sshd runs on the client as on its VM (management reaches every host over SSH); the client-join step reloads it.
guest_exec cl systemctl start ssh || lab_die "sshd on $CLI"
t=$(date +%s%N)
lab_expect "$CLI: the rendered client-join step runs (net ads join, winbind started)" pass run_step cl "$CLI" client-join "$S/join"
lab_fig "$CLI client-join step" "$(lab_since "$t") ms"
lab_expect "... the join account's password is in no output of the step" fail grep -rqF -- "$JOIN_PW" "$LAB_DIR/cl-client-join.log"
wb_ready() { guest_exec cl wbinfo -p >/dev/null 2>&1; }
lab_wait 30 "winbindd on $CLI answers" wb_ready || guest_exec cl sh -c 'tail -n 20 /var/log/samba/lab-winbindd.log' | sed 's/^/    winbindd: /'
if lab_sabotage; then
    guest_exec cl sed -i -E "s/^( *idmap config [A-Z0-9]+ : range = )[0-9]+-/\120000-/" /etc/samba/smb.conf
    guest_exec cl systemctl restart winbind
    guest_exec cl net cache flush >/dev/null 2>&1 || true
    lab_wait 30 "winbindd on $CLI answers" wb_ready || true
    lab_log "SABOTAGE: the installed smb.conf's domain idmap range moved to 20000- (winbind restarted)"
fi
lab_expect "wbinfo -t: $CLI's trust secret checks out against $DC1" pass lab_has "succeeded" guest_exec cl wbinfo -t

RID=$(guest_exec dc1 ldbsearch -H "$SAM" "(sAMAccountName=$PERSON)" objectSid | sed -n 's/^objectSid: S-.*-\([0-9]*\)$/\1/p')
[ -n "$RID" ] || lab_die "no objectSid for $PERSON on $DC1"
WANT_UID=$((IDMAP_LOW + RID))
guest_exec cl getent passwd "$PERSON" >"$LAB_DIR/getent.txt" 2>&1 || true
sed 's/^/    /' "$LAB_DIR/getent.txt"
pw_field() { cut -d: -f"$1" "$LAB_DIR/getent.txt" | head -1; }
lab_expect "getent passwd $PERSON resolves through winbind" pass grep -q "^$PERSON:" "$LAB_DIR/getent.txt"
lab_expect "... uid $WANT_UID (the model's idmap low $IDMAP_LOW + RID $RID), inside $IDMAP_LOW-$IDMAP_HIGH" pass test "$(pw_field 3)" = "$WANT_UID"
lab_expect "... home /home/$PERSON and shell /bin/bash (the model's templates)" pass test "$(pw_field 6):$(pw_field 7)" = "/home/$PERSON:/bin/bash"
guest_exec cl id -Gn "$PERSON" >"$LAB_DIR/id.txt" 2>&1 || true
sed 's/^/    /' "$LAB_DIR/id.txt"
for g in $PERSON_GROUPS; do
    lab_expect "id $PERSON lists the plan's group $g" pass grep -qiw -- "$g" "$LAB_DIR/id.txt"
done
klogon() { printf '%s\n' "$USER_PW" | guest_exec cl kinit "$PERSON@$REALM" >"$LAB_DIR/kinit.log" 2>&1; }
lab_expect "kinit $PERSON@$REALM on $CLI" pass klogon
smb_k() { guest_exec cl smbclient --use-kerberos=required "//${DC1,,}.$DOMAIN/netlogon" -c ls >"$LAB_DIR/smbk.log" 2>&1; }
lab_expect "smbclient -k as $PERSON lists //${DC1,,}.$DOMAIN/netlogon with the ticket" pass smb_k
sed 's/^/    /' "$LAB_DIR/smbk.log" | tail -3

# samba-gpupdate --rsop: the GPOs Samba's client finds for the machine account, against the model's links.
guest_exec cl samba-gpupdate --rsop -s /etc/samba/smb.conf >"$LAB_DIR/rsop.txt" 2>&1 || true
grep '^GPO: ' "$LAB_DIR/rsop.txt" | sed 's/^/    /' || true
COMPUTER_DN=$(guest_exec dc1 ldbsearch -H "$SAM" "(sAMAccountName=$CLI\$)" dn | sed -n 's/^dn: //p')
node -e 'const r = require(process.argv[1]).resources, dn = process.argv[2].toLowerCase();
    // The model: each GPO linked to the computer DN or one of its parents, in AD processing order (applied last wins):
    // links not enforced from the domain down to the nearest OU, then the enforced ones from the nearest OU up to the
    // domain (an enforced link of a parent wins over everything below it); in one container, the highest link order first.
    // https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-server-2008-R2-and-2008/cc785665(v=ws.10)
    const links = [];
    for (const g of r.filter((x) => x.type === "billu:gpo:Gpo")) for (const l of g.inputs.links) if (dn.endsWith(l.dn.toLowerCase())) links.push({ name: g.inputs.displayName, depth: l.dn.split(",").length, order: l.order ?? 0, enforced: l.enforced === true });
    links.sort((a, b) => Number(a.enforced) - Number(b.enforced) || (a.enforced ? b.depth - a.depth : a.depth - b.depth) || b.order - a.order);
    for (const l of links) console.log(l.name);' "$OUT/resources.json" "$COMPUTER_DN" >"$LAB_DIR/rsop-want.txt"
lab_log "the model's GPOs for $CLI: $(paste -sd, "$LAB_DIR/rsop-want.txt")"
grep -o '^GPO: .*' "$LAB_DIR/rsop.txt" | sed 's/^GPO: //' | grep -vx 'Local Policy' >"$LAB_DIR/rsop-got.txt" || true
rsop_has() { while read -r g; do grep -qxF -- "$g" "$LAB_DIR/rsop-got.txt" || return 1; done <"$LAB_DIR/rsop-want.txt"; }
lab_expect "samba-gpupdate --rsop lists every GPO the model links to $CLI's OU and its parents" pass rsop_has
# The order: the model's GPOs as --rsop lists them (Samba's own ones, Default Domain Policy, left out) against the model's.
rsop_order() { diff <(grep -xFf "$LAB_DIR/rsop-want.txt" "$LAB_DIR/rsop-got.txt") "$LAB_DIR/rsop-want.txt"; }
lab_expect "... in the model's order (parents first, enforced links last; in a container, the highest link order first)" pass rsop_order
rsop_order | sed 's/^/    /' || true

lab_expect "$CLI: the client-join step again reports nothing" pass guest_rerun_clean cl client-join "$S/join"

# --- SSH and sudo: billu:domain.linuxLogin, as on every Debian member; the console stays the staff's ------------------
# A real sshd on PAR-CLI01 (started before the step, reloaded by it): password logons (sshpass answers the prompt) to
# its own address; sudo over SSH with the password on stdin. Expected groups: the stack's "Domain members" row.
if lab_phase "SSH and sudo follow billu:domain.linuxLogin" BCLI_SABOTAGE=ssh-open; then
if [ "${BCLI_SABOTAGE:-}" = ssh-open ]; then
    guest_exec cl sed -i '/^@include billu-sshd-groups$/d' /etc/pam.d/sshd
    lab_log "SABOTAGE: /etc/pam.d/sshd no longer includes billu-sshd-groups"
fi
# pam_winbind's krb5_auth writes each password logon's ticket to /tmp/krb5cc_<uid>, and the guest's /tmp is this
# machine's: removed on any exit.
CCS=()
for u in "$PERSON" "$P_SSH" "$P_SUDO"; do CCS+=("/tmp/krb5cc_$(guest_exec cl id -u "$u")"); done
trap 'rm -f "/tmp/krb5cc_$WANT_UID" "${CCS[@]}"; guest_cleanup_all; lab_cleanup' EXIT
SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 -o LogLevel=ERROR)
ssh_pw() { guest_exec cl env SSHPASS="$USER_PW" sshpass -e ssh "${SSH_OPTS[@]}" -o PreferredAuthentications=password -o PubkeyAuthentication=no "$1@$CLI_IP" "${@:2}"; }
logs_on_as() { test "$(ssh_pw "$1" id -un 2>/dev/null)" = "$1"; }
sshd_said() { lab_has "$1" guest_exec cl cat /var/log/lab-sshd.log; }
# sudo over SSH: what `sudo id -u` prints (stdout, then stderr), the password on stdin; kept and shown.
sudo_out() { printf '%s\n' "$USER_PW" | ssh_pw "$1" "sudo -S -p '' id -u" >"$LAB_DIR/sudo-$1.txt" 2>&1 || true; }
sudo_as_root() { sudo_out "$1"; test "$(head -n 1 "$LAB_DIR/sudo-$1.txt")" = 0; }
lab_expect "$PERSON (in neither $SSH_GROUP nor $SUDO_GROUP) is refused over SSH, with the right password" fail logs_on_as "$PERSON"
lab_expect "... sshd says why: PAM's account stage refused $PERSON" pass sshd_said "Access denied for user $PERSON by PAM account configuration"
lab_expect "... while $PERSON's console logon passes the account stage (pamtester login acct_mgmt: the workstation is the staff's)" pass \
    guest_exec cl pamtester login "$PERSON" acct_mgmt
lab_expect "$P_SSH (in $SSH_GROUP) logs on over SSH with the password" pass logs_on_as "$P_SSH"
lab_expect "$P_SUDO (in $SUDO_GROUP) logs on over SSH with the password" pass logs_on_as "$P_SUDO"
lab_expect "$P_SUDO runs a command as root with sudo (sudo id -u: 0)" pass sudo_as_root "$P_SUDO"
lab_expect "$P_SSH (not in $SUDO_GROUP) is refused by sudo" fail sudo_as_root "$P_SSH"
lab_expect "... sudo says why: $P_SSH is not in the sudoers file" pass grep -q "$P_SSH is not in the sudoers file" "$LAB_DIR/sudo-$P_SSH.txt"
for u in "$P_SUDO" "$P_SSH"; do lab_log "sudo id -u as $u said:"; sed 's/^/    /' "$LAB_DIR/sudo-$u.txt"; done
lab_expect "sudo -l -U $P_SUDO: (ALL : ALL) ALL" pass lab_has "(ALL : ALL) ALL" guest_exec cl sudo -l -U "$P_SUDO"
lab_expect "sudo -l -U $PERSON: not allowed" pass lab_has "User $PERSON is not allowed to run sudo" guest_exec cl sudo -l -U "$PERSON"
rm -f "${CCS[@]}"
fi # SSH and sudo

if lab_phase "the computer account in its planned OU; the join account refused elsewhere" CLI_SABOTAGE=ou; then
# Where the join made it (docs/services/client.md): the planned OU, read on the DC (ldbsearch above), not where
# Samba's own default would put it.
lab_expect "the join made $CLI's computer account in its planned OU $WANT_OU" pass test "$COMPUTER_DN" = "CN=$CLI,$WANT_OU"
lab_log "the computer account: ${COMPUTER_DN:-none}"
# The join account's right is the planned OU's only: a computer in another department's OU is refused by the DC, the
# same command in the planned OU is allowed (and the probe computer deleted again).
as_join() { guest_exec dc1 env PASSWD="$JOIN_PW" samba-tool computer "$@" -H "ldap://${DC1,,}.$DOMAIN" -U "$JOIN_ACCOUNT"; }
JOIN_ACCOUNT=$(q 'const s=o.sections["Domain members"]; console.log(s.rows[0][s.columns.indexOf("join account")])')
as_join create BILLUPROBE1 --computerou="$OTHER_OU" >"$LAB_DIR/refused.log" 2>&1 || true
sed 's/^/    /' "$LAB_DIR/refused.log" | tail -2
lab_expect "the join account $JOIN_ACCOUNT may not create a computer in $OTHER_OU (the DC: insufficient access)" pass grep -q "LDAP error 50 LDAP_INSUFFICIENT_ACCESS_RIGHTS" "$LAB_DIR/refused.log"
lab_expect "... nor is one there" fail lab_has "BILLUPROBE1" guest_exec dc1 ldbsearch -H "$SAM" "(sAMAccountName=BILLUPROBE1\$)" dn
lab_expect "the join account may create a computer in $WANT_OU (the delegation's positive control)" pass as_join create BILLUPROBE2 --computerou="$WANT_OU"
lab_expect "... and delete it" pass as_join delete BILLUPROBE2
fi # the computer account in its planned OU

# --- the home share at logon (pam_mount): PAR-FS01 as synth rendered it, PAR-CLI01's logon through PAM ---------------
# This machine's kernel has no cifs module (no cifs in /proc/filesystems, `modprobe cifs`: not found; LAB-NOTES), so
# the home is not mounted for real: pam_mount itself reads the installed pam_mount.conf.xml at a real PAM logon of the
# person and runs mount.cifs with its expansion, mount.cifs parses the options, resolves the server through the DC's
# DNS and is refused by the kernel only (mount error 19, no such device); then the person's own ticket (the one
# pam_winbind's krb5_auth made at that logon, which cruid= points the kernel at) opens the very UNC pam_mount mounted
# with `smbclient --use-kerberos=required` against PAR-FS01 running its rendered samba step (smb.conf, the join) and
# shares step (billu-shares making the home folders). Expected values: the model (outputs.json, lab-facts), never pam_mount.conf.xml.
if lab_phase "the file server's home share (PAR-FS01, its samba and shares steps as rendered)" BCLI_SABOTAGE=home-server BCLI_SABOTAGE=home-path; then
FS=$(q 'console.log(o.hosts.find(h=>h.role==="fileserver").name)')
FS_IP=$(q "console.log(o.hosts.find(h=>h.name==='$FS').address)")
FS_CIDR=$(q "console.log(o.zones.find(x=>x.name===o.hosts.find(h=>h.name==='$FS').zone).cidr)")
FS_DNS=$(q "console.log(r.find(x=>x.type.endsWith('VmLegacy')&&x.inputs.name==='$FS').inputs.initialization.dns.servers.join(' '))")
(cd "$LAB_ROOT" && node dist/tools/lab-facts.js --stack dev) >"$LAB_DIR/facts.json" || lab_die "lab-facts failed"
HOME_SHARE=$(node -e 'const f = require(process.argv[1]).fileservers.find((x) => x.host === process.argv[2]); console.log(f.homes ? f.homes.name : "")' "$LAB_DIR/facts.json" "$FS")
[ -n "$HOME_SHARE" ] || lab_die "the model's $FS has no home share"
FS_FQDN="${FS,,}.$DOMAIN"
lab_log "$FS $FS_IP: home share $HOME_SHARE (the model's); $PERSON's home //$FS_FQDN/$HOME_SHARE/$PERSON"
t=$(date +%s%N)
guest_new fs "${FS,,}"; lab_plug fs "$FS_IP/${FS_CIDR#*/}"
ip -n "$LAB-fs" route add "$CLI_CIDR" dev eth0
[ "$FS_CIDR" = "$DC_CIDR" ] || ip -n "$LAB-fs" route add "$DC_CIDR" dev eth0
[ "$FS_CIDR" = "$DC_CIDR" ] || ip -n "$LAB-cl" route add "$FS_CIDR" dev eth0
# shellcheck disable=SC2086 # FS_DNS is a list of servers: one argument each
guest_resolv fs "$DOMAIN" $FS_DNS
# Lab overrides: the data volume (billu-raid1's mirror, labs/raid1) is a tmpfs of the guest at the model's mount point;
# /run/samba, which systemd-tmpfiles makes at boot (samba-common's tmpfiles.d), is made here (the guest's /run is new).
guest_exec fs sh -c 'mkdir -p /run/samba && mount -t tmpfs -o mode=0755 lab-srv /srv && mkdir -p /srv/shares && mount -t tmpfs -o mode=0755 lab-shares /srv/shares' ||
    lab_die "the file server's data volume"
: >"$S/fs"; secrets_add "$S/fs" domain-join "$JOIN_PW"
lab_expect "$FS: the rendered samba step runs (smb.conf, the join, winbind and smbd)" pass run_step fs "$FS" samba "$S/fs"
# The shares step, as a first `pulumi up` orders it: after the samba step and the directory step (run above).
lab_expect "$FS: the rendered shares step runs (billu-shares: the folders and ACLs, the home folders)" pass run_step fs "$FS" shares "$S/none"
smbd_up() { guest_exec fs sh -c 'ss -Hltn "sport = :445" | grep -q .'; }
lab_wait 30 "smbd on $FS listens on 445" smbd_up || sed 's/^/    smbd: /' "$LAB_DIR/guest-fs/var/u/log/samba/lab-smbd.log" 2>/dev/null | tail -n 20
lab_fig "$FS samba step and smbd up" "$(lab_since "$t") ms"
fi # the file server's home share

if lab_phase "the home share at logon (pam_mount)" BCLI_SABOTAGE=home-server BCLI_SABOTAGE=home-path; then
case "${BCLI_SABOTAGE:-}" in
home-server) guest_exec cl sed -i "s/server=\"${FS,,}\./server=\"${FS,,}x./" /etc/security/pam_mount.conf.xml
    lab_log "SABOTAGE: the installed pam_mount.conf.xml names the server ${FS,,}x.$DOMAIN" ;;
home-path) guest_exec cl sed -i 's#path="\([^"]*\)/%(USER)"#path="\1/%(USER)-x"#' /etc/security/pam_mount.conf.xml
    lab_log "SABOTAGE: the installed pam_mount.conf.xml mounts <home share>/<user>-x" ;;
esac
lab_expect "the client-join step enabled pam_mount in PAM's session stack (pam-auth-update)" pass guest_exec cl grep -q '^session.*pam_mount\.so' /etc/pam.d/common-session
# A logon as the person through the installed PAM stacks (auth: pam_winbind's password check and ticket; session:
# common-session as pam-auth-update wrote it, pam_mount first). Lab override: the service file naming them. strace
# records the commands run (pam_mount prints its mount command only with <debug enable="1"/>, which the lab does not
# set in the rendered file): mount.cifs's own arguments are what pam_mount made of the installed file.
# pam_winbind writes the ticket to /tmp/krb5cc_<uid>, and the guest's /tmp is this machine's: removed on any exit.
trap 'rm -f "/tmp/krb5cc_$WANT_UID"; guest_cleanup_all; lab_cleanup' EXIT
guest_exec cl sh -c 'printf "@include common-auth\n@include common-account\n@include common-session\n" >/etc/pam.d/billu-lab-logon'
home_logon() {
    printf '%s\n' "$USER_PW" | guest_exec cl env -u KRB5CCNAME strace -f -qq -s 1024 -e trace=execve -o "$LAB_DIR/logon.strace" \
        pamtester -v billu-lab-logon "$PERSON" authenticate open_session close_session >"$LAB_DIR/logon.log" 2>&1
}
t=$(date +%s%N)
lab_expect "$PERSON logs on to $CLI through PAM (pamtester: authenticate, open_session, close_session)" pass home_logon
lab_fig "$PERSON's logon with pam_mount" "$(lab_since "$t") ms"
grep -oE "mount error.*|could not.*" "$LAB_DIR/logon.log" | sed 's/^/    /' | sort -u
CC="FILE:/tmp/krb5cc_$WANT_UID"
lab_expect "... pam_winbind left $PERSON's ticket in $CC (the cache cruid=$WANT_UID points the kernel at)" pass lab_has "krbtgt/$REALM@$REALM" guest_exec cl env KRB5CCNAME="$CC" klist
lab_expect "... mount.cifs resolved the server and only the kernel refused (mount error(19): this kernel has no cifs)" pass grep -q 'mount error(19)' "$LAB_DIR/logon.log"
lab_expect "... pam_mount ran no mount that failed before the kernel (no resolve error)" fail grep -q 'could not resolve address' "$LAB_DIR/logon.log"
# The UNC, mount point and options pam_mount gave mount.cifs: its argv, as strace recorded the execve.
CMD=$(grep -m1 'execve("[^"]*/mount\.cifs", ' "$LAB_DIR/logon.strace" || true)
UNC=$(sed -n 's/.*execve("[^"]*", \["[^"]*", "\([^"]*\)", .*/\1/p' <<<"$CMD")
MNT=$(sed -n 's/.*execve("[^"]*", \["[^"]*", "[^"]*", "\([^"]*\)", .*/\1/p' <<<"$CMD")
OPTS=$(sed -n 's/.*, "-o", "\([^"]*\)".*/\1/p' <<<"$CMD")
lab_log "mount.cifs $UNC $MNT -o $OPTS"
lab_expect "... $PERSON's password is in no command line of the logon (pam_mount hands it to no argument)" fail grep -qF -- "$USER_PW" "$LAB_DIR/logon.strace"
home_rw() { # the person (runuser: their uid, as cruid= makes the kernel act) writes, lists and removes a file in the
    # folder pam_mount mounted, with the logon's ticket
    local srv share dir
    srv=${UNC#//}; share=${srv#*/}; srv=${srv%%/*}; dir=${share#*/}; share=${share%%/*}
    # shellcheck disable=SC2016 # a program for the guest's sh: its $1 is its argument
    guest_exec cl sh -c 'printf "home of %s\n" "$1" >/run/lab-home-probe.txt && chmod 0644 /run/lab-home-probe.txt' sh "$PERSON"
    guest_exec cl runuser -u "$PERSON" -- env KRB5CCNAME="$CC" smbclient --use-kerberos=required "//$srv/$share" -D "$dir" \
        -c "put /run/lab-home-probe.txt billu-lab-home.txt; ls billu-lab-home.txt; rm billu-lab-home.txt" >"$LAB_DIR/home-rw.log" 2>&1 &&
        grep -q 'billu-lab-home.txt' "$LAB_DIR/home-rw.log"
}
lab_expect "... $PERSON writes in the folder pam_mount mounted ($UNC) with that ticket, against $FS's rendered smb.conf" pass home_rw
sed 's/^/    /' "$LAB_DIR/home-rw.log" | tail -n 3
lab_expect "... the mount is the model's: //$FS_FQDN/$HOME_SHARE/$PERSON on /home/$PERSON" pass test "$UNC $MNT" = "//$FS_FQDN/$HOME_SHARE/$PERSON /home/$PERSON"
lab_expect "... with $PERSON's own Kerberos ticket (sec=krb5, cruid=$WANT_UID, the model's idmap low + RID)" pass \
    grep -qE "(^|,)sec=krb5,cruid=$WANT_UID(,|$)" <<<"$OPTS"
rm -f "/tmp/krb5cc_$WANT_UID"
fi # the home share at logon
# --- the acceptance run from the client: the shares scenario as the plan's person, from PAR-CLI01 ---------------------
# tools/acceptance (npm run acceptance) inside PAR-CLI01's namespace (its address, its resolver: the DC), as the person
# (--account, the lab's password through BILLU_ACCEPTANCE_PASSWORD, never a command line): the person writes, lists
# and removes a test file on their department's share of PAR-FS01 and is refused on another department's. Expected
# shares from the model (lab-facts' share plan and directory.json's groups), not from the scenario.
if lab_phase "the acceptance run from the client (shares, as the person)"; then
OWN=$(node -e 'const f = require(process.argv[1]).fileservers.find((x) => x.host === process.argv[2]), p = require(process.argv[3]).people.find((x) => x.sam === process.argv[4]);
    const s = f.shares.find((s) => s.kind === "department" && s.groups.some((g) => p.groups.includes(g))); console.log(s ? s.name : "")' "$LAB_DIR/facts.json" "$FS" "$OUT/directory.json" "$PERSON")
[ -n "$OWN" ] || lab_die "the model gives $PERSON no department share"
acceptance_cl() { # <password> <report dir>
    # shellcheck disable=SC2016 # a program for the guest's sh: its $1.. are its arguments
    BILLU_ACCEPTANCE_PASSWORD="$1" guest_exec cl sh -c 'cd "$1" && exec node dist/tools/acceptance.js --stack dev --outputs "$2" --only shares --account "$3" --report "$4"' \
        sh "$LAB_ROOT" "$OUT/outputs.json" "$PERSON" "$2" >"$2.log" 2>&1
}
t=$(date +%s%N)
lab_expect "acceptance from $CLI: the shares scenario passes as $PERSON (exit 0)" pass acceptance_cl "$USER_PW" "$LAB_DIR/acceptance"
lab_fig "acceptance run from $CLI (shares)" "$(lab_since "$t") ms"
sed 's/^/    /' "$LAB_DIR/acceptance.log" | tail -n 6
lab_expect "... $PERSON wrote, listed and removed its test file on $OWN, the model's share of $PERSON's department (its report)" pass \
    grep -q "SMB: $PERSON writes, lists and removes a test file on .*\\\\$OWN | written, listed and removed | written, listed and removed | ok" "$LAB_DIR/acceptance/acceptance.md"
acc_bad() { # a wrong password: the scenario fails (exit 1, not bad input) and its report names the server's refusal
    local rc=0
    acceptance_cl "wrong-$USER_PW" "$LAB_DIR/acceptance-bad" || rc=$?
    [ "$rc" = 1 ] && grep -q NT_STATUS_LOGON_FAILURE "$LAB_DIR/acceptance-bad/acceptance.md"
}
lab_expect "... with a wrong password it fails (exit 1) and its report says the server refused the logon" pass acc_bad
fi # the acceptance run from the client
# --- the logon scenario's level 4 from the client: the domain's first Linux member as synth rendered it ------------
# The member the logon scenario logs on to by default (the first row of the stack's "Domain members" section, PAR-DHCP01
# in dev) runs its rendered `ad-join` step: adcli joins it with the join account's password on stdin, SSSD with the
# access rule of billu:domain.linuxLogin, sshd's GSSAPI drop-in (sshd started first, as on its VM; the step reloads it).
# Expected values come from the stack's outputs and directory.json, never from the member's sssd.conf or sshd drop-in.
if lab_phase "the domain's first Linux member (its rendered ad-join step: SSSD, sshd with GSSAPI)" BCLI_SABOTAGE=member-open BCLI_SABOTAGE=member-gssapi BCLI_SABOTAGE=logon-ssh-group; then
MEMBER=$(q 'const s=o.sections["Domain members"]; console.log(s.rows[0][s.columns.indexOf("host")])')
[ "$MEMBER" != "$CLI" ] || lab_die "the stack's first domain member is the client $CLI, not a server"
M_IP=$(q "console.log(o.hosts.find(h=>h.name==='$MEMBER').address)")
M_CIDR=$(q "console.log(o.zones.find(x=>x.name===o.hosts.find(h=>h.name==='$MEMBER').zone).cidr)")
M_DNS=$(q "console.log(r.find(x=>x.type.endsWith('VmLegacy')&&x.inputs.name==='$MEMBER').inputs.initialization.dns.servers.join(' '))")
M_FQDN="${MEMBER,,}.$DOMAIN"
lab_log "$MEMBER $M_IP ($M_FQDN): the logon scenario's member; SSH allowed to $SSH_GROUP and $SUDO_GROUP"
t=$(date +%s%N)
guest_new m1 "${MEMBER,,}"; lab_plug m1 "$M_IP/${M_CIDR#*/}"
# The subnets on-link, as above (the lab has no router).
for c in "$DC_CIDR" "$CLI_CIDR"; do [ "$c" = "$M_CIDR" ] || ip -n "$LAB-m1" route replace "$c" dev eth0; done
[ "$DC_CIDR" = "$M_CIDR" ] || ip -n "$LAB-dc1" route replace "$M_CIDR" dev eth0
[ "$CLI_CIDR" = "$M_CIDR" ] || ip -n "$LAB-cl" route replace "$M_CIDR" dev eth0
# shellcheck disable=SC2086 # M_DNS is a list of servers: one argument each
guest_resolv m1 "$DOMAIN" $M_DNS
guest_exec m1 systemctl start ssh || lab_die "sshd on $MEMBER"
lab_expect "$MEMBER: the rendered ad-join step runs (adcli join, SSSD started, sshd reloaded)" pass run_step m1 "$MEMBER" ad-join "$S/join"
lab_expect "... the join account's password is in no output of the step" fail grep -rqF -- "$JOIN_PW" "$LAB_DIR/m1-ad-join.log"
lab_expect "$MEMBER's keytab holds its host principal host/$M_FQDN@$REALM (what GSSAPI logons need)" pass lab_has "host/$M_FQDN@$REALM" guest_exec m1 klist -k /etc/krb5.keytab
sss_knows() { guest_exec m1 getent passwd "$1" >/dev/null 2>&1; }
lab_wait 60 "SSSD on $MEMBER resolves $P_SSH" sss_knows "$P_SSH" || true
lab_fig "$MEMBER ad-join step and SSSD up" "$(lab_since "$t") ms"
fi # the domain's first Linux member

# A person of the plan logs on AT PAR-CLI01 through the installed PAM stacks (pamtester, as for the home share: auth is
# pam_winbind's password check, which leaves the logon's ticket in /tmp/krb5cc_<uid>), then, as that person (runuser:
# no authentication) with that cache alone, runs ssh to the member: BatchMode (no prompt can be answered) and
# gssapi-with-mic the only method, so no password is typed again. The one in the SSH group gets in; the one in neither
# group (the console is the staff's, so the client lets them log on) is refused by the member's PAM account stage.
if lab_phase "level 4: a person logs on at the client and reaches the member over SSH with that logon's ticket" BCLI_SABOTAGE=member-open BCLI_SABOTAGE=member-gssapi; then
if [ "${BCLI_SABOTAGE:-}" = member-open ]; then
    guest_exec m1 sed -i 's/^access_provider = simple$/access_provider = permit/' /etc/sssd/sssd.conf
    guest_exec m1 systemctl restart sssd
    lab_wait 60 "SSSD on $MEMBER resolves $P_SSH" sss_knows "$P_SSH" || true
    lab_log "SABOTAGE: $MEMBER's installed sssd.conf lets everyone in (access_provider = permit; SSSD restarted)"
fi
if [ "${BCLI_SABOTAGE:-}" = member-gssapi ]; then
    guest_exec m1 sed -i 's/^GSSAPIAuthentication yes$/GSSAPIAuthentication no/' /etc/ssh/sshd_config.d/10-billu-ad.conf
    guest_exec m1 systemctl reload ssh
    lab_log "SABOTAGE: $MEMBER's installed sshd drop-in says GSSAPIAuthentication no (sshd reloaded)"
fi
guest_exec cl sh -c 'printf "@include common-auth\n@include common-account\n@include common-session\n" >/etc/pam.d/billu-lab-logon'
CC_SSH="/tmp/krb5cc_$(guest_exec cl id -u "$P_SSH")"; CC_P="/tmp/krb5cc_$(guest_exec cl id -u "$PERSON")"
# pam_winbind writes the caches to /tmp, which is this machine's: removed on any exit.
trap 'rm -f "$CC_SSH" "$CC_P" "/tmp/krb5cc_$WANT_UID"; guest_cleanup_all; lab_cleanup' EXIT
rm -f "$CC_SSH" "$CC_P"
console_logon() { # <user>: a logon at the client through PAM (auth, account, session), the password on stdin
    printf '%s\n' "$USER_PW" | guest_exec cl env -u KRB5CCNAME pamtester -v billu-lab-logon "$1" authenticate acct_mgmt open_session >"$LAB_DIR/console-$1.log" 2>&1
}
cc_has() { lab_has "$2" guest_exec cl env KRB5CCNAME="FILE:$1" klist; } # <cache> <principal>
M_SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 -o LogLevel=ERROR
    -o BatchMode=yes -o GSSAPIAuthentication=yes -o PreferredAuthentications=gssapi-with-mic)
ssh_member() { # <user> <cache> <command...>: ssh from the client to the member as <user>, with that cache only
    guest_exec cl runuser -u "$1" -- env KRB5CCNAME="FILE:$2" ssh "${M_SSH_OPTS[@]}" "$1@$M_FQDN" "${@:3}"
}
member_logon() { test "$(ssh_member "$1" "$2" id -un 2>/dev/null)" = "$1"; }
member_said() { lab_has "$1" guest_exec m1 cat /var/log/lab-sshd.log; }
t=$(date +%s%N)
lab_expect "$P_SSH (in $SSH_GROUP) logs on at $CLI through PAM (pamtester: authenticate, acct_mgmt, open_session)" pass console_logon "$P_SSH"
lab_expect "... that logon left $P_SSH's ticket in $CC_SSH (pam_winbind)" pass cc_has "$CC_SSH" "krbtgt/$REALM@$REALM"
lab_expect "$P_SSH reaches $MEMBER over SSH with that logon's ticket alone (GSSAPI; no password asked)" pass member_logon "$P_SSH" "$CC_SSH"
lab_fig "$P_SSH's logon at $CLI and SSH to $MEMBER" "$(lab_since "$t") ms"
lab_expect "... $MEMBER's sshd says the ticket logged $P_SSH on" pass member_said "Accepted gssapi-with-mic for $P_SSH"
lab_expect "... the logon's cache now holds $MEMBER's service ticket host/$M_FQDN@$REALM" pass cc_has "$CC_SSH" "host/$M_FQDN@$REALM"
guest_exec cl runuser -u "$P_SSH" -- env KRB5CCNAME="FILE:$CC_SSH" kdestroy -q 2>/dev/null || true
lab_expect "... with that cache destroyed (kdestroy), the same logon is refused (the ticket is what logged on)" fail member_logon "$P_SSH" "$CC_SSH"
lab_expect "$PERSON (in neither $SSH_GROUP nor $SUDO_GROUP) logs on at $CLI through PAM (the console is the staff's)" pass console_logon "$PERSON"
lab_expect "... that logon left $PERSON's ticket in $CC_P" pass cc_has "$CC_P" "krbtgt/$REALM@$REALM"
lab_expect "$PERSON is refused by $MEMBER over SSH with that ticket" fail member_logon "$PERSON" "$CC_P"
lab_expect "... $MEMBER's sshd says why: PAM's account stage (SSSD's access rule) refused $PERSON" pass member_said "Access denied for user $PERSON by PAM account configuration"
lab_expect "... though Kerberos gave $PERSON a service ticket for host/$M_FQDN (the refusal is the member's access rule's)" pass cc_has "$CC_P" "host/$M_FQDN@$REALM"
rm -f "$CC_SSH" "$CC_P"
fi # level 4 from the client

# --- the acceptance run from the client: the logon scenario as the model's acceptance account, from PAR-CLI01 -------
# tools/acceptance (npm run acceptance) inside PAR-CLI01's namespace, as labs/dc runs it from its member: Kerberos from
# the DC, an LDAPS bind with the certificate verified, SSH to the member with the ticket alone. The account is the
# directory step's (in its OU and the SSH group), its password the secret the lab gave that step. Lab overrides, in a
# 0600 copy of the outputs: acceptancePassword (offline synth has a placeholder), caCertPem the lab's throwaway CA (the
# one that issued the DC's LDAPS certificate); --host-keys accept-new (the outputs' knownHosts are synth's mocks).
# The acceptance runs as the model's acceptance account, from PAR-CLI01: the lab's 0600 copy of the outputs (its
# overrides above) and the command, shared by the logon and gpo phases.
lab_outputs() { # <password> <file>: the password through the environment, not on a command line others can list
    LAB_ACC_PW="$1" node -e 'const fs=require("fs"); const o=JSON.parse(fs.readFileSync(process.argv[1],"utf8")); o.caCertPem=fs.readFileSync(process.argv[2],"utf8"); o.acceptancePassword=process.env.LAB_ACC_PW; fs.writeFileSync(process.argv[3], JSON.stringify(o), {mode: 0o600})' \
        "$OUT/outputs.json" "$LAB_PKI/ca.pem" "$2"
}
lab_outputs "$ACC_PW" "$LAB_DIR/outputs-acc.json"
acceptance_as_acc() { # <report dir> <option>...: tools/acceptance inside PAR-CLI01; its log in <report dir>.log, its failed steps shown
    local rc=0
    # shellcheck disable=SC2016 # a program for the guest's sh: its $1.. are its arguments
    guest_exec cl env -u BILLU_ACCEPTANCE_PASSWORD sh -c 'cd "$1" && shift && exec node dist/tools/acceptance.js --stack dev "$@"' \
        sh "$LAB_ROOT" --outputs "$LAB_DIR/outputs-acc.json" --report "$1" "${@:2}" >"$1.log" 2>&1 || rc=$?
    [ "$rc" = 0 ] || grep -E '^\[[a-z]+\] FAIL ' "$1.log" | cut -c1-300
    return "$rc"
}
junit_failures() { grep -o '<testsuites [^>]*failures="[0-9]*"' "$1/acceptance.xml" | grep -o 'failures="[0-9]*"'; }
if lab_phase "the acceptance run from the client (logon, as the acceptance account)" BCLI_SABOTAGE=logon-ssh-group; then
if [ "${BCLI_SABOTAGE:-}" = logon-ssh-group ]; then
    guest_exec dc1 samba-tool group removemembers "$SSH_GROUP" "$ACC_SAM" -H "$SAM" >/dev/null
    lab_log "SABOTAGE: $ACC_SAM taken out of $SSH_GROUP on $DC1"
fi
acceptance_logon() { # <report dir>: the logon scenario from PAR-CLI01
    acceptance_as_acc "$1" --only logon --member "$MEMBER" --host-keys accept-new
}
t=$(date +%s%N)
lab_expect "acceptance from $CLI: the logon scenario passes as $ACC_SAM, the directory's acceptance account (exit 0)" pass acceptance_logon "$LAB_DIR/acc-logon"
lab_fig "acceptance run from $CLI (logon)" "$(lab_since "$t") ms"
sed 's/^/    /' "$LAB_DIR/acc-logon.log" | tail -n 5
lab_expect "... its JUnit report counts no failure" pass test "$(junit_failures "$LAB_DIR/acc-logon")" = 'failures="0"'
lab_expect "... it logged on to $MEMBER over SSH as $ACC_SAM with the Kerberos ticket alone (its report)" pass \
    grep -q "SSH to $MEMBER as $ACC_SAM with the Kerberos ticket alone | $ACC_SAM | $ACC_SAM | ok" "$LAB_DIR/acc-logon/acceptance.md"
lab_expect "... and $MEMBER's sshd says a ticket logged $ACC_SAM on" pass lab_has "Accepted gssapi-with-mic for $ACC_SAM" guest_exec m1 cat /var/log/lab-sshd.log
# The member's sshd stopped (a broken daemon): the run fails (exit 1), its Kerberos and LDAPS steps still pass and its
# SSH step says why.
guest_exec m1 systemctl stop ssh
acc_down() { local rc=0; acceptance_logon "$LAB_DIR/acc-logon-down" || rc=$?; test "$rc" = 1; }
lab_expect "with $MEMBER's sshd stopped, the logon scenario from $CLI fails (exit 1, not bad input)" pass acc_down
lab_expect "... its report says the SSH connection was refused" pass \
    grep -q "SSH to $MEMBER as $ACC_SAM with the Kerberos ticket alone | $ACC_SAM | ssh exit 255: .*Connection refused | FAIL" "$LAB_DIR/acc-logon-down/acceptance.md"
lab_expect "... while its Kerberos step passed (only the SSH step failed)" pass \
    grep -q "Kerberos: $ACC_SAM@$REALM gets a ticket from $DC1 | a ticket for krbtgt/$REALM@$REALM | a ticket for krbtgt/$REALM@$REALM | ok" "$LAB_DIR/acc-logon-down/acceptance.md"
grep -E '\| FAIL \|' "$LAB_DIR/acc-logon-down/acceptance.md" | sed 's/^/    /' || true
lab_expect "... no password in its reports or logs" fail grep -rqF -- "$ACC_PW" "$LAB_DIR/acc-logon" "$LAB_DIR/acc-logon.log" "$LAB_DIR/acc-logon-down" "$LAB_DIR/acc-logon-down.log"
fi # the acceptance run from the client (logon)
# --- the acceptance run from the client: the gpo scenario, from the workstation the GPOs are for ---------------------
# tools/acceptance's gpo scenario inside PAR-CLI01's namespace as the acceptance account, against PAR-DC01 running its
# rendered gpo step (above): every GPO of the model readable in LDAP (LDAPS, the certificate verified), the model's
# gPLinks in link order, each GPO's GPT.INI over SMB equal to its object's versionNumber. The step count comes from the
# model (the billu:gpo:Gpo resources of the lab's synth: each GPO twice, each linked container once), not the run.
if lab_phase "the acceptance run from the client (gpo, as the acceptance account)" BCLI_SABOTAGE=gpo-gptini; then
N_GPOS=$(q 'console.log(r.filter((x)=>x.type==="billu:gpo:Gpo").length)')
N_LINKED=$(q 'console.log(new Set(r.filter((x)=>x.type==="billu:gpo:Gpo").flatMap((g)=>g.inputs.links.map((l)=>l.dn))).size)')
[ "$N_GPOS" -gt 0 ] || lab_die "dev plans no GPO"
if [ "${BCLI_SABOTAGE:-}" = gpo-gptini ]; then
    # The model's first GPO: its folder on the DC (the object's name, read with ldbsearch), GPT.INI one version ahead.
    G1=$(q 'console.log(r.find((x)=>x.type==="billu:gpo:Gpo").inputs.displayName)')
    GUID=$(guest_exec dc1 ldbsearch -H "$SAM" -b "CN=Policies,CN=System,DC=${DOMAIN//./,DC=}" "(displayName=$G1)" cn | sed -n 's/^cn: //p')
    INI="/var/lib/samba/sysvol/$DOMAIN/Policies/$GUID/GPT.INI"
    v=$(guest_exec dc1 sed -n 's/^Version=\([0-9]*\).*/\1/p' "$INI")
    [ -n "$v" ] || lab_die "no Version= in $DC1's $INI"
    # the sabotage itself: GPT.INI one ahead of the object's versionNumber
    guest_exec dc1 sed -i "s/^Version=$v/Version=$((v + 1))/" "$INI"
    lab_log "SABOTAGE: $G1's GPT.INI ($GUID) Version $v -> $((v + 1)), its versionNumber left at $v, on $DC1"
fi
t=$(date +%s%N)
lab_expect "acceptance from $CLI: the gpo scenario passes as $ACC_SAM (exit 0)" pass acceptance_as_acc "$LAB_DIR/acc-gpo" --only gpo
lab_fig "acceptance run from $CLI (gpo)" "$(lab_since "$t") ms"
sed 's/^/    /' "$LAB_DIR/acc-gpo.log" | tail -n 3
lab_expect "... its JUnit report has $((2 * N_GPOS + N_LINKED)) steps ($N_GPOS GPOs twice, $N_LINKED linked containers), no failure" pass \
    grep -q "<testsuites [^>]*tests=\"$((2 * N_GPOS + N_LINKED))\" failures=\"0\"" "$LAB_DIR/acc-gpo/acceptance.xml"
lab_expect "... no password in its report or log" fail grep -rqF -- "$ACC_PW" "$LAB_DIR/acc-gpo" "$LAB_DIR/acc-gpo.log"
fi # the acceptance run from the client (gpo)
lab_log "lab $(( ($(date +%s%N) - START) / 1000000000 )) s"
lab_finish
