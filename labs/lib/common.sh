# shellcheck shell=bash
# labs/lib/common.sh: what every network-namespace lab shares (bash). Source it, set LAB (a short, unique prefix:
# every namespace, veth and temp dir of the lab carries it), then use the helpers. Cleanup is automatic.
#
# Rules every lab keeps: contact only addresses inside its own namespaces; bound every wait in count and time
# (lab_wait); no fixed sleeps; clean up after itself (lab_cleanup on EXIT); in CI (CI=true) missing
# prerequisites FAIL, they never skip silently; prove it runs what synth rendered (lab_readback); include a
# deliberately broken case that must fail; have one sabotage (lab_sabotage) that corrupts a rendered artifact after
# its read-back, so that the probes, not a setup guard, must turn the lab red.
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
# The lab's folder name (labs/<name>/lab.sh sources this file): its overrides are labs/<name>/overrides.json.
LAB_NAME="$(basename "$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)")"
# The lab's own script (lab_phases_declared reads its phases).
LAB_SCRIPT="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)/$(basename "${BASH_SOURCE[1]}")"
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
    for pid in "${LAB_PIDS[@]:-}"; do [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; done
    # Each wait is bounded: a daemon whose shutdown waits on one already gone (zabbix_server reconnecting every 10 s to
    # the stopped PostgreSQL, forever: a CI sabotage run hung there) is killed 15 s after its SIGTERM; what it left in
    # its namespace goes below. The watchdog kills its own sleep when it is called off: an orphaned sleep kept the
    # lab's inherited file descriptors (the shared lab lock among them) for up to 15 s after the lab ended.
    for pid in "${LAB_PIDS[@]:-}"; do
        [ -n "$pid" ] || continue
        ( trap 'kill "$s" 2>/dev/null; exit 0' TERM; sleep 15 & s=$!; wait "$s"; kill -9 "$pid" ) >/dev/null 2>&1 &
        local dog=$!
        wait "$pid" 2>/dev/null || true
        kill "$dog" 2>/dev/null || true
        wait "$dog" 2>/dev/null || true
    done
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

# --- phases: a sabotage run goes straight to its probe ---------------------------------------------------------------
# lab_phase <title> [NAME=value]...: whether this run takes the phase that follows, written
#     if lab_phase "delivery" MBL_SABOTAGE=webmail; then
#     ...                               (the phase's body, not indented: a phase added or moved is a two-line diff)
#     fi # delivery
# The switches named are the sabotage switches (labs/<lab>/sabotage.txt's NAME=value) whose probe needs the phase: the
# phase holds that probe, or sets up what a later phase's probe uses (an account's password, a message it reads). A
# normal run (no *_SABOTAGE variable set) takes every phase, and lab_finish checks that it did (a phase count, from
# the lab's own `if lab_phase` lines); a sabotage run takes only the phases that name its switch, so with
# LAB_STOP_AT_FIRST_FAIL it reaches its probe without running the others. __tests__/tools/lab-sabotage.test.ts keeps
# the switches named here equal to declared ones.
LAB_PHASES_RUN=0
LAB_PHASES_SKIPPED=()
lab_phase() {
    local title="$1" sw v set=()
    shift
    for v in $(compgen -e); do [[ "$v" =~ ^[A-Z][A-Z0-9_]*_SABOTAGE$ ]] && [ -n "${!v}" ] && set+=("$v=${!v}"); done
    if [ "${#set[@]}" -gt 0 ]; then
        for sw in "$@"; do
            if printf '%s\n' "${set[@]}" | grep -qxF -- "$sw"; then set=(); break; fi
        done
        if [ "${#set[@]}" -gt 0 ]; then
            LAB_PHASES_SKIPPED+=("$title")
            lab_log "phase skipped: $title (it leads to no probe of ${set[*]})"
            return 1
        fi
    fi
    LAB_PHASES_RUN=$((LAB_PHASES_RUN + 1))
    lab_log "phase $LAB_PHASES_RUN: $title"
}
# lab_phases_declared: how many `if lab_phase` lines the lab's script holds (what a normal run must take).
lab_phases_declared() { grep -c '^if lab_phase ' "$LAB_SCRIPT" || true; }

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
    local got=fail out="${LAB_DIR:-/tmp}/.lab-expect.out"
    # The probe's output goes to a file, not a subshell (probes may set the lab's variables): a failure prints its
    # last lines, so a CI log says what was observed.
    if "$@" >"$out" 2>&1; then got=pass; fi
    if [ "$got" = "$want" ]; then
        LAB_PASSES=$((LAB_PASSES + 1)); printf '[%s]   ok    %-6s %s\n' "$LAB" "$want" "$what"
    else
        LAB_FAILS=$((LAB_FAILS + 1)); printf '[%s]   FAIL  want %s, got %s: %s\n' "$LAB" "$want" "$got" "$what"
        tail -n 5 "$out" | cut -c1-200 | sed "s/^/[$LAB]         observed: /"
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

# lab_apt_shim <update> <install>: prints labs/lib/apt-get-shim.sh, the pseudo-guests' apt-get (no package mirror is
# contacted), with what its verbs do in this lab filled in: <update> resolve (the mirror hosts through the guest's
# resolv.conf, logged) or skip; <install> unhide (the commands the lab hid) or start (the packages' services, once each
# is found installed on the lab machine). Install the output first in the guest's PATH, mode 0755.
lab_apt_shim() {
    case "${1:-}:${2:-}" in resolve:unhide | resolve:start | skip:unhide | skip:start) ;;
        *) lab_die "lab_apt_shim: give <update> resolve|skip and <install> unhide|start (got '${1:-}' '${2:-}')" ;;
    esac
    sed -e "s/^LAB_APT_UPDATE=\$/LAB_APT_UPDATE=$1/" -e "s/^LAB_APT_INSTALL=\$/LAB_APT_INSTALL=$2/" "$LAB_ROOT/labs/lib/apt-get-shim.sh"
}

# lab_has <pattern> <command...>: true when the command's output (stdout and stderr, whatever its exit status)
# matches the grep pattern; the output is kept in $LAB_DIR/probes.log. Captured first, for pipefail.
lab_has() { local out; out=$("${@:2}" 2>&1) || true; printf '%s\n' "$out" | tee -a "$LAB_DIR/probes.log"; grep -q -- "$1" <<<"$out"; }

# lab_since <start (date +%s%N)>: the milliseconds since then.
lab_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# lab_fig <name> <value>: a measured figure, printed now and again in lab_finish's summary.
lab_fig() { LAB_FIGS+=("$1: $2"); lab_log "measured: $1: $2"; }

# lab_finish: prints the figures (if any) and the tally; exits non-zero on any failed probe.
lab_finish() {
    # A lab with phases: a normal run that reached its end took every one (a phase left out by a condition around it,
    # or named wrongly, turns the run red); a sabotage run says which it skipped.
    local declared
    declared=$(lab_phases_declared)
    if [ "$declared" -gt 0 ] && [ "$LAB_FAILS" -eq 0 ] && [ "${#LAB_PHASES_SKIPPED[@]}" -eq 0 ]; then
        lab_expect "every phase of labs/$LAB_NAME/$(basename "$LAB_SCRIPT") ran ($LAB_PHASES_RUN of $declared)" pass test "$LAB_PHASES_RUN" = "$declared"
    elif [ "$declared" -gt 0 ]; then
        lab_log "phases: $LAB_PHASES_RUN of $declared run, ${#LAB_PHASES_SKIPPED[@]} skipped for this sabotage run"
    fi
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

# --- the proof that a lab runs what synth rendered ------------------------------------------------------------
# A lab installs the files of its own synth (lab_synth), with the overrides of labs/$LAB_NAME/overrides.json applied by
# tools/lab-overrides.ts (lab_overridden: no other edit of a rendered file). After each step has run, lab_readback
# reads back what is INSTALLED (bytes, mode, owner) and compares it with the tree the user's own command rendered
# (out/<stack>/rendered of `node dist/tools/synth.js --stack <stack>`, with the same overrides: lab_expected), the
# mode and owner with what the rendered step declares (its `billu_install <path> <mode> <owner>` line).

# lab_overridden <stack> <rendered dir> <to dir> [NAME=value]...: <rendered dir> copied to <to dir> with this lab's
# overrides for <stack> applied (their {NAME} variables filled). Dies when an override is dead or malformed.
lab_overridden() {
    local stack="$1" from="$2" to="$3"; shift 3
    local args=() v
    for v in "$@"; do args+=(--var "$v"); done
    rm -rf "$to"; mkdir -p "$(dirname "$to")"
    node "$LAB_ROOT/dist/tools/lab-overrides.js" --lab "$LAB_NAME" --stack "$stack" --from "$from" --to "$to" "${args[@]}" >"$LAB_DIR/overrides.log" 2>&1 ||
        { cat "$LAB_DIR/overrides.log" >&2; lab_die "labs/$LAB_NAME/overrides.json cannot be applied to $from"; }
    lab_log "$(cat "$LAB_DIR/overrides.log")"
}

# lab_expected <stack> [NAME=value]...: the read-back's reference for <stack>, in $LAB_DIR/expected/<stack>: the
# rendered tree the user's command wrote (CI runs `npm run synth -- --stack dev` before the labs; a stack whose
# out/<stack> is missing is synthesized here by that same command, with labs/$LAB_NAME/Pulumi.<stack>.yaml as its config
# when the lab has one), with this lab's overrides. Call it directly, not in $(...).
lab_expected() {
    local stack="$1"; shift
    local out="$LAB_ROOT/out/$stack" cfg=()
    [ -f "$LAB_ROOT/labs/$LAB_NAME/Pulumi.$stack.yaml" ] && cfg=(--config "labs/$LAB_NAME/Pulumi.$stack.yaml")
    if [ ! -d "$out/rendered" ]; then
        lab_log "out/$stack is missing: node dist/tools/synth.js --stack $stack ${cfg[*]}"
        (cd "$LAB_ROOT" && node dist/tools/synth.js --stack "$stack" "${cfg[@]}" >"$LAB_DIR/synth-user-$stack.log" 2>&1) ||
            { cat "$LAB_DIR/synth-user-$stack.log" >&2; lab_die "synth $stack failed"; }
    fi
    lab_log "read-back reference: out/$stack/rendered (written $(date -u -r "$out/rendered" '+%F %T UTC'))"
    lab_reference "$stack" "$stack" "$out/rendered" "$@"
}

# lab_reference <name> <stack> <rendered dir> [NAME=value]...: registers another read-back reference, <name>, for
# files a step installed from another synthesis of <stack> (say, with HR's next export: --hr-csv), with the lab's
# overrides for <stack>. lab_readback's first argument names the reference.
lab_reference() {
    local name="$1" stack="$2" from="$3"; shift 3
    printf '%s\n' "$from" >"$LAB_DIR/expected-$name.from"
    lab_overridden "$stack" "$from" "$LAB_DIR/expected/$name" "$@"
}

# LAB_ENTER: a command prefix that enters the lab host (for example a function that enters its mount namespace),
# through which lab_readback reads the installed files and lab_install_declared installs them; empty: the host's.
LAB_ENTER=()
# LAB_SECRETS: the secrets file the lab fed the step (lines "<name>\t<hex>"); a rendered file with {{secret:...}}
# placeholders is expected with them substituted by the rendered billu-lib's billu_subst, as the step does.
LAB_SECRETS=""

# lab_declared <stack> <host> <guest path>: "<mode> <owner:group>" the rendered steps install the file with (from the
# unmodified synth output of the user's command); empty when no step installs it.
lab_declared() {
    local from line
    from=$(cat "$LAB_DIR/expected-$1.from")
    line=$(grep -h "^billu_install '$3' " "$from/$2"/var/lib/billu/stage/*/run.sh 2>/dev/null | head -1) || true
    [ -n "$line" ] || return 0
    eval "set -- ${line#billu_install }"
    printf '%s %s\n' "$(printf '%o' "0$2")" "$3"
}

# lab_readback <reference> <host> <guest path> <installed path> [bytes]: reads back the installed file (through
# LAB_ENTER) and records a probe: its bytes equal the read-back reference's, and its mode and owner the ones the
# rendered step declares. "bytes": bytes only (a staged run.sh or billu-lib.sh, a file the lab loads without a step).
lab_readback() {
    local stack="$1" host="$2" guest="$3" installed="$4" kind="${5:-installed}"
    local ref="$LAB_DIR/expected/$stack/$host$guest" got="$LAB_DIR/readback.got" want="$LAB_DIR/readback.want"
    local problems=() declared="" actual lib libs
    if [ ! -f "$ref" ]; then
        problems+=("not in the $stack stack's synth output")
    elif ! "${LAB_ENTER[@]}" cat "$installed" >"$got" 2>"$LAB_DIR/readback.err"; then
        problems+=("not installed ($(head -1 "$LAB_DIR/readback.err"))")
    else
        cp "$ref" "$want"
        if grep -q '{{secret:' "$want"; then
            libs=("$(cat "$LAB_DIR/expected-$stack.from")/$host"/var/lib/billu/stage/*/billu-lib.sh); lib=${libs[0]}
            # shellcheck disable=SC1090,SC2034 # the rendered library, found at run time; billu_subst reads BILLU_SECRETS
            ( . "$lib"; BILLU_SECRETS="$LAB_SECRETS"; billu_subst "$ref" ) >"$want" 2>"$LAB_DIR/readback.err" ||
                problems+=("its secrets cannot be substituted ($(head -1 "$LAB_DIR/readback.err"))")
        fi
        cmp -s "$want" "$got" || { problems+=("bytes differ"); { diff -u "$want" "$got" | head -20 | sed 's/^/        /' >&2; } || true; }
        if [ "$kind" != bytes ]; then
            declared=$(lab_declared "$stack" "$host" "$guest")
            actual=$("${LAB_ENTER[@]}" stat -c '%a %U:%G' "$installed")
            if [ -z "$declared" ]; then problems+=("no rendered step installs $guest")
            elif [ "$declared" != "$actual" ]; then problems+=("mode/owner $actual, the step declares $declared"); fi
        fi
    fi
    _lab_readback_verdict "$stack" "$host" "$guest" "$installed" "$(sha256sum <"$got" 2>/dev/null | cut -c1-12)" "$declared" "${problems[@]}"
}

# lab_readback_report <stack> <host> <guest path> "<mode> <owner:group> <sha256>": the same probe for a host that
# reports its installed files itself (a VM guest prints mode, owner and SHA-256 on its console).
lab_readback_report() {
    local stack="$1" host="$2" guest="$3" mode owner sum problems=() declared=""
    local ref="$LAB_DIR/expected/$stack/$host$guest"
    read -r mode owner sum <<<"$4"
    if [ -z "$sum" ]; then
        problems+=("the host reported nothing for it")
    elif [ ! -f "$ref" ]; then
        problems+=("not in the $stack stack's synth output")
    else
        [ "$(sha256sum <"$ref" | cut -d' ' -f1)" = "$sum" ] || problems+=("bytes differ (sha256 ${sum:0:12}, expected $(sha256sum <"$ref" | cut -c1-12))")
        declared=$(lab_declared "$stack" "$host" "$guest")
        if [ -z "$declared" ]; then problems+=("no rendered step installs $guest")
        elif [ "$declared" != "$mode $owner" ]; then problems+=("mode/owner $mode $owner, the step declares $declared"); fi
    fi
    _lab_readback_verdict "$stack" "$host" "$guest" "$host (its own report)" "${sum:0:12}" "$declared" "${problems[@]}"
}

_lab_reference_label() { # <reference>: out/<stack> for the user's synth output, else "<reference> synth"
    local from; from=$(cat "$LAB_DIR/expected-$1.from")
    if [ "$from" = "$LAB_ROOT/out/$1/rendered" ]; then echo "out/$1"; else echo "$1 synth"; fi
}
_lab_readback_verdict() { # <stack> <host> <guest path> <installed at> <sha prefix> <declared> [problem]...
    local stack="$1" host="$2" guest="$3" at="$4" sum="$5" declared="$6"; shift 6
    if [ "$#" -eq 0 ]; then
        LAB_PASSES=$((LAB_PASSES + 1))
        printf '[%s]   ok    read-back %s %s = %s (%s%s)\n' "$LAB" "$host" "$guest" "$(_lab_reference_label "$stack")" "$sum" "${declared:+, $declared}"
    else
        LAB_FAILS=$((LAB_FAILS + 1))
        printf '[%s]   FAIL  read-back %s %s (installed at %s): %s\n' "$LAB" "$host" "$guest" "$at" "$(IFS=';'; echo "$*")"
        lab_stop_if_asked
    fi
}

# lab_install_declared <rendered host dir> <guest path> <destination>: installs the rendered file with the mode and
# owner its step declares (the step's `billu_install` line), as the step would.
lab_install_declared() {
    local src="$1" guest="$2" dest="$3" line
    line=$(grep -h "^billu_install '$guest' " "$src"/var/lib/billu/stage/*/run.sh | head -1) || true
    [ -n "$line" ] || lab_die "no rendered step under $src installs $guest"
    eval "set -- ${line#billu_install }"
    "${LAB_ENTER[@]}" install -D -m "$2" -o "${3%%:*}" -g "${3#*:}" "$src$guest" "$dest"
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

# trace_on <ns> <log> <nft match...>: nftables tracing of the matching packets (a lab table of its own, hooked
# before the rendered ruleset; the rendered table is untouched), `nft monitor trace` writing to <log>.
# trace_off <ns>: stops it. The trace names the chain and the verdict that dropped a packet: the reason.
trace_on() {
    local ns="$1" log="$2"; shift 2
    ip netns exec "$ns" nft add table inet labtrace
    ip netns exec "$ns" nft add chain inet labtrace pre '{ type filter hook prerouting priority -400; }'
    ip netns exec "$ns" nft add rule inet labtrace pre "$@" meta nftrace set 1
    lab_bg "$ns" "$log" nft monitor trace
    TRACE_PID=$LAB_LAST_PID
}
trace_off() { kill "$TRACE_PID" 2>/dev/null; wait "$TRACE_PID" 2>/dev/null || true; ip netns exec "$1" nft delete table inet labtrace 2>/dev/null || true; }

# --- the router between the zones, as synth rendered it ----------------------------------------------------------
# lab_router_nics <router namespace> <outputs.json> [<zone>=<peer namespace>|<zone>=switch]...: the router's NICs as
# the model names them (eth0.. in zone order, with their addresses), so its rendered ruleset runs unchanged. A zone
# given a peer namespace gets a veth to that namespace's eth0 (no address there: the caller gives it one and its
# route); a zone given "switch" is plugged into the lab switch (lab_switch); every other zone gets a stub veth inside
# the router, so each interface the ruleset names exists.
lab_router_nics() {
    local ns="$1" outputs="$2"; shift 2
    local ifname zone addr peer spec
    while read -r ifname zone addr; do
        peer=""
        for spec in "$@"; do [ "${spec%%=*}" != "$zone" ] || peer="${spec#*=}"; done
        case "$peer" in
            "")
                ip -n "$ns" link add "$ifname" type veth peer name "s$ifname"
                ip -n "$ns" addr add "$addr" dev "$ifname"
                ip -n "$ns" link set "$ifname" up
                ip -n "$ns" link set "s$ifname" up ;;
            switch)
                lab_link "$ns" "$ifname" "$addr" "$LAB-sw" "p-$ifname" -
                ip -n "$LAB-sw" link set "p-$ifname" master br0 ;;
            *) lab_link "$ns" "$ifname" "$addr" "$peer" eth0 - ;;
        esac
    done < <(node -e 'for (const n of require(process.argv[1]).hosts.find((h) => h.role === "firewall").nics) console.log(n.ifname, n.zone, n.address)' "$outputs")
}

# lab_router_ruleset <router namespace> <rendered router host dir> <reference>: the router's rendered sysctl file and
# nftables ruleset installed as its step declares them (mode, owner), read back against the reference (lab_expected),
# then applied: sysctl, `nft -c`, `nft -f`. The installed ruleset stays in LAB_ROUTER_RULESET (to reload it after a
# probe flushed it on purpose).
lab_router_ruleset() {
    local ns="$1" src="$2" ref="$3" d="$LAB_DIR/router" f
    mkdir -p "$d"
    for f in /etc/sysctl.d/90-billu-router.conf /etc/nftables.conf; do
        rm -f "$d/${f##*/}"
        lab_install_declared "$src" "$f" "$d/${f##*/}"
        lab_readback "$ref" "$(basename "$src")" "$f" "$d/${f##*/}"
    done
    ip netns exec "$ns" sysctl -q -p "$d/90-billu-router.conf" >/dev/null
    ip netns exec "$ns" nft -c -f "$d/nftables.conf" || lab_die "nft -c refuses the rendered ruleset of $(basename "$src")"
    ip netns exec "$ns" nft -f "$d/nftables.conf"
    # shellcheck disable=SC2034 # for the lab that sourced this file
    LAB_ROUTER_RULESET="$d/nftables.conf"
    lab_log "router $(basename "$src"): rendered sysctl and ruleset loaded in $ns (nft -c passed)"
}

# lab_nft_counter <namespace> <family> <table> <chain> <text in the rule>: the packets counted by the first rule of
# the chain that contains the text (empty when no rule with a counter contains it).
lab_nft_counter() {
    ip netns exec "$1" nft list chain "$2" "$3" "$4" | grep -F -- "$5" | head -n 1 | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'
}
