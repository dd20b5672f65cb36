#!/bin/sh
# Lab shim for systemctl inside a pseudo-guest (labs/lib/samba.sh installs it in every guest): no systemd in a
# namespace. Starts the units the guest steps manage (the DC's samba-ad-dc, the member's sssd and sshd, the client's winbind, the mail
# server's postfix, dovecot, rspamd and clamd (not freshclam: the lab gives clamd its signatures), the FTP server's vsftpd with its drop-in's ExecStart, the webmail's apache2, the Samba DC's unbound) as background processes of the guest, each in its own session, tracked by PID; any
# other unit (chrony: it would step the host's clock) is logged and ignored.
verb="$1"; shift
while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do shift; done
# Several units (the file server's `systemctl restart winbind smbd`): one at a time, as systemd does.
if [ $# -gt 1 ]; then for u in "$@"; do "$0" "$verb" "$u" || exit; done; exit 0; fi
unit="${1%.service}"
# A unit's ExecStartPre and where its stdin goes (vsftpd's): none unless the unit below sets them.
pre="" stdin="" also=""
case "$unit" in
    samba-ad-dc) cmd="samba -F --debug-stdout -d1"; log=/var/log/samba/lab-samba.log ;;
    sssd) cmd="sssd -i --logger=stderr"; log=/var/log/sssd/lab-sssd.log ;;
    # winbindd -F makes its own session unless told not to: the shim already did (setsid below).
    winbind) cmd="winbindd -F --no-process-group --debug-stdout -d1"; log=/var/log/samba/lab-winbindd.log ;;
    # The file server's smbd (labs/client's home share).
    smbd) cmd="smbd -F --no-process-group --debug-stdout -d1"; log=/var/log/samba/lab-smbd.log ;;
    ssh|sshd) unit=ssh; cmd="/usr/sbin/sshd -D -e"; log=/var/log/lab-sshd.log
        # systemd's RuntimeDirectory=sshd (privilege separation).
        install -d -m 0755 /run/sshd ;;
    postfix) cmd="postfix start-fg"; log=/var/log/lab-postfix.log ;;
    dovecot) cmd="dovecot -F"; log=/var/log/lab-dovecot.log ;;
    rspamd) cmd="rspamd -f -u _rspamd -g _rspamd"; log=/var/log/lab-rspamd.log
        # systemd's RuntimeDirectory=rspamd.
        install -d -o _rspamd -g _rspamd /run/rspamd ;;
    clamav-daemon) cmd="clamd --foreground=true"; log=/var/log/lab-clamd.log
        # As Debian's unit's ExecStartPre: clamd's socket folder, clamav's.
        install -d -o clamav -g clamav /run/clamav ;;
    apache2) cmd="apache2ctl -D FOREGROUND"; log=/var/log/lab-apache2.log
        # apache2ctl does not exec apache2, and apache2 makes its own session (setsid): a stop also signals the pid
        # in apache2's pidfile and waits for it to go, or a restart finds the old one running, serving the old file.
        also=/run/apache2/apache2.pid ;;
    vsftpd) log=/var/log/lab-vsftpd.log; stdin="$log"
        # As its unit: the ExecStart of the rendered drop-in (the last one wins) over Debian's unit's, and the unit's
        # ExecStartPre (the secure chroot folder under /run).
        cmd=$(cat /lib/systemd/system/vsftpd.service /etc/systemd/system/vsftpd.service.d/*.conf 2>/dev/null | sed -n 's/^ExecStart=\(..*\)$/\1/p' | tail -n 1)
        pre=$(sed -n 's/^ExecStartPre=-\{0,1\}\(..*\)$/\1/p' /lib/systemd/system/vsftpd.service) ;;
    unbound) cmd="unbound -d -p"; log=/var/log/lab-unbound.log
        # As Debian's unit's ExecStartPre: the root trust anchor copied from dns-root-data (no download; no chroot).
        pre="/usr/libexec/unbound-helper root_trust_anchor_update" ;;
    billu-sysvol-rsyncd) log=/var/log/lab-sysvol-rsyncd.log
        # The rendered unit's own ExecStart (the SYSVOL rsync daemon of the PDC emulator, labs/dc).
        cmd=$(sed -n 's/^ExecStart=\(..*\)$/\1/p' /etc/systemd/system/billu-sysvol-rsyncd.service) ;;
    *)
        case "$verb" in is-enabled|is-active) exit 1 ;; esac
        echo "lab systemctl: $verb $unit ignored" >&2; exit 0 ;;
esac
pidf="/run/lab-$unit.pid"
running() { [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; }
stop() {
    running || return 0
    # The whole session: the master and the children it forked.
    kill -TERM -- "-$(cat "$pidf")" 2>/dev/null || kill "$(cat "$pidf")"
    n=0; while running; do n=$((n + 1)); [ "$n" -le 150 ] || { kill -9 -- "-$(cat "$pidf")"; break; }; sleep 0.1; done
    if [ -n "$also" ] && [ -f "$also" ]; then kill -TERM "$(cat "$also")" 2>/dev/null || true; fi
    n=0; while [ -n "$also" ] && [ -f "$also" ] && kill -0 "$(cat "$also")" 2>/dev/null; do n=$((n + 1)); [ "$n" -le 150 ] || break; sleep 0.1; done
    rm -f "$pidf"
}
start() {
    running && return 0
    mkdir -p "$(dirname "$log")"
    # shellcheck disable=SC2086 # the unit's command line: split into its words on purpose
    [ -z "$pre" ] || $pre || true
    # vsftpd writes its OOPS messages to fd 0: the unit's log takes them (LAB-NOTES).
    # shellcheck disable=SC2086 # cmd is the unit's command line: split into its words on purpose
    if [ -n "$stdin" ]; then setsid $cmd >>"$log" 2>&1 0>>"$stdin" &
    else setsid $cmd >>"$log" 2>&1 </dev/null &
    fi
    echo $! > "$pidf"
}
case "$verb" in
    start) start ;;
    stop) stop ;;
    restart) stop; start ;;
    # As systemd: reloading a unit that is not running fails.
    reload) running || { echo "lab systemctl: $unit is not active, cannot reload" >&2; exit 1; }; stop; start ;;
    is-active) running ;;
    # As systemd: a masked unit is not enabled (the Samba DC's step masks winbind, which the shim knows since the
    # client's join: without this, every re-run of the dc step would mask it again and report a change).
    is-enabled) [ ! -e "/run/lab-$unit.masked" ] ;;
    mask) : >"/run/lab-$unit.masked" ;;
    unmask) rm -f "/run/lab-$unit.masked" ;;
    enable|disable|daemon-reload) exit 0 ;;
    *) echo "lab systemctl: unsupported $verb" >&2; exit 1 ;;
esac
