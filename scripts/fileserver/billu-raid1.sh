#!/bin/sh
# billu-raid1: keeps BillU's data mirror, an mdadm RAID 1 over two disks, with its ext4 filesystem mounted.
# Shipped by components/fileserver (installed as /usr/local/sbin/billu-raid1) and run by the file server's
# guest step; labs/raid1 boots a qemu guest and runs this very file (hash-checked). POSIX sh: Debian's dash
# and busybox ash. Settings come from /etc/billu/raid1.conf (rendered from the site model):
#   MD_NAME      array name (/dev/md/<name>)          MD_UUID   array UUID, mdadm's form (8:8:8:8 hex)
#   FS_UUID      ext4 UUID of the filesystem          FS_LABEL  ext4 label
#   DISKS        the two data disks (stable paths)    MOUNT_POINT  where the filesystem is mounted
#
# What it does, in order, and never more:
#   1. the array with MD_UUID is running: nothing to do; its superblocks exist but it is stopped: assemble it
#      (degraded if a disk is missing); neither: create it, but only over two blank disks of the same size
#      (no md superblock, no signature wipefs recognises), else refuse and change nothing;
#   2. a degraded array is reported with the replacement procedure, never re-created or "repaired" blindly;
#   3. the array holds no filesystem: create ext4 with FS_UUID; a different filesystem: refuse;
#   4. mount it on MOUNT_POINT when it is not mounted.
# Every command that changes something is printed as "billu-raid1: run: ..."; the last line is the status:
#   billu-raid1: status state=<created|assembled|present> health=<healthy|degraded|resyncing> ... changes=<n>
# Exit status: 0 (healthy, resyncing or degraded: a degraded array is reported, not an error of this run),
# 1 refused or failed (nothing unsafe was done; the message says what to check).
set -eu

CONF=/etc/billu/raid1.conf
CHANGES=0
STATE=present

say() { printf 'billu-raid1: %s\n' "$*"; }
die() {
    printf 'billu-raid1: error: %s\n' "$*" >&2
    exit 1
}
# run <command...>: a change; printed, then run.
run() {
    say "run: $*"
    CHANGES=$((CHANGES + 1))
    "$@"
}

[ -r "$CONF" ] || die "$CONF is missing (it is installed by the file server's guest step)"
# shellcheck disable=SC1090
. "$CONF"
for v in MD_NAME MD_UUID FS_UUID FS_LABEL DISKS MOUNT_POINT; do
    eval "val=\${$v:-}"
    [ -n "$val" ] || die "$CONF does not set $v"
done

# The running array with our UUID, as mdadm names it (/dev/md/<name> or /dev/mdN); empty when not running.
running_array() {
    mdadm --detail --scan 2>/dev/null | awk -v u="UUID=$MD_UUID" '{ for (i = 1; i <= NF; i++) if ($i == u) { print $2; exit } }'
}

# The signatures on a device (partition table, filesystem, RAID, LVM...) as "type@offset ...", empty when
# blank. wipefs and dumpe2fs, not blkid: busybox ash runs its own blkid applet in preference to PATH.
signatures() {
    wipefs --no-act --noheadings --output TYPE,OFFSET "$1" | awk '{ printf "%s%s@%s", sep, $1, $2; sep = " " }'
}

# Size of a block device in 512-byte sectors.
sectors() {
    b="$(basename "$(readlink -f "$1")")"
    cat "/sys/class/block/$b/size"
}

MD="$(running_array)"
if [ -z "$MD" ]; then
    if mdadm --examine --scan 2>/dev/null | grep -q "UUID=$MD_UUID"; then
        # Our superblocks are on the disks but the array is stopped (boot before udev assembled it, or manual stop).
        run mdadm --assemble "/dev/md/$MD_NAME" --uuid="$MD_UUID" --run </dev/null
        STATE=assembled
    else
        # shellcheck disable=SC2086 # DISKS is a list of device paths: one word each, split on purpose
        set -- $DISKS
        [ "$#" -eq 2 ] || die "DISKS names $# disks ($DISKS); a RAID 1 here needs exactly two"
        [ "$(readlink -f "$1")" != "$(readlink -f "$2")" ] || die "DISKS names the same disk twice ($1, $2)"
        for d in "$1" "$2"; do
            [ -b "$d" ] || die "data disk $d does not exist (is it attached to the VM?)"
            if mdadm --examine "$d" >/dev/null 2>&1; then
                die "data disk $d carries the md superblock of another array; nothing was changed (inspect it with mdadm --examine $d)"
            fi
            sig="$(signatures "$d")" || die "cannot read $d"
            if [ -n "$sig" ]; then
                die "data disk $d is not blank (it holds: $sig); nothing was changed (a RAID is only ever created over blank disks)"
            fi
        done
        [ "$(sectors "$1")" = "$(sectors "$2")" ] || die "data disks differ in size ($1: $(sectors "$1") sectors, $2: $(sectors "$2") sectors)"
        run mdadm --create "/dev/md/$MD_NAME" --level=1 --raid-devices=2 --metadata=1.2 --bitmap=internal \
            --uuid="$MD_UUID" --name="$MD_NAME" --run "$1" "$2" </dev/null
        STATE=created
    fi
    MD="$(running_array)"
    [ -n "$MD" ] || die "the array $MD_UUID is still not running after $STATE"
fi

MDDEV="$(readlink -f "$MD")"
SYS="/sys/class/block/$(basename "$MDDEV")/md"
DEGRADED="$(cat "$SYS/degraded")"
SYNC="$(cat "$SYS/sync_action")"
MEMBERS="$(mdadm --detail "$MDDEV" | awk '$NF ~ /^\/dev\// && $(NF-1) ~ /sync|rebuilding|faulty|spare/ { printf "%s%s", sep, $NF; sep = "," }')"
if [ "$DEGRADED" != 0 ] && [ "$SYNC" = recover ]; then
    HEALTH=resyncing
elif [ "$DEGRADED" != 0 ]; then
    HEALTH=degraded
    say "WARNING: $MD is DEGRADED: $DEGRADED of 2 disks missing; the data is served from ${MEMBERS:-no disk}." >&2
    say "WARNING: replace the failed disk, then add the blank one: mdadm --manage $MD --add <disk>. Never re-create the array." >&2
elif [ "$SYNC" != idle ]; then
    HEALTH=resyncing
else
    HEALTH=healthy
fi

# The filesystem: created once, on an array that holds no signature at all.
SIG="$(signatures "$MDDEV")" || die "cannot read $MD"
if [ -z "$SIG" ]; then
    run mkfs.ext4 -q -U "$FS_UUID" -L "$FS_LABEL" -E lazy_itable_init=0,lazy_journal_init=0 "$MDDEV" </dev/null
else
    case " $SIG" in
        *" ext4@"*) ;;
        *) die "$MD holds $SIG, not the expected ext4 filesystem; nothing was changed" ;;
    esac
    uuid="$(dumpe2fs -h "$MDDEV" 2>/dev/null | sed -n 's/^Filesystem UUID: *//p')"
    [ "$uuid" = "$FS_UUID" ] || die "$MD holds the ext4 filesystem ${uuid:-?}, not $FS_UUID; nothing was changed"
fi

# The mount: ours, or nothing on the mount point.
SRC="$(awk -v m="$MOUNT_POINT" '$2 == m { s = $1 } END { print s }' /proc/mounts)"
if [ -z "$SRC" ]; then
    [ -d "$MOUNT_POINT" ] || run mkdir -p "$MOUNT_POINT"
    run mount -t ext4 "$MDDEV" "$MOUNT_POINT"
elif [ "$(readlink -f "$SRC")" != "$MDDEV" ]; then
    die "$MOUNT_POINT is already a mount of $SRC, not of $MD"
fi

say "status state=$STATE health=$HEALTH array=$MD members=${MEMBERS:-none} degraded=$DEGRADED sync=$SYNC fs=$FS_UUID mount=$MOUNT_POINT changes=$CHANGES"
