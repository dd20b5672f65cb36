# shellcheck shell=bash
# labs/lib/samba.sh: pseudo-guests and Samba AD DC helpers for network-namespace labs (bash). Source it after
# common.sh. Used by labs/dc and labs/mail (guests running the rendered steps) and by labs/directory and
# labs/fileserver (samba_plain_dc: a DC the lab provisions itself, outside any guest).
#
# A pseudo-guest is what a VM is to a guest step: its own network namespace (lab_ns), its own hostname (a UTS
# namespace) and its own filesystem view, a persistent mount namespace with overlays on /etc, /var and
# /usr/local (writes land in the lab's dir, the host's files are never touched) and a private /run. So the run.sh
# synth rendered runs unchanged at its real paths (/etc/samba/smb.conf, /var/lib/samba, ...), and Samba needs no
# per-DC path options. Inside a guest, `systemctl` is a lab shim (labs/lib/systemctl-shim.sh: no systemd in a
# namespace) that starts the units the steps manage as background processes of the guest; any other unit (chrony:
# it would step the host's clock) is logged and ignored. That shim is the only difference between a guest and a
# Debian VM the steps see.
#
#   guest_new <name> <hostname>          creates the guest (network namespace <LAB>-<name>)
#   guest_exec <name> <command...>       runs a command inside it
#   guest_bg <name> <command...>         runs a command inside it in the background, tracked for cleanup
#   guest_resolv <name> <search domain> <nameserver>...   writes its /etc/resolv.conf (cloud-init's job on a VM)
#   guest_destroy <name>                 stops everything in it and removes it
#   guest_stage_step <name> <rendered host dir> <step>   stages a step exactly as synth rendered it (read back)
#   guest_run_step <name> <step> <secrets file>          runs the staged step's run.sh, secrets on stdin
#   guest_step <name> <rendered host dir> <step> <secrets file>   both, timed (LAST_MS), the step's output shown,
#                                        then every file the step installed read back (GUEST_STACK, lab_readback)
#   guest_rerun_clean <name> <step> <secrets file>       re-runs a staged step: exit 0 and no change reported
#   samba_dc_secrets <file> <admin password> <cert name>  a DC's `dc` step secrets (lab_cert's <cert name>)
#   samba_usn <name>                      the guest's DC's highestCommittedUSN (anything written moves it)
#   samba_pss_mib <name>                  memory (PSS) of everything running in the guest, MiB
#   samba_plain_dc <ns> <dir> <netbios> <realm> <workgroup> <ip> <admin password> [smb.conf global line]...
#                                         provisions and starts a DC in namespace <LAB>-<ns>, outside any guest
#                                         (SAMBA_PLAIN_SYNTH=<synth out>: with its first DC's [onboarding$] share)
#   secrets_add <file> <name> <value>     appends a secret in the guest steps' stdin format (name TAB hex)

GUEST_DIRS=()
# GUEST_STACK: the stack whose synth output (lab_expected, called by the lab first) the staged and installed files
# are read back against; empty: a step of another synthesis (say, HR's next export), staged and run unchecked.
GUEST_STACK=dev

_guest_dir() { printf '%s/guest-%s' "$LAB_DIR" "$1"; }

guest_new() {
    local g="$1" hn="$2" d
    d="$(_guest_dir "$g")"
    lab_ns "$g"
    mkdir -p "$d/ns" "$d/etc/u" "$d/etc/w" "$d/var/u" "$d/var/w" "$d/usrlocal/u" "$d/usrlocal/w"
    # Namespace files must sit on a private mount (as /run/netns does for ip netns).
    mount --bind "$d/ns" "$d/ns"
    mount --make-private "$d/ns"
    touch "$d/ns/mnt" "$d/ns/uts"
    GUEST_DIRS+=("$d")
    # shellcheck disable=SC2016 # a program for the guest's sh: its $1, $2 are its arguments
    unshare --mount="$d/ns/mnt" --uts="$d/ns/uts" --propagation private sh -euc '
        d="$1"; hn="$2"
        mount -t overlay overlay -o "lowerdir=/etc,upperdir=$d/etc/u,workdir=$d/etc/w" /etc
        mount -t overlay overlay -o "lowerdir=/var,upperdir=$d/var/u,workdir=$d/var/w" /var
        mount -t overlay overlay -o "lowerdir=/usr/local,upperdir=$d/usrlocal/u,workdir=$d/usrlocal/w" /usr/local
        mount -t tmpfs -o mode=0755 tmpfs /run
        hostname "$hn"
    ' sh "$d" "$hn"
    guest_exec "$g" sh -c 'mkdir -p /usr/local/sbin && cat > /usr/local/sbin/systemctl && chmod 0755 /usr/local/sbin/systemctl' \
        <"$LAB_ROOT/labs/lib/systemctl-shim.sh"
}

# The command line that enters a guest: its mount, UTS and network namespaces, its PATH and ticket cache.
_guest_enter() {
    local d; d="$(_guest_dir "$1")"
    GUEST_ENTER=(nsenter --mount="$d/ns/mnt" --uts="$d/ns/uts" --net="/run/netns/${LAB}-$1" --
        env KRB5CCNAME="FILE:/run/lab-krb5cc" PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
}
guest_exec() { _guest_enter "$1"; "${GUEST_ENTER[@]}" "${@:2}"; }
# A simple command in the background, not guest_exec: a function would run in a bash subshell that prints
# "Terminated" on the lab's stderr when cleanup kills the guest's processes.
guest_bg() {
    _guest_enter "$1"
    "${GUEST_ENTER[@]}" "${@:2}" &
    LAB_LAST_PID=$!
    LAB_PIDS+=("$LAB_LAST_PID")
}

guest_resolv() {
    local g="$1" domain="$2"; shift 2
    # shellcheck disable=SC2016 # a program for the guest's sh: its $0, $a are its own
    guest_exec "$g" sh -c 'rm -f /etc/resolv.conf; { echo "search $0"; for a; do echo "nameserver $a"; done; } > /etc/resolv.conf' "$domain" "$@"
}

_guest_release() {
    local d="$1" ns="$2" pid
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    umount "$d/ns/mnt" 2>/dev/null || true
    umount "$d/ns/uts" 2>/dev/null || true
    umount "$d/ns" 2>/dev/null || true
}

guest_destroy() {
    local g="$1" d
    d="$(_guest_dir "$g")"
    _guest_release "$d" "${LAB}-$g"
    ip netns del "${LAB}-$g" 2>/dev/null || true
    rm -rf "$d"
}

# Runs before lab_cleanup: stop every guest's processes and release its namespaces.
guest_cleanup_all() {
    local d
    for d in "${GUEST_DIRS[@]:-}"; do
        [ -n "$d" ] && [ -d "$d/ns" ] && _guest_release "$d" "${LAB}-${d##*/guest-}"
    done
    return 0
}
trap 'guest_cleanup_all; lab_cleanup' EXIT

secrets_add() {
    printf '%s\t%s\n' "$2" "$(printf '%s' "$3" | od -An -v -tx1 | tr -d ' \n')" >> "$1"
}

# guest_stage_step <guest> <rendered host dir> <step>: copies run.sh, billu-lib.sh and every file run.sh installs
# from synth's rendered/<host>/ into the guest's staging folder, then reads the staged run.sh and billu-lib.sh back
# from the guest (no lab override touches a staged file).
guest_stage_step() {
    local g="$1" src="$2" step="$3" stage f list
    stage="/var/lib/billu/stage/$step"
    [ -f "$src$stage/run.sh" ] || lab_die "no rendered step $step under $src"
    list="$(sed -n "s/^billu_install '\([^']*\)'.*/\1/p" "$src$stage/run.sh")"
    guest_exec "$g" sh -c "rm -rf '$stage' && mkdir -p '$stage/files'"
    guest_exec "$g" cp "$src$stage/run.sh" "$src$stage/billu-lib.sh" "$stage/"
    for f in $list; do
        guest_exec "$g" install -D -m 0600 "$src$f" "$stage/files$f"
    done
    [ -n "$GUEST_STACK" ] || return 0
    LAB_ENTER=(guest_exec "$g")
    for f in "$stage/run.sh" "$stage/billu-lib.sh"; do lab_readback "$GUEST_STACK" "$(basename "$src")" "$f" "$f" bytes; done
    LAB_ENTER=()
}

# guest_readback_step <guest> <rendered host dir> <step> <secrets file>: every file the step installs, read back from
# the guest at its real path (bytes with the secrets substituted, mode, owner) against GUEST_STACK's synth output.
guest_readback_step() {
    local g="$1" src="$2" step="$3" f
    [ -n "$GUEST_STACK" ] || return 0
    # shellcheck disable=SC2034 # LAB_ENTER and LAB_SECRETS are read by common.sh's lab_readback
    LAB_ENTER=(guest_exec "$g"); LAB_SECRETS="$4"
    # shellcheck disable=SC2013 # guest paths are single words; a while-read loop would lend its stdin to guest_exec
    for f in $(sed -n "s/^billu_install '\([^']*\)'.*/\1/p" "$src/var/lib/billu/stage/$step/run.sh"); do
        lab_readback "$GUEST_STACK" "$(basename "$src")" "$f" "$f"
    done
    # shellcheck disable=SC2034 # read by common.sh's lab_readback
    LAB_ENTER=() LAB_SECRETS=""
}

# guest_run_step <guest> <step> <secrets file> [log]: runs the staged step; returns its exit status.
guest_run_step() {
    local g="$1" step="$2" secrets="$3" log="${4:-$LAB_DIR/$1-$2.log}"
    guest_exec "$g" sh "/var/lib/billu/stage/$step/run.sh" <"$secrets" >"$log" 2>&1
}

guest_step() {
    local g="$1" src="$2" step="$3" host t rc=0
    host="$(basename "$src")"; t=$(date +%s%N)
    guest_stage_step "$g" "$src" "$step"
    guest_run_step "$g" "$step" "$4" "$LAB_DIR/$g-$step.log" || rc=$?
    LAST_MS=$(lab_since "$t")
    if [ "$rc" -eq 0 ]; then lab_log "$host step $step: ok in ${LAST_MS} ms"; else lab_log "$host step $step: FAILED (exit $rc) after ${LAST_MS} ms"; fi
    sed 's/^/    /' "$LAB_DIR/$g-$step.log"
    [ "$rc" -ne 0 ] || guest_readback_step "$g" "$src" "$step" "$4"
    return "$rc"
}

guest_rerun_clean() {
    local log="$LAB_DIR/rerun-$1-$2.log"
    guest_run_step "$1" "$2" "$3" "$log" || { sed 's/^/    rerun: /' "$log"; return 1; }
    if grep -q '^billu\[' "$log"; then sed 's/^/    rerun: /' "$log"; return 1; fi
}

samba_dc_secrets() {
    : >"$1"
    secrets_add "$1" admin-password "$2"
    secrets_add "$1" ldaps-cert "$(cat "$LAB_PKI/$3.pem")"
    secrets_add "$1" ldaps-key "$(cat "$LAB_PKI/$3.key")"
    secrets_add "$1" site-ca-cert "$(cat "$LAB_PKI/ca.pem")"
}

# samba_ssh_group <netns> <smb.conf> <outputs.json>: in a lab that runs no domain step, create the group that step
# creates for SSH logons to the members (billu:domain.linuxLogin.sshGroup, read from the synth outputs) as it does
# (samba-tool group add, in CN=Users), because the directory step joins the acceptance account to it by name and
# refuses to run without it. Lab override; prints the group's name.
samba_ssh_group() {
    local group
    group=$(node -e 'console.log(require(process.argv[1]).sections["Domain members"].rows[0][1])' "$3") || return 1
    ip netns exec "$1" samba-tool group add "$group" -s "$2" >/dev/null || return 1
    printf '%s\n' "$group"
}

samba_usn() {
    guest_exec "$1" ldapsearch -LLL -x -H ldap://127.0.0.1 -s base -b '' highestCommittedUSN | sed -n 's/^highestCommittedUSN: //p'
}

# samba_usn_is <guest> <usn>: true when the DC's highestCommittedUSN is still <usn>; otherwise prints every object
# changed since (its DN, uSNChanged and whenChanged, all partitions), so a failed probe says what was written.
samba_usn_is() {
    local now; now=$(samba_usn "$1")
    [ "$now" = "$2" ] && return 0
    echo "highestCommittedUSN $2 -> $now; changed since:"
    guest_exec "$1" ldbsearch -H /var/lib/samba/private/sam.ldb --cross-ncs "(uSNChanged>=$(($2 + 1)))" uSNChanged whenChanged 2>/dev/null |
        grep -E '^(dn|uSNChanged|whenChanged):' | paste - - - | tail -n 20
    return 1
}

# samba_usn_settle <guest> <seconds>: waits (bounded) until the DC's highestCommittedUSN stays put for 3 s: a DC
# that has just joined still writes by itself for a while (its DNS registration, replication bookkeeping).
samba_usn_settle() {
    local limit="$2" start a b
    start=$(date +%s)
    a=$(samba_usn "$1")
    while :; do
        sleep 3
        b=$(samba_usn "$1")
        [ "$a" = "$b" ] && return 0
        [ $(($(date +%s) - start)) -lt "$limit" ] || return 1
        a="$b"
    done
}

# Proportional set size (shared pages split between the processes that map them) of everything in the guest.
samba_pss_mib() {
    local total=0 pid kb
    for pid in $(ip netns pids "${LAB}-$1" 2>/dev/null); do
        kb=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
        total=$((total + ${kb:-0}))
    done
    echo $((total / 1024))
}

# samba_onboarding_share <the first DC's smb.conf as synth rendered it>: its [onboarding$] section (issue #24), as is,
# for samba_plain_dc (SAMBA_PLAIN_SYNTH). The directory step writes its onboarding sheet in that share's folder and sets the sheet's NT
# ACL through the share (setntacl's service), so a lab DC that runs the directory step needs it. Fails (status 1,
# nothing printed) when the file has no such section.
samba_onboarding_share() {
    local s
    s=$(awk '/^\[onboarding\$\]$/ { on = 1 } on && /^$/ { exit } on' "$1")
    [ -n "$s" ] || return 1
    printf '%s\n' "$s"
}

# samba_plain_dc: a Samba AD DC the lab provisions itself in namespace <LAB>-<ns> (no guest: the lab's own
# smb.conf at <dir>/smb.conf, every state directory under <dir>, LAB-NOTES), with the extra [global] lines given
# (e.g. "prefork children = 1"). Provisions (log: $LAB_DIR/provision.log), starts samba with a private /run/samba
# (the DC's smbd reaches its winbindd through libwbclient, which ignores smb.conf and uses the compiled-in socket
# directory: sharing the host's fails SMB sessions with NT_STATUS_INTERNAL_ERROR), then waits (60 s at most) for
# the rootDSE to answer over LDAP on <ip>. Dies on any failure, with the log's tail. Leaves samba's PID in SAMBA_PID
# (tracked for cleanup) and its log in $LAB_DIR/samba-<ns>.log. SAMBA_PLAIN_DEBUG: samba's debug option (default -d1);
# empty: the smb.conf's own `log level` holds (a -d option replaces it, debug classes such as auth_audit included).
# SAMBA_PLAIN_SYNTH: a synth output folder (out/<stack>); its first DC's rendered smb.conf gives the DC its [onboarding$]
# section, appended as is after [netlogon] (the directory step writes its sheet there: labs directory, gpo, fileserver,
# backup) and left in SAMBA_PLAIN_ONBOARDING for the caller; dies when synth rendered no such section.
samba_plain_dc() {
    local ns="$LAB-$1" log="$LAB_DIR/samba-$1.log" d="$2" netbios="$3" realm="$4" wg="$5" ip="$6" pw="$7" t extra="" dbg="${SAMBA_PLAIN_DEBUG--d1}"
    shift 7
    [ "$#" -eq 0 ] || extra="$(printf '    %s\n' "$@")"
    SAMBA_PLAIN_ONBOARDING=""
    if [ -n "${SAMBA_PLAIN_SYNTH:-}" ]; then
        local first
        first=$(node -e 'console.log(require(process.argv[1]).hosts.find((h) => h.role === "dc").name)' "$SAMBA_PLAIN_SYNTH/outputs.json") ||
            lab_die "no DC in $SAMBA_PLAIN_SYNTH/outputs.json"
        SAMBA_PLAIN_ONBOARDING=$(samba_onboarding_share "$SAMBA_PLAIN_SYNTH/rendered/$first/etc/samba/smb.conf") ||
            lab_die "synth's smb.conf for $first has no [onboarding\$] section"
    fi
    install -d -m 0755 "$d" "$d/private" "$d/lock" "$d/state" "$d/cache" "$d/bind-dns" "$d/run-samba"
    cat >"$d/smb.conf" <<CONF
[global]
    netbios name = $netbios
    realm = $realm
    workgroup = $wg
    server role = active directory domain controller
    interfaces = lo $ip
    bind interfaces only = yes
    private dir = $d/private
    lock directory = $d/lock
    state directory = $d/state
    cache directory = $d/cache
    binddns dir = $d/bind-dns
    pid directory = $d/run
    ncalrpc dir = $d/run/ncalrpc
    ntp signd socket directory = $d/run/ntp_signd
    log file = $d/log.%m
$extra
[sysvol]
    path = $d/state/sysvol
    read only = no
[netlogon]
    path = $d/state/sysvol/${realm,,}/scripts
    read only = no
${SAMBA_PLAIN_ONBOARDING}
CONF
    t=$(date +%s%N)
    ip netns exec "$ns" samba-tool domain provision -s "$d/smb.conf" --realm="$realm" --domain="$wg" --server-role=dc \
        --dns-backend=SAMBA_INTERNAL --host-name="${netbios,,}" --host-ip="$ip" --adminpass="$pw" >"$LAB_DIR/provision.log" 2>&1 ||
        { tail -20 "$LAB_DIR/provision.log" >&2; lab_die "provision failed"; }
    lab_log "provisioned $realm in $(lab_since "$t") ms"
    lab_bg "$ns" "$log" unshare -m --propagation private sh -c \
        "mount --bind '$d/run-samba' /run/samba && exec samba -s '$d/smb.conf' -F --debug-stdout $dbg"
    # shellcheck disable=SC2034 # for the caller (labs/directory stops it)
    SAMBA_PID=$LAB_LAST_PID
    lab_wait 60 "Samba AD DC answers LDAP" ip netns exec "$ns" ldapsearch -x -H "ldap://$ip" -b '' -s base namingContexts ||
        { tail -20 "$log" >&2; lab_die "samba did not start"; }
}
