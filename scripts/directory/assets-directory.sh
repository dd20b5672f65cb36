# Step `assets-directory` on the first DC (samba flavor): GLPI's read-only LDAP service account, which also owns the
# helpdesk mailbox (its `mail` is the helpdesk address: the mail server delivers helpdesk mail to it and GLPI's mail
# collector logs in to IMAPS as it). Data: $DOMAIN_DN, $DC_FQDN, $GLPI_HOST, $SERVICE_ACCOUNT, $BIND_DN, $HELPDESK_MAIL.
# The password is the generated secret `glpi-ldap-password`; it follows the secret (checked by a bind).
search() { ldbsearch -H /var/lib/samba/private/sam.ldb -b "$DOMAIN_DN" "$@" 2>/dev/null | awk 'NR > 1 && /^ / { line = line substr($0, 2); next } { if (NR > 1) print line; line = $0 } END { print line }'; }
dn_of() { search "(sAMAccountName=$1)" dn | sed -n 's/^dn: //p'; }
if [ -z "$(dn_of "$SERVICE_ACCOUNT")" ]; then
    BILLU_SECRET="$(billu_secret glpi-ldap-password)" billu-samba-tool user create "$SERVICE_ACCOUNT" @BILLU_SECRET@ --description="reads staff accounts for GLPI on $GLPI_HOST (read only); owns $HELPDESK_MAIL" -H /var/lib/samba/private/sam.ldb >/dev/null
    samba-tool user setexpiry "$SERVICE_ACCOUNT" --noexpiry -H /var/lib/samba/private/sam.ldb >/dev/null
    billu_log "user $SERVICE_ACCOUNT"
else
    billu_secret glpi-ldap-password > "$BILLU_WORK/pw"
    if ! LDAPTLS_CACERT=/etc/samba/tls/billu-ca.pem LDAPTLS_REQCERT=demand ldapsearch -LLL -x -o nettimeout=10 -H "ldaps://$DC_FQDN" -D "$BIND_DN" -y "$BILLU_WORK/pw" -s base -b '' 1.1 >/dev/null 2>&1; then
        BILLU_SECRET="$(billu_secret glpi-ldap-password)" billu-samba-tool user setpassword "$SERVICE_ACCOUNT" --newpassword=@BILLU_SECRET@ -H /var/lib/samba/private/sam.ldb >/dev/null
        billu_log "$SERVICE_ACCOUNT password set from the secret"
    fi
fi
dn="$(dn_of "$SERVICE_ACCOUNT")"
if [ "$(search "(sAMAccountName=$SERVICE_ACCOUNT)" mail | sed -n 's/^mail: //p')" != "$HELPDESK_MAIL" ]; then
    printf 'dn: %s\nchangetype: modify\nreplace: mail\nmail: %s\n' "$dn" "$HELPDESK_MAIL" | ldbmodify -H /var/lib/samba/private/sam.ldb >/dev/null ||
        billu_die "cannot set mail $HELPDESK_MAIL on $SERVICE_ACCOUNT"
    billu_log "mail $HELPDESK_MAIL on $SERVICE_ACCOUNT"
fi
