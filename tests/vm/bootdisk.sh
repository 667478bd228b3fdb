# shellcheck shell=sh disable=SC2016
# (SC2016: the scripts run by unshare and chroot are single-quoted on purpose)
# tests/vm/bootdisk.sh - boot disk images for the VM proofs: a Debian root
# booted by a real boot loader (GRUB on SeaBIOS, systemd-boot on OVMF)
# from a raw disk image, not with qemu -kernel. Sourced (POSIX sh, set -eu
# safe); needs root, loop devices (no partition scanning, no device-mapper)
# and on the host: qemu-system-x86, debootstrap, e2fsprogs, fdisk (sfdisk),
# util-linux (losetup, unshare, blkid, mount), tar; for systemd-boot also
# ovmf, mtools, dosfstools. No GRUB on the host: the root's own GRUB runs
# in a chroot.
#
# Settings (environment, read when a function runs):
#   VFIOCONF_VM_CACHE    cache directory (~/.cache/vfioconf-vm, as check-vm.sh)
#   VFIOCONF_VM_MIRROR   Debian mirror (http://deb.debian.org/debian)
#   VFIOCONF_VM_TIMEOUT  bound on one QEMU run, seconds (300)
#   BOOTDISK_QEMU_ARGS   extra qemu-system-x86_64 arguments (split on blanks)
#   BOOTDISK_OVMF_CODE   OVMF code (/usr/share/OVMF/OVMF_CODE_4M.fd)
#   BOOTDISK_OVMF_VARS   OVMF variable store template (.../OVMF_VARS_4M.fd)
#
# Functions (each returns non-zero on failure, logs to stderr):
#   bootdisk_base                 print the base root's path: check-vm.sh's
#                                 debootstrapped Debian 12 (same key, same
#                                 directory); debootstraps it when missing
#   bootdisk_root                 print the derived root's path: a copy of
#                                 the base with grub-pc-bin grub2-common
#                                 systemd-boot installed, cached as
#                                 CACHE/bootdisk-<key>; the base is not touched
#   bootdisk_chroot ROOT CMD...   CMD in ROOT (a directory, bound on itself:
#                                 / is a mount point) with /proc, /sys, /dev,
#                                 in a private mount namespace
#   bootdisk_stage ROOT           ROOT := a fresh copy of the derived root,
#                                 made bootable: /etc/default/grub for a serial
#                                 console (GRUB_TIMEOUT=0), hostname, and the
#                                 reporter (bootdisk_reporter)
#   bootdisk_reporter ROOT        a systemd oneshot that at each boot writes
#                                 a tar to /dev/vdb (cmdline, uptime, grubenv,
#                                 efivars: the Loader* EFI variables as text,
#                                 bootctl-list, and hook.out/hook.rc from
#                                 /usr/local/libexec/bootdisk/hook if it is
#                                 there) and powers off; default.target
#   bootdisk_grub_disk ROOT IMG [MiB]
#                                 IMG := raw disk (default 2048 MiB): MBR, one
#                                 bootable ext4 partition made by mke2fs -d ROOT
#                                 (-E offset=; ROOT/etc/fstab is rewritten:
#                                 UUID=), then in bootdisk_image_chroot the
#                                 root's own grub-install --target=i386-pc
#                                 /dev/vda (core.img in the post-MBR gap,
#                                 boot.img in the MBR, modules, grubenv) and
#                                 update-grub. Log: IMG.grub.log. Sets
#                                 bootdisk_uuid (the ext4 UUID).
#   bootdisk_sdboot_disk ROOT IMG [MiB]
#                                 IMG := raw GPT disk: an ESP (FAT, mkfs.fat
#                                 + mcopy) with systemd-boot as
#                                 \EFI\BOOT\BOOTX64.EFI, loader/loader.conf,
#                                 loader/entries/debian.conf (the default)
#                                 and the kernel + initrd; a root ext4 (mke2fs
#                                 -d ROOT; /etc/fstab rewritten: the ESP
#                                 on /efi, so bootctl finds it). Sets
#                                 bootdisk_uuid and bootdisk_options (the
#                                 default entry's kernel options).
#   bootdisk_ki_disk ROOT IMG [MiB [OPTIONS]]
#                                 IMG := the same GPT disk, made as Debian
#                                 with the systemd-boot package is: ROOT's
#                                 /etc/kernel/cmdline (root=UUID=... ro
#                                 OPTIONS), then in a chroot bootctl install
#                                 and kernel-install add (the entry
#                                 MACHINE-ID-KVER.conf with sort-key, kernel
#                                 and initrd under /MACHINE-ID/KVER/), the
#                                 ESP packed from there. Sets bootdisk_uuid,
#                                 bootdisk_options. Log: IMG.ki.log
#   bootdisk_pmx_disk ROOT IMG [MiB [OPTIONS]]
#                                 IMG := the same GPT disk, its ESP kept as
#                                 Proxmox VE's proxmox-boot-tool keeps one:
#                                 not mounted (no /efi in /etc/fstab), listed
#                                 by its FAT volume id (XXXX-XXXX) in ROOT's
#                                 /etc/kernel/proxmox-boot-uuids, ROOT's
#                                 kernel in /etc/kernel/proxmox-boot-manual-
#                                 kernels (kernel add: not a -pve one), then
#                                 in a chroot what `proxmox-boot-tool init`
#                                 does: bootctl install, EFI/proxmox, and
#                                 ROOT's own /usr/sbin/proxmox-boot-tool
#                                 refresh (the caller puts it there), its
#                                 mount of /dev/disk/by-uuid/<volume id>
#                                 answered by a bind mount of the staged ESP
#                                 (no FAT mount on this side). Sets
#                                 bootdisk_uuid, bootdisk_options,
#                                 bootdisk_esp_vol. Log: IMG.pmx.log
#   bootdisk_esp_put IMG FILE DEST  copy FILE into the ESP of IMG as DEST
#                                 (mtools path, e.g. ::/loader/entries/x.conf)
#   bootdisk_esp_ls IMG [DIR]     list an ESP directory (mdir -b)
#   bootdisk_esp_cat IMG FILE     print a file of the ESP (mtype)
#   bootdisk_image_chroot IMG CMD...
#                                 CMD chrooted in the image's root partition,
#                                 mounted from a loop device (offset) as a
#                                 real disk looks: in a private namespace
#                                 /dev is a small tmpfs where /dev/vda is the
#                                 whole image and /dev/vdaN the partition,
#                                 /dev/disk/by-uuid/<uuid> links to it, and
#                                 a udevadm shim first in PATH answers GRUB's
#                                 `udevadm info --query path --name /dev/vdaN`
#                                 with a sysfs-like directory holding the
#                                 partition's start (a loop device has none);
#                                 so grub-install, update-grub, grub-reboot
#                                 see the image as Debian on a disk would.
#                                 CMD's exit status; stdin passes through
#   bootdisk_boot IMG DIR [--reboot] [--ovmf VARS]
#                                 boot IMG in QEMU (q35, TCG, SeaBIOS, or OVMF
#                                 with the variable store VARS, created from
#                                 the template when missing), serial console
#                                 in DIR/serial.log (DIR is emptied first),
#                                 a fresh DIR/out.img as /dev/vdb, unpacked
#                                 into DIR afterwards (both disks
#                                 cache=unsafe: no flush reaches this
#                                 side's disk; QEMU's exit does). -no-reboot
#                                 unless --reboot (then a guest reboot boots
#                                 again in the same run). Sets bootdisk_boot_s
#                                 (wall seconds); non-zero when nothing came
#                                 back.
#   bootdisk_kver ROOT            print the kernel version in ROOT
#   bootdisk_deb BUILDDIR         print the path of vfioconf's Debian package:
#                                 VFIOCONF_VM_DEB when set, else built from
#                                 the checkout by ./dev.sh deb (into
#                                 BUILDDIR/deb)
#   bootdisk_install_deb ROOT DEB install DEB into ROOT as a user does, with
#                                 apt-get in the chroot (offline: the root
#                                 already has what the package depends on),
#                                 and check dpkg has it; log: ROOT.deb.log
# The image stays one file across boots: what the guest (or GRUB's
# save_env) writes to it stays there.

bootdisk_cache() { echo "${VFIOCONF_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfioconf-vm}"; }
bootdisk_log() { printf '%s bootdisk: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
bootdisk_now_ms() { echo $(($(date +%s%N) / 1000000)); }

bootdisk_chroot() { # ROOT CMD...
	_bc_r=$1; shift
	# ROOT bound on itself first: / a mount point in the chroot, as on a
	# disk (unshare --propagation private, which proxmox-boot-tool re-execs
	# itself with, fails on a / that is none)
	unshare -m sh -c 'r=$1; shift; mount --bind "$r" "$r" && mount -t proc proc "$r/proc" && mount --rbind /sys "$r/sys" &&
		mount --rbind /dev "$r/dev" && exec chroot "$r" "$@"' sh "$_bc_r" "$@"
}

bootdisk_base() {
	# the suite, packages and mirror of check-vm.sh: the same key, so the
	# same cached root
	_bb_suite=bookworm
	_bb_pk=kmod,initramfs-tools,zstd,linux-image-amd64,udev,systemd-sysv,libncursesw6,libpci3,libkmod2,libinih1
	_bb_mirror=${VFIOCONF_VM_MIRROR:-http://deb.debian.org/debian}
	_bb_cache=$(bootdisk_cache)
	_bb_key=$(printf '%s %s %s' "$_bb_suite" "$_bb_pk" "$_bb_mirror" | sha256sum | cut -c1-12)
	_bb_base=$_bb_cache/base-$_bb_key
	if [ ! -d "$_bb_base" ]; then
		mkdir -p "$_bb_cache"
		bootdisk_log "debootstrap $_bb_suite into $_bb_base (once)"
		rm -rf "$_bb_base.tmp"
		debootstrap --variant=minbase --include="$_bb_pk" "$_bb_suite" "$_bb_base.tmp" "$_bb_mirror" \
			>"$_bb_cache/debootstrap.log" 2>&1 || {
			tail -20 "$_bb_cache/debootstrap.log" >&2
			bootdisk_log "debootstrap failed (log: $_bb_cache/debootstrap.log)"
			return 1
		}
		mv "$_bb_base.tmp" "$_bb_base"
	fi
	echo "$_bb_base"
}

bootdisk_root() {
	_br_pk="grub-pc-bin grub2-common systemd-boot"
	_br_base=$(bootdisk_base) || return 1
	_br_cache=$(bootdisk_cache)
	_br_key=$(printf '%s %s' "${_br_base##*/}" "$_br_pk" | sha256sum | cut -c1-12)
	_br_root=$_br_cache/bootdisk-$_br_key
	if [ ! -d "$_br_root" ]; then
		bootdisk_log "the boot loader root: $_br_pk into a copy of ${_br_base##*/} (once)"
		rm -rf "$_br_root.tmp"
		cp -a "$_br_base" "$_br_root.tmp"
		cp /etc/resolv.conf "$_br_root.tmp/etc/resolv.conf"
		# shellcheck disable=SC2086
		{ bootdisk_chroot "$_br_root.tmp" apt-get update -q &&
			DEBIAN_FRONTEND=noninteractive bootdisk_chroot "$_br_root.tmp" \
				apt-get install -y -q --no-install-recommends $_br_pk &&
			bootdisk_chroot "$_br_root.tmp" apt-get clean; } >"$_br_cache/bootdisk.log" 2>&1 || {
			tail -20 "$_br_cache/bootdisk.log" >&2
			bootdisk_log "installing $_br_pk failed (log: $_br_cache/bootdisk.log)"
			return 1
		}
		mv "$_br_root.tmp" "$_br_root"
	fi
	echo "$_br_root"
}

bootdisk_kver() { for _bk in "$1"/lib/modules/*; do echo "${_bk##*/}"; break; done; }

bootdisk_deb() { # BUILDDIR
	if [ -n "${VFIOCONF_VM_DEB:-}" ]; then
		[ -f "$VFIOCONF_VM_DEB" ] || { bootdisk_log "VFIOCONF_VM_DEB=$VFIOCONF_VM_DEB: no such file"; return 1; }
		echo "$VFIOCONF_VM_DEB"
		return 0
	fi
	bootdisk_log "building the Debian package (./dev.sh deb; VFIOCONF_VM_DEB=FILE takes a built one)"
	_bd_srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
	_bd_deb=$(sh "$_bd_srcdir/dev.sh" deb --builddir "$1" | tail -1) || return 1
	[ -f "$_bd_deb" ] || { bootdisk_log "./dev.sh deb made no package"; return 1; }
	echo "$_bd_deb"
}

bootdisk_install_deb() { # ROOT DEB
	_bi_name=${2##*/}
	cp "$2" "$1/tmp/$_bi_name"
	if ! DEBIAN_FRONTEND=noninteractive bootdisk_chroot "$1" apt-get install -y -q \
		--no-install-recommends "/tmp/$_bi_name" >"$1.deb.log" 2>&1 ||
		! bootdisk_chroot "$1" dpkg-query -W -f='${Status}\n' vfioconf 2>>"$1.deb.log" |
		grep -qx 'install ok installed'; then
		tail -20 "$1.deb.log" >&2
		bootdisk_log "apt-get install $_bi_name in $1 failed (log: $1.deb.log)"
		rm -f "$1/tmp/$_bi_name"
		return 1
	fi
	rm -f "$1/tmp/$_bi_name"
}

bootdisk_stage() { # ROOT
	_bs_src=$(bootdisk_root) || return 1
	rm -rf "$1"
	cp -a "$_bs_src" "$1"
	echo bootdisk >"$1/etc/hostname"
	cat >"$1/etc/default/grub" <<-'EOF'
	# If you change this file, run 'update-grub' afterwards to update
	# /boot/grub/grub.cfg.
	GRUB_DEFAULT=0
	GRUB_TIMEOUT=0
	GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`
	GRUB_CMDLINE_LINUX_DEFAULT="quiet"
	GRUB_CMDLINE_LINUX="console=ttyS0 systemd.show_status=0"
	GRUB_TERMINAL=serial
	GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
	GRUB_DISABLE_OS_PROBER=true
	EOF
	bootdisk_reporter "$1"
}

bootdisk_reporter() { # ROOT
	mkdir -p "$1/usr/local/libexec/bootdisk"
	cat >"$1/usr/local/libexec/bootdisk/report" <<-'EOF'
	#!/bin/sh
	# bootdisk reporter: what this boot was, as a tar on /dev/vdb; then off
	set -u
	out=/run/bootdisk
	rm -rf "$out"; mkdir -p "$out"
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
	cat /proc/cmdline >"$out/cmdline"
	cut -d' ' -f1 /proc/uptime >"$out/uptime"
	[ -f /boot/grub/grubenv ] && grep -v '^#' /boot/grub/grubenv >"$out/grubenv"
	if [ -d /sys/firmware/efi/efivars ]; then
		for v in /sys/firmware/efi/efivars/Loader*-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f; do
			[ -e "$v" ] || continue
			# 4 bytes of attributes, then UTF-16LE: keep the ASCII
			n=${v##*/}; printf '%s=%s\n' "${n%%-*}" \
				"$(cat "$v" | tail -c +5 | tr -d '\000' | tr -c '[:print:]' '?')"
		done >"$out/efivars"
		bootctl list --no-pager >"$out/bootctl-list" 2>&1
	fi
	if [ -x /usr/local/libexec/bootdisk/hook ]; then
		/usr/local/libexec/bootdisk/hook >"$out/hook.out" 2>&1
		echo $? >"$out/hook.rc"
	fi
	cut -d' ' -f1 /proc/uptime >"$out/uptime.end"
	tar -cf /dev/vdb -C "$out" . && sync
	EOF
	chmod 755 "$1/usr/local/libexec/bootdisk/report"
	cat >"$1/etc/systemd/system/bootdisk-report.service" <<-'EOF'
	[Unit]
	Description=bootdisk: record this boot on /dev/vdb, then power off
	After=local-fs.target
	[Service]
	Type=oneshot
	ExecStart=/usr/local/libexec/bootdisk/report
	ExecStopPost=/usr/bin/systemctl --no-block poweroff --force
	StandardOutput=journal+console
	StandardError=journal+console
	EOF
	cat >"$1/etc/systemd/system/bootdisk.target" <<-'EOF'
	[Unit]
	Description=bootdisk
	Requires=sysinit.target bootdisk-report.service
	After=sysinit.target bootdisk-report.service
	AllowIsolate=yes
	EOF
	ln -sfn bootdisk.target "$1/etc/systemd/system/default.target"
}

# bootdisk_parts IMG: "N START SIZE TYPE" a line (sectors), from sfdisk --dump
bootdisk_parts() {
	sfdisk --dump "$1" | sed -n 's/^[^:]*[^0-9]\([0-9][0-9]*\) *: *start= *\([0-9]*\), *size= *\([0-9]*\), *type= *\([^,]*\).*/\1 \2 \3 \4/p'
}
# the root partition: the last one that is not the ESP
bootdisk_rootpart() {
	bootdisk_parts "$1" | awk '$4 != "ef" && $4 != "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" { l = $0 } END { if (l == "") exit 1; print l }'
}
bootdisk_esppart() {
	bootdisk_parts "$1" | awk '$4 == "ef" || $4 == "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" { print; f = 1; exit } END { exit !f }'
}

bootdisk_image_chroot() { # IMG CMD...
	_bi_img=$1; shift
	_bi_p=$(bootdisk_rootpart "$_bi_img") || { bootdisk_log "$_bi_img: no root partition"; return 1; }
	# shellcheck disable=SC2086
	set -- $_bi_p "$@"
	unshare -m sh -c '
		img=$1 n=$2 start=$3 size=$4; shift 5
		disk=$(losetup -f --show "$img") || exit 1
		part=$(losetup -f --show -o $((start * 512)) --sizelimit $((size * 512)) "$img") || {
			losetup -d "$disk"; exit 1; }
		mm() { printf "%d %d" $(stat -L -c "0x%t 0x%T" "$1"); }
		uuid=$(blkid -o value -s UUID "$part")
		dev=$(mktemp -d) mnt=$(mktemp -d)
		rc=1
		if mount -t tmpfs -o mode=755 bootdisk-dev "$dev"; then
			mknod -m 666 "$dev/null" c 1 3; mknod -m 666 "$dev/zero" c 1 5
			mknod -m 666 "$dev/full" c 1 7; mknod -m 666 "$dev/random" c 1 8
			mknod -m 666 "$dev/urandom" c 1 9; mknod -m 666 "$dev/tty" c 5 0
			ln -s /proc/self/fd "$dev/fd"; ln -s fd/0 "$dev/stdin"
			ln -s fd/1 "$dev/stdout"; ln -s fd/2 "$dev/stderr"
			mknod -m 660 "$dev/vda" b $(mm "$disk")
			mknod -m 660 "$dev/vda$n" b $(mm "$part")
			mkdir -p "$dev/disk/by-uuid"
			[ -n "$uuid" ] && ln -s "../../vda$n" "$dev/disk/by-uuid/$uuid"
			# GRUB finds where a partition starts in sysfs, by the path
			# udevadm gives; a loop device has no start: this one does
			mkdir -p "$dev/.bootdisk/vda$n"
			echo "$start" >"$dev/.bootdisk/vda$n/start"
			echo "$size" >"$dev/.bootdisk/vda$n/size"
			echo "$n" >"$dev/.bootdisk/vda$n/partition"
			cat >"$dev/.bootdisk/udevadm" <<-EOF
			#!/bin/sh
			if [ "\$*" = "info --query path --name /dev/vda$n" ]; then
			        echo /../dev/.bootdisk/vda$n; exit 0
			fi
			exec /usr/bin/udevadm "\$@"
			EOF
			chmod 755 "$dev/.bootdisk/udevadm"
			# this namespace alone: /dev is that tmpfs, so the mount
			# source (and /proc/self/mountinfo) says /dev/vdaN, not loop
			if mount --bind "$dev" /dev; then
				if mount "/dev/vda$n" "$mnt"; then
					mount --bind /dev "$mnt/dev" && mount -t proc proc "$mnt/proc" &&
						mount -t sysfs sysfs "$mnt/sys" && {
						PATH=/dev/.bootdisk:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
							chroot "$mnt" "$@"; rc=$?; }
					umount "$mnt/sys" 2>/dev/null; umount "$mnt/proc" 2>/dev/null
					umount "$mnt/dev" 2>/dev/null; umount "$mnt" || rc=1
				fi
				umount /dev
			fi
			umount "$dev"
		fi
		rmdir "$dev" "$mnt"
		losetup -d "$part"; losetup -d "$disk"
		exit $rc' sh "$_bi_img" "$@"
}

bootdisk_grub_disk() { # ROOT IMG [MiB]
	_bg_root=$1 _bg_img=$2 _bg_mib=${3:-2048}
	_bg_kver=$(bootdisk_kver "$_bg_root")
	[ -f "$_bg_root/boot/vmlinuz-$_bg_kver" ] || { bootdisk_log "$_bg_root: no kernel in /boot"; return 1; }
	bootdisk_uuid=$(cat /proc/sys/kernel/random/uuid)
	echo "UUID=$bootdisk_uuid / ext4 rw,relatime,errors=remount-ro 0 1" >"$_bg_root/etc/fstab"
	# the disk: MBR, one bootable partition from 1 MiB, its ext4 made from
	# ROOT at its offset
	rm -f "$_bg_img"
	truncate -s "${_bg_mib}M" "$_bg_img"
	printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$_bg_img" || return 1
	# shellcheck disable=SC2046
	set -- $(bootdisk_rootpart "$_bg_img")
	mke2fs -q -t ext4 -U "$bootdisk_uuid" -d "$_bg_root" -E offset=$(($2 * 512)) -F "$_bg_img" \
		"$(($3 / 2))k" || return 1
	# then, on the image as on a disk, what Debian's grub-pc does:
	# grub-install (grub-mkimage: core.img with part_msdos, ext2 and a
	# search.fs_uuid; grub-bios-setup: boot.img into the MBR, core.img
	# into the gap after it; the modules and grubenv into /boot/grub),
	# then update-grub
	bootdisk_image_chroot "$_bg_img" sh -c 'grub-install --target=i386-pc /dev/vda &&
		{ [ -f /boot/grub/grubenv ] || grub-editenv /boot/grub/grubenv create; } &&
		update-grub' >"$_bg_img.grub.log" 2>&1 || { cat "$_bg_img.grub.log" >&2; return 1; }
}

# the ESP's FAT volume id, from bootdisk_uuid: as /dev/disk/by-uuid shows
# it (XXXX-XXXX, upper case); mkfs.fat -i takes it without the dash
bootdisk_esp_volid() { echo "$bootdisk_uuid" | cut -c1-8 | tr a-f A-F | sed 's/..../&-/'; }

# bootdisk_gpt_pack ROOT ESPDIR IMG MiB [MOUNTPOINT]: IMG := raw GPT disk,
# an ESP (FAT, volume id bootdisk_esp_volid, filled with ESPDIR's files by
# mtools) and the root ext4 (mke2fs -d ROOT, UUID bootdisk_uuid);
# ROOT/etc/fstab mounts the ESP on MOUNTPOINT, by default /efi, where
# bootctl and kernel-install look first; an empty MOUNTPOINT: the ESP is
# not mounted (Proxmox VE's proxmox-boot-tool mounts it when it writes it)
bootdisk_gpt_pack() {
	_bp_root=$1 _bp_esp=$2 _bp_img=$3 _bp_mib=$4 _bp_mnt=${5-/efi}
	_bp_vol=$(bootdisk_esp_volid)
	printf 'UUID=%s / ext4 rw,relatime,errors=remount-ro 0 1\n' "$bootdisk_uuid" >"$_bp_root/etc/fstab"
	if [ -n "$_bp_mnt" ]; then
		mkdir -p "$_bp_root$_bp_mnt"
		printf 'UUID=%s %s vfat umask=0077 0 0\n' "$_bp_vol" "$_bp_mnt" >>"$_bp_root/etc/fstab"
	fi
	rm -f "$_bp_img" "$_bp_img.esp"
	truncate -s "${_bp_mib}M" "$_bp_img"
	printf 'label: gpt\nstart=2048, size=256MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=ESP\ntype=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=root\n' |
		sfdisk -q "$_bp_img" || return 1
	# the ESP: FAT made in a file, filled with mtools, copied at its offset
	# shellcheck disable=SC2046
	set -- $(bootdisk_esppart "$_bp_img")
	mkfs.fat -F 32 -n ESP -i "$(echo "$_bp_vol" | tr -d -)" -C "$_bp_img.esp" $(($3 / 2)) >/dev/null || return 1
	for _bp_f in "$_bp_esp"/*; do
		[ -e "$_bp_f" ] || continue
		mcopy -s -i "$_bp_img.esp" "$_bp_f" ::/ || return 1
	done
	dd if="$_bp_img.esp" of="$_bp_img" bs=512 seek="$2" conv=notrunc,sparse status=none || return 1
	rm -f "$_bp_img.esp"
	# shellcheck disable=SC2046
	set -- $(bootdisk_rootpart "$_bp_img")
	mke2fs -q -t ext4 -U "$bootdisk_uuid" -d "$_bp_root" -E offset=$(($2 * 512)) -F "$_bp_img" \
		"$(($3 / 2))k"
}

bootdisk_sdboot_disk() { # ROOT IMG [MiB]
	_bd_root=$1 _bd_img=$2 _bd_mib=${3:-2048}
	_bd_kver=$(bootdisk_kver "$_bd_root")
	_bd_efi=$_bd_root/usr/lib/systemd/boot/efi/systemd-bootx64.efi
	[ -f "$_bd_efi" ] || { bootdisk_log "$_bd_root: no $_bd_efi (systemd-boot)"; return 1; }
	bootdisk_uuid=$(cat /proc/sys/kernel/random/uuid)
	bootdisk_options="root=UUID=$bootdisk_uuid ro console=ttyS0 systemd.show_status=0 quiet"
	_bd_esp=$_bd_img.espdir
	rm -rf "$_bd_esp"
	mkdir -p "$_bd_esp/EFI/BOOT" "$_bd_esp/EFI/systemd" "$_bd_esp/loader/entries"
	cp "$_bd_efi" "$_bd_esp/EFI/BOOT/BOOTX64.EFI"
	cp "$_bd_efi" "$_bd_esp/EFI/systemd/systemd-bootx64.efi"
	printf 'default debian.conf\ntimeout 0\neditor no\n' >"$_bd_esp/loader/loader.conf"
	printf 'title Debian GNU/Linux\nlinux /vmlinuz-%s\ninitrd /initrd.img-%s\noptions %s\n' \
		"$_bd_kver" "$_bd_kver" "$bootdisk_options" >"$_bd_esp/loader/entries/debian.conf"
	cp "$_bd_root/boot/vmlinuz-$_bd_kver" "$_bd_root/boot/initrd.img-$_bd_kver" "$_bd_esp/"
	_bd_rc=0
	bootdisk_gpt_pack "$_bd_root" "$_bd_esp" "$_bd_img" "$_bd_mib" || _bd_rc=1
	rm -rf "$_bd_esp"
	return $_bd_rc
}

bootdisk_ki_disk() { # ROOT IMG [MiB [OPTIONS]]
	_bk_root=$1 _bk_img=$2 _bk_mib=${3:-2048}
	_bk_kver=$(bootdisk_kver "$_bk_root")
	[ -x "$_bk_root/usr/bin/bootctl" ] || { bootdisk_log "$_bk_root: no bootctl (systemd-boot)"; return 1; }
	bootdisk_uuid=$(cat /proc/sys/kernel/random/uuid)
	bootdisk_options="root=UUID=$bootdisk_uuid ro ${4:-console=ttyS0 systemd.show_status=0 quiet}"
	echo "$bootdisk_options" >"$_bk_root/etc/kernel/cmdline"
	# what Debian's systemd-boot package and a kernel's postinst do, with
	# the ESP a tmpfs on /efi here (a file system of its own, as bootctl
	# wants and kernel-install's stat %m finds; SYSTEMD_RELAX_ESP_CHECKS:
	# not FAT), copied out to be packed
	rm -rf "$_bk_root/efi" "$_bk_root/tmp/bootdisk-esp"; mkdir -p "$_bk_root/efi"
	bootdisk_chroot "$_bk_root" sh -c 'mount -t tmpfs bootdisk-esp /efi &&
		SYSTEMD_RELAX_ESP_CHECKS=1 bootctl install --esp-path=/efi --no-variables &&
		kernel-install add "$1" "/boot/vmlinuz-$1" "/boot/initrd.img-$1" &&
		cp -a /efi /tmp/bootdisk-esp' sh "$_bk_kver" \
		>"$_bk_img.ki.log" 2>&1 || { cat "$_bk_img.ki.log" >&2; return 1; }
	_bk_esp=$_bk_img.espdir
	rm -rf "$_bk_esp"
	mv "$_bk_root/tmp/bootdisk-esp" "$_bk_esp"
	_bk_rc=0
	bootdisk_gpt_pack "$_bk_root" "$_bk_esp" "$_bk_img" "$_bk_mib" || _bk_rc=1
	rm -rf "$_bk_esp"
	return $_bk_rc
}

bootdisk_pmx_disk() { # ROOT IMG [MiB [OPTIONS]]
	_bx_root=$1 _bx_img=$2 _bx_mib=${3:-2048}
	_bx_kver=$(bootdisk_kver "$_bx_root")
	[ -x "$_bx_root/usr/bin/bootctl" ] || { bootdisk_log "$_bx_root: no bootctl (systemd-boot)"; return 1; }
	[ -x "$_bx_root/usr/sbin/proxmox-boot-tool" ] || { bootdisk_log "$_bx_root: no proxmox-boot-tool"; return 1; }
	bootdisk_uuid=$(cat /proc/sys/kernel/random/uuid)
	bootdisk_options="root=UUID=$bootdisk_uuid ro ${4:-console=ttyS0 systemd.show_status=0 quiet}"
	bootdisk_esp_vol=$(bootdisk_esp_volid)
	echo "$bootdisk_options" >"$_bx_root/etc/kernel/cmdline"
	# proxmox-boot-tool init's list of ESPs, and kernel add's of kernels
	# that are not Proxmox's own (-pve): Debian's kernel here
	echo "$bootdisk_esp_vol" >"$_bx_root/etc/kernel/proxmox-boot-uuids"
	echo "$_bx_kver" >"$_bx_root/etc/kernel/proxmox-boot-manual-kernels"
	# init, as on a disk: bootctl install on the ESP (a tmpfs here, as in
	# bootdisk_ki_disk; the FAT is made by mtools when packing), then
	# refresh, which mounts the ESP by its volume id: this side's kernel
	# may have no FAT, so a mount shim first in PATH binds the tmpfs there
	# instead. loader.conf stays bootctl's (no timeout: no menu, where init
	# writes "timeout 3"); refresh adds "default proxmox-*" to it
	rm -rf "$_bx_root/tmp/bootdisk-esp" "$_bx_root/tmp/bootdisk-esp.out" "$_bx_root/tmp/bootdisk-shim"
	mkdir -p "$_bx_root/tmp/bootdisk-esp" "$_bx_root/tmp/bootdisk-shim"
	cat >"$_bx_root/tmp/bootdisk-shim/mount" <<-EOF
	#!/bin/sh
	if [ \$# -eq 2 ] && [ "\$1" = /dev/disk/by-uuid/$bootdisk_esp_vol ]; then
	        exec /usr/bin/mount --bind /tmp/bootdisk-esp "\$2"
	fi
	exec /usr/bin/mount "\$@"
	EOF
	chmod 755 "$_bx_root/tmp/bootdisk-shim/mount"
	bootdisk_chroot "$_bx_root" sh -c 'mount -t tmpfs bootdisk-esp /tmp/bootdisk-esp &&
		SYSTEMD_RELAX_ESP_CHECKS=1 bootctl install --esp-path=/tmp/bootdisk-esp --no-variables &&
		mkdir -p /tmp/bootdisk-esp/EFI/proxmox &&
		PATH=/tmp/bootdisk-shim:$PATH proxmox-boot-tool refresh &&
		cp -a /tmp/bootdisk-esp /tmp/bootdisk-esp.out' \
		>"$_bx_img.pmx.log" 2>&1 || { cat "$_bx_img.pmx.log" >&2; return 1; }
	rm -rf "$_bx_root/tmp/bootdisk-shim"
	rmdir "$_bx_root/tmp/bootdisk-esp"
	_bx_esp=$_bx_img.espdir
	rm -rf "$_bx_esp"
	mv "$_bx_root/tmp/bootdisk-esp.out" "$_bx_esp"
	_bx_rc=0
	bootdisk_gpt_pack "$_bx_root" "$_bx_esp" "$_bx_img" "$_bx_mib" "" || _bx_rc=1
	rm -rf "$_bx_esp"
	return $_bx_rc
}

bootdisk_esp_put() { # IMG FILE DEST
	# shellcheck disable=SC2046
	set -- "$1" "$2" "$3" $(bootdisk_esppart "$1")
	mcopy -o -i "$1@@$(($5 * 512))" "$2" "$3"
}

bootdisk_esp_ls() { # IMG [DIR]
	# shellcheck disable=SC2046
	set -- "$1" "${2:-::/}" $(bootdisk_esppart "$1")
	mdir -b -i "$1@@$(($4 * 512))" "$2"
}

bootdisk_esp_cat() { # IMG FILE
	# shellcheck disable=SC2046
	set -- "$1" "$2" $(bootdisk_esppart "$1")
	mtype -i "$1@@$(($4 * 512))" "$2"
}

bootdisk_boot() { # IMG DIR [--reboot] [--ovmf VARS]
	_bq_img=$1 _bq_dir=$2; shift 2
	_bq_reboot=-no-reboot _bq_vars=
	while [ $# -gt 0 ]; do
		case $1 in
		--reboot) _bq_reboot= ;;
		--ovmf) _bq_vars=$2; shift ;;
		*) bootdisk_log "bootdisk_boot: unknown $1"; return 2 ;;
		esac
		shift
	done
	rm -rf "$_bq_dir"; mkdir -p "$_bq_dir"
	truncate -s 16M "$_bq_dir/out.img"
	set --
	if [ -n "$_bq_vars" ]; then
		_bq_code=${BOOTDISK_OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
		[ -f "$_bq_vars" ] || cp "${BOOTDISK_OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}" "$_bq_vars"
		set -- -drive "if=pflash,format=raw,unit=0,readonly=on,file=$_bq_code" \
			-drive "if=pflash,format=raw,unit=1,file=$_bq_vars"
	fi
	_bq_t=$(bootdisk_now_ms)
	# the extra arguments first: an intel-iommu must come before the
	# PCI devices it translates for. cache=unsafe: the guest's flushes
	# (fsync, sync) are not passed on to this side's disk; what the guest
	# wrote is in the image file when QEMU has exited
	# shellcheck disable=SC2086
	timeout "${VFIOCONF_VM_TIMEOUT:-300}" qemu-system-x86_64 -nodefaults -machine q35 \
		-accel tcg -cpu max -smp 2 -m 1536 "$@" $_bq_reboot ${BOOTDISK_QEMU_ARGS:-} \
		-vga std -display none -serial "file:$_bq_dir/serial.log" -monitor none \
		-drive "file=$_bq_img,format=raw,if=none,id=disk,cache=unsafe" \
		-device virtio-blk-pci,drive=disk,bus=pcie.0,addr=4.0,bootindex=1 \
		-drive "file=$_bq_dir/out.img,format=raw,if=none,id=out,cache=unsafe" \
		-device virtio-blk-pci,drive=out,bus=pcie.0,addr=5.0 \
		>"$_bq_dir/qemu.log" 2>&1 || true
	# shellcheck disable=SC2034 # for the caller
	bootdisk_boot_s=$(awk -v ms=$(($(bootdisk_now_ms) - _bq_t)) 'BEGIN { printf "%.1f", ms / 1000 }')
	tar -xf "$_bq_dir/out.img" -C "$_bq_dir" 2>/dev/null && [ -f "$_bq_dir/cmdline" ]
}
