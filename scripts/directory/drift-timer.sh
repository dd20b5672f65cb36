# shellcheck shell=sh
# scripts/directory/drift-timer.sh: the drift check's part of the directory step on a Samba first DC (issue #27,
# billu:directory.drift, components/directory/drift.ts). Read verbatim after directory.sh; runs after billu-lib.sh
# installed the files (the plan, the applier, billu-directory-drift.service and .timer).
# Data: DRIFT_RESULT_DIR (the folder of the verdict file), DRIFT_UNIT (the units' name).
#
# The verdict's folder is 0755 root's: the Zabbix agent (user zabbix) reads the verdict (0644, written by the
# applier), while the plan beside the applier stays 0600 (it holds the phone numbers). systemd is reloaded when a
# unit changed, and the timer enabled and started when it is not; the check itself runs on the timer, never here.
# Without systemd as PID 1 (a lab's namespace) the units are installed and the timer is not started, and the step
# says so when the units changed. Idempotent and quiet: a re-run with nothing to do prints nothing.
install -d -m 0755 -o root -g root "$DRIFT_RESULT_DIR"
if [ -d /run/systemd/system ]; then
    if billu_changed "/etc/systemd/system/$DRIFT_UNIT.service" "/etc/systemd/system/$DRIFT_UNIT.timer"; then
        systemctl daemon-reload
    fi
    if ! systemctl is-enabled -q "$DRIFT_UNIT.timer"; then
        systemctl enable -q "$DRIFT_UNIT.timer"
        billu_log "drift check: $DRIFT_UNIT.timer enabled"
    fi
    if ! systemctl is-active -q "$DRIFT_UNIT.timer"; then
        systemctl start "$DRIFT_UNIT.timer"
        billu_log "drift check: $DRIFT_UNIT.timer started"
    fi
elif billu_changed "/etc/systemd/system/$DRIFT_UNIT.service" "/etc/systemd/system/$DRIFT_UNIT.timer"; then
    billu_log "drift check: $DRIFT_UNIT.service and .timer installed; systemd is not running here, the timer is not started"
fi
