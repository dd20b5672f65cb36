# Step `raid1` of the Linux file server. Data: MOUNT_UNIT (the mirrored filesystem's mount unit), MAIL_ALERTS (1:
# mdadm's alerts leave through msmtp).
# Everything the file server needs, installed once (samba's testparm checks smb.conf in the next step).
cmds="mdadm smbd winbindd setfacl"; pkgs="mdadm samba winbind libnss-winbind acl"
if [ "$MAIL_ALERTS" = 1 ]; then cmds="$cmds msmtp"; pkgs="$pkgs msmtp-mta"; fi
need=""; for c in $cmds; do command -v "$c" >/dev/null || need=yes; done
# shellcheck disable=SC2086 # a list of package names, split on purpose
[ -z "$need" ] || billu_apt_install $pkgs
# The mirror: created over blank disks, assembled, or reported degraded; never re-created.
/usr/local/sbin/billu-raid1
if billu_changed "/etc/systemd/system/$MOUNT_UNIT"; then systemctl daemon-reload; fi
systemctl enable -q "$MOUNT_UNIT"
# The initramfs carries mdadm.conf, so the array assembles at boot under its name.
if billu_changed /etc/mdadm/mdadm.conf; then update-initramfs -u; systemctl restart mdmonitor.service; fi
