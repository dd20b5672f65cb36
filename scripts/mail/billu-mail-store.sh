#!/bin/sh
# billu-mail-store: the mail store (the mailboxes) on the mail server's own data disk, mounted by UUID.
# Shipped by components/mail (installed as /usr/local/sbin/billu-mail-store) and run by the mail host's
# `mail-store` step before Dovecot is installed; labs/mail-store runs this very file (hash-checked) on loop
# devices. POSIX sh (Debian's dash). Settings come from /etc/billu/mail-store.conf (rendered from the model), or
# the file named as the first argument:
#   DISK   the data disk, by its stable name (/dev/disk/by-id/..., never /dev/sdb: names move between boots)
#   MOUNT  the mail store (/var/vmail)          LABEL  the ext4 label given when it is created
#   FSTAB  the fstab to keep the mount in (/etc/fstab)
#
# What it does, in order, and never more:
#   1. the disk holds nothing at all (no filesystem, partition table, RAID or LVM signature wipefs knows): create
#      ext4 on it; it holds ext4: keep it (never reformat); anything else: refuse and change nothing;
#   2. a store just created while MOUNT already holds files (mailboxes written on the OS disk before): copy them
#      onto the new filesystem, owners, modes and ACLs kept, before it is mounted over them;
#   3. FSTAB mounts UUID=<its UUID> on MOUNT (one line; a line of another device for MOUNT is replaced);
#   4. mount it on MOUNT when it is not mounted; refuse when something else is mounted there.
# Every command that changes something is printed as "billu-mail-store: run: ..."; the last line is the status:
#   billu-mail-store: status state=<created|present> uuid=<uuid> mount=<MOUNT> changes=<n>
# Exit status: 0 the store is mounted; 1 refused or failed (the message says what to check).
set -eu

CONF="${1:-/etc/billu/mail-store.conf}"
CHANGES=0
STATE=present

say() { printf 'billu-mail-store: %s\n' "$*"; }
die() {
    printf 'billu-mail-store: error: %s\n' "$*" >&2
    exit 1
}
run() {
    say "run: $*"
    CHANGES=$((CHANGES + 1))
    "$@"
}

[ -r "$CONF" ] || die "$CONF is missing (it is installed by the mail host's mail-store step)"
# shellcheck disable=SC1090
. "$CONF"
for v in DISK MOUNT LABEL FSTAB; do
    eval "val=\${$v:-}"
    [ -n "$val" ] || die "$CONF does not set $v"
done

# udev names the disk once it has seen it; wait for the queue (bounded), not for a fixed time.
if command -v udevadm >/dev/null 2>&1; then udevadm settle --timeout=30 || true; fi
[ -b "$DISK" ] || die "the data disk $DISK does not exist (is the VM's second disk, scsi1, attached?)"
DEV="$(readlink -f "$DISK")"

# The signatures on the disk as "type@offset ...", empty when blank.
SIG="$(wipefs --no-act --noheadings --output TYPE,OFFSET "$DEV" | awk '{ printf "%s%s@%s", sep, $1, $2; sep = " " }')" || die "cannot read $DISK"
if [ -z "$SIG" ]; then
    run mkfs.ext4 -q -L "$LABEL" "$DEV" </dev/null
    STATE=created
else
    case " $SIG " in
        " ext4@0x438 ") ;;
        *) die "the data disk $DISK is not blank and holds no ext4 filesystem alone (it holds: $SIG); nothing was changed (inspect it with wipefs $DISK)" ;;
    esac
fi
UUID="$(blkid -p -o value -s UUID "$DEV")"
[ -n "$UUID" ] || die "the ext4 filesystem on $DISK has no UUID"

mounted_uuid() { findmnt -n -o UUID --mountpoint "$MOUNT" 2>/dev/null || true; }
NOW="$(mounted_uuid)"
[ -z "$NOW" ] || [ "$NOW" = "$UUID" ] || die "$MOUNT has another filesystem mounted (UUID $NOW), not the data disk's ($UUID); nothing was changed"

# Mailboxes already on the OS disk (a server that ran before its store was mounted): carried over, once.
if [ "$STATE" = created ] && [ -z "$NOW" ] && [ -d "$MOUNT" ] && [ -n "$(ls -A "$MOUNT")" ]; then
    TMP="$(mktemp -d)"
    run mount -t ext4 "$DEV" "$TMP"
    run cp -a "$MOUNT/." "$TMP/"
    run umount "$TMP"
    rmdir "$TMP"
fi

LINE="UUID=$UUID $MOUNT ext4 defaults 0 2"
if ! grep -qxF "$LINE" "$FSTAB"; then
    NEW="$FSTAB.billu-new"
    awk -v m="$MOUNT" '$1 ~ /^#/ || $2 != m' "$FSTAB" >"$NEW"
    printf '%s\n' "$LINE" >>"$NEW"
    run mv "$NEW" "$FSTAB"
fi

if [ -z "$NOW" ]; then
    [ -d "$MOUNT" ] || run mkdir -p "$MOUNT"
    run mount --fstab "$FSTAB" "$MOUNT"
    [ "$(mounted_uuid)" = "$UUID" ] || die "$MOUNT is still not the data disk's filesystem after mount"
fi
say "status state=$STATE uuid=$UUID mount=$MOUNT changes=$CHANGES"
