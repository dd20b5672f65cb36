#!/usr/bin/env bash
# labs/mail-store: the prod mail server's mail store on its data disk (step mail-store), run for real on loop
# devices: billu-mail-store and its config exactly as offline synth rendered them for PAR-MAIL01 (read back, see
# below), against blank and non-blank disks and an fstab of the lab's own. Probes, in order:
#   1. a blank disk: the store is created (ext4, the model's label), fstab mounts it by UUID (one line, the other
#      lines kept), it is mounted at the mail store; a file written there;
#   2. a re-run while mounted changes nothing (changes=0), the same filesystem, the file intact;
#   3. after an unmount (a reboot before the mount), a re-run mounts it again: never reformatted (same UUID, the
#      file intact);
#   4. a store created while the mail store's folder already holds mailboxes (written on the OS disk before):
#      they are copied on, owner and mode kept, and fstab now names the new disk (still one line);
#   5. a disk that is not blank (a swap signature) is refused: exit 1, its signature untouched, fstab unchanged.
# Lab overrides (labs/mail-store/overrides.json): the config's DISK is a symlink the lab points at each phase's loop
# device (as udev's /dev/disk/by-id name points at the VM's disk), MOUNT and FSTAB are under the lab's folder.
# BILLU_LAB_SABOTAGE=1: the installed script is edited (after its read-back) to format whatever it finds, so the
# re-run of probe 3 reformats the store: the probes must turn red.
LAB=mst
source "$(dirname "$0")/../lib/common.sh"
lab_require losetup wipefs blkid findmnt mkfs.ext4 mkswap sha256sum truncate
HOST=PAR-MAIL01
SCRIPT=/usr/local/sbin/billu-mail-store
CONF=/etc/billu/mail-store.conf

# 1. What synth renders for the prod mail host (the only committed stack whose mail host has a data disk).
OUT="$(lab_synth prod)"
for f in "$SCRIPT" "$CONF"; do [ -f "$OUT/rendered/$HOST$f" ] || lab_die "synth did not render $f for $HOST"; done
LABEL=$(sed -n "s/^LABEL='\(.*\)'$/\1/p" "$OUT/rendered/$HOST$CONF")
[ -n "$LABEL" ] || lab_die "the rendered $CONF sets no LABEL"
DISK="$LAB_DIR/by-id/data-disk"
MOUNT="$LAB_DIR/vmail"
FSTAB="$LAB_DIR/fstab"
VARS=(DISK="$DISK" MOUNT="$MOUNT" FSTAB="$FSTAB")
lab_overridden prod "$OUT/rendered" "$LAB_DIR/lab-prod" "${VARS[@]}"
lab_expected prod "${VARS[@]}"
ROOT="$LAB_DIR/root"
for f in "$SCRIPT" "$CONF"; do lab_install_declared "$LAB_DIR/lab-prod/$HOST" "$f" "$ROOT$f"; done
lab_readback prod "$HOST" "$SCRIPT" "$ROOT$SCRIPT"
lab_readback prod "$HOST" "$CONF" "$ROOT$CONF"
if lab_sabotage; then
    lab_log "SABOTAGE: the installed billu-mail-store formats the disk whatever it holds"
    # shellcheck disable=SC2016 # the script's own text ($SIG) is matched, not expanded
    sed -i 's/^if \[ -z "\$SIG" \]; then$/if true; then/' "$ROOT$SCRIPT"
    grep -q '^if true; then$' "$ROOT$SCRIPT" || lab_die "the sabotage found no line to edit in billu-mail-store"
fi

# The loop devices, the mounts: undone on exit, before common.sh's cleanup.
LOOPS=()
mst_cleanup() {
    local l
    umount "$MOUNT" 2>/dev/null || true
    for l in "${LOOPS[@]:-}"; do [ -z "$l" ] || losetup -d "$l" 2>/dev/null || true; done
}
trap 'mst_cleanup; lab_cleanup' EXIT
new_disk() { # <name>: a 64 MiB blank loop device; prints its path
    truncate -s 64M "$LAB_DIR/$1.img"
    losetup -f --show "$LAB_DIR/$1.img"
}
use_disk() { mkdir -p "$(dirname "$DISK")"; ln -sfn "$1" "$DISK"; }
store() { "$ROOT$SCRIPT" "$ROOT$CONF" >"$LAB_DIR/run.log" 2>&1; }
ran() { grep -q -- "$1" "$LAB_DIR/run.log"; }
uuid_of() { blkid -p -o value -s UUID "$1"; }
mounted_uuid() { findmnt -n -o UUID --mountpoint "$MOUNT"; }
fstab_lines() { awk -v m="$MOUNT" '$1 !~ /^#/ && $2 == m' "$FSTAB"; }

printf '# <file system> <mount point> <type> <options> <dump> <pass>\nUUID=0b5e3c4d-1111-2222-3333-444455556666 / ext4 errors=remount-ro 0 1\n' >"$FSTAB"

# Probe 1: a blank disk.
D1=$(new_disk d1); LOOPS+=("$D1"); use_disk "$D1"
T=$(date +%s%N)
lab_expect "a blank data disk: the script exits 0" pass store
lab_fig "first run (mkfs, fstab, mount)" "$(lab_since "$T") ms"
U1=$(uuid_of "$D1" || true)
lab_expect "it says it created the store" pass ran "status state=created uuid=$U1 "
lab_expect "the disk holds ext4 labelled $LABEL" pass test "$(blkid -p -o value -s TYPE "$D1"):$(blkid -p -o value -s LABEL "$D1")" = "ext4:$LABEL"
lab_expect "fstab mounts it by UUID at the mail store, one line" pass test "$(fstab_lines)" = "UUID=$U1 $MOUNT ext4 defaults 0 2"
lab_expect "fstab's other lines are kept" pass grep -qx "UUID=0b5e3c4d-1111-2222-3333-444455556666 / ext4 errors=remount-ro 0 1" "$FSTAB"
lab_expect "the mail store is the data disk's filesystem" pass test "$(mounted_uuid)" = "$U1"
mkdir -p "$MOUNT/billu.remindme.lan/alice/Maildir/cur"
head -c 1048576 /dev/urandom >"$MOUNT/billu.remindme.lan/alice/Maildir/cur/1.eml"
SUM=$(sha256sum <"$MOUNT/billu.remindme.lan/alice/Maildir/cur/1.eml")
sync
same_mail() { [ -f "$MOUNT/billu.remindme.lan/alice/Maildir/cur/1.eml" ] && [ "$(sha256sum <"$MOUNT/billu.remindme.lan/alice/Maildir/cur/1.eml")" = "$SUM" ]; }

# Probe 2: a re-run while mounted.
lab_expect "a re-run while mounted exits 0" pass store
lab_expect "and changes nothing" pass ran "status state=present uuid=$U1 mount=$MOUNT changes=0"
lab_expect "the mailbox is intact" pass same_mail

# Probe 3: unmounted (a reboot before the mount), a re-run mounts it again; never a reformat.
umount "$MOUNT"
lab_expect "unmounted, a re-run exits 0" pass store
lab_expect "it mounts the same filesystem (the only change)" pass ran "status state=present uuid=$U1 mount=$MOUNT changes=1"
lab_expect "the disk was not reformatted (same UUID)" pass test "$(uuid_of "$D1")" = "$U1"
lab_expect "the mailbox is intact" pass same_mail
lab_expect "fstab still holds one line for the mail store" pass test "$(fstab_lines)" = "UUID=$U1 $MOUNT ext4 defaults 0 2"

# Probe 4: mailboxes already on the OS disk's folder when the store is created on a new disk.
umount "$MOUNT"
rm -rf "${MOUNT:?}"/*
mkdir -p "$MOUNT/billu.remindme.lan/bob/Maildir/new"
printf 'Subject: kept\n\nwritten before the store was mounted\n' >"$MOUNT/billu.remindme.lan/bob/Maildir/new/2.eml"
chown -R 5000:5000 "$MOUNT/billu.remindme.lan"; chmod 0700 "$MOUNT/billu.remindme.lan/bob"
D2=$(new_disk d2); LOOPS+=("$D2"); use_disk "$D2"
lab_expect "a new blank disk under mailboxes on the OS disk: exits 0" pass store
U2=$(uuid_of "$D2" || true)
lab_expect "it created the store and copied them on" pass ran "run: cp -a $MOUNT/. "
lab_expect "the mail store is the new disk" pass test "$(mounted_uuid)" = "$U2"
lab_expect "the mailbox is there, owner and mode kept" pass test "$(stat -c '%u:%g %a' "$MOUNT/billu.remindme.lan/bob"):$(head -1 "$MOUNT/billu.remindme.lan/bob/Maildir/new/2.eml")" = "5000:5000 700:Subject: kept"
lab_expect "fstab names the new disk, one line" pass test "$(fstab_lines)" = "UUID=$U2 $MOUNT ext4 defaults 0 2"

# Probe 5: a disk that is not blank is refused, untouched.
umount "$MOUNT"
D3=$(new_disk d3); LOOPS+=("$D3"); mkswap "$D3" >/dev/null; use_disk "$D3"
FSUM=$(sha256sum <"$FSTAB")
lab_expect "a disk holding a swap signature: the script refuses (exit 1)" fail store
lab_expect "saying why" pass ran "is not blank and holds no ext4 filesystem alone (it holds: swap@"
lab_expect "its signature is untouched" pass test "$(blkid -p -o value -s TYPE "$D3")" = swap
lab_expect "fstab is unchanged" pass test "$(sha256sum <"$FSTAB")" = "$FSUM"
lab_expect "nothing is mounted at the mail store" fail findmnt --mountpoint "$MOUNT"

lab_finish
