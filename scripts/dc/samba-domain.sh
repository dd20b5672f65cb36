# Step `domain` on the first DC: reverse zones, A and PTR records of every host (records.tsv), the zones and
# records services ask for (EXTRA_ZONES, extra-records.tsv when HAS_EXTRA_RECORDS=1), AD subnets of the site, the
# Linux login groups and the join account (objects.tsv). Lookups are cheap (dig, ldbsearch); samba-tool runs only
# for what is missing or wrong. Data: DOMAIN_FQDN, DOMAIN_DN, DC_FQDN, REVERSE_ZONES, EXTRA_ZONES, HAS_EXTRA_RECORDS,
# COMPUTER_CLASS (schemaIDGUID of the computer class, for the join account's delegation).
dc_wait_ready
for zone in $REVERSE_ZONES; do
    # A zone this DC serves answers its SOA with the authoritative flag (dig: no Python start-up per zone).
    if ! dig +norecurse +time=2 +tries=2 @127.0.0.1 "$zone" SOA | grep -q "flags:.* aa"; then
        st_admin dns zonecreate 127.0.0.1 "$zone" >/dev/null; billu_log "created zone $zone"
    fi
done
tab="$(printf '\t')"
while IFS="$tab" read -r name addr rzone ptr kind; do
    if [ "$kind" = a ]; then
        cur="$(dig +short +time=2 +tries=2 @127.0.0.1 "$name.$DOMAIN_FQDN" A | head -n 1)"
        if [ -z "$cur" ]; then st_admin dns add 127.0.0.1 "$DOMAIN_FQDN" "$name" A "$addr" >/dev/null; billu_log "A $name $addr"
        elif [ "$cur" != "$addr" ]; then st_admin dns update 127.0.0.1 "$DOMAIN_FQDN" "$name" A "$cur" "$addr" >/dev/null; billu_log "A $name $cur -> $addr"; fi
    fi
    curp="$(dig +short +time=2 +tries=2 @127.0.0.1 -x "$addr" | head -n 1)"
    if [ -z "$curp" ]; then st_admin dns add 127.0.0.1 "$rzone" "$ptr" PTR "$name.$DOMAIN_FQDN" >/dev/null; billu_log "PTR $addr $name"
    elif [ "$curp" != "$name.$DOMAIN_FQDN." ]; then st_admin dns update 127.0.0.1 "$rzone" "$ptr" PTR "${curp%.}" "$name.$DOMAIN_FQDN" >/dev/null; billu_log "PTR $addr ${curp%.} -> $name"; fi
done < /etc/billu/domain/records.tsv
if [ -n "$EXTRA_ZONES" ]; then
    # Zones of names outside the AD domain that services need (the public site's): created once, in the domain's
    # DNS partition like the AD zone, so every DC serves them.
    zones="$(st_admin dns zonelist 127.0.0.1)" || billu_die "cannot list the DNS zones of this DC"
    for zone in $EXTRA_ZONES; do
        if ! printf '%s\n' "$zones" | sed -n 's/^[[:space:]]*pszZoneName[[:space:]]*: //p' | grep -qixF "$zone"; then
            st_admin dns zonecreate 127.0.0.1 "$zone" >/dev/null; billu_log "created zone $zone"
        fi
    done
fi
if [ "$HAS_EXTRA_RECORDS" = 1 ]; then
    # Records services ask for: added when missing, every other value of the same name and type removed (a
    # changed address replaces the old one), nothing written when right. dig prints an MX as `<preference>
    # <exchange>.`; samba-tool takes `<exchange> <preference>`.
    while IFS="$tab" read -r zone name type value pref; do
        if [ "$name" = @ ]; then fq="$zone"; else fq="$name.$zone"; fi
        if [ "$type" = MX ]; then want="$pref $value."; data="$value $pref"; else want="$value"; data="$value"; fi
        cur="$(dig +short +time=2 +tries=2 @127.0.0.1 "$fq" "$type")" || billu_die "this DC did not answer for $fq $type"
        if ! printf '%s\n' "$cur" | grep -qxF "$want"; then st_admin dns add 127.0.0.1 "$zone" "$name" "$type" "$data" >/dev/null; billu_log "$type $fq $want"; fi
        printf '%s\n' "$cur" | while IFS= read -r have; do
            if [ -z "$have" ] || [ "$have" = "$want" ]; then continue; fi
            if [ "$type" = MX ]; then old="${have#* }"; old="${old%.} ${have%% *}"; else old="$have"; fi
            st_admin dns delete 127.0.0.1 "$zone" "$name" "$type" "$old" >/dev/null; billu_log "$type $fq: removed $have"
        done
    done < /etc/billu/domain/extra-records.tsv
fi
exists() { [ -n "$(ldbsearch -H /var/lib/samba/private/sam.ldb -b "$1" -s "$2" "$3" dn 2>/dev/null | sed -n 's/^dn: //p')" ]; }
while IFS="$tab" read -r kind name detail; do
    case "$kind" in
        site) exists "CN=Sites,CN=Configuration,$DOMAIN_DN" one "(cn=$name)" || { st_admin sites create "$name" -H "ldap://$DC_FQDN" >/dev/null; billu_log "site $name"; } ;;
        subnet) exists "CN=Subnets,CN=Sites,CN=Configuration,$DOMAIN_DN" one "(cn=$name)" || { samba-tool sites subnet create "$name" "$detail" -H /var/lib/samba/private/sam.ldb >/dev/null; billu_log "subnet $name -> $detail"; } ;;
        group) exists "$DOMAIN_DN" sub "(&(objectClass=group)(sAMAccountName=$name))" || { samba-tool group add "$name" -H /var/lib/samba/private/sam.ldb >/dev/null; billu_log "group $name"; } ;;
        user) exists "$DOMAIN_DN" sub "(&(objectClass=user)(sAMAccountName=$name))" || {
            BILLU_SECRET="$(billu_secret join-password)" billu-samba-tool user create "$name" @BILLU_SECRET@ --description="joins Debian servers to the domain" -H /var/lib/samba/private/sam.ldb >/dev/null
            billu_log "user $name"; } ;;
        delegate) sid="$(ldbsearch -H /var/lib/samba/private/sam.ldb -b "$DOMAIN_DN" "(sAMAccountName=$name)" objectSid | sed -n 's/^objectSid: //p')"
            acl="$(samba-tool dsacl get --objectdn="$detail" -H /var/lib/samba/private/sam.ldb 2>/dev/null)"
            case "$acl" in *"$COMPUTER_CLASS;;$sid)"*) ;; *)
                samba-tool dsacl set --objectdn="$detail" --sddl="(OA;CI;CCDC;$COMPUTER_CLASS;;$sid)(OA;CIIO;CCDCLCSWRPWPDTLOCRSDRCWDWO;;$COMPUTER_CLASS;$sid)" -H /var/lib/samba/private/sam.ldb >/dev/null
                billu_log "delegated computer objects in $detail to $name" ;;
            esac ;;
    esac
done < /etc/billu/domain/objects.tsv
