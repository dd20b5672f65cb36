# Step `domain` on the first DC: reverse zones, A and PTR records of every host (records.tsv), the zones and
# records services ask for (EXTRA_ZONES, extra-records.tsv when HAS_EXTRA_RECORDS=1), AD subnets of the site, the
# Linux login groups and the join account (objects.tsv). The zones and records: one billu-samba-dns process over one
# dnsserver RPC connection (a samba-tool process per record, each a Python start-up and an RPC bind, took minutes);
# the subnets and groups: one billu-samba-objects process; the site, the join account and its delegation: looked up
# with ldbsearch, samba-tool runs only for what is missing. Data: DOMAIN_FQDN, DOMAIN_DN,
# DC_FQDN, REVERSE_ZONES, EXTRA_ZONES, HAS_EXTRA_RECORDS, COMPUTER_CLASS (schemaIDGUID of the computer class, for the
# join account's delegation).
dc_wait_ready
# Zones created when missing; the hosts' A and PTR records added when missing, a wrong value replaced; the records
# services ask for added when missing, every other value of their name and type removed. The helper prints each
# change (an unchanged run prints nothing), logged here as the step's own lines; the password goes in PASSWD.
if [ "$HAS_EXTRA_RECORDS" = 1 ]; then set -- --extra-records /etc/billu/domain/extra-records.tsv; else set --; fi
dns_rc=0
PASSWD="$(billu_secret admin-password)" billu-samba-dns --domain "$DOMAIN_FQDN" --zones "$REVERSE_ZONES $EXTRA_ZONES" \
    --records /etc/billu/domain/records.tsv "$@" >"$BILLU_WORK/dns-changes" || dns_rc=$?
while IFS= read -r line; do billu_log "$line"; done <"$BILLU_WORK/dns-changes"
[ "$dns_rc" = 0 ] || billu_die "the DNS zones and records of this DC are not all as planned (billu-samba-dns exit $dns_rc, each problem named above)"
tab="$(printf '\t')"
exists() { [ -n "$(ldbsearch -H /var/lib/samba/private/sam.ldb -b "$1" -s "$2" "$3" dn 2>/dev/null | sed -n 's/^dn: //p')" ]; }
while IFS="$tab" read -r kind name detail; do
    case "$kind" in
        site) exists "CN=Sites,CN=Configuration,$DOMAIN_DN" one "(cn=$name)" || { st_admin sites create "$name" -H "ldap://$DC_FQDN" >/dev/null; billu_log "site $name"; } ;;
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
# The subnets (after their site) and login groups: one billu-samba-objects process over one opening of sam.ldb
# (samba-tool took one per object), its creations logged likewise.
obj_rc=0
billu-samba-objects --objects /etc/billu/domain/objects.tsv >"$BILLU_WORK/object-changes" || obj_rc=$?
while IFS= read -r line; do billu_log "$line"; done <"$BILLU_WORK/object-changes"
[ "$obj_rc" = 0 ] || billu_die "the subnets and groups of this domain are not all as planned (billu-samba-objects exit $obj_rc, each problem named above)"
