# shellcheck shell=sh
# scripts/dc/samba-sysvol-pull.sh: step `sysvol-pull` on a Samba DC that is not the PDC emulator
# (billu:domain.sysvolSyncMinutes, components/domain-controller/sysvol.ts). Runs after billu-lib.sh installed the
# files (billu-sysvol-sync, the password file, the service and its timer). Data: UNIT (the units' name).
# rsync is installed when missing; systemd is reloaded when a unit changed, the timer enabled and started when it is
# not. The pull itself runs on the timer, never here. Without systemd as PID 1 (a lab's namespace) the units are
# installed and the timer is not started, and the step says so when they changed. Idempotent and quiet.
command -v rsync >/dev/null 2>&1 || billu_apt_install rsync
if [ -d /run/systemd/system ]; then
    if billu_changed "/etc/systemd/system/$UNIT.service" "/etc/systemd/system/$UNIT.timer"; then
        systemctl daemon-reload
    fi
    if ! systemctl is-enabled -q "$UNIT.timer"; then
        systemctl enable -q "$UNIT.timer"
        billu_log "sysvol: $UNIT.timer enabled"
    fi
    if ! systemctl is-active -q "$UNIT.timer"; then
        systemctl start "$UNIT.timer"
        billu_log "sysvol: $UNIT.timer started"
    fi
elif billu_changed "/etc/systemd/system/$UNIT.service" "/etc/systemd/system/$UNIT.timer"; then
    billu_log "sysvol: $UNIT.service and .timer installed; systemd is not running here, the timer is not started"
fi
