#!/usr/bin/env bash
# Lab: the domain password and lockout policy, the PSOs and the logon hours (billu:directory.accountPolicy) on a
# real Samba AD DC (network namespaces, root).
#
# One Samba AD DC provisioned in namespace bgpo-dc (the dev stack's domain and DC address), a client namespace
# bgpo-cl that probes it over LDAPS and SMB. The lab runs the dev stack's `directory` and `password-policy` guest
# steps exactly as synth rendered them (run.sh, billu-lib.sh and every file they install, read back after each
# step), in a private mount namespace (tmpfs over /var/lib/billu, /usr/local/lib/billu and /etc/systemd/system).
# Lab overrides (labs/gpo/overrides.json): the domain's lockout duration and window are 1 minute instead of 15, so
# the unlock is seen within the lab. dev has no logon hours: the lab synthesizes dev with prod's (see below). Lab set-ups the DC step would make in a real run: the SSH group and the join
# account (both named by the synth outputs / the model). Initial passwords on the step's stdin are made by the lab.
#
#  1. both steps applied: the files read back; `passwordsettings show` equals the model's domain policy, each PSO's
#     settings equal the model's, the PSO that applies to an admin, a service account and a standard user is the
#     model's (msDS-ResultantPSO through `pso show-user`); logonHours on every standard user as planned, on no admin
#  2. both steps again: nothing to change, nothing written (highestCommittedUSN unchanged)
#  3. behaviour: a password shorter than the minimum is refused on change (NT_STATUS_PASSWORD_RESTRICTION), one of
#     the minimum length accepted; <threshold> wrong passwords lock the account (LDAP bind: data 775) and it unlocks
#     after the duration; logonHours: Samba's KDC and LDAP refuse a logon outside the hours (a scratch account)
#  4. Group Policy (while the lockout of 3. runs out: the wait costs nothing): the `gpo` step as synth rendered it
#     (read back), then, from the model (each GPO's billu:gpo:Gpo inputs in the lab's synth resources.json) and read
#     by Samba's own tools: every GPO once by display name (samba-tool gpo listall); each OU's gPLink lists the
#     planned GPOs in link order with their enforcement, and no planned GPO is linked elsewhere (ldbsearch); Apply
#     Group Policy exactly for the planned principals, Read for them and Authenticated Users (the GPOs'
#     nTSecurityDescriptor); each GPO's Registry.pol (Samba's GPPolParser), GptTmpl.inf (GptTmplInfParser) and
#     Drives.xml equal the model's, absent where none is planned; GPT.INI's version equals versionNumber, its user
#     and machine halves non-zero exactly for the parts with files; `samba-tool ntacl sysvolcheck` clean. The step
#     again: nothing reported, nothing written (highestCommittedUSN), versions unchanged. A variant synth (the
#     screen-lock timeout changed, nothing else) applied: exactly that GPO's user version grows (+65536), no other.
# Sabotage (labs/gpo/sabotage.txt): GPO_SABOTAGE=minlength lowers the DC's minimum length after the policy step ran
# (the policy probe and the short-password refusal fail); BILLU_LAB_SABOTAGE=1 removes one standard user's
# logonHours after the directory step ran (the logonHours probe fails); GPO_SABOTAGE=pol flips a byte of the
# screen-lock GPO's installed Registry.pol after the gpo step ran (its Registry.pol probe fails); GPO_SABOTAGE=script
# removes the GLPI agent's startup script from SYSVOL after the gpo step ran (the SMB read of it fails);
# GPO_SABOTAGE=gptini sets one GPO's GPT.INI Version off by one (the version probe and the gpo scenario fail).
set -euo pipefail
LAB=bgpo
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ -z "${BGPO_PRIVATE_MOUNTS:-}" ]; then
    created=()
    for d in /var/lib/billu /usr/local/lib/billu /var/lib/samba/sysvol; do [ -d "$d" ] || { mkdir -p "$d"; created+=("$d"); }; done
    rc=0
    BGPO_PRIVATE_MOUNTS=1 unshare -m --propagation private bash "${BASH_SOURCE[0]}" "$@" || rc=$?
    for d in "${created[@]:-}"; do [ -z "$d" ] || rmdir "$d" 2>/dev/null || true; done
    exit "$rc"
fi
mount -t tmpfs -o mode=0755 tmpfs /var/lib/billu
mount -t tmpfs -o mode=0755 tmpfs /usr/local/lib/billu
# The host's SYSVOL folder (a Debian DC's default) hidden too: a step that wrote there instead of the lab DC's would
# touch the host and its probes would fail (they read the lab DC's).
mount -t tmpfs -o mode=0755 tmpfs /var/lib/samba/sysvol
# The directory step installs the drift check's systemd units (issue #27): into this namespace's own folder.
mount -t tmpfs -o mode=0755 tmpfs /etc/systemd/system

# shellcheck source=../lib/common.sh
source "$HERE/../lib/common.sh"
# shellcheck source=../lib/samba.sh
source "$HERE/../lib/samba.sh"
lab_require samba samba-tool ldapsearch ldapwhoami smbpasswd kinit unshare node /usr/bin/python3
/usr/bin/python3 -c "import samba.samdb" 2>/dev/null || lab_require python3-samba-module
LAB_START=$(date +%s%N)
PROBE=(/usr/bin/python3 "$HERE/probe.py")
ROOT="$LAB_ROOT"
[ -f "$ROOT/dist/tools/synth.js" ] || lab_die "run npm run build first"

# --- the site facts and the rendered steps, from the dev stack through synth -------------------------------------
# dev carries the password policy and PSOs but no logon hours (the other labs log on as people at any hour); prod
# carries them. The lab synthesizes dev with prod's billu:directory.accountPolicy.logonHours (nothing else changed),
# so the hours proven here are the committed ones, on dev's Samba DC.
CFG="$LAB_DIR/Pulumi.dev-hours.yaml"
node -e '
const Y = require(process.argv[1]), fs = require("fs");
const dev = Y.parse(fs.readFileSync(process.argv[2], "utf8")), prod = Y.parse(fs.readFileSync(process.argv[3], "utf8"));
dev.config["billu:directory"].accountPolicy.logonHours = prod.config["billu:directory"].accountPolicy.logonHours;
fs.writeFileSync(process.argv[4], Y.stringify(dev));
' "$ROOT/node_modules/yaml" "$ROOT/Pulumi.dev.yaml" "$ROOT/Pulumi.prod.yaml" "$CFG" || lab_die "cannot write dev's config with prod's logon hours"
S1="$LAB_DIR/synth"
(cd "$ROOT" && node dist/tools/synth.js --stack dev --config "$CFG" --out "$S1" >"$S1.log" 2>&1) || { cat "$S1.log" >&2; lab_die "synth dev (with prod's logon hours) failed"; }
lab_overridden dev "$S1/rendered" "$LAB_DIR/lab-dev" # what the lab installs: that synth's tree with overrides.json applied
lab_expected dev                                    # read-back reference of the password-policy step: the user's out/dev
lab_reference hours dev "$S1/rendered"              # ... of the directory step: the synth above (out/dev has no hours)
# shellcheck disable=SC2016 # a JavaScript program
eval "$(node -e '
const o = require(process.argv[1]); const y = require(process.argv[2]).parse(require("fs").readFileSync(process.argv[3], "utf8"));
const dc = o.hosts.find((h) => h.role === "dc");
console.log(`DC_NAME=${dc.name} DC_IP=${dc.address} DOMAIN=${o.site.domain} NETBIOS=${y.config["billu:site"].netbiosName} JOIN=${y.config["billu:domain"].joinAccount ?? "svc-domain-join"}`);
' "$S1/outputs.json" "$ROOT/node_modules/yaml" "$ROOT/Pulumi.dev.yaml")"
# shellcheck disable=SC2153 # set by the eval above
REALM="${DOMAIN^^}"
CL_IP="${DC_IP%.*}.250"
R="$LAB_DIR/lab-dev/$DC_NAME"
# The model's values: the user's synth output (with the lab's overrides), never the files the step installed.
WANT_POLICY="$LAB_DIR/expected/dev/$DC_NAME/var/lib/billu/directory/password-policy.json"
WANT_PLAN="$LAB_DIR/expected/hours/$DC_NAME/var/lib/billu/directory/plan.json"
# shellcheck disable=SC2153 # set by the eval above
lab_log "DC $DC_NAME $DC_IP, domain $DOMAIN ($NETBIOS)"

# --- one Samba AD DC ---------------------------------------------------------------------------------------------
lab_ns dc
lab_ns cl
# smbd serves a domain user's SMB reads (part 4) as that user's mapped uid: it must traverse the lab's folder (mktemp's
# 0700) down to the DC's SYSVOL; it lists nothing here.
chmod 0711 "$LAB_DIR"
lab_link "$LAB-dc" eth0 "$DC_IP/24" "$LAB-cl" eth0 "$CL_IP/24"
D="$LAB_DIR/dc"; mkdir -p "$D"
ADMIN_PW="Lab$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(8))')-9Q!"
printf '%s' "$ADMIN_PW" >"$D/admin.pw"
chmod 600 "$D/admin.pw"
umask 077
# winbindd's socket in $D/run-samba/winbindd: samba_plain_dc bind-mounts $D/run-samba over /run/samba for the DC, and
# smbd's own winbind client ignores `winbindd socket directory` and looks in /run/samba/winbindd (LAB-NOTES), so that
# is the one place both find. Elsewhere every SMB session setup of a domain user fails with NT_STATUS_INTERNAL_ERROR
# (the client's reads of SYSVOL, part 4). A symlink does not do: the winbind client lstat()s the folder.
# The first DC's onboarding share, as synth rendered it (the directory step writes its sheet there, issue #24).
SAMBA_PLAIN_SYNTH="$S1" samba_plain_dc dc "$D" "$DC_NAME" "$REALM" "$NETBIOS" "$DC_IP" "$ADMIN_PW" \
    "dns forwarder = $DC_IP" "winbindd socket directory = $D/run-samba/winbindd" "prefork children = 1"
export KRB5_CONFIG="$D/krb5.conf"
printf '[libdefaults]\n  default_realm = %s\n  dns_lookup_kdc = false\n[realms]\n  %s = {\n    kdc = %s\n    kpasswd_server = %s\n  }\n' \
    "$REALM" "$REALM" "$DC_IP" "$DC_IP" >"$KRB5_CONFIG"
export LDAPTLS_REQCERT=never
tool() { ip netns exec "$LAB-dc" samba-tool "$@" -s "$D/smb.conf"; }
rootdse_usn() { ip netns exec "$LAB-cl" ldapsearch -LLL -H "ldaps://$DC_IP" -x -s base -b "" highestCommittedUSN | sed -n 's/^highestCommittedUSN: //p'; }
lab_wait 60 "Samba AD DC answers LDAPS" rootdse_usn || { tail -20 "$LAB_DIR/samba-dc.log" >&2; lab_die "samba did not start"; }
# What the DC's domain step creates before the directory step in a real run: the SSH group and the join account.
SSH_GROUP=$(samba_ssh_group "$LAB-dc" "$D/smb.conf" "$S1/outputs.json") || lab_die "creating the domain step's SSH group failed"
tool user create "$JOIN" --random-password >/dev/null || lab_die "creating the join account $JOIN failed"
lab_log "lab set-up as the domain step does: group $SSH_GROUP, account $JOIN"

# --- the steps, as synth rendered them ----------------------------------------------------------------------------
installs() { sed -n "s/^billu_install '\([^']*\)'.*/\1/p" "$R/var/lib/billu/stage/$1/run.sh"; } # the paths a step installs
run_step() { # run_step <step> <label> [secrets file]: stage the rendered step as GuestStep does, run its run.sh
    local step="$1" label="$2" secrets="${3:-/dev/null}" stage="/var/lib/billu/stage/$1" f rc=0
    rm -rf "$stage" && mkdir -p "$stage"
    cp "$R$stage/run.sh" "$R$stage/billu-lib.sh" "$stage/"
    while read -r f; do mkdir -p "$stage/files${f%/*}" && cp "$R$f" "$stage/files$f"; done < <(installs "$step")
    ip netns exec "$LAB-dc" env BILLU_SMB_CONF="$D/smb.conf" sh "$stage/run.sh" <"$secrets" >"$LAB_DIR/$step.$label.log" 2>&1 || rc=$?
    sed 's/^/    /' "$LAB_DIR/$step.$label.log"
    return "$rc"
}
readback_step() { # readback_step <step> <reference>: the staged step and every file it installed (bytes, mode, owner)
    local stage="/var/lib/billu/stage/$1" f
    for f in "$stage/run.sh" "$stage/billu-lib.sh"; do lab_readback "$2" "$DC_NAME" "$f" "$f" bytes; done
    while read -r f; do lab_readback "$2" "$DC_NAME" "$f" "$f"; done < <(installs "$1")
}
# The initial passwords the step reads on stdin: made by the directory lab's own helper (RandomPasswords in a real run).
/usr/bin/python3 "$HERE/../directory/probe.py" secrets "$R/var/lib/billu/directory/plan.json" "$LAB_DIR/secrets" "$LAB_DIR/passwords" >/dev/null

lab_log "1. the directory step, then the password-policy step"
t0=$(date +%s%N)
lab_expect "the directory step applies dev's plan (logonHours included)" pass run_step directory first "$LAB_DIR/secrets"
readback_step directory hours
lab_expect "the password-policy step applies dev's policy and PSOs" pass run_step password-policy first
readback_step password-policy dev
lab_fig "both steps, first run" "$(lab_since "$t0") ms"
if [ "${GPO_SABOTAGE:-}" = minlength ]; then
    tool domain passwordsettings set --min-pwd-length=7 >/dev/null
    lab_log "SABOTAGE: the DC's minimum password length lowered to 7 after the step ran"
fi
tool domain passwordsettings show >"$LAB_DIR/show.txt"
lab_expect "passwordsettings show equals the model's domain policy" pass "${PROBE[@]}" policy "$LAB_DIR/show.txt" "$WANT_POLICY"
"${PROBE[@]}" policy "$LAB_DIR/show.txt" "$WANT_POLICY" | sed 's/^/    /'
for name in $(node -e 'for (const p of require(process.argv[1]).psos) console.log(p.name)' "$WANT_POLICY"); do
    tool domain passwordsettings pso show "$name" >"$LAB_DIR/pso-$name.txt" 2>&1 || true
    lab_expect "PSO $name: its settings equal the model's" pass "${PROBE[@]}" pso "$LAB_DIR/pso-$name.txt" "$WANT_POLICY" "$name"
    "${PROBE[@]}" pso "$LAB_DIR/pso-$name.txt" "$WANT_POLICY" "$name" | sed 's/^/    /'
done
# The PSO each kind of account gets (msDS-ResultantPSO): Administrator through Domain Admins, the service accounts
# directly, a standard user none (the domain's policy).
ACC_SAM=$(node -e 'console.log(require(process.argv[1]).users.find((u) => u.extraGroups).sam)' "$WANT_PLAN")
# A standard user: the plan's first enabled person in no extra group (people get no initial password from the lab
# since the DC generates it, issue #24, so the lab's password list holds only the service accounts).
STD_SAM=$(node -e 'console.log(require(process.argv[1]).users.find((u) => u.enabled && !u.extraGroups && u.givenName).sam)' "$WANT_PLAN")
[ -n "$STD_SAM" ] || lab_die "the plan has no standard user"
resultant_is() { tool domain passwordsettings pso show-user "$1" >"$LAB_DIR/show-user-$1.txt" 2>&1; "${PROBE[@]}" psouser "$LAB_DIR/show-user-$1.txt" "$2"; }
pso_of() { node -e 'const p = require(process.argv[1]).psos.find((x) => x.appliesTo.includes(process.argv[2])); console.log(p ? p.name : "-")' "$WANT_POLICY" "$1"; }
lab_expect "Administrator (Domain Admins) gets $(pso_of "Domain Admins")" pass resultant_is Administrator "$(pso_of "Domain Admins")"
lab_expect "$ACC_SAM gets $(pso_of "$ACC_SAM")" pass resultant_is "$ACC_SAM" "$(pso_of "$ACC_SAM")"
lab_expect "$JOIN gets $(pso_of "$JOIN")" pass resultant_is "$JOIN" "$(pso_of "$JOIN")"
lab_expect "$STD_SAM (a standard user) gets no PSO: the domain's policy" pass resultant_is "$STD_SAM" -
ROOT_DN=$(node -e 'console.log(require(process.argv[1]).domainDn)' "$WANT_PLAN")
ldaps() { ip netns exec "$LAB-cl" ldapsearch -LLL -o ldif-wrap=no -H "ldaps://$DC_IP" -x -D "Administrator@$DOMAIN" -y "$D/admin.pw" "$@"; }
if lab_sabotage; then
    # The DN from the plan: a search would print an accented DN base64-encoded (dn::), and an empty DN is the rootDSE.
    printf 'dn: %s\nchangetype: modify\ndelete: logonHours\n' "$(node -e 'console.log(require(process.argv[1]).users.find((u) => u.sam === process.argv[2]).dn)' "$WANT_PLAN" "$STD_SAM")" |
        ip netns exec "$LAB-cl" ldapmodify -H "ldaps://$DC_IP" -x -D "Administrator@$DOMAIN" -y "$D/admin.pw" >/dev/null
    lab_log "SABOTAGE: $STD_SAM's logonHours removed after the directory step ran"
fi
ldaps -b "$ROOT_DN" "(&(objectCategory=person)(objectClass=user))" sAMAccountName logonHours >"$LAB_DIR/hours.ldif"
lab_expect "logonHours: every standard user's as planned, none on $ACC_SAM or Administrator" pass "${PROBE[@]}" hours "$LAB_DIR/hours.ldif" "$WANT_PLAN"
"${PROBE[@]}" hours "$LAB_DIR/hours.ldif" "$WANT_PLAN" | sed 's/^/    /'

lab_log "2. both steps again"
usn1=$(rootdse_usn)
lab_expect "the directory step again" pass run_step directory again "$LAB_DIR/secrets"
lab_expect "... finds nothing to write" pass grep -q "nothing to write" "$LAB_DIR/directory.again.log"
lab_expect "the password-policy step again" pass run_step password-policy again
lab_expect "... finds nothing to change (no samba-tool command run)" pass grep -q "^password policy: nothing to change" "$LAB_DIR/password-policy.again.log"
lab_expect "nothing written: highestCommittedUSN unchanged ($usn1)" pass test "$usn1" = "$(rootdse_usn)"

# The variant of 4. (a changed setting): dev with prod's hours as above, the screen-lock timeout 60 s longer (shorter
# at the schema's maximum), nothing else. Synthesized in the background while 3. runs (its waits leave the CPU idle).
CFG2="$LAB_DIR/Pulumi.dev-hours-lock.yaml"
node -e '
const Y = require(process.argv[1]), fs = require("fs");
const c = Y.parse(fs.readFileSync(process.argv[2], "utf8"));
const g = c.config["billu:gpo"].gpos.find((x) => x.policies && x.policies.screenLockTimeoutSeconds !== undefined);
g.policies.screenLockTimeoutSeconds += g.policies.screenLockTimeoutSeconds >= 7140 ? -60 : 60;
fs.writeFileSync(process.argv[3], Y.stringify(c));
' "$ROOT/node_modules/yaml" "$CFG" "$CFG2" || lab_die "cannot write the variant config (no GPO with screenLockTimeoutSeconds in dev?)"
S2="$LAB_DIR/synth-variant"
(cd "$ROOT" && exec timeout 300 node dist/tools/synth.js --stack dev --config "$CFG2" --out "$S2" >"$S2.log" 2>&1) &
VARIANT_PID=$!
LAB_PIDS+=("$VARIANT_PID")

lab_log "3. behaviour"
MIN=$(node -e 'console.log(require(process.argv[1]).domain.minLength)' "$WANT_POLICY")
THRESHOLD=$(node -e 'console.log(require(process.argv[1]).domain.lockoutThreshold)' "$WANT_POLICY")
DURATION=$(node -e 'console.log(require(process.argv[1]).domain.lockoutDurationMinutes)' "$WANT_POLICY")
# The behaviour is shown on a scratch account under the domain's policy (no PSO, no logon hours): the plan's people
# carry prod's working hours here, so an account of theirs would be refused at night and at weekends whatever the
# policy says. It must change its password at first logon, as the directory's people do, so the domain's minimum
# age does not refuse the change.
PW_SAM=lab-policy
OLD="Kq7!$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(10))')"
tool user create "$PW_SAM" "$OLD" --must-change-at-next-login >/dev/null
SHORT="Kq7!$(/usr/bin/python3 -c "import secrets; print(secrets.token_hex(8)[:$((MIN - 6))])")x"
GOOD="Kq7!$(/usr/bin/python3 -c "import secrets; print(secrets.token_hex(8)[:$((MIN - 4))])")"
change() { # change <sam> <old> <new>: the user's own change through the KDC's kpasswd service (a Windows client's
    # Ctrl-Alt-Del change is Kerberos too; smbpasswd -r's SAMR session setup was refused with NT_STATUS_INTERNAL_ERROR)
    printf '%s\n%s\n%s\n' "$2" "$3" "$3" | ip netns exec "$LAB-cl" env KRB5CCNAME="FILE:$LAB_DIR/cc-change" kpasswd "$1@$REALM" >"$LAB_DIR/change.log" 2>&1
}
refused_short() { ! change "$PW_SAM" "$OLD" "$SHORT" && grep -qi "rejected" "$LAB_DIR/change.log"; }
lab_expect "$PW_SAM: a ${#SHORT}-character new password (minimum $MIN) is refused by the KDC's password change" pass refused_short
sed 's/^/    /' "$LAB_DIR/change.log"
lab_expect "$PW_SAM: a ${#GOOD}-character one is accepted" pass change "$PW_SAM" "$OLD" "$GOOD"
printf '%s' "$GOOD" >"$LAB_DIR/pw-good"
printf 'not-the-password' >"$LAB_DIR/pw-bad"
# bind_code <sam> <password file>: "ok" when the LDAP simple bind succeeds (Samba has no WhoAmI: the proof is a
# search after the bind), else AD's data code of the refusal (52e, 775, 530), else "?".
bind_code() {
    local out
    if out=$(ip netns exec "$LAB-cl" ldapsearch -LLL -H "ldaps://$DC_IP" -x -D "$1@$DOMAIN" -y "$2" -b "" -s base namingContexts 2>&1); then echo ok; return; fi
    sed -n 's/.*data \([0-9a-f]*\),.*/\1/p' <<<"$out" | head -1 | grep . || echo "?"
}
for _ in $(seq 1 "$THRESHOLD"); do bind_code "$PW_SAM" "$LAB_DIR/pw-bad" >/dev/null; done
LOCKED_AT=$(date +%s)
lab_expect "$PW_SAM after $THRESHOLD wrong passwords: the right one is refused with data 775 (locked out)" pass test "$(bind_code "$PW_SAM" "$LAB_DIR/pw-good")" = 775

# While the lockout runs: what Samba does with logonHours. A scratch account (not the plan's) gets no hour at all,
# then every hour: kinit and an LDAP bind are refused, then accepted.
SCRATCH=lab-hours
SCRATCH_PW="Kq7!$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(10))')"
tool user create "$SCRATCH" "$SCRATCH_PW" >/dev/null
printf '%s' "$SCRATCH_PW" >"$LAB_DIR/pw-scratch"
SCRATCH_DN=$(ldaps -b "$ROOT_DN" "(sAMAccountName=$SCRATCH)" dn | sed -n 's/^dn: //p')
set_hours() { printf 'dn: %s\nchangetype: modify\nreplace: logonHours\nlogonHours:: %s\n' "$SCRATCH_DN" "$(/usr/bin/python3 -c 'import base64, sys; print(base64.b64encode(bytes([int(sys.argv[1], 16)] * 21)).decode())' "$1")" |
    ip netns exec "$LAB-cl" ldapmodify -H "ldaps://$DC_IP" -x -D "Administrator@$DOMAIN" -y "$D/admin.pw" >/dev/null; }
kinit_says() { printf '%s\n' "$SCRATCH_PW" | ip netns exec "$LAB-cl" env KRB5CCNAME="FILE:$LAB_DIR/cc" kinit "$SCRATCH@$REALM" >"$LAB_DIR/kinit.log" 2>&1; }
set_hours 00
lab_expect "no hour allowed: kinit is refused by Samba's KDC" fail kinit_says
sed 's/^/    /' "$LAB_DIR/kinit.log"
lab_expect "no hour allowed: the LDAP bind is refused with data 530 (ERROR_INVALID_LOGON_HOURS)" pass test "$(bind_code "$SCRATCH" "$LAB_DIR/pw-scratch")" = 530
set_hours ff
lab_expect "every hour allowed: kinit succeeds" pass kinit_says

lab_log "4. Group Policy: the gpo step (while $PW_SAM's lockout runs out)"
t0=$(date +%s%N)
WANT_GPOS="$S1/resources.json" # the model: each GPO's billu:gpo:Gpo inputs as the lab's synth recorded them
POLICIES="$D/state/sysvol/$DOMAIN/Policies"
GPO_PROBE=("${PROBE[@]}")
# gpo_state <label>: what the DC holds, read by Samba's own tools from its sam.ldb: the GPOs (listall), the gPLinks,
# the GPOs' security descriptors (DACL), the domain's and its groups' SIDs.
gpo_state() {
    tool gpo listall -H "$D/private/sam.ldb" >"$LAB_DIR/gpo-$1.list"
    ldbsearch -H "$D/private/sam.ldb" -b "$ROOT_DN" "(gPLink=*)" gPLink >"$LAB_DIR/gplink-$1.ldif"
    ldbsearch -H "$D/private/sam.ldb" -b "CN=Policies,CN=System,$ROOT_DN" -s one --controls=sd_flags:1:4 nTSecurityDescriptor >"$LAB_DIR/gposd-$1.ldif"
    ldbsearch -H "$D/private/sam.ldb" -b "$ROOT_DN" "(|(objectClass=group)(objectClass=domain))" sAMAccountName objectSid >"$LAB_DIR/groups-$1.ldif"
}
show() { "$@" | sed 's/^/    /' || true; }
lab_expect "the gpo step applies dev's GPOs" pass run_step gpo first
readback_step gpo dev
lab_fig "gpo step, first run" "$(lab_since "$t0") ms"
gpo_state first
LOCK_GPO=$(node -e 'const r = require(process.argv[1]); const g = (r.resources ?? r).find((x) => x.type === "billu:gpo:Gpo" && x.inputs.settings.some((s) => s.name === "screenLockTimeoutSeconds")); console.log(g.inputs.displayName)' "$WANT_GPOS")
if [ "${GPO_SABOTAGE:-}" = pol ]; then
    guid=$(/usr/bin/python3 -B -c 'import sys; sys.path.insert(0, sys.argv[1]); import probe; print(probe.listall(sys.argv[2])[sys.argv[3]][0]["guid"])' "$HERE" "$LAB_DIR/gpo-first.list" "$LOCK_GPO")
    # One byte of the last value's last character (its UTF-16 low byte, before the NUL and the closing bracket).
    /usr/bin/python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[-6] ^= 1; open(p, "wb").write(b)' "$POLICIES/$guid/User/Registry.pol"
    lab_log "SABOTAGE: a byte of $LOCK_GPO's installed User/Registry.pol flipped after the gpo step ran"
fi
lab_expect "every planned GPO exists once by display name (samba-tool gpo listall)" pass "${GPO_PROBE[@]}" gpo-exist "$WANT_GPOS" "$LAB_DIR/gpo-first.list"
show "${GPO_PROBE[@]}" gpo-exist "$WANT_GPOS" "$LAB_DIR/gpo-first.list"
lab_expect "each OU's gPLink: the planned GPOs in link order, enforced as planned, none linked elsewhere" pass "${GPO_PROBE[@]}" gpo-links "$WANT_GPOS" "$LAB_DIR/gpo-first.list" "$LAB_DIR/gplink-first.ldif"
show "${GPO_PROBE[@]}" gpo-links "$WANT_GPOS" "$LAB_DIR/gpo-first.list" "$LAB_DIR/gplink-first.ldif"
lab_expect "security filtering: Apply Group Policy exactly for the planned principals (Authenticated Users keep Read)" pass \
    "${GPO_PROBE[@]}" gpo-filter "$WANT_GPOS" "$LAB_DIR/gpo-first.list" "$LAB_DIR/gposd-first.ldif" "$LAB_DIR/groups-first.ldif"
show "${GPO_PROBE[@]}" gpo-filter "$WANT_GPOS" "$LAB_DIR/gpo-first.list" "$LAB_DIR/gposd-first.ldif" "$LAB_DIR/groups-first.ldif"
while read -r name; do
    lab_expect "$name: Registry.pol, GptTmpl.inf, Drives.xml (Samba's parsers) equal the model's" pass "${GPO_PROBE[@]}" gpo-files "$WANT_GPOS" "$LAB_DIR/gpo-first.list" "$POLICIES" "$name"
    show "${GPO_PROBE[@]}" gpo-files "$WANT_GPOS" "$LAB_DIR/gpo-first.list" "$POLICIES" "$name"
done < <(node -e 'const r = require(process.argv[1]); for (const g of (r.resources ?? r).filter((x) => x.type === "billu:gpo:Gpo")) console.log(g.inputs.displayName)' "$WANT_GPOS")
lab_expect "GPT.INI versions: equal to versionNumber, non-zero for exactly the parts with files" pass "${GPO_PROBE[@]}" gpo-versions "$WANT_GPOS" "$LAB_DIR/gpo-first.list" "$POLICIES" "$LAB_DIR/versions-first.json"
show "${GPO_PROBE[@]}" gpo-versions "$WANT_GPOS" "$LAB_DIR/gpo-first.list" "$POLICIES" "$LAB_DIR/versions-first.json"
lab_expect "samba-tool ntacl sysvolcheck: SYSVOL's ACLs match the GPOs'" pass tool ntacl sysvolcheck
# What a Windows client needs to run a part: its client-side extension listed in gPC*ExtensionNames (the probe holds
# Microsoft's GUIDs, not the renderer's).
ldbsearch -H "$D/private/sam.ldb" -b "CN=Policies,CN=System,$ROOT_DN" -s one gPCMachineExtensionNames gPCUserExtensionNames >"$LAB_DIR/ext-first.ldif"
lab_expect "gPCMachineExtensionNames / gPCUserExtensionNames: the CSEs of exactly the parts the model fills (startup scripts included)" pass \
    "${GPO_PROBE[@]}" gpo-cse "$WANT_GPOS" "$LAB_DIR/gpo-first.list" "$LAB_DIR/ext-first.ldif"
show "${GPO_PROBE[@]}" gpo-cse "$WANT_GPOS" "$LAB_DIR/gpo-first.list" "$LAB_DIR/ext-first.ldif"

# 4b. The GLPI agent's startup script (#21), where a client reads it: over SMB from the sysvol share, as a domain user
# (the directory's acceptance account, its password the one the lab gave the directory step). Expected: the model's
# startup scripts (the GPO's billu:gpo:Gpo inputs), and the repository's script (the model's GLPI_AGENT_SCRIPT).
AGENT_GPO=$(node -e 'const r = require(process.argv[1]); const g = (r.resources ?? r).find((x) => x.type === "billu:gpo:Gpo" && x.inputs.startupScripts.length > 0); console.log(g ? g.inputs.displayName : "")' "$WANT_GPOS")
[ -n "$AGENT_GPO" ] || lab_die "dev plans no GPO with a startup script (the glpiAgent policy)"
AGENT_SCRIPT="$ROOT/$(node -e 'console.log(require(process.argv[1]).GLPI_AGENT_SCRIPT)' "$ROOT/dist/model/gpo.js")"
AGENT_GUID=$(/usr/bin/python3 -B -c 'import sys; sys.path.insert(0, sys.argv[1]); import probe; print(probe.listall(sys.argv[2])[sys.argv[3]][0]["guid"])' "$HERE" "$LAB_DIR/gpo-first.list" "$AGENT_GPO")
mapfile -t SCRIPT_PATHS < <("${GPO_PROBE[@]}" gpo-script-paths "$WANT_GPOS" "$AGENT_GPO" "$DOMAIN" | sed '$d')
if [ "${GPO_SABOTAGE:-}" = script ]; then
    rm -f "$D/state/sysvol/${SCRIPT_PATHS[0]}"
    lab_log "SABOTAGE: ${SCRIPT_PATHS[0]} removed from SYSVOL after the gpo step ran"
fi
ACCEPT_SAM=$(node -e 'console.log(require(process.argv[1]).acceptanceAccount)' "$S1/outputs.json")
ACC_PW=$(sed -n "s/^$ACCEPT_SAM\t//p" "$LAB_DIR/passwords")
[ -n "$ACC_PW" ] || lab_die "no password made for the acceptance account $ACCEPT_SAM"
printf '[global]\n    client min protocol = SMB3\n' >"$LAB_DIR/cl-smb.conf"
printf 'username = %s\npassword = %s\ndomain = %s\n' "$ACCEPT_SAM" "$ACC_PW" "$NETBIOS" >"$LAB_DIR/acc.auth" # umask 077: 0600
FETCHED="$LAB_DIR/fetched"; mkdir -p "$FETCHED"
smb_get() { # smb_get <path in the sysvol share> <local file>: as the acceptance account, from the client
    ip netns exec "$LAB-cl" smbclient -s "$LAB_DIR/cl-smb.conf" -A "$LAB_DIR/acc.auth" "//$DC_IP/sysvol" -c "get \"${1//\//\\}\" \"$2\"" >"$LAB_DIR/smb-get.log" 2>&1
}
lab_expect "$ACCEPT_SAM reads $AGENT_GPO's Machine/Scripts/psscripts.ini over SMB (//$DC_NAME/sysvol)" pass \
    smb_get "$DOMAIN/Policies/$AGENT_GUID/Machine/Scripts/psscripts.ini" "$FETCHED/psscripts.ini"
lab_expect "... its [Startup] lines are the model's startup scripts (0CmdLine, 0Parameters), UTF-16LE with a BOM" pass \
    "${GPO_PROBE[@]}" gpo-psscripts "$WANT_GPOS" "$AGENT_GPO" "$FETCHED/psscripts.ini"
show "${GPO_PROBE[@]}" gpo-psscripts "$WANT_GPOS" "$AGENT_GPO" "$FETCHED/psscripts.ini"
[ "${#SCRIPT_PATHS[@]}" -gt 0 ] || lab_die "no startup script path in \\\\$DOMAIN\\SYSVOL from the model"
for sp in "${SCRIPT_PATHS[@]}"; do
    lab_expect "$ACCEPT_SAM reads the script 0CmdLine names over SMB (sysvol/$sp)" pass smb_get "$sp" "$FETCHED/${sp##*/}"
    sed 's/^/    /' "$LAB_DIR/smb-get.log" | tail -n 2
    lab_expect "... byte-identical to the repository's ${AGENT_SCRIPT#"$ROOT/"}" pass cmp "$AGENT_SCRIPT" "$FETCHED/${sp##*/}"
done

# 4c. The acceptance run's gpo scenario (tools/acceptance/scenarios/gpo.ts), from the client as an admin runs it, as the
# acceptance account: every GPO in LDAP, the gPLinks, GPT.INI = versionNumber over SMB. Lab overrides of the outputs:
# acceptancePassword is the lab's (offline synth has a placeholder), caCertPem is the lab DC's own CA (Samba's
# self-made LDAPS certificate; a real site's DCs carry the site CA's). The client resolves names through the DC.
mkdir -p "/etc/netns/$LAB-cl" && printf 'nameserver %s\n' "$DC_IP" >"/etc/netns/$LAB-cl/resolv.conf"
LAB_ACC_PW="$ACC_PW" node -e 'const fs = require("fs"); const o = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); o.caCertPem = fs.readFileSync(process.argv[2], "utf8"); o.acceptancePassword = process.env.LAB_ACC_PW; fs.writeFileSync(process.argv[3], JSON.stringify(o), { mode: 0o600 })' \
    "$S1/outputs.json" "$D/private/tls/ca.pem" "$LAB_DIR/outputs-acc.json"
acceptance() { # acceptance <report dir>: the gpo scenario from the client; exit code of the run
    ip netns exec "$LAB-cl" env -u BILLU_ACCEPTANCE_PASSWORD BILLU_PROJECT_ROOT="$ROOT" node "$ROOT/dist/tools/acceptance.js" --stack dev \
        --config "$CFG" --outputs "$LAB_DIR/outputs-acc.json" --only gpo --report "$1" >"$1.log" 2>&1
}
if [ "${GPO_SABOTAGE:-}" = gptini ]; then
    ini="$POLICIES/$AGENT_GUID/GPT.INI"
    v=$(sed -n 's/^Version=\([0-9]*\).*/\1/p' "$ini")
    # the sabotage itself: GPT.INI one ahead of the object's versionNumber
    sed -i "s/^Version=$v/Version=$((v + 1))/" "$ini"
    lab_log "SABOTAGE: $AGENT_GPO's GPT.INI Version $v -> $((v + 1)) (its versionNumber left at $v), after the probes above ran"
fi
t=$(date +%s%N)
lab_expect "acceptance: the gpo scenario passes as $ACCEPT_SAM (exit 0)" pass acceptance "$LAB_DIR/acceptance"
lab_fig "acceptance run (gpo scenario)" "$(lab_since "$t") ms"
sed "s/^/    /" "$LAB_DIR/acceptance.log"
N_GPOS=$(node -e 'const r = require(process.argv[1]); console.log((r.resources ?? r).filter((x) => x.type === "billu:gpo:Gpo").length)' "$WANT_GPOS")
N_LINKED=$(node -e 'const r = require(process.argv[1]); console.log(new Set((r.resources ?? r).filter((x) => x.type === "billu:gpo:Gpo").flatMap((g) => g.inputs.links.map((l) => l.dn))).size)' "$WANT_GPOS")
lab_expect "acceptance: its JUnit report has $((2 * N_GPOS + N_LINKED)) steps ($N_GPOS GPOs twice, $N_LINKED linked OUs), no failure" pass \
    grep -q "<testsuites [^>]*tests=\"$((2 * N_GPOS + N_LINKED))\" failures=\"0\"" "$LAB_DIR/acceptance/acceptance.xml"
lab_expect "acceptance: its report and log show no password" fail grep -rqF -- "$ACC_PW" "$LAB_DIR/acceptance" "$LAB_DIR/acceptance.log"

usn1=$(rootdse_usn)
lab_expect "the gpo step again" pass run_step gpo again
lab_expect "... reports no change" fail grep -Eq "^(gpo|billu\[gpo\]): " "$LAB_DIR/gpo.again.log"
lab_expect "... writes nothing: highestCommittedUSN unchanged ($usn1)" pass test "$usn1" = "$(rootdse_usn)"
gpo_state again
"${GPO_PROBE[@]}" gpo-versions "$WANT_GPOS" "$LAB_DIR/gpo-again.list" "$POLICIES" "$LAB_DIR/versions-again.json" >/dev/null || true
lab_expect "... every GPO's version unchanged" pass "${GPO_PROBE[@]}" gpo-bump "$LAB_DIR/versions-first.json" "$LAB_DIR/versions-again.json" "$WANT_GPOS" "$WANT_GPOS"

# The variant: synthesized in the background since 2.; its gpo step staged and read back like the first.
wait "$VARIANT_PID" || { cat "$S2.log" >&2; lab_die "synth of the variant (screen-lock timeout changed) failed"; }
lab_overridden dev "$S2/rendered" "$LAB_DIR/lab-variant"
lab_reference variant dev "$S2/rendered"
R_FIRST="$R"
R="$LAB_DIR/lab-variant/$DC_NAME"
lab_expect "the variant's gpo step ($LOCK_GPO's screen-lock timeout changed, nothing else)" pass run_step gpo variant
readback_step gpo variant
R="$R_FIRST"
gpo_state variant
lab_expect "the variant: GPT.INI versions equal to versionNumber" pass "${GPO_PROBE[@]}" gpo-versions "$S2/resources.json" "$LAB_DIR/gpo-variant.list" "$POLICIES" "$LAB_DIR/versions-variant.json"
lab_expect "the variant bumps exactly the changed GPO's part (model diff), every other version unchanged" pass \
    "${GPO_PROBE[@]}" gpo-bump "$LAB_DIR/versions-again.json" "$LAB_DIR/versions-variant.json" "$WANT_GPOS" "$S2/resources.json"
show "${GPO_PROBE[@]}" gpo-bump "$LAB_DIR/versions-again.json" "$LAB_DIR/versions-variant.json" "$WANT_GPOS" "$S2/resources.json"
lab_expect "$LOCK_GPO: its Registry.pol holds the variant's timeout" pass "${GPO_PROBE[@]}" gpo-files "$S2/resources.json" "$LAB_DIR/gpo-variant.list" "$POLICIES" "$LOCK_GPO"
show "${GPO_PROBE[@]}" gpo-files "$S2/resources.json" "$LAB_DIR/gpo-variant.list" "$POLICIES" "$LOCK_GPO"
lab_fig "Group Policy (4.), inside the lockout wait" "$(lab_since "$t0") ms"

unlocked() { [ "$(bind_code "$PW_SAM" "$LAB_DIR/pw-good")" = ok ]; }
lab_wait $((DURATION * 60 + 20)) "$PW_SAM unlocked after the ${DURATION}-minute lockout" unlocked ||
    lab_expect "$PW_SAM unlocks after the lockout duration" pass unlocked
lab_fig "unlocked after" "$(( $(date +%s) - LOCKED_AT )) s (duration ${DURATION} min)"
kill "$SAMBA_PID" 2>/dev/null || true
lab_log "lab $(( ($(date +%s%N) - LAB_START) / 1000000000 )) s"
lab_finish
