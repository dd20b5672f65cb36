# shellcheck shell=sh
# scripts/dc/samba-sysvol-source.sh: step `sysvol-source` on the Samba PDC emulator (billu:domain.sysvolSyncMinutes,
# components/domain-controller/sysvol.ts). Runs after billu-lib.sh installed the files (rsyncd.conf, its secrets
# file, the unit). Data: UNIT (the daemon's unit name), FILES (the installed files, space-separated).
# rsync is installed when missing; systemd is reloaded when the unit changed; the daemon is enabled, restarted when
# a file changed and started when it is not running. Idempotent and quiet: a re-run with nothing to do prints nothing.
command -v rsync >/dev/null 2>&1 || billu_apt_install rsync
if billu_changed /etc/systemd/system/"$UNIT".service; then systemctl daemon-reload; fi
if ! systemctl is-enabled -q "$UNIT".service; then
    systemctl enable -q "$UNIT".service
    billu_log "sysvol: $UNIT enabled"
fi
# shellcheck disable=SC2086 # FILES is a list of paths: one argument each
if billu_changed $FILES; then
    systemctl restart "$UNIT".service || billu_die "sysvol: $UNIT did not start"
    billu_log "sysvol: $UNIT (re)started: SYSVOL served read-only to the other DCs"
elif ! systemctl is-active -q "$UNIT".service; then
    systemctl start "$UNIT".service || billu_die "sysvol: $UNIT did not start"
    billu_log "sysvol: $UNIT started"
fi
