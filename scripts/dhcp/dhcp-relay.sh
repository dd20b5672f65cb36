# The package's SysV service would start a second relay from debconf's answers (and rewrite its options
# on upgrades): mask it, before the package is installed, so only our unit runs.
[ "$(systemctl is-enabled isc-dhcp-relay.service 2>/dev/null)" = masked ] || systemctl mask -q isc-dhcp-relay.service
command -v dhcrelay >/dev/null || billu_apt_install isc-dhcp-relay
if billu_changed /etc/systemd/system/billu-dhcp-relay.service; then systemctl daemon-reload; fi
billu_service billu-dhcp-relay.service "dhcrelay: its unit changed" /etc/systemd/system/billu-dhcp-relay.service
