systemctl enable -q kea-dhcp4-server
# Every file of the step is Kea's (its configuration and, for an HA pair, the TLS files of the peer API).
if billu_any_changed; then systemctl restart kea-dhcp4-server; billu_log 'kea-dhcp4 restarted';
elif ! systemctl is-active -q kea-dhcp4-server; then systemctl start kea-dhcp4-server; fi
# Kea's unit is Type=simple: wait (bounded) until it has loaded the configuration and opened its socket.
i=0
until systemctl is-active -q kea-dhcp4-server && [ -S /run/kea/kea4-ctrl-socket ]; do
    i=$((i + 1)); [ "$i" -le 50 ] || billu_die 'kea-dhcp4-server is not running: see journalctl -u kea-dhcp4-server'
    sleep 0.2
done
