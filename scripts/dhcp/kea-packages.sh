command -v kea-dhcp4 >/dev/null || billu_apt_install kea-dhcp4-server
