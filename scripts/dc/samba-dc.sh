# Step `dc` of a Samba DC: packages, provision (the first DC, FIRST_DC=1) or join (the others), service, readiness.
# Data: FIRST_DC, DOMAIN_FQDN, AD_SITE, REALM, NETBIOS_NAME, DC_ADDRESS, DC_FQDN, FIRST_NAME, FIRST_FQDN,
# NAMING_CONTEXTS (distinguished names, without spaces, as words), RESOLV and RESOLV_BOOTSTRAP (the two resolv.conf
# files the step installs), BOOTSTRAP_RESOLVERS and OWN_RESOLVERS (for the log lines).
# Name resolution follows the DC's own DNS: until it answers (a first run, before `apt-get install samba`),
# /etc/resolv.conf holds the bootstrap resolvers (model/guest-resolvers.ts); once it answers for the domain (a
# bounded wait), the DC's own list (the other DCs, then itself).
created=
# This DC's own DNS answers for the domain (authoritative SOA): only then may it resolve through itself.
dc_dns_ready() { command -v dig >/dev/null && dig +norecurse +time=1 +tries=1 @127.0.0.1 "$DOMAIN_FQDN" SOA 2>/dev/null | grep -q "flags:.* aa"; }
# Installs a resolv.conf as /etc/resolv.conf when it differs (replacing a symlink, never writing through it).
dc_resolv() {
    cmp -s "$1" /etc/resolv.conf && return 0
    cp "$1" /etc/resolv.conf.billu-new && mv -f /etc/resolv.conf.billu-new /etc/resolv.conf && billu_log "/etc/resolv.conf: $2"
}
dc_dns_ready || dc_resolv "$RESOLV_BOOTSTRAP" "bootstrap resolvers $BOOTSTRAP_RESOLVERS until this DC's DNS answers"
if ! command -v samba >/dev/null || ! command -v ldapsearch >/dev/null || ! command -v dig >/dev/null || ! command -v ldbsearch >/dev/null; then
    billu_apt_install samba samba-ad-dc winbind krb5-user ldap-utils ldb-tools bind9-dnsutils chrony
fi
# An AD DC runs smbd and winbindd itself, inside samba-ad-dc: the member-server units stay off.
for unit in smbd nmbd winbind; do
    if systemctl is-enabled -q "$unit" 2>/dev/null; then systemctl disable --now -q "$unit"; systemctl mask -q "$unit"; billu_log "masked $unit"; fi
done
if billu_changed /etc/hostname || [ "$(hostname)" != "$(cat /etc/hostname)" ]; then hostname -F /etc/hostname; fi
if [ ! -f /var/lib/samba/private/sam.ldb ]; then
    if [ "$FIRST_DC" = 1 ]; then
        billu_log "provisioning the forest $DOMAIN_FQDN (site $AD_SITE)"
        BILLU_SECRET="$(billu_secret admin-password)" billu-samba-tool domain provision -s /etc/samba/smb.conf --server-role=dc --use-rfc2307 \
            --dns-backend=SAMBA_INTERNAL --realm="$REALM" --domain="$NETBIOS_NAME" --site="$AD_SITE" --host-ip="$DC_ADDRESS" \
            --adminpass=@BILLU_SECRET@ >/var/log/samba/billu-provision.log 2>&1 || { tail -n 20 /var/log/samba/billu-provision.log >&2; billu_die 'provision failed'; }
    else
        billu_log "joining $DOMAIN_FQDN as a DC (from $FIRST_NAME, site $AD_SITE)"
        st_admin domain join "$DOMAIN_FQDN" DC -s /etc/samba/smb.conf --dns-backend=SAMBA_INTERNAL --site="$AD_SITE" --server="$FIRST_FQDN" \
            >/var/log/samba/billu-join.log 2>&1 || { tail -n 20 /var/log/samba/billu-join.log >&2; billu_die 'join failed'; }
    fi
    created=1
fi
systemctl unmask -q samba-ad-dc
billu_service samba-ad-dc "its configuration or certificate changed" /etc/samba/smb.conf /etc/samba/tls/billu-ca.pem /etc/samba/tls/billu-dc.pem /etc/samba/tls/billu-dc.key
dc_wait_ready
n=0
until dc_dns_ready; do n=$((n + 1)); [ "$n" -le 300 ] || billu_die "this DC's DNS did not answer for $DOMAIN_FQDN within 60 s: /etc/resolv.conf keeps the bootstrap resolvers"; sleep 0.2; done
dc_resolv "$RESOLV" "this DC's DNS answers: resolving through $OWN_RESOLVERS"
# chrony answers signed NTP for Windows clients through Samba's socket.
if [ -d /var/lib/samba/ntp_signd ] && getent group _chrony >/dev/null; then chgrp _chrony /var/lib/samba/ntp_signd && chmod 0750 /var/lib/samba/ntp_signd; fi
systemctl enable -q chrony
if billu_changed /etc/chrony/chrony.conf; then systemctl restart chrony; fi
if [ "$FIRST_DC" = 1 ]; then
    # The Administrator's password follows the secret (a changed secret is set; an unchanged one writes nothing).
    if [ -z "$created" ] && ! st_admin user show administrator -H "ldap://$DC_FQDN" >/dev/null 2>&1; then
        BILLU_SECRET="$(billu_secret admin-password)" billu-samba-tool user setpassword administrator --newpassword=@BILLU_SECRET@ -H /var/lib/samba/private/sam.ldb >/dev/null
        billu_log "administrator password set from the secret"
    fi
elif [ -n "$created" ]; then
    # A new DC: make the forest's KCC see it now and replicate every naming context both ways, instead of
    # waiting minutes for the periodic KCC (https://wiki.samba.org/index.php/Joining_a_Samba_DC_to_an_Existing_Active_Directory).
    n=0
    until st_admin drs kcc "$FIRST_FQDN" >/dev/null 2>&1; do n=$((n + 1)); [ "$n" -le 50 ] || billu_die "the KCC of $FIRST_NAME stayed busy"; sleep 0.2; done
    for nc in $NAMING_CONTEXTS; do
        st_admin drs replicate "$DC_FQDN" "$FIRST_FQDN" "$nc" >/dev/null
        st_admin drs replicate "$FIRST_FQDN" "$DC_FQDN" "$nc" >/dev/null
    done
    billu_log "replicated with $FIRST_NAME"
fi
