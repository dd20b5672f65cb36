# shellcheck shell=sh
# scripts/mx/relay-step.sh: the body of the inbound relay's `mx-relay` step (billu:mx, components/mx). Read verbatim
# by components/mx/render.ts and run by the step's run.sh after billu-lib.sh installed the step's files.
#
# Installs Postfix without letting the package write a configuration (a first run: the files were installed before
# it, their checks skipped), checks the whole configuration, then restarts Postfix only when a file of this step
# changed (the texthash tables are read at process start). Idempotent: a second run installs and restarts nothing.
#
# Data: RESOLVER (billu:mx.resolver: own or site), UNBOUND_CONF, RESOLV_CONF (the staged resolv.conf),
# RESOLV_CONF_BEFORE, RESOLVER_ADDRESS. With `own`, the relay's own unbound (installed when missing, checked, restarted
# when its drop-in changed) must answer on RESOLVER_ADDRESS before /etc/resolv.conf names it: the step's own apt-get
# resolves through the VM's cloud-init resolvers until then. postscreen's dnsblog reads /etc/resolv.conf (the system
# resolver); Postfix restarts below when the staged resolv.conf changed, so it asks the new resolver at once.

if ! command -v postfix >/dev/null 2>&1; then
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    billu_apt_install --no-install-recommends postfix
    billu_log "installed postfix"
fi

resolv_switched=""
if [ "$RESOLVER" = own ]; then
    # dns-root-data: the root trust anchor (only a Recommends of unbound) that Debian's drop-in validates with.
    if ! command -v unbound >/dev/null 2>&1; then
        billu_apt_install --no-install-recommends unbound dns-root-data
        billu_log "installed unbound"
    fi
    # As the unit's ExecStartPre: the trust anchor in place before the whole configuration is checked.
    [ -s /var/lib/unbound/root.key ] || /usr/libexec/unbound-helper root_trust_anchor_update
    unbound-checkconf >"$BILLU_WORK/unbound-check.out" 2>&1 || {
        sed 's/^/  /' "$BILLU_WORK/unbound-check.out" >&2
        billu_die "unbound-checkconf refuses the configuration (see $UNBOUND_CONF): the resolver was not restarted"
    }
    billu_service unbound "its configuration changed" "$UNBOUND_CONF"
    n=0
    until ss -Hlun "sport = :53" | grep -qF "$RESOLVER_ADDRESS:53"; do
        n=$((n + 1)); [ "$n" -le 100 ] || billu_die "unbound does not answer on $RESOLVER_ADDRESS within 20 s: /etc/resolv.conf left as it was"; sleep 0.2
    done
    if ! cmp -s "$RESOLV_CONF" /etc/resolv.conf; then
        # cloud-init's file kept once, for a return to billu:mx.resolver: site; a symlink (resolvconf) replaced by a file.
        [ -e "$RESOLV_CONF_BEFORE" ] || cp -P /etc/resolv.conf "$RESOLV_CONF_BEFORE" 2>/dev/null || : >"$RESOLV_CONF_BEFORE"
        rm -f /etc/resolv.conf && cp "$RESOLV_CONF" /etc/resolv.conf && chmod 0644 /etc/resolv.conf
        billu_log "the relay resolves through its own unbound ($RESOLVER_ADDRESS)"
        resolv_switched=1
    fi
elif [ -e "$RESOLV_CONF_BEFORE" ]; then
    # Back to the site's resolvers: cloud-init's resolv.conf again, the relay's unbound stopped and its drop-in removed.
    rm -f /etc/resolv.conf && cp -P "$RESOLV_CONF_BEFORE" /etc/resolv.conf && rm -f "$RESOLV_CONF_BEFORE" "$UNBOUND_CONF"
    systemctl disable -q --now unbound || true
    billu_log "the relay resolves through the site's resolvers again (its unbound stopped)"
    resolv_switched=1
fi

if ! postfix check >"$BILLU_WORK/postfix-check.out" 2>&1 || [ -s "$BILLU_WORK/postfix-check.out" ]; then
    sed 's/^/  /' "$BILLU_WORK/postfix-check.out" >&2
    billu_die "postfix check refuses the relay's configuration: Postfix was not restarted"
fi

if [ -n "$resolv_switched" ]; then
    billu_service --restart postfix "its resolver changed"
else
    billu_service postfix "its configuration, tables or certificates changed"
fi
# Ready when smtp answers (bounded).
n=0
until ss -Hltn "sport = :25" | grep -q .; do n=$((n + 1)); [ "$n" -le 300 ] || billu_die "nothing listens on port 25 after 60 s"; sleep 0.2; done
