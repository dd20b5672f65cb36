#!/bin/sh
# Lab shim for apt-get inside a DC pseudo-guest (labs/dc/lab.sh installs it as /usr/local/sbin/apt-get, first in the
# guest's PATH). The packages are on the lab machine already; what a first run's `apt-get update` / `install` needs
# from the guest is name resolution of the package mirror, through the guest's /etc/resolv.conf as it is at that
# moment. So: `update` appends that resolv.conf to /var/log/lab-apt-resolv.log and resolves every mirror host of
# the machine's apt sources (getent, glibc's resolver, as apt uses it), failing like apt (exit 100) when one does not
# resolve; `install` makes the commands the lab hid (/var/lib/lab-apt/hidden, one path a line) appear again.
set -eu
verb=""
while [ $# -gt 0 ]; do
    case "$1" in
        -o) shift 2 ;;
        -*) shift ;;
        *) verb="$1"; shift; break ;;
    esac
done
# The mirror hosts of the machine's apt sources (the lab's upstream resolver answers for these, and only these).
mirror_hosts() {
    sed -n 's,^\(URIs:\|deb\)[[:space:]]*\(\[[^]]*\][[:space:]]*\)\?[a-z]*://\([^/:[:space:]]*\).*,\3,p' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | sort -u
}
case "$verb" in
    lab-mirror-hosts) mirror_hosts ;;
    update)
        { echo "== apt-get update"; cat /etc/resolv.conf; } >>/var/log/lab-apt-resolv.log
        hosts=$(mirror_hosts)
        [ -n "$hosts" ] || { echo "lab apt-get: no mirror host in the apt sources" >&2; exit 100; }
        for h in $hosts; do
            getent ahostsv4 "$h" >/dev/null || { echo "E: Temporary failure resolving '$h' (lab apt-get shim)" >&2; exit 100; }
            echo "resolved $h" >>/var/log/lab-apt-resolv.log
        done ;;
    install)
        echo "== apt-get install $*" >>/var/log/lab-apt-resolv.log
        if [ -f /var/lib/lab-apt/hidden ]; then
            while read -r p; do umount "$p" 2>/dev/null || true; done </var/lib/lab-apt/hidden
            rm -f /var/lib/lab-apt/hidden
        fi ;;
    *) echo "lab apt-get: unsupported $verb" >&2; exit 100 ;;
esac
