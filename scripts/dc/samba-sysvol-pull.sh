# shellcheck shell=sh
# scripts/dc/samba-sysvol-pull.sh: step `sysvol-pull` on a Samba DC that is not the PDC emulator
# (billu:domain.sysvolSyncMinutes, components/domain-controller/sysvol.ts). Runs after billu-lib.sh installed the
# files (billu-sysvol-sync, the password file, the service and its timer). Data: UNIT (the units' name).
# rsync is installed when missing; billu_timer (billu-lib.sh) reloads systemd when a unit changed, enables and starts
# the timer when it is not. The pull itself runs on the timer, never here. Without systemd as PID 1 (a lab's
# namespace) the units are installed and the timer is not started, and the step says so when they changed.
# Idempotent and quiet.
command -v rsync >/dev/null 2>&1 || billu_apt_install rsync
billu_timer "$UNIT" sysvol
