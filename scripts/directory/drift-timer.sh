# shellcheck shell=sh
# scripts/directory/drift-timer.sh: the drift check's part of the directory step on a Samba first DC (issue #27,
# billu:directory.drift, components/directory/drift.ts). Read verbatim after directory.sh; runs after billu-lib.sh
# installed the files (the plan, the applier, billu-directory-drift.service and .timer).
# Data: DRIFT_RESULT_DIR (the folder of the verdict file), DRIFT_UNIT (the units' name).
#
# The verdict's folder is 0755 root's: the Zabbix agent (user zabbix) reads the verdict (0644, written by the
# applier), while the plan beside the applier stays 0600 (it holds the phone numbers). billu_timer (billu-lib.sh)
# reloads systemd when a unit changed, and enables and starts the timer when it is not; the check itself runs on the
# timer, never here. Without systemd as PID 1 (a lab's namespace) the units are installed and the timer is not
# started, and the step says so when the units changed. Idempotent and quiet: a re-run with nothing to do prints
# nothing.
install -d -m 0755 -o root -g root "$DRIFT_RESULT_DIR"
billu_timer "$DRIFT_UNIT" "drift check"
