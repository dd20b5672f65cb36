# shellcheck shell=sh
# scripts/backup/client-step.sh: the backup client's part of a host's base step (billu:backup, components/backup).
# Read verbatim by components/backup/render.ts; runs after billu-lib.sh installed the files (the settings, the
# repository and password files, the job, the staggered timer).
#
# Installs restic, reloads systemd when a unit changed and enables the timer. It runs no backup itself: the timer
# does (Persistent=true: a missed run is made up at boot). Idempotent.

if ! dpkg -s restic >/dev/null 2>&1; then
    billu_apt_install restic
fi
if billu_any_changed; then
    systemctl daemon-reload
fi
systemctl enable -q billu-backup.timer
systemctl start billu-backup.timer
