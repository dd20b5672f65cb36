# Step `client-join` of a client workstation: a winbind member of the domain (smb.conf and krb5.conf installed by the
# step), NSS and PAM through winbind, the home folder made at first logon. Data: HOST_NAME, HOST_FQDN, REALM,
# JOIN_ACCOUNT, DC_FQDN (the first DC), CREATE_COMPUTER (net's createcomputer= path of the client's OU, `BillU/Ordinateurs/
# DSI`; empty: the domain's Computers container), HOME_MOUNT ("yes": the step installs pam_mount.conf.xml and pam_mount
# mounts the person's folder of the home share as their home at logon, with their Kerberos ticket; empty: the site's
# file server has no home share). SSH and sudo follow billu:domain.linuxLogin (the rendered sudoers drop-in, sshd's
# drop-in, sshd's PAM account rule billu-sshd-groups); the console is every staff member's. The join account's password reaches `net ads join` through an authentication file
# (-A), 0600 in the step's private work folder, never a command line. The computer account is made in the client's OU,
# where the first DC's `client-ou` step delegated computer creation to the join account.
if ! command -v winbindd >/dev/null || ! command -v net >/dev/null || ! command -v kinit >/dev/null || [ ! -e /lib/x86_64-linux-gnu/libnss_winbind.so.2 ]; then
    billu_apt_install winbind libnss-winbind libpam-winbind krb5-user samba-common-bin smbclient
fi
if [ -n "$HOME_MOUNT" ] && { [ ! -e /lib/x86_64-linux-gnu/security/pam_mount.so ] || ! command -v mount.cifs >/dev/null || ! command -v xmllint >/dev/null; }; then
    billu_apt_install libpam-mount cifs-utils keyutils libxml2-utils
fi
testparm -s --suppress-prompt /etc/samba/smb.conf >/dev/null 2>&1 || billu_die "testparm refuses /etc/samba/smb.conf"
# NSS: the domain's users and groups after the local ones (files first: a local root stays local).
for db in passwd group; do
    if ! grep -Eq "^$db:.*[[:space:]]winbind([[:space:]]|\$)" /etc/nsswitch.conf; then
        sed -i -E "s/^($db:[[:space:]]+files)/\1 winbind/" /etc/nsswitch.conf
        grep -Eq "^$db:.*[[:space:]]winbind([[:space:]]|\$)" /etc/nsswitch.conf || billu_die "cannot add winbind to the $db line of /etc/nsswitch.conf"
        billu_log "nsswitch: winbind added to $db"
    fi
done
# PAM: winbind authentication (libpam-winbind's profile, which asks for a Kerberos ticket at logon: krb5_auth) and
# the home folder at first logon; with a home share, pam_mount (its session runs before mkhomedir's: the mounted
# share is the home, mkhomedir then finds it made). pam_mount's config is checked against pam_mount's own DTD.
if [ -n "$HOME_MOUNT" ]; then
    xmllint --noout --dtdvalid /usr/share/xml/pam_mount/dtd/pam_mount.conf.xml.dtd /etc/security/pam_mount.conf.xml ||
        billu_die "/etc/security/pam_mount.conf.xml does not follow pam_mount's DTD"
    pam-auth-update --enable winbind mkhomedir libpam-mount
else
    pam-auth-update --enable winbind mkhomedir
fi
# SSH (billu:domain.linuxLogin, as on every Debian member): sshd's PAM stack includes the rendered account rule
# (/etc/pam.d/billu-sshd-groups: the domain's accounts in the SSH or sudo group only) before common-account. sshd runs
# the account stage for every method (password, Kerberos ticket, key). The console's services keep common-account alone.
[ -f /etc/pam.d/sshd ] || billu_die "/etc/pam.d/sshd is missing: openssh-server is not installed (the client is reached over SSH like every host)"
if ! grep -qx '@include billu-sshd-groups' /etc/pam.d/sshd; then
    sed -i '0,/^@include common-account$/s//@include billu-sshd-groups\n&/' /etc/pam.d/sshd
    grep -qx '@include billu-sshd-groups' /etc/pam.d/sshd || billu_die "/etc/pam.d/sshd has no '@include common-account' line to put billu-sshd-groups before"
    billu_log "sshd's PAM: billu-sshd-groups included before common-account"
fi
# sshd reads its drop-in (passwords through PAM, Kerberos tickets) at start: reload it when the drop-in changed.
if billu_changed /etc/ssh/sshd_config.d/10-billu-ad.conf; then
    sshd -t || billu_die "sshd -t refuses the configuration with /etc/ssh/sshd_config.d/10-billu-ad.conf"
    systemctl reload ssh
fi
joined=
if ! net ads testjoin -s /etc/samba/smb.conf >/dev/null 2>&1; then
    billu_log "joining $REALM as $HOST_NAME (account $JOIN_ACCOUNT, DC $DC_FQDN, OU ${CREATE_COMPUTER:-Computers})"
    # net's authentication file, 0600 in the step's private work folder (removed on exit): net reads a password
    # from PASSWD_FD more than once and finds the pipe empty the second time.
    auth="$BILLU_WORK/join.auth"
    { printf 'username = %s\n' "$JOIN_ACCOUNT"; printf 'password = '; billu_secret join-password; printf '\n'; } >"$auth"
    if [ -n "$CREATE_COMPUTER" ]; then set -- "createcomputer=$CREATE_COMPUTER"; else set --; fi
    net ads join -s /etc/samba/smb.conf -A "$auth" -S "$DC_FQDN" "dnshostname=$HOST_FQDN" "$@" --no-dns-updates >/dev/null ||
        { rm -f "$auth"; billu_die "net ads join as $JOIN_ACCOUNT failed"; }
    rm -f "$auth"
    joined=1
fi
systemctl enable -q winbind
if [ -n "$joined" ] || billu_changed /etc/samba/smb.conf /etc/krb5.conf; then systemctl restart winbind; else systemctl start winbind; fi
