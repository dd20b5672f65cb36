# Step `samba` of the Linux file server: join (once), winbind and smbd. The share folders and ACLs are the `shares`
# step's (shares-step.sh), after the directory and the trust made their groups.
# Data: WORKGROUP, JOIN_USER (empty: no join credential was given), HOST_NAME, DOMAIN_FQDN.
if billu_changed /etc/systemd/system/smbd.service.d/billu-shares.conf; then systemctl daemon-reload; fi
if ! net ads testjoin >/dev/null 2>&1; then
    if [ -z "$JOIN_USER" ]; then
        billu_die "$HOST_NAME is not a member of $DOMAIN_FQDN: join it once (net ads join -U <admin>), or give FileServerRaid1 a domainJoin credential"
    fi
    billu_log "joining $WORKGROUP as $JOIN_USER"
    PASSWD="$(billu_secret domain-join)" net ads join -U "$JOIN_USER" --no-dns-updates
    joined=yes
fi
systemctl enable -q winbind smbd
# NetBIOS is off (disable netbios = yes): nmbd has nothing to do.
if systemctl is-enabled -q nmbd 2>/dev/null; then systemctl disable -q --now nmbd; fi
if [ -n "${joined:-}" ] || billu_changed /etc/samba/smb.conf /etc/krb5.conf /etc/nsswitch.conf; then systemctl restart winbind smbd; fi
