# shellcheck shell=sh
# scripts/ftp/ftp-step.sh: the body of the FTP server's `ftp-server` guest step (billu:ftp, components/ftp). Read
# verbatim by components/ftp/render.ts and run by the step's run.sh after billu-lib.sh installed the step's files
# (so $BILLU_WORK and billu_* exist), after the `ad-join` step (AD users and groups resolve through SSSD).
# Data (set before this body): FOLDERS_TOOL, RSYSLOG_SNIPPET, FORWARD_LOGS (yes|no), LIMITS_FILE, HAS_LIMIT (yes|no),
# VSFTPD_LOG, XFERLOG.
#
# Installs vsftpd and the ACL tools when missing (keeping the files this step installed: --force-confold), removes
# what an earlier plan installed and this one does not (the upload limit, the log forwarding), creates the exchange
# folders, then restarts vsftpd (and rsyslog) only when a file of this step changed. Idempotent: a second run with
# the same files installs nothing and restarts nothing.

if ! dpkg -s vsftpd acl libpam-modules >/dev/null 2>&1; then
    billu_apt_install -o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-confdef vsftpd acl libpam-modules
fi

STALE=""
if [ "$HAS_LIMIT" = no ] && [ -e "$LIMITS_FILE" ]; then
    rm -f "$LIMITS_FILE"
    STALE=1
    billu_log "removed $LIMITS_FILE (billu:ftp.maxUploadMiB is no longer set)"
fi
RSYSLOG_CHANGED=""
if [ "$FORWARD_LOGS" = no ] && [ -e "$RSYSLOG_SNIPPET" ]; then
    rm -f "$RSYSLOG_SNIPPET"
    RSYSLOG_CHANGED=1
    billu_log "removed $RSYSLOG_SNIPPET (the site no longer forwards this host's logs)"
fi
if [ "$FORWARD_LOGS" = yes ] && billu_changed "$RSYSLOG_SNIPPET"; then RSYSLOG_CHANGED=1; fi

# The logs: root's and adm's to read (vsftpd would create them 0600 at its first write; logrotate's `create` keeps 0640
# root:adm). The Zabbix agent reads the FAIL LOGIN lines (billu:monitoring's vsftpd template) as a member of adm.
for f in "$VSFTPD_LOG" "$XFERLOG"; do
    [ -e "$f" ] || install -m 0640 -o root -g adm /dev/null "$f"
done
if id zabbix >/dev/null 2>&1 && ! id -nG zabbix | tr ' ' '\n' | grep -qx adm; then
    usermod -aG adm zabbix
    systemctl try-restart zabbix-agent2 2>/dev/null || true
    billu_log "added the zabbix user to adm (it reads vsftpd's log for failed logins)"
fi

"$FOLDERS_TOOL" || billu_die "billu-ftp-folders failed: the exchange folders are not as planned"

if [ -n "$RSYSLOG_CHANGED" ]; then
    if ! rsyslogd -N1 -f /etc/rsyslog.conf >"$BILLU_WORK/rsyslog-check.out" 2>&1; then
        sed 's/^/  /' "$BILLU_WORK/rsyslog-check.out" >&2
        billu_die "rsyslogd -N1 refuses the configuration (/etc/rsyslog.conf and /etc/rsyslog.d/): rsyslog was not restarted"
    fi
    systemctl restart rsyslog
    billu_log "restarted rsyslog (the FTP logs' forwarding changed)"
fi

systemctl daemon-reload
# shellcheck disable=SC2086 # ${STALE:+--restart}: the option or nothing
billu_service ${STALE:+--restart} vsftpd "its configuration, PAM stack or certificate changed"
systemctl is-active -q vsftpd || billu_die "vsftpd is not running after its restart: journalctl -u vsftpd says why"
