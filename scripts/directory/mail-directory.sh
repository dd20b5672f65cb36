# Step `mail-directory` on the first DC (samba flavor). Data: $DOMAIN_DN, $DC_FQDN, $MAIL_DOMAIN, $MAIL_HOST, $SERVICE_ACCOUNT, $BIND_DN, $TXT_RECORDS (the TXT records file, empty: none).
# Unfolded LDIF of a search (continuation lines start with one space).
search() { ldbsearch -H /var/lib/samba/private/sam.ldb -b "$DOMAIN_DN" "$@" 2>/dev/null | awk 'NR > 1 && /^ / { line = line substr($0, 2); next } { if (NR > 1) print line; line = $0 } END { print line }'; }
dn_of() { search "(sAMAccountName=$1)" dn | sed -n 's/^dn: //p'; }
if [ -z "$(dn_of "$SERVICE_ACCOUNT")" ]; then
    BILLU_SECRET="$(billu_secret mail-ldap-password)" billu-samba-tool user create "$SERVICE_ACCOUNT" @BILLU_SECRET@ --description="looks mail addresses up for $MAIL_HOST (read only)" -H /var/lib/samba/private/sam.ldb >/dev/null
    samba-tool user setexpiry "$SERVICE_ACCOUNT" --noexpiry -H /var/lib/samba/private/sam.ldb >/dev/null
    billu_log "user $SERVICE_ACCOUNT"
else
    # The password follows the secret: a bind that fails means the secret changed.
    billu_secret mail-ldap-password > "$BILLU_WORK/pw"
    if ! LDAPTLS_CACERT=/etc/samba/tls/billu-ca.pem LDAPTLS_REQCERT=demand ldapsearch -LLL -x -o nettimeout=10 -H "ldaps://$DC_FQDN" -D "$BIND_DN" -y "$BILLU_WORK/pw" -s base -b '' 1.1 >/dev/null 2>&1; then
        BILLU_SECRET="$(billu_secret mail-ldap-password)" billu-samba-tool user setpassword "$SERVICE_ACCOUNT" --newpassword=@BILLU_SECRET@ -H /var/lib/samba/private/sam.ldb >/dev/null
        billu_log "$SERVICE_ACCOUNT password set from the secret"
    fi
fi
# Aliases: the proxyAddresses wanted (sam TAB value) against those of the mail domain present now.
tab="$(printf '\t')"
while IFS="$tab" read -r address target; do printf '%s\tsmtp:%s\n' "$target" "$address"; done < /etc/billu/mail/aliases.tsv | sort -u > "$BILLU_WORK/want"
search '(proxyAddresses=*)' sAMAccountName proxyAddresses | awk -v dom="@$MAIL_DOMAIN" '
    /^sAMAccountName: / { s = substr($0, 17) }
    /^proxyAddresses: / { v = substr($0, 17); if (substr(v, 1, 5) == "smtp:" && tolower(substr(v, length(v) - length(dom) + 1)) == dom) a[++n] = v }
    /^$/ { for (i = 1; i <= n; i++) print s "\t" a[i]; n = 0; s = "" }
    END { for (i = 1; i <= n; i++) print s "\t" a[i] }' | sort -u > "$BILLU_WORK/have"
comm -13 "$BILLU_WORK/have" "$BILLU_WORK/want" > "$BILLU_WORK/add"
comm -23 "$BILLU_WORK/have" "$BILLU_WORK/want" > "$BILLU_WORK/del"
for op in add del; do
    while IFS="$tab" read -r target value; do
        dn="$(dn_of "$target")"
        [ -n "$dn" ] || billu_die "alias $value: no account or group $target in the directory"
        if [ "$op" = add ]; then change=add; else change=delete; fi
        printf 'dn: %s\nchangetype: modify\n%s: proxyAddresses\nproxyAddresses: %s\n' "$dn" "$change" "$value" | ldbmodify -H /var/lib/samba/private/sam.ldb >/dev/null
        billu_log "$op $value on $target"
    done < "$BILLU_WORK/$op"
done
# The mail domain's TXT records (SPF, DMARC, DKIM) in AD DNS, when it serves the domain ($TXT_RECORDS, else empty).
if [ -n "$TXT_RECORDS" ]; then
    /usr/local/sbin/billu-mail-dns --base-dn "$DOMAIN_DN" "$TXT_RECORDS" > "$BILLU_WORK/txt" || billu_die "the mail domain's TXT records could not be written (above)"
    while IFS= read -r line; do billu_log "$line"; done < "$BILLU_WORK/txt"
fi
