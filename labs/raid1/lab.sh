#!/usr/bin/env bash
# labs/raid1: the file server's RAID 1 in a real guest. These machines have no md driver, so the lab boots a qemu
# guest (software emulation: the nested /dev/kvm hangs a stock kernel) with Debian's cloud kernel, resolved at run
# time from Debian's packages, and a small initramfs holding busybox, mdadm, mke2fs, wipefs and the file server's
# RAID script and config exactly as offline synth rendered them for PAR-FS01 (read back: see below). Its /init
# (guest-init.sh) drives the scenario and prints one line per step:
#   mirror phase (3 blank 64 MiB disks): the script creates the array; 16 MiB written with a checksum; a re-run
#     changes nothing; vda failed and removed, the data reads back identical; a re-run reports the degraded
#     array and does not re-create it; mdadm --monitor mails the admin address; blank vdc added and rebuilt;
#     checksum matches; a re-run on the healthy array changes nothing; vdb failed too, so the data comes from
#     the replacement alone: checksum matches; vdb rejoins;
#   reboot phase (the same disks): the script assembles the array (stale vda left out), checksum matches;
#   sabotage (a fresh mirror phase with vdc corrupted behind md's back): must FAIL.
#   BILLU_LAB_SABOTAGE=1: the main mirror phase runs with the replacement corrupted, so its own probes must fail.
# Lab overrides (labs/raid1/overrides.json): raid1.conf's DISKS become the guest's virtio disks /dev/vda /dev/vdb
# (the VM's are /dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi1/2, which need udev); a sendmail stub
# records mdadm's alert mail.
# Proof it runs what synth rendered: the guest reports mode, owner and SHA-256 of each installed file after every
# boot, compared with out/dev/rendered (the tree `npm run synth -- --stack dev` wrote) and the raid1 step's
# declared mode and owner (lab_readback_report). The alert address the mail must reach comes from the model
# (tools/lab-facts.ts), not from mdadm.conf.
# Downloads (kernel, busybox-static, mdadm .debs) are cached in $BILLU_LAB_CACHE (default
# /tmp/billu-lab-cache/raid1) so a warm run does not fetch again; the kernel version is still resolved each run.
LAB=rd1
source "$(dirname "$0")/../lib/common.sh"
lab_require qemu-system-x86_64 cpio depmod modprobe apt-get apt-cache dpkg timeout mke2fs dumpe2fs wipefs
T_START=$(date +%s%N)
CACHE="${BILLU_LAB_CACHE:-/tmp/billu-lab-cache/raid1}"
mkdir -p "$CACHE"
elapsed() { echo $(( ($(date +%s%N) - T_START) / 1000000 )); }

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
ALERT=$(cd "$LAB_ROOT" && node dist/tools/lab-facts.js --stack dev | node -e '
    const f = JSON.parse(require("fs").readFileSync(0, "utf8")).fileservers.find((x) => x.host === "PAR-FS01");
    console.log(f ? f.alertEmail : "")')
[ -n "$ALERT" ] || lab_die "the dev model has no file server PAR-FS01"
lab_log "the model's alert address for PAR-FS01: $ALERT"

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

# 3. The initramfs.
I="$LAB_DIR/initramfs"
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
# host (Debian 12, the same versions a Debian 12 guest has).
cp "$X/sbin/mdadm" "$(command -v mke2fs)" "$(command -v dumpe2fs)" "$(command -v wipefs)" "$I/sbin/"
ln -s mke2fs "$I/sbin/mkfs.ext4"
for lib in $(ldd "$X/sbin/mdadm" "$I/sbin/mke2fs" "$I/sbin/dumpe2fs" "$I/sbin/wipefs" | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' | sort -u); do
    mkdir -p "$I$(dirname "$lib")" && cp -L "$lib" "$I$lib"
done
[ -e "$I/lib64/ld-linux-x86-64.so.2" ] || { mkdir -p "$I/lib64" && cp -L /lib64/ld-linux-x86-64.so.2 "$I/lib64/"; }
modprobe -d "$X" -S "$KVER" -a --show-depends virtio_pci virtio_blk raid1 | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$LAB_DIR/modules"
: >"$I/lib/modules/order"
while read -r m; do cp "$m" "$I/lib/modules/"; basename "$m" >>"$I/lib/modules/order"; done <"$LAB_DIR/modules"
lab_log "modules: $(tr '\n' ' ' <"$I/lib/modules/order")"
cp "$(dirname "$0")/guest-init.sh" "$I/init"
printf '#!/bin/sh\n# lab stub: keeps the mail mdadm --monitor sends\ncat > /run/mail.$$\n' >"$I/usr/sbin/sendmail"
chmod 755 "$I/init" "$I/usr/sbin/sendmail"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$I/etc/passwd"; printf 'root:x:0:\n' >"$I/etc/group" # owners by name, as on Debian
# The files under test, as the lab's synth rendered them (with the documented override), with the mode and owner
# the raid1 step declares.
for f in "${FILES[@]}"; do lab_install_declared "$LAB_DIR/lab-dev/PAR-FS01" "$f" "$I$f"; done
(cd "$I" && find . | cpio -o -H newc --quiet | gzip -1) >"$LAB_DIR/initrd"
lab_log "initramfs $(( $(stat -c %s "$LAB_DIR/initrd") / 1024 )) KiB, ready after $(elapsed) ms"

# boot <name> <kernel args> <disk>...: boots the guest once (bounded), serial log in $LAB_DIR/<name>.log.
boot() {
    local name="$1" kargs="$2"; shift 2
    local drives=() d t0
    for d in "$@"; do drives+=(-drive "file=$d,if=virtio,format=raw,cache=unsafe"); done
    t0=$(date +%s%N)
    timeout 300 qemu-system-x86_64 -accel tcg -cpu max -m 512 -nodefaults -no-user-config -display none -no-reboot \
        -serial stdio -kernel "$X/boot/vmlinuz-$KVER" -initrd "$LAB_DIR/initrd" \
        -append "console=ttyS0 panic=-1 quiet $kargs" "${drives[@]}" </dev/null 2>&1 | tr -d '\r' >"$LAB_DIR/$name.log" || true
    lab_log "boot $name: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
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
MIRROR_ARGS="billu.phase=mirror billu.alert=$ALERT"
if lab_sabotage; then MIRROR_ARGS="$MIRROR_ARGS billu.sabotage=1"; lab_log "SABOTAGE: the mirror phase corrupts the replacement disk behind md's back"; fi
boot mirror "$MIRROR_ARGS" "$LAB_DIR"/m-{a,b,c}.img
for s in boot create initial-resync write rerun-fresh fail-disk degraded-read degraded-reported monitor-alert rebuild rebuilt-read \
    rerun-healthy replacement-only-read rejoin; do
    lab_expect "mirror: $s" pass step_ok mirror "$s"
done
lab_expect "mirror: verdict PASS" pass grep -q '^RESULT PASS' "$LAB_DIR/mirror.log"
SUM="$(sed -n 's/^SUM //p' "$LAB_DIR/mirror.log")"

boot reboot "billu.phase=reboot billu.sum=${SUM:-none}" "$LAB_DIR"/m-{a,b,c}.img
for s in boot assemble reboot-read rerun-after-boot; do lab_expect "reboot: $s" pass step_ok reboot "$s"; done
lab_expect "reboot: verdict PASS" pass grep -q '^RESULT PASS' "$LAB_DIR/reboot.log"

# The broken case: the replacement corrupted behind md's back must make the test fail, at the step that reads
# from it alone.
disks s
boot sabotage "billu.phase=mirror billu.sabotage=1 billu.alert=$ALERT" "$LAB_DIR"/s-{a,b,c}.img
lab_expect "sabotage: the replacement-only read FAILS" pass grep -q '^STEP replacement-only-read FAIL' "$LAB_DIR/sabotage.log"
lab_expect "sabotage: verdict FAIL" pass grep -q '^RESULT FAIL' "$LAB_DIR/sabotage.log"

lab_log "figures: create+mkfs+mount $(sed -n 's/^FIGURE create_ms=//p' "$LAB_DIR/mirror.log") ms, initial resync done $(sed -n 's/^FIGURE resync_ms=//p' "$LAB_DIR/mirror.log") ms after create, rebuild $(sed -n 's/^FIGURE rebuild_ms=//p' "$LAB_DIR/mirror.log") ms (64 MiB disks), whole lab $(elapsed) ms"
lab_finish
