#!/usr/bin/env bash
# Lab: the directory plan applied to a real Samba AD DC (network namespaces, root).
#
# One Samba AD DC provisioned in namespace bdir-dc (the dev stack's domain and DC address), a client namespace
# bdir-cl that probes it over LDAPS with ldapsearch. The lab runs the directory guest step exactly as offline synth
# rendered it (run.sh, billu-lib.sh, plan.json, apply_samba.py: read back after the step), staged where the step stages it, in a
# private mount namespace (tmpfs over /var/lib/billu, /usr/local/lib/billu and /etc/systemd/system) so nothing lands on
# this machine.
# Lab overrides (documented, none in a rendered file): BILLU_SMB_CONF names the lab DC's smb.conf; the initial
# passwords on the step's stdin are made by the lab (Pulumi's RandomPasswords in a real run).
#
#  1. the committed sample export: every OU, group, account and computer in place with attributes, links and
#     memberships; new accounts must change their password (pwdLastSet 0; a bind answers data 773)
#  2. the same plan again: nothing written (highestCommittedUSN unchanged)
#  3. an edited export (an arrival who is a homonym, a move, a departure): exactly those objects written, nobody
#     renamed, the leaver disabled in the departures OU and still there; then again: nothing written
# Sabotage (BILLU_LAB_SABOTAGE=1): after part 1's step ran, the plan's first group gets Administrator as an extra
# member: the LDAP check of part 1 must fail.
# 3b. drift (issue #27): a user moved, a user added to Domain Admins, the leaver re-enabled and a phone number changed
#     by hand; the applier's check mode reports exactly those four (expected lines from the plan) and exits 1, writes
#     its result file and nothing else; the scheduled check (billu:directory.drift): the command of the unit the step
#     installed (ExecStart read from the installed billu-directory-drift.service; no systemd here, so its exit status is
#     judged by the unit's SuccessExitStatus as systemd would) prints the same four lines and writes the verdict at the
#     model's path (drift 4, privileged 1), which an unprivileged user reads while the plan stays unreadable to them;
#     the step again repairs exactly those four objects (uSNChanged); the check exits 0
# Sabotage BDIR_SABOTAGE=drift-groups: the installed check ignores group membership: the Domain Admins probe fails.
# 3c. `npm run directory:drift` (tools/directory-drift.ts) from the client namespace, over LDAPS, as the model's
#     read-only drift reader (a plain domain user the step created in part 1, its password from the outputs file):
#     after the four edits it prints exactly the lines probe.py drift expects and exits 1; with another CA it exits 3
#     and prints no difference (the certificate is verified); after the repair it exits 0. Lab overrides: the DC
#     serves a certificate of a lab CA for its address (the dc step installs the site CA's in a real run, labs/dc);
#     the outputs file is synth's with caCertPem = that lab CA and driftReaderPassword = the password the lab gave
#     the step; BILLU_HR_CSV names the edited export the DC holds (synth's --hr-csv).
# Sabotage BDIR_SABOTAGE=drift-cli-plan: the tool compares against the sample export's plan, not the one the DC holds:
#     its lines differ from the expected ones and that probe fails.
#  6. onboarding (issue #24): every run that created people wrote one sheet on the DC (parts 1 and 3; none in parts
#     2, 4 and the repair), its mode giving others nothing; an IT member (a person of the model's readers group,
#     billu:directory.onboarding.readers; lab override: the lab sets that member's own password, as if their onboarding
#     were done) lists and fetches both sheets through the hidden share onboarding$ (smbclient, the [onboarding$] section
#     of synth's smb.conf for the DC: lab override, the lab's smb.conf takes it as is); each sheet lists exactly the
#     people its run created (directory.json), as planned; the arrival of part 3 (theo.odegaard2) takes the password
#     from the sheet: LDAP answers 773, kinit says the password expired; kinit changes it (old, new, new); the new one
#     gets a ticket and an SMB logon, the old one is refused; the new hire (not IT) is refused the share
#     (NT_STATUS_ACCESS_DENIED); no password of a sheet in any step's output; a sheet older than the model's retention
#     is deleted by the next run, the others kept.
# Sabotage BDIR_SABOTAGE=onboarding-acl: the onboarding folder and the second sheet are made readable by Domain Users
#     (samba-tool ntacl set) before the refusal probe: the new hire reads the sheet, that probe fails.
#  4. broken: an export with a bad line of every kind (synth exits 2 listing every line, writes no plan, no lock);
#     an arrival whose account name belongs to an account outside the managed OU (refused, nothing written); then
#     the arrival's computer name taken by a machine that joined the domain by itself, in CN=Computers (refused with
#     the exact sentence both appliers print, nothing written, the account left where it is)
set -euo pipefail
LAB=bdir
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Run the whole lab in a private mount namespace: the step's fixed paths get a tmpfs there, invisible outside.
if [ -z "${BDIR_PRIVATE_MOUNTS:-}" ]; then
    created=()
    for d in /var/lib/billu /usr/local/lib/billu; do [ -d "$d" ] || { mkdir -p "$d"; created+=("$d"); }; done
    rc=0
    BDIR_PRIVATE_MOUNTS=1 unshare -m --propagation private bash "${BASH_SOURCE[0]}" "$@" || rc=$?
    for d in "${created[@]:-}"; do [ -z "$d" ] || rmdir "$d" 2>/dev/null || true; done
    exit "$rc"
fi
mount -t tmpfs -o mode=0755 tmpfs /var/lib/billu
mount -t tmpfs -o mode=0755 tmpfs /usr/local/lib/billu
# The step installs the drift check's systemd units (issue #27): into this namespace's own /etc/systemd/system.
mount -t tmpfs -o mode=0755 tmpfs /etc/systemd/system

# shellcheck source=../lib/common.sh
source "$HERE/../lib/common.sh"
# shellcheck source=../lib/samba.sh
source "$HERE/../lib/samba.sh"
lab_require samba samba-tool ldapsearch ldapwhoami ldapmodify smbclient kinit klist runuser unshare node /usr/bin/python3
/usr/bin/python3 -c "import samba.samdb" 2>/dev/null || lab_require python3-samba-module
[ -f /usr/share/samba/setup/ad-schema/MS-AD_Schema_2K8_R2_Attributes.txt ] || lab_require samba-ad-provision-files
LAB_START=$(date +%s%N)
PROBE=(/usr/bin/python3 "$HERE/probe.py")
ROOT="$LAB_ROOT"
[ -f "$ROOT/dist/tools/synth.js" ] || lab_die "run npm run build first"

# --- the site facts, from the dev stack through synth (no BillU fact written in this lab) ------------------------
synth() { # synth <out> [--hr-csv f] [--directory-lock f]: offline synth of dev; output to <out>.log
    local out="$1"; shift
    (cd "$ROOT" && node dist/tools/synth.js --stack dev --out "$out" "$@" >"$out.log" 2>&1)
}
S1="$LAB_DIR/synth-sample"
synth "$S1" || { cat "$S1.log" >&2; lab_die "synth dev failed"; }
lab_expected dev # the read-back's reference for the sample export: out/dev, written by `npm run synth -- --stack dev`
# shellcheck disable=SC2016 # a JavaScript program: its ${...} are node's, not the shell's
eval "$(node -e '
const o = require(process.argv[1]); const y = require(process.argv[2]).parse(require("fs").readFileSync(process.argv[3], "utf8"));
const dc = o.hosts.find((h) => h.role === "dc");
console.log(`DC_NAME=${dc.name} DC_IP=${dc.address} DOMAIN=${o.site.domain} NETBIOS=${y.config["billu:site"].netbiosName}`);
' "$S1/outputs.json" "$ROOT/node_modules/yaml" "$ROOT/Pulumi.dev.yaml")"
# shellcheck disable=SC2153 # DOMAIN is set by the eval above
REALM="${DOMAIN^^}"
CL_IP="${DC_IP%.*}.250"
# shellcheck disable=SC2153 # NETBIOS is set by the eval above
lab_log "DC $DC_NAME $DC_IP, domain $DOMAIN ($NETBIOS)"

# --- one Samba AD DC ---------------------------------------------------------------------------------------------
lab_ns dc
lab_ns cl
lab_link "$LAB-dc" eth0 "$DC_IP/24" "$LAB-cl" eth0 "$CL_IP/24"
D="$LAB_DIR/dc"; mkdir -p "$D"
export KRB5_CONFIG="$D/krb5.conf"
ADMIN_PW="Lab$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(8))')-9Q!"
printf '%s' "$ADMIN_PW" >"$D/admin.pw"
chmod 600 "$D/admin.pw"
umask 077
# Lab override: the DC's LDAPS certificate is issued by a lab CA for its name and address, as the dc step installs the
# site CA's (components/domain-controller), so `npm run directory:drift` verifies it (part 3c); "other" is a CA that
# issued nothing, for the refused case.
lab_ca ca "BillU lab CA"
lab_ca other "Another CA"
lab_cert dc "${DC_NAME,,}.$DOMAIN" "DNS:${DC_NAME,,}.$DOMAIN,DNS:$DOMAIN,IP:$DC_IP"
# The first DC's onboarding share (issue #24), exactly as synth rendered it in that DC's smb.conf (lab override: the
# lab's own smb.conf, samba_plain_dc with SAMBA_PLAIN_SYNTH, takes the section as is).
IFS=$'\t' read -r ONB_READERS ONB_SHARE ONB_PATH ONB_DAYS < <(cd "$ROOT" && node dist/tools/lab-facts.js --stack dev | node -e '
    const o = JSON.parse(require("fs").readFileSync(0, "utf8")).directory.onboarding; if (o) console.log([o.readers, o.share, o.path, o.retentionDays].join("\t"))') || true
[ -n "${ONB_READERS:-}" ] || lab_die "the dev model plans no onboarding sheet (billu:directory.onboarding)"
# No `winbindd socket directory` override: smbd reaches winbindd at its compiled-in path (made private by
# samba_plain_dc's bind mount), and without it every SMB session of part 6 fails with NT_STATUS_INTERNAL_ERROR.
SAMBA_PLAIN_SYNTH="$S1" samba_plain_dc dc "$D" "$DC_NAME" "$REALM" "$NETBIOS" "$DC_IP" "$ADMIN_PW" \
    "dns forwarder = $DC_IP" "prefork children = 1" \
    "tls enabled = yes" "tls keyfile = $LAB_PKI/dc.key" "tls certfile = $LAB_PKI/dc.pem" "tls cafile = $LAB_PKI/ca.pem"
grep -qxF "    path = $ONB_PATH" <<<"$SAMBA_PLAIN_ONBOARDING" || lab_die "the rendered [onboarding\$] section does not share the model's folder $ONB_PATH"
export LDAPTLS_REQCERT=never
ldaps() { ip netns exec "$LAB-cl" ldapsearch -LLL -o ldif-wrap=no -H "ldaps://$DC_IP" -x -D "Administrator@$DOMAIN" -y "$D/admin.pw" "$@"; }
rootdse_usn() { ip netns exec "$LAB-cl" ldapsearch -LLL -H "ldaps://$DC_IP" -x -s base -b "" highestCommittedUSN | sed -n 's/^highestCommittedUSN: //p'; }
lab_wait 60 "Samba AD DC answers LDAPS" rootdse_usn || { tail -20 "$LAB_DIR/samba-dc.log" >&2; lab_die "samba did not start"; }
ROOT_DN="$(node -e 'console.log(require(process.argv[1]).ous[0])' "$S1/directory.json")"

# --- the step, as synth rendered it -------------------------------------------------------------------------------
STAGE=/var/lib/billu/stage/directory
PLAN=/var/lib/billu/directory/plan.json
APPLIER=/usr/local/lib/billu/directory/apply_samba.py
DRIFT_UNIT=/etc/systemd/system/billu-directory-drift.service
installs() { sed -n "s/^billu_install '\([^']*\)'.*/\1/p" "$1/rendered/$DC_NAME$STAGE/run.sh"; } # <synth out>: what run.sh installs
apply_step() { # apply_step <synth out> <label>: stage the rendered step as GuestStep does (every file run.sh installs), run its run.sh
    local r="$1/rendered/$DC_NAME" label="$2" t0 rc=0 f
    rm -rf "$STAGE" && mkdir -p "$STAGE"
    cp "$r$STAGE/run.sh" "$r$STAGE/billu-lib.sh" "$STAGE/"
    while read -r f; do install -D -m 0600 "$r$f" "$STAGE/files$f"; done < <(installs "$1")
    "${PROBE[@]}" secrets "$r$PLAN" "$LAB_DIR/secrets.$label" "$LAB_DIR/passwords.$label" >/dev/null
    t0=$(date +%s%N)
    ip netns exec "$LAB-dc" env BILLU_SMB_CONF="$D/smb.conf" sh "$STAGE/run.sh" <"$LAB_DIR/secrets.$label" >"$LAB_DIR/apply.$label.log" 2>&1 || rc=$?
    APPLY_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
    return "$rc"
}
show_apply() { sed 's/^/    /' "$LAB_DIR/apply.$1.log"; }
readback_step() { # readback_step <reference>: the staged step and the files it installed (bytes, mode, owner)
    local f
    for f in "$STAGE/run.sh" "$STAGE/billu-lib.sh"; do lab_readback "$1" "$DC_NAME" "$f" "$f" bytes; done
    while read -r f; do lab_readback "$1" "$DC_NAME" "$f" "$f"; done < <(installs "$S1")
}
dump() { ldaps -b "$ROOT_DN" "(|(objectClass=organizationalUnit)(objectClass=group)(objectClass=user))" \
    dn sAMAccountName userPrincipalName mail displayName givenName sn title department company telephoneNumber mobile \
    manager managedBy memberOf member userAccountControl pwdLastSet uSNChanged >"$1"; }
bind_answers() { # bind_answers <sam> <password file> <AD data code>: the LDAP simple bind fails with that code
    local out
    out=$(ip netns exec "$LAB-cl" ldapwhoami -H "ldaps://$DC_IP" -x -D "$1@$DOMAIN" -y "$2" 2>&1) || true
    grep -q "data $3" <<<"$out"
}
summary_is() { # summary_is <directory.json> <create> <move> <update> <disable> <none>
    node -e 'const s = require(process.argv[1]).summary, w = process.argv.slice(2).map(Number);
        process.exit(JSON.stringify([s.create, s.move, s.update, s.disable, s.none]) === JSON.stringify(w) ? 0 : 1)' "$@"
}
sam_with() { node -e 'const p = require(process.argv[1]).people.find((x) => x.action === process.argv[2]); console.log(p ? p.sam : "")' "$1" "$2"; }
person() { "${PROBE[@]}" person "$@"; }
person_matches() { person "$1" "$2" | grep -q -- "$3"; }
same_usn_and_dn() { node -e 'const [a, b] = [require(process.argv[1]), require(process.argv[2])]; const x = a[process.argv[3]], y = b[process.argv[3]];
    process.exit(x && y && x.dn === y.dn && x.usn === y.usn ? 0 : 1)' "$@"; }
usn_unchanged() { [ "$1" = "$(rootdse_usn)" ]; }
exits_with() { local want="$1" rc=0; shift; "$@" >/dev/null 2>&1 || rc=$?; [ "$rc" -eq "$want" ]; }
lists_lines() { local log="$1" l; shift; for l in "$@"; do grep -q "bad.csv:$l: " "$log" || return 1; done; }
leaks_password() { cut -f2 "$1" | grep -qF -f - "$2"; }

# The group the DC's domain step creates for SSH logons to the members (billu:domain.linuxLogin.sshGroup, from the
# synth outputs): the acceptance account (billu:directory.acceptance) joins it by name. Lab override: this lab runs no
# domain step, so the lab creates the group as that step does (samba_ssh_group).
SSH_GROUP=$(samba_ssh_group "$LAB-dc" "$D/smb.conf" "$S1/outputs.json") || lab_die "creating the domain step's SSH group failed"
# The acceptance account as the model plans it (billu:directory.acceptance: its name, DN and the groups it joins, from
# tools/lab-facts.ts), never from the plan.json under test: a renderer that writes another name or DN is caught below.
IFS=$'\t' read -r ACC_SAM ACC_DN ACC_GROUPS < <(cd "$ROOT" && node dist/tools/lab-facts.js --stack dev | node -e '
    const a = (JSON.parse(require("fs").readFileSync(0, "utf8")).directory || {}).acceptance;
    if (a) console.log([a.sam, a.dn, a.extraGroups.join(",")].join("\t"))') || true
[ -n "${ACC_SAM:-}" ] || lab_die "the dev model plans no acceptance account (billu:directory.acceptance)"
[ "$ACC_GROUPS" = "$SSH_GROUP" ] || lab_die "the model's acceptance account joins '$ACC_GROUPS', the domain's SSH group is '$SSH_GROUP'"
acc_attr_is() { test "$(ldaps -b "$ACC_DN" -s base "$1" | sed -n "s/^$1: //p")" = "$2"; } # <attribute> <value>
acc_attr_has() { ldaps -b "$ACC_DN" -s base "$1" | sed -n "s/^$1: //p" | grep -qxF "$2"; } # <attribute> <one of its values>

# 1. the committed sample export
lab_log "1. apply the plan of the committed sample export"
lab_expect "synth plans all 167 people of the sample export, all already in the committed lock" pass summary_is "$S1/directory.json" 0 0 0 0 167
usn0=$(rootdse_usn)
lab_expect "the step applies the sample plan" pass apply_step "$S1" sample
APPLY1_MS=$APPLY_MS
show_apply sample
readback_step dev
if lab_sabotage; then # one managed group gets a member the plan does not give it: the LDAP check must see it
    g=$(node -e 'console.log(require(process.argv[1]).groups[0].sam)' "$S1/directory.json")
    ip netns exec "$LAB-dc" samba-tool group addmembers "$g" Administrator -s "$D/smb.conf" >/dev/null
    lab_log "SABOTAGE: group $g widened to Administrator after the step ran"
fi
lab_log "LDIF apply of the sample plan (75 OUs, 36 groups, 167 accounts, 167 computers): ${APPLY1_MS} ms end to end"
dump "$LAB_DIR/dump1.ldif"
CHECK1=("${PROBE[@]}" check "$LAB_DIR/dump1.ldif" "$S1/directory.json" "$S1/rendered/$DC_NAME$PLAN")
lab_expect "ldapsearch: every OU, group, account and computer in its place with attributes, links, memberships" pass "${CHECK1[@]}"
"${CHECK1[@]}" | sed 's/^/    /'
lab_expect "all 167 new accounts have pwdLastSet 0 (must change password at first logon)" pass "${PROBE[@]}" pwdlastset "$LAB_DIR/dump1.ldif" "$S1/directory.json" 167
printf 'not-the-password' >"$LAB_DIR/pw0"
lab_expect "the step's output shows no service account's password" fail leaks_password "$LAB_DIR/passwords.sample" "$LAB_DIR/apply.sample.log"
# The onboarding sheet (issue #24): read through the share in part 6, after the USN probes (a logon writes the account).
sheets() { find "$ONB_PATH" -maxdepth 1 -name 'onboarding-*.csv' -printf '%f\n' 2>/dev/null | sort; }
sheet_count_is() { [ "$(sheets | wc -l)" -eq "$1" ]; }
others_get_nothing() { local f m; for f in "$ONB_PATH" "$ONB_PATH"/onboarding-*.csv; do m=$(stat -c %a "$f"); [ "${m: -1}" = 0 ] || return 1; done; }
lab_expect "the run that created the 167 people wrote one onboarding sheet in $ONB_PATH" pass sheet_count_is 1
SHEET1=$(sheets | head -1)
lab_expect "... the step's output names it and its readers ($ONB_READERS), no password" pass \
    grep -qxF "onboarding: $ONB_PATH/$SHEET1 written for 167 new account(s), readable by $ONB_READERS only (share $ONB_SHARE)" "$LAB_DIR/apply.sample.log"
lab_expect "the folder and the sheet give others nothing (mode ...0)" pass others_get_nothing
lab_expect "... an unprivileged local user cannot read the sheet" fail runuser -u nobody -- cat "$ONB_PATH/$SHEET1"
# The acceptance account: in its own OU, in the SSH group, enabled (its logon is proven in labs/dc).
lab_expect "the acceptance account $ACC_SAM is at $ACC_DN" pass acc_attr_is sAMAccountName "$ACC_SAM"
lab_expect "$ACC_SAM is a member of $SSH_GROUP (the domain step's group, joined by name)" pass acc_attr_has memberOf "CN=$SSH_GROUP,CN=Users,$(node -e 'console.log(require(process.argv[1]).domainDn)' "$S1/rendered/$DC_NAME/var/lib/billu/directory/plan.json")"
lab_expect "$ACC_SAM is enabled (userAccountControl 512)" pass acc_attr_is userAccountControl 512
# ipPhone (issue #26): each person's extension as the model's telephony plan gives it (tools/lab-facts.ts), never
# from the plan.json under test; read back over LDAPS. The person checked is the one who leaves in part 3.
EXT_OF() { (cd "$ROOT" && node dist/tools/lab-facts.js --stack dev) | node -e '
    const t = (JSON.parse(require("fs").readFileSync(0, "utf8")).telephony || {}).extensions || [];
    const e = t.find((x) => x.sam === process.argv[1]); console.log(e ? e.number : "")' "$1"; }
ip_phone_is() { test "$(ldaps -b "$ROOT_DN" "(sAMAccountName=$1)" ipPhone | sed -n 's/^ipPhone: //p')" = "$2"; } # <sam> <value>

# homeDirectory/homeDrive (the home share, billu:fileserver.homeShare and homeDrive): the model's (tools/lab-facts.ts: the
# file server's host, home share, accounts and drive; the domain's FQDN), never the plan.json under test; read back over
# LDAPS for every account: each account of the model's home folders has \\<fs host>.<domain>\<share>\<sam> and the drive,
# nobody else has either. Part 2's USN probe proves the re-apply writes nothing.
if [ "${BDIR_SABOTAGE:-}" = home-directory ]; then # one person's homeDirectory edited by hand after the step: the probe must fail
    # the first account of the model's home folders whose DN is ASCII (a plain LDIF line), its DN from directory.json
    IFS=$'\t' read -r hs hdn < <( (cd "$ROOT" && node dist/tools/lab-facts.js --stack dev) | node -e '
        const users = JSON.parse(require("fs").readFileSync(0, "utf8")).fileservers.find((f) => f.homes).homes.users;
        const dn = new Map(require(process.argv[1]).people.map((p) => [p.sam, p.dn]));
        const s = users.find((u) => /^[\x20-\x7e]+$/.test(dn.get(u) || "\u00e9")); console.log(s + "\t" + dn.get(s))' "$S1/directory.json")
    printf 'dn: %s\nchangetype: modify\nreplace: homeDirectory\nhomeDirectory: \\\\elsewhere\\%s\n' "$hdn" "$hs" >"$LAB_DIR/home-sabotage.ldif"
    ip netns exec "$LAB-cl" ldapmodify -H "ldaps://$DC_IP" -x -D "Administrator@$DOMAIN" -y "$D/admin.pw" -f "$LAB_DIR/home-sabotage.ldif" >/dev/null
    lab_log "SABOTAGE: $hs's homeDirectory edited by hand after the step"
fi
homes_match() {
    ldaps -b "$ROOT_DN" "(&(objectCategory=person)(objectClass=user))" sAMAccountName homeDirectory homeDrive >"$LAB_DIR/homes.ldif"
    (cd "$ROOT" && node dist/tools/lab-facts.js --stack dev) | node -e '
        const f = JSON.parse(require("fs").readFileSync(0, "utf8"));
        const fs = f.fileservers.find((x) => x.homes);
        if (!fs || !f.domain) { console.error("the dev model has no home share"); process.exit(1); }
        const want = new Map(fs.homes.users.map((s) => [s, "\\\\" + fs.host.toLowerCase() + "." + f.domain.fqdn + "\\" + fs.homes.name + "\\" + s + " " + fs.homes.drive]));
        const have = new Map(), txt = require("fs").readFileSync(process.argv[1], "utf8");
        for (const b of txt.split(/\n\n+/)) {
            const s = /^sAMAccountName: (.*)$/m.exec(b), d = /^homeDirectory: (.*)$/m.exec(b), v = /^homeDrive: (.*)$/m.exec(b);
            if (s && (d || v)) have.set(s[1], (d ? d[1] : "") + " " + (v ? v[1] : ""));
        }
        const bad = [...want].filter(([s, w]) => have.get(s) !== w).concat([...have].filter(([s]) => !want.has(s)));
        if (bad.length) { console.error("homeDirectory/homeDrive differ for " + bad.slice(0, 3).map(([s]) => s + ": " + JSON.stringify(have.get(s) ?? null) + ", want " + JSON.stringify(want.get(s) ?? null)).join("; ")); process.exit(1); }
        console.log(want.size + " accounts, e.g. " + [...want][0].join(": "));' "$LAB_DIR/homes.ldif"
}
lab_expect "every account of the model's home folders has its folder as homeDirectory and the model's homeDrive; nobody else has either" pass homes_match
sed 's/^/    /' "$LAB_DIR/.lab-expect.out"

# 2. the same plan again
lab_log "2. apply the same plan again"
usn1=$(rootdse_usn)
lab_expect "the step runs again" pass apply_step "$S1" again
show_apply again
lab_expect "the applier finds nothing to write" pass grep -q "nothing to write" "$LAB_DIR/apply.again.log"
lab_log "highestCommittedUSN: $usn0 before, $usn1 after the first apply, $(rootdse_usn) after the second"
lab_expect "nothing written: highestCommittedUSN unchanged" pass usn_unchanged "$usn1"
lab_expect "no new onboarding sheet (nobody created): still one" pass sheet_count_is 1

# 3. an edited export: an arrival who is a homonym, a move, a departure
lab_log "3. apply an edited export (a homonym arrives, one person moves, one leaves)"
"${PROBE[@]}" edit "$ROOT/data/billu-hr.csv" "$LAB_DIR/edited.csv" | sed 's/^/    /'
S2="$LAB_DIR/synth-edited"
lab_expect "synth plans the edited export against the committed lock" pass synth "$S2" --hr-csv "$LAB_DIR/edited.csv"
lab_expect "directory.json: 1 create, 1 move, 0 update, 1 disable, 165 none" pass summary_is "$S2/directory.json" 1 1 0 1 165
NEW=$(sam_with "$S2/directory.json" create)
MOVED=$(sam_with "$S2/directory.json" move)
LEFT=$(sam_with "$S2/directory.json" disable)
lab_log "planned: create $NEW, move $MOVED, disable $LEFT"
LEFT_EXT=$(EXT_OF "$LEFT")
[ -n "$LEFT_EXT" ] || lab_die "the dev model's telephony plan gives $LEFT no extension (tools/lab-facts.js telephony.extensions)"
IPHONES=$( (cd "$ROOT" && node dist/tools/lab-facts.js --stack dev) | node -e 'console.log(((JSON.parse(require("fs").readFileSync(0, "utf8")).telephony || {}).extensions || []).length)')
lab_log "the model plans $IPHONES extensions; $LEFT's is $LEFT_EXT"
lab_expect "$LEFT's ipPhone is $LEFT_EXT (the telephony plan's extension), read back over LDAPS before leaving" pass ip_phone_is "$LEFT" "$LEFT_EXT"
ip_phones_match() { # every person with an extension in the model has exactly that ipPhone
    ldaps -b "$ROOT_DN" "(&(objectClass=user)(ipPhone=*))" sAMAccountName ipPhone >"$LAB_DIR/ipphones.ldif"
    (cd "$ROOT" && node dist/tools/lab-facts.js --stack dev) | node -e '
        const want = new Map(((JSON.parse(require("fs").readFileSync(0, "utf8")).telephony || {}).extensions || []).map((e) => [e.sam, e.number]));
        const have = new Map(), txt = require("fs").readFileSync(process.argv[1], "utf8");
        for (const b of txt.split(/\n\n+/)) { const s = /^sAMAccountName: (.*)$/m.exec(b), p = /^ipPhone: (.*)$/m.exec(b); if (s && p) have.set(s[1], p[1]); }
        const bad = [...want].filter(([s, n]) => have.get(s) !== n).concat([...have].filter(([s]) => !want.has(s)));
        if (bad.length) { console.error("ipPhone differs for " + bad.slice(0, 5).map(([s]) => s).join(", ")); process.exit(1); }' "$LAB_DIR/ipphones.ldif"
}
lab_expect "every one of the $IPHONES planned extensions is its person's ipPhone, and no one else has one" pass ip_phones_match
lab_expect "the arriving homonym gets a new name (theo.odegaard2); nobody is renamed" pass test "$NEW" = theo.odegaard2
"${PROBE[@]}" usns "$LAB_DIR/dump1.ldif" "$LAB_DIR/usn-before.json" >/dev/null
lab_expect "the step applies the edited plan" pass apply_step "$S2" edited
show_apply edited
lab_reference edited dev "$S2/rendered" # synth's own output for the edited export
readback_step edited
dump "$LAB_DIR/dump2.ldif"
"${PROBE[@]}" usns "$LAB_DIR/dump2.ldif" "$LAB_DIR/usn-after.json" >/dev/null
CHECK2=("${PROBE[@]}" check "$LAB_DIR/dump2.ldif" "$S2/directory.json" "$S2/rendered/$DC_NAME$PLAN")
lab_expect "ldapsearch: the directory matches the edited plan everywhere" pass "${CHECK2[@]}"
CHANGED=("${PROBE[@]}" changed "$LAB_DIR/usn-before.json" "$LAB_DIR/usn-after.json" "$S1/directory.json" "$S2/directory.json")
lab_expect "exactly the planned objects were written (uSNChanged of every object), nothing deleted" pass "${CHANGED[@]}"
"${CHANGED[@]}" | sed 's/^/    /'
for s in "$NEW" "$MOVED" "$LEFT" theo.odegaard; do printf '    %s: %s\n' "$s" "$(person "$LAB_DIR/dump2.ldif" "$s")"; done
lab_expect "theo.odegaard is untouched: same DN, same uSNChanged" pass same_usn_and_dn "$LAB_DIR/usn-before.json" "$LAB_DIR/usn-after.json" theo.odegaard
lab_expect "$NEW has the common name of a suffixed homonym" pass person_matches "$LAB_DIR/dump2.ldif" "$NEW" "^CN=Théo Ødegaard (theo.odegaard2),OU=Qualité,OU=QHSE,"
lab_expect "$MOVED is in its new service's OU" pass person_matches "$LAB_DIR/dump2.ldif" "$MOVED" ",OU=Exploitation,OU=DSI,OU=Utilisateurs,"
lab_expect "$LEFT still exists, in the departures OU, disabled (514), in no group" pass \
    person_matches "$LAB_DIR/dump2.ldif" "$LEFT" ",OU=Departs,$ROOT_DN | userAccountControl 514 | 0 group(s)"
lab_expect "$LEFT's ipPhone is cleared when disabled (its extension $LEFT_EXT is quarantined, it rings nobody)" pass ip_phone_is "$LEFT" ""
usn3=$(rootdse_usn)
lab_expect "the edited plan again" pass apply_step "$S2" edited-again
lab_expect "nothing written the second time: highestCommittedUSN unchanged" pass usn_unchanged "$usn3"
lab_expect "the edited plan's run wrote a second sheet (its one arrival), the run again none" pass sheet_count_is 2
SHEET2=$(sheets | grep -vxF "$SHEET1")

# 3b. drift (issue #27): four edits by hand on the DC's directory (what an admin does in ADUC), the check reports
# exactly those four and writes nothing, the step repairs exactly those objects, then the check finds none.
lab_log "3b. drift: four edits by hand, the check (apply_samba.py --check), the repair (the step again)"
P2="$S2/rendered/$DC_NAME$PLAN"
IFS=$'\t' read -r DR_MOVED DR_ADMIN DR_PHONE DR_LEFT DR_TO < <("${PROBE[@]}" drift "$S2/directory.json" "$P2" "$LEFT" "$LAB_DIR/drift.ldif" "$LAB_DIR/drift.expected")
lab_log "edits: $DR_MOVED moved to $DR_TO, $DR_ADMIN added to Domain Admins, $DR_LEFT (left) re-enabled, $DR_PHONE's phone number changed"
ip netns exec "$LAB-cl" ldapmodify -H "ldaps://$DC_IP" -x -D "Administrator@$DOMAIN" -y "$D/admin.pw" -f "$LAB_DIR/drift.ldif" >/dev/null ||
    lab_die "the edits by hand were refused"
if [ "${BDIR_SABOTAGE:-}" = drift-groups ]; then # the installed check (after its read-back) ignores group membership
    sed -i -e 's/^        self.diff_memberships()$/        pass/' -e 's/^        self.diff_privileged()$/        pass/' "$APPLIER"
    ! grep -q 'self.diff_privileged()$' "$APPLIER" || lab_die "sabotage not applied"
    lab_log "SABOTAGE: the installed applier's check ignores group membership"
fi
run_check() { # run_check <label>: the installed applier's check mode against the installed plan
    ip netns exec "$LAB-dc" env BILLU_SMB_CONF="$D/smb.conf" /usr/bin/python3 "$APPLIER" --plan "$PLAN" --check \
        --result "$LAB_DIR/status.$1.json" >"$LAB_DIR/check.$1.log" 2>&1
}
check_says() { grep -qxF -- "$(sed -n "/| $2 |/p" "$LAB_DIR/drift.expected" | grep -F "drift: $1 |")" "$LAB_DIR/check.drifted.log"; }
usn6=$(rootdse_usn)
t_check=$(date +%s)
lab_expect "the check exits 1 (drift)" pass exits_with 1 run_check drifted
sed 's/^/    /' "$LAB_DIR/check.drifted.log"
lab_expect "it reports the extra member of Domain Admins ($DR_ADMIN), as privileged" pass check_says "Domain Admins" member
lab_expect "it reports $DR_MOVED's DN (planned and live)" pass check_says "$DR_MOVED" dn
lab_expect "it reports $DR_LEFT re-enabled (enabled: planned false, live true)" pass check_says "$DR_LEFT" enabled
lab_expect "it reports $DR_PHONE's telephoneNumber (values shown as [secret])" pass check_says "$DR_PHONE" telephoneNumber
lab_expect "exactly those four differences, nothing else" pass diff -u "$LAB_DIR/drift.expected" <(grep '^drift: ' "$LAB_DIR/check.drifted.log")
lab_expect "the check shows no phone number" fail grep -q "01 00 00 00 00" "$LAB_DIR/check.drifted.log" "$LAB_DIR/status.drifted.json"
lab_expect "its result file: drift 4, privilegedDrift 1, checked now" pass "${PROBE[@]}" drift-result "$LAB_DIR/status.drifted.json" 4 1 "$t_check"
# The scheduled check (billu:directory.drift): the INSTALLED unit's command, read from the unit file the step installed
# (no systemd in a namespace: the lab runs its ExecStart and judges the exit status as systemd does, by
# SuccessExitStatus). The verdict's path and the unit's tag come from the model (lab-facts), not from the unit.
IFS=$'\t' read -r DRIFT_RESULT DRIFT_SCHEDULE < <(cd "$ROOT" && node dist/tools/lab-facts.js --stack dev | node -e '
    const d = JSON.parse(require("fs").readFileSync(0, "utf8")).directory.drift; console.log([d.resultPath, d.schedule].join("\t"))')
[ -n "$DRIFT_RESULT" ] || lab_die "the dev model plans no drift check (billu:directory.drift)"
mapfile -t DRIFT_EXEC < <("${PROBE[@]}" unit "$DRIFT_UNIT" ExecStart)
[ "${#DRIFT_EXEC[@]}" -gt 0 ] || lab_die "no ExecStart in the installed $DRIFT_UNIT"
lab_log "the installed unit runs: ${DRIFT_EXEC[*]}"
t_check=$(date +%s)
unit_rc=0
ip netns exec "$LAB-dc" env BILLU_SMB_CONF="$D/smb.conf" "${DRIFT_EXEC[@]}" >"$LAB_DIR/unit.log" 2>&1 || unit_rc=$?
lab_log "the unit's command exited $unit_rc"
lab_expect "the installed unit's run with drift counts as a success for systemd (exit $unit_rc in 0 + SuccessExitStatus)" pass "${PROBE[@]}" unit-success "$DRIFT_UNIT" "$unit_rc"
lab_expect "its output (the journal's, under SyslogIdentifier=billu-directory-drift) is exactly the four difference lines" pass \
    diff -u "$LAB_DIR/drift.expected" <(grep '^drift: ' "$LAB_DIR/unit.log")
lab_expect "the unit tags its lines billu-directory-drift and sends them to the journal" pass "${PROBE[@]}" unit-is "$DRIFT_UNIT" SyslogIdentifier billu-directory-drift StandardOutput journal
lab_expect "the timer fires on the model's schedule ($DRIFT_SCHEDULE)" pass "${PROBE[@]}" unit-is "${DRIFT_UNIT%.service}.timer" OnCalendar "$DRIFT_SCHEDULE"
lab_expect "the verdict at the model's path $DRIFT_RESULT: drift 4, privilegedDrift 1, checked now" pass "${PROBE[@]}" drift-result "$DRIFT_RESULT" 4 1 "$t_check"
lab_expect "an unprivileged user (nobody, as the Zabbix agent's user) reads the verdict" pass runuser -u nobody -- cat "$DRIFT_RESULT"
lab_expect "... but not the plan (phone numbers)" fail runuser -u nobody -- cat "$PLAN"
lab_expect "the check wrote nothing: highestCommittedUSN unchanged" pass usn_unchanged "$usn6"

# 3c. `npm run directory:drift` from another namespace (a management host), over LDAPS, as the model's drift reader.
IFS=$'\t' read -r RD_SAM RD_DN < <(cd "$ROOT" && node dist/tools/lab-facts.js --stack dev | node -e '
    const r = JSON.parse(require("fs").readFileSync(0, "utf8")).directory.driftReader; if (r) console.log([r.sam, r.dn].join("\t"))') || true
[ -n "${RD_SAM:-}" ] || lab_die "the dev model plans no drift reader (billu:directory.drift.reader)"
lab_log "3c. npm run directory:drift from $LAB-cl as $RD_SAM ($RD_DN)"
drift_outputs() { # drift_outputs <CA pem> <file>: synth's outputs with the lab's CA and the reader's password (through the environment)
    LAB_RD_PW="$(awk -F '\t' -v s="$RD_SAM" '$1 == s { printf "%s", $2 }' "$LAB_DIR/passwords.sample")" node -e '
        const fs = require("fs"); const o = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
        o.caCertPem = fs.readFileSync(process.argv[2], "utf8"); o.driftReaderPassword = process.env.LAB_RD_PW;
        fs.writeFileSync(process.argv[3], JSON.stringify(o), { mode: 0o600 })' "$S2/outputs.json" "$1" "$2"
}
# The client resolves the site's names through the DC (as a management host does through the site's DNS): the tool
# names the DC by its FQDN, the name its certificate is verified for.
mkdir -p "/etc/netns/$LAB-cl" && printf 'nameserver %s\n' "$DC_IP" >"/etc/netns/$LAB-cl/resolv.conf"
drift_outputs "$LAB_PKI/ca.pem" "$LAB_DIR/outputs.drift.json"
drift_outputs "$LAB_PKI/other.pem" "$LAB_DIR/outputs.other-ca.json"
DRIFT_CSV="$LAB_DIR/edited.csv" # the export the DC holds (part 3)
if [ "${BDIR_SABOTAGE:-}" = drift-cli-plan ]; then
    DRIFT_CSV="$ROOT/data/billu-hr.csv"
    lab_log "SABOTAGE: the tool compares against the sample export's plan, not the one the DC holds"
fi
drift_cli() { # drift_cli <label> <outputs file>: the tool as a reviewer runs it, from the client namespace
    (cd "$ROOT" && ip netns exec "$LAB-cl" env -u LDAPTLS_REQCERT BILLU_HR_CSV="$DRIFT_CSV" \
        timeout 180 node dist/tools/directory-drift.js --stack dev --outputs "$2") >"$LAB_DIR/cli.$1.log" 2>"$LAB_DIR/cli.$1.err"
}
lab_expect "$RD_SAM exists at the model's DN, a member of no group (Domain Users by its primary group only)" pass \
    lab_has "^dn: $RD_DN\$" ldaps -b "$RD_DN" -s base "(&(sAMAccountName=$RD_SAM)(!(memberOf=*)))" dn
dump "$LAB_DIR/dump-before-3c.ldif"
"${PROBE[@]}" usns "$LAB_DIR/dump-before-3c.ldif" "$LAB_DIR/usn-before-3c.json" >/dev/null
t0=$(date +%s%N)
lab_expect "directory:drift exits 1 (drift)" pass exits_with 1 drift_cli drifted "$LAB_DIR/outputs.drift.json"
lab_fig "directory:drift over LDAPS (170 accounts)" "$(lab_since "$t0") ms"
sed 's/^/    /' "$LAB_DIR/cli.drifted.log" "$LAB_DIR/cli.drifted.err"
lab_expect "it prints exactly the lines probe.py drift expects" pass diff -u "$LAB_DIR/drift.expected" <(grep '^drift: ' "$LAB_DIR/cli.drifted.log")
lab_expect "... the same lines as the check on the DC" pass diff -u <(grep '^drift: ' "$LAB_DIR/check.drifted.log") <(grep '^drift: ' "$LAB_DIR/cli.drifted.log")
lab_expect "it shows neither the reader's password nor a phone number" fail grep -qF -e "$(awk -F '\t' -v s="$RD_SAM" '$1 == s { print $2 }' "$LAB_DIR/passwords.sample")" -e "01 00 00 00 00" \
    "$LAB_DIR/cli.drifted.log" "$LAB_DIR/cli.drifted.err"
lab_expect "with another CA it exits 3 (the DC's certificate is verified)" pass exits_with 3 drift_cli other-ca "$LAB_DIR/outputs.other-ca.json"
sed 's/^/    /' "$LAB_DIR/cli.other-ca.err"
lab_expect "... and prints no difference" fail grep -q '^drift: ' "$LAB_DIR/cli.other-ca.log"
# A successful bind may stamp the reader's own logon (lastLogonTimestamp, written by the DC): every other object unchanged.
dump "$LAB_DIR/dump3c.ldif"
"${PROBE[@]}" usns "$LAB_DIR/dump3c.ldif" "$LAB_DIR/usn-3c.json" >/dev/null
lab_expect "directory:drift wrote nothing: every object but $RD_SAM has the same uSNChanged" pass "${PROBE[@]}" unchanged-but "$LAB_DIR/usn-before-3c.json" "$LAB_DIR/usn-3c.json" "$RD_SAM"
da_dump() { dump "$1" && printf '\n' >>"$1" && ldaps -b "CN=Domain Admins,CN=Users,${ROOT_DN#*,}" -s base sAMAccountName uSNChanged >>"$1"; }
da_dump "$LAB_DIR/dump3.ldif"
"${PROBE[@]}" usns "$LAB_DIR/dump3.ldif" "$LAB_DIR/usn-drifted.json" >/dev/null
lab_expect "the step runs again (the repair)" pass apply_step "$S2" repair
show_apply repair
lab_expect "its report: 4 changes written" pass grep -q "directory: 4 change(s) written in one transaction" "$LAB_DIR/apply.repair.log"
da_dump "$LAB_DIR/dump4.ldif"
"${PROBE[@]}" usns "$LAB_DIR/dump4.ldif" "$LAB_DIR/usn-repaired.json" >/dev/null
REPAIRED=("${PROBE[@]}" only-changed "$LAB_DIR/usn-drifted.json" "$LAB_DIR/usn-repaired.json" "$DR_MOVED" "Domain Admins" "$DR_LEFT" "$DR_PHONE")
lab_expect "exactly the four drifted objects were written (uSNChanged)" pass "${REPAIRED[@]}"
"${REPAIRED[@]}" | sed 's/^/    /'
t_check=$(date +%s)
lab_expect "the check exits 0 (in sync)" pass run_check repaired
sed 's/^/    /' "$LAB_DIR/check.repaired.log"
lab_expect "its result file: drift 0" pass "${PROBE[@]}" drift-result "$LAB_DIR/status.repaired.json" 0 0 "$t_check"
lab_expect "directory:drift from $LAB-cl exits 0 (in sync)" pass drift_cli repaired "$LAB_DIR/outputs.drift.json"
sed 's/^/    /' "$LAB_DIR/cli.repaired.log"

# 4. broken cases: they must fail, and leave nothing behind
lab_log "4. broken: a bad export; an account name taken outside the managed OU"
"${PROBE[@]}" bad "$ROOT/data/billu-hr.csv" "$LAB_DIR/bad.csv" >/dev/null
S3="$LAB_DIR/synth-bad"
lab_expect "synth exits 2 on the bad export" pass exits_with 2 synth "$S3" --hr-csv "$LAB_DIR/bad.csv"
sed 's/^/    /' "$S3.log"
lab_expect "every bad line is listed at once (lines 40, 50, 60, 70, 169, 170)" pass lists_lines "$S3.log" 40 50 60 70 169 170
lab_expect "... and nothing else (6 problems)" pass grep -q "(6 problems)" "$S3.log"
lab_expect "no plan and no lock written for the bad export" fail ls "$S3/directory.json" "$S3/directory.lock.json"
"${PROBE[@]}" arrival "$LAB_DIR/edited.csv" "$LAB_DIR/arrival.csv" Paul Durand >/dev/null
S4="$LAB_DIR/synth-arrival"
synth "$S4" --hr-csv "$LAB_DIR/arrival.csv" --directory-lock "$S2/directory.lock.json" || lab_die "synth of the arrival failed"
ip netns exec "$LAB-dc" samba-tool user create paul.durand --random-password -s "$D/smb.conf" >/dev/null 2>&1 || lab_die "cannot create the foreign account"
usn4=$(rootdse_usn)
lab_expect "the step refuses to adopt paul.durand, an account outside $ROOT_DN" fail apply_step "$S4" foreign
show_apply foreign
lab_expect "the refusal names the account and where it is" pass grep -q "refused: account paul.durand exists outside" "$LAB_DIR/apply.foreign.log"
lab_expect "nothing written by the refused run: highestCommittedUSN unchanged" pass usn_unchanged "$usn4"
# A machine that joined the domain by itself (its account in CN=Computers) under a planned computer name: never
# taken over (moved into an HR OU, managedBy set, disabled by a later export); refused before any write.
ip netns exec "$LAB-dc" samba-tool user delete paul.durand -s "$D/smb.conf" >/dev/null 2>&1 || lab_die "cannot delete the foreign account"
ip netns exec "$LAB-dc" samba-tool computer create PC0998 -s "$D/smb.conf" >/dev/null 2>&1 || lab_die "cannot create the self-joined computer"
DOMAIN_DN="${ROOT_DN#*,}"
usn5=$(rootdse_usn)
lab_expect "the step refuses to take over PC0998, a computer in CN=Computers (run.sh exits 1)" pass exits_with 1 apply_step "$S4" joined
show_apply joined
JOINED_REFUSAL="directory: refused: computer PC0998\$ exists at CN=PC0998,CN=Computers,$DOMAIN_DN, outside $ROOT_DN: the directory adopts only computer accounts it created (a machine that joined the domain by itself is never taken over); rename the export's \"Nom de PC\", or move the account into $ROOT_DN by hand if it really is this person's"
lab_expect "the refusal is the exact sentence (the Windows applier prints the same)" pass grep -qxF "$JOINED_REFUSAL" "$LAB_DIR/apply.joined.log"
lab_expect "... and the only refusal" pass grep -qxF "directory: nothing written (1 refusal(s))" "$LAB_DIR/apply.joined.log"
lab_expect "nothing written by the refused run: highestCommittedUSN unchanged" pass usn_unchanged "$usn5"
lab_expect "PC0998 is still in CN=Computers, with no managedBy" pass lab_has "^dn: CN=PC0998,CN=Computers,$DOMAIN_DN\$" \
    ldaps -b "CN=Computers,$DOMAIN_DN" "(&(sAMAccountName=PC0998\$)(!(managedBy=*)))" dn

# 5. the acceptance account logs on with its generated password as is (no must-change: a bind succeeds, where a
# person's initial password answers 773 in part 1). Last, because a successful bind writes lastLogonTimestamp (a
# replicated attribute): before the USN checks above it would show as "written but not planned". Samba has no LDAP
# WhoAmI, so the proof is reading the account's own entry after the bind; the wrong password's 52e is the control.
lab_log "5. the acceptance account binds with its generated password"
awk -F '\t' -v s="$ACC_SAM" '$1 == s { printf "%s", $2 }' "$LAB_DIR/passwords.sample" >"$LAB_DIR/pw-acc"
reads_own_entry() { # reads_own_entry <sam> <password file>
    lab_has "^sAMAccountName: $1\$" ip netns exec "$LAB-cl" ldapsearch -LLL -H "ldaps://$DC_IP" -x -D "$1@$DOMAIN" -y "$2" \
        -b "$ACC_DN" -s base sAMAccountName
}
lab_expect "$ACC_SAM binds with its generated password and reads its own entry" pass reads_own_entry "$ACC_SAM" "$LAB_DIR/pw-acc"
lab_expect "$ACC_SAM with a wrong password: data 52e" pass bind_answers "$ACC_SAM" "$LAB_DIR/pw0" 52e

# 6. onboarding (issue #24): IT reads the sheets through the share, the new hire logs on with the password they hand over.
lab_log "6. onboarding: IT reads the sheets through \\\\$DC_IP\\$ONB_SHARE, the arrival logs on, changes the password"
lab_expect "the repair and the refused runs wrote no sheet: still two" pass sheet_count_is 2
# An IT member: a person of the model's readers group (from synth's directory.json). Lab override: the lab sets their own
# password (no must-change), as if their own onboarding were done.
IT_SAM=$(node -e 'const d = require(process.argv[1]); const p = d.people.find((x) => x.enabled && x.action === "none" && x.groups.includes(process.argv[2])); console.log(p ? p.sam : "")' "$S2/directory.json" "$ONB_READERS")
IT_DN=$(node -e 'console.log(require(process.argv[1]).people.find((x) => x.sam === process.argv[2]).dn)' "$S2/directory.json" "$IT_SAM")
NEWHIRE=$(sam_with "$S2/directory.json" create)
{ [ -n "$IT_SAM" ] && [ -n "$NEWHIRE" ]; } || lab_die "no member of $ONB_READERS or no arrival in the edited plan"
lab_log "IT member $IT_SAM ($ONB_READERS), the new hire $NEWHIRE"
"${PROBE[@]}" newpw "$LAB_DIR/pw-it" >/dev/null
"${PROBE[@]}" setpw "$IT_DN" "$LAB_DIR/pw-it" "$LAB_DIR/setpw-it.ldif" >/dev/null
ip netns exec "$LAB-cl" ldapmodify -H "ldaps://$DC_IP" -x -D "Administrator@$DOMAIN" -y "$D/admin.pw" -f "$LAB_DIR/setpw-it.ldif" >/dev/null ||
    lab_die "setting $IT_SAM's password was refused"
auth_file() { # auth_file <sam> <password file> <out>: smbclient's credentials file (never a command line)
    (umask 077 && printf 'username = %s\npassword = %s\ndomain = %s\n' "$1" "$(cat "$2")" "$NETBIOS" >"$3")
}
auth_file "$IT_SAM" "$LAB_DIR/pw-it" "$LAB_DIR/it.auth"
smb() { # smb <auth file> <share> <command> <log>: smbclient from the client namespace
    ip netns exec "$LAB-cl" smbclient -A "$1" "//$DC_IP/$2" -m SMB3 -c "$3" >"$4" 2>&1
}
FETCH="$LAB_DIR/fetched"; rm -rf "$FETCH"; mkdir -m 0700 "$FETCH"
lists_sheets() { smb "$LAB_DIR/it.auth" "$ONB_SHARE" ls "$LAB_DIR/smb.it-ls.log" && grep -q " $SHEET1 " "$LAB_DIR/smb.it-ls.log" && grep -q " $SHEET2 " "$LAB_DIR/smb.it-ls.log"; }
lab_expect "$IT_SAM ($ONB_READERS) lists both sheets in $ONB_SHARE" pass lists_sheets
fetch() { smb "$LAB_DIR/it.auth" "$ONB_SHARE" "lcd $FETCH; get $1" "$LAB_DIR/smb.it-get.log" && cmp -s "$FETCH/$1" "$ONB_PATH/$1"; }
lab_expect "$IT_SAM fetches the first sheet through the share (the DC's bytes)" pass fetch "$SHEET1"
lab_expect "... and the second" pass fetch "$SHEET2"
lab_expect "the first sheet: exactly the 167 people the sample plan created, as planned" pass "${PROBE[@]}" sheet "$FETCH/$SHEET1" "$S1/directory.json" all
"${PROBE[@]}" sheet "$FETCH/$SHEET1" "$S1/directory.json" all | sed 's/^/    /'
lab_expect "the second sheet: exactly the edited plan's arrival ($NEWHIRE), as planned" pass "${PROBE[@]}" sheet "$FETCH/$SHEET2" "$S2/directory.json" create
"${PROBE[@]}" sheet-passwords "$FETCH/$SHEET1" "$LAB_DIR/sheet-passwords.tsv" >/dev/null
"${PROBE[@]}" sheet-passwords "$FETCH/$SHEET2" "$LAB_DIR/sheet-passwords2.tsv" >/dev/null
cat "$LAB_DIR/sheet-passwords2.tsv" >>"$LAB_DIR/sheet-passwords.tsv"
no_sheet_password_in_outputs() { local f; for f in "$LAB_DIR"/apply.*.log; do ! leaks_password "$LAB_DIR/sheet-passwords.tsv" "$f" || return 1; done; }
lab_expect "no password of either sheet in any step's output" pass no_sheet_password_in_outputs
"${PROBE[@]}" sheet-password "$FETCH/$SHEET2" "$NEWHIRE" "$LAB_DIR/pw-new-initial" | sed 's/^/    /'
"${PROBE[@]}" newpw "$LAB_DIR/pw-new-own" >/dev/null
cat >"$LAB_DIR/krb5-client.conf" <<KRB
[libdefaults]
    default_realm = $REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    rdns = false
[realms]
    $REALM = {
        kdc = $DC_IP
        kpasswd_server = $DC_IP
    }
KRB
kinit_new() { # kinit_new <label> <stdin file>: the new hire's kinit from the client namespace, its own ticket cache
    ip netns exec "$LAB-cl" env KRB5_CONFIG="$LAB_DIR/krb5-client.conf" KRB5CCNAME="FILE:$LAB_DIR/cc.$1" \
        timeout 30 kinit "$NEWHIRE@$REALM" <"$2" >"$LAB_DIR/kinit.$1.log" 2>&1
}
has_ticket() { ip netns exec "$LAB-cl" env KRB5_CONFIG="$LAB_DIR/krb5-client.conf" KRB5CCNAME="FILE:$LAB_DIR/cc.$1" klist 2>/dev/null | grep -q "krbtgt/$REALM@$REALM"; }
lab_expect "$NEWHIRE binding with the sheet's password: data 773 (must change password)" pass bind_answers "$NEWHIRE" "$LAB_DIR/pw-new-initial" 773
cp "$LAB_DIR/pw-new-initial" "$LAB_DIR/kin.first"; printf '\n' >>"$LAB_DIR/kin.first"
lab_expect "$NEWHIRE's first kinit with it: no ticket" fail kinit_new first "$LAB_DIR/kin.first"
lab_expect "... kinit says the password expired (must change at first logon)" pass grep -q "Password expired" "$LAB_DIR/kinit.first.log"
sed 's/^/    /' "$LAB_DIR/kinit.first.log"
{ cat "$LAB_DIR/pw-new-initial"; printf '\n'; cat "$LAB_DIR/pw-new-own"; printf '\n'; cat "$LAB_DIR/pw-new-own"; printf '\n'; } >"$LAB_DIR/kin.change"
lab_expect "$NEWHIRE changes it at kinit (the sheet's password, then a new one twice): a ticket" pass kinit_new change "$LAB_DIR/kin.change"
lab_expect "... a TGT in the cache" pass has_ticket change
{ cat "$LAB_DIR/pw-new-own"; printf '\n'; } >"$LAB_DIR/kin.own"
lab_expect "$NEWHIRE logs on with the new password: kinit gets a ticket" pass kinit_new own "$LAB_DIR/kin.own"
auth_file "$NEWHIRE" "$LAB_DIR/pw-new-own" "$LAB_DIR/new.auth"
smb_logon() { # an SMB session as the new hire: the DC's share list (netlogon among them) comes back only after a logon
    ip netns exec "$LAB-cl" smbclient -A "$LAB_DIR/new.auth" -L "//$DC_IP" -m SMB3 >"$LAB_DIR/smb.new-list.log" 2>&1 || true
    grep -qw netlogon "$LAB_DIR/smb.new-list.log"
}
lab_expect "... and an SMB logon (the DC's shares listed for $NEWHIRE)" pass smb_logon
lab_expect "the sheet's password no longer works: kinit with it gets no ticket" fail kinit_new old "$LAB_DIR/kin.first"
lab_expect "... and not because it expired: it is wrong now" fail grep -q "Password expired" "$LAB_DIR/kinit.old.log"
if [ "${BDIR_SABOTAGE:-}" = onboarding-acl ]; then # the folder and the sheet readable by Domain Users: the refusal must fail
    for f in "$ONB_PATH" "$ONB_PATH/$SHEET2"; do
        acl=$(ip netns exec "$LAB-dc" samba-tool ntacl get --as-sddl "$f" -s "$D/smb.conf" --service="$ONB_SHARE")
        ip netns exec "$LAB-dc" samba-tool ntacl set "${acl}(A;OICI;0x1200a9;;;DU)" "$f" -s "$D/smb.conf" --service="$ONB_SHARE" >/dev/null
    done
    lab_log "SABOTAGE: the onboarding folder and $SHEET2 readable by Domain Users"
fi
refused_sheet() { # the new hire (not IT) is refused: no listing, no sheet
    smb "$LAB_DIR/new.auth" "$ONB_SHARE" "lcd $FETCH/new; get $SHEET2" "$LAB_DIR/smb.new-get.log" || true
    grep -q NT_STATUS_ACCESS_DENIED "$LAB_DIR/smb.new-get.log" && [ ! -s "$FETCH/new/$SHEET2" ]
}
mkdir -m 0700 "$FETCH/new"
lab_expect "$NEWHIRE (not in $ONB_READERS) is refused the sheet: NT_STATUS_ACCESS_DENIED, nothing fetched" pass refused_sheet
sed 's/^/    /' "$LAB_DIR/smb.new-get.log"
refused_listing() { smb "$LAB_DIR/new.auth" "$ONB_SHARE" ls "$LAB_DIR/smb.new-ls.log" || true; grep -q NT_STATUS_ACCESS_DENIED "$LAB_DIR/smb.new-ls.log" && ! grep -q " $SHEET1 " "$LAB_DIR/smb.new-ls.log"; }
lab_expect "... and the folder's listing (NT_STATUS_ACCESS_DENIED, no sheet named)" pass refused_listing
# Retention (billu:directory.onboarding.retentionDays): a sheet older than that is deleted by the next run.
OLD="onboarding-$(date -u -d "@$(( $(date +%s) - (ONB_DAYS + 1) * 86400 ))" +%Y%m%dT%H%M%SZ).csv"
install -m 0600 /dev/null "$ONB_PATH/$OLD"
lab_expect "the step again (nothing to write)" pass apply_step "$S2" retention
show_apply retention
lab_expect "its report: 1 sheet older than $ONB_DAYS days deleted" pass grep -qxF "onboarding: 1 sheet(s) older than $ONB_DAYS days deleted" "$LAB_DIR/apply.retention.log"
lab_expect "$OLD is gone, the two recent sheets stay" pass test "$(sheets | tr '\n' ' ')" = "$(printf '%s\n' "$SHEET1" "$SHEET2" | sort | tr '\n' ' ')"
kill "$SAMBA_PID" 2>/dev/null || true
lab_log "figures: sample plan applied in ${APPLY1_MS} ms (LDIF apply, 167 accounts); lab $(( ($(date +%s%N) - LAB_START) / 1000000000 )) s"
lab_finish
