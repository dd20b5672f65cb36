# shellcheck shell=sh
# scripts/backup/server-step.sh: the body of the backup server's `backup-server` guest step (billu:backup,
# components/backup). Read verbatim by components/backup/render.ts and run by the step's run.sh after billu-lib.sh
# installed the step's files (so $BILLU_WORK and billu_* exist).
#
# Installs rclone (it serves the repositories) and restic (pruning and the report run here, on the server only),
# then (re)starts the rclone unit only when one of its files changed (the unit, the certificate, the htpasswd file)
# and enables the pruning timer. Idempotent: a second run with the same files installs and restarts nothing.

if ! dpkg -s rclone restic >/dev/null 2>&1; then
    billu_apt_install rclone restic
fi

if billu_any_changed; then
    systemctl daemon-reload
fi
systemctl enable -q billu-backup-prune.timer
billu_service billu-backup-server.service "the backup server: its unit, certificate or logins changed"
systemctl start billu-backup-prune.timer
