if [ ! -e /usr/lib/postfix/postfix-ldap.so ] || [ ! -e /usr/lib/dovecot/modules/auth/libauthdb_ldap.so ] || [ ! -e /usr/lib/dovecot/lmtp ] \
    || ! command -v rspamd >/dev/null || ! command -v ldapsearch >/dev/null || ! command -v clamd >/dev/null || ! command -v freshclam >/dev/null; then
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    # rspamd's recommended Redis (Bayes, greylisting) is left out: one daemon fewer to run and patch.
    billu_apt_install --no-install-recommends postfix postfix-ldap dovecot-core dovecot-imapd dovecot-lmtpd dovecot-ldap rspamd ldap-utils \
        clamav clamav-daemon clamav-freshclam
    billu_log "installed the mail packages"
fi
