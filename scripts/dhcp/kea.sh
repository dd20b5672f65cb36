# Every file of the step is Kea's (its configuration and, for an HA pair, the TLS files of the peer API).
billu_service kea-dhcp4-server "its configuration changed"
# Kea's unit is Type=simple: wait (bounded) until it has loaded the configuration and opened its socket.
i=0
until systemctl is-active -q kea-dhcp4-server && [ -S /run/kea/kea4-ctrl-socket ]; do
    i=$((i + 1)); [ "$i" -le 50 ] || billu_die 'kea-dhcp4-server is not running: see journalctl -u kea-dhcp4-server'
    sleep 0.2
done
