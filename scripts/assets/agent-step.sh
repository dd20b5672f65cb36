# shellcheck shell=sh
# scripts/assets/agent-step.sh: the inventory agent's part of a Debian host's base step (billu:assets,
# components/assets). Read verbatim by components/assets/role.ts; runs after billu-lib.sh installed the agent's
# configuration, the site CA's certificate and the timer.
#
# Installs Debian's fusioninventory-agent when missing, keeps the package's own daemon off (the timer runs the agent:
# one inventory every billu:assets.inventoryHours, spread over an hour), and checks the configuration by running the
# agent's own parser on it. Idempotent: an unchanged run installs and restarts nothing.

if ! dpkg -s fusioninventory-agent >/dev/null 2>&1; then
    billu_apt_install --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold fusioninventory-agent
fi
systemctl disable -q --now fusioninventory-agent 2>/dev/null || true
if ! fusioninventory-agent --conf-file=/etc/billu/assets/agent.cfg --list-tasks >"$BILLU_WORK/agent-check.out" 2>&1; then
    sed 's/^/  /' "$BILLU_WORK/agent-check.out" >&2
    billu_die "fusioninventory-agent refuses /etc/billu/assets/agent.cfg"
fi
if billu_changed /etc/systemd/system/billu-inventory.service /etc/systemd/system/billu-inventory.timer; then
    systemctl daemon-reload
fi
systemctl enable -q billu-inventory.timer
systemctl start billu-inventory.timer
