#!/usr/bin/env bash
# Lab: the forest trust between BillU and Ecotech (issue #20) with two Samba 4.17 DCs (network namespaces, root).
#
# BillU's DC (trust-billu) and Ecotech's ECO-DC01 (trust-eco) are provisioned by the lab (samba_plain_dc: realm,
# NetBIOS names and DC names from Pulumi.prod.yaml and Pulumi.ecotech.yaml), each in its own network behind one router
# namespace (trust-rt: plain IP forwarding, no ruleset: the routers' rulesets and the tunnel are not in this lab).
# Each DC's internal DNS forwards to the other (smb.conf `dns forwarder`, standing in for the dns-forward step).
# Both DCs run their `trust` guest step exactly as offline synth rendered it (run.sh, billu-lib.sh, grants.tsv, staged
# where GuestStep stages them, in a private mount namespace with that DC's smb.conf and /run/samba):
#   - Ecotech's from `synth --stack ecotech` (committed config);
#   - BillU's from `synth --stack prod` with a derived config (prod's DCs are Windows; the lab derives a Samba prod:
#     billu:domain.flavor samba, the DCs on debian-12, their syslog flows, billu:trust.selectiveAuthentication false,
#     which the model requires of a Samba side). Nothing of the trust is written by the lab.
# Order as deployed (docs/services/trust.md): BillU's step (creates its half, reports it does not validate yet),
# Ecotech's (creates its half, must validate), BillU's again (validates, fills the grant's domain-local group).
# The lab stands in for the directories: Ecotech's ECO-IT-Admins with eco.admin and eco.user (not in it), BillU's
# GG_DSI with billu.admin (each domain's directory builds them in a real run). Lab secrets: the trust password and
# the users' passwords are made by the lab (Pulumi's RandomPassword in a real run), fed on the step's stdin.
# Probes: names resolve across (SRV); the staged and installed files read back; both halves with the model's direction and attributes; validation from both
# sides (the step's own, then samba-tool validate); the step again changes nothing; the grant's group has ECOTECH's
# admin group as member; an Ecotech admin gets a ticket for a BillU service (kvno), a BillU admin one for Ecotech's.
# Sabotage (BILLU_LAB_SABOTAGE=1): Ecotech's step gets another trust password: its validation (and the probes after)
# must fail.
set -euo pipefail
LAB=trust
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The whole lab in a private mount namespace: the steps' fixed paths get a tmpfs there, invisible outside.
if [ -z "${TRUST_PRIVATE_MOUNTS:-}" ]; then
    created=()
    for d in /var/lib/billu /etc/billu; do [ -d "$d" ] || { mkdir -p "$d"; created+=("$d"); }; done
    rc=0
    TRUST_PRIVATE_MOUNTS=1 unshare -m --propagation private bash "${BASH_SOURCE[0]}" "$@" || rc=$?
    for d in "${created[@]:-}"; do [ -z "$d" ] || rmdir "$d" 2>/dev/null || true; done
    exit "$rc"
fi

# shellcheck source=../lib/common.sh
source "$HERE/../lib/common.sh"
# shellcheck source=../lib/samba.sh
source "$HERE/../lib/samba.sh"
lab_require samba samba-tool wbinfo kinit kvno host ldapsearch setsid unshare node perl /usr/bin/python3
LAB_START=$(date +%s%N)
ROOT="$LAB_ROOT"
[ -f "$ROOT/dist/tools/synth.js" ] || lab_die "run npm run build first"

# --- the facts, from the stacks' config (never from the rendered step) --------------------------------------------
# shellcheck disable=SC2016
eval "$(/usr/bin/python3 - "$ROOT" <<'PY'
import sys, yaml, shlex
root = sys.argv[1]
for side, stack in (("B", "prod"), ("E", "ecotech")):
    c = yaml.safe_load(open(f"{root}/Pulumi.{stack}.yaml"))["config"]
    dc = next(h["name"] for h in c["billu:hosts"] if h.get("role") == "dc")
    t = c["billu:trust"]
    print(f"{side}_DOMAIN={shlex.quote(c['billu:site']['domain'])} {side}_NETBIOS={shlex.quote(c['billu:site']['netbiosName'])} "
          f"{side}_DC={shlex.quote(dc)} {side}_DIRECTION={shlex.quote(t.get('direction', 'both'))} "
          f"{side}_ADMINGROUP={shlex.quote(t['partner']['adminGroup'])} {side}_GRANT={shlex.quote((t.get('grants') or [{}])[0].get('group', ''))}")
PY
)"
[ -n "$B_GRANT" ] || lab_die "prod's billu:trust has no grant to prove"
# The derived Samba prod (see the header): only these edits, each checked.
DERIVED="$LAB_DIR/Pulumi.prod-samba.yaml"
/usr/bin/python3 - "$ROOT/Pulumi.prod.yaml" "$DERIVED" <<'PY' || lab_die "cannot derive a Samba prod from Pulumi.prod.yaml"
import sys, re
s = open(sys.argv[1]).read()
i = s.index("  billu:domain:\n"); j = s.index("    flavor: windows\n", i)
s = s[:j] + "    flavor: samba\n" + s[j + len("    flavor: windows\n"):]
s, n = re.subn(r"(  - name: (PAR-DC0\d)\n(?:    .*\n)*?    os: )windows-2022-(?:gui|core)\n", r"\1debian-12\n", s)
assert n >= 1, "no DC host found"
dcs = re.findall(r"  - name: (PAR-DC0\d)\n", s)
k = "  billu:flows:\n"
s = s.replace(k, k + "".join(f"  - {{ from: {d}, to: PAR-LOG01, service: syslog-tls }}\n" for d in dcs), 1)
k = "  billu:trust:\n"
s = s.replace(k, k + "    selectiveAuthentication: false\n", 1)
open(sys.argv[2], "w").write(s)
PY
SB="$LAB_DIR/synth-prod-samba"
(cd "$ROOT" && node dist/tools/synth.js --stack prod --config "$DERIVED" --out "$SB" >"$SB.log" 2>&1) || { tail -20 "$SB.log" >&2; lab_die "synth of the derived Samba prod failed"; }
SE="$(lab_synth ecotech)"
# The read-back's references: out/ecotech (the user's `npm run synth -- --stack ecotech`) for Ecotech's DC; for BillU's,
# the derived Samba prod's synth (no committed stack renders a Samba trust step for BillU).
lab_expected ecotech
lab_reference prod-samba prod "$SB/rendered"
STAGE=/var/lib/billu/stage/trust

# --- the network: billu <-> router <-> eco ------------------------------------------------------------------------
B_IP=10.98.1.11 E_IP=10.98.2.11
lab_ns billu; lab_ns eco; lab_ns rt
lab_link trust-billu eth0 "$B_IP/24" trust-rt b0 10.98.1.1/24
lab_link trust-eco eth0 "$E_IP/24" trust-rt e0 10.98.2.1/24
ip netns exec trust-rt sysctl -qw net.ipv4.ip_forward=1
ip -n trust-billu route add default via 10.98.1.1
ip -n trust-eco route add default via 10.98.2.1
mkdir -p /etc/netns/trust-billu /etc/netns/trust-eco
echo "nameserver $B_IP" >/etc/netns/trust-billu/resolv.conf
echo "nameserver $E_IP" >/etc/netns/trust-eco/resolv.conf

ADMIN_PW="Lab$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(8))')-9Q!"
samba_plain_dc billu "$LAB_DIR/billu" "$B_DC" "${B_DOMAIN^^}" "$B_NETBIOS" "$B_IP" "$ADMIN_PW" "dns forwarder = $E_IP"
samba_plain_dc eco "$LAB_DIR/eco" "$E_DC" "${E_DOMAIN^^}" "$E_NETBIOS" "$E_IP" "$ADMIN_PW" "dns forwarder = $B_IP"

# in_dc <billu|eco> <command...>: in that DC's network namespace with its smb.conf as /etc/samba/smb.conf and its
# /run/samba (winbindd's socket), as on the DC itself.
in_dc() {
    local side="$1"; shift
    # shellcheck disable=SC2016 # the inner sh's own $0 and $@
    ip netns exec "trust-$side" unshare -m --propagation private sh -c \
        'mount --bind "$0/smb.conf" /etc/samba/smb.conf && mount --bind "$0/run-samba" /run/samba && exec "$@"' "$LAB_DIR/$side" "$@"
}

# The directories' stand-ins (see the header).
USER_PW="Us3r$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(8))')!"
in_dc eco samba-tool group add "$B_ADMINGROUP" >/dev/null
for u in eco.admin eco.user; do in_dc eco samba-tool user create "$u" "$USER_PW" >/dev/null; done
in_dc eco samba-tool group addmembers "$B_ADMINGROUP" eco.admin >/dev/null
in_dc billu samba-tool group add "$E_ADMINGROUP" >/dev/null
in_dc billu samba-tool user create billu.admin "$USER_PW" >/dev/null
in_dc billu samba-tool group addmembers "$E_ADMINGROUP" billu.admin >/dev/null

# --- the rendered steps ---------------------------------------------------------------------------------------------
TRUST_PW="$(/usr/bin/python3 -c 'import secrets; print(secrets.token_urlsafe(48)[:64])')"
hexof() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
printf 'trust-password\t%s\n' "$(hexof "$TRUST_PW")" >"$LAB_DIR/secrets.billu"
if lab_sabotage; then
    lab_log "SABOTAGE: Ecotech's step gets another trust password than BillU's"
    printf 'trust-password\t%s\n' "$(hexof "${TRUST_PW}x")" >"$LAB_DIR/secrets.eco"
else
    cp "$LAB_DIR/secrets.billu" "$LAB_DIR/secrets.eco"
fi
# run_step <billu|eco> <label>: stages the rendered step as GuestStep does (run.sh, billu-lib.sh, every file run.sh
# installs), then runs run.sh with the secrets on stdin; its log in $LAB_DIR/step.<label>.log. That DC's
# /var/lib/billu and /etc/billu are $LAB_DIR/root-<side>/{var-lib-billu,etc-billu} (bind mounts, read back after).
run_step() {
    local side="$1" label="$2" r rc=0
    if [ "$side" = billu ]; then r="$SB/rendered/$B_DC"; else r="$SE/rendered/$E_DC"; fi
    # shellcheck disable=SC2016 # the inner sh's own $0 and $1 (the rendered tree, the stage)
    in_dc "$side" sh -c '
        set -e
        mount --bind "$2/var-lib-billu" /var/lib/billu; mount --bind "$2/etc-billu" /etc/billu
        rm -rf "$1"; mkdir -p "$1"; cp "$0$1/run.sh" "$0$1/billu-lib.sh" "$1/"
        sed -n "s/^billu_install '"'"'\([^'"'"']*\)'"'"'.*/\1/p" "$0$1/run.sh" | while read -r f; do install -D -m 0600 "$0$f" "$1/files$f"; done
        exec sh "$1/run.sh"' "$r" "$STAGE" "$LAB_DIR/root-$side" <"$LAB_DIR/secrets.$side" >"$LAB_DIR/step.$label.log" 2>&1 || rc=$?
    sed "s/^/[$LAB]     $label: /" "$LAB_DIR/step.$label.log" | grep -v -e 'may be echoed' -e GetPassWarning -e fallback_getpass | tail -n 8
    return "$rc"
}
for side in billu eco; do mkdir -p "$LAB_DIR/root-$side/var-lib-billu" "$LAB_DIR/root-$side/etc-billu"; done
step_says() { grep -q -- "$2" "$LAB_DIR/step.$1.log"; }

# --- probes -----------------------------------------------------------------------------------------------------
lab_expect "names resolve across: _ldap._tcp.$E_DOMAIN from BillU's DC" pass \
    lab_has "has SRV record .* ${E_DC,,}.$E_DOMAIN" ip netns exec trust-billu host -t SRV "_ldap._tcp.$E_DOMAIN" "$B_IP"
lab_expect "names resolve across: _kerberos._tcp.$B_DOMAIN from Ecotech's DC" pass \
    lab_has "has SRV record .* ${B_DC,,}.$B_DOMAIN" ip netns exec trust-eco host -t SRV "_kerberos._tcp.$B_DOMAIN" "$E_IP"

t=$(date +%s%N)
lab_expect "BillU's step, first run: creates its half and reports it does not validate yet (exit 0)" pass run_step billu billu1
lab_expect "BillU's step, first run: says it created its half" pass step_says billu1 "created this half of the trust with $E_DOMAIN"
lab_expect "BillU's step, first run: says its half does not validate yet (Ecotech's half is missing)" pass step_says billu1 "does not validate yet"
lab_expect "Ecotech's step: creates its half and validates it (REQUIRE_VALID, exit 0)" pass run_step eco eco1
lab_fig "both halves created (BillU's step, Ecotech's step)" "$(lab_since "$t") ms"
lab_expect "Ecotech's step says the trust is valid from its side" pass step_says eco1 "the trust with $B_DOMAIN is valid from this side"
t=$(date +%s%N)
lab_expect "BillU's step, second run: validates and fills the grant's group (exit 0)" pass run_step billu billu2
lab_fig "BillU's second run" "$(lab_since "$t") ms"
lab_expect "BillU's step, second run: valid from its side" pass step_says billu2 "the trust with $E_DOMAIN is valid from this side"
lab_expect "BillU's step, second run: $E_NETBIOS\\$B_ADMINGROUP added to $B_GRANT" pass step_says billu2 "added $E_NETBIOS\\\\$B_ADMINGROUP (S-1-5-21-"
# What the steps installed, read back (bytes, mode, owner as the rendered step declares).
readback_side() { # <reference> <side> <DC name>
    local f root="$LAB_DIR/root-$2"
    for f in run.sh billu-lib.sh; do lab_readback "$1" "$3" "$STAGE/$f" "$root/var-lib-billu/stage/trust/$f" bytes; done
    lab_readback "$1" "$3" /etc/billu/trust/grants.tsv "$root/etc-billu/trust/grants.tsv"
}
readback_side prod-samba billu "$B_DC"
readback_side ecotech eco "$E_DC"
lab_expect "BillU's step, third run: nothing to create or add (idempotent)" pass run_step billu billu3
unchanged() { ! grep -q -e "created this half" -e "added " -e "created the domain-local" "$LAB_DIR/step.$1.log"; }
lab_expect "BillU's step, third run: its half exists, no group added" pass unchanged billu3

# The halves as the model says: direction both (prod and ecotech configs), forest transitive, quarantined (SID
# filtering), no cross-organisation (Samba side).
half_is() { # <side> <partner domain> <Direction text>
    lab_has "Direction: *$3" in_dc "$1" samba-tool domain trust show "$2" &&
        lab_has "Attributes: *0x[0-9a-f]* (QUARANTINED_DOMAIN,FOREST_TRANSITIVE)$" in_dc "$1" samba-tool domain trust show "$2"
}
lab_expect "BillU's half: direction ${B_DIRECTION^^}, QUARANTINED_DOMAIN,FOREST_TRANSITIVE" pass half_is billu "$E_DOMAIN" "0x[0-9a-f] (${B_DIRECTION^^})"
lab_expect "Ecotech's half: direction ${E_DIRECTION^^}, QUARANTINED_DOMAIN,FOREST_TRANSITIVE" pass half_is eco "$B_DOMAIN" "0x[0-9a-f] (${E_DIRECTION^^})"
lab_expect "samba-tool domain trust validate from BillU's DC" pass \
    lab_has "OK: LocalValidation: .*TRUST\[WERR_OK\]" in_dc billu samba-tool domain trust validate "$E_DOMAIN" --validate-location=local
lab_expect "samba-tool domain trust validate from Ecotech's DC" pass \
    lab_has "OK: LocalValidation: .*TRUST\[WERR_OK\]" in_dc eco samba-tool domain trust validate "$B_DOMAIN" --validate-location=local
grant_has_partner_group() {
    local sid
    sid="$(in_dc billu wbinfo --name-to-sid "$E_NETBIOS\\$B_ADMINGROUP" | cut -d' ' -f1)"
    [ -n "$sid" ] && lab_has "CN=$sid," in_dc billu samba-tool group listmembers "$B_GRANT" --full-dn
}
lab_expect "$B_GRANT (BillU) has $E_NETBIOS\\$B_ADMINGROUP's SID as member (a foreign security principal)" pass grant_has_partner_group

# Kerberos across: a user's TGT at home, then a service ticket of the other realm through the referral.
cat >"$LAB_DIR/krb5.conf" <<K
[libdefaults]
    dns_lookup_kdc = true
    dns_lookup_realm = false
K
ticket() { # <side> <user@REALM> <service principal>
    local cc="FILE:$LAB_DIR/cc.$1"
    printf '%s\n' "$USER_PW" | ip netns exec "trust-$1" env KRB5_CONFIG="$LAB_DIR/krb5.conf" KRB5CCNAME="$cc" kinit "$2" >/dev/null &&
        lab_has "$3: kvno = " ip netns exec "trust-$1" env KRB5_CONFIG="$LAB_DIR/krb5.conf" KRB5CCNAME="$cc" kvno "$3"
}
lab_expect "an Ecotech admin gets a ticket for BillU's cifs/${B_DC,,}.$B_DOMAIN" pass \
    ticket eco "eco.admin@${E_DOMAIN^^}" "cifs/${B_DC,,}.$B_DOMAIN@${B_DOMAIN^^}"
lab_expect "a BillU admin gets a ticket for Ecotech's cifs/${E_DC,,}.$E_DOMAIN (two-way)" pass \
    ticket billu "billu.admin@${B_DOMAIN^^}" "cifs/${E_DC,,}.$E_DOMAIN@${E_DOMAIN^^}"

lab_fig "lab total" "$(lab_since "$LAB_START") ms"
lab_finish
