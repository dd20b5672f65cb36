# Step `mail` of the mail host. Data: $LDAP_URI (the first DC's LDAPS), $BIND_DN and $SERVICE_ACCOUNT (the service
# account), $DKIM_KEY (the DKIM private key's path).
# Every mailbox belongs to one system user with a fixed id (Dovecot's valid-uid range is exactly it).
if ! getent passwd vmail >/dev/null; then
    getent group vmail >/dev/null || groupadd --gid 5000 vmail
    useradd --uid 5000 --gid vmail --home-dir /var/vmail --no-create-home --shell /usr/sbin/nologin vmail
    billu_log "user vmail"
fi
[ "$(id -u vmail)" = 5000 ] || billu_die "user vmail exists with another uid than 5000"
install -d -m 0750 -o vmail -g vmail /var/vmail
# The service account must work before the daemons depend on it: an LDAPS bind with the site CA verified.
billu_secret mail-ldap-password > "$BILLU_WORK/ldap.pw"
if ! LDAPTLS_CACERT=/etc/billu/mail/tls/ca.pem LDAPTLS_REQCERT=demand ldapsearch -LLL -x -o nettimeout=10 -H "$LDAP_URI" -D "$BIND_DN" -y "$BILLU_WORK/ldap.pw" -s base -b '' 1.1 >"$BILLU_WORK/bind" 2>&1; then
    sed "s/^/  /" "$BILLU_WORK/bind" >&2
    billu_die "the service account $SERVICE_ACCOUNT cannot bind to $LDAP_URI"
fi
# ClamAV: its signatures come from freshclam (Debian's clamav-freshclam); clamd starts once a database is there (the
# first download takes minutes), then listens on its socket, which rspamd's antivirus module scans through.
systemctl enable -q clamav-freshclam
systemctl is-active -q clamav-freshclam || systemctl start clamav-freshclam
signatures() { find /var/lib/clamav -maxdepth 1 \( -name '*.cvd' -o -name '*.cld' -o -name '*.ndb' -o -name '*.hdb' \) | grep -q .; }
n=0
until signatures; do n=$((n + 1)); [ "$n" -le 900 ] || billu_die "no ClamAV signatures in /var/lib/clamav after 15 min (freshclam's log: /var/log/clamav/freshclam.log)"; sleep 1; done
systemctl enable -q clamav-daemon
systemctl is-active -q clamav-daemon || systemctl start clamav-daemon
n=0
until [ -S /run/clamav/clamd.ctl ]; do n=$((n + 1)); [ "$n" -le 600 ] || billu_die "clamd does not listen on /run/clamav/clamd.ctl after 120 s"; sleep 0.2; done
billu_service rspamd "its configuration changed" /etc/rspamd/local.d/worker-proxy.inc /etc/rspamd/local.d/worker-normal.inc /etc/rspamd/local.d/actions.conf /etc/rspamd/local.d/options.inc /etc/rspamd/local.d/milter_headers.conf /etc/rspamd/local.d/dkim_signing.conf /etc/rspamd/local.d/antivirus.conf /etc/rspamd/local.d/multimap.conf /etc/rspamd/local.d/billu-refused-extensions.map /etc/rspamd/local.d/force_actions.conf /etc/rspamd/local.d/external_relay.conf "$DKIM_KEY"
billu_service dovecot "its configuration changed" /etc/billu/mail/tls/ca.pem /etc/billu/mail/tls/server.pem /etc/billu/mail/tls/server.key /etc/dovecot/billu-ldap.conf.ext /etc/dovecot/dovecot.conf
billu_service postfix "its configuration changed" /etc/billu/mail/tls/ca.pem /etc/billu/mail/tls/server.pem /etc/billu/mail/tls/server.key /etc/billu/mail/postfix-ldap/mailboxes.cf /etc/billu/mail/postfix-ldap/aliases.cf /etc/billu/mail/postfix-ldap/groups.cf /etc/billu/mail/postfix-ldap/senders.cf /etc/postfix/master.cf /etc/postfix/main.cf
# Ready when every listener answers (bounded): the milter, SMTP, submission, IMAPS.
listening() { ss -Hltn "sport = :$1" | grep -q .; }
for p in 11332 25 587 993; do
    n=0
    until listening "$p"; do n=$((n + 1)); [ "$n" -le 300 ] || billu_die "nothing listens on port $p after 60 s"; sleep 0.2; done
done
