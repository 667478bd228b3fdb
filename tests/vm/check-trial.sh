#!/bin/sh
# tests/vm/check-trial.sh [grub|sdboot|pmx] - the trial boot (vfioconf apply
# --trial) on a real kernel, through the real boot loader, from one raw disk
# image (tests/vm/bootdisk.sh): GRUB on SeaBIOS (grub), or systemd-boot on
# OVMF with a variable store of its own (sdboot: the ESP made as Debian's
# systemd-boot package makes it, bootctl install and kernel-install add from
# /etc/kernel/cmdline; pmx: the ESP kept as Proxmox VE's proxmox-boot-tool
# keeps it, never mounted but while written, listed by its volume id in
# /etc/kernel/proxmox-boot-uuids, the kernel and initrd under
# /EFI/proxmox/KVER/, the entry proxmox-KVER.conf; the guest's
# proxmox-boot-tool is tests/vm/proxmox-boot-tool-stand-in.sh, whose refresh
# does what the real one's does there), on a q35 with an emulated Intel
# IOMMU and two identical e1000e NICs. Everything vfioconf does runs inside
# the guest, on its real /sys, its own boot loader and EFI variables; the
# health check unit runs by itself at the trial's boot
# (ConditionKernelCommandLine=vfioconf.trial). The guest has an "uplink"
# unit that needs the network interface of one NIC (its MAC in
# /var/lib/vmtest/uplink, first the second twin's), as a host needs its NIC.
# One trial, of the second twin, booted three times (pmx: twice): the
# one-shot is set by vfioconf (apply --trial) the first time, by the boot
# loader's tool after that (grub-reboot vfioconf-trial, bootctl set-oneshot
# with the entry's name: what vfioconf runs). Five QEMU runs, 7 boots (pmx:
# four, 5 boots; no run 2, see there):
#   run 0  default entry: the drivers and /etc's checksums on record;
#          apply --trial --promote-on-success --select <the second twin>:
#          /etc as before
#   run 1  (guest reboots allowed) the boot loader boots the trial: the
#          second twin on vfio-pci, so the uplink unit fails, so does the
#          health check; FailureAction=reboot, and the boot loader boots the
#          default entry by itself: every device on its old driver, /etc as
#          before, the failure on record (systemd-boot: the entry counted
#          bad; pmx: on the ESP as this side reads it). Then the trial's
#          initramfs is moved away (GRUB: as a full /boot would leave it;
#          systemd-boot: an empty one in its place on the ESP) and the
#          one-shot set again (pmx: the uplink moved to the first twin, the
#          one-shot set again, as after run 2)
#   run 2  (guest reboots allowed) the trial cannot mount its root and
#          panics, panic=10 reboots, the default boots by itself: every
#          device on its old driver, /etc as before. The image back, the
#          uplink moved to the first twin, the one-shot set again
#   run 3  the trial: the second twin on vfio-pci, the health check passes
#          and, the trial made with --promote-on-success, promotes it by
#          itself (an ordinary apply: update-initramfs, update-grub or
#          kernel-install add; pmx: proxmox-boot-tool refresh; then the
#          trial taken away), before the reporter runs (pmx: the ESP not
#          mounted after it, nor after run 0's apply --trial)
#   run 4  the default entry, promoted: the second twin on vfio-pci, the
#          first on e1000e, vfioconf status exit 0, no trial left (pmx: on
#          the ESP as this side reads it; its proxmox-KVER.conf has the
#          plan's parameters, those the trial booted with)
# The guest has vfioconf's Debian package (bootdisk_deb: VFIOCONF_VM_DEB, or
# built by ./dev.sh deb), installed by apt-get. Run from the build
# directory as root:
#   srcdir=.. sh ../tests/vm/check-trial.sh
# make check-vm runs it as the flavors grub-trial, sdboot-trial and
# pmx-trial
# (tests/vm/check-vm.sh). Results: a table, and
# tests/vm/work/LOADER-trial/results (lines of flavor,
# step, pass|fail, seconds, note; tab-separated, check-vm.sh's form); logs
# beside it. Exit 1 when a step failed, 77 without root.
# Lean under TCG: the guest builds its images itself, so its
# /etc/initramfs-tools/initramfs.conf says MODULES=dep and COMPRESSLEVEL=1
# (MODULES=most: over 10 minutes a mkinitramfs), and the image it starts
# with is made small on this side (mkinitramfs -d, a copy of that
# configuration with MODULES=list: virtio and ext4).
set -eu
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=$PWD
# shellcheck source=bootdisk.sh
. "$srcdir/tests/vm/bootdisk.sh"
# the boot loader: grub (the default), sdboot or pmx (systemd-boot too)
loader=${1:-grub}
case $loader in
grub | sdboot | pmx) ;;
*) echo "usage: check-trial.sh [grub|sdboot|pmx]" >&2; exit 2 ;;
esac
flavor=$loader-trial
work=$build/tests/vm/work/$flavor
results=$work/results
failed=0
VFIOCONF_VM_TIMEOUT=${VFIOCONF_VM_TIMEOUT:-900}
export VFIOCONF_VM_TIMEOUT
BOOTDISK_QEMU_ARGS="-machine kernel-irqchip=split -device intel-iommu,intremap=on
 -device pcie-root-port,id=rp1,chassis=2,bus=pcie.0,addr=2.0,multifunction=on
 -device pcie-root-port,id=rp2,chassis=3,bus=pcie.0,addr=2.2
 -device e1000e,bus=rp1,mac=52:54:00:00:00:11 -device e1000e,bus=rp2,mac=52:54:00:00:00:12"
export BOOTDISK_QEMU_ARGS

[ "$(id -u)" -eq 0 ] || { echo "check-trial: needs root; skipped"; exit 77; }
tools="qemu-system-x86_64 debootstrap mke2fs sfdisk losetup blkid unshare tar"
[ "$loader" = grub ] || tools="$tools mkfs.fat mcopy mdir mtype"
for t in $tools; do
	command -v "$t" >/dev/null || { echo "check-trial: $t is missing" >&2; exit 1; }
done
if [ "$loader" != grub ] && [ ! -f "${BOOTDISK_OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}" ]; then
	echo "check-trial: no OVMF (apt-get install ovmf)" >&2; exit 1
fi
rm -rf "$work"; mkdir -p "$work"
: >"$results"
t_start=$(bootdisk_now_ms)
log() { printf '%s check-trial: %s\n' "$(date +%H:%M:%S)" "$*"; }
record() { # STEP pass|fail [seconds] [note]
	printf '%s\t%s\t%s\t%s\t%s\n' "$flavor" "$1" "$2" "${3:--}" "${4:-}" >>"$results"
	[ "$2" = pass ] || failed=$((failed + 1))
	log "$1: $2${3:+ ($3 s)}${4:+ - $4}"
}
# check STEP COND...: pass when COND succeeds; the run's time and note on
# its first row (bt, note: then cleared), its directory on a failure
check() {
	_s=$1; shift
	if "$@"; then record "$_s" pass "${bt:-}" "${note:-}"; else record "$_s" fail "${bt:-}" "see $d"; fi
	bt='' note=''
}

r=$work/root
deb=$(bootdisk_deb "$build") || exit 1
log "staging the root ($loader, ${deb##*/})"
t=$(bootdisk_now_ms)
bootdisk_stage "$r"
bootdisk_install_deb "$r" "$deb" || exit 1
# the kernel's messages on the console (no quiet): a boot that does not
# come back shows where it stopped. systemd-boot's command line is
# /etc/kernel/cmdline (bootdisk_ki_disk)
options="intel_iommu=on console=ttyS0 systemd.show_status=0"
sed -i 's/^GRUB_CMDLINE_LINUX="/GRUB_CMDLINE_LINUX="intel_iommu=on /; s/^GRUB_CMDLINE_LINUX_DEFAULT=.*/GRUB_CMDLINE_LINUX_DEFAULT=""/' \
	"$r/etc/default/grub"
it=$r/etc/initramfs-tools/initramfs.conf
sed -i 's/^MODULES=.*/MODULES=dep/; /^#* *COMPRESSLEVEL=/d' "$it"
echo COMPRESSLEVEL=1 >>"$it"
kver=$(bootdisk_kver "$r")
rm -rf "$r/tmp/itconf"; cp -a "$r/etc/initramfs-tools" "$r/tmp/itconf"
sed -i 's/^MODULES=.*/MODULES=list/' "$r/tmp/itconf/initramfs.conf"
printf 'virtio_pci\nvirtio_blk\next4\n' >>"$r/tmp/itconf/modules"
bootdisk_chroot "$r" mkinitramfs -d /tmp/itconf -o "/boot/initrd.img-$kver" "$kver" >"$work/mkinitramfs.log" 2>&1 ||
	{ cat "$work/mkinitramfs.log"; exit 1; }
rm -rf "$r/tmp/itconf"
# the boot: the health check (the package's, enabled by its postinst:
# wanted by multi-user.target) and the uplink are wanted by bootdisk.target too; the
# reporter comes after both, so a failed check reboots before it runs
s=$r/etc/systemd/system
mkdir -p "$s/bootdisk.target.wants" "$s/bootdisk-report.service.d" "$s/vfioconf-trial-check.service.d" \
	"$r/var/lib/vmtest"
ln -sfn /lib/systemd/system/vfioconf-trial-check.service "$s/bootdisk.target.wants/"
ln -sfn ../vmtest-uplink.service "$s/bootdisk.target.wants/"
printf '[Unit]\nAfter=vfioconf-trial-check.service vmtest-uplink.service\n' >"$s/bootdisk-report.service.d/trial.conf"
printf '[Service]\nStandardOutput=journal+console\nStandardError=journal+console\n' \
	>"$s/vfioconf-trial-check.service.d/console.conf"
echo 52:54:00:00:00:12 >"$r/var/lib/vmtest/uplink"
cat >"$s/vmtest-uplink.service" <<'EOF'
[Unit]
Description=vmtest: the uplink (the NIC in /var/lib/vmtest/uplink) has its network interface
After=systemd-udev-settle.service
Wants=systemd-udev-settle.service
Before=vfioconf-trial-check.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'grep -qx "$(cat /var/lib/vmtest/uplink)" /sys/class/net/*/address'
StandardOutput=journal+console
StandardError=journal+console
EOF
cat >"$r/usr/local/libexec/bootdisk/hook" <<'EOF'
#!/bin/sh
# vmtest: one step a boot on which the reporter runs; the step number
# survives on the disk. Writes beside hook.out: drivers, etc.sums*
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
out=/run/bootdisk
n=$(cat /var/lib/vmtest/step 2>/dev/null || echo 0)
echo $((n + 1)) >/var/lib/vmtest/step; sync
up() { cut -d' ' -f1 /proc/uptime; }
drv() { d=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) && echo "${d##*/}" || echo none; }
sums() { # /etc: every file's checksum, mode and owner, every link and directory
	find /etc -xdev -type f -print0 | sort -z | xargs -0 sha256sum
	find /etc -xdev -printf '%y %m %U:%G %p %l\n' | sort
}
{
echo "step $n at $(up) s"
for d in /sys/bus/pci/devices/*; do echo "${d##*/} $(drv "${d##*/}")"; done >"$out/drivers"
twins=$(for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x8086:0x10d3 ] && echo "${d##*/}"; done)
one=$(echo "$twins" | sed -n 1p) two=$(echo "$twins" | sed -n 2p)
echo "twins $one $(drv "$one") $two $(drv "$two")"
sums >"$out/etc.sums"
for u in vfioconf-trial-check vmtest-uplink; do
	echo "unit $u $(systemctl show -P ActiveState $u.service) $(systemctl show -P Result $u.service)"
done
systemctl --failed --no-legend --plain
vfioconf trial status; echo "trial-status rc $?"
# the trial's image where the boot loader reads it (GRUB: /boot; systemd-
# boot: the ESP); the one-shot as the boot loader's tool sets it
pmx=/etc/kernel/proxmox-boot-uuids
if [ -s $pmx ]; then
	# Proxmox: no ESP is mounted; a look at each, read-only in a mount
	# namespace of its own (none is left behind)
	espls() {
		while IFS= read -r u; do
			[ -n "$u" ] || continue
			unshare -m sh -c 'm=/run/vmtest-esp; mkdir -p $m && mount -o ro "/dev/disk/by-uuid/$1" $m &&
				ls $m/loader/entries | sed "s/^/entry /" &&
				{ ls -d $m/vfioconf/* 2>/dev/null | sed "s|^$m/|esp-trial |"; true; }' sh "$u"
		done <$pmx
	}
	rearm() {
		e=$(espls | sed -n 's/^entry \(vfioconf-trial+.*\.conf\)$/\1/p' | head -1)
		[ -n "$e" ] && bootctl set-oneshot "$e"
	}
	espls
	echo "cmdline-file $(head -1 /etc/kernel/cmdline)"
	imgdir=
elif [ -d /sys/firmware/efi ]; then
	imgdir=$(ls -d /efi/vfioconf/* 2>/dev/null)
	# by the entry's name now (systemd-boot counts its tries in it), as
	# systemd-boot matches a one-shot
	rearm() { bootctl set-oneshot "$(cd /efi/loader/entries && ls vfioconf-trial+*.conf)"; }
	ls /efi/loader/entries | sed 's/^/entry /'
	ls -d /efi/vfioconf/* 2>/dev/null | sed 's/^/esp-trial /'
else
	imgdir=$(ls -d /boot/vfioconf/* 2>/dev/null)
	rearm() { grub-reboot vfioconf-trial; }
fi
img=$(ls "$imgdir"/initrd.img-* 2>/dev/null)
case $n in
0) vfioconf apply --trial --promote-on-success --select "$two" --yes; echo "apply-trial rc $? at $(up) s"
   sums >"$out/etc.sums.after" ;;
1) if [ -s $pmx ]; then
	# Proxmox: no run with the image broken (check-trial.sh says why);
	# as step 2 does, the uplink moved to the other NIC and the trial
	# once more, and the next boot is step 3
	echo 52:54:00:00:00:11 >/var/lib/vmtest/uplink && rearm
	echo "re-armed rc $?"
	echo 3 >/var/lib/vmtest/step; sync
   else
	# the same trial once more, its image broken: GRUB's gone (GRUB boots
	# the kernel without it), systemd-boot's an empty cpio in its place
	# (no /init: the kernel cannot mount the root either)
	if [ -d /sys/firmware/efi ]; then
		mv -v "$img" /var/lib/vmtest/ && cpio -o -H newc </dev/null >"$img" 2>/dev/null
	else
		mv -v "$img" /var/lib/vmtest/
	fi && rearm; echo "re-armed without its image rc $?"
   fi ;;
2) # the image back, the uplink moved to the other NIC; the trial once more
   mv -v /var/lib/vmtest/initrd.img-* "$imgdir/" &&
	echo 52:54:00:00:00:11 >/var/lib/vmtest/uplink && rearm
   echo "re-armed rc $?" ;;
3) # promoted by the health check: its unit's run, in seconds
   m() { systemctl show -P "ExecMain${1}TimestampMonotonic" vfioconf-trial-check.service; }
   echo "check and promote took $(( ($(m Exit) - $(m Start)) / 1000000 )) s"
   grep -H . /etc/modprobe.d/vfioconf.conf ;;
4) vfioconf status; echo "status rc $?" ;;
esac
# Proxmox: no ESP left mounted (after apply --trial, after the promote)
[ -s $pmx ] && findmnt -rn -t vfat -o SOURCE,TARGET | sed 's/^/vfat-mounted /'
[ -f /boot/grub/grubenv ] && grep -v '^#' /boot/grub/grubenv >"$out/grubenv.end"
v=/sys/firmware/efi/efivars/LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f
[ -f "$v" ] && cat "$v" | tail -c +5 | tr -d '\000' >"$out/oneshot.end"
echo "step $n done at $(up) s"
} 2>&1 | tee /dev/console
EOF
chmod 755 "$r/usr/local/libexec/bootdisk/hook"
img=$work/disk.img
if [ "$loader" = grub ]; then
	bootdisk_grub_disk "$r" "$img" 3072 || { record "a GRUB disk image" fail; exit 1; }
	record "the guest: a GRUB disk image (grub-install, update-grub), the package installed (apt-get)" pass \
		"" "$(( ($(bootdisk_now_ms) - t) / 1000 )) s to stage"
elif [ "$loader" = pmx ]; then
	rm -f "$r/etc/default/grub"
	# what Proxmox's proxmox-kernel-helper package brings: the tool (the
	# stand-in), and the hook that has update-initramfs refresh the ESPs
	cp "$srcdir/tests/vm/proxmox-boot-tool-stand-in.sh" "$r/usr/sbin/proxmox-boot-tool"
	chmod 755 "$r/usr/sbin/proxmox-boot-tool"
	mkdir -p "$r/etc/initramfs/post-update.d"
	cat >"$r/etc/initramfs/post-update.d/proxmox-boot-sync" <<-'EOF'
	#! /bin/sh
	set -e
	# Only run the refresh if update-initramfs has been called manually:
	# a kernel's own hooks refresh the ESPs once for all
	if [ -z "$INITRAMFS_TOOLS_KERNEL_HOOK" ]; then
		/usr/sbin/proxmox-boot-tool refresh --hook 'zz-proxmox-boot'
	fi
	EOF
	chmod 755 "$r/etc/initramfs/post-update.d/proxmox-boot-sync"
	bootdisk_pmx_disk "$r" "$img" 3072 "$options" || { record "a Proxmox-style systemd-boot disk image" fail; exit 1; }
	# the ESP as proxmox-boot-tool leaves it, read on this side
	printf 'title    Proxmox Virtual Environment\nversion  %s\noptions  %s\nlinux    /EFI/proxmox/%s/vmlinuz-%s\ninitrd   /EFI/proxmox/%s/initrd.img-%s\n' \
		"$kver" "$bootdisk_options" "$kver" "$kver" "$kver" "$kver" >"$work/proxmox-entry.want"
	pmx_esp() {
		bootdisk_esp_cat "$img" "::/loader/entries/proxmox-$kver.conf" >"$work/proxmox-entry.staged" &&
			cmp -s "$work/proxmox-entry.want" "$work/proxmox-entry.staged" &&
			[ "$(bootdisk_esp_ls "$img" ::/loader/entries)" = "::/loader/entries/proxmox-$kver.conf" ] &&
			[ "$(bootdisk_esp_ls "$img" "::/EFI/proxmox/$kver" | sort | tr '\n' ' ')" = \
				"::/EFI/proxmox/$kver/initrd.img-$kver ::/EFI/proxmox/$kver/vmlinuz-$kver " ] &&
			bootdisk_esp_cat "$img" ::/loader/loader.conf | grep -qx 'default proxmox-\*' &&
			! grep -q vfat "$r/etc/fstab" && [ "$(cat "$r/etc/kernel/proxmox-boot-uuids")" = "$bootdisk_esp_vol" ] &&
			grep -qx "$kver" "$r/etc/kernel/proxmox-boot-manual-kernels" &&
			grep -q 'disabled by proxmox-boot-tool' "$r/etc/initramfs/post-update.d/systemd-boot"
	}
	if pmx_esp; then
		record "the guest: systemd-boot on OVMF, the ESP as proxmox-boot-tool keeps it (unmounted; init, refresh), the package installed (apt-get)" \
			pass "" "$(( ($(bootdisk_now_ms) - t) / 1000 )) s to stage; ESP $bootdisk_esp_vol"
	else
		diff "$work/proxmox-entry.want" "$work/proxmox-entry.staged" 2>&1 | sed 's/^/    /'
		bootdisk_esp_ls "$img" ::/loader/entries 2>&1 | sed 's/^/    /'
		record "the guest: systemd-boot on OVMF, the ESP as proxmox-boot-tool keeps it" fail "" "see $img.pmx.log"
		exit 1
	fi
else
	# GRUB's files out of the way: this host boots systemd-boot only
	rm -f "$r/etc/default/grub"
	bootdisk_ki_disk "$r" "$img" 3072 "$options" || { record "a systemd-boot disk image" fail; exit 1; }
	record "the guest: systemd-boot on OVMF (bootctl install, kernel-install add, /etc/kernel/cmdline), the package installed (apt-get)" \
		pass "" "$(( ($(bootdisk_now_ms) - t) / 1000 )) s to stage"
fi

ovmf=
[ "$loader" = grub ] || ovmf="--ovmf $work/vars.fd"
run() { # NAME [--reboot]: sets d, bt and note
	d=$work/$1; shift
	log "QEMU run ${d##*/}"
	# shellcheck disable=SC2086 # --ovmf FILE, or nothing
	bootdisk_boot "$img" "$d" "$@" $ovmf || true
	# shellcheck disable=SC2154 # set by bootdisk_boot
	bt=$bootdisk_boot_s
	[ -f "$d/hook.out" ] || { log "${d##*/}: nothing came back; the end of its console:"
		tail -25 "$d/serial.log" | sed 's/^/    /'; }
	note=$(boots)
	# pmx: the ESP as the boot loader finds it next, read on this side
	# (the guest never leaves it mounted)
	if [ "$loader" = pmx ]; then
		bootdisk_esp_ls "$img" ::/ >"$d/esp-root" 2>&1 || true
		bootdisk_esp_ls "$img" ::/loader/entries >"$d/esp-entries" 2>&1 || true
		bootdisk_esp_cat "$img" "::/loader/entries/proxmox-$kver.conf" >"$d/esp-proxmox.conf" 2>&1 || true
	fi
}
# the conditions, on the run's directory d
has() { grep -q -- "$2" "$d/$1" 2>/dev/null; }
hasnt() { [ -f "$d/$1" ] && ! grep -q -- "$2" "$d/$1"; }
step() { has hook.out "^step $1 at "; }
# "2 boots: kernel 15.4 s + 23.4 s": the kernel's boots in this run, and
# its clock at the end of each (its last timestamp before the next)
boots() {
	awk '/\] Linux version [0-9]/ { if (n++) l = l sprintf("%.1f s + ", t); t = 0 }
		/^\[ *[0-9]+\.[0-9]+\]/ { t = substr($0, 2, index($0, "]") - 2) + 0 }
		END { printf "%d boot%s: kernel %s%.1f s", n, n == 1 ? "" : "s", l, t }' "$d/serial.log" 2>/dev/null
}
# "; promote 65 s": the guest's seconds from the step's start to the line
# "WHAT rc 0 at T s"
took() { # WHAT NAME
	awk -v w="$1" -v n="$2" '$1 == "step" && $3 == "at" { s = $4 }
		$1 == w && $2 == "rc" && $4 == "at" { printf "; %s %d s", n, $5 - s }' "$d/hook.out" 2>/dev/null
}
same_etc() { # FILE: the same as run 0's etc.sums; the difference shown when not
	cmp -s "$work/r0/etc.sums" "$d/$1" && return 0
	diff "$work/r0/etc.sums" "$d/$1" 2>&1 | head -20 | sed 's/^/    /'
	return 1
}
drivers_as_before() { # [ADDR DRIVER]...: run 0's drivers, but these
	awk -v l="$*" 'BEGIN { n = split(l, a, " "); for (i = 1; i < n; i += 2) v[a[i]] = a[i + 1] }
		($1 in v) { $2 = v[$1] } 1' "$work/r0/drivers" >"$d/drivers.want"
	cmp -s "$d/drivers.want" "$d/drivers" && return 0
	diff "$d/drivers.want" "$d/drivers" 2>&1 | sed 's/^/    /'
	return 1
}
# the one-shot: GRUB's next_entry in grubenv, systemd-boot's EFI variable
# LoaderEntryOneShot (the entry's id: its name without the boot counter)
one_shot_set() {
	has hook.out "apply-trial rc 0" && cmp -s "$d/etc.sums" "$d/etc.sums.after" &&
		if [ "$loader" = grub ]; then grep -qx next_entry=vfioconf-trial "$d/grubenv.end"
		else grep -qx 'vfioconf-trial+1-0\.conf' "$d/oneshot.end"; fi
}
# the first kernel of the run booted the trial: the boot loader says so
# (GRUB), and the kernel's command line has the trial's marker
trial_booted() {
	{ [ "$loader" != grub ] || grep -q 'Booting `vfioconf trial' "$d/serial.log"; } &&
		grep -m1 'Kernel command line:' "$d/serial.log" | grep -q 'vfioconf\.trial='
}
trial_failed() { trial_booted && grep -q 'vfioconf\[[0-9]*\]: Trial [0-9a-f]*: FAILED' "$d/serial.log"; }
trial_panicked() { trial_booted && grep -q 'Kernel panic' "$d/serial.log"; }
# STEP: two boots in this run, the second the default entry (GRUB's title,
# systemd-boot's LoaderEntrySelected), its reporter at STEP
back_to_default() {
	[ "$(grep -c '\] Linux version [0-9]' "$d/serial.log")" = 2 ] && hasnt cmdline vfioconf.trial= && step "$1" &&
		if [ "$loader" = grub ]; then [ "$(grep 'Booting `' "$d/serial.log" | tail -1 |
			sed 's/.*Booting `//' | tr -d '\r')" = "Debian GNU/Linux'" ]
		else has efivars "^LoaderEntrySelected=$default_entry$"; fi
}
# systemd-boot counted the trial's one try (vfioconf-trial+0-1.conf): it
# is "bad" now, sorted last, never a default (pmx: the ESP on this side)
counted_bad() {
	if [ "$loader" = pmx ]; then has esp-entries "/vfioconf-trial+0-1\.conf$"
	else has hook.out "^entry vfioconf-trial+0-1\.conf$"; fi
}
# nothing of the trial left on the ESP (pmx: neither in the guest's look
# nor on this side)
esp_clean() {
	hasnt hook.out "^entry vfioconf-trial" && hasnt hook.out "^esp-trial " &&
		{ [ "$loader" != pmx ] || { hasnt esp-entries "/vfioconf-trial" && hasnt esp-root "^::/vfioconf/$"; }; }
}
# pmx: no FAT mounted in the guest when its reporter ran (after apply
# --trial, after the promote)
esp_unmounted() { hasnt hook.out "^vfat-mounted "; }
pmx_default() { has efivars "^LoaderEntrySelected=$default_entry$" && esp_unmounted; }
# pmx: the plan's kernel parameters, those the trial booted with (run 3's
# command line) that the default entry did not (run 0's), less the
# trial's own (vfioconf.trial=, panic=10) and systemd-boot's initrd=
plan_params() {
	awk 'NR == FNR { for (i = 1; i <= NF; i++) d[$i] = 1; next }
		{ for (i = 1; i <= NF; i++) if (!($i in d) && $i !~ /^(vfioconf\.trial|initrd)=/ && $i != "panic=10") print $i }' \
		"$work/r0/cmdline" "$work/r3/cmdline" 2>/dev/null
}
# pmx: the ESP's proxmox-KVER.conf as refresh writes it, its options the
# guest's /etc/kernel/cmdline (first line), with the plan's parameters;
# the boot had them too
pmx_refreshed() {
	_o=$(sed -n 's/^cmdline-file //p' "$d/hook.out" 2>/dev/null)
	awk -v o="$_o" '/^options  / { $0 = "options  " o } 1' "$work/proxmox-entry.want" >"$d/proxmox-entry.want"
	if ! cmp -s "$d/proxmox-entry.want" "$d/esp-proxmox.conf"; then
		diff "$d/proxmox-entry.want" "$d/esp-proxmox.conf" 2>&1 | sed 's/^/    /'
		return 1
	fi
	[ -n "$(plan_params)" ] || return 1
	for _p in $(plan_params); do
		case " $_o " in *" $_p "*) ;; *) return 1 ;; esac
		case " $(cat "$d/cmdline") " in *" $_p "*) ;; *) return 1 ;; esac
	done
}
on_record() { has hook.out "^result = failed$" && has hook.out "^problem = unit vmtest-uplink.service failed$"; }
in_trial() {
	has cmdline vfioconf.trial= && step 3 && drivers_as_before "$two" vfio-pci &&
		{ [ "$loader" = grub ] || has efivars "^LoaderEntrySelected=vfioconf-trial+[0-9]*-[0-9]*\.conf$"; }
}
check_passed() { has hook.out "^unit vfioconf-trial-check active success$" && grep -q 'vfioconf\[[0-9]*\]: Trial [0-9a-f]*: passed' "$d/serial.log"; }
promoted_by_check() {
	grep -q 'vfioconf\[[0-9]*\]: Trial [0-9a-f]*: made with --promote-on-success: promoting it' "$d/serial.log" &&
		has hook.out "^/etc/modprobe.d/vfioconf.conf:" && has hook.out "^trial-status rc 4$" &&
		! grep -q 'promoting it failed' "$d/serial.log"
}
promoted() { hasnt cmdline vfioconf.trial= && step 4 && drivers_as_before "$two" vfio-pci; }
status_ok() { has hook.out "^status rc 0$" && has hook.out "^No trial boot"; }

# the rows' words for the boot loader
if [ "$loader" = grub ]; then
	L=GRUB oneshot_how="GRUB's one-shot set (grubenv next_entry)" rearm_how=grub-reboot
	broken="the trial's initramfs moved away" panic_why="no initramfs, the kernel panics"
	promote_how="update-initramfs, update-grub"
else
	L=systemd-boot oneshot_how="systemd-boot's one-shot set (LoaderEntryOneShot, read back)"
	rearm_how="bootctl set-oneshot" broken="the trial's initramfs on the ESP replaced by an empty one"
	panic_why="an empty initramfs, the kernel panics" promote_how="update-initramfs, kernel-install add"
	# the default entry systemd-boot boots: kernel-install's MACHINE-ID-KVER
	default_entry="[0-9a-f]*-$kver\.conf"
fi
if [ "$loader" = pmx ]; then
	promote_how="update-initramfs, proxmox-boot-tool refresh"
	default_entry="proxmox-$kver\.conf"
fi

# ---- run 0: the default entry; the record; a trial of the uplink
run r0
two=$(awk '$1 == "twins" { print $4 }' "$d/hook.out" 2>/dev/null)
note="$note$(took apply-trial "apply --trial")"
check "boot, the default entry: apply --trial --select the second twin (the uplink's NIC)" \
	has hook.out "^apply-trial rc 0"
check "apply --trial changes nothing in /etc; $oneshot_how" one_shot_set
check "apply --trial: its commands (mkinitramfs -d, $rearm_how) print no warning" hasnt hook.out "^  | "
[ "$loader" != pmx ] ||
	check "systemd-boot booted proxmox-$kver.conf; apply --trial leaves no ESP mounted (findmnt: no vfat)" \
		pmx_default

# ---- run 1: the trial, its check fails, the default comes back by itself
run r1 --reboot
check "(b) $L boots the trial: the uplink's unit fails, so does the health check" trial_failed
check "(b) FailureAction=reboot: $L boots the default entry by itself" back_to_default 1
[ "$loader" = grub ] ||
	check "(b) systemd-boot counted the trial's one try: vfioconf-trial+0-1.conf, sorted last" counted_bad
check "(b) every device on its old driver" drivers_as_before
check "(b) /etc byte for byte as before the trial (sha256, modes, owners, links)" same_etc etc.sums
check "(b) the failure on record (trial status): unit vmtest-uplink.service failed" on_record
if [ "$loader" = pmx ]; then
	# no run 2 here: a trial that panics comes back by the boot loader
	# alone (its boot counter, panic=10), which sdboot-trial proves on
	# the same systemd-boot; where the ESP is kept changes nothing there
	note="no run (c): a panicking trial comes back by systemd-boot alone, as sdboot-trial shows"
	check "(a) the uplink on the first twin; the one-shot set again ($rearm_how)" has hook.out "^re-armed rc 0$"
else
	check "(c) $broken; its one-shot set again ($rearm_how)" \
		has hook.out "^re-armed without its image rc 0$"

	# ---- run 2: the trial panics, the default comes back by itself
	run r2 --reboot
	check "(c) $L boots the trial: $panic_why" trial_panicked
	check "(c) panic=10 reboots: $L boots the default entry by itself" back_to_default 2
	check "(c) every device on its old driver" drivers_as_before
	check "(c) /etc byte for byte as before the trial" same_etc etc.sums
	check "(a) the image back, the uplink on the first twin; the one-shot set again" has hook.out "^re-armed rc 0$"
fi

# ---- run 3: the trial passes, promote
run r3
note="$note$(awk '/^check and promote took/ { printf "; check and promote %s s", $5 }' "$d/hook.out" 2>/dev/null)"
check "(a) $L boots the trial: the second twin on vfio-pci, the rest as before" in_trial
check "(a) the health check passes (its unit, by itself at boot)" check_passed
check "(a) --promote-on-success: the check promotes it (apply: $promote_how; the trial taken away)" promoted_by_check
[ "$loader" != pmx ] || check "(a) the promote leaves no ESP mounted (findmnt: no vfat)" esp_unmounted

# ---- run 4: the default entry, promoted
run r4
check "(a) a normal boot (the default entry) binds the second twin, the rest as before" promoted
check "(a) vfioconf status exit 0; no trial left" status_ok
[ "$loader" = grub ] || check "(a) nothing of the trial left on the ESP (entry, image)" esp_clean
if [ "$loader" = pmx ]; then
	note="the plan's: $(plan_params | paste -s -d ' ' -)"
	check "(a) proxmox-boot-tool refresh wrote the plan's parameters into the ESP's proxmox-$kver.conf" pmx_refreshed
fi

log "$(( ($(bootdisk_now_ms) - t_start) / 1000 )) s in all"
# the table (check-vm.sh prints its own: CHECK_TRIAL_TABLE=no)
if [ "${CHECK_TRIAL_TABLE:-yes}" != no ]; then
	echo
	awk -F '\t' '{ printf "%-90s %-4s %7s  %s\n", $2, $3 == "pass" ? "PASS" : "FAIL", $4, $5 }' "$results"
fi
if [ "$failed" -gt 0 ]; then
	echo "check-trial: $failed step(s) failed; logs under $work"
	exit 1
fi
echo "check-trial: every step passed"
