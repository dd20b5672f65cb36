# shellcheck shell=sh
# scripts/monitoring/agent-step.sh: the Zabbix agent's part of a Linux host's base step (billu:monitoring,
# components/monitoring). Read verbatim by components/monitoring/role.ts; runs after billu-lib.sh installed the
# agent's configuration and the staged PSK (/etc/billu/monitoring/agent.psk, 0600 root's, from the step's stdin).
#
# Installs zabbix-agent2 when missing, keeping the configuration already installed (--force-confold: the package's
# conffile would otherwise replace it or prompt), gives the agent's user its PSK (0640 root:zabbix: the user exists only
# once the package is installed), adds the site CA to Debian's trust store on a host whose agent verifies certificates,
# checks the configuration with the agent itself, and restarts the agent only when its configuration, its key or that CA
# changed. Idempotent: an unchanged run installs nothing and restarts nothing.

if ! dpkg -s zabbix-agent2 >/dev/null 2>&1; then
    billu_apt_install -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold zabbix-agent2
fi

# A host whose UserParameters need root (its rendered /etc/sudoers.d/billu-zabbix-agent) needs sudo itself.
if [ -f /etc/sudoers.d/billu-zabbix-agent ] && ! command -v sudo >/dev/null 2>&1; then
    billu_apt_install sudo
fi

psk_changed=""
if ! cmp -s /etc/billu/monitoring/agent.psk /etc/zabbix/zabbix_agent2.psk ||
    [ "$(stat -c '%a %U:%G' /etc/zabbix/zabbix_agent2.psk 2>/dev/null)" != "640 root:zabbix" ]; then
    install -m 0640 -o root -g zabbix /etc/billu/monitoring/agent.psk /etc/zabbix/zabbix_agent2.psk ||
        billu_die "cannot install the agent's PSK for the zabbix user"
    psk_changed=1
    billu_log "updated /etc/zabbix/zabbix_agent2.psk"
fi

# A host whose agent verifies certificates (web.certificate.get: its web sites, LDAPS, IMAPS) gets the site CA in Debian's
# trust store, which agent 2 (Go) reads once at start: a changed CA restarts the agent.
ca_changed=""
if billu_changed /usr/local/share/ca-certificates/billu-site-ca.crt; then
    command -v update-ca-certificates >/dev/null 2>&1 || billu_apt_install ca-certificates
    update-ca-certificates >"$BILLU_WORK/update-ca.out" 2>&1 ||
        { sed 's/^/  /' "$BILLU_WORK/update-ca.out" >&2; billu_die "update-ca-certificates failed: the agent cannot verify the site's certificates"; }
    ca_changed=1
    billu_log "added the site CA to Debian's trust store (the agent verifies certificates against it)"
fi

if ! zabbix_agent2 -c /etc/zabbix/zabbix_agent2.conf -p >"$BILLU_WORK/agent-check.out" 2>&1; then
    grep -i error "$BILLU_WORK/agent-check.out" | sed 's/^/  /' >&2
    billu_die "zabbix_agent2 refuses /etc/zabbix/zabbix_agent2.conf: the agent was not restarted"
fi

force_restart=
if [ -n "$psk_changed" ] || [ -n "$ca_changed" ]; then force_restart=--restart; fi
# shellcheck disable=SC2086 # $force_restart: the option or nothing
billu_service $force_restart zabbix-agent2 "its configuration, key or trusted CA changed" /etc/zabbix/zabbix_agent2.conf
