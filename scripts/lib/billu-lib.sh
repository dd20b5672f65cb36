# shellcheck shell=sh
# billu-lib.sh: helpers every guest step's run.sh sources (POSIX sh; Debian's dash, busybox ash).
# Shipped by components/guest-step. Idempotent by construction: a file is replaced only when its bytes, mode or
# owner differ, and each replacement is recorded so the step restarts a service only when its config changed.
# Secrets arrive on stdin as lines "<name><TAB><hex of the value>" and are substituted for {{secret:<name>}}
# placeholders while installing; they never appear on a command line, in a staged file or in the output.

BILLU_WORK=""
BILLU_SECRETS=""
BILLU_CHANGED=""

billu_log() { printf 'billu[%s]: %s\n' "${BILLU_STEP:-step}" "$*"; }
billu_die() { printf 'billu[%s]: error: %s\n' "${BILLU_STEP:-step}" "$*" >&2; exit 1; }

billu_cleanup() { [ -n "$BILLU_WORK" ] && rm -rf "$BILLU_WORK"; BILLU_WORK=""; }

# Reads the secrets from stdin into a 0600 file in a private directory that is removed on exit.
billu_begin() {
    umask 077
    BILLU_WORK="$(mktemp -d "${TMPDIR:-/tmp}/billu.XXXXXX")" || billu_die "cannot create a work directory"
    trap billu_cleanup EXIT INT TERM
    BILLU_SECRETS="$BILLU_WORK/secrets"
    BILLU_CHANGED="$BILLU_WORK/changed"
    : > "$BILLU_CHANGED"
    if [ -t 0 ]; then : > "$BILLU_SECRETS"; else cat > "$BILLU_SECRETS"; fi
}

# billu_secret <name>: prints a secret's value (for a step that must feed it to a tool's stdin).
billu_secret() {
    perl -e 'my $n = shift; open(my $f, "<", shift) or exit 2;
        while (<$f>) { chomp; my ($k, $v) = split(/\t/, $_, 2); if ($k eq $n) { print pack("H*", $v); exit 0 } }
        exit 3' "$1" "$BILLU_SECRETS" || billu_die "secret $1 was not provided"
}

# Writes <src> to stdout with every {{secret:<name>}} replaced by its value; fails on an unknown name.
billu_subst() {
    perl -e 'my ($src, $sf) = @ARGV; my %s;
        if (open(my $f, "<", $sf)) { while (<$f>) { chomp; my ($k, $v) = split(/\t/, $_, 2); $s{$k} = pack("H*", $v) if defined $v } }
        open(my $in, "<", $src) or die "cannot read $src\n"; local $/; my $t = <$in>;
        my @missing; $t =~ s/\{\{secret:([A-Za-z0-9_.-]+)\}\}/exists $s{$1} ? $s{$1} : do { push @missing, $1; "" }/ge;
        if (@missing) { print STDERR "missing secrets: @missing\n"; exit 4 }
        print $t' "$1" "$BILLU_SECRETS"
}

# billu_dir <dir> [mode owner:group]: creates <dir> and its missing parents 0755, owned by the step's user (root
# under sudo), as Debian's own folders are: daemons running as their users (www-data, postfix) must traverse them.
# The step runs under umask 077 (billu_begin), which a plain mkdir would turn into 0700 folders, so the folders
# are made under umask 022 in a subshell and the step's umask stays as strict for everything else. With a mode
# and owner, <dir> itself (existing or not) is given them; a change is logged, an unchanged folder prints nothing.
billu_dir() {
    [ -d "$1" ] || (umask 022 && mkdir -p "$1") || billu_die "cannot create the folder $1"
    [ $# -ge 3 ] || return 0
    BILLU_DIR_WAS="$(stat -c '%a %U:%G' "$1")"
    { chown "$3" "$1" && chmod "$2" "$1"; } || billu_die "cannot set $3 $2 on the folder $1"
    [ "$(stat -c '%a %U:%G' "$1")" = "$BILLU_DIR_WAS" ] || billu_log "updated the folder $1 ($(stat -c '%a %U:%G' "$1"))"
}

# billu_install <dest> <mode> <owner:group> [check]: installs the staged copy of <dest>. [check] is a command
# in which {} names the candidate file; it must succeed before the file replaces the installed one. A missing
# folder is created by billu_dir (0755); the candidate is a mktemp file (0600 whatever the umask) that receives
# the secrets, and gets <owner:group> and <mode> only then.
billu_install() {
    dest="$1"; mode="$2"; owner="$3"; check="${4:-}"
    src="$BILLU_STAGE/files$dest"
    [ -f "$src" ] || billu_die "staged file $src is missing"
    dir="$(dirname "$dest")"
    billu_dir "$dir"
    tmp="$(mktemp "$dir/.billu-new.XXXXXX")" || billu_die "cannot write in $dir"
    if ! billu_subst "$src" > "$tmp"; then rm -f "$tmp"; billu_die "cannot render $dest"; fi
    { chown "$owner" "$tmp" && chmod "$mode" "$tmp"; } || { rm -f "$tmp"; billu_die "cannot set $owner $mode on $dest"; }
    if [ -n "$check" ]; then
        cmd="$(printf '%s' "$check" | sed "s|{}|$tmp|g")"
        if ! sh -c "$cmd" >"$BILLU_WORK/check.out" 2>&1; then
            sed 's/^/  /' "$BILLU_WORK/check.out" >&2
            rm -f "$tmp"
            billu_die "check failed for $dest: $check"
        fi
    fi
    if [ -f "$dest" ] && cmp -s "$tmp" "$dest" \
        && [ "$(stat -c '%a %U:%G' "$dest")" = "$(stat -c '%a %U:%G' "$tmp")" ]; then
        rm -f "$tmp"
    else
        mv -f "$tmp" "$dest"
        printf '%s\n' "$dest" >> "$BILLU_CHANGED"
        billu_log "updated $dest"
    fi
}

# billu_changed <dest>...: true when this run replaced any of the files.
billu_changed() {
    for f in "$@"; do grep -qxF "$f" "$BILLU_CHANGED" && return 0; done
    return 1
}

billu_any_changed() { [ -s "$BILLU_CHANGED" ]; }

# billu_service [--restart] <unit> <why> [<file>...]: enables <unit>; restarts it when one of the <file>s changed in
# this run (no <file>: when any file of the step changed; --restart: in any case, for a change that is not a file,
# such as a new key or a fresh join), else starts it when it is not running. An unchanged, running unit is left as it
# is and nothing is printed. <why> ends the log line: "restarted <unit> (<why>)".
billu_service() {
    billu_svc_force=""
    if [ "$1" = --restart ]; then billu_svc_force=1; shift; fi
    billu_svc_unit="$1"; billu_svc_why="$2"; shift 2
    systemctl enable -q "$billu_svc_unit"
    if [ -n "$billu_svc_force" ] || { [ $# -eq 0 ] && billu_any_changed; } || { [ $# -gt 0 ] && billu_changed "$@"; }; then
        systemctl restart "$billu_svc_unit" || billu_die "$billu_svc_unit did not restart: journalctl -u $billu_svc_unit says why"
        billu_log "restarted $billu_svc_unit ($billu_svc_why)"
    elif ! systemctl is-active -q "$billu_svc_unit"; then
        systemctl start "$billu_svc_unit" || billu_die "$billu_svc_unit did not start: journalctl -u $billu_svc_unit says why"
        billu_log "started $billu_svc_unit"
    fi
}

# billu_timer <name> <what>: the step installed /etc/systemd/system/<name>.service and <name>.timer. Reloads systemd
# when either changed, enables the timer and starts it when it is not (the job itself runs on the timer, never in the
# step). Without systemd as PID 1 (a lab's namespace) the units are installed, the timer is not started, and the step
# says so when they changed. Quiet when there is nothing to do. <what> starts each log line ("<what>: ...").
billu_timer() {
    billu_tmr_svc="/etc/systemd/system/$1.service"; billu_tmr_tmr="/etc/systemd/system/$1.timer"
    if [ -d /run/systemd/system ]; then
        if billu_changed "$billu_tmr_svc" "$billu_tmr_tmr"; then systemctl daemon-reload; fi
        if ! systemctl is-enabled -q "$1.timer"; then
            systemctl enable -q "$1.timer"
            billu_log "$2: $1.timer enabled"
        fi
        if ! systemctl is-active -q "$1.timer"; then
            systemctl start "$1.timer"
            billu_log "$2: $1.timer started"
        fi
    elif billu_changed "$billu_tmr_svc" "$billu_tmr_tmr"; then
        billu_log "$2: $1.service and .timer installed; systemd is not running here, the timer is not started"
    fi
}

# billu_apt_install <package>...: installs Debian packages on a guest whose first boot may still be running.
# cloud-init's first boot may upgrade packages and hold the dpkg lock: wait for it (bounded). A template's package
# lists are stale or empty: refresh them once per step, retried a bounded number of times (a mirror can be briefly
# unreachable while the router comes up). Nothing is upgraded here: Debian's unattended-upgrades applies security
# updates, and a release or point upgrade is an operator's decision (docs/operations.md), not a side effect of a step.
BILLU_APT_UPDATED=""
billu_apt_install() {
    if command -v cloud-init >/dev/null 2>&1; then
        timeout "${BILLU_CLOUD_INIT_WAIT:-900}" cloud-init status --wait >/dev/null 2>&1 ||
            billu_log "cloud-init has not finished cleanly (cloud-init status --wait); installing anyway"
    fi
    if [ -z "$BILLU_APT_UPDATED" ]; then
        billu_apt_n=0
        until DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -q >/dev/null; do
            billu_apt_n=$((billu_apt_n + 1))
            [ "$billu_apt_n" -lt 5 ] || billu_die "apt-get update failed 5 times: check the guest's resolver and the flow to the package mirror"
            billu_log "apt-get update failed (attempt $billu_apt_n of 5), retrying"
            sleep $((billu_apt_n * ${BILLU_APT_RETRY_PAUSE:-10}))
        done
        BILLU_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q "$@" || billu_die "apt-get install $* failed"
}
