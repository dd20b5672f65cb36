# shellcheck shell=sh
# scripts/backup/env.sh: the set-up backup-run.sh and restore.sh share, sourced by both from the folder they are
# installed in (/usr/local/lib/billu/backup, where the client's step installs the three of them, read verbatim).
#
# - The client's settings (rendered from the model, no secret): BILLU_BACKUP_ENV, else /etc/billu/backup/client.env.
# - A private umask: what restic and the scripts write (results, staging folders) is root's only.
# - restic reads the repository URL (with its HTTP login) and the repository key from their 0600 files: the files,
#   never the values, on a command line. restic is wrapped to verify the server with the site CA (--cacert: restic
#   0.14 reads no RESTIC_CACERT).
ENV_FILE=${BILLU_BACKUP_ENV:-/etc/billu/backup/client.env}
# shellcheck source=/dev/null
. "$ENV_FILE"
umask 077
export RESTIC_REPOSITORY_FILE="$BACKUP_REPOSITORY_FILE" RESTIC_PASSWORD_FILE="$BACKUP_PASSWORD_FILE"
restic() { command restic --cacert "$BACKUP_CA" "$@"; }
