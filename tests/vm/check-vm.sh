#!/bin/sh
# tests/vm/check-vm.sh - make check-vm: proof on a real kernel.
#
# Fixtures prove our reading of files; this proves the host comes up with
# the right devices on vfio-pci. For each initramfs system (initramfs-tools
# with GRUB's /etc/default/grub, dracut with /etc/kernel/cmdline):
#   1. a Debian 12 root (debootstrap, cached under VFIOCONF_VM_CACHE), with
#      vfioconf's Debian package installed by apt-get in a chroot (the one
#      ./dev.sh deb builds from this checkout, or VFIOCONF_VM_DEB), packed
#      by mke2fs -d;
#   2. boot it in QEMU (q35, intel-iommu, TCG) on a topology with two
#      identical e1000e NICs on their own root ports, a two-function slot
#      and a PCIe-to-PCI bridge with two devices behind it; inside, compare
#      `vfioconf list --json` with what the kernel shows in /sys;
#   3. on this side, the package's `vfioconf --root ROOT --sysfs CAP/sys
#      --procfs CAP/proc apply --select <the second twin> --yes` (the binary
#      from the .deb, as a rescue system with the package would run it; CAP:
#      the VM's sysfs, as that rescue system sees it; regeneration runs the real
#      update-initramfs or dracut in a chroot), take the kernel command line
#      the way the boot loader would, boot, and check that exactly that NIC
#      is on vfio-pci, its twin on e1000e, nothing else moved, and that
#      `vfioconf status` exits 0 inside;
#   4. undo, boot: every device back on its driver;
#   5. (initramfs-tools) one function of the two-function slot: the plan
#      warns; boot and show what the kernel does with it;
#   6. (initramfs-tools) a hand-written vfio.conf with ids= for the device
#      behind the bridge: list says so, apply takes it over and adds the
#      second twin by address, the boot binds exactly both, undo puts the
#      file back byte for byte.
# And the flavors grub-trial, sdboot-trial and pmx-trial
# (tests/vm/check-trial.sh): the trial boot, all inside a guest booted by
# its own boot loader from a disk image (no -kernel): GRUB on SeaBIOS,
# systemd-boot on OVMF as Debian's systemd-boot package sets it up
# (kernel-install), and as Proxmox VE's proxmox-boot-tool keeps it (pmx:
# the ESP not mounted, listed in /etc/kernel/proxmox-boot-uuids, written by
# refresh; a stand-in for the tool; no panic run, the boot loader's path
# being sdboot-trial's):
# (a) a trial whose health check passes, promote, then a normal boot binds
# the device; (b) a trial whose health check fails comes back by itself to
# the default entry, every device on its old driver, /etc unchanged;
# (c) a trial that panics comes back by itself to the default entry.
# Plans alone (no boot) check the bridge's group: a device behind it names
# the other, and the bridge itself is refused.
# Ends with a table: topology x flavor x step -> pass/fail, boot times.
# Needs root, qemu-system-x86, debootstrap, e2fsprogs, jq (the trials also
# sfdisk, losetup, blkid; sdboot-trial and pmx-trial ovmf, mtools,
# dosfstools), dpkg-buildpackage and lintian (./dev.sh deb) unless
# VFIOCONF_VM_DEB names a built package, and the Debian mirror
# (VFIOCONF_VM_MIRROR) the first time. Exit 77 (skip) without root.
# VFIOCONF_VM_FLAVORS="initramfs-tools" runs one flavor (of initramfs-tools
# dracut grub-trial sdboot-trial pmx-trial); VFIOCONF_VM_TIMEOUT bounds each
# boot (seconds, default 300), VFIOCONF_VM_TRIAL_TIMEOUT each of the trials'
# QEMU runs (up to two boots and the guest's own mkinitramfs; default 900);
# logs stay in tests/vm/work.
set -eu

srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
vm=$srcdir/tests/vm
# shellcheck source=bootdisk.sh
. "$vm/bootdisk.sh"
build=$PWD
cache=${VFIOCONF_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfioconf-vm}
mirror=${VFIOCONF_VM_MIRROR:-http://deb.debian.org/debian}
work=$build/tests/vm/work
boot_timeout=${VFIOCONF_VM_TIMEOUT:-300}
flavors=${VFIOCONF_VM_FLAVORS:-initramfs-tools dracut grub-trial sdboot-trial pmx-trial}
topology="q35: 2x e1000e twins, 2-function slot, PCIe-to-PCI bridge"

if [ "$(id -u)" -ne 0 ]; then
	echo "check-vm: needs root (debootstrap, chroot, mke2fs -d keeping owners); skipped"
	exit 77
fi
tools="qemu-system-x86_64 debootstrap mke2fs jq tar unshare"
echo "$flavors" | grep -q -- -trial && tools="$tools sfdisk losetup blkid"
echo "$flavors" | grep -qw -e sdboot-trial -e pmx-trial && tools="$tools mkfs.fat mcopy mdir mtype"
for t in $tools; do
	command -v "$t" >/dev/null || {
		echo "check-vm: $t is missing: apt-get install qemu-system-x86 debootstrap e2fsprogs jq fdisk ovmf mtools dosfstools" \
			"(./dev.sh check-vm does it)" >&2
		exit 1
	}
done

mkdir -p "$cache" "$work"
results=$work/results
: >"$results"
failed=0
t_start=$(date +%s)

log() { printf '%s check-vm: %s\n' "$(date +%H:%M:%S)" "$*"; }
# record FLAVOR STEP pass|fail [boot seconds] [note]
record() {
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:--}" "${5:-}" >>"$results"
	[ "$3" = pass ] || failed=$((failed + 1))
	log "$1: $2: $3${5:+ ($5)}"
}

# ---- the package, and the cached Debian roots
deb=$(bootdisk_deb "$build") || exit 1
log "the package: ${deb##*/}"
# its files, for the commands run on this side (the rescue system's vfioconf)
pkg=$work/pkg
rm -rf "$pkg"
dpkg-deb -x "$deb" "$pkg"

base=$(VFIOCONF_VM_CACHE=$cache VFIOCONF_VM_MIRROR=$mirror bootdisk_base) || exit 1
key=${base##*/base-}
droot=$cache/dracut-$key
if echo "$flavors" | grep -qw dracut && [ ! -d "$droot" ]; then
	log "the dracut root: initramfs-tools replaced by dracut"
	rm -rf "$droot.tmp"
	cp -a "$base" "$droot.tmp"
	cp /etc/resolv.conf "$droot.tmp/etc/resolv.conf"
	DEBIAN_FRONTEND=noninteractive bootdisk_chroot "$droot.tmp" apt-get install -y -q --no-install-recommends \
		dracut >"$cache/dracut.log" 2>&1 || {
		tail -20 "$cache/dracut.log"
		echo "check-vm: installing dracut failed (log: $cache/dracut.log)" >&2
		exit 1
	}
	bootdisk_chroot "$droot.tmp" apt-get clean
	mv "$droot.tmp" "$droot"
fi

# ---- one working root a flavor
prepare_root() { # FLAVOR ROOT
	rm -rf "$2"
	case $1 in
	dracut) cp -a "$droot" "$2" ;;
	*) cp -a "$base" "$2" ;;
	esac
	r=$2
	bootdisk_install_deb "$r" "$deb" || return 1
	mkdir -p "$r/usr/local/libexec/vfioconf-vmtest"
	cp "$vm/inside.sh" "$r/usr/local/libexec/vfioconf-vmtest/inside.sh"
	chmod 755 "$r/usr/local/libexec/vfioconf-vmtest/inside.sh"
	cat >"$r/etc/systemd/system/vfioconf-vmtest.service" <<-'EOF'
	[Unit]
	Description=vfioconf VM test: record what the kernel did, then power off
	After=systemd-udev-settle.service local-fs.target systemd-modules-load.service
	Wants=systemd-udev-settle.service
	[Service]
	Type=oneshot
	ExecStart=/usr/local/libexec/vfioconf-vmtest/inside.sh
	ExecStopPost=/usr/bin/systemctl --no-block poweroff --force
	StandardOutput=journal+console
	StandardError=journal+console
	EOF
	cat >"$r/etc/systemd/system/vfioconf-vmtest.target" <<-'EOF'
	[Unit]
	Description=vfioconf VM test
	Requires=sysinit.target vfioconf-vmtest.service
	After=sysinit.target vfioconf-vmtest.service
	AllowIsolate=yes
	EOF
	ln -sfn vfioconf-vmtest.target "$r/etc/systemd/system/default.target"
	echo "/dev/vda / ext4 rw,relatime 0 1" >"$r/etc/fstab"
	echo vmtest >"$r/etc/hostname"
	# the boot loader's configuration, as the distribution ships it
	case $1 in
	dracut)
		echo "root=/dev/vda ro console=ttyS0 intel_iommu=on quiet systemd.show_status=0" \
			>"$r/etc/kernel/cmdline" ;;
	*)
		cat >"$r/etc/default/grub" <<-'EOF'
		# If you change this file, run 'update-grub' afterwards to update
		# /boot/grub/grub.cfg.
		GRUB_DEFAULT=0
		GRUB_TIMEOUT=5
		GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`
		GRUB_CMDLINE_LINUX_DEFAULT="quiet"
		GRUB_CMDLINE_LINUX="console=ttyS0 intel_iommu=on systemd.show_status=0"
		EOF
		;;
	esac
}

# The command line the boot loader would build from ROOT's files.
kernel_cmdline() { # FLAVOR ROOT KVER
	case $1 in
	dracut) echo "BOOT_IMAGE=/boot/vmlinuz-$3 $(cat "$2/etc/kernel/cmdline")" ;;
	*)
		# grub-mkconfig (Debian's 10_linux): GRUB_DISTRIBUTOR needs lsb_release;
		# that backtick is why the file is sourced by the shell, not read
		# shellcheck disable=SC2016
		args=$(sh -c 'lsb_release() { echo Debian; }; . "$1/etc/default/grub"
			for f in "$1"/etc/default/grub.d/*.cfg; do [ -e "$f" ] && . "$f"; done
			echo "$GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT"' sh "$2")
		echo "BOOT_IMAGE=/boot/vmlinuz-$3 root=/dev/vda ro $args" ;;
	esac
}

# boot FLAVOR ROOT NAME: packs ROOT, boots it, unpacks what inside.sh wrote
# into $work/FLAVOR/NAME; sets boot_s (wall seconds) and returns non-zero
# when nothing came back.
boot() {
	fl=$1 r=$2 d=$work/$1/$3
	rm -rf "$d"; mkdir -p "$d"
	kver=$(ls "$r/lib/modules" | head -1)
	initrd=$r/boot/initrd.img-$kver
	cmdline=$(kernel_cmdline "$fl" "$r" "$kver")
	echo "$cmdline" >"$d/cmdline.boot"
	mke2fs -q -t ext4 -d "$r" -F "$work/$fl/root.img" 2G >/dev/null
	rm -f "$work/$fl/out.img"; truncate -s 16M "$work/$fl/out.img"
	t=$(bootdisk_now_ms)
	timeout "$boot_timeout" qemu-system-x86_64 -nodefaults -machine q35,kernel-irqchip=split \
		-accel tcg -cpu max -smp 2 -m 1536 -device intel-iommu,intremap=on \
		-vga std -display none -serial "file:$d/serial.log" -monitor none -no-reboot \
		-kernel "$r/boot/vmlinuz-$kver" -initrd "$initrd" -append "$cmdline" \
		-device pcie-root-port,id=rp0,chassis=1,bus=pcie.0,addr=2.0,multifunction=on \
		-device pcie-root-port,id=rp1,chassis=2,bus=pcie.0,addr=2.1 \
		-device pcie-root-port,id=rp2,chassis=3,bus=pcie.0,addr=2.2 \
		-device pcie-root-port,id=rp3,chassis=4,bus=pcie.0,addr=2.3 \
		-device pcie-root-port,id=rp4,chassis=5,bus=pcie.0,addr=2.4 \
		-device pcie-root-port,id=rp5,chassis=6,bus=pcie.0,addr=2.5 \
		-drive "file=$work/$fl/root.img,format=raw,if=none,id=root" -device virtio-blk-pci,drive=root,bus=rp0 \
		-device e1000e,bus=rp1,mac=52:54:00:00:00:11 -device e1000e,bus=rp2,mac=52:54:00:00:00:12 \
		-device virtio-net-pci,bus=rp3,addr=0.0,multifunction=on -device virtio-balloon-pci,bus=rp3,addr=0.1 \
		-device pcie-pci-bridge,id=pb,bus=rp4 -device e1000,bus=pb,addr=1.0 \
		-device virtio-rng-pci,bus=pb,addr=2.0 \
		-drive "file=$work/$fl/out.img,format=raw,if=none,id=out" -device virtio-blk-pci,drive=out,bus=rp5 \
		>"$d/qemu.log" 2>&1 || true
	boot_s=$(awk -v ms=$(($(bootdisk_now_ms) - t)) 'BEGIN { printf "%.1f", ms / 1000 }')
	if ! tar -xf "$work/$fl/out.img" -C "$d" 2>/dev/null || [ ! -f "$d/list.json" ]; then
		log "$fl/$3: the VM wrote nothing back; the end of its console:"
		tail -25 "$d/serial.log" | sed 's/^/    /'
		return 1
	fi
	sh "$vm/uncapture.sh" "$d" "$d/cap"
}

# What `vfioconf list --json` says, in kernel.txt's form.
list_as_kernel() {
	jq -r '[.groups[].devices[], (.ungrouped // [])[]] | sort_by(.address)[] |
		"\(.address) \(.vendor):\(.device) \(.class) \(.group // "-") \(.driver // "-")"' "$1"
}

# drivers FILE: "ADDR DRIVER" a line
drivers() { awk '{ print $1, $5 }' "$1"; }

vf() { # ROOT CAPDIR ARGS...: this build's vfioconf on ROOT with the VM's hardware
	r=$1 c=$2; shift 2
	env -u SSH_CONNECTION -u SSH_CLIENT VFIOCONF_CMD_TIMEOUT=900 \
		"$pkg/usr/sbin/vfioconf" --root "$r" --sysfs "$c/sys" --procfs "$c/proc" "$@"
}

# tx FLAVOR NAME LOG ARGS...: a transaction from this side on $r with the
# baseline capture, recorded with its time
tx() {
	_fl=$1 _name=$2 _log=$3; shift 3
	_t=$(bootdisk_now_ms)
	if vf "$r" "$b/cap" "$@" >"$_log" 2>&1; then
		record "$_fl" "$_name ($(( ($(bootdisk_now_ms) - _t) / 1000 )) s)" pass
	else
		sed 's/^/    /' "$_log" | tail -30
		record "$_fl" "$_name" fail "" "log: $_log"
		return 1
	fi
}

# expect_drivers FLAVOR STEP NAME [ADDR...]: after that boot, ADDR... are on
# vfio-pci and every other device on its driver of the baseline boot
expect_drivers() {
	_fl=$1 _d=$work/$1/$2 _name=$3; shift 3
	drivers "$b/cap/kernel.txt" | awk -v l="$*" '
		BEGIN { n = split(l, a, " "); for (i = 1; i <= n; i++) v[a[i]] = 1 }
		($1 in v) { $2 = "vfio-pci" } 1' >"$_d/want.txt"
	drivers "$_d/cap/kernel.txt" >"$_d/got.txt"
	if cmp -s "$_d/want.txt" "$_d/got.txt"; then
		record "$_fl" "$_name" pass "$boot_s" "${note:-}"
	else
		diff "$_d/want.txt" "$_d/got.txt" | sed 's/^/    /' || true
		record "$_fl" "$_name" fail "$boot_s" "see $_d"
	fi
}

# grub-trial, sdboot-trial, pmx-trial: tests/vm/check-trial.sh
# grub|sdboot|pmx (its log lines as they come), its rows into the table
trial() { # FLAVOR
	_tf=$1
	log "$_tf: tests/vm/check-trial.sh ${_tf%-trial} (log: $work/$_tf.log)"
	rm -f "$work/$_tf.rc"
	{ srcdir=$srcdir VFIOCONF_VM_DEB=$deb VFIOCONF_VM_CACHE=$cache VFIOCONF_VM_MIRROR=$mirror \
		VFIOCONF_VM_TIMEOUT=${VFIOCONF_VM_TRIAL_TIMEOUT:-900} CHECK_TRIAL_TABLE=no \
		sh "$vm/check-trial.sh" "${_tf%-trial}"; echo $? >"$work/$_tf.rc"; } 2>&1 |
		tee "$work/$_tf.log" | grep --line-buffered '^[0-9:]* check-trial: ' | sed -u 's/^/    /' || true
	_rc=$(cat "$work/$_tf.rc" 2>/dev/null || echo 1)
	if [ "$_rc" = 77 ]; then
		log "$_tf: skipped"
	elif [ -s "$work/$_tf/results" ]; then
		cat "$work/$_tf/results" >>"$results"
		failed=$((failed + $(awk -F '\t' '$3 != "pass"' "$work/$_tf/results" | wc -l)))
		[ "$_rc" = 0 ] || awk -F '\t' '$3 != "pass"' "$work/$_tf/results" | grep -q . ||
			record "$_tf" "check-trial.sh" fail "" "exit $_rc; see $work/$_tf.log"
	else
		tail -20 "$work/$_tf.log" | sed 's/^/    /'
		record "$_tf" "check-trial.sh" fail "" "exit $_rc, no result; see $work/$_tf.log"
	fi
}

# the time of each flavor, for the table's heading
flavor_s='' fl_cur=''
flavor_done() {
	[ -z "$fl_cur" ] || flavor_s="$flavor_s${flavor_s:+, }$fl_cur $(( $(date +%s) - fl_t )) s"
	fl_cur=''
}

# ---- the steps, a flavor at a time
for fl in $flavors; do
	flavor_done
	fl_cur=$fl fl_t=$(date +%s)
	case $fl in *-trial)
		trial "$fl"
		continue
	esac
	r=$work/$fl/root
	mkdir -p "$work/$fl"
	log "$fl: preparing the root"
	prepare_root "$fl" "$r"

	# 1-2: baseline boot, list against /sys
	if ! boot "$fl" "$r" baseline; then
		record "$fl" "boot, nothing configured" fail "$boot_s" "no result"
		continue
	fi
	b=$work/$fl/baseline
	record "$fl" "boot, nothing configured" pass "$boot_s" \
		"userspace at $(awk '/^userspace/ { print $2 }' "$b/times") s"
	if [ "$(cat "$b/list.rc")" = 0 ] && list_as_kernel "$b/list.json" >"$b/list.txt" &&
		cmp -s "$b/list.txt" "$b/cap/kernel.txt"; then
		record "$fl" "list --json = /sys ($(wc -l <"$b/list.txt") functions)" pass
	else
		diff "$b/cap/kernel.txt" "$b/list.txt" | sed 's/^/    /' || true
		record "$fl" "list --json = /sys" fail "" "see $b"
	fi
	if vf "$r" "$b/cap" list --json >"$b/host-list.json" 2>"$b/host-list.err" &&
		[ "$(jq -S . "$b/host-list.json")" = "$(jq -S . "$b/list.json")" ]; then
		record "$fl" "the capture replays: list on this side = inside" pass
	else
		record "$fl" "the capture replays: list on this side = inside" fail "" "diff $b/host-list.json $b/list.json"
	fi
	[ "$(cat "$b/status.rc")" = 4 ] && record "$fl" "status before: 4 (nothing configured)" pass ||
		record "$fl" "status before: 4 (nothing configured)" fail "" "got $(cat "$b/status.rc")"

	# intel-iommu,intremap=on: the kernel remaps interrupts (IR-PCI-MSI in
	# /proc/interrupts), and list says so inside and from the capture
	if [ "$(jq -r .iommu.interrupt_remapping "$b/list.json")" = true ] &&
		[ "$(jq -r .iommu.interrupt_remapping "$b/host-list.json")" = true ]; then
		record "$fl" "interrupt remapping on (intremap=on): list --json says true" pass
	else
		record "$fl" "interrupt remapping on (intremap=on): list --json says true" fail "" \
			"$(grep -c ' IR-' "$b/cap/proc/interrupts" 2>/dev/null) IR- lines"
	fi

	# the PCIe-to-PCI bridge: its devices share one group, so the plan for
	# one names the other; the bridge itself is refused (plans only)
	behind=$(awk '$2 == "8086:100e" { print $1 }' "$b/cap/kernel.txt" | head -1)
	grp=$(awk -v a="$behind" '$1 == a { print $4 }' "$b/cap/kernel.txt")
	other=$(awk -v a="$behind" -v g="$grp" '$4 == g && $1 != a && $3 != "0604" { print $1 }' "$b/cap/kernel.txt" | head -1)
	bridge=$(awk -v g="$grp" '$4 == g && $3 == "0604" { print $1 }' "$b/cap/kernel.txt" | head -1)
	vf "$r" "$b/cap" plan --select "$behind" >"$work/$fl/bridge-plan.txt" 2>&1 || true
	if [ -n "$other" ] && grep -q "IOMMU group $grp also holds $other" "$work/$fl/bridge-plan.txt"; then
		record "$fl" "plan --select $behind (behind the bridge) warns: group $grp also holds $other" pass
	else
		sed 's/^/    /' "$work/$fl/bridge-plan.txt" | head -12
		record "$fl" "plan --select $behind (behind the bridge) warns about its group" fail
	fi
	if ! vf "$r" "$b/cap" plan --select "$bridge" >"$work/$fl/bridge-self.txt" 2>&1 &&
		grep -q "$bridge .* is a bridge: bridges stay with the host" "$work/$fl/bridge-self.txt"; then
		record "$fl" "plan --select $bridge (the bridge) is refused" pass
	else
		sed 's/^/    /' "$work/$fl/bridge-self.txt" | head -12
		record "$fl" "plan --select $bridge (the bridge) is refused" fail
	fi

	# the chipset's functions (q35: LPC and SMBus at 00:1f.x) are never
	# candidates (plans only)
	smbus=$(awk '$3 == "0c05" { print $1 }' "$b/cap/kernel.txt" | head -1)
	if [ -n "$smbus" ] && ! vf "$r" "$b/cap" plan --select "$smbus" >"$work/$fl/smbus.txt" 2>&1 &&
		grep -q "$smbus .* is a platform function (SMBus controller)" "$work/$fl/smbus.txt"; then
		record "$fl" "plan --select $smbus (SMBus) is refused: a platform function" pass
	else
		sed 's/^/    /' "$work/$fl/smbus.txt" 2>/dev/null | head -12
		record "$fl" "plan --select ${smbus:-SMBus} is refused: a platform function" fail
	fi

	# the kernel's own module index has vfio_pci's catch-all "vfio_pci:"
	# alias; that is no variant driver: no device has one (list in the guest)
	nvar=$(jq '[.groups[].devices[], (.ungrouped // [])[] | select(.vfio_variant != null)] | length' "$b/list.json")
	if grep -qs '^alias vfio_pci:v\*d\*sv\*sd\*bc\*sc\*i\* vfio_pci$' "$r"/usr/lib/modules/*/modules.alias &&
		[ "$nvar" = 0 ]; then
		record "$fl" "the kernel's vfio_pci:* catch-all alias is not a variant driver" pass
	else
		record "$fl" "the kernel's vfio_pci:* catch-all alias is not a variant driver" fail "" "devices with one: $nvar"
	fi

	# 3: apply one of the twins from this side
	twins=$(awk '$2 == "8086:10d3" { print $1 }' "$b/cap/kernel.txt")
	sel=$(echo "$twins" | sed -n 2p) twin=$(echo "$twins" | sed -n 1p)
	if [ -z "$sel" ] || [ -z "$twin" ]; then
		record "$fl" "two e1000e twins" fail "" "found: $twins"
		continue
	fi
	tx "$fl" "apply --select $sel" "$work/$fl/apply.log" apply --select "$sel" --yes || continue
	# the guest's CPU is AMD under TCG: whatever the IOMMU, no amd_iommu=on
	if grep -rqs amd_iommu=on "$r/etc/default" "$r/etc/kernel/cmdline" "$work/$fl/apply.log"; then
		record "$fl" "no amd_iommu=on written" fail "" "$(grep -rs amd_iommu=on "$r/etc/default" "$r/etc/kernel/cmdline" | head -1)"
	else
		record "$fl" "no amd_iommu=on written" pass
	fi
	if boot "$fl" "$r" applied; then
		a=$work/$fl/applied
		note="" expect_drivers "$fl" applied "boot: $sel on vfio-pci, $twin on e1000e, the rest unchanged" "$sel"
		[ "$(cat "$a/status.rc")" = 0 ] && record "$fl" "status inside: 0" pass ||
			{ sed 's/^/    /' "$a/status.txt"; record "$fl" "status inside: 0" fail "" "got $(cat "$a/status.rc")"; }
	else
		record "$fl" "boot after apply" fail "$boot_s" "no result"
	fi

	# 4: undo, boot: as before
	tx "$fl" "undo" "$work/$fl/undo.log" undo --yes || continue
	if boot "$fl" "$r" undone; then
		note="" expect_drivers "$fl" undone "boot after undo: every device on its old driver"
	else
		record "$fl" "boot after undo" fail "$boot_s" "no result"
	fi

	# 5: one function of the two-function slot (once)
	[ "$fl" = initramfs-tools ] || continue
	# a function .0 whose .1 shares its group (not a bridge's)
	mf=$(awk '{ grp[$1] = $4; drv[$1] = $5 }
		END { for (x in grp) { y = x; sub(/\.0$/, ".1", y)
			if (x ~ /\.0$/ && (y in grp) && grp[x] == grp[y] && grp[x] != "-" && drv[x] != "pcieport") print x } }' \
		"$b/cap/kernel.txt" | sort | tail -1)
	vf "$r" "$b/cap" plan --select "$mf" >"$work/$fl/mf-plan.txt" 2>&1 || true
	if grep -q "goes to vfio-pci too" "$work/$fl/mf-plan.txt"; then
		record "$fl" "plan --select $mf warns: the other function goes too" pass "" \
			"$(grep "goes to vfio-pci too" "$work/$fl/mf-plan.txt" | cut -c3-90)..."
	else
		sed 's/^/    /' "$work/$fl/mf-plan.txt" | head -20
		record "$fl" "plan --select $mf warns: the other function goes too" fail
	fi
	tx "$fl" "apply --select $mf" "$work/$fl/mf-apply.log" apply --select "$mf" --yes || continue
	if boot "$fl" "$r" multifunction; then
		m=$work/$fl/multifunction
		sib=$(echo "$mf" | sed 's/\.0$/.1/')
		note=$(awk -v a="$mf" -v s="$sib" '$1 == a || $1 == s { printf "%s%s %s", n++ ? ", " : "", $1, $5 }' \
			"$m/cap/kernel.txt")
		expect_drivers "$fl" multifunction "boot: both functions on vfio-pci, the rest unchanged" "$mf" "$sib"
		grep -E "vfio[-_]pci" "$m/dmesg-vfio.txt" | sed 's/^/    kernel: /' | head -5
	else
		record "$fl" "boot after apply --select $mf" fail "$boot_s" "no result"
	fi
	tx "$fl" "undo (the two-function slot)" "$work/$fl/mf-undo.log" undo --yes || true

	# 6: a host that arrives configured by hand: vfio.conf with ids= for the
	# device behind the bridge, as guides write it. vfioconf takes that
	# line over, adds the second twin by address; the boot binds both.
	hand=$(awk '$2 == "8086:100e" { print $1 }' "$b/cap/kernel.txt" | head -1)
	printf '# from a passthrough guide\noptions vfio-pci ids=8086:100e\nsoftdep e1000 pre: vfio-pci\n' \
		>"$r/etc/modprobe.d/vfio.conf"
	cp "$r/etc/modprobe.d/vfio.conf" "$work/$fl/vfio.conf.orig"
	vf "$r" "$b/cap" list --json >"$work/$fl/hand-list.json" 2>/dev/null || true
	if [ "$(jq -r --arg a "$hand" '[.groups[].devices[], (.ungrouped // [])[]] | .[] | select(.address == $a) |
		"\(.next_boot.driver) \(.next_boot.source) \(.next_boot.by_hand)"' "$work/$fl/hand-list.json")" = \
		"vfio-pci etc/modprobe.d/vfio.conf:2 true" ]; then
		record "$fl" "list: $hand on vfio-pci by hand (vfio.conf:2)" pass
	else
		record "$fl" "list: $hand on vfio-pci by hand (vfio.conf:2)" fail "" "see $work/$fl/hand-list.json"
	fi
	tx "$fl" "apply --select $hand,$sel (takes vfio.conf:2 over)" "$work/$fl/hand-apply.log" \
		apply --select "$hand,$sel" --yes || continue
	if boot "$fl" "$r" adopted; then
		note="" expect_drivers "$fl" adopted "boot: $hand (by hand before) and $sel on vfio-pci, the rest unchanged" \
			"$hand" "$sel"
	else
		record "$fl" "boot after taking the hand-made setup over" fail "$boot_s" "no result"
	fi
	tx "$fl" "undo (the hand-made setup)" "$work/$fl/hand-undo.log" undo --yes || continue
	if cmp -s "$work/$fl/vfio.conf.orig" "$r/etc/modprobe.d/vfio.conf"; then
		record "$fl" "undo: vfio.conf as the user wrote it, byte for byte" pass
	else
		record "$fl" "undo: vfio.conf as the user wrote it, byte for byte" fail
	fi
	rm -f "$r/etc/modprobe.d/vfio.conf"
done
flavor_done

# ---- the table
echo
echo "$flavors" | grep -qw grub-trial && topology="$topology (grub-trial: 2x e1000e twins, GRUB on SeaBIOS from a disk image)"
echo "$flavors" | grep -qw sdboot-trial && topology="$topology (sdboot-trial: the same, systemd-boot on OVMF)"
echo "$flavors" | grep -qw pmx-trial &&
	topology="$topology (pmx-trial: the same, systemd-boot on OVMF from an ESP kept as proxmox-boot-tool keeps it, not mounted)"
echo "check-vm: $topology; QEMU TCG, $(uname -m); $(( $(date +%s) - t_start )) s in all ($flavor_s)"
awk -F '\t' '
	{ fl[NR] = $1; st[NR] = $2; rs[NR] = $3; bt[NR] = $4; nt[NR] = $5
	  if (length($2) > w) w = length($2) }
	END {
		printf "%-16s %-*s %-4s %7s  %s\n", "flavor", w, "step", "", "boot s", "note"
		for (i = 1; i <= NR; i++)
			printf "%-16s %-*s %-4s %7s  %s\n", fl[i], w, st[i], rs[i] == "pass" ? "PASS" : "FAIL", bt[i], nt[i]
	}' "$results"
echo
if [ "$failed" -gt 0 ]; then
	echo "check-vm: $failed step(s) failed; logs under $work"
	exit 1
fi
echo "check-vm: every step passed"
