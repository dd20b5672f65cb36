#!/bin/sh
# scripts/backup/prune.sh: applies the retention to every client's repository (billu:backup), on the backup server
# only (the clients cannot delete: rclone serves them append-only); installed verbatim by the server's step and run
# by billu-backup-prune.timer. Settings in /etc/billu/backup/server.env (rendered from the model); each client's
# repository key in /etc/billu/backup/keys/<repository> (0600). Exits 1 when any repository failed.
set -u
ENV_FILE=${BILLU_BACKUP_SERVER_ENV:-/etc/billu/backup/server.env}
# shellcheck source=/dev/null
. "$ENV_FILE"
rc=0
for repo in $BACKUP_CLIENTS; do
    [ -d "$REPO_ROOT/$repo" ] || continue
    if ! restic -r "$REPO_ROOT/$repo" --password-file "$KEYS_DIR/$repo" forget --prune --group-by host,tags \
        --keep-daily "$KEEP_DAILY" --keep-weekly "$KEEP_WEEKLY" --keep-monthly "$KEEP_MONTHLY" >/dev/null; then
        echo "billu-prune: pruning $repo failed" >&2
        rc=1
    fi
done
exit "$rc"
