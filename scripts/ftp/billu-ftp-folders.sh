#!/bin/sh
# billu-ftp-folders: creates the FTP exchange folders and sets their owner, setgid bit and POSIX ACLs from the plan.
# Shipped by components/ftp (installed as /usr/local/sbin/billu-ftp-folders) and run by the `ftp-server` step once
# the server is an AD member (group names resolve through SSSD). POSIX sh.
# Reads /etc/billu/ftp/folders.conf (rendered from the site model):
#   ROOT=...               the exchange root (every user's chroot): root-owned, 0755, never writable by a user
#   ADMIN_GROUP=...        full access everywhere (domain admins, as SSSD names the group)
#   FOLDER lines:          name|path|group   (the group owns the folder and gets rwx, inherited by new files)
# Each folder: owner root, group its group, setgid (new files keep the folder's group), ACL owner rwx, group rwx,
# admins rwx, others nothing; the same as default entries, so uploads inherit them whoever uploads. Idempotent: the
# ACL is compared (numeric, sorted) and set only when it differs; every change is printed as "run: ...".
set -eu

CONF=/etc/billu/ftp/folders.conf
CHANGES=0
say() { printf 'billu-ftp-folders: %s\n' "$*"; }
die() {
    printf 'billu-ftp-folders: error: %s\n' "$*" >&2
    exit 1
}
run() {
    say "run: $*"
    CHANGES=$((CHANGES + 1))
    "$@"
}

[ -r "$CONF" ] || die "$CONF is missing"
ROOT="$(sed -n 's/^ROOT=//p' "$CONF")"
ADMIN_GROUP="$(sed -n 's/^ADMIN_GROUP=//p' "$CONF")"
{ [ -n "$ROOT" ] && [ -n "$ADMIN_GROUP" ]; } || die "$CONF must set ROOT and ADMIN_GROUP"

gid_of() {
    g="$(getent group "$1" | cut -d: -f3)"
    [ -n "$g" ] || die "group $1 is unknown here (is the server joined to the domain and the directory plan applied?)"
    printf '%s\n' "$g"
}

[ -d "$ROOT" ] || run mkdir -p "$ROOT"
[ "$(stat -c '%u:%g:%a' "$ROOT")" = 0:0:755 ] || { run chown root:root "$ROOT" && run chmod 0755 "$ROOT"; }
ADMIN_GID="$(gid_of "$ADMIN_GROUP")"
N=0
LIST="${TMPDIR:-/tmp}/billu-ftp-folders.$$"
grep '^FOLDER=' "$CONF" | sed 's/^FOLDER=//' >"$LIST"
trap 'rm -f "$LIST"' EXIT
while IFS='|' read -r name path group; do
    [ -n "$name" ] || continue
    N=$((N + 1))
    case "$path" in "$ROOT"/*) ;; *) die "folder $name: $path is not below $ROOT" ;; esac
    gid="$(gid_of "$group")"
    [ -d "$path" ] || run mkdir -p "$path"
    [ "$(stat -c '%u:%g' "$path")" = "0:$gid" ] || run chown "0:$gid" "$path"
    [ "$(stat -c '%a' "$path")" = 2770 ] || run chmod 2770 "$path"
    spec="u::rwx,g::rwx,o::---,m::rwx,g:$ADMIN_GID:rwx"
    dspec="$(printf '%s' "$spec" | sed 's/\(^\|,\)/\1d:/g')"
    want="$(printf '%s,%s\n' "$spec" "$dspec" | tr ',' '\n' | sed -e 's/^u:/user:/; s/^g:/group:/; s/^o:/other:/; s/^m:/mask:/' \
        -e 's/^d:u:/default:user:/; s/^d:g:/default:group:/; s/^d:o:/default:other:/; s/^d:m:/default:mask:/' | sort)"
    have="$(getfacl -cpn "$path" 2>/dev/null | grep -v '^$' | sort)"
    if [ "$have" != "$want" ]; then
        run setfacl --set "$spec,$dspec" "$path"
    fi
done <"$LIST"
say "status folders=$N changes=$CHANGES"
