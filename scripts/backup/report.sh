#!/bin/sh
# scripts/backup/report.sh: writes each client's last backup result (time, size, snapshot id, exit status) to
# <results>/<repository>.json on the backup server, where monitoring reads it (billu:backup); installed verbatim by
# the server's step and run after pruning. The result is the snapshot the client's job sent (tag billu-result); a
# client with none yet gets {"exitStatus":null,"missing":true}. Each file is replaced atomically.
set -u
ENV_FILE=${BILLU_BACKUP_SERVER_ENV:-/etc/billu/backup/server.env}
# shellcheck source=/dev/null
. "$ENV_FILE"
mkdir -p "$RESULT_DIR"
for repo in $BACKUP_CLIENTS; do
    out="$RESULT_DIR/$repo.json"
    if ! restic -r "$REPO_ROOT/$repo" --password-file "$KEYS_DIR/$repo" dump --tag billu-result latest /billu-result.json >"$out.tmp" 2>/dev/null; then
        printf '{"repository":"%s","exitStatus":null,"missing":true}\n' "$repo" >"$out.tmp"
    fi
    chmod 0644 "$out.tmp"
    mv "$out.tmp" "$out"
done
