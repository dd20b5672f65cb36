# labs/lib/common.sh: what every network-namespace lab shares (bash). Source it, set LAB (a short, unique prefix:
# every namespace, veth and temp dir of the lab carries it), then use the helpers. Cleanup is automatic.
#
# Rules every lab keeps: contact only addresses inside its own namespaces; bound every wait in count and time
# (lab_wait); no fixed sleeps; clean up after itself (lab_cleanup on EXIT); in CI (CI=true) missing
# prerequisites FAIL, they never skip silently; prove it runs what synth rendered (lab_hash_check); include a
# deliberately broken case that must fail; have one sabotage (lab_sabotage) that corrupts a rendered artifact
# after its hash check, so that the probes, not a setup guard, must turn the lab red.
#
# Exit statuses: 0 every probe passed; 1 a probe failed (lab_finish, or the first failing probe when
# LAB_STOP_AT_FIRST_FAIL=1); 77 skipped (prerequisites missing, never in CI); 3 the lab died before its verdict
# (a setup step failed: lab_die, or a command under set -e). The tally `N passed, M failed` is printed in every
# case (the EXIT trap), so a red run always says how far it got.
#
# BILLU_LAB_SABOTAGE=1 (one switch for every lab; `npm run lab -- --sabotage` sets it): lab_sabotage is true and
# the lab applies its documented corruption; the run must then exit 1.

set -euo pipefail

: "${LAB:?set LAB to a short prefix for this lab before sourcing common.sh}"
LAB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LAB_DIR="$(mktemp -d "/tmp/billu-lab-${LAB}.XXXXXX")"
LAB_NETNS=()
LAB_PIDS=()
LAB_FAILS=0
LAB_PASSES=0
LAB_FIGS=()
LAB_DONE=""
LAB_PKI="$LAB_DIR/pki"

lab_log() { printf '[%s] %s\n' "$LAB" "$*"; }
lab_die() { printf '[%s] FATAL: %s\n' "$LAB" "$*" >&2; exit 3; }

lab_cleanup() {
    local pid ns
    for pid in "${LAB_PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
    for pid in "${LAB_PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
    for ns in "${LAB_NETNS[@]:-}"; do
        [ -n "$ns" ] || continue
        # Kill anything still running in the namespace, then delete it.
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
        rm -rf "/etc/netns/$ns"
    done
    [ -n "${LAB_KEEP:-}" ] || rm -rf "$LAB_DIR"
    # A lab that ends before lab_finish (or lab_require's skip) died in set-up: exit 3, with the tally. Otherwise the
    # exit status stays the lab's own (no exit here: labs that wrap this trap, like samba.sh's, keep it too).
    if [ -z "$LAB_DONE" ]; then
        printf '[%s] died before its verdict: %s passed, %s failed\n' "$LAB" "$LAB_PASSES" "$LAB_FAILS"
        exit 3
    fi
}
trap lab_cleanup EXIT

# lab_sabotage: true when this run must corrupt the lab's rendered artifact (BILLU_LAB_SABOTAGE=1). The caller
# logs what it corrupts with lab_log "SABOTAGE: ...".
lab_sabotage() { [ "${BILLU_LAB_SABOTAGE:-}" = 1 ]; }

# lab_require <command>... : fails (CI) or exits 77 (skip, only outside CI) when a prerequisite is missing.
lab_require() {
    local missing=()
    for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
    [ "$(id -u)" = 0 ] || missing+=("root")
    if [ "${#missing[@]}" -gt 0 ]; then
        if [ "${CI:-}" = "true" ]; then lab_die "missing prerequisites: ${missing[*]} (install labs/$LAB/packages.txt)"; fi
        lab_log "SKIP: missing prerequisites: ${missing[*]} (sudo scripts/install-lab-packages.sh installs them)"
        LAB_DONE=skip
        exit 77
    fi
}

# lab_ns <name>: creates namespace <LAB>-<name> with loopback up and IPv6 off. Call it directly, not in $(...):
# a subshell would lose the record cleanup needs.
lab_ns() {
    local ns="${LAB}-$1"
    ip netns del "$ns" 2>/dev/null || true
    ip netns add "$ns"
    LAB_NETNS+=("$ns")
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# lab_link <nsA> <ifA> <addrA/prefix|-> <nsB> <ifB> <addrB/prefix|->: a veth pair between two namespaces.
lab_link() {
    local tmp_a="v${LAB:0:4}$RANDOM" tmp_b="w${LAB:0:4}$RANDOM"
    ip link add "$tmp_a" type veth peer name "$tmp_b"
    ip link set "$tmp_a" netns "$1"
    ip link set "$tmp_b" netns "$4"
    ip -n "$1" link set "$tmp_a" name "$2"
    ip -n "$4" link set "$tmp_b" name "$5"
    [ "$3" = "-" ] || ip -n "$1" addr add "$3" dev "$2"
    [ "$6" = "-" ] || ip -n "$4" addr add "$6" dev "$5"
    ip -n "$1" link set "$2" up
    ip -n "$4" link set "$5" up
}

# lab_bg <ns> <logfile> <command...>: runs a daemon in a namespace in the background, tracked for cleanup; its
# PID is left in LAB_LAST_PID. Call it directly, not in $(...).
lab_bg() {
    local ns="$1" log="$2"; shift 2
    ip netns exec "$ns" "$@" >"$log" 2>&1 &
    LAB_LAST_PID=$!
    LAB_PIDS+=("$LAB_LAST_PID")
}

# lab_wait <seconds> <description> <command...>: polls the command (every 0.1 s) until it succeeds or the bound
# passes; returns 1 on timeout. Prints how long it took.
lab_wait() {
    local limit="$1" what="$2"; shift 2
    local start now tries=0
    start=$(date +%s%N)
    while :; do
        if "$@" >/dev/null 2>&1; then
            now=$(date +%s%N)
            lab_log "ready: $what after $(( (now - start) / 1000000 )) ms"
            return 0
        fi
        tries=$((tries + 1))
        now=$(date +%s%N)
        if [ $(( (now - start) / 1000000000 )) -ge "$limit" ]; then
            lab_log "timeout: $what not ready after ${limit}s ($tries tries)"
            return 1
        fi
        sleep 0.1
    done
}

# lab_expect <description> <expected: pass|fail> <command...>: runs a probe and records the verdict.
lab_expect() {
    local what="$1" want="$2"; shift 2
    local got=fail
    if "$@" >/dev/null 2>&1; then got=pass; fi
    if [ "$got" = "$want" ]; then
        LAB_PASSES=$((LAB_PASSES + 1)); printf '[%s]   ok    %-6s %s\n' "$LAB" "$want" "$what"
    else
        LAB_FAILS=$((LAB_FAILS + 1)); printf '[%s]   FAIL  want %s, got %s: %s\n' "$LAB" "$want" "$got" "$what"
        lab_stop_if_asked
    fi
}

# lab_stop_if_asked: with LAB_STOP_AT_FIRST_FAIL=1 (sabotage runs, to save time), a failed probe ends the lab now:
# tally, cleanup, exit 1. Labs that count failures themselves call it after LAB_FAILS grows.
lab_stop_if_asked() {
    [ "${LAB_STOP_AT_FIRST_FAIL:-}" = 1 ] && [ "$LAB_FAILS" -gt 0 ] || return 0
    lab_log "stopping at the first failed probe (LAB_STOP_AT_FIRST_FAIL=1)"
    lab_finish
}

# lab_has <pattern> <command...>: true when the command's output (stdout and stderr, whatever its exit status)
# matches the grep pattern; the output is kept in $LAB_DIR/probes.log. Captured first, for pipefail.
lab_has() { local out; out=$("${@:2}" 2>&1) || true; printf '%s\n' "$out" >>"$LAB_DIR/probes.log"; grep -q -- "$1" <<<"$out"; }

# lab_since <start (date +%s%N)>: the milliseconds since then.
lab_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# lab_fig <name> <value>: a measured figure, printed now and again in lab_finish's summary.
lab_fig() { LAB_FIGS+=("$1: $2"); lab_log "measured: $1: $2"; }

# lab_finish: prints the figures (if any) and the tally; exits non-zero on any failed probe.
lab_finish() {
    if [ "${#LAB_FIGS[@]}" -gt 0 ]; then printf '[%s] figures:\n' "$LAB"; printf '    %s\n' "${LAB_FIGS[@]}"; fi
    lab_log "$LAB_PASSES passed, $LAB_FAILS failed"
    LAB_DONE=1
    if [ "$LAB_FAILS" -eq 0 ]; then exit 0; else exit 1; fi
}

# lab_synth <stack>: offline synth of a committed stack into the lab's dir; prints the out dir.
lab_synth() {
    local out="$LAB_DIR/synth-$1"
    (cd "$LAB_ROOT" && node dist/tools/synth.js --stack "$1" --out "$out" >"$LAB_DIR/synth-$1.log" 2>&1) || { cat "$LAB_DIR/synth-$1.log" >&2; lab_die "synth $1 failed"; }
    echo "$out"
}

# lab_hash_check <rendered file> <file the lab runs> <override description>...: proves the lab runs what synth
# rendered. With no override, the two files must be identical; with overrides, the lab's file must equal the
# rendered one after the documented override commands (sed expressions) are applied, which the caller passes.
lab_hash_check() {
    local rendered="$1" used="$2"; shift 2
    local expect="$LAB_DIR/expect.$$"
    cp "$rendered" "$expect"
    local expr
    for expr in "$@"; do sed -i -e "$expr" "$expect"; done
    if cmp -s "$expect" "$used"; then
        lab_log "hash ok: $(sha256sum "$rendered" | cut -c1-16) $(basename "$rendered") [overrides: $#: $*]"
    else
        diff -u "$expect" "$used" | head -20 >&2
        lab_die "the lab does not run what synth rendered: $rendered"
    fi
}

# lab_switch: namespace <LAB>-sw holding a bridge br0, one switch for a zone's namespaces.
# lab_plug <namespace suffix> <address/prefix>: links <LAB>-<suffix> (eth0) to the switch (port p-<suffix>).
lab_switch() {
    lab_ns sw
    ip -n "$LAB-sw" link add br0 type bridge
    ip -n "$LAB-sw" link set br0 up
}
lab_plug() {
    lab_link "$LAB-$1" eth0 "$2" "$LAB-sw" "p-$1" -
    ip -n "$LAB-sw" link set "p-$1" master br0
}

# lab_ca <name> <CN>: a throwaway CA (ECDSA P-384, like SiteCa) in $LAB_PKI/<name>.pem and .key.
# lab_cert <name> <CN> <SANs (DNS:x,IP:y)>: a server certificate of the CA "ca" in $LAB_PKI/<name>.pem and .key.
lab_ca() {
    mkdir -p "$LAB_PKI"
    openssl ecparam -name secp384r1 -genkey -noout -out "$LAB_PKI/$1.key"
    openssl req -x509 -new -key "$LAB_PKI/$1.key" -subj "/O=BillU/CN=$2" -days 1 -out "$LAB_PKI/$1.pem" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
}
lab_cert() {
    local k="$LAB_PKI/$1"
    openssl ecparam -name secp384r1 -genkey -noout -out "$k.key"
    openssl req -new -key "$k.key" -subj "/O=BillU/CN=$2" -out "$k.csr"
    printf 'subjectAltName=%s\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' "$3" >"$k.ext"
    openssl x509 -req -in "$k.csr" -CA "$LAB_PKI/ca.pem" -CAkey "$LAB_PKI/ca.key" -CAcreateserial -days 1 -extfile "$k.ext" -out "$k.pem" 2>/dev/null
    lab_log "certificate $2: $3"
}
