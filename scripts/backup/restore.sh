#!/bin/sh
# scripts/backup/restore.sh: restores a snapshot of this host (billu:backup) into a target folder, all or nothing;
# installed verbatim by the client's step. Usage: restore.sh <snapshot id | latest> <target folder> [path inside]
#
# The snapshot is restored into a fresh staging folder beside the target; only when restic succeeded is the staging
# folder moved to the target (which must not exist yet). A failure (a wrong repository key, a network error, a
# missing snapshot) removes the staging folder: nothing half-restored is left. Owners, modes, POSIX ACLs and xattrs
# are restored (restic does so as root).
set -u
# The settings, the umask and restic with the site CA and the 0600 files (env.sh, installed beside this script).
# shellcheck source=env.sh
. "$(dirname "$0")/env.sh"
die() { echo "billu-restore: $*" >&2; exit 2; }
[ $# -ge 2 ] || die "usage: restore.sh <snapshot id | latest> <target folder> [path inside the snapshot]"
snapshot=$1 target=$2 include=${3:-}
[ ! -e "$target" ] || die "$target exists: restore into a new folder, then move what you need"
parent=$(dirname "$target")
mkdir -p "$parent"
stage=$(mktemp -d "$parent/.billu-restore.XXXXXX")
log=$(mktemp)
trap 'rm -rf "$stage" "$log"' EXIT
t0=$(date +%s)
if [ -n "$include" ]; then
    restic restore "$snapshot" --host "$BACKUP_HOST" --tag billu --target "$stage" --include "$include" >"$log" 2>&1
else
    restic restore "$snapshot" --host "$BACKUP_HOST" --tag billu --target "$stage" >"$log" 2>&1
fi
rc=$?
if [ "$rc" -ne 0 ]; then
    sed 's/^/  /' "$log" >&2
    if grep -qi "wrong password\|no key found" "$log"; then
        echo "billu-restore: the repository key in $BACKUP_PASSWORD_FILE does not open the repository: nothing was restored (get the key from the stack's secrets, docs/services/backup.md)" >&2
    else
        echo "billu-restore: restic restore failed (exit $rc): nothing was restored" >&2
    fi
    exit 1
fi
mv "$stage" "$target"
echo "billu-restore: restored $snapshot into $target in $(($(date +%s) - t0)) s" >&2
