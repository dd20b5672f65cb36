# Step `dns-forward` of a Samba DC with conditional forwarders (components/domain-controller/samba-forwarders.ts):
# unbound on LOCAL_FORWARDER, which Samba's internal DNS asks first (smb.conf's `dns forwarder`), forwarding each
# partner zone (ZONES) to the partner's resolvers and the rest upstream. Data: UNBOUND_CONF, LOCAL_FORWARDER, ZONES.
# dns-root-data holds the root trust anchor unbound's DNSSEC needs before its first start; it is only a Recommends of
# unbound, which a VM whose apt skips recommends would not get (unbound-checkconf then fails on root.key: labs/trust).
billu_apt_install unbound dns-root-data
unbound-checkconf >/dev/null || billu_die "unbound-checkconf refuses the configuration (see $UNBOUND_CONF)"
billu_service unbound "its configuration changed" "$UNBOUND_CONF"
n=0
until [ "$(unbound-control status >/dev/null 2>&1 && echo up)" = up ] || dig +time=1 +tries=1 @"$LOCAL_FORWARDER" localhost >/dev/null 2>&1; do
    n=$((n + 1)); [ "$n" -le 100 ] || billu_die "unbound does not answer on $LOCAL_FORWARDER within 20 s"; sleep 0.2
done
billu_log "unbound forwards $ZONES on $LOCAL_FORWARDER"
