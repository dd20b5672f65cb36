# Step `vpn` of the gateway: packages, the tunnel interface, charon up and the configuration loaded.
# Data: TUNNEL (the tunnel's name, in the paths of its files), LOCAL_ADDRESS, REMOTE_ADDRESS, REMOTE_COMPANY.
export DEBIAN_FRONTEND=noninteractive
missing=''
for pkg in charon-systemd strongswan-swanctl libstrongswan-standard-plugins; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
# shellcheck disable=SC2086 # a list of package names, split on purpose
[ -z "$missing" ] || billu_apt_install $missing
if billu_changed "/etc/systemd/system/billu-vpn-link-$TUNNEL.service" /etc/systemd/system/strongswan.service.d/billu.conf; then systemctl daemon-reload; fi
systemctl enable -q "billu-vpn-link-$TUNNEL.service" strongswan.service
"/usr/local/sbin/billu-vpn-link-$TUNNEL"
if ! systemctl is-active -q strongswan.service; then
    systemctl start strongswan.service
elif billu_changed /etc/strongswan.d/billu-vpn.conf; then
    systemctl restart strongswan.service
elif billu_changed "/etc/swanctl/conf.d/billu-$TUNNEL.conf" "/etc/swanctl/conf.d/billu-$TUNNEL.secrets.conf"; then
    # Loads the changed connection and key; established SAs of an unchanged connection stay up.
    swanctl --load-all --noprompt >/dev/null
fi
billu_log "tunnel $TUNNEL: $LOCAL_ADDRESS <-> $REMOTE_ADDRESS ($REMOTE_COMPANY)"
