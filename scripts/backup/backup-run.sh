#!/bin/sh
# scripts/backup/backup-run.sh: one backup of this host (billu:backup), run by billu-backup.service from its
# staggered timer; installed verbatim by the client's step. Settings in /etc/billu/backup/client.env (rendered from
# the model): what to back up (BACKUP_PATHS, declared by the services of this host), the pre-hooks, the files that
# hold the repository URL and its key (0600, never on a command line).
#
# 1. Pre-hooks: the DC's directory, consistent (`samba-tool domain backup online` into SAMBA_BACKUP_DIR, the older
#    files removed once the new one is written).
# 2. restic backup of the paths (owners, modes, POSIX ACLs and xattrs come with the files), the repository created
#    on the first run (the append-only server allows creating, never deleting).
# 3. The result (time, size, snapshot id, exit status) written locally and sent as a snapshot of its own, tagged
#    billu-result, which the server's report turns into <results>/<client>.json for monitoring.
# Exits with restic's status (or the pre-hook's): systemd records the failure.
set -u
# The settings, the umask and restic with the site CA and the 0600 files (env.sh, installed beside this script).
# shellcheck source=env.sh
. "$(dirname "$0")/env.sh"
log() { echo "billu-backup: $*" >&2; }
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
t0=$(date +%s)
status=0
snapshot=""
size=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for hook in $BACKUP_PRE_HOOKS; do
    case $hook in
        samba-domain-backup)
            mkdir -p "$SAMBA_BACKUP_DIR"
            new="$SAMBA_BACKUP_DIR/.new"
            rm -rf "$new" && mkdir -p "$new"
            if samba-tool domain backup online --server="${SAMBA_BACKUP_SERVER:-$(hostname -f)}" --targetdir="$new" -P >"$work/hook.log" 2>&1; then
                find "$SAMBA_BACKUP_DIR" -maxdepth 1 -type f -name 'samba-backup-*.tar.bz2' -delete
                mv "$new"/samba-backup-*.tar.bz2 "$SAMBA_BACKUP_DIR"/
                rm -rf "$new"
            else
                sed 's/^/  /' "$work/hook.log" >&2
                log "samba-tool domain backup online failed: the directory is not backed up"
                status=10
            fi
            ;;
        *)
            log "unknown pre-hook $hook"
            status=11
            ;;
    esac
done

if [ "$status" -eq 0 ]; then
    if ! restic cat config >/dev/null 2>"$work/init.log"; then
        if grep -qi "wrong password\|no key found" "$work/init.log"; then
            cat "$work/init.log" >&2
            status=12
        elif ! restic init >/dev/null 2>"$work/init.log"; then
            cat "$work/init.log" >&2
            status=13
        fi
    fi
fi
if [ "$status" -eq 0 ]; then
    # shellcheck disable=SC2086 # BACKUP_PATHS is a space-separated list of absolute paths from the model
    restic backup --host "$BACKUP_HOST" --tag billu --json $BACKUP_PATHS >"$work/backup.json" 2>"$work/backup.log"
    status=$?
    [ "$status" -eq 0 ] || cat "$work/backup.log" >&2
    summary=$(grep '"message_type":"summary"' "$work/backup.json" | tail -n 1)
    snapshot=$(printf '%s' "$summary" | sed -n 's/.*"snapshot_id":"\([0-9a-f]*\)".*/\1/p')
    size=$(printf '%s' "$summary" | sed -n 's/.*"total_bytes_processed":\([0-9]*\).*/\1/p')
fi
seconds=$(($(date +%s) - t0))
result=$(printf '{"host":"%s","started":"%s","seconds":%s,"bytes":%s,"snapshot":"%s","classes":"%s","exitStatus":%s}' \
    "$BACKUP_HOST" "$started" "$seconds" "${size:-0}" "$snapshot" "$BACKUP_CLASSES" "$status")
mkdir -p "$(dirname "$BACKUP_LAST_RESULT")"
printf '%s\n' "$result" >"$BACKUP_LAST_RESULT.tmp" && mv "$BACKUP_LAST_RESULT.tmp" "$BACKUP_LAST_RESULT"
if [ "$status" -ne 12 ] && [ "$status" -ne 13 ]; then
    printf '%s\n' "$result" | restic backup --host "$BACKUP_HOST" --tag billu-result --stdin --stdin-filename billu-result.json >/dev/null 2>"$work/result.log" ||
        { cat "$work/result.log" >&2; log "could not send the result to the server"; }
fi
log "$result"
exit "$status"
