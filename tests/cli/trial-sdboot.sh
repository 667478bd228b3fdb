#!/bin/sh
# apply --trial under systemd-boot (issue 14): Debian with kernel-install's
# /etc/kernel/cmdline, the ESP on /boot/efi. The trial is a copy of the
# default loader entry, counted (vfioconf-trial+1-0.conf), its initramfs on
# the ESP beside it, booted once by bootctl set-oneshot and read back from
# the EFI variable; loader.conf, /etc and the default entry never change.
# Refused where EFI variables cannot be written, or where systemd-boot
# would take the trial for its default entry.
#
# Fixture tools: a bootctl that writes LoaderEntryOneShot as efivarfs holds
# it (4 bytes of attributes, UTF-16LE), into the fixture's sysfs, which
# lies inside the root so the chrooted commands see what vfioconf reads;
# mkinitramfs and lsinitramfs as in trial.sh.
. "$top_srcdir/tests/lib.sh"

MID=0123456789abcdef0123456789abcdef
UUID=96b7100c-6b49-4843-bf6c-6c8c78918a3a
VAR=LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f
entry() { # KVER [SORTKEY]: an entry as kernel-install writes it
	printf 'title      Debian GNU/Linux 12 (bookworm)\nversion    %s\nmachine-id %s\n' "$1" "$MID"
	[ -z "${2:-}" ] || printf 'sort-key   %s\n' "$2"
	printf 'options    root=UUID=%s ro quiet intel_iommu=on\n' "$UUID"
	printf 'linux      /%s/%s/linux\ninitrd     /%s/%s/initrd.img-%s\n' "$MID" "$1" "$MID" "$1" "$1"
}
sd_root() { # NAME: Debian on systemd-boot, able to run the trial's commands
	regen_stack "$tmp/$1" debian
	_d="$tmp/$1" _r="$tmp/$1/root"
	for a in grep sed rmdir mv cp tail tr sync; do ln -sf busybox "$_r/bin/$a"; done
	rm -rf "$_r/etc/default/grub" "$_r/boot/grub"
	# the fixture's ESP is a directory of the root, not a mount of its own
	sed -i '\|[[:space:]]/boot/efi[[:space:]]|d' "$_r/etc/fstab"
	mkdir -p "$_r/etc/kernel" "$_r/usr/bin" "$_r/var/log" "$_r/usr/libexec/vfioconf" \
		"$_r/boot/efi/loader/entries" "$_r/boot/efi/$MID/6.1.0-18-amd64" "$_r/boot/efi/$MID/6.5.0-0.deb12.4-amd64"
	echo "root=UUID=$UUID ro quiet intel_iommu=on" >"$_r/etc/kernel/cmdline"
	entry 6.1.0-18-amd64 debian >"$_r/boot/efi/loader/entries/$MID-6.1.0-18-amd64.conf"
	entry 6.5.0-0.deb12.4-amd64 debian >"$_r/boot/efi/loader/entries/$MID-6.5.0-0.deb12.4-amd64.conf"
	for k in 6.1.0-18-amd64 6.5.0-0.deb12.4-amd64; do
		echo "kernel $k" >"$_r/boot/efi/$MID/$k/linux"
		echo "initramfs $k" >"$_r/boot/efi/$MID/$k/initrd.img-$k"
	done
	# the older kernel is the default: the trial follows loader.conf, not the newest
	printf 'default %s-6.1.0-18-amd64.conf\ntimeout 3\n' "$MID" >"$_r/boot/efi/loader/loader.conf"
	cp "$top_srcdir/bind/vfioconf-trial-sync" "$_r/usr/libexec/vfioconf/vfioconf-trial-sync"
	# the sysfs inside the root, with EFI variables on efivarfs
	mkdir -p "$_r/run"
	mv "$_d/sys" "$_r/run/sys"
	mkdir -p "$_r/run/sys/firmware/efi/efivars"
	echo "90 22 0:30 / /sys/firmware/efi/efivars rw,nosuid,nodev,noexec,relatime shared:9 - efivarfs efivarfs rw" \
		>>"$_d/proc/self/mountinfo"
	sh "$top_srcdir/tests/tools/sdboot-stand-ins.sh" "$_r"
	printf '#!/bin/sh\necho "kernel-install $*" >>/var/log/fake-kernel-install.log\n' >"$_r/usr/bin/kernel-install"
	chmod 755 "$_r/usr/bin/kernel-install"
}
at() { _m=$1; shift; VFIOCONF_CMD_TIMEOUT=30 "$VFIOCONF" --root "$_m/root" --sysfs "$_m/root/run/sys" --procfs "$_m/proc" "$@"; }
oneshot() { # DIR: LoaderEntryOneShot as the firmware holds it
	_v="$1/root/run/sys/firmware/efi/efivars/$VAR"
	if [ -f "$_v" ]; then tail -c +5 "$_v" | tr -d '\000'; else echo "(unset)"; fi
}
# the files that differ between two snapshots, the fake tools' logs left out
changed() { diff "$1" "$2" | sed -n 's/^[<>] \.\/\([^ ]*\) .*/\1/p' | grep -v '^var/log/fake-' | sort -u; }
boot_trial() { # DIR ID: the trial's boot: systemd-boot used up the one-shot and counted the try
	_e="$1/root/boot/efi/loader/entries"
	mv "$_e/vfioconf-trial+1-0.conf" "$_e/vfioconf-trial+0-1.conf"
	rm -f "$1/root/run/sys/firmware/efi/efivars/$VAR"
	sed -i "s/\$/ vfioconf.trial=$2 iommu=pt/" "$1/proc/cmdline"
	mkdir -p "$1/root/run/sys/bus/pci/drivers/vfio-pci"
	for _b in 0000:02:00.0 0000:02:00.1; do
		ln -sfn ../../../../bus/pci/drivers/vfio-pci "$1/root/run/sys/bus/pci/devices/$_b/driver"
	done
}
set_efivar() { # DIR NAME VALUE: a variable of the boot loader's, as the firmware holds it
	_s=$3 _o='\007\000\000\000'
	while [ -n "$_s" ]; do _c=${_s%"${_s#?}"}; _s=${_s#?}; _o="$_o$_c\\000"; done
	# shellcheck disable=SC2059 # the format is the bytes
	printf "$_o\\000\\000" >"$1/root/run/sys/firmware/efi/efivars/$2-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"
}
set_oneshot() { set_efivar "$1" LoaderEntryOneShot "$2"; } # DIR ID: as bootctl set-oneshot writes it
ESP=boot/efi/loader/entries

# ---- plan --trial: the entry shown, nothing written
sd_root s; s="$tmp/s"
snapshot "$s/root" "$tmp/s-before"
at "$s" plan --trial --select 0000:02:00.0 >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "plan --trial on systemd-boot (kernel-install, initramfs-tools): exit 0" 0 "$rc"
id=$(sed -n 's/^Trial boot \([0-9a-f]*\):.*/\1/p' "$tmp/out")
expect_eq "the trial has an id of 8 hex digits" 8 "${#id}"
snapshot "$s/root" "$tmp/s-after"
expect_eq "plan --trial writes nothing" "" "$(diff "$tmp/s-before" "$tmp/s-after")"
expect_not_contains "no file under /etc changes" "$tmp/out" "+++ etc/"
expect_not_contains "loader.conf does not change" "$tmp/out" "+++ boot/efi/loader/loader.conf"
expect_contains "the trial's entry, kept under /boot/vfioconf" "$tmp/out" "+++ boot/vfioconf/$id/loader-entry.conf"
expect_contains "its title: the default entry's, marked" "$tmp/out" \
	"+title vfioconf trial $id (once): Debian GNU/Linux 12 (bookworm)"
expect_contains "the default entry's kernel (loader.conf's default, not the newest)" "$tmp/out" \
	"+linux      /$MID/6.1.0-18-amd64/linux"
expect_contains "its options with the plan's parameters, the trial's id and panic=10" "$tmp/out" \
	"+options root=UUID=$UUID ro quiet intel_iommu=on iommu=pt vfioconf.trial=$id panic=10"
expect_contains "the trial's initramfs, on the entry's own partition" "$tmp/out" \
	"+initrd /vfioconf/$id/initrd.img-6.1.0-18-amd64"
expect_not_contains "no sort-key: the trial sorts after the entries that have one" "$tmp/out" "+sort-key"
expect_contains "one command builds the image, puts it and the entry on the ESP and sets the one-shot" "$tmp/out" \
	"/usr/libexec/vfioconf/vfioconf-trial-sync systemd-boot $id 6.1.0-18-amd64 /run/sys/firmware/efi/efivars /boot/efi"
expect_contains "the sync script: a counted entry, one try" "$top_srcdir/bind/vfioconf-trial-sync" \
	'"$part/loader/entries/vfioconf-trial+1-0.conf"'
expect_contains "the sync script: bootctl set-oneshot with systemd-boot's own id (the file's name, counter too)" \
	"$top_srcdir/bind/vfioconf-trial-sync" 'bootctl set-oneshot "$sd_id"'
expect_contains "the note says the default stays" "$tmp/out" "the next boot is the default entry, unchanged"
at "$s" plan --trial --select 0000:02:00.0 --json >"$tmp/j" 2>/dev/null
expect_eq "--json: the check that reads the one-shot back" \
	"contains boot/vfioconf/$(jq -r '.files[0].path' "$tmp/j" | cut -d/ -f3)/oneshot LoaderEntryOneShot=vfioconf-trial" \
	"$(jq -r '.checks[]' "$tmp/j" | grep oneshot)"

# ---- apply --trial: the ESP's entry and image, the one-shot, nothing else
at "$s" apply --trial --select 0000:02:00.0 --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "apply --trial: exit 0" 0 "$rc"
id=$(sed -n 's/^Trial boot \([0-9a-f]*\):$/\1/p' "$tmp/out")
expect_contains "apply --trial: done" "$tmp/out" "Done: trial $id, transaction"
# systemd-boot (252, Debian 12) matches the one-shot against the entry's
# whole file name; "vfioconf-trial.conf" (bootctl list's id) boots the
# default instead (check-vm sdboot-trial found it)
expect_eq "the one-shot is the trial's entry, by systemd-boot's own id" vfioconf-trial+1-0.conf "$(oneshot "$s")"
expect_eq "bootctl was asked once, for the one-shot" "bootctl set-oneshot vfioconf-trial+1-0.conf" \
	"$(cat "$s/root/var/log/fake-bootctl.log")"
expect_eq "the ESP's entry is the trial's entry, counted" "" \
	"$(cmp "$s/root/$ESP/vfioconf-trial+1-0.conf" "$s/root/boot/vfioconf/$id/loader-entry.conf" 2>&1)"
expect_contains "the trial's image on the ESP, from its own modules list" \
	"$s/root/boot/efi/vfioconf/$id/initrd.img-6.1.0-18-amd64" "kernel/vfio_pci.ko"
expect_contains "the image was built from the trial's configuration" \
	"$s/root/boot/efi/vfioconf/$id/initrd.img-6.1.0-18-amd64" "image 6.1.0-18-amd64 from /boot/vfioconf/$id/initramfs-tools"
expect_contains "the one-shot read back, as the plan checks it" "$s/root/boot/vfioconf/$id/oneshot" \
	"LoaderEntryOneShot=vfioconf-trial+1-0.conf"
snapshot "$s/root" "$tmp/s-applied"
expect_eq "apply --trial changes only the ESP's entry and image, /boot/vfioconf and the one-shot" "" \
	"$(changed "$tmp/s-before" "$tmp/s-applied" | grep -v -e "^boot/vfioconf/$id/" -e "^boot/efi/vfioconf/$id/initrd.img-6.1.0-18-amd64\$" \
		-e "^$ESP/vfioconf-trial+1-0.conf\$" -e "^run/sys/firmware/efi/efivars/$VAR\$")"
at "$s" trial status >"$tmp/out" 2>&1; rc=$?
expect_eq "trial status: exit 0" 0 "$rc"
expect_contains "trial status: not booted yet, by systemd-boot" "$tmp/out" \
	"Not booted yet: systemd-boot boots it once, at the next boot."
at "$s" trial abort --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "trial abort before the boot: exit 0" 0 "$rc"
snapshot "$s/root" "$tmp/s-aborted"
expect_eq "trial abort: every file as before (entry, images, one-shot gone)" "" "$(changed "$tmp/s-before" "$tmp/s-aborted")"
expect_eq "trial abort: the one-shot cleared" "(unset)" "$(oneshot "$s")"

# ---- booted, failed (the entry left bad), aborted
sd_root f; f="$tmp/f"
snapshot "$f/root" "$tmp/f-before"
at "$f" apply --trial --select 0000:02:00.0 --yes >"$tmp/out" 2>&1
id=$(sed -n 's/^Trial boot \([0-9a-f]*\):$/\1/p' "$tmp/out")
boot_trial "$f" "$id"
ln -sfn ../../../../bus/pci/drivers/nouveau "$f/root/run/sys/bus/pci/devices/0000:02:00.0/driver"
at "$f" trial check >"$tmp/out" 2>&1; rc=$?
expect_eq "trial check, the GPU on nouveau: exit 1 (the unit marks the entry bad and reboots)" 1 "$rc"
at "$f" trial status >"$tmp/out" 2>&1
expect_contains "trial status on the trial's boot" "$tmp/out" "This boot is the trial."
sed -i "s/ vfioconf.trial=$id iommu=pt\$//" "$f/proc/cmdline" # the default's boot, after the reboot
at "$f" trial status >"$tmp/out" 2>&1
expect_contains "trial status after it: the failed verdict" "$tmp/out" "result = failed"
# the user arms it again by hand, by the name systemd-boot gave it
set_oneshot "$f" vfioconf-trial+0-1.conf
expect_eq "the one-shot set by hand to the counted name" vfioconf-trial+0-1.conf "$(oneshot "$f")"
at "$f" trial status >"$tmp/out" 2>&1
expect_contains "trial status: armed again, by its counted name" "$tmp/out" "Not booted yet: systemd-boot boots it once"
at "$f" trial abort --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "trial abort after a failed boot: exit 0" 0 "$rc"
expect_eq "abort: the entry systemd-boot renamed (+0-1) is gone too" "" "$(ls "$f/root/$ESP" | grep vfioconf)"
expect_eq "abort: the one-shot armed by hand (+0-1) cleared too" "(unset)" "$(oneshot "$f")"
snapshot "$f/root" "$tmp/f-aborted"
expect_eq "abort after the boot: every file as before the trial" "" \
	"$(changed "$tmp/f-before" "$tmp/f-aborted" | grep -v '/driver$')"

# ---- booted, passed, promoted
sd_root p; p="$tmp/p"
at "$p" apply --trial --select 0000:02:00.0 --yes >"$tmp/out" 2>&1
id=$(sed -n 's/^Trial boot \([0-9a-f]*\):$/\1/p' "$tmp/out")
boot_trial "$p" "$id"
at "$p" trial check >"$tmp/out" 2>&1; rc=$?
expect_eq "trial check on the trial's boot, devices on vfio-pci: exit 0" 0 "$rc"
# systemd-bless-boot at boot-complete.target: the good name
mv "$p/root/$ESP/vfioconf-trial+0-1.conf" "$p/root/$ESP/vfioconf-trial.conf"
at "$p" trial promote --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "trial promote: exit 0" 0 "$rc"
expect_contains "promote: /etc/kernel/cmdline gets the parameters" "$p/root/etc/kernel/cmdline" "iommu=pt"
expect_contains "promote: the default path binds the GPU" "$p/root/etc/modprobe.d/vfioconf.conf" "options vfio-pci ids=10de:0fbb,10de:13c2"
expect_contains "promote: kernel-install makes the default entries anew" "$p/root/var/log/fake-kernel-install.log" \
	"kernel-install add 6.1.0-18-amd64"
expect_eq "promote: no trial entry left on the ESP (blessed or not)" "" "$(ls "$p/root/$ESP" | grep vfioconf)"
expect_eq "promote: no trial image left on the ESP" no "$([ -e "$p/root/boot/efi/vfioconf" ] && echo yes || echo no)"
expect_eq "promote: no /boot/vfioconf left" no "$([ -e "$p/root/boot/vfioconf" ] && echo yes || echo no)"
expect_eq "promote: loader.conf as it was" "default $MID-6.1.0-18-amd64.conf" "$(head -1 "$p/root/boot/efi/loader/loader.conf")"

# ---- where the one-shot cannot be set: refused, exit 3, nothing written
sd_root r; r="$tmp/r"
snapshot "$r/root" "$tmp/r-before"
rm -r "$r/root/run/sys/firmware/efi"
at "$r" apply --trial --select 0000:02:00.0 --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "no EFI variables (BIOS boot): refused, exit 3" 3 "$rc"
expect_contains "no EFI variables: says why" "$tmp/out" "firmware/efi/efivars is missing: no EFI variables"
expect_contains "no EFI variables: says what to do instead" "$tmp/out" "'vfioconf apply' without --trial changes the default boot path"
mkdir -p "$r/root/run/sys/firmware/efi/efivars"
snapshot "$r/root" "$tmp/r-before"
sed -i 's/ rw,nosuid,nodev,noexec,relatime shared:9 - efivarfs/ ro,nosuid,nodev,noexec,relatime shared:9 - efivarfs/' "$r/proc/self/mountinfo"
at "$r" apply --trial --select 0000:02:00.0 --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "efivarfs read-only: refused, exit 3" 3 "$rc"
expect_contains "efivarfs read-only: says why" "$tmp/out" "efivarfs is mounted read-only on /sys/firmware/efi/efivars"
sed -i '/ - efivarfs /d' "$r/proc/self/mountinfo"
at "$r" plan --trial --select 0000:02:00.0 >"$tmp/out" 2>&1; rc=$?
expect_eq "efivarfs not mounted: refused, exit 3" 3 "$rc"
snapshot "$r/root" "$tmp/r-after"
expect_eq "refused: nothing written" "" "$(diff "$tmp/r-before" "$tmp/r-after")"

# ---- the trial never becomes the default entry
sd_root d; d="$tmp/d"
sed -i '/^sort-key/d' "$d/root/$ESP"/*.conf
sed -i '/^default/d' "$d/root/boot/efi/loader/loader.conf"
at "$d" plan --trial --select 0000:02:00.0 >"$tmp/out" 2>&1; rc=$?
expect_eq "no default, no sort-keys (the trial would sort first): refused, exit 3" 3 "$rc"
expect_contains "no default: says why" "$tmp/out" "systemd-boot would boot the trial by default"
printf 'default vfioconf-*\n' >>"$d/root/boot/efi/loader/loader.conf"
at "$d" plan --trial --select 0000:02:00.0 >"$tmp/out" 2>&1
expect_contains "a default pattern that matches the trial: refused" "$tmp/out" "loader.conf's default matches it"
sd_root n; n="$tmp/n"
sed -i '/^default/d' "$n/root/boot/efi/loader/loader.conf"
at "$n" plan --trial --select 0000:02:00.0 >"$tmp/out" 2>&1; rc=$?
expect_eq "no default, entries with sort-keys (the trial sorts last): exit 0" 0 "$rc"
expect_contains "no default: systemd-boot's first entry, the newest kernel" "$tmp/out" \
	"+linux      /$MID/6.5.0-0.deb12.4-amd64/linux"
# LoaderEntryDefault (bootctl set-default) wins over loader.conf
printf '\007\000\000\000' >"$n/root/run/sys/firmware/efi/efivars/LoaderEntryDefault-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"
printf '%s-6.1.0-18-amd64.conf' "$MID" | sed 's/./&\n/g' | while read -r c; do printf '%s\000' "$c"; done \
	>>"$n/root/run/sys/firmware/efi/efivars/LoaderEntryDefault-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"
at "$n" plan --trial --select 0000:02:00.0 >"$tmp/out" 2>&1
expect_contains "LoaderEntryDefault names the default: that entry" "$tmp/out" "+linux      /$MID/6.1.0-18-amd64/linux"

# ---- systemd-boot 258 and later know the entry without its counter
# (systemd#38897): the one-shot names it so there, the older way before
sd_root v; v="$tmp/v"
set_efivar "$v" LoaderInfo "systemd-boot 258.3"
snapshot "$v/root" "$tmp/v-before"
at "$v" apply --trial --select 0000:02:00.0 --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "systemd-boot 258: apply --trial: exit 0" 0 "$rc"
expect_eq "systemd-boot 258: the one-shot names the entry without its counter" vfioconf-trial.conf "$(oneshot "$v")"
expect_eq "... the entry itself still counted" yes "$([ -f "$v/root/$ESP/vfioconf-trial+1-0.conf" ] && echo yes || echo no)"
at "$v" trial status >"$tmp/out" 2>&1
expect_contains "systemd-boot 258: trial status: armed" "$tmp/out" "Not booted yet: systemd-boot boots it once"
at "$v" trial abort --yes >"$tmp/out" 2>&1
expect_eq "systemd-boot 258: abort clears that one-shot too, every file as before" "" \
	"$(snapshot "$v/root" "$tmp/v-after"; changed "$tmp/v-before" "$tmp/v-after")"
set_efivar "$v" LoaderInfo "systemd-boot 257.7"
at "$v" apply --trial --select 0000:02:00.0 --yes >/dev/null 2>&1
expect_eq "systemd-boot 257: the whole file name" vfioconf-trial+1-0.conf "$(oneshot "$v")"

# ---- a one-shot that does not hold (firmware dropped it): the apply fails, nothing changes
sd_root x; x="$tmp/x"
printf '#!/bin/sh\necho "bootctl $*" >>/var/log/fake-bootctl.log\n' >"$x/root/usr/bin/bootctl"
snapshot "$x/root" "$tmp/x-before"
at "$x" apply --trial --select 0000:02:00.0 --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "the one-shot not read back: apply fails, exit 1" 1 "$rc"
expect_contains "the read-back says what it found" "$tmp/out" "bootctl set-oneshot vfioconf-trial+1-0.conf, but"
snapshot "$x/root" "$tmp/x-after"
expect_eq "the one-shot not read back: every file as before" "" "$(changed "$tmp/x-before" "$tmp/x-after")"

# (Proxmox's ESPs, kept unmounted by proxmox-boot-tool: trial-proxmox.sh)

finish
