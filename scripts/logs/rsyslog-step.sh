# shellcheck shell=sh
# scripts/logs/rsyslog-step.sh: the body of the log collection guest steps (billu:logs, components/logs): the
# collector's `logs-collector` step and every client's `logs-forward` step. Read verbatim by components/logs/render.ts
# and run by the step's run.sh after billu-lib.sh installed the step's files (so $BILLU_WORK and billu_* exist).
#
# Installs rsyslog, its TLS driver and logrotate when missing (a first run: the files were installed before them,
# their checks skipped), validates the whole rsyslog configuration, then restarts rsyslog only when a file of this
# step changed: an unchanged run keeps the daemon and its connections as they are. A configuration rsyslogd refuses
# stops the step before any restart, so the running daemon keeps the configuration it loaded.
# Idempotent: a second run with the same files installs nothing and restarts nothing.

if ! dpkg -s rsyslog rsyslog-gnutls logrotate >/dev/null 2>&1; then
    billu_apt_install rsyslog rsyslog-gnutls logrotate
fi

if ! rsyslogd -N1 -f /etc/rsyslog.conf >"$BILLU_WORK/rsyslog-check.out" 2>&1; then
    sed 's/^/  /' "$BILLU_WORK/rsyslog-check.out" >&2
    billu_die "rsyslogd -N1 refuses the configuration (/etc/rsyslog.conf and /etc/rsyslog.d/): rsyslog was not restarted"
fi

billu_service rsyslog "its configuration or certificates changed"
