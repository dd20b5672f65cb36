# shellcheck shell=sh
# billu-folders.sh: what the folder tools share (POSIX sh; Debian's dash, busybox ash): billu-shares
# (scripts/fileserver/billu-shares.sh) and billu-ftp-folders (scripts/ftp/billu-ftp-folders.sh). Not shipped alone:
# the renderer joins it into each tool after the tool's header (components/guest-step/render.ts `toolScript`), so the
# installed tool is one self-contained file, as synth rendered it.
#
# The tool sets TOOL (its name: every line it prints starts with `TOOL: `) and CHANGES=0 before it calls these.
#   say <text>                  prints `TOOL: <text>`
#   die <text>                  prints `TOOL: error: <text>` on stderr, exits 1
#   run <command...>            prints `TOOL: run: <command>`, counts a change, runs it
#   gid_of <group>              the group's numeric id (dies naming the group when it does not resolve)
#   folder_acl <path> <owner uid:gid> <mode|-> <acl>
#                               the folder exists (mkdir -p), is owned by <owner> (numeric), has <mode> (octal as
#                               stat %a prints it; `-` leaves the mode to the ACL) and carries <acl> (setfacl's short
#                               form, `u::rwx,g::---,o::---,m::rwx,g:<gid>:rwx`) both as its access ACL and as its
#                               default ACL, so what is created inside inherits it. Idempotent: the ACL is compared
#                               (numeric, sorted) and set only when it differs; each change goes through `run`.

say() { printf '%s: %s\n' "$TOOL" "$*"; }
die() {
    printf '%s: error: %s\n' "$TOOL" "$*" >&2
    exit 1
}
run() {
    say "run: $*"
    CHANGES=$((CHANGES + 1))
    "$@"
}

gid_of() {
    g="$(getent group "$1" | cut -d: -f3)"
    [ -n "$g" ] || die "group $1 is unknown here (is the server joined to the domain and the directory plan applied?)"
    printf '%s\n' "$g"
}

folder_acl() {
    [ -d "$1" ] || run mkdir -p "$1"
    [ "$(stat -c '%u:%g' "$1")" = "$2" ] || run chown "$2" "$1"
    [ "$3" = - ] || [ "$(stat -c '%a' "$1")" = "$3" ] || run chmod "$3" "$1"
    # The default entries are the access ones with a `d:` prefix; getfacl prints both long-named, one a line.
    dspec="$(printf '%s' "$4" | sed 's/\(^\|,\)/\1d:/g')"
    want="$(printf '%s,%s\n' "$4" "$dspec" | tr ',' '\n' | sed -e 's/^u:/user:/; s/^g:/group:/; s/^o:/other:/; s/^m:/mask:/' \
        -e 's/^d:u:/default:user:/; s/^d:g:/default:group:/; s/^d:o:/default:other:/; s/^d:m:/default:mask:/' | sort)"
    have="$(getfacl -cpn "$1" 2>/dev/null | grep -v '^$' | sort)"
    [ "$have" = "$want" ] || run setfacl --set "$4,$dspec" "$1"
}
