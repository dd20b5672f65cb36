# Step `fsmo` on a DC that must hold roles: transfers each one it does not hold yet, from whoever holds it.
# Data: DC_LABEL, DC_NAME, DC_FQDN and FSMO_PARTS (`<show name>:<transfer name>` words).
# The DC holding each role, read from this DC's own copy of the directory (one samba-tool run each time).
roles() { samba-tool fsmo show -H /var/lib/samba/private/sam.ldb 2>/dev/null; }
holder() {
    printf '%s\n' "$2" | sed -n "s/^$1 owner: CN=NTDS Settings,CN=\([^,]*\),.*/\1/p" | tr '[:upper:]' '[:lower:]'
}
dc_wait_ready
now="$(roles)"
for pair in $FSMO_PARTS; do
    show="${pair%%:*}"; role="${pair#*:}"
    if [ "$(holder "$show" "$now")" != "$DC_LABEL" ]; then
        st_admin fsmo transfer --role="$role" -H "ldap://$DC_FQDN" >/dev/null
        [ "$(holder "$show" "$(roles)")" = "$DC_LABEL" ] || billu_die "$show did not move to $DC_NAME"
        billu_log "transferred $show to $DC_NAME"
    fi
done
