command -v chronyd >/dev/null || billu_apt_install chrony
systemctl enable -q chrony
if billu_changed /etc/chrony/chrony.conf; then systemctl restart chrony; fi
