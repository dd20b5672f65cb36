# shellcheck shell=bash
# Run on the Pulumi machine (a local command, bash) after a Windows DC's `dc` step: when the promotion scheduled a
# reboot (BILLU_REBOOT=1, set from the step's output), wait, bounded, for the DC's SSH port to go down, then to come
# back; nothing to wait for otherwise. Data: DC_NAME, DC_ADDRESS, SSH_PORT.
[ "${BILLU_REBOOT:-0}" = 1 ] || exit 0
probe() { timeout 3 bash -c "exec 3<>/dev/tcp/$DC_ADDRESS/$SSH_PORT" 2>/dev/null; }
for i in $(seq 1 300); do if ! probe; then break; fi; [ "$i" -lt 300 ] || { echo "$DC_NAME did not go down for its reboot within 5 min" >&2; exit 1; }; sleep 1; done
for _ in $(seq 1 900); do if probe; then exit 0; fi; sleep 1; done
echo "$DC_NAME did not come back from its reboot within 15 min" >&2
exit 1
