#!/bin/sh
# /init of the raid1 lab's qemu guest (busybox ash), on its root disk (scsi0): Debian's initramfs mounts that disk
# and hands over to this file (init=/init), its /dev (with the by-id names its udev made), /proc, /sys and /run
# moved here. Runs /usr/local/sbin/billu-raid1, the RAID script exactly as offline synth rendered it, through a
# disk failure and a rebuild, and prints one line per step ("STEP <name> ok|FAIL <detail>"), the figures ("FIGURE
# <name>=<ms>"), each installed file ("INSTALLED <path> <mode> <owner:group> <sha256>", which lab.sh compares with
# synth's output) and a verdict ("RESULT PASS|FAIL").
# The kernel command line chooses the scenario: billu.phase=mirror (create, fail, rebuild: data disks scsi1 and
# scsi2 as raid1.conf names them, scsi3 the blank replacement) or billu.phase=reboot (the same disks after a
# "reboot": the initramfs assembled the array, verify); billu.sabotage=1 overwrites part of data.bin on the
# replacement behind md's back, which must make the mirror phase FAIL with a wrong checksum;
# billu.alert=<address> is the model's alert address (lab.sh takes it from tools/lab-facts.ts), which mdadm's
# DegradedArray mail must reach; billu.mdname, billu.mduuid and billu.mount are the model's array name, md UUID and
# mount point (tools/lab-facts.ts too): the probes expect these, never the values of the raid1.conf under test.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin
# Debian's init moved /proc, /sys, /dev and /run here; each is mounted only when missing.
[ -e /proc/self ] || mount -t proc proc /proc
mounted() { grep -q "^[^ ]* $1 " /proc/mounts; }
mounted /sys || mount -t sysfs sys /sys
mounted /dev || mount -t devtmpfs dev /dev
mkdir -p /run /tmp /mnt
mounted /run || mount -t tmpfs run /run
# The initramfs's udev has exited (its /run/udev stays): mdadm makes its device nodes itself, as it does without udev.
export MDADM_NO_UDEV=1
hostname par-fs01
dmesg -n 1
echo "FIGURE init_ms=$(awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime)"

PHASE=mirror
SABOTAGE=0
ALERT=""
WANT_NAME="" WANT_UUID="" WANT_MP=""
# shellcheck disable=SC2013 # the kernel command line is one line of words: split on purpose
for a in $(cat /proc/cmdline); do
    case "$a" in
        billu.phase=*) PHASE="${a#billu.phase=}" ;;
        billu.sabotage=1) SABOTAGE=1 ;;
        billu.alert=*) ALERT="${a#billu.alert=}" ;;
        billu.mdname=*) WANT_NAME="${a#billu.mdname=}" ;;
        billu.mduuid=*) WANT_UUID="${a#billu.mduuid=}" ;;
        billu.mount=*) WANT_MP="${a#billu.mount=}" ;;
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

# md and raid1, unless the initramfs loaded them already (it does when it assembled an array).
while read -r mod; do
    name="$(basename "$mod" .ko | tr - _)"
    [ -d "/sys/module/$name" ] || insmod "/lib/modules/$mod" || echo "insmod $mod failed"
done </lib/modules/order
# The data disks by the names udev gave them in the initramfs (Proxmox's drive-scsiN, as raid1.conf names them).
BYID=/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi
D1="${BYID}1" D2="${BYID}2" D3="${BYID}3"
for d in "$D1" "$D2" "$D3"; do wait_for 10 test -b "$d" || { step boot FAIL "$d never appeared"; finish; }; done
kname() { readlink -f "$1"; }
if [ -z "$WANT_NAME" ] || [ -z "$WANT_UUID" ] || [ -z "$WANT_MP" ]; then
    step boot FAIL "the model's billu.mdname, billu.mduuid and billu.mount are not all on the kernel command line"
    finish
fi
step boot ok "kernel $(uname -r), disks scsi1=$(kname "$D1") scsi2=$(kname "$D2") scsi3=$(kname "$D3"), uptime $(ms) ms"

# The rendered raid1.conf is the script's business (it reads it); the probes below expect the model's array name,
# UUID and mount point (WANT_*), so a renderer that writes other ones is caught.
RAID=/usr/local/sbin/billu-raid1
MP="$WANT_MP"

# raid <label>: runs the RAID script, keeps its output in /tmp/<label>.out and its status line in $STATUS. Bounded
# (120 s, a run takes seconds here): a hung run is reported by name and the boot goes on, instead of the whole guest
# running into qemu's 300-s bound with nothing said (seen once in CI, in the reboot phase after reboot-read).
raid() {
    timeout 120 "$RAID" >"/tmp/$1.out" 2>&1
    RC=$?
    [ "$RC" != 124 ] || echo "billu-raid1: lab: timed out after 120 s ($1)" >>"/tmp/$1.out"
    sed 's/^/  | /' "/tmp/$1.out"
    STATUS="$(grep '^billu-raid1: status ' "/tmp/$1.out" | tail -1)"
}
# unmount_bounded <before>: unmounts $MP within 60 s, or says so (a STEP line naming what it came before).
unmount_bounded() {
    timeout 60 umount "$MP" || step "umount-before-$1" FAIL "umount $MP did not finish (rc=$?)"
}
has() { case " $STATUS " in *" $1 "*) return 0 ;; esac; return 1; }
md() { readlink -f "/dev/md/$WANT_NAME"; }
sysmd() { cat "/sys/class/block/$(basename "$(md)")/md/$1"; }
md_uuid() { mdadm --detail --export "$(md)" 2>/dev/null | sed -n 's/^MD_UUID=//p'; }
in_sync() { [ "$(sysmd sync_action)" = idle ] && [ "$(sysmd degraded)" = 0 ]; }
created() { mdadm --detail "$(md)" | sed -n 's/^ *Creation Time : //p'; }
# Re-reads the data from the disks, not from the page cache.
fresh_sum() {
    umount "$MP" && echo 3 >/proc/sys/vm/drop_caches && mount -t ext4 -o ro "$(md)" "$MP" && sha256sum "$MP/data.bin" | cut -d' ' -f1
}

if [ "$PHASE" = mirror ]; then
    t0=$(ms)
    raid create
    # The array the script created is the model's: /dev/md/<its name> with its UUID (an array under another name or
    # UUID would not be the one mdadm.conf's ARRAY line or a later --assemble --uuid finds).
    if [ "$RC" = 0 ] && has state=created && [ -b "$(md)" ] && [ "$(md_uuid)" = "$WANT_UUID" ] && mounted "$MP"; then
        step create ok "$STATUS; /dev/md/$WANT_NAME UUID $WANT_UUID mounted at $MP (the model's)"
    else
        step create FAIL "rc=$RC $STATUS; /dev/md/$WANT_NAME -> '$(md)' UUID '$(md_uuid)', mounted at $MP: $(mounted "$MP" && echo yes || echo no) (the model wants UUID $WANT_UUID)"
        finish
    fi
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

    mdadm --manage "$(md)" --fail "$D1" >/dev/null 2>&1 && mdadm --manage "$(md)" --remove "$D1" >/dev/null 2>&1
    if [ "$(sysmd degraded)" = 1 ]; then step fail-disk ok "scsi1 failed and removed, degraded=1"; else step fail-disk FAIL "degraded=$(sysmd degraded)"; fi
    got="$(fresh_sum)"
    if [ "$got" = "$SUM" ]; then step degraded-read ok "checksum matches from scsi2 alone"; else step degraded-read FAIL "read back $got"; fi

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
    mdadm --manage "$(md)" --add "$D3" >/dev/null 2>&1
    if wait_for 120 in_sync; then step rebuild ok "blank scsi3 added, in sync after $(($(ms) - t0)) ms"; echo "FIGURE rebuild_ms=$(($(ms) - t0))"; else step rebuild FAIL "not in sync after 120 s"; fi
    got="$(fresh_sum)"
    if [ "$got" = "$SUM" ]; then step rebuilt-read ok "checksum matches"; else step rebuilt-read FAIL "read back $got"; fi

    raid rerun-healthy
    if [ "$RC" = 0 ] && has state=present && has health=healthy && has changes=0 && [ "$(created)" = "$BORN" ]; then
        step rerun-healthy ok "$STATUS"
    else
        step rerun-healthy FAIL "rc=$RC $STATUS"
    fi

    if [ "$SABOTAGE" = 1 ]; then
        # 1 MiB of data.bin, where its first extent lies on the array, overwritten on scsi3 (past the md data
        # offset): the filesystem's metadata stays intact, so the file still reads, with other bytes.
        off="$(mdadm --examine "$D3" | sed -n 's/^ *Data Offset : \([0-9]*\) sectors.*/\1/p')"
        frag="$(filefrag -v "$MP/data.bin")"
        bs="$(echo "$frag" | sed -n 's/.* blocks of \([0-9]*\) bytes).*/\1/p')"
        first="$(echo "$frag" | awk '$1 == "0:" { sub(/\.\./, "", $4); print $4 }')"
        len="$(echo "$frag" | awk '$1 == "0:" { sub(/:/, "", $6); print $6 }')"
        if [ -n "$off" ] && [ -n "$bs" ] && [ -n "$first" ] && [ $((len * bs)) -ge 1048576 ]; then
            dd if=/dev/urandom of="$D3" bs=512 seek=$((off + first * bs / 512)) count=2048 oflag=direct conv=notrunc 2>/dev/null
            echo "SABOTAGE overwrote 1 MiB of data.bin on scsi3 behind md's back (filesystem block $first of $bs bytes, md data offset $off sectors)"
        else
            echo "SABOTAGE could not locate data.bin on scsi3 (offset=$off bs=$bs first=$first len=$len)"
        fi
    fi
    # The data must now come from the replacement alone: fail and remove the last original disk.
    mdadm --manage "$(md)" --fail "$D2" >/dev/null 2>&1 && mdadm --manage "$(md)" --remove "$D2" >/dev/null 2>&1
    got="$(fresh_sum 2>/dev/null)"
    if [ "$got" = "$SUM" ]; then step replacement-only-read ok "checksum matches from scsi3 alone"; else step replacement-only-read FAIL "read back '${got:-nothing}'"; fi
    [ "$SABOTAGE" = 0 ] || finish

    # Back to two disks for the reboot phase: scsi2 rejoins (its bitmap makes it quick); scsi1 stays stale.
    umount "$MP" 2>/dev/null
    mdadm --manage "$(md)" --add "$D2" >/dev/null 2>&1
    if wait_for 120 in_sync; then step rejoin ok "scsi2 back in sync"; else step rejoin FAIL "not in sync"; fi
    mdadm --stop "$(md)" >/dev/null 2>&1
    echo "SUM $SUM"
    finish
fi

if [ "$PHASE" = reboot ]; then
    SUM=""
    # shellcheck disable=SC2013 # the kernel command line is one line of words: split on purpose
    for a in $(cat /proc/cmdline); do case "$a" in billu.sum=*) SUM="${a#billu.sum=}" ;; esac; done
    # Nothing here has assembled anything yet: the array must already run, under the ARRAY line's name, with
    # the model's UUID, from scsi2 and scsi3 (stale scsi1 left out): Debian's initramfs assembled it.
    members="$(mdadm --detail "$(md)" 2>/dev/null | awk '$NF ~ /^\/dev\// && $(NF-1) ~ /sync/ { print $NF }' | sort | tr '\n' ' ')"
    want="$(printf '%s\n' "$(kname "$D2")" "$(kname "$D3")" | sort | tr '\n' ' ')"
    uuid="$(md_uuid)"
    if [ -b "$(md)" ] && [ "$uuid" = "$WANT_UUID" ] && [ "$members" = "$want" ] && [ "$(sysmd array_state)" != inactive ]; then
        step initramfs-assembled ok "/dev/md/$WANT_NAME -> $(md), UUID $uuid, members $members($(dmesg | grep -m1 'md/raid1:.*active with' | sed 's/^ *//'))"
    else
        step initramfs-assembled FAIL "/dev/md/$WANT_NAME -> '$(md)' UUID '$uuid' members '$members' (want $want, UUID $WANT_UUID); running: $(grep '^md' /proc/mdstat 2>/dev/null | tr '\n' ' ')"
    fi
    raid boot
    if [ "$RC" = 0 ] && has state=present && has health=healthy && has changes=1; then
        step present ok "the script found the array running and only mounted it: $STATUS"
    else
        step present FAIL "rc=$RC $STATUS"
    fi
    got="$(fresh_sum)"
    if [ "$got" = "$SUM" ]; then step reboot-read ok "checksum matches after reboot"; else step reboot-read FAIL "read back $got"; fi
    unmount_bounded rerun-boot
    raid rerun-boot
    if [ "$RC" = 0 ] && has state=present && has health=healthy && has changes=1; then
        step rerun-after-boot ok "only the mount was redone: $STATUS"
    else
        step rerun-after-boot FAIL "rc=$RC $STATUS"
    fi
    # The script's own assembly (--assemble --uuid), for an array stopped by hand.
    unmount_bounded assemble
    mdadm --stop "$(md)" >/dev/null 2>&1
    raid assemble
    # The active, in-sync members must be scsi2 and scsi3. The stale scsi1 is left out of them; on a fast boot the
    # initramfs's incremental assembly may already have taken it in as a spare, which holds no data md reads.
    active="$(mdadm --detail "$(md)" 2>/dev/null | awk '$NF ~ /^\/dev\// && $(NF-1) ~ /sync/ { print $NF }' | sort | tr '\n' ' ')"
    if [ "$RC" = 0 ] && has state=assembled && has health=healthy && [ "$active" = "$want" ]; then
        step script-assemble ok "$STATUS (active members $active; stale scsi1 not among them)"
    else
        step script-assemble FAIL "rc=$RC $STATUS; active members '$active' (want $want)"
    fi
    got="$(fresh_sum)"
    if [ "$got" = "$SUM" ]; then step assembled-read ok "checksum matches"; else step assembled-read FAIL "read back $got"; fi
    finish
fi
step phase FAIL "unknown phase $PHASE"
finish
