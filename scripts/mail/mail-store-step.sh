# Step `mail-store` of the mail host (a host with a data disk): the mail store on that disk, before Dovecot is
# installed. The logic is /usr/local/sbin/billu-mail-store (scripts/mail/billu-mail-store.sh); this step installs
# it with its config and runs it. wipefs, blkid, findmnt (util-linux) and mkfs.ext4 (e2fsprogs) are in every Debian.
/usr/local/sbin/billu-mail-store /etc/billu/mail-store.conf
