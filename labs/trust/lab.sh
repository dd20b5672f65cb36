#!/usr/bin/env bash
# Lab: the forest trust between BillU and Ecotech (issue #20) with two Samba 4.17 DCs (network namespaces, root).
#
# BillU's DC (trust-billu) and Ecotech's ECO-DC01 (trust-eco) are provisioned by the lab (samba_plain_dc: realm,
# NetBIOS names and DC names from Pulumi.prod.yaml and Pulumi.ecotech.yaml), each at its address in its stack's outputs,
# in its zone behind its site's router: PAR-FW01 (prod's) and ECO-FW01 (ecotech's), each running its rendered sysctl and
# nftables ruleset (read back), joined by the rendered site-to-site tunnel (charon with kernel-libipsec, userspace ESP,
# a lab key through the rendered secret channel), as labs/vpn runs them (labs/lib/vpn.sh): every packet between the
# domains crosses both forward chains and the tunnel. Each DC runs its rendered `dns-forward` step (unbound on 127.0.0.53, forwarding the
# partner's zone to the partner's DCs) and its internal DNS forwards as its rendered smb.conf's `dns forwarder` says
# (unbound first, then the global forwarders: addresses in the WAN namespace between the routers, NXDOMAIN to all).
# Both DCs run their `trust` guest step exactly as offline synth rendered it (run.sh, billu-lib.sh, grants.tsv, staged
# where GuestStep stages them, in a private mount namespace with that DC's smb.conf and /run/samba):
#   - Ecotech's from `synth --stack ecotech` (committed config);
#   - BillU's from `synth --stack prod` with a derived config (prod's DCs are Windows; the lab derives a Samba prod:
#     billu:domain.flavor samba, the DCs on debian-12, their syslog and SYSVOL pull flows, billu:trust.selectiveAuthentication false,
#     which the model requires of a Samba side). Nothing of the trust is written by the lab.
# Order as deployed (docs/services/trust.md): BillU's step (creates its half, reports it does not validate yet),
# Ecotech's (creates its half, must validate), BillU's again (validates, fills the grant's domain-local group).
# The lab stands in for the directories: Ecotech's ECO-IT-Admins with eco.admin and eco.user (not in it), BillU's
# GG_DSI with billu.admin (each domain's directory builds them in a real run). Lab secrets: the trust password and
# the users' passwords are made by the lab (Pulumi's RandomPassword in a real run), fed on the step's stdin.
# Probes: both dns-forward steps and their files read back; names resolve across (SRV) through each DC's Samba DNS and
# its unbound (whose cache then holds the answer) and from unbound itself; the staged and installed files read back; both halves with the model's direction and attributes; validation from both
# sides (the step's own, then samba-tool validate); the step again changes nothing; the grant's group has ECOTECH's
# admin group as member; an Ecotech admin gets a ticket for a BillU service (kvno), a BillU admin one for Ecotech's, and
# each referral was counted by the forward rules of the trust's flows of both routers (nft counters, before and after);
# on a BillU Samba member (the grant's host, winbind), a share granted to the grant's domain-local group, its folder and
# ACL made by the rendered billu-shares: the Ecotech admin reads it with his Ecotech ticket and cannot write, eco.user
# and billu.admin are refused (NT_STATUS_ACCESS_DENIED), and on disk the folder ACL alone gives the same verdicts (the
# kernel, as each account's ids); each DC logs at its rendered
# log level and the partner's logons are in their logs (auth_audit).
# Sabotage (BILLU_LAB_SABOTAGE=1): Ecotech's step gets another trust password: its validation (and the probes after)
# must fail. TRUST_SABOTAGE=grant-empty: the grant's group loses the partner's admin group: the share read must fail.
# TRUST_SABOTAGE=fwd-zone: BillU's unbound loses the partner's forward-zone: the SRV lookup across must fail.
# TRUST_SABOTAGE=router-flows: PAR-FW01's installed ruleset loses the rules of the trust's ad-trust flows: the first probe
# that needs them (BillU's step: its DC locator lookup of the partner) must fail; the DNS lookups across pass (the dns flows).
# TRUST_SABOTAGE=member-idmap, member-open, member-rw, member-acl: labs/trust/sabotage.txt.
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
# shellcheck source=../lib/vpn.sh
source "$HERE/../lib/vpn.sh"
lab_require samba samba-tool wbinfo winbindd smbd net smbclient ldbsearch ldbmodify nsenter ss kinit kvno host ldapsearch setsid unshare node perl /usr/bin/python3 \
    unbound unbound-checkconf unbound-control /usr/libexec/unbound-helper dig dpkg-query nft setpriv getfacl setfacl \
    charon-systemd swanctl
# The member's rendered nsswitch.conf asks winbind (billu-shares resolves the grant's group with getent).
[ -e "/usr/lib/$(uname -m)-linux-gnu/libnss_winbind.so.2" ] || lab_die "libnss_winbind is missing: apt-get install libnss-winbind (labs/trust/packages.txt)"
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
          f"{side}_ADMINGROUP={shlex.quote(t['partner']['adminGroup'])} {side}_GRANT={shlex.quote((t.get('grants') or [{}])[0].get('group', ''))} "
          f"{side}_GRANT_SERVICE={shlex.quote((t.get('grants') or [{}])[0].get('service', ''))} "
          f"{side}_GRANT_HOST={shlex.quote(((t.get('grants') or [{}])[0].get('hosts') or [''])[0])} "
          f"{side}_FORWARDERS={shlex.quote(' '.join(c['billu:network'].get('dnsForwarders') or []))}")
PY
)"
[ -n "$B_GRANT" ] || lab_die "prod's billu:trust has no grant to prove"
# The service of the flows the trust's requirements generate (model/trust.ts): the routers' rules the probes count.
AD_TRUST=$(node -e 'console.log(require(process.argv[1]).AD_TRUST_SERVICE)' "$ROOT/dist/model/trust.js")
[ "$B_GRANT_SERVICE" = smb ] || lab_die "prod's first billu:trust grant is not an smb grant (got '$B_GRANT_SERVICE'): this lab proves a share read"
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
# Samba DCs pull SYSVOL from the PDC emulator (issue #17) and, as Debian hosts, report to GLPI's inventory (issue #21):
# every flow the model requires of the derived site and prod (Windows DCs) lacks, asked of it (tools/missing-flows.ts),
# declared first in billu:flows as a Samba prod would declare them.
SYSVOL_FLOWS=$(cd "$ROOT" && node dist/tools/missing-flows.js --stack prod --config "$DERIVED") || lab_die "the model refuses the derived Samba prod"
{ sed -n '1,/^  billu:flows:$/p' "$DERIVED"; printf '%s\n' "$SYSVOL_FLOWS"; sed '1,/^  billu:flows:$/d' "$DERIVED"; } >"$DERIVED.new"
mv "$DERIVED.new" "$DERIVED"
lab_log "the derived Samba prod declares the flows its Samba DCs require: $(grep -c . <<<"$SYSVOL_FLOWS")"
SB="$LAB_DIR/synth-prod-samba" SP="$LAB_DIR/synth-prod"
# prod's own synth (BillU's router, PAR-FW01, runs prod's rendered ruleset: see the network below), beside the derived one.
(cd "$ROOT" && node dist/tools/synth.js --stack prod --out "$SP" >"$SP.log" 2>&1) &
SP_PID=$!
(cd "$ROOT" && node dist/tools/synth.js --stack prod --config "$DERIVED" --out "$SB" >"$SB.log" 2>&1) || { tail -20 "$SB.log" >&2; lab_die "synth of the derived Samba prod failed"; }
wait "$SP_PID" || { tail -20 "$SP.log" >&2; lab_die "synth prod failed"; }
SE="$(lab_synth ecotech)"
# The read-back's references: out/ecotech (the user's `npm run synth -- --stack ecotech`) for Ecotech's DC; for BillU's,
# the derived Samba prod's synth (no committed stack renders a Samba trust step for BillU).
lab_expected ecotech
lab_expected prod
lab_reference prod-samba prod "$SB/rendered"
STAGE=/var/lib/billu/stage/trust FWD_STAGE=/var/lib/billu/stage/dns-forward

# --- the network: BillU's servers zone <-> PAR-FW01 <-> tunnel <-> ECO-FW01 <-> Ecotech's servers zone -------------
# Each DC at its address in its stack's outputs (the partner's rendered unbound forwards to it, the routers' rules name
# it), on its zone behind its site's router: BillU's servers zone is a switch (PAR-DC01 here, PAR-FS01's member below),
# Ecotech's ECO-DC01 is alone on its zone's link. The routers are labs/vpn's (labs/lib/vpn.sh): every NIC as the model
# names it, the rendered sysctl and nftables ruleset of each (read back), charon with the rendered tunnel settings
# (userspace ESP, kernel-libipsec's TUN ipsec0, the key a lab one through the rendered secret channel), the rendered link
# script's routes. BillU's is prod's PAR-FW01: the ruleset that ships (read back against out/prod); the derived Samba
# prod's differs only by its DCs' own flows to PAR-LOG01 and between DCs, and its rules for the partner are the same
# (probed below). The stacks' global DNS forwarders (billu:network.dnsForwarders, internet resolvers) are addresses of
# the WAN namespace between the routers, where labs/dc/upstream-dns.py answers NXDOMAIN to every name (and logs it):
# nothing outside the lab is contacted, and a name of neither domain fails at once (with nothing listening there,
# unbound's retries made the member's first partner logon time out: NT_STATUS_IO_TIMEOUT after 30 s, measured). The
# DCs reach them through their routers' flows to the WAN and its masquerade.
addr_of() { # <outputs.json> <host>: "<address> <prefix length> <its zone's gateway> <its zone>"
    /usr/bin/python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
h = next(x for x in o["hosts"] if x["name"] == sys.argv[2])
z = next(x for x in o["zones"] if x["name"] == h["zone"])
print(h["address"], z["cidr"].split("/")[1], z["gateway"], z["name"])' "$1" "$2"
}
read -r B_IP B_PFX B_GW B_ZONE <<<"$(addr_of "$SB/outputs.json" "$B_DC")" || lab_die "no address for $B_DC in the derived prod's outputs"
read -r E_IP E_PFX E_GW E_ZONE <<<"$(addr_of "$SE/outputs.json" "$E_DC")" || lab_die "no address for $E_DC in ecotech's outputs"
UPSTREAM="$(echo "$B_FORWARDERS $E_FORWARDERS" | tr ' ' '\n' | sed '/^$/d' | sort -u | paste -sd' ')"
lab_log "$B_DC at $B_IP/$B_PFX (zone $B_ZONE, gateway $B_GW), $E_DC at $E_IP/$E_PFX (zone $E_ZONE, gateway $E_GW); upstream forwarders (NXDOMAIN to all): $UPSTREAM"
eval "$(vpn_router_facts "$SP" "$SE")"
lab_log "routers: $PAR_FW $PAR_WAN_ADDR <-> $ECO_FW $ECO_WAN_ADDR (tunnel $PAR_TUNNEL)"
lab_ns billu; lab_ns eco; lab_ns par; lab_ns ecofw; lab_ns wan
lab_switch
lab_plug billu "$B_IP/$B_PFX"
VPN_RUN="$LAB_DIR/vpn"; VPN_NS=([par]=trust-par [eco]=trust-ecofw)
vpn_router_nics trust-par "$PAR_NICS" trust-wan wpar "$B_ZONE=switch"
vpn_router_nics trust-ecofw "$ECO_NICS" trust-wan weco "$E_ZONE=trust-eco"
ip -n trust-eco addr add "$E_IP/$E_PFX" dev eth0
ip -n trust-wan addr add "$PAR_WAN_GW/29" dev wpar; ip -n trust-wan addr add "$ECO_WAN_GW/29" dev weco
ip netns exec trust-wan sysctl -qw net.ipv4.ip_forward=1
ip -n trust-par route add default via "$PAR_WAN_GW"
ip -n trust-ecofw route add default via "$ECO_WAN_GW"
ip -n trust-billu route add default via "$B_GW"
ip -n trust-eco route add default via "$E_GW"
# BillU's other DCs (PAR-DC02, PAR-DC03: one BillU DC in the lab), which Ecotech's rendered unbound also forwards to:
# their addresses are on BillU's DC's link and its DNS port answers there (an nftables DNAT to its Samba), so unbound
# meets no dead server (with two dead ones of three, lookups across took seconds and the Kerberos read timed out).
B_OTHER_DCS=$(/usr/bin/python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
print(" ".join(h["address"] for h in o["hosts"] if h["role"] == "dc" and h["name"] != sys.argv[2]))' "$SB/outputs.json" "$B_DC")
if [ -n "$B_OTHER_DCS" ]; then
    for a in $B_OTHER_DCS; do ip -n trust-billu addr add "$a/$B_PFX" dev eth0; done
    printf 'table ip labdns {\n chain pre {\n  type nat hook prerouting priority -100;\n  ip daddr { %s } meta l4proto { tcp, udp } th dport 53 dnat to %s\n }\n}\n' \
        "${B_OTHER_DCS// /, }" "$B_IP" | ip netns exec trust-billu nft -f - || lab_die "the DNAT for BillU's other DCs failed"
fi
for a in $UPSTREAM; do ip -n trust-wan addr add "$a/32" dev lo; done
lab_bg trust-wan "$LAB_DIR/upstream-dns.err" /usr/bin/python3 "$LAB_ROOT/labs/dc/upstream-dns.py" "$LAB_DIR/upstream-dns.log" "${UPSTREAM// /,}"
lab_wait 10 "the upstream resolvers answer" grep -qx ready "$LAB_DIR/upstream-dns.log" || lab_die "labs/dc/upstream-dns.py did not start"
# The routers' rendered files, installed and read back (against out/prod and out/ecotech, lab_expected above), the
# rulesets loaded, then the tunnel (PAR-FW01 initiates).
vpn_prepare_site par prod "$SP" "$PAR_FW" "$PAR_TUNNEL"
vpn_prepare_site eco ecotech "$SE" "$ECO_FW" "$ECO_TUNNEL"
# The partner's rules of the router BillU's DC sits behind are the same in the derived Samba prod's ruleset but for the
# flows' numbers in their comments (its DCs' flows come first in its billu:flows), so the choice of prod's ruleset
# changes nothing this lab proves.
partner_rules() { grep -F 'vpn-partner' "$1/rendered/$PAR_FW/etc/nftables.conf" | sed 's/ comment "flow [0-9]*: / comment "flow: /'; }
lab_expect "$PAR_FW: the derived Samba prod renders the same rules for the partner (vpn-partner) as prod, flow numbers aside ($(partner_rules "$SP" | wc -l) lines)" pass \
    cmp -s <(partner_rules "$SP") <(partner_rules "$SB")
VPN_KEY=$(head -c 512 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 48)
vpn_fill_secrets par "$VPN_KEY" "$PAR_TUNNEL"
vpn_fill_secrets eco "$VPN_KEY" "$ECO_TUNNEL"
if [ "${TRUST_SABOTAGE:-}" = router-flows ]; then # after its read-back: PAR-FW01's ruleset loses the trust's flows
    n=$(grep -c -- " $AD_TRUST\"\$" "$VPN_RUN/par/nftables.conf") || true
    sed -i "/ $AD_TRUST\"\$/d" "$VPN_RUN/par/nftables.conf"
    if [ "${n:-0}" -eq 0 ] || grep -q -- " $AD_TRUST\"\$" "$VPN_RUN/par/nftables.conf"; then lab_die "sabotage: no $AD_TRUST rule removed from $PAR_FW's ruleset"; fi
    lab_log "SABOTAGE: $PAR_FW's installed ruleset without its $n rules of the trust's $AD_TRUST flows"
fi
vpn_load_ruleset par; vpn_load_ruleset eco
t=$(date +%s%N)
vpn_start_charon eco "$ECO_TUNNEL"; vpn_load_conf eco || lab_die "swanctl --load-all failed at $ECO_FW: $(cat "$VPN_RUN/eco/load.out")"
vpn_start_charon par "$PAR_TUNNEL"; vpn_load_conf par || lab_die "swanctl --load-all failed at $PAR_FW: $(cat "$VPN_RUN/par/load.out")"
both_installed() { vpn_installed par && vpn_installed eco; }
lab_expect "the tunnel $PAR_FW $PAR_WAN_ADDR <-> $ECO_FW $ECO_WAN_ADDR is up (CHILD_SA installed at both ends)" pass lab_wait 15 "CHILD_SA installed at both ends" both_installed
lab_fig "the routers' tunnel up" "$(lab_since "$t") ms"
mkdir -p /etc/netns/trust-billu /etc/netns/trust-eco
echo "nameserver $B_IP" >/etc/netns/trust-billu/resolv.conf
echo "nameserver $E_IP" >/etc/netns/trust-eco/resolv.conf

ADMIN_PW="Lab$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(8))')-9Q!"
# Each DC logs at its rendered smb.conf's `log level` (auth_audit raised: every logon in the DC's log), samba started
# without -d (which would replace it).
# Each DC's internal DNS forwards as its rendered smb.conf says (`dns forwarder`: the dns-forward step's unbound on
# 127.0.0.53 first, then the global forwarders).
rendered_line() { # <rendered smb.conf> <key>: that global line (none: samba's default, and the probes must fail)
    local l; l="$(grep -m1 "^ *$2 = " "$1")" || { lab_log "no $2 line in $1" >&2; return 0; }
    printf '%s\n' "${l#"${l%%[! ]*}"}"
}
B_LOG_LEVEL="$(rendered_line "$SB/rendered/$B_DC/etc/samba/smb.conf" "log level")"
E_LOG_LEVEL="$(rendered_line "$SE/rendered/$E_DC/etc/samba/smb.conf" "log level")"
B_DNS_FWD="$(rendered_line "$SB/rendered/$B_DC/etc/samba/smb.conf" "dns forwarder")"
E_DNS_FWD="$(rendered_line "$SE/rendered/$E_DC/etc/samba/smb.conf" "dns forwarder")"
lab_log "$B_DC: $B_DNS_FWD; $E_DC: $E_DNS_FWD"
SAMBA_PLAIN_DEBUG="" samba_plain_dc billu "$LAB_DIR/billu" "$B_DC" "${B_DOMAIN^^}" "$B_NETBIOS" "$B_IP" "$ADMIN_PW" "$B_DNS_FWD" "$B_LOG_LEVEL"
SAMBA_PLAIN_DEBUG="" samba_plain_dc eco "$LAB_DIR/eco" "$E_DC" "${E_DOMAIN^^}" "$E_NETBIOS" "$E_IP" "$ADMIN_PW" "$E_DNS_FWD" "$E_LOG_LEVEL"

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
# run_step <billu|eco> <label> [step]: stages the rendered step (default trust) as GuestStep does (run.sh, billu-lib.sh,
# every file run.sh installs), then runs run.sh with the secrets on stdin; its log in $LAB_DIR/step.<label>.log. That
# DC's /var/lib/billu and /etc/billu are $LAB_DIR/root-<side>/{var-lib-billu,etc-billu} (bind mounts, read back after).
# The trust step runs with that DC's smb.conf and /run/samba (in_dc); the dns-forward step in that DC's unbound view
# (in_fwd).
# shellcheck disable=SC2016 # the inner sh's own $0..$1 (the rendered tree, the stage)
STAGE_AND_RUN='rm -rf "$1"; mkdir -p "$1"; cp "$0$1/run.sh" "$0$1/billu-lib.sh" "$1/"
    sed -n "s/^billu_install '"'"'\([^'"'"']*\)'"'"'.*/\1/p" "$0$1/run.sh" | while read -r f; do install -D -m 0600 "$0$f" "$1/files$f"; done
    exec sh "$1/run.sh"'
run_step() {
    local side="$1" label="$2" step="${3:-trust}" r rc=0
    if [ "$side" = billu ]; then r="$SB/rendered/$B_DC"; else r="$SE/rendered/$E_DC"; fi
    if [ "$step" = trust ]; then
        # shellcheck disable=SC2016 # the inner sh's own $2 (the DC's root dirs)
        in_dc "$side" sh -c 'set -e
            mount --bind "$2/var-lib-billu" /var/lib/billu; mount --bind "$2/etc-billu" /etc/billu
            '"$STAGE_AND_RUN" "$r" "$STAGE" "$LAB_DIR/root-$side" <"$LAB_DIR/secrets.$side" >"$LAB_DIR/step.$label.log" 2>&1 || rc=$?
    else
        in_fwd "$side" sh -c "set -e; $STAGE_AND_RUN" "$r" "/var/lib/billu/stage/$step" </dev/null >"$LAB_DIR/step.$label.log" 2>&1 || rc=$?
    fi
    sed "s/^/[$LAB]     $label: /" "$LAB_DIR/step.$label.log" | grep -v -e 'may be echoed' -e GetPassWarning -e fallback_getpass | tail -n 8
    return "$rc"
}
step_says() { grep -q -- "$2" "$LAB_DIR/step.$1.log"; }

# --- the dns-forward steps: unbound on each DC, as rendered ---------------------------------------------------------
# Each DC's unbound sees, at their real paths, its own /etc/unbound (a copy of Debian's, where the step installs its
# file), /var/lib/unbound, /run and /var/log, and the steps' /var/lib/billu and /etc/billu (bind mounts in a private
# mount namespace, all under $LAB_DIR/root-<side>). Lab stand-ins, first in PATH: `systemctl` (labs/lib/systemctl-shim.sh:
# starts unbound as Debian's unit does) and `apt-get` (lab_apt_shim skip start: no mirror; the package is here).
for side in billu eco; do
    r="$LAB_DIR/root-$side"
    install -d -m 0755 "$r/var-lib-billu" "$r/etc-billu" "$r/etc-unbound" "$r/run" "$r/var-log" "$r/bin"
    install -d -m 0755 -o unbound -g unbound "$r/var-lib-unbound"
    cp -a /etc/unbound/. "$r/etc-unbound/"
    [ ! -e "$r/etc-unbound/unbound.conf.d/billu-forwarders.conf" ] || lab_die "this machine's /etc/unbound already holds billu-forwarders.conf"
    install -m 0755 "$HERE/../lib/systemctl-shim.sh" "$r/bin/systemctl"
    lab_apt_shim skip start >"$r/bin/apt-get" && chmod 0755 "$r/bin/apt-get"
done
in_fwd() { # <billu|eco> <command...>
    local side="$1"; shift
    # shellcheck disable=SC2016 # the inner sh's own $0 and $@
    ip netns exec "trust-$side" unshare -m --propagation private sh -c 'set -e
        for m in etc-unbound:/etc/unbound var-lib-unbound:/var/lib/unbound run:/run var-log:/var/log \
            var-lib-billu:/var/lib/billu etc-billu:/etc/billu; do mount --bind "$0/${m%%:*}" "${m#*:}"; done
        PATH="$0/bin:$PATH" exec "$@"' "$LAB_DIR/root-$side" "$@"
}
FWD_CONF=/etc/unbound/unbound.conf.d/billu-forwarders.conf
t=$(date +%s%N)
lab_expect "$B_DC's dns-forward step (rendered): unbound installed, checked, answering on 127.0.0.53 (exit 0)" pass run_step billu fwd-billu dns-forward
lab_fig "$B_DC's dns-forward step" "$(lab_since "$t") ms"
lab_expect "$B_DC's dns-forward step says unbound forwards $E_DOMAIN" pass step_says fwd-billu "unbound forwards $E_DOMAIN on 127.0.0.53"
lab_expect "$E_DC's dns-forward step (rendered): unbound installed, checked, answering on 127.0.0.53 (exit 0)" pass run_step eco fwd-eco dns-forward
lab_expect "$E_DC's dns-forward step says unbound forwards $B_DOMAIN" pass step_says fwd-eco "unbound forwards $B_DOMAIN on 127.0.0.53"
fwd_readback() { # <reference> <side> <DC name>
    local f root="$LAB_DIR/root-$2"
    for f in run.sh billu-lib.sh; do lab_readback "$1" "$3" "$FWD_STAGE/$f" "$root/var-lib-billu/stage/dns-forward/$f" bytes; done
    lab_readback "$1" "$3" "$FWD_CONF" "$root/etc-unbound/unbound.conf.d/billu-forwarders.conf"
}
fwd_readback prod-samba billu "$B_DC"
fwd_readback ecotech eco "$E_DC"
if [ "${TRUST_SABOTAGE:-}" = fwd-zone ]; then # after its read-back: BillU's unbound loses the partner's forward-zone
    /usr/bin/python3 -c '
import re, sys
p, d = sys.argv[1], sys.argv[2]
s = open(p).read()
t = re.sub(r"forward-zone:\n    name: \"" + re.escape(d) + r"\"\n(    forward-addr: .*\n)+\n?", "", s)
assert t != s, "no forward-zone for " + d
open(p, "w").write(t)' "$LAB_DIR/root-billu/etc-unbound/unbound.conf.d/billu-forwarders.conf" "$E_DOMAIN" || lab_die "sabotage: cannot remove the zone"
    in_fwd billu systemctl restart unbound
    lab_wait 20 "BillU's unbound answers again" in_fwd billu unbound-control status || lab_die "sabotage: unbound did not restart"
    lab_log "SABOTAGE: $B_DC's unbound runs without its forward-zone for $E_DOMAIN"
fi

# --- probes -----------------------------------------------------------------------------------------------------
# Through each DC's internal DNS (its resolv.conf's server), which asks its unbound first; then unbound's cache holds
# the answer (the query went through it); then unbound itself on 127.0.0.53.
in_cache() { in_fwd "$1" unbound-control dump_cache | grep -q "^$2"; }
lab_expect "names resolve across: _ldap._tcp.$E_DOMAIN from BillU's DC (its Samba DNS, through its unbound)" pass \
    lab_has "has SRV record .* ${E_DC,,}.$E_DOMAIN" ip netns exec trust-billu host -t SRV "_ldap._tcp.$E_DOMAIN" "$B_IP"
lab_expect "... BillU's unbound has that answer cached (Samba asked it)" pass in_cache billu "_ldap._tcp.$E_DOMAIN.[[:space:]].*SRV"
lab_expect "names resolve across: _ldap._tcp.$B_DOMAIN from Ecotech's DC (its Samba DNS, through its unbound)" pass \
    lab_has "has SRV record .* ${B_DC,,}.$B_DOMAIN" ip netns exec trust-eco host -t SRV "_ldap._tcp.$B_DOMAIN" "$E_IP"
lab_expect "... Ecotech's unbound has that answer cached (Samba asked it)" pass in_cache eco "_ldap._tcp.$B_DOMAIN.[[:space:]].*SRV"
lab_expect "BillU's unbound (127.0.0.53) answers _kerberos._tcp.$E_DOMAIN" pass \
    lab_has "has SRV record .* ${E_DC,,}.$E_DOMAIN" ip netns exec trust-billu host -t SRV "_kerberos._tcp.$E_DOMAIN" 127.0.0.53
lab_expect "Ecotech's unbound (127.0.0.53) answers _kerberos._tcp.$B_DOMAIN" pass \
    lab_has "has SRV record .* ${B_DC,,}.$B_DOMAIN" ip netns exec trust-eco host -t SRV "_kerberos._tcp.$B_DOMAIN" 127.0.0.53

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
# The routers' forward chains count each connection the trust's rules accept (the first packet; the rest is
# established): the rules of the flows the trust's requirements generate, named by their comment (the model's
# service, the DCs and their zones from the outputs), read before and after each referral.
fwd_counted() { # <tag> <end of the rules' comment>: packets counted by the router's forward rules whose comment ends so
    ip netns exec "${VPN_NS[$1]}" nft list chain inet billu forward | grep -F -- "$2\"" |
        sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}
R_PAR_IN="vpn-partner -> $B_ZONE $AD_TRUST" R_PAR_OUT="$B_DC -> vpn-partner $AD_TRUST"
R_ECO_IN="vpn-partner -> $E_ZONE $AD_TRUST" R_ECO_OUT="$E_DC -> vpn-partner $AD_TRUST"
c0_eco_out=$(fwd_counted eco "$R_ECO_OUT") c0_par_in=$(fwd_counted par "$R_PAR_IN")
lab_expect "an Ecotech admin gets a ticket for BillU's cifs/${B_DC,,}.$B_DOMAIN" pass \
    ticket eco "eco.admin@${E_DOMAIN^^}" "cifs/${B_DC,,}.$B_DOMAIN@${B_DOMAIN^^}"
c1_eco_out=$(fwd_counted eco "$R_ECO_OUT") c1_par_in=$(fwd_counted par "$R_PAR_IN")
c0_par_out=$(fwd_counted par "$R_PAR_OUT") c0_eco_in=$(fwd_counted eco "$R_ECO_IN")
lab_expect "a BillU admin gets a ticket for Ecotech's cifs/${E_DC,,}.$E_DOMAIN (two-way)" pass \
    ticket billu "billu.admin@${B_DOMAIN^^}" "cifs/${E_DC,,}.$E_DOMAIN@${E_DOMAIN^^}"
c1_par_out=$(fwd_counted par "$R_PAR_OUT") c1_eco_in=$(fwd_counted eco "$R_ECO_IN")
if lab_phase "the referrals crossed both routers' forward chains by the trust's rules (nft counters)"; then
rose() { echo "$1 -> $2 packets"; [ "$2" -gt "$1" ]; } # <before> <after>
lab_expect "eco.admin's referral left through $ECO_FW's forward rules '$R_ECO_OUT' ($c0_eco_out -> $c1_eco_out)" pass rose "$c0_eco_out" "$c1_eco_out"
lab_expect "... and entered BillU through $PAR_FW's '$R_PAR_IN' ($c0_par_in -> $c1_par_in)" pass rose "$c0_par_in" "$c1_par_in"
lab_expect "billu.admin's referral left through $PAR_FW's forward rules '$R_PAR_OUT' ($c0_par_out -> $c1_par_out)" pass rose "$c0_par_out" "$c1_par_out"
lab_expect "... and entered Ecotech through $ECO_FW's '$R_ECO_IN' ($c0_eco_in -> $c1_eco_in)" pass rose "$c0_eco_in" "$c1_eco_in"
fi # the referrals crossed both routers

# --- the partner share on a BillU Samba member ------------------------------------------------------------------
# The grant's host (prod's billu:trust.grants[0].hosts[0], PAR-FS01) as a Samba member server of BillU's domain
# (winbind, joined to BillU's DC), in its own network behind the router, running the smb.conf and krb5.conf synth
# rendered for it (the derived Samba prod's, read back byte for byte against out/prod: the file server's config is
# prod's own): the grant's share (billu:trust.grants[0].share), open to the grant's domain-local group
# (BillU\DL-ECO-Projets-Lecture) and the admins, read-only as the model says, and ECOTECH mapped by idmap rid in
# billu:fileserver.idmap.partner. The share's name, path, access and the partner's range come from the model
# (lab-facts), never from the smb.conf under test. Lab stand-ins: the member is a namespace (its /etc an overlay,
# Samba's state dirs the lab's, /srv and the model's mount point tmpfs), joined with the administrator (the samba step joins with its join account: labs/fileserver
# proves that), its A record added by hand (--no-dns-updates).
if [ "${TRUST_SABOTAGE:-}" = grant-empty ]; then # after its probe: the grant's group loses the partner's admin group
    # By an LDAP modify of the member value: `samba-tool group removemembers <group> <SID>` exits 0 and leaves a
    # foreign security principal in place (4.17.12, seen here).
    sid="$(in_dc billu wbinfo --name-to-sid "$E_NETBIOS\\$B_ADMINGROUP" | cut -d' ' -f1)"
    dn="$(in_dc billu ldbsearch -H "$LAB_DIR/billu/private/sam.ldb" "(sAMAccountName=$B_GRANT)" dn | sed -n 's/^dn: //p')"
    printf 'dn: %s\nchangetype: modify\ndelete: member\nmember: <SID=%s>\n' "$dn" "$sid" |
        in_dc billu ldbmodify -H "$LAB_DIR/billu/private/sam.ldb" >/dev/null || lab_die "sabotage: removing $sid from $B_GRANT failed"
    ! lab_has "CN=$sid," in_dc billu samba-tool group listmembers "$B_GRANT" --full-dn >/dev/null || lab_die "sabotage: $sid is still in $B_GRANT"
    lab_log "SABOTAGE: $B_GRANT emptied of $E_NETBIOS\\$B_ADMINGROUP ($sid)"
fi
# The grant's share and the partner's range, as the model plans them (lab-facts: never from the smb.conf under test).
read -r M_SHARE M_PATH M_RO M_PARTNER_LOW M_PARTNER_HIGH M_MOUNT <<<"$(node "$ROOT/dist/tools/lab-facts.js" --stack prod | /usr/bin/python3 -c '
import json, sys
f = next(x for x in json.load(sys.stdin)["fileservers"] if x["host"] == sys.argv[1])
t = next(x for x in f["trustShares"] if x["group"] == sys.argv[2])
p = f["idmap"]["partner"]
assert p["netbios"] == sys.argv[3], p
print(t["name"], t["path"], "yes" if t["readOnly"] else "no", p["low"], p["high"], f["mountPoint"])' "$B_GRANT_HOST" "$B_GRANT" "$E_NETBIOS")"
[ -n "$M_MOUNT" ] || lab_die "prod's model has no share for the grant $B_GRANT on $B_GRANT_HOST, or no idmap range for $E_NETBIOS (lab-facts)"
lab_log "the grant's share: $M_SHARE at $M_PATH (read only: $M_RO); $E_NETBIOS's idmap range $M_PARTNER_LOW-$M_PARTNER_HIGH"
read -r M_IP M_PFX M_GW _ <<<"$(addr_of "$SB/outputs.json" "$B_GRANT_HOST")" || lab_die "no address for $B_GRANT_HOST in the derived prod's outputs"
M="$LAB_DIR/mem"
M_FQDN="${B_GRANT_HOST,,}.$B_DOMAIN"
lab_ns mem
lab_plug mem "$M_IP/$M_PFX"
ip -n trust-mem route add default via "$M_GW"
mkdir -p "$M"/{etc-up,etc-work,lib/private,cache,log,run}
chmod 700 "$M/lib/private"
# The holder keeps the member's mounts: /etc an overlay (the rendered files at their real paths, the join's keytab at
# the rendered /etc/krb5.keytab, none of it in the machine's /etc), Samba's state, cache, log and run dirs the lab's,
# and a tmpfs on /srv with another on the model's mount point for the shares (billu-shares refuses to run when nothing
# is mounted there; the lab's own dir is 0700: a partner's uid could not traverse it).
lab_bg trust-mem "$LAB_DIR/mem-holder.log" unshare -m --propagation private sh -c "
    mount -t overlay overlay -o lowerdir=/etc,upperdir='$M/etc-up',workdir='$M/etc-work' /etc &&
    mount --bind '$M/lib' /var/lib/samba && mount --bind '$M/cache' /var/cache/samba &&
    mount --bind '$M/log' /var/log/samba && mount --bind '$M/run' /run/samba &&
    mount -t tmpfs -o mode=0755 lab-srv /srv && mkdir -p '$M_MOUNT' && mount -t tmpfs -o mode=0755 lab-shares '$M_MOUNT' &&
    echo ready && exec sleep 3600"
M_HOLDER=$LAB_LAST_PID
memx() { nsenter -t "$M_HOLDER" -m -n -- "$@"; }
lab_wait 10 "member namespace ready" grep -q ready "$LAB_DIR/mem-holder.log" || lab_die "the member's namespace did not start"
memx sh -c "rm -f /etc/resolv.conf && echo 'nameserver $B_IP' >/etc/resolv.conf" || lab_die "the member's resolv.conf"
# The member's rendered files, installed as its samba step declares them (mode, owner), and read back.
M_FILES=(/etc/samba/smb.conf /etc/krb5.conf /etc/nsswitch.conf /usr/local/sbin/billu-shares)
LAB_ENTER=(memx)
for f in "${M_FILES[@]}"; do lab_install_declared "$SB/rendered/$B_GRANT_HOST" "$f" "$f"; done
for f in "${M_FILES[@]}"; do lab_readback prod "$B_GRANT_HOST" "$f" "$f"; done
LAB_ENTER=()
case "${TRUST_SABOTAGE:-}" in
member-idmap) # after its read-back: the installed smb.conf loses the partner's idmap lines
    memx sed -i "/^    idmap config $E_NETBIOS : /d" /etc/samba/smb.conf
    ! memx grep -q "idmap config $E_NETBIOS " /etc/samba/smb.conf || lab_die "sabotage: $E_NETBIOS's idmap lines are still there"
    lab_log "SABOTAGE: the member's smb.conf has no idmap range for $E_NETBIOS" ;;
member-open) # after its read-back: the installed smb.conf's grant share loses its valid users line
    memx sed -i "/^\[$M_SHARE\]\$/,/^\[/{/^    valid users = /d}" /etc/samba/smb.conf
    ! memx sh -c "sed -n '/^\[$M_SHARE\]\$/,/^\[/p' /etc/samba/smb.conf | grep -q '^    valid users = '" || lab_die "sabotage: [$M_SHARE] still has valid users"
    lab_log "SABOTAGE: the member's smb.conf has no valid users line in [$M_SHARE]" ;;
member-rw) # after its read-back: the installed smb.conf's grant share is writable
    memx sed -i "/^\[$M_SHARE\]\$/,/^\[/{s/^    read only = yes\$/    read only = no/}" /etc/samba/smb.conf
    memx grep -q '^    read only = no$' /etc/samba/smb.conf || lab_die "sabotage: [$M_SHARE] is not writable"
    lab_log "SABOTAGE: the member's smb.conf makes [$M_SHARE] writable" ;;
esac
# The machine's own keytab, before the join (the join must write the member's keytab only: the overlay's).
host_keytab() { if [ -e /etc/krb5.keytab ]; then sha256sum /etc/krb5.keytab | cut -d' ' -f1; else echo absent; fi; }
HOST_KEYTAB_BEFORE=$(host_keytab)
t=$(date +%s%N)
# shellcheck disable=SC2016 # the inner sh's own $(cat) (the password, from stdin) and $0..$3
printf '%s' "$ADMIN_PW" | memx sh -c 'PASSWD="$(cat)" exec net ads join -U administrator --no-dns-updates' >"$LAB_DIR/mem-join.log" 2>&1 ||
    { cat "$LAB_DIR/mem-join.log" >&2; lab_die "the member's join to ${B_DOMAIN^^} failed"; }
lab_fig "the member joins BillU's domain" "$(lab_since "$t") ms"
# shellcheck disable=SC2016 # the inner sh's own $(cat) (the password, from stdin) and $0..$3
printf '%s' "$ADMIN_PW" | in_dc billu sh -c 'PASSWD="$(cat)" exec samba-tool dns add "$0" "$1" "$2" A "$3" -U administrator' \
    "$B_IP" "$B_DOMAIN" "${B_GRANT_HOST,,}" "$M_IP" >/dev/null || lab_die "adding $M_FQDN's A record failed"
memx winbindd -F --debug-stdout -d1 >"$LAB_DIR/mem-winbindd.log" 2>&1 &
LAB_PIDS+=($!)
member_keytab_only() { [ -s "$M/etc-up/krb5.keytab" ] && [ "$(host_keytab)" = "$HOST_KEYTAB_BEFORE" ]; }
lab_expect "the join wrote the member's keytab (the rendered /etc/krb5.keytab, in the member's /etc), and the machine's /etc/krb5.keytab is untouched ($HOST_KEYTAB_BEFORE)" pass member_keytab_only
lab_wait 60 "the member's winbind reaches BillU's DC (wbinfo -P)" memx wbinfo -P || lab_die "the member's winbind did not reach the DC"
lab_expect "the member resolves $B_NETBIOS\\$B_GRANT (the grant's group, made by BillU's trust step)" pass \
    lab_wait 30 "$B_NETBIOS\\$B_GRANT resolves" memx wbinfo --name-to-sid "$B_NETBIOS\\$B_GRANT"
lab_expect "the member resolves $E_NETBIOS\\eco.admin through the trust" pass \
    lab_wait 30 "$E_NETBIOS\\eco.admin resolves" memx wbinfo --name-to-sid "$E_NETBIOS\\eco.admin"
# idmap rid: the partner's users get uid = the range's low end + their RID (the model's range, not the file's).
partner_uid() { # eco.admin's uid on the member is exactly $M_PARTNER_LOW + his RID
    local sid uid
    sid=$(memx wbinfo --name-to-sid "$E_NETBIOS\\eco.admin" | cut -d' ' -f1) && uid=$(memx wbinfo --sid-to-uid "$sid") || return 1
    echo "eco.admin $sid -> uid $uid"
    [ "$uid" = "$((M_PARTNER_LOW + ${sid##*-}))" ] && [ "$uid" -le "$M_PARTNER_HIGH" ]
}
lab_expect "$E_NETBIOS\\eco.admin's uid on the member is $E_NETBIOS's range ($M_PARTNER_LOW-$M_PARTNER_HIGH) + his RID (idmap rid)" pass partner_uid
GRANT_SID=$(memx wbinfo --name-to-sid "$B_NETBIOS\\$B_GRANT" | cut -d' ' -f1)
GRANT_GID=$(memx wbinfo --sid-to-gid "$GRANT_SID") || lab_die "no gid for $B_GRANT ($GRANT_SID) on the member"
# The share's folder and its ACL: the rendered billu-shares (installed and read back above) with the rendered
# shares.conf's lines of the trust, verbatim: its header, MOUNT_POINT, ADMIN_GROUP and TRUST_SHARE lines. Its SHARE and
# HOME lines name BillU's directory groups and its 167 accounts, which this lab's directory does not hold (labs/fileserver
# runs them). First a broken case: a TRUST_SHARE line naming a group the domain does not have stops it, naming the group.
M_CONF="$LAB_DIR/shares.conf"
grep -E '^(#|MOUNT_POINT=|ADMIN_GROUP=|TRUST_SHARE=)' "$SB/rendered/$B_GRANT_HOST/etc/billu/shares.conf" >"$M_CONF"
grep -q '^TRUST_SHARE=' "$M_CONF" || lab_die "the rendered shares.conf of $B_GRANT_HOST has no TRUST_SHARE line"
sed "s/^\(TRUST_SHARE=[^|]*|[^|]*|\)[^|]*|/\1$B_NETBIOS\\\\DL-Lab-Absent|/" "$M_CONF" >"$M_CONF.absent"
memx install -D -m 0644 "$M_CONF.absent" /etc/billu/shares.conf
shares_absent() { memx /usr/local/sbin/billu-shares 2>&1; }
lab_expect "broken: billu-shares with a TRUST_SHARE group the domain lacks stops: 'trust share $M_SHARE: group $B_NETBIOS\\DL-Lab-Absent is unknown here'" pass \
    lab_has "^billu-shares: error: trust share $M_SHARE: group $B_NETBIOS\\\\DL-Lab-Absent is unknown here: the trust step on the first DC creates it" shares_absent
lab_expect "... and made no folder" fail memx test -e "$M_PATH"
memx install -D -m 0644 "$M_CONF" /etc/billu/shares.conf
if [ "${TRUST_SABOTAGE:-}" = member-acl ]; then # the folder ACL grants the partner modify: the shares.conf line says modify
    memx sed -i "s/^\(TRUST_SHARE=$M_SHARE|.*|\)read\$/\1modify/" /etc/billu/shares.conf
    memx grep -q "^TRUST_SHARE=$M_SHARE|.*|modify\$" /etc/billu/shares.conf || lab_die "sabotage: the TRUST_SHARE line of $M_SHARE does not say modify"
    lab_log "SABOTAGE: the member's shares.conf gives $B_GRANT modify on $M_PATH"
fi
memx /usr/local/sbin/billu-shares >"$LAB_DIR/shares1.log" 2>&1 || { cat "$LAB_DIR/shares1.log" >&2; lab_die "billu-shares failed on the member"; }
made_folder() { grep -qxF "billu-shares: run: mkdir -p $M_PATH" "$LAB_DIR/shares1.log" && grep -qxF "billu-shares: trust shares=1" "$LAB_DIR/shares1.log"; }
lab_expect "billu-shares made the trust share's folder $M_PATH and set its ACL (one trust share)" pass made_folder
lab_expect "billu-shares again changes nothing" pass lab_has "^billu-shares: status shares=0 changes=0\$" memx /usr/local/sbin/billu-shares
# A file an admin put there (root): it inherits the folder's default ACL.
M_TOKEN="$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(12))')"
# shellcheck disable=SC2016 # the inner sh's own $0..$1
memx sh -c 'printf "partner project file %s\n" "$1" >"$0/lisezmoi.txt"' "$M_PATH" "$M_TOKEN" || lab_die "writing the share's file failed"
memx smbd -F --debug-stdout -d "1 auth:10" >"$LAB_DIR/mem-smbd.log" 2>&1 &
LAB_PIDS+=($!)
printf '[global]\n    client min protocol = SMB3\n' >"$LAB_DIR/client.conf"
lab_wait 30 "the member's smbd listens on port 445" ip netns exec trust-mem sh -c "ss -Htln | grep -Eq '(0\.0\.0\.0|\*|$M_IP):445 '" || lab_die "the member's smbd did not start"
# smb_read <user> <cache>: the user's TGT from Ecotech's KDC, then the share's file over SMB3 with Kerberos only.
smb_read() {
    printf '%s\n' "$USER_PW" | ip netns exec trust-eco env KRB5_CONFIG="$LAB_DIR/krb5.conf" KRB5CCNAME="FILE:$LAB_DIR/$2" kinit "$1@${E_DOMAIN^^}" >"$LAB_DIR/kinit.$2.log" 2>&1 ||
        { cat "$LAB_DIR/kinit.$2.log"; return 1; }
    ip netns exec trust-eco env KRB5_CONFIG="$LAB_DIR/krb5.conf" KRB5CCNAME="FILE:$LAB_DIR/$2" \
        smbclient -s "$LAB_DIR/client.conf" "//$M_FQDN/$M_SHARE" --use-kerberos=required -N -c 'get lisezmoi.txt -' 2>&1 </dev/null
}
t=$(date +%s%N)
lab_expect "eco.admin (in $E_NETBIOS\\$B_ADMINGROUP) reads //$M_FQDN/$M_SHARE with his Ecotech ticket: the file's content" pass \
    lab_has "^partner project file $M_TOKEN\$" smb_read eco.admin cc.eco-smb
lab_fig "the partner admin's share read (kinit, referral, SMB3)" "$(lab_since "$t") ms"
# Read-only as the model says: both the share's `read only` and the folder's ACL (the grant's group r-x) refuse a new
# file.
smb_put() { # <file name> with eco.admin's ticket (cc.eco-smb, from the read above): that file written into the share
    ip netns exec trust-eco env KRB5_CONFIG="$LAB_DIR/krb5.conf" KRB5CCNAME="FILE:$LAB_DIR/cc.eco-smb" \
        smbclient -s "$LAB_DIR/client.conf" "//$M_FQDN/$M_SHARE" --use-kerberos=required -N -c "put $LAB_DIR/client.conf $1" 2>&1 </dev/null
}
if [ "$M_RO" = yes ]; then
    lab_expect "eco.admin cannot write into //$M_FQDN/$M_SHARE (read-only in the model): NT_STATUS_ACCESS_DENIED" pass lab_has "NT_STATUS_ACCESS_DENIED" smb_put ecrit.txt
    lab_expect "... and no file was written" fail memx test -e "$M_PATH/ecrit.txt"
else
    lab_expect "eco.admin writes into //$M_FQDN/$M_SHARE (read/write in the model)" pass smb_put ecrit.txt
fi
if lab_phase "the share's read only alone: a file the grant's group may write on disk" TRUST_SABOTAGE=member-rw; then
# A file whose own ACL lets the grant's group write (set by the lab): overwriting it needs no right on the folder, so
# only the share's `read only` refuses it (the folder ACL refuses the new file above on its own).
if [ "$M_RO" = yes ]; then
    # shellcheck disable=SC2016 # the inner sh's own $0..$2
    memx sh -c 'printf "kept %s\n" "$1" >"$0/modifiable.txt" && setfacl -m "g:$2:rw-" "$0/modifiable.txt"' "$M_PATH" "$M_TOKEN" "$GRANT_GID" ||
        lab_die "the lab's group-writable file failed"
    lab_expect "eco.admin cannot overwrite modifiable.txt (its ACL lets $B_GRANT write; the share is read-only): NT_STATUS_ACCESS_DENIED" pass \
        lab_has "NT_STATUS_ACCESS_DENIED" smb_put modifiable.txt
    lab_expect "... and its content is unchanged" pass memx grep -qxF "kept $M_TOKEN" "$M_PATH/modifiable.txt"
fi
fi # the share's read only alone
if lab_phase "the folder's ACL alone, on the member's disk (billu-shares)" TRUST_SABOTAGE=member-acl; then
# The kernel's verdict on the folder ACL billu-shares set, for the ids smbd takes for a session: the user's uid, his
# primary gid, his groups as winbind lists them, and for eco.admin the grant's group (his session token holds its
# SID: the token probes below). smb.conf plays no part here, so each ACL is proven on its own.
as_ids() { # <account> [extra gid]: runs the rest as that account's uid and gids on the member (setpriv drops root's capabilities)
    local who="$1" extra="$2" uid gid gids
    shift 2
    uid=$(memx id -u "$who") && gid=$(memx id -g "$who") && gids=$(memx id -G "$who" | tr ' ' ',') || return 1
    memx setpriv --reuid="$uid" --regid="$gid" --groups="$gids${extra:+,$extra}" -- "$@"
}
lab_expect "on disk, $E_NETBIOS\\eco.admin's ids with $B_GRANT's gid ($GRANT_GID) read lisezmoi.txt" pass \
    lab_has "^partner project file $M_TOKEN\$" as_ids "$E_NETBIOS\\eco.admin" "$GRANT_GID" cat "$M_PATH/lisezmoi.txt"
if [ "$M_RO" = yes ]; then
    lab_expect "on disk, the same ids cannot create a file in $M_PATH (read grant: r-x): Permission denied" pass \
        lab_has "Permission denied" as_ids "$E_NETBIOS\\eco.admin" "$GRANT_GID" touch "$M_PATH/acl-ecrit.txt"
    lab_expect "... and no file was written" fail memx test -e "$M_PATH/acl-ecrit.txt"
else
    lab_expect "on disk, the same ids create a file in $M_PATH (modify grant: rwx)" pass \
        as_ids "$E_NETBIOS\\eco.admin" "$GRANT_GID" touch "$M_PATH/acl-ecrit.txt"
fi
lab_expect "on disk, $B_NETBIOS\\billu.admin (not in $B_GRANT) cannot list $M_PATH: Permission denied" pass \
    lab_has "Permission denied" as_ids "$B_NETBIOS\\billu.admin" "" ls "$M_PATH"
lab_expect "on disk, $E_NETBIOS\\eco.user (not in $E_NETBIOS\\$B_ADMINGROUP) cannot read lisezmoi.txt: Permission denied" pass \
    lab_has "Permission denied" as_ids "$E_NETBIOS\\eco.user" "" cat "$M_PATH/lisezmoi.txt"
fi # the folder's ACL alone
# A BillU account outside the grant's group (billu.admin: BillU's IT admins, not Domain Admins) is refused at tree
# connect too: the share admits the admins and the grant's group only.
smb_read_billu() {
    printf '%s\n' "$USER_PW" | ip netns exec trust-billu env KRB5_CONFIG="$LAB_DIR/krb5.conf" KRB5CCNAME="FILE:$LAB_DIR/cc.billu-smb" kinit "billu.admin@${B_DOMAIN^^}" >"$LAB_DIR/kinit.billu-smb.log" 2>&1 ||
        { cat "$LAB_DIR/kinit.billu-smb.log"; return 1; }
    ip netns exec trust-billu env KRB5_CONFIG="$LAB_DIR/krb5.conf" KRB5CCNAME="FILE:$LAB_DIR/cc.billu-smb" \
        smbclient -s "$LAB_DIR/client.conf" "//$M_FQDN/$M_SHARE" --use-kerberos=required -N -c 'get lisezmoi.txt -' 2>&1 </dev/null
}
lab_expect "$B_NETBIOS\\billu.admin (not in $B_GRANT) is refused over SMB: tree connect NT_STATUS_ACCESS_DENIED" pass \
    lab_has "tree connect failed: NT_STATUS_ACCESS_DENIED" smb_read_billu
lab_expect "eco.user (not in $E_NETBIOS\\$B_ADMINGROUP) is refused: tree connect NT_STATUS_ACCESS_DENIED" pass \
    lab_has "tree connect failed: NT_STATUS_ACCESS_DENIED" smb_read eco.user cc.eco-user
lab_expect "... and reads nothing" fail lab_has "$M_TOKEN" smb_read eco.user cc.eco-user

# Where a partner's logon is logged: each DC at its rendered log level (auth_audit 3). With NTLM the member passes
# eco.admin's logon to BillU's DC, which asks Ecotech's through the trust: BillU's DC logs it.
printf 'username = eco.admin\npassword = %s\ndomain = %s\n' "$USER_PW" "$E_NETBIOS" >"$LAB_DIR/eco-admin.auth"
chmod 600 "$LAB_DIR/eco-admin.auth"
ntlm_read() {
    ip netns exec trust-eco smbclient -s "$LAB_DIR/client.conf" "//$M_FQDN/$M_SHARE" --use-kerberos=disabled -A "$LAB_DIR/eco-admin.auth" \
        -c 'get lisezmoi.txt -' 2>&1 </dev/null
}
lab_expect "eco.admin reads the share with his password (NTLM, passed through BillU's DC to Ecotech's)" pass \
    lab_has "^partner project file $M_TOKEN\$" ntlm_read
# Kerberos: BillU's KDC does not audit the cross-realm service tickets (4.17 logs AS requests only); Ecotech's KDC
# logs the partner admin's logon.
dc_logged() { # <side> <regex>
    grep -E -- "$2" "$LAB_DIR/samba-$1.log"
}
lab_expect "BillU's DC logs eco.admin's NTLM logon at $B_GRANT_HOST (Auth: SamLogon, NT_STATUS_OK, its NETLOGON computer)" pass \
    dc_logged billu "^Auth: \[SamLogon,network\] user \[$E_NETBIOS\]\\\\\[eco\.admin\] .* status \[NT_STATUS_OK\] .* NETLOGON computer \[$B_GRANT_HOST\]"
lab_expect "Ecotech's DC logs eco.admin's Kerberos logon (Auth: Kerberos KDC, NT_STATUS_OK)" pass \
    dc_logged eco "^Auth: \[Kerberos KDC,ENC-TS Pre-authentication\] user \[\(null\)\]\\\\\[eco\.admin@${E_DOMAIN^^}\] .* status \[NT_STATUS_OK\]"

# --- SID filtering: a SID injected in a partner account's sIDHistory grants nothing at BillU ----------------------
# The attack SID filtering stops: a partner admin (or whoever owns the partner's DC) writes a SID of BillU, here the
# grant's group DL-ECO-Projets-Lecture, into the sIDHistory of an account of his own (eco.user, refused above), so that
# the partner's DC vouches for it in every logon. Measured: Samba 4.17 leaves sIDHistory out of the token it builds,
# even at home (Ecotech's own token for eco.user lacks it), so the attack is not mounted and the filter is not
# exercised: the probes prove the outcome. At BillU's member his Kerberos and NTLM sessions' tokens (smbd's "Security
# token SIDs" at auth:10) hold no such SID and the share stays refused. eco.admin's token holding it (above: through
# the domain-local group) shows that the token check can see the SID.
ESAM="$LAB_DIR/eco/private/sam.ldb" BSAM="$LAB_DIR/billu/private/sam.ldb"
eco_user_dn="$(in_dc eco ldbsearch -H "$ESAM" "(sAMAccountName=eco.user)" dn | sed -n 's/^dn: //p')"
printf 'dn: %s\nchangetype: modify\nadd: sIDHistory\nsIDHistory: %s\n' "$eco_user_dn" "$GRANT_SID" |
    in_dc eco ldbmodify -H "$ESAM" >"$LAB_DIR/sidhistory.log" 2>&1 || { cat "$LAB_DIR/sidhistory.log" >&2; lab_die "writing eco.user's sIDHistory on Ecotech's DC failed"; }
lab_expect "eco.user's sIDHistory holds $B_GRANT's SID ($GRANT_SID), written on Ecotech's DC" pass \
    lab_has "^sIDHistory: $GRANT_SID\$" in_dc eco ldbsearch -H "$ESAM" "(sAMAccountName=eco.user)" sIDHistory
E_USER_SID=$(memx wbinfo --name-to-sid "$E_NETBIOS\\eco.user" | cut -d' ' -f1)
home_token() { # eco.user's token as Ecotech's DC builds it (samba.auth.user_session: the user_info_dc its KDC and netlogon use)
    # shellcheck disable=SC2016 # a Python program
    in_dc eco /usr/bin/python3 -c '
import sys
from samba.param import LoadParm
from samba.samdb import SamDB
from samba.auth import system_session, user_session
lp = LoadParm(); lp.load("/etc/samba/smb.conf")
db = SamDB(url=sys.argv[1], session_info=system_session(), lp=lp)
for s in user_session(db, lp_ctx=lp, dn=sys.argv[2]).security_token.sids: print(s)' "$ESAM" "$eco_user_dn"
}
# Measured: Samba 4.17 leaves sIDHistory out of the token it builds, so the attack is not even mounted at home.
home_token_without() { local t; t="$(home_token)"; printf '%s\n' "$t"; grep -q "^${E_USER_SID%-*}-" <<<"$t" && ! grep -q "^$GRANT_SID\$" <<<"$t"; }
lab_expect "on Ecotech's DC, eco.user's own token (samba.auth.user_session) holds his domain's SIDs, not the injected one: Samba 4.17 leaves sIDHistory out" pass home_token_without
# token_since <line>: the SIDs of the smbd tokens logged after that line of the member's smbd log.
token_since() { tail -n +"$(($1 + 1))" "$LAB_DIR/mem-smbd.log" | grep -E '^ *SID\[ *[0-9]+\]: '; }
# filtered_since <line>: eco.user's session token (his SID) was logged after that line, without the injected SID.
filtered_since() { local seg; seg="$(token_since "$1")"; grep -q ": $E_USER_SID\$" <<<"$seg" && ! grep -q ": $GRANT_SID\$" <<<"$seg"; }
lab_expect "the token check sees the SID: eco.admin's session token at the member (above) holds $GRANT_SID (the grant's group)" pass \
    lab_has ": $GRANT_SID\$" token_since 0
n0=$(wc -l <"$LAB_DIR/mem-smbd.log")
lab_expect "eco.user with the injected SID is still refused with his Ecotech ticket: tree connect NT_STATUS_ACCESS_DENIED" pass \
    lab_has "tree connect failed: NT_STATUS_ACCESS_DENIED" smb_read eco.user cc.eco-hist
lab_expect "... the member's token for that session: eco.user's SID ($E_USER_SID), no $GRANT_SID" pass \
    filtered_since "$n0"
printf 'username = eco.user\npassword = %s\ndomain = %s\n' "$USER_PW" "$E_NETBIOS" >"$LAB_DIR/eco-user.auth"
chmod 600 "$LAB_DIR/eco-user.auth"
ntlm_user_read() {
    ip netns exec trust-eco smbclient -s "$LAB_DIR/client.conf" "//$M_FQDN/$M_SHARE" --use-kerberos=disabled -A "$LAB_DIR/eco-user.auth" \
        -c 'get lisezmoi.txt -' 2>&1 </dev/null
}
n0=$(wc -l <"$LAB_DIR/mem-smbd.log")
lab_expect "eco.user with the injected SID is still refused with his password (NTLM through BillU's DC): NT_STATUS_ACCESS_DENIED" pass \
    lab_has "tree connect failed: NT_STATUS_ACCESS_DENIED" ntlm_user_read
lab_expect "... the member's token for that session holds no $GRANT_SID" pass \
    filtered_since "$n0"
# Measured, not a switch: with QUARANTINED_DOMAIN cleared on BillU's half (samba-tool 4.17 has no option for it: an
# LDAP modify of trustAttributes), the outcome is the same (no sIDHistory in the tokens to begin with), so a "filtering
# off" sabotage that turns the lab red cannot be made here (docs/services/trust.md).
tdo_filter="(&(objectClass=trustedDomain)(trustPartner=$E_DOMAIN))"
tdo_dn="$(in_dc billu ldbsearch -H "$BSAM" "$tdo_filter" dn | sed -n 's/^dn: //p')"
ta="$(in_dc billu ldbsearch -H "$BSAM" "$tdo_filter" trustAttributes | sed -n 's/^trustAttributes: //p')"
printf 'dn: %s\nchangetype: modify\nreplace: trustAttributes\ntrustAttributes: %s\n' "$tdo_dn" "$((ta & ~4))" |
    in_dc billu ldbmodify -H "$BSAM" >/dev/null || lab_die "clearing QUARANTINED_DOMAIN on BillU's half failed"
lab_expect "BillU's half with QUARANTINED_DOMAIN cleared: Attributes FOREST_TRANSITIVE only" pass \
    lab_has "Attributes: *0x[0-9a-f]* (FOREST_TRANSITIVE)$" in_dc billu samba-tool domain trust show "$E_DOMAIN"
n0=$(wc -l <"$LAB_DIR/mem-smbd.log")
lab_expect "... eco.user with the injected SID is still refused (Kerberos)" pass \
    lab_has "tree connect failed: NT_STATUS_ACCESS_DENIED" smb_read eco.user cc.eco-hist-nq
lab_expect "... and that session's token holds no $GRANT_SID" pass \
    filtered_since "$n0"
n0=$(wc -l <"$LAB_DIR/mem-smbd.log")
lab_expect "... eco.user with the injected SID is still refused (NTLM)" pass \
    lab_has "tree connect failed: NT_STATUS_ACCESS_DENIED" ntlm_user_read
lab_fig "lab total" "$(lab_since "$LAB_START") ms"
lab_finish
