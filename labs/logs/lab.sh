#!/usr/bin/env bash
# labs/logs: central log collection (billu:logs) with real rsyslog daemons, in network namespaces that carry the
# dev model's own addresses, the router between the zones:
#
#   blog-coll (the collector, its zone) --+
#   blog-a    (a client, a second zone) --+-- blog-r (the router: the zones' gateways, forwarding)
#   blog-b    (a client, a third zone)  --+        (blog-b also runs a rogue rsyslogd: another CA's certificate)
#
#   part 1  the rendered guest steps run for real: the collector's `logs-collector` and each client's `logs-forward`
#           (run.sh, its billu-lib.sh, every staged file), the certificates and keys through the step's secret channel
#           (stdin); every rsyslog file passes `rsyslogd -N1` before it is installed, logrotate's policy `logrotate -d`;
#           rsyslog is started by the step; a second run of the collector's step installs and restarts nothing.
#           Every installed file is read back (bytes, mode, owner) against the dev stack's own synth output
#           (out/dev/rendered, synthesized when missing; the clients' files are in their base step there).
#   part 2  probes: a line logged on each client arrives over TLS through the router in the collector's
#           <remoteDir>/<host>/syslog.log, <host> being the model's name for the client's address (and in no other
#           host's folder); the collector speaks TLS only (a plain-TCP syslog line never lands) and presents the
#           certificate of its FQDN; a client whose certificate comes from another CA (same address, same rendered
#           configuration) is refused: the collector logs the TLS refusal and the line never arrives.
#   part 3  the directory drift check's report lines (the shipped applier's drift_line(), a move and a privileged
#           member) written as the unit's output to a real journald on the first DC, forwarded by it to the DC's
#           rsyslog, arrive whole, with the unit's tag and the writer's PID, in the collector's folder of that DC.
#
# Expected values (collector, address, FQDN, port, the clients' names and addresses, the zones) come from the model
# (tools/lab-logs.ts prints them from planLogs), never from a file under test.
#
# Inputs: the dev stack's own collector (PAR-LOG01); tools/lab-logs.ts renders its steps from the dev model (the
# component's own renderers and renderStep, in synth's layout; a client's `logs-forward` is the part of its base step).
# Lab-only stand-ins (documented; everything rendered runs byte for byte, read back after the steps ran):
#  1. Paths: each host runs in its own mount namespace in which its lab folder is bind-mounted over /etc/billu,
#     /etc/rsyslog.d, /etc/logrotate.d, /var/lib/billu, /var/spool/rsyslog and /var/log/remote, so the rendered paths
#     are used as they are (empty mount points are created on this machine when missing, removed at the end).
#  2. The main configuration: a lab /etc/rsyslog.conf stands in for Debian's (which would bind the machine's /dev/log
#     and write its /var/log): a private log socket per host, the rendered /etc/rsyslog.d/*.conf included, local lines
#     to the host's own file, rsyslog's own messages (the TLS refusals) processed by itself (on a Debian guest they go
#     through the journal, which forwards them back; here they would go to the machine's /dev/log).
#  3. Certificates: a throwaway site CA (ECDSA P-384, like SiteCa) issues the collector's server certificate and each
#     client's client certificate with the names and addresses of the plan; another CA signs the rogue's.
#  4. systemd: `systemctl` is a shim on the step's PATH that starts/stops rsyslogd in the host's namespaces and logs
#     each restart.
#  5. systemd: the drift unit itself is not run (no systemd as PID 1 here); its output is written to a real
#     systemd-journald's stdout socket with the header systemd sends for the unit (its identifier, facility and level),
#     journald running in a mount namespace of its own with a /run/systemd and /run/log of its own (tmpfs; empty mount
#     points created on this machine when missing, removed at the end), its syslog socket bound to the DC's rsyslog socket,
#     volatile storage, no kernel log, no audit; ForwardToSyslog at Debian's default.
# Proof the lab can fail: BILLU_LAB_SABOTAGE=1 rewrites the installed collector configuration's AuthMode from
# x509/certvalid to anon (any client, no certificate asked) after the read-back and restarts it; the rogue's line
# then arrives (or no line does) and the lab exits 1.
# shellcheck disable=SC2016,SC2013,SC2153,SC2317 # probes called through lab_expect/lab_wait; node and sh programs in single quotes; host paths have no spaces; A_HOST/B_HOST come from the eval
LAB=blog
# shellcheck source=labs/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
lab_require rsyslogd logger openssl ip node perl unshare nsenter ss logrotate
if [ ! -x /lib/systemd/systemd-journald ] || [ ! -f /etc/systemd/journald.conf ]; then
    lab_die "systemd-journald (/lib/systemd/systemd-journald, /etc/systemd/journald.conf: Debian package systemd) is missing"
fi

T0=$(date +%s%N)
R="$LAB_DIR/rendered"
(cd "$LAB_ROOT" && node dist/tools/lab-logs.js --stack dev --out "$R" >"$LAB_DIR/lab-logs.log" 2>&1) ||
    { cat "$LAB_DIR/lab-logs.log" >&2; lab_die "tools/lab-logs.js could not render the logs steps of the dev stack"; }

# --- facts from the model ---------------------------------------------------------------------------------------
eval "$(node -e '
const f = JSON.parse(require("fs").readFileSync(process.argv[1] + "/facts.json", "utf8"));
const p = f.plan, zone = (n) => f.zones.find((z) => z.name === n);
const out = [], sh = (k, v) => out.push(`${k}=${JSON.stringify(String(v))}`);
sh("COLL", p.host.name); sh("COLL_ADDR", p.host.address); sh("COLL_ZONE", p.host.zone); sh("FQDN", p.fqdn);
sh("PORT", p.port); sh("REMOTE", p.remoteDir);
sh("COLL_PREFIX", zone(p.host.zone).cidr.split("/")[1]); sh("COLL_GW", zone(p.host.zone).gateway);
// Two clients in two zones other than the collector`s: the first of each zone, in billu:hosts order.
const picked = [];
for (const c of p.clients) if (c.zone !== p.host.zone && !picked.some((x) => x.zone === c.zone) && picked.length < 2) picked.push(c);
picked.forEach((c, i) => {
    const k = "AB"[i], z = zone(c.zone);
    sh(`${k}_HOST`, c.name); sh(`${k}_ADDR`, c.address); sh(`${k}_ZONE`, c.zone); sh(`${k}_FQDN`, c.fqdn);
    sh(`${k}_PREFIX`, z.cidr.split("/")[1]); sh(`${k}_GW`, z.gateway);
});
sh("ALL_HOSTS", p.clients.map((c) => c.name).join(" "));
sh("DRIFT_IDENT", f.drift.identifier); sh("DRIFT_UNIT_PATH", f.drift.unit);
console.log(out.join("\n"));
' "$R")"
[ -n "${B_HOST:-}" ] || lab_die "the plan has no two clients in two zones other than the collector's ($COLL_ZONE)"
lab_log "collector $COLL $COLL_ADDR ($COLL_ZONE, $FQDN:$PORT); clients $A_HOST $A_ADDR ($A_ZONE) and $B_HOST $B_ADDR ($B_ZONE)"

# --- the network: the router forwards between the three zones -----------------------------------------------------
lab_ns r; lab_ns coll; lab_ns a; lab_ns b
ip netns exec "$LAB-r" sysctl -qw net.ipv4.ip_forward=1
lab_link "$LAB-coll" eth0 "$COLL_ADDR/$COLL_PREFIX" "$LAB-r" z-coll "$COLL_GW/$COLL_PREFIX"
lab_link "$LAB-a" eth0 "$A_ADDR/$A_PREFIX" "$LAB-r" z-a "$A_GW/$A_PREFIX"
lab_link "$LAB-b" eth0 "$B_ADDR/$B_PREFIX" "$LAB-r" z-b "$B_GW/$B_PREFIX"
ip -n "$LAB-coll" route add default via "$COLL_GW"
ip -n "$LAB-a" route add default via "$A_GW"
ip -n "$LAB-b" route add default via "$B_GW"

# --- stand-in 1: per-host roots, mounted over the rendered paths in the host's own mount namespace -----------------
MOUNTED=(/etc/billu /etc/rsyslog.d /etc/logrotate.d /var/lib/billu /var/spool/rsyslog /var/log/remote)
CREATED=()
for m in "${MOUNTED[@]}"; do [ -d "$m" ] || { mkdir -p "$m"; CREATED+=("$m"); }; done
logs_cleanup() {
    local m
    for m in "${CREATED[@]:-}"; do if [ -n "$m" ]; then rmdir "$m" 2>/dev/null || true; fi; done
    lab_cleanup
}
trap logs_cleanup EXIT
chmod 0711 "$LAB_DIR"

root_of() { echo "$LAB_DIR/h/$1"; }
# host_enter <root> <ns> <command...>: runs the command in the host's network namespace and in a mount namespace
# where its root's folders are the rendered paths (and its lab rsyslog.conf is /etc/rsyslog.conf).
host_enter() {
    local root="$1" ns="$2"; shift 2
    ip netns exec "$ns" unshare -m --propagation private env LAB_HOST_ROOT="$root" PATH="$LAB_DIR/bin:$PATH" sh -c '
        r="$LAB_HOST_ROOT"
        for m in /etc/billu /etc/rsyslog.d /etc/logrotate.d /var/lib/billu /var/spool/rsyslog /var/log/remote; do
            mount --bind "$r$m" "$m" || exit 97
        done
        mount --bind "$r/lab/rsyslog.conf" /etc/rsyslog.conf || exit 97
        exec "$@"' sh "$@"
}

# make_root <root>: the host's folders, as Debian's packages leave them, and the lab's main configuration.
make_root() {
    local r="$1" m
    for m in "${MOUNTED[@]}"; do mkdir -p "$r$m"; done
    chmod 0700 "$r/var/spool/rsyslog"
    mkdir -p "$r/lab"
    # Stand-in 2: Debian's main configuration, minus the machine's /dev/log and /var/log.
    cat >"$r/lab/rsyslog.conf" <<EOF
# Lab stand-in for Debian's /etc/rsyslog.conf (labs/logs): a private log socket, the rendered rsyslog.d files.
global(workDirectory="/var/spool/rsyslog" processInternalMessages="on")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$r/lab/log.sock")
\$IncludeConfig /etc/rsyslog.d/*.conf
*.* action(type="omfile" file="$r/lab/local.log")
EOF
}

# Stand-in 4: systemctl for rsyslog only.
mkdir -p "$LAB_DIR/bin"
cat >"$LAB_DIR/bin/systemctl" <<'EOF'
#!/bin/sh
# Lab shim (labs/logs): rsyslog in the host's namespaces, tracked by its pidfile; other units ignored.
verb="$1"; shift
while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do shift; done
unit="${1%.service}"
[ "$unit" = rsyslog ] || { echo "lab systemctl: $verb $unit ignored" >&2; exit 0; }
pidf="$LAB_HOST_ROOT/lab/rsyslogd.pid"
running() { [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; }
stop() {
    running || return 0
    kill "$(cat "$pidf")"
    n=0; while running; do n=$((n + 1)); [ "$n" -le 100 ] || { kill -9 "$(cat "$pidf")"; break; }; sleep 0.1; done
    rm -f "$pidf"
}
start() { running && return 0; rsyslogd -i "$pidf" -f /etc/rsyslog.conf 2>>"$LAB_HOST_ROOT/lab/rsyslogd.err"; echo "$verb" >>"$LAB_HOST_ROOT/lab/systemctl.log"; }
case "$verb" in
    start) start ;;
    stop) stop ;;
    restart) stop; start ;;
    is-active) running ;;
    enable | is-enabled) exit 0 ;;
    *) echo "lab systemctl: unsupported $verb" >&2; exit 1 ;;
esac
EOF
chmod 0755 "$LAB_DIR/bin/systemctl"

# --- stand-in 3: certificates with the plan's names and addresses --------------------------------------------------
PKI="$LAB_DIR/pki"; mkdir -p "$PKI"
new_ca() { # <name> <CN>
    openssl ecparam -name secp384r1 -genkey -noout -out "$PKI/$1.key"
    openssl req -x509 -new -key "$PKI/$1.key" -subj "/O=BillU/CN=$2" -days 1 -out "$PKI/$1.pem" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
}
issue() { # <ca> <name> <CN> <SANs> <serverAuth|clientAuth>
    local k="$PKI/$2"
    openssl ecparam -name secp384r1 -genkey -noout -out "$k.key"
    openssl req -new -key "$k.key" -subj "/O=BillU/CN=$3" -out "$k.csr"
    printf 'subjectAltName=%s\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n' "$4" "$5" >"$k.ext"
    openssl x509 -req -in "$k.csr" -CA "$PKI/$1.pem" -CAkey "$PKI/$1.key" -CAcreateserial -days 1 -extfile "$k.ext" -out "$k.pem" 2>/dev/null
}
hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }
# secrets <file> <ca pem> <cert pem> <key pem>: the step's stdin (lines "<name>\t<hex>", as GuestStep encodes them).
secrets() { printf 'logs-ca\t%s\nlogs-cert\t%s\nlogs-key\t%s\n' "$(hex "$2")" "$(hex "$3")" "$(hex "$4")" >"$1"; chmod 0600 "$1"; }
new_ca site "BillU lab site CA"
new_ca other "Another CA"
issue site coll "$FQDN" "DNS:$FQDN,IP:$COLL_ADDR" serverAuth
issue site a "$A_FQDN" "DNS:$A_FQDN,IP:$A_ADDR" clientAuth
issue site b "$B_FQDN" "DNS:$B_FQDN,IP:$B_ADDR" clientAuth
issue other rogue "$B_FQDN" "DNS:$B_FQDN,IP:$B_ADDR" clientAuth
secrets "$PKI/coll.secrets" "$PKI/site.pem" "$PKI/coll.pem" "$PKI/coll.key"
secrets "$PKI/a.secrets" "$PKI/site.pem" "$PKI/a.pem" "$PKI/a.key"
secrets "$PKI/b.secrets" "$PKI/site.pem" "$PKI/b.pem" "$PKI/b.key"
# The rogue trusts the site CA (it reaches the real collector) but holds another CA's certificate for B's name.
secrets "$PKI/rogue.secrets" "$PKI/site.pem" "$PKI/rogue.pem" "$PKI/rogue.key"

# --- part 1: the rendered steps, run for real --------------------------------------------------------------------------
# stage <host> <root> <step>: the step's staging folder as GuestStep copies it (run.sh, billu-lib.sh, files/<path>).
stage() {
    local host="$1" root="$2" step="$3" src="$R/$1/var/lib/billu/stage/$3" dst="$2/var/lib/billu/stage/$3" p
    [ -f "$src/run.sh" ] || lab_die "no rendered step $step on $host ($src/run.sh)"
    mkdir -p "$dst/files"
    cp "$src/run.sh" "$src/billu-lib.sh" "$dst/"
    for p in $(grep -h "^billu_install '" "$src/run.sh" | cut -d"'" -f2); do
        install -D -m 0644 "$R/$host$p" "$dst/files$p"
    done
}
run_step() { # <root> <ns> <step> <secrets>
    host_enter "$1" "$2" sh "/var/lib/billu/stage/$3/run.sh" <"$4" >>"$1/lab/step.log" 2>&1
}
COLL_ROOT=$(root_of "$COLL"); A_ROOT=$(root_of "$A_HOST"); B_ROOT=$(root_of "$B_HOST"); ROGUE_ROOT="$LAB_DIR/h/rogue"
for r in "$COLL_ROOT" "$A_ROOT" "$B_ROOT" "$ROGUE_ROOT"; do make_root "$r"; done
stage "$COLL" "$COLL_ROOT" logs-collector
stage "$A_HOST" "$A_ROOT" logs-forward
stage "$B_HOST" "$B_ROOT" logs-forward
stage "$B_HOST" "$ROGUE_ROOT" logs-forward

step_ok() { # <root> <ns> <step> <secrets> <what>
    if run_step "$@"; then lab_log "step $3 ran on $5"; else sed 's/^/    /' "$1/lab/step.log" >&2; lab_die "the rendered step $3 failed on $5"; fi
}
step_ok "$COLL_ROOT" "$LAB-coll" logs-collector "$PKI/coll.secrets" "$COLL"
lab_wait 10 "$COLL listens on tcp/$PORT" sh -c "ip netns exec $LAB-coll ss -Hltn 'sport = :$PORT' | grep -q LISTEN" ||
    { cat "$COLL_ROOT/lab/rsyslogd.err" "$COLL_ROOT/lab/local.log" 2>/dev/null | tail -20 >&2; lab_die "the collector does not listen"; }
step_ok "$A_ROOT" "$LAB-a" logs-forward "$PKI/a.secrets" "$A_HOST"
step_ok "$B_ROOT" "$LAB-b" logs-forward "$PKI/b.secrets" "$B_HOST"
step_ok "$ROGUE_ROOT" "$LAB-b" logs-forward "$PKI/rogue.secrets" "$B_HOST (the rogue: another CA's certificate)"

restarts_before=$(wc -l <"$COLL_ROOT/lab/systemctl.log")
: >"$COLL_ROOT/lab/step.log"
run_step "$COLL_ROOT" "$LAB-coll" logs-collector "$PKI/coll.secrets" || lab_die "the collector's step failed on its second run"
second_run_quiet() { [ "$(wc -l <"$COLL_ROOT/lab/systemctl.log")" = "$restarts_before" ] && ! grep -q 'updated' "$COLL_ROOT/lab/step.log"; }
lab_expect "a second run of the collector's step installs nothing and restarts nothing" pass second_run_quiet

# Read back every installed file (bytes, mode, owner) against the dev stack's synth output.
lab_expected dev
# shellcheck disable=SC2034 # LAB_ENTER and LAB_SECRETS are read by lab_readback (common.sh)
readback_host() { # <host> <root> <ns> <secrets> <step>
    local p
    LAB_ENTER=(host_enter "$2" "$3")
    LAB_SECRETS="$4"
    for p in $(grep -h "^billu_install '" "$R/$1/var/lib/billu/stage/$5/run.sh" | cut -d"'" -f2); do
        lab_readback dev "$1" "$p" "$p"
    done
    LAB_ENTER=()
}
readback_host "$COLL" "$COLL_ROOT" "$LAB-coll" "$PKI/coll.secrets" logs-collector
readback_host "$A_HOST" "$A_ROOT" "$LAB-a" "$PKI/a.secrets" logs-forward
readback_host "$B_HOST" "$B_ROOT" "$LAB-b" "$PKI/b.secrets" logs-forward
remote_mode=$(stat -c '%a %U:%G' "$COLL_ROOT/var/log/remote")
lab_expect "$REMOTE is 0750 root:adm on the collector (got $remote_mode)" pass test "$remote_mode" = "750 root:adm"

if lab_sabotage; then
    lab_log "SABOTAGE: the installed collector configuration accepts any client (AuthMode anon), rsyslog restarted"
    sed -i 's|StreamDriver.AuthMode="x509/certvalid"|StreamDriver.AuthMode="anon"|' "$COLL_ROOT/etc/rsyslog.d/10-billu-collector.conf"
    host_enter "$COLL_ROOT" "$LAB-coll" systemctl restart rsyslog
    lab_wait 10 "$COLL listens again" sh -c "ip netns exec $LAB-coll ss -Hltn 'sport = :$PORT' | grep -q LISTEN" || true
fi

# --- part 2: probes -------------------------------------------------------------------------------------------------
TOKEN="billu-lab-$$-$RANDOM"
log_on() { # <root> <ns> <message>
    ip netns exec "$2" logger -u "$1/lab/log.sock" -t billu-lab "$3"
}
remote_file() { echo "$COLL_ROOT/var/log/remote/$1/syslog.log"; }
arrived() { grep -qF -- "$2" "$(remote_file "$1")" 2>/dev/null; }
nowhere_else() { # <host> <line>: the line is in no other folder than the host's
    local f
    for f in "$COLL_ROOT"/var/log/remote/*/syslog.log; do
        [ "$f" = "$(remote_file "$1")" ] && continue
        grep -qF -- "$2" "$f" && return 1
    done
    return 0
}
for k in A B; do
    host_var="${k}_HOST"; root_var="${k}_ROOT"; host="${!host_var}"; root="${!root_var}"
    ns="$LAB-$(echo "$k" | tr 'AB' 'ab')"
    line="$TOKEN from $host"
    t=$(date +%s%N)
    log_on "$root" "$ns" "$line"
    if lab_wait 20 "$host's line in $REMOTE/$host/syslog.log" arrived "$host" "$line"; then lab_fig "$host -> $COLL delivery" "$(lab_since "$t") ms"; fi
    zone_var="${k}_ZONE"
    lab_expect "$host (zone ${!zone_var}) logs over TLS through the router into $REMOTE/$host/syslog.log" pass arrived "$host" "$line"
    lab_expect "$host's line is in no other host's folder" pass nowhere_else "$host" "$line"
done

# --- part 3: the directory drift check's lines reach the collector (issue #27) ------------------------------------------
# On the first DC billu-directory-drift.service prints one line per difference; systemd hands its stdout to the journal
# with the unit's SyslogIdentifier, SyslogFacility (systemd's default: daemon) and SyslogLevel (default: info), and
# Debian 12's journald (ForwardToSyslog=yes) passes each line to rsyslog's imuxsock, which the rendered
# 90-billu-forward.conf sends on. No systemd runs here as PID 1 (stand-in 5): the lines go as the unit's stream to a
# real systemd-journald, with the identifier, facility and level the rendered unit sets (read from dev's synth output,
# the identifier checked against the model's), and journald forwards them to the DC's rsyslog. The lines are the
# shipped applier's own drift_line() for two drifts of the dev plan: a person moved by hand (accents in the DN) and a
# person added to Domain Admins (the privileged line).
SYNTH="$LAB_ROOT/out/dev/rendered"
drift_units=("$SYNTH"/*"$DRIFT_UNIT_PATH")
if [ "${#drift_units[@]}" != 1 ] || [ ! -f "${drift_units[0]}" ]; then
    lab_die "expected exactly one host with $DRIFT_UNIT_PATH in $SYNTH, found: ${drift_units[*]}"
fi
DRIFT_HOST=${drift_units[0]#"$SYNTH/"}; DRIFT_HOST=${DRIFT_HOST%%/*}
unit_key() { sed -n "s/^$1=//p" "${drift_units[0]}" | tail -n 1; }
unit_ident=$(unit_key SyslogIdentifier)
drift_fac=$(unit_key SyslogFacility); drift_fac=${drift_fac:-daemon}
drift_level=$(unit_key SyslogLevel); drift_level=${drift_level:-info}
lab_expect "the rendered $DRIFT_UNIT_PATH on $DRIFT_HOST tags its lines $DRIFT_IDENT (got \"$unit_ident\")" pass test "$unit_ident" = "$DRIFT_IDENT"
case "$DRIFT_HOST" in
    "$A_HOST") drift_root=$A_ROOT ;;
    "$B_HOST") drift_root=$B_ROOT ;;
    *) lab_die "the drift check's host $DRIFT_HOST is neither client of the lab ($A_HOST, $B_HOST)" ;;
esac
applier=$(unit_key ExecStart | awk '{print $2}')
drift_plan=$(unit_key ExecStart | sed -n 's/.*--plan \([^ ]*\).*/\1/p')
if [ ! -f "$SYNTH/$DRIFT_HOST$applier" ] || [ ! -f "$SYNTH/$DRIFT_HOST$drift_plan" ]; then
    lab_die "the unit's applier ($applier) or plan ($drift_plan) is not in $SYNTH/$DRIFT_HOST"
fi
mapfile -t DRIFT_LINES < <(/usr/bin/python3 - "$SYNTH/$DRIFT_HOST$applier" "$SYNTH/$DRIFT_HOST$drift_plan" <<'EOF'
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("apply_samba", sys.argv[1])
applier = importlib.util.module_from_spec(spec)
spec.loader.exec_module(applier)
plan = json.load(open(sys.argv[2], encoding="utf-8"))
moved = next(u for u in plan["users"] if u["enabled"] and any(ord(c) > 127 for c in u["dn"]))
rdn = moved["dn"].split(",OU=")[0]
print(applier.drift_line((moved["sam"], "dn", moved["dn"], rdn + "," + plan["departuresDn"], False)))
da = next(g for g in plan["privilegedGroups"] if g["sam"] == "Domain Admins")
print(applier.drift_line(("Domain Admins", "member", da["members"], sorted(da["members"] + [moved["sam"]], key=str.lower), True)))
EOF
)
[ "${#DRIFT_LINES[@]}" = 2 ] || lab_die "the applier's drift_line gave ${#DRIFT_LINES[@]} lines, not 2"
# The unit's output through a real systemd-journald (stand-in 5): journald with a /run/systemd of its own (tmpfs), its
# forward socket /run/systemd/journal/syslog being the DC's rsyslog socket (bind-mounted: on Debian rsyslog's imuxsock
# reads that socket); the check's lines written to journald's stdout socket after the header systemd
# sends for a unit with StandardOutput=journal (src/core/execute.c, connect_logger_as: identifier, unit, priority =
# SyslogFacility|SyslogLevel, level prefix, and no forwarding of its own: journald's ForwardToSyslog decides, left at
# Debian's default). Lab overrides of journald.conf: volatile storage on its own /run/log, no kernel log, no audit.
cat >"$LAB_DIR/journald.conf" <<'EOF'
# labs/logs: journald for the drift lines (stand-in 5); ForwardToSyslog is not set: Debian's default (yes) applies.
[Journal]
Storage=volatile
ReadKMsg=no
Audit=no
EOF
cat >"$LAB_DIR/unit-stdout.py" <<'EOF'
# The drift unit's stdout as systemd hands it to journald: connect, the stream header, then the lines (argv[4:]).
import os, socket, sys, syslog
ident, unit, fac, level = sys.argv[1:5]
prio = getattr(syslog, "LOG_" + fac.upper()) | getattr(syslog, "LOG_" + level.upper())
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("/run/systemd/journal/stdout")
s.sendall(("%s\n%s\n%d\n%d\n%d\n%d\n%d\n" % (ident, unit, prio, 0, 0, 0, 0)).encode())
for line in sys.argv[5:]:
    s.sendall((line + "\n").encode("utf-8"))
s.close()
print(os.getpid())
EOF
for m in /run/systemd /run/log; do [ -d "$m" ] || { mkdir -p "$m"; CREATED+=("$m"); }; done
export LAB_UNIT_PID="$LAB_DIR/unit.pid"
t=$(date +%s%N)
# journald stays up until the lines are at the collector (or 30 s): it forwards after it has read the stream.
# journald speaks unix sockets only, so it runs in a mount namespace of its own, not under `ip netns exec` (which
# remounts /sys without the cgroup file system journald needs: "Failed to acquire cgroup root path").
unshare -m --propagation private sh -c '
    mount -t tmpfs tmpfs /run/systemd && mount -t tmpfs tmpfs /run/log && mkdir /run/systemd/journal &&
        : >/run/systemd/journal/syslog && mount --bind "$1/lab/log.sock" /run/systemd/journal/syslog &&
        mount --bind "$2/journald.conf" /etc/systemd/journald.conf || exit 97
    /lib/systemd/systemd-journald >"$2/journald.log" 2>&1 &
    j=$!
    n=0
    while [ ! -S /run/systemd/journal/stdout ] && [ "$n" -lt 100 ]; do n=$((n + 1)); sleep 0.1; done
    shift 2
    /usr/bin/python3 "$@" >"$LAB_UNIT_PID.tmp" && mv "$LAB_UNIT_PID.tmp" "$LAB_UNIT_PID"
    n=0
    while [ ! -e "$LAB_UNIT_PID.done" ] && [ "$n" -lt 300 ]; do n=$((n + 1)); sleep 0.1; done
    kill "$j"; wait "$j"' sh "$drift_root" "$LAB_DIR" "$LAB_DIR/unit-stdout.py" "$unit_ident" "${DRIFT_UNIT_PATH##*/}" "$drift_fac" "$drift_level" "${DRIFT_LINES[@]}" >"$LAB_DIR/journald-sh.log" 2>&1 &
journald_sh=$!
LAB_PIDS+=("$journald_sh")
lab_wait 15 "the drift unit's stream written to journald for $DRIFT_HOST" test -s "$LAB_UNIT_PID" ||
    { cat "$LAB_DIR/journald-sh.log" "$LAB_DIR/journald.log" >&2 2>/dev/null; lab_die "journald or the unit's stream could not run for $DRIFT_HOST"; }
drift_pid=$(cat "$LAB_UNIT_PID")
# drift_arrived <line>: a line of the DC's file at the collector ends with exactly "<identifier>[<pid>] <line>". The
# forwarding (RFC 5424) carries the tag as APP-NAME and PROCID, and the collector's RSYSLOG_FileFormat writes them back
# as "<identifier>[<pid>]" with no colon (measured: every client's line has that form there).
drift_arrived() {
    perl -ne 'BEGIN { $s = shift } chomp; $f = 1 if substr($_, -length($s) - 1) eq " $s"; END { exit !$f }' \
        "${DRIFT_IDENT}[$drift_pid] $1" "$(remote_file "$DRIFT_HOST")" 2>/dev/null
}
if lab_wait 20 "the drift lines in $REMOTE/$DRIFT_HOST/syslog.log" drift_arrived "${DRIFT_LINES[1]}"; then lab_fig "drift unit -> journald -> $DRIFT_HOST's rsyslog -> $COLL" "$(lab_since "$t") ms"; fi
: >"$LAB_UNIT_PID.done"
wait "$journald_sh" 2>/dev/null || true
what=("a person moved by hand" "a person added to Domain Admins")
for i in 0 1; do
    line=${DRIFT_LINES[$i]}
    lab_log "drift line ($drift_fac.$drift_level, ${DRIFT_IDENT}[$drift_pid]): $line"
    lab_expect "the drift check's line for ${what[$i]} ($drift_fac.$drift_level) is whole in $REMOTE/$DRIFT_HOST/syslog.log, tagged ${DRIFT_IDENT}[$drift_pid]" pass drift_arrived "$line"
    lab_expect "the drift line for ${what[$i]} is in no other host's folder" pass nowhere_else "$DRIFT_HOST" "$line"
done
drift_arrived "${DRIFT_LINES[0]}" && drift_arrived "${DRIFT_LINES[1]}" ||
    grep -F -- "$DRIFT_IDENT" "$(remote_file "$DRIFT_HOST")" 2>/dev/null | tail -n 4 | cut -c1-300 | sed 's/^/    collector: /' || true

# The collector speaks TLS only, with the certificate of its FQDN.
server_name() {
    ip netns exec "$LAB-a" timeout 5 openssl s_client -connect "$COLL_ADDR:$PORT" -CAfile "$PKI/site.pem" -verify_hostname "$FQDN" \
        -cert "$PKI/a.pem" -key "$PKI/a.key" -verify_return_error </dev/null 2>&1 | grep -q "Verify return code: 0 (ok)"
}
lab_expect "$COLL presents a site-CA certificate for $FQDN on tcp/$PORT" pass server_name
plain="$TOKEN plain tcp from $A_HOST"
ip netns exec "$LAB-a" timeout 5 logger --tcp --octet-count -n "$COLL_ADDR" -P "$PORT" -t billu-lab "$plain" 2>/dev/null || true
# Bounded: a line sent right after it from A over TLS marks when the plain one would have landed.
marker="$TOKEN marker after plain from $A_HOST"
log_on "$A_ROOT" "$LAB-a" "$marker"
lab_wait 20 "the marker after the plain-TCP attempt" arrived "$A_HOST" "$marker" || true
plain_landed() { grep -rqF -- "$plain" "$COLL_ROOT/var/log/remote"; }
lab_expect "a plain-TCP syslog line to tcp/$PORT never lands" fail plain_landed

# The rogue: B's address, B's rendered configuration, a certificate from another CA.
rogue="$TOKEN from the rogue on $B_HOST's address"
# Only the collector's lines logged from now on count (the plain-TCP attempt above left handshake errors too).
seen=$( (wc -l <"$COLL_ROOT/lab/local.log") 2>/dev/null || echo 0)
since_rogue() { tail -n "+$((seen + 1))" "$COLL_ROOT/lab/local.log" 2>/dev/null; }
log_on "$ROGUE_ROOT" "$LAB-b" "$rogue"
refused() { since_rogue | grep -Eqi 'not permitted to talk to peer|certificate invalid|signer not found'; }
lab_wait 20 "the collector logs the TLS refusal" refused || true
lab_expect "the collector logs the TLS refusal of a certificate from another CA" pass refused
since_rogue | grep -Ei 'not permitted|certificate invalid|signer' | head -2 | cut -c1-200 | sed 's/^/    collector: /' || true
# Bounded: B's own line sent after the rogue's arrives first; the rogue's must not have landed anywhere.
after="$TOKEN from $B_HOST after the rogue"
log_on "$B_ROOT" "$LAB-b" "$after"
lab_wait 20 "$B_HOST's line after the rogue's" arrived "$B_HOST" "$after" || true
rogue_landed() { grep -rqF -- "$rogue" "$COLL_ROOT/var/log/remote"; }
lab_expect "the rogue's line (another CA's certificate) never arrives" fail rogue_landed

lab_fig "whole lab" "$(lab_since "$T0") ms"
lab_finish
