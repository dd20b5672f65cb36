command -v kea-dhcp4 >/dev/null || billu_apt_install kea-dhcp4-server
# socat carries the Zabbix agent's statistics request to Kea's control socket (billu.kea.pool.used, its sudo rule).
command -v socat >/dev/null || billu_apt_install socat
