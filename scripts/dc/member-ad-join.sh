# Step `ad-join` of a Debian member: SSSD and the machine account (adcli, with the join account's password from
# stdin). Data: HOST_NAME, HOST_FQDN, COMPUTER_NAME, DOMAIN_FQDN, REALM, JOIN_ACCOUNT, DC_FQDN (the first DC).
if ! command -v sssd >/dev/null || ! command -v adcli >/dev/null || ! command -v kinit >/dev/null; then
    billu_apt_install sssd-ad sssd-tools libnss-sss libpam-sss adcli krb5-user
fi
# Home directories are created at first logon.
pam-auth-update --enable mkhomedir
joined=
if ! klist -k /etc/krb5.keytab 2>/dev/null | grep -qi "host/$HOST_FQDN@$REALM"; then
    billu_log "joining $DOMAIN_FQDN as $HOST_NAME (account $JOIN_ACCOUNT)"
    billu_secret join-password | adcli join --domain="$DOMAIN_FQDN" --domain-realm="$REALM" --domain-controller="$DC_FQDN" \
        --login-user="$JOIN_ACCOUNT" --stdin-password --host-fqdn="$HOST_FQDN" --computer-name="$COMPUTER_NAME" >/dev/null
    joined=1
fi
# shellcheck disable=SC2086 # ${joined:+--restart}: the option or nothing
billu_service ${joined:+--restart} sssd "joined, or its configuration changed" /etc/sssd/sssd.conf /etc/krb5.conf
# sshd reads its drop-in (Kerberos logons) at start: reload it when the drop-in changed; the running sessions stay.
if billu_changed /etc/ssh/sshd_config.d/10-billu-ad.conf; then sshd -t && systemctl reload ssh; fi
