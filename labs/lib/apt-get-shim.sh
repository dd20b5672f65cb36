#!/bin/sh
# Lab shim for apt-get in a pseudo-guest (first in the guest's PATH): the labs contact no package mirror, and the
# packages are on the lab machine already (labs/<lab>/packages.txt). Install it with lab_apt_shim (labs/lib/common.sh),
# which fills in the two lines below: what `update` and `install` do in that lab.
#   update=resolve (labs/dc): what a first run's `apt-get update` needs from the guest is name resolution of the
#     package mirror, through the guest's /etc/resolv.conf as it is at that moment. It appends that resolv.conf to
#     /var/log/lab-apt-resolv.log and resolves every mirror host of the machine's apt sources (getent, glibc's resolver,
#     as apt uses it), failing like apt (exit 100) when one does not resolve.
#   update=skip (labs/trust): nothing to resolve (the lab's upstream has no mirror); says so on stderr.
#   install=unhide (labs/dc): makes the commands the lab hid (/var/lib/lab-apt/hidden, one path a line) appear again.
#   install=start (labs/trust): succeeds only when every package named is installed here (exit 100, as apt, when one
#     is not), then starts the package's service as its postinst does on a VM (`deb-systemd-invoke start <unit> ||
#     true`: here the lab's systemctl shim; the lab machine's policy-rc.d kept it from starting when installed here).
# `lab-mirror-hosts` prints the mirror hosts of the machine's apt sources (the lab's upstream resolver answers for these).
LAB_APT_UPDATE=
LAB_APT_INSTALL=
set -eu
verb=""
while [ $# -gt 0 ]; do
    case "$1" in
        -o) shift 2 ;;
        -*) shift ;;
        *) verb="$1"; shift; break ;;
    esac
done
mirror_hosts() {
    sed -n 's,^\(URIs:\|deb\)[[:space:]]*\(\[[^]]*\][[:space:]]*\)\?[a-z]*://\([^/:[:space:]]*\).*,\3,p' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | sort -u
}
case "$verb:$LAB_APT_UPDATE:$LAB_APT_INSTALL" in
    lab-mirror-hosts:*) mirror_hosts ;;
    *::* | *:*:) echo "lab apt-get: not configured (install it with lab_apt_shim <update> <install>)" >&2; exit 100 ;;
    update:resolve:*)
        { echo "== apt-get update"; cat /etc/resolv.conf; } >>/var/log/lab-apt-resolv.log
        hosts=$(mirror_hosts)
        [ -n "$hosts" ] || { echo "lab apt-get: no mirror host in the apt sources" >&2; exit 100; }
        for h in $hosts; do
            getent ahostsv4 "$h" >/dev/null || { echo "E: Temporary failure resolving '$h' (lab apt-get shim)" >&2; exit 100; }
            echo "resolved $h" >>/var/log/lab-apt-resolv.log
        done ;;
    update:skip:*) echo "lab apt-get: update skipped (no mirror in the lab)" >&2 ;;
    install:*:unhide)
        echo "== apt-get install $*" >>/var/log/lab-apt-resolv.log
        if [ -f /var/lib/lab-apt/hidden ]; then
            while read -r p; do umount "$p" 2>/dev/null || true; done </var/lib/lab-apt/hidden
            rm -f /var/lib/lab-apt/hidden
        fi ;;
    install:*:start)
        for p in "$@"; do
            case "$p" in -*) continue ;; esac
            [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] ||
                { echo "E: Unable to locate package $p (lab apt-get shim: not installed on the lab machine)" >&2; exit 100; }
        done
        for p in "$@"; do
            [ ! -f "/lib/systemd/system/$p.service" ] || systemctl start "$p.service" >/dev/null 2>&1 || true
        done ;;
    *) echo "lab apt-get: unsupported $verb" >&2; exit 100 ;;
esac
