#!/bin/sh
# proxmox-boot-tool - a STAND-IN written for vfioconf's VM test
# (tests/vm/check-trial.sh pmx, the flavor pmx-trial), installed as
# /usr/sbin/proxmox-boot-tool in a Debian guest; not Proxmox's tool. It
# does what the real one's `refresh` does for ESPs that boot systemd-boot
# (proxmox-kernel-helper: bin/proxmox-boot-tool, src/proxmox-boot/
# zz-proxmox-boot and functions), so the guest keeps its ESPs as a Proxmox
# VE host does: none mounted, each listed by its FAT volume id (XXXX-XXXX)
# in /etc/kernel/proxmox-boot-uuids and mounted only while refresh writes
# it, in a mount namespace of its own.
#   refresh [--hook zz-proxmox-boot|proxmox-auto-removal]
#     for each ESP: the kernels (those in /boot that end in -pve, and those
#     listed in /etc/kernel/proxmox-boot-manual-kernels) and their initrds
#     copied to EFI/proxmox/KVER/, loader/entries/proxmox-KVER.conf written
#     with the first line of /etc/kernel/cmdline, loader.conf's default set
#     to proxmox-* (no pin); then Debian's systemd-boot kernel hooks
#     disabled, as the real hook does on every run.
# Left out: GRUB on an ESP, pinned kernels, taking old kernels off the ESPs,
# the real keep list (running, newest two -pve kernels); every other
# subcommand only says it is not here, and exits 0.
set -e

ESP_LIST=/etc/kernel/proxmox-boot-uuids
MANUAL_KERNEL_LIST=/etc/kernel/proxmox-boot-manual-kernels
MOUNTROOT=${TMPDIR:-/var/tmp}/espmounts
# relative to the ESP's mount point
PMX_ESP_DIR=EFI/proxmox
PMX_LOADER_CONF=loader/loader.conf
LOADER_TITLE="Proxmox Virtual Environment"

warn() { echo "$@" >&2; }

# the first line of FILE, whether a newline ends it or not; empty without
get_first_line() {
	line=
	[ -e "$1" ] && { IFS= read -r line <"$1" || true; }
	echo "$line"
}

# the real one runs its hook (and so every mount) in a private mount
# namespace: the ESPs' mounts are never seen outside, and go with it
reexec_in_mountns() {
	if [ -z "${PVE_EFIBOOT_UNSHARED:-}" ]; then
		export PVE_EFIBOOT_UNSHARED=1
		echo "Re-executing '$0' in new private mount namespace.."
		unshare --mount --propagation private "$0" "$@"
		exit 0
	fi
}

boot_kernel_list() {
	for k in /boot/vmlinuz-*; do
		[ -e "$k" ] || continue
		k=${k#/boot/vmlinuz-}
		case $k in *-pve) echo "$k" ;; esac
	done
	if [ -f "$MANUAL_KERNEL_LIST" ]; then
		grep -v '^$' "$MANUAL_KERNEL_LIST" || true
	fi
}

copy_and_config_kernels() { # ESP
	for kver in $BOOT_KVERS; do
		linux_image=/boot/vmlinuz-$kver
		initrd=/boot/initrd.img-$kver
		if [ ! -f "$linux_image" ]; then
			warn "No linux-image $linux_image found - skipping"
			continue
		fi
		if [ ! -f "$initrd" ]; then
			warn "No initrd-image $initrd found - skipping"
			continue
		fi
		warn "	Copying kernel and creating boot-entry for $kver"
		mkdir -p "$1/$PMX_ESP_DIR/$kver"
		cp --preserve=timestamps "$linux_image" "$initrd" "$1/$PMX_ESP_DIR/$kver/"
		# the real one's heredoc, column for column
		printf 'title    %s\nversion  %s\noptions  %s\nlinux    /%s/vmlinuz-%s\ninitrd   /%s/initrd.img-%s\n' \
			"$LOADER_TITLE" "$kver" "$CMDLINE" "$PMX_ESP_DIR/$kver" "$kver" "$PMX_ESP_DIR/$kver" "$kver" \
			>"$1/loader/entries/proxmox-$kver.conf"
	done
}

# the real one's set_systemd_boot_default without a pinned kernel: the
# default line replaced, or added at the end
set_systemd_boot_default() { # ESP
	entry="proxmox-*"
	sed -ri "/^default /{h;s/ .*\$/ ${entry}/};\${x;/^$/{s//default ${entry}/;H};x}" \
		"$1/$PMX_LOADER_CONF"
}

update_esp() { # UUID
	case $1 in
	[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]-[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]) ;;
	*) warn "WARN: $1 read from $ESP_LIST does not look like a VFAT-UUID - skipping"; return 0 ;;
	esac
	path=/dev/disk/by-uuid/$1
	mountpoint=$MOUNTROOT/$1
	mkdir -p "$mountpoint" || { warn "creation of mountpoint $mountpoint failed - skipping"; return 0; }
	mount "$path" "$mountpoint" || { warn "mount of $path failed - skipping"; return 0; }
	if [ ! -f "$mountpoint/$PMX_LOADER_CONF" ]; then
		warn "$path contains no loader.conf - skipping"
	elif [ ! -d "$mountpoint/$PMX_ESP_DIR" ]; then
		warn "$path/$PMX_ESP_DIR does not exist- skipping"
	else
		warn "Copying and configuring kernels on $path"
		copy_and_config_kernels "$mountpoint"
		set_systemd_boot_default "$mountpoint"
	fi
	umount "$mountpoint" || { warn "umount of $path failed - failure"; exit 0; }
	rmdir "$mountpoint" || true
}

disable_systemd_boot_hook() {
	[ -f "$ESP_LIST" ] || return 0
	marker="# This hookfile has been disabled by proxmox-boot-tool"
	for hookfile in /etc/initramfs/post-update.d/systemd-boot /etc/kernel/postinst.d/zz-systemd-boot \
		/etc/kernel/postrm.d/zz-systemd-boot; do
		if [ -e "$hookfile" ] && ! grep -q "$marker" "$hookfile"; then
			warn "	Disabling upstream hook $hookfile"
			printf '#!/bin/sh\n\n%s\nexit 0\n' "$marker" >"$hookfile.pbt.tmp"
			cat "$hookfile" >>"$hookfile.pbt.tmp"
			mv "$hookfile.pbt.tmp" "$hookfile"
		fi
	done
}

refresh() {
	reexec_in_mountns "$@"
	if [ ! -f "$ESP_LIST" ]; then
		warn "No $ESP_LIST found, skipping ESP sync."
		return 0
	fi
	if [ ! -f /etc/kernel/cmdline ]; then
		# the real one falls back to /proc/cmdline; the guests have the file
		warn "No /etc/kernel/cmdline found (the stand-in needs it)"
		exit 1
	fi
	CMDLINE=$(get_first_line /etc/kernel/cmdline)
	case " $CMDLINE" in
	*" root="*) ;;
	*) warn "No root= parameter in /etc/kernel/cmdline found!"; exit 1 ;;
	esac
	BOOT_KVERS=$(boot_kernel_list)
	while IFS= read -r uuid; do
		[ -n "$uuid" ] || continue
		update_esp "$uuid"
	done <"$ESP_LIST"
	disable_systemd_boot_hook
}

case ${1:-} in
refresh)
	if [ $# -eq 1 ] || { [ $# -eq 3 ] && [ "$2" = --hook ] && [ "$3" = zz-proxmox-boot ]; }; then
		# once: not again in the namespace it re-executes itself in
		[ -n "${PVE_EFIBOOT_UNSHARED:-}" ] || echo "Running hook script 'zz-proxmox-boot'.."
		refresh "$@"
	elif [ $# -eq 3 ] && [ "$2" = --hook ] && [ "$3" = proxmox-auto-removal ]; then
		echo "proxmox-boot-tool (stand-in): the hook proxmox-auto-removal is not here; nothing done"
	else
		warn "USAGE: $0 refresh [--hook <name>]"
		exit 1
	fi
	;;
*)
	echo "proxmox-boot-tool (stand-in for a test): '${1:-}' is not here, only refresh; nothing done"
	;;
esac
exit 0
