#!/usr/bin/env bash
# labs/raid1: the file server's RAID 1 in a real guest. These machines have no md driver, so the lab boots a qemu
# guest (software emulation: the nested /dev/kvm hangs a stock kernel) with Debian's cloud kernel, resolved at run
# time from Debian's packages, booted as production boots: through Debian's own initramfs (initramfs-tools'
# mkinitramfs with udev and mdadm's hook, built in a cached Debian 12 chroot from the rendered mdadm.conf), onto a
# root disk that holds busybox, mdadm, e2fsprogs and the file server's RAID script and config exactly as offline
# synth rendered them for PAR-FS01 (read back: see below). The disks are Proxmox's: virtio-scsi, scsi-hd devices
# whose drives are named drive-scsiN, so udev in the initramfs makes the same /dev/disk/by-id/scsi-0QEMU_QEMU_
# HARDDISK_drive-scsiN names as on the VM (scsi0 the root disk, scsi1/scsi2 the data disks raid1.conf names, scsi3
# the blank replacement). The root disk's /init (guest-init.sh) drives the scenario and prints one line per step:
#   mirror phase (3 blank 64 MiB disks): the script creates the array over raid1.conf's by-id disks; 16 MiB written
#     with a checksum; a re-run changes nothing; scsi1 failed and removed, the data reads back identical; a re-run
#     reports the degraded array and does not re-create it; mdadm --monitor mails the admin address; blank scsi3
#     added and rebuilt; checksum matches; a re-run on the healthy array changes nothing; scsi2 failed too, so the
#     data comes from the replacement alone: checksum matches; scsi2 rejoins;
#   reboot phase (the same disks): Debian's initramfs (udev running mdadm --incremental, which names the array from
#     mdadm.conf's ARRAY line; mdadm's local-block script only runs while a root device is missing, and the root
#     here is scsi0, as in production) has assembled /dev/md/<MD_NAME> with the UUID of raid1.conf from scsi2 and
#     scsi3 (stale scsi1 left out) before /init starts; the script finds it present and only mounts it; checksum
#     matches; the script's own --assemble --uuid after a manual stop: checksum matches;
#   sabotage (a fresh mirror phase with 1 MiB of data.bin overwritten on scsi3 behind md's back): the filesystem
#     still mounts and the read from scsi3 alone returns other bytes: the checksum probe must FAIL.
#   BILLU_LAB_SABOTAGE=1: the main mirror phase runs with that corruption, so its own probes must fail.
# Lab overrides (labs/raid1/overrides.json): none; a sendmail stub on the root disk records mdadm's alert mail.
# Proof it runs what synth rendered: the guest reports mode, owner and SHA-256 of each installed file after every
# boot, compared with out/dev/rendered (the tree `npm run synth -- --stack dev` wrote) and the raid1 step's
# declared mode and owner (lab_readback_report); the initramfs is unpacked and its etc/mdadm/mdadm.conf compared
# too. The alert address the mail must reach, the array's name and UUID and its mount point come from the model
# (tools/lab-facts.ts), not from mdadm.conf or raid1.conf.
# Downloads (kernel, busybox-static, mdadm .debs) and the Debian 12 chroot that runs mkinitramfs (debootstrap
# --variant=minbase with initramfs-tools, udev, mdadm, busybox, lz4; ~3 min once) are cached in $BILLU_LAB_CACHE
# (default /tmp/billu-lab-cache/raid1); the kernel version is still resolved each run and the initramfs is built
# each run (the rendered mdadm.conf is bind-mounted into the chroot, which is never changed by a run).
LAB=rd1
source "$(dirname "$0")/../lib/common.sh"
lab_require qemu-system-x86_64 cpio depmod modprobe apt-get apt-cache dpkg timeout mke2fs dumpe2fs wipefs filefrag debootstrap unshare chroot
T_START=$(date +%s%N)
CACHE="${BILLU_LAB_CACHE:-/tmp/billu-lab-cache/raid1}"
mkdir -p "$CACHE"
elapsed() { echo $(( ($(date +%s%N) - T_START) / 1000000 )); }
BYID=/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi

# 1. What synth renders for the file server.
OUT="$(lab_synth dev)"
R="$OUT/rendered/PAR-FS01"
FILES=(/usr/local/sbin/billu-raid1 /etc/billu/raid1.conf /etc/mdadm/mdadm.conf)
# billu-shares is not installed in the guest, only parsed by its busybox (below).
for f in "${FILES[@]}" /usr/local/sbin/billu-shares; do
    [ -f "$R$f" ] || lab_die "synth did not render $f for PAR-FS01"
done
lab_overridden dev "$OUT/rendered" "$LAB_DIR/lab-dev"
lab_expected dev
# The model's facts the guest's probes expect (alert address, array name and UUID, mount point): never raid1.conf's.
read -r ALERT MD_NAME MD_UUID MOUNT_POINT < <(cd "$LAB_ROOT" && node dist/tools/lab-facts.js --stack dev | node -e '
    const f = JSON.parse(require("fs").readFileSync(0, "utf8")).fileservers.find((x) => x.host === "PAR-FS01");
    console.log(f ? [f.alertEmail, f.array.name, f.array.mdUuid, f.mountPoint].join(" ") : "")') || true
[ -n "${MOUNT_POINT:-}" ] || lab_die "the dev model has no file server PAR-FS01"
lab_log "the model's PAR-FS01: alert address $ALERT, array /dev/md/$MD_NAME UUID $MD_UUID, mounted at $MOUNT_POINT"
MODEL_ARGS="billu.mdname=$MD_NAME billu.mduuid=$MD_UUID billu.mount=$MOUNT_POINT"

# 2. Debian's packages: the cloud kernel's current version, busybox-static, mdadm (downloaded once, then cached).
KPKG="$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')"
[ -n "$KPKG" ] || lab_die "cannot resolve linux-image-cloud-amd64 (run apt-get update)"
KVER="${KPKG#linux-image-}"
lab_log "kernel package $KPKG"
fetch() {
    local pkg="$1"
    if ! ls "$CACHE/${pkg}_"*.deb >/dev/null 2>&1; then
        (cd "$CACHE" && timeout 300 apt-get download "$pkg" >/dev/null 2>&1) || lab_die "apt-get download $pkg failed"
        lab_log "downloaded $(basename "$CACHE/${pkg}_"*.deb)"
    fi
}
for p in "$KPKG" busybox-static mdadm; do fetch "$p"; done
X="$CACHE/unpacked-$KVER"
if [ ! -f "$X/.done" ]; then
    rm -rf "$X" && mkdir -p "$X"
    for p in "$KPKG" busybox-static mdadm; do debs=("$CACHE/${p}_"*.deb); dpkg -x "${debs[0]}" "$X"; done
    depmod -b "$X" "$KVER"
    touch "$X/.done"
fi
[ -f "$X/boot/vmlinuz-$KVER" ] || lab_die "no kernel in $KPKG"
# The Debian 12 system that builds the initramfs as the file server does (update-initramfs runs mkinitramfs): its
# initramfs-tools, udev (with scsi_id, which makes the by-id names) and mdadm's hook and udev rules.
CHROOT="$CACHE/bookworm-mkinitramfs"
if [ ! -f "$CHROOT/.done" ]; then
    rm -rf "$CHROOT"
    t0=$(date +%s%N)
    lab_log "debootstrap of Debian 12 (initramfs-tools, udev, mdadm, busybox, lz4) into $CHROOT, once"
    timeout 900 debootstrap --variant=minbase --include=initramfs-tools,udev,mdadm,busybox,kmod,lz4 bookworm "$CHROOT" \
        "${BILLU_LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$LAB_DIR/debootstrap.log" 2>&1 ||
        { tail -20 "$LAB_DIR/debootstrap.log" >&2; lab_die "debootstrap failed"; }
    mkdir -p "$CHROOT/usr/lib/modules" "$CHROOT/mnt/lab"
    touch "$CHROOT/.done"
    lab_log "chroot ready in $(lab_since "$t0") ms"
fi

# 3. The root disk (scsi0): busybox, mdadm, the e2fsprogs and util-linux tools, the raid1 modules, the files under test.
I="$LAB_DIR/rootfs"
mkdir -p "$I"/{bin,sbin,usr/sbin,usr/local/sbin,etc/billu,etc/mdadm,lib/modules,proc,sys,dev,run,tmp,mnt}
cp "$X/bin/busybox" "$I/bin/busybox"
for a in $("$I/bin/busybox" --list); do
    [ "$a" = busybox ] || ln -sf busybox "$I/bin/$a"
done
# The file server's scripts are written for busybox ash too (billu-raid1 runs under it below, billu-shares does not):
# its parser must accept both, and reject a broken script (so a pass cannot come from a parser that never ran).
ash_parses() { local out; out=$("$I/bin/busybox" sh -n "$1" 2>&1) && [ -z "$out" ]; }
printf 'if then\nfi\n' >"$LAB_DIR/broken.sh"
for f in billu-raid1 billu-shares; do lab_expect "busybox ash parses $f as rendered" pass ash_parses "$R/usr/local/sbin/$f"; done
lab_expect "busybox ash rejects a broken script" fail ash_parses "$LAB_DIR/broken.sh"
# The tools the RAID script calls besides busybox: mdadm from Debian's package, e2fsprogs and util-linux from the
# host (Debian 12, the same versions a Debian 12 guest has); filefrag locates data.bin for the sabotage.
cp "$X/sbin/mdadm" "$(command -v mke2fs)" "$(command -v dumpe2fs)" "$(command -v wipefs)" "$(command -v filefrag)" "$I/sbin/"
ln -s mke2fs "$I/sbin/mkfs.ext4"
for lib in $(ldd "$X/sbin/mdadm" "$I/sbin/mke2fs" "$I/sbin/dumpe2fs" "$I/sbin/wipefs" "$I/sbin/filefrag" | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' | sort -u); do
    mkdir -p "$I$(dirname "$lib")" && cp -L "$lib" "$I$lib"
done
[ -e "$I/lib64/ld-linux-x86-64.so.2" ] || { mkdir -p "$I/lib64" && cp -L /lib64/ld-linux-x86-64.so.2 "$I/lib64/"; }
# md and raid1 for the mirror phase (Debian's initramfs loads the disk drivers; it loads md only for an array).
modprobe -d "$X" -S "$KVER" -a --show-depends raid1 | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$LAB_DIR/modules"
: >"$I/lib/modules/order"
while read -r m; do cp "$m" "$I/lib/modules/"; basename "$m" >>"$I/lib/modules/order"; done <"$LAB_DIR/modules"
lab_log "root disk modules: $(tr '\n' ' ' <"$I/lib/modules/order")"
cp "$(dirname "$0")/guest-init.sh" "$I/init"
printf '#!/bin/sh\n# lab stub: keeps the mail mdadm --monitor sends\ncat > /run/mail.$$\n' >"$I/usr/sbin/sendmail"
chmod 755 "$I/init" "$I/usr/sbin/sendmail"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$I/etc/passwd"; printf 'root:x:0:\ndisk:x:6:\n' >"$I/etc/group" # owners by name, as on Debian (mdadm.conf's CREATE names group disk)
# The files under test, as the lab's synth rendered them, with the mode and owner the raid1 step declares.
for f in "${FILES[@]}"; do lab_install_declared "$LAB_DIR/lab-dev/PAR-FS01" "$f" "$I$f"; done
mke2fs -q -t ext4 -L billu-lab-root -d "$I" "$LAB_DIR/root.img" 48M || lab_die "cannot make the root disk"
lab_log "root disk ready after $(elapsed) ms"

# 4. Debian's initramfs, built by mkinitramfs in the chroot (in a private mount namespace: the chroot is not
# changed) from Debian's initramfs-tools configuration with the lab's three lines: the listed modules instead of
# `most` (the virtio-scsi disk drivers; the hooks add the rest: mdadm's adds md and the RAID personalities) and
# lz4 (faster to unpack under emulation). mdadm.conf is the rendered one, as update-initramfs -u copies it.
IC="$LAB_DIR/initramfs-tools"
cp -a "$CHROOT/etc/initramfs-tools" "$IC"
sed 's/^MODULES=.*/MODULES=list/; s/^COMPRESS=.*/COMPRESS=lz4/' "$CHROOT/etc/initramfs-tools/initramfs.conf" >"$IC/initramfs.conf"
printf 'virtio_pci\nvirtio_scsi\nsd_mod\n' >>"$IC/modules"
MDCONF="$LAB_DIR/lab-dev/PAR-FS01/etc/mdadm/mdadm.conf"
mkdir -p "$LAB_DIR/initrd-out"
t0=$(date +%s%N)
# shellcheck disable=SC2016 # expanded by the inner shell, from its arguments
unshare -m --propagation private sh -ec '
    C="$1"
    mount -t proc proc "$C/proc"
    mount --bind "$2" "$C/etc/initramfs-tools"
    mount --bind "$3/lib/modules" "$C/usr/lib/modules"
    mount --bind "$3/boot" "$C/boot"
    mount --bind "$4" "$C/etc/mdadm/mdadm.conf"
    mount --bind "$5" "$C/mnt/lab"
    chroot "$C" mkinitramfs -o /mnt/lab/initrd "$6"
    chroot "$C" unmkinitramfs /mnt/lab/initrd /mnt/lab/x
' sh "$CHROOT" "$IC" "$X" "$MDCONF" "$LAB_DIR/initrd-out" "$KVER" >"$LAB_DIR/mkinitramfs.log" 2>&1 ||
    { cat "$LAB_DIR/mkinitramfs.log" >&2; lab_die "mkinitramfs failed"; }
INITRD="$LAB_DIR/initrd-out/initrd"
lab_fig "mkinitramfs" "$(lab_since "$t0") ms, $(( $(stat -c %s "$INITRD") / 1024 )) KiB"
sed 's/^/    mkinitramfs: /' "$LAB_DIR/mkinitramfs.log"
IX="$LAB_DIR/initrd-out/x"; [ -d "$IX/main" ] && IX="$IX/main"
# The initramfs carries the rendered mdadm.conf, with the one change Debian's mdadm hook makes (hooks/mdadm
# comments out the CREATE line: the initramfs has no users or groups), and the udev pieces the boot relies on.
initramfs_mdadm_conf() {
    grep -qF "'/^CREATE/s/^/#/'" "$CHROOT/usr/share/initramfs-tools/hooks/mdadm" &&
        sed '/^CREATE/s/^/#/' "$LAB_DIR/expected/dev/PAR-FS01/etc/mdadm/mdadm.conf" | cmp - "$IX/etc/mdadm/mdadm.conf"
}
lab_expect "read-back: the initramfs's etc/mdadm/mdadm.conf = out/dev's PAR-FS01 mdadm.conf, CREATE commented out by the hook" pass initramfs_mdadm_conf
for f in usr/lib/udev/rules.d/64-md-raid-assembly.rules usr/lib/udev/rules.d/60-persistent-storage.rules usr/lib/udev/scsi_id scripts/local-block/mdadm; do
    lab_expect "the initramfs holds $f" pass test -e "$IX/$f"
done

# boot <name> <kernel args> <disk>...: boots the guest once (bounded) on the root disk (scsi0) and the given data
# disks (scsi1...), serial log in $LAB_DIR/<name>.log.
boot() {
    local name="$1" kargs="$2"; shift 2
    local drives=(-device "virtio-scsi-pci,id=scsihw0") i=0 d t0
    for d in "$LAB_DIR/root.img" "$@"; do
        drives+=(-drive "file=$d,if=none,id=drive-scsi$i,format=raw,cache=unsafe"
            -device "scsi-hd,bus=scsihw0.0,channel=0,scsi-id=0,lun=$i,drive=drive-scsi$i,id=scsi$i")
        i=$((i + 1))
    done
    t0=$(date +%s%N)
    timeout 300 qemu-system-x86_64 -accel tcg -cpu max -m 512 -nodefaults -no-user-config -display none -no-reboot \
        -serial stdio -kernel "$X/boot/vmlinuz-$KVER" -initrd "$INITRD" \
        -append "console=ttyS0 panic=-1 quiet root=${BYID}0 rw init=/init $kargs" "${drives[@]}" </dev/null 2>&1 |
        tr -d '\r' >"$LAB_DIR/$name.log" || true
    lab_fig "boot $name (qemu start to power-off)" "$(lab_since "$t0") ms, /init at $(sed -n 's/^FIGURE init_ms=//p' "$LAB_DIR/$name.log") ms of guest uptime"
    grep -E '^(STEP|FIGURE|RESULT|SABOTAGE|  \| )' "$LAB_DIR/$name.log" | sed "s/^/[$LAB]   $name: /"
    local f
    for f in "${FILES[@]}"; do
        lab_readback_report dev PAR-FS01 "$f" "$(sed -n "s|^INSTALLED $f ||p" "$LAB_DIR/$name.log" | head -1)"
    done
}
disks() { # disks <prefix>: three blank 64 MiB images
    local d
    for d in a b c; do truncate -s 64M "$LAB_DIR/$1-$d.img"; done
}
step_ok() { grep -q "^STEP $2 ok" "$LAB_DIR/$1.log"; }

disks m
# BILLU_LAB_SABOTAGE=1: the main mirror phase itself runs with the replacement corrupted: its probes must fail.
MIRROR_ARGS="billu.phase=mirror billu.alert=$ALERT $MODEL_ARGS"
if lab_sabotage; then MIRROR_ARGS="$MIRROR_ARGS billu.sabotage=1"; lab_log "SABOTAGE: the mirror phase overwrites part of data.bin on the replacement disk behind md's back"; fi
boot mirror "$MIRROR_ARGS" "$LAB_DIR"/m-{a,b,c}.img
for s in boot create initial-resync write rerun-fresh fail-disk degraded-read degraded-reported monitor-alert rebuild rebuilt-read \
    rerun-healthy replacement-only-read rejoin; do
    lab_expect "mirror: $s" pass step_ok mirror "$s"
done
lab_expect "mirror: verdict PASS" pass grep -q '^RESULT PASS' "$LAB_DIR/mirror.log"
SUM="$(sed -n 's/^SUM //p' "$LAB_DIR/mirror.log")"

boot reboot "billu.phase=reboot billu.sum=${SUM:-none} $MODEL_ARGS" "$LAB_DIR"/m-{a,b,c}.img
for s in boot initramfs-assembled present reboot-read rerun-after-boot script-assemble assembled-read; do lab_expect "reboot: $s" pass step_ok reboot "$s"; done
lab_expect "reboot: verdict PASS" pass grep -q '^RESULT PASS' "$LAB_DIR/reboot.log"

# The broken case: part of data.bin overwritten on the replacement behind md's back must make the test fail at
# the step that reads from it alone, with a wrong checksum (the filesystem still mounts: not a failed mount).
disks s
boot sabotage "billu.phase=mirror billu.sabotage=1 billu.alert=$ALERT $MODEL_ARGS" "$LAB_DIR"/s-{a,b,c}.img
lab_expect "sabotage: the replacement-only read returns other bytes (checksum mismatch)" pass \
    grep -Eq "^STEP replacement-only-read FAIL read back '[0-9a-f]{64}'" "$LAB_DIR/sabotage.log"
lab_expect "sabotage: verdict FAIL" pass grep -q '^RESULT FAIL' "$LAB_DIR/sabotage.log"

lab_fig "create+mkfs+mount" "$(sed -n 's/^FIGURE create_ms=//p' "$LAB_DIR/mirror.log") ms"
lab_fig "initial resync done" "$(sed -n 's/^FIGURE resync_ms=//p' "$LAB_DIR/mirror.log") ms after create (64 MiB disks)"
lab_fig "rebuild" "$(sed -n 's/^FIGURE rebuild_ms=//p' "$LAB_DIR/mirror.log") ms (64 MiB disks)"
lab_fig "whole lab" "$(elapsed) ms"
lab_finish
