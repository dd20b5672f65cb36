#!/bin/sh
# billu-shares: creates the file server's share folders and sets their POSIX ACLs from the share plan.
# Shipped by components/fileserver (installed as /usr/local/sbin/billu-shares) and run by the file server's shares
# step once the server is an AD member (group names resolve through winbind). POSIX sh (dash, busybox ash).
# Reads /etc/billu/shares.conf (rendered from the site model):
#   MOUNT_POINT=...        the mirrored filesystem; the script refuses to run when it is not mounted, so a share
#                          can never land on the OS disk
#   ADMIN_GROUP=...        full control everywhere (BILLU\Domain Admins)
#   SHARES lines:          share|path|group[,group...]   (groups get read/write, inherited by new files)
#   HOME=share|path|group  optional, the home-folder share: the root is root-owned, rwx for the admin group and
#                          traverse-only (--x) for <group> (every account with a folder), so nobody lists it
#   WORKGROUP=...          the domain's NetBIOS name, to resolve the HOME_USER accounts through winbind
#   HOME_USER lines:       one account (sAMAccountName) a line: its folder <path>/<account>, owned by the account,
#                          rwx for it and the admin group only (and inherited inside). A folder below the root
#                          that no HOME_USER line names (a leaver's) is kept as it is and reported, never deleted.
#   TRUST_SHARE lines:     share|path|group|read or modify   a trust grant's share (billu:trust.grants[i].share): <group>
#                          is the grant's domain-local group (its one member is the partner's admin group, added by
#                          the trust step on the first DC); it gets r-x (read) or rwx (modify), the admin group rwx,
#                          nobody else anything, so no other partner account reaches the files even through another
#                          share or a local path
# Every folder is root-owned, mode 2770-like through its ACL: the owner, the admin group and the share's groups
# get rwx, "other" nothing; default ACL entries make new files and folders inherit the same. Idempotent: the
# ACL is compared (numeric, sorted) and set only when it differs; every change is printed as "run: ...".
set -eu

# say, die, run, gid_of and folder_acl: the renderer replaces the next line by scripts/lib/billu-folders.sh.
# billu:include lib/billu-folders.sh
# shellcheck disable=SC2034 # read by say and die (billu-folders.sh)
TOOL=billu-shares
CONF=/etc/billu/shares.conf
CHANGES=0

[ -r "$CONF" ] || die "$CONF is missing"
MOUNT_POINT="$(sed -n 's/^MOUNT_POINT=//p' "$CONF")"
ADMIN_GROUP="$(sed -n 's/^ADMIN_GROUP=//p' "$CONF")"
{ [ -n "$MOUNT_POINT" ] && [ -n "$ADMIN_GROUP" ]; } || die "$CONF must set MOUNT_POINT and ADMIN_GROUP"
awk -v m="$MOUNT_POINT" '$2 == m { found = 1 } END { exit !found }' /proc/mounts ||
    die "$MOUNT_POINT is not mounted: refusing to create shares on the OS disk (run billu-raid1 first)"

ADMIN_GID="$(gid_of "$ADMIN_GROUP")"
N=0
grep '^SHARE=' "$CONF" | sed 's/^SHARE=//' >"${TMPDIR:-/tmp}/billu-shares.$$"
trap 'rm -f "${TMPDIR:-/tmp}/billu-shares.$$"' EXIT
while IFS='|' read -r name path groups; do
    [ -n "$name" ] || continue
    N=$((N + 1))
    case "$path" in "$MOUNT_POINT"/*) ;; *) die "share $name: $path is not below $MOUNT_POINT" ;; esac
    entries="g:$ADMIN_GID:rwx"
    rest="$groups"
    while [ -n "$rest" ]; do
        g="${rest%%,*}"
        [ "$g" = "$rest" ] && rest="" || rest="${rest#*,}"
        entries="$entries,g:$(gid_of "$g"):rwx"
    done
    folder_acl "$path" 0:0 - "u::rwx,g::---,o::---,m::rwx,$entries"
done <"${TMPDIR:-/tmp}/billu-shares.$$"

# The trust grants' shares: the group is made by the trust step on the first DC, which the `shares` step waits for
# (components/fileserver/role.ts): if it is still missing (the step run by hand), this stops, naming it.
T=0
grep '^TRUST_SHARE=' "$CONF" | sed 's/^TRUST_SHARE=//' >"${TMPDIR:-/tmp}/billu-shares.$$"
while IFS='|' read -r name path group access; do
    [ -n "$name" ] || continue
    T=$((T + 1))
    case "$path" in "$MOUNT_POINT"/*) ;; *) die "trust share $name: $path is not below $MOUNT_POINT" ;; esac
    case "$access" in
    read) perms=r-x ;;
    modify) perms=rwx ;;
    *) die "trust share $name: access '$access' is not read or modify (billu:trust.grants[].share.access renders one of them)" ;;
    esac
    gid="$(getent group "$group" | cut -d: -f3)"
    [ -n "$gid" ] || die "trust share $name: group $group is unknown here: the trust step on the first DC creates it (billu:trust.grants[].group); run it, then this step again"
    folder_acl "$path" 0:0 - "u::rwx,g::---,o::---,m::rwx,g:$ADMIN_GID:rwx,g:$gid:$perms"
done <"${TMPDIR:-/tmp}/billu-shares.$$"

HOME_LINE="$(sed -n 's/^HOME=//p' "$CONF")"
if [ -n "$HOME_LINE" ]; then
    WORKGROUP="$(sed -n 's/^WORKGROUP=//p' "$CONF")"
    [ -n "$WORKGROUP" ] || die "$CONF has a HOME line but no WORKGROUP"
    home_name="${HOME_LINE%%|*}"
    rest="${HOME_LINE#*|}"
    home_path="${rest%%|*}"
    home_group="${rest#*|}"
    case "$home_path" in "$MOUNT_POINT"/*) ;; *) die "share $home_name: $home_path is not below $MOUNT_POINT" ;; esac
    folder_acl "$home_path" 0:0 - "u::rwx,g::---,o::---,m::rwx,g:$ADMIN_GID:rwx,g:$(gid_of "$home_group"):--x"
    USERS=0
    grep '^HOME_USER=' "$CONF" | sed 's/^HOME_USER=//' >"${TMPDIR:-/tmp}/billu-shares.$$"
    while read -r account; do
        [ -n "$account" ] || continue
        case "$account" in */* | . | ..) die "HOME_USER $account is not an account name" ;; esac
        uid="$(getent passwd "$WORKGROUP\\$account" | cut -d: -f3)"
        [ -n "$uid" ] || die "account $WORKGROUP\\$account is unknown here (is the directory plan applied?)"
        USERS=$((USERS + 1))
        folder_acl "$home_path/$account" "$uid:0" - "u::rwx,g::---,o::---,m::rwx,g:$ADMIN_GID:rwx"
    done <"${TMPDIR:-/tmp}/billu-shares.$$"
    # Folders of accounts the plan no longer gives one (people who left): kept, with their owner and ACL, and named.
    KEPT=0
    for d in "$home_path"/*; do
        [ -d "$d" ] || continue
        grep -qxF "HOME_USER=${d##*/}" "$CONF" && continue
        KEPT=$((KEPT + 1))
        say "kept: $d (no enabled account of the plan: a leaver's folder is never deleted)"
    done
    say "home share $home_name: folders=$USERS kept=$KEPT"
fi
[ "$T" -eq 0 ] || say "trust shares=$T"
say "status shares=$N changes=$CHANGES"
