#!/bin/sh
# /init of the raid1 lab's qemu guest (busybox ash). Runs /usr/local/sbin/billu-raid1, the RAID script exactly as
# offline synth rendered it, through a disk failure and a rebuild, and prints one line per step ("STEP <name>
# ok|FAIL <detail>"), the figures ("FIGURE <name>=<ms>"), each installed file ("INSTALLED <path> <mode>
# <owner:group> <sha256>", which lab.sh compares with synth's output) and a verdict ("RESULT PASS|FAIL").
# The kernel command line chooses the scenario: billu.phase=mirror (create, fail, rebuild: disks vda vdb vdc,
# vdc the blank replacement) or billu.phase=reboot (the same disks after a "reboot": assemble, verify);
# billu.sabotage=1 corrupts the replacement behind md's back, which must make the mirror phase FAIL;
# billu.alert=<address> is the model's alert address (lab.sh takes it from tools/lab-facts.ts), which mdadm's
# DegradedArray mail must reach.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /run /tmp /mnt
mount -t tmpfs run /run
hostname par-fs01
dmesg -n 1

PHASE=mirror
SABOTAGE=0
ALERT=""
# shellcheck disable=SC2013 # the kernel command line is one line of words: split on purpose
for a in $(cat /proc/cmdline); do
    case "$a" in
        billu.phase=*) PHASE="${a#billu.phase=}" ;;
        billu.sabotage=1) SABOTAGE=1 ;;
        billu.alert=*) ALERT="${a#billu.alert=}" ;;
    esac
done
FAILED=0
ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
step() { # step <name> <ok|FAIL> <detail>
    echo "STEP $1 $2 $3"
    [ "$2" = ok ] || FAILED=1
}
finish() {
    for f in /usr/local/sbin/billu-raid1 /etc/billu/raid1.conf /etc/mdadm/mdadm.conf; do
        echo "INSTALLED $f $(stat -c '%a %U:%G' "$f") $(sha256sum "$f" | cut -d' ' -f1)"
    done
    if [ "$FAILED" = 0 ]; then echo "RESULT PASS"; else echo "RESULT FAIL"; fi
    sync
    poweroff -f
}
# wait_for <seconds> <command...>: polls every 50 ms; returns 1 when the bound passes.
# (ash has no locals: its variables are prefixed so they never clobber a caller's.)
wait_for() {
    _w_limit=$(($1 * 1000)); shift
    _w_t0=$(ms)
    while ! "$@" >/dev/null 2>&1; do
        [ $(($(ms) - _w_t0)) -lt "$_w_limit" ] || return 1
        sleep 0.05
    done
}

while read -r mod; do insmod "/lib/modules/$mod" || echo "insmod $mod failed"; done </lib/modules/order
for d in vda vdb vdc; do wait_for 10 test -b "/dev/$d" || { step boot FAIL "/dev/$d never appeared"; finish; }; done
step boot ok "kernel $(uname -r), disks vda vdb vdc, uptime $(ms) ms"

# shellcheck source=/dev/null # the rendered raid1.conf, installed in the initramfs at build time
. /etc/billu/raid1.conf
RAID=/usr/local/sbin/billu-raid1
MP="$MOUNT_POINT"

# raid <label>: runs the RAID script, keeps its output in /tmp/<label>.out and its status line in $STATUS.
raid() {
    "$RAID" >"/tmp/$1.out" 2>&1
    RC=$?
    sed 's/^/  | /' "/tmp/$1.out"
    STATUS="$(grep '^billu-raid1: status ' "/tmp/$1.out" | tail -1)"
}
has() { case " $STATUS " in *" $1 "*) return 0 ;; esac; return 1; }
md() { readlink -f "/dev/md/$MD_NAME"; }
sysmd() { cat "/sys/class/block/$(basename "$(md)")/md/$1"; }
in_sync() { [ "$(sysmd sync_action)" = idle ] && [ "$(sysmd degraded)" = 0 ]; }
created() { mdadm --detail "$(md)" | sed -n 's/^ *Creation Time : //p'; }
# Re-reads the data from the disks, not from the page cache.
fresh_sum() {
    umount "$MP" && echo 3 >/proc/sys/vm/drop_caches && mount -t ext4 -o ro "$(md)" "$MP" && sha256sum "$MP/data.bin" | cut -d' ' -f1
}

if [ "$PHASE" = mirror ]; then
    t0=$(ms)
    raid create
    if [ "$RC" = 0 ] && has state=created && [ -n "$(md)" ]; then step create ok "$STATUS"; else step create FAIL "rc=$RC $STATUS"; finish; fi
    echo "FIGURE create_ms=$(($(ms) - t0))"
    # The initial resync runs from the array's creation, under the script's mkfs and mount.
    if wait_for 120 in_sync; then step initial-resync ok "in sync $(($(ms) - t0)) ms after the script started"; echo "FIGURE resync_ms=$(($(ms) - t0))"; else step initial-resync FAIL "not in sync after 120 s"; fi
    BORN="$(created)"

    dd if=/dev/urandom of="$MP/data.bin" bs=1M count=16 conv=fsync 2>/dev/null
    SUM="$(sha256sum "$MP/data.bin" | cut -d' ' -f1)"
    got="$(fresh_sum)"
    if [ "$got" = "$SUM" ]; then step write ok "16 MiB, sha256 ${SUM%"${SUM#????????????????}"}"; else step write FAIL "read back $got"; fi

    raid rerun-fresh
    if [ "$RC" = 0 ] && has state=present && has health=healthy && has changes=0; then step rerun-fresh ok "$STATUS"; else step rerun-fresh FAIL "rc=$RC $STATUS"; fi

    mdadm --manage "$(md)" --fail /dev/vda >/dev/null 2>&1 && mdadm --manage "$(md)" --remove /dev/vda >/dev/null 2>&1
    if [ "$(sysmd degraded)" = 1 ]; then step fail-disk ok "vda failed and removed, degraded=1"; else step fail-disk FAIL "degraded=$(sysmd degraded)"; fi
    got="$(fresh_sum)"
    if [ "$got" = "$SUM" ]; then step degraded-read ok "checksum matches from vdb alone"; else step degraded-read FAIL "read back $got"; fi

    raid rerun-degraded
    if [ "$RC" = 0 ] && has health=degraded && has changes=0 && grep -q 'WARNING: .* DEGRADED' /tmp/rerun-degraded.out && [ "$(created)" = "$BORN" ]; then
        step degraded-reported ok "reported, not re-created (creation time unchanged: $BORN)"
    else
        step degraded-reported FAIL "rc=$RC $STATUS"
    fi
    rm -f /run/mail.*
    mdadm --monitor --scan --oneshot >/tmp/monitor.out 2>&1
    if [ -n "$ALERT" ] && grep -qixF "To: $ALERT" /run/mail.* 2>/dev/null && grep -q 'DegradedArray' /run/mail.* 2>/dev/null; then
        step monitor-alert ok "mdadm --monitor mailed $(grep -h -i '^Subject:' /run/mail.* | head -1)"
    else
        step monitor-alert FAIL "no DegradedArray mail to ${ALERT:-(no billu.alert given)} ($(cat /tmp/monitor.out /run/mail.* 2>/dev/null | head -3))"
    fi

    t0=$(ms)
    mdadm --manage "$(md)" --add /dev/vdc >/dev/null 2>&1
    if wait_for 120 in_sync; then step rebuild ok "blank vdc added, in sync after $(($(ms) - t0)) ms"; echo "FIGURE rebuild_ms=$(($(ms) - t0))"; else step rebuild FAIL "not in sync after 120 s"; fi
    got="$(fresh_sum)"
    if [ "$got" = "$SUM" ]; then step rebuilt-read ok "checksum matches"; else step rebuilt-read FAIL "read back $got"; fi

    raid rerun-healthy
    if [ "$RC" = 0 ] && has state=present && has health=healthy && has changes=0 && [ "$(created)" = "$BORN" ]; then
        step rerun-healthy ok "$STATUS"
    else
        step rerun-healthy FAIL "rc=$RC $STATUS"
    fi

    if [ "$SABOTAGE" = 1 ]; then
        off="$(mdadm --examine /dev/vdc | sed -n 's/^ *Data Offset : \([0-9]*\) sectors.*/\1/p')"
        dd if=/dev/urandom of=/dev/vdc bs=4096 seek=$((off / 8)) count=8192 oflag=direct conv=notrunc 2>/dev/null
        echo "SABOTAGE corrupted 32 MiB of vdc's data area (offset $off sectors) behind md's back"
    fi
    # The data must now come from the replacement alone: fail and remove the last original disk.
    mdadm --manage "$(md)" --fail /dev/vdb >/dev/null 2>&1 && mdadm --manage "$(md)" --remove /dev/vdb >/dev/null 2>&1
    got="$(fresh_sum 2>/dev/null)"
    if [ "$got" = "$SUM" ]; then step replacement-only-read ok "checksum matches from vdc alone"; else step replacement-only-read FAIL "read back '${got:-nothing}'"; fi
    [ "$SABOTAGE" = 0 ] || finish

    # Back to two disks for the reboot phase: vdb rejoins (its bitmap makes it quick); vda stays stale.
    umount "$MP" 2>/dev/null
    mdadm --manage "$(md)" --add /dev/vdb >/dev/null 2>&1
    if wait_for 120 in_sync; then step rejoin ok "vdb back in sync"; else step rejoin FAIL "not in sync"; fi
    mdadm --stop "$(md)" >/dev/null 2>&1
    echo "SUM $SUM"
    finish
fi

if [ "$PHASE" = reboot ]; then
    SUM=""
    # shellcheck disable=SC2013 # the kernel command line is one line of words: split on purpose
    for a in $(cat /proc/cmdline); do case "$a" in billu.sum=*) SUM="${a#billu.sum=}" ;; esac; done
    raid boot
    if [ "$RC" = 0 ] && has state=assembled && has health=healthy && (has members=/dev/vdc,/dev/vdb || has members=/dev/vdb,/dev/vdc); then
        step assemble ok "$STATUS (stale vda left out)"
    else
        step assemble FAIL "rc=$RC $STATUS"
    fi
    got="$(fresh_sum)"
    if [ "$got" = "$SUM" ]; then step reboot-read ok "checksum matches after reboot"; else step reboot-read FAIL "read back $got"; fi
    umount "$MP"
    raid rerun-boot
    if [ "$RC" = 0 ] && has state=present && has health=healthy && has changes=1; then
        step rerun-after-boot ok "only the mount was redone: $STATUS"
    else
        step rerun-after-boot FAIL "rc=$RC $STATUS"
    fi
    finish
fi
step phase FAIL "unknown phase $PHASE"
finish
