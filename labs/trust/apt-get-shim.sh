#!/bin/sh
# Lab shim for apt-get in the trust lab's DCs (labs/trust/lab.sh puts it first in PATH for the `dns-forward` step): the
# lab contacts no package mirror. The packages are on the lab machine already (labs/trust/packages.txt): `update` does
# nothing, `install` succeeds only when every package named is installed here (exit 100, as apt, when one is not), and
# then starts the package's service as its postinst does on a VM (`deb-systemd-invoke start <unit> || true`: here the
# lab's systemctl shim; the lab machine's policy-rc.d kept it from starting when the package was installed here).
set -eu
verb=""
while [ $# -gt 0 ]; do
    case "$1" in
        -o) shift 2 ;;
        -*) shift ;;
        *) verb="$1"; shift; break ;;
    esac
done
case "$verb" in
    update) echo "lab apt-get: update skipped (no mirror in the lab)" >&2 ;;
    install)
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
