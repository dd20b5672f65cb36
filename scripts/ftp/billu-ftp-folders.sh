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

# say, die, run, gid_of and folder_acl: the renderer replaces the next line by scripts/lib/billu-folders.sh.
# billu:include lib/billu-folders.sh
# shellcheck disable=SC2034 # read by say and die (billu-folders.sh)
TOOL=billu-ftp-folders
CONF=/etc/billu/ftp/folders.conf
CHANGES=0

[ -r "$CONF" ] || die "$CONF is missing"
ROOT="$(sed -n 's/^ROOT=//p' "$CONF")"
ADMIN_GROUP="$(sed -n 's/^ADMIN_GROUP=//p' "$CONF")"
{ [ -n "$ROOT" ] && [ -n "$ADMIN_GROUP" ]; } || die "$CONF must set ROOT and ADMIN_GROUP"

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
    folder_acl "$path" "0:$(gid_of "$group")" 2770 "u::rwx,g::rwx,o::---,m::rwx,g:$ADMIN_GID:rwx"
done <"$LIST"
say "status folders=$N changes=$CHANGES"
