#!/usr/bin/env bash
# Builds the Debian 12 template the program clones (billu:proxmox.templates.debian-12), on one Proxmox VE node, as
# root. Run it on every node with that node's template VM id.
#
#   build-debian-12-template.sh <vm id> <storage> <image> [bridge]
#
# <image>: Debian's official debian-12-genericcloud-amd64.qcow2 (https://cloud.debian.org/images/cloud/bookworm/latest/),
# checked against the SHA512SUMS published beside it before this script runs. Needs libguestfs-tools on the node
# (virt-customize) to add the QEMU guest agent to the image.
#
# What the template holds, and why the program needs each:
# - the genericcloud image's cloud-init, sudo and OpenSSH: the program's cloud-init drive (nocloud) creates the
#   admin user with passwordless sudo and the team's keys, the static addresses (NICs eth0, eth1... in NIC order)
#   and the resolvers; every guest step connects as that user and runs under sudo -n;
# - qemu-guest-agent, enabled: the VM resource waits for the agent to report the guest's addresses;
# - the OS disk on scsi0 (virtio-scsi-single, discard, iothread), 3 GiB: no larger than the smallest OS disk of the
#   model (8 GiB in dev), since a clone can grow a disk but never shrink it;
# - no cloud-init drive of its own: the program attaches its own on ide2, a slot no disk uses;
# - a serial console, so the node's console shows the boot when SSH does not answer.
set -euo pipefail
[ "$#" -ge 3 ] || { echo "usage: $0 <vm id> <storage> <image.qcow2> [bridge]" >&2; exit 2; }
vmid=$1 storage=$2 image=$3 bridge=${4:-vmbr0}
[ -f "$image" ] || { echo "$image: no such file (download and check it first)" >&2; exit 2; }
if qm status "$vmid" >/dev/null 2>&1; then echo "VM $vmid exists already: remove it or choose another id" >&2; exit 2; fi
command -v virt-customize >/dev/null || { echo "virt-customize is missing: apt-get install libguestfs-tools" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$image" "$work/disk.qcow2"
virt-customize -a "$work/disk.qcow2" --install qemu-guest-agent --run-command 'systemctl enable qemu-guest-agent' --truncate /etc/machine-id
qemu-img resize "$work/disk.qcow2" 3G

qm create "$vmid" --name debian-12-template --ostype l26 --memory 1024 --cores 1 --cpu x86-64-v2-AES \
    --net0 "virtio,bridge=$bridge" --scsihw virtio-scsi-single --serial0 socket --vga serial0 --agent enabled=1,fstrim_cloned_disks=1
qm importdisk "$vmid" "$work/disk.qcow2" "$storage"
qm set "$vmid" --scsi0 "$storage:vm-$vmid-disk-0,discard=on,iothread=1,ssd=1" --boot order=scsi0
qm template "$vmid"
echo "template $vmid ready on $(hostname): set billu:proxmox.templates.debian-12.$(hostname) to $vmid"
