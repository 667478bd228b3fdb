#!/bin/sh
# apply --trial on Proxmox VE's ESPs (issue 14): proxmox-boot-tool keeps
# every ESP of /etc/kernel/proxmox-boot-uuids unmounted and writes them
# itself. The trial's entry is made from the default entry as
# proxmox-boot-tool writes it (proxmox-KVER.conf: /etc/kernel/cmdline's
# first line, /EFI/proxmox/KVER/), and the sync script mounts each ESP in a
# mount namespace of its own, checks that it holds that entry as
# systemd-boot's default, puts the trial beside it, unmounts it, and sets
# the one-shot. An ESP that does not hold what vfioconf planned from fails
# the apply, and nothing is left anywhere.
#
# Fixture tools: the ESPs are directories /esp/UUID of the root; a mount
# stand-in (first in the sync script's PATH) takes /dev/disk/by-uuid/UUID
# (the chroot's /dev is this machine's) for /esp/UUID and links the mount
# point to it, umount takes the link back, both log; unshare logs and runs
# the command; bootctl, mkinitramfs and lsinitramfs from tests/tools/sdboot-stand-ins.sh, as in
# trial-sdboot.sh.
. "$top_srcdir/tests/lib.sh"

U1=3C4D-5E6F U2=7A8B-9C0D
OLD=6.5.13-6-pve NEW=6.8.12-4-pve
VAR=LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f
NIC=0000:02:00.2
pbt_entry() { # KVER OPTIONS: loader/entries/proxmox-KVER.conf as zz-proxmox-boot writes it
	printf 'title    Proxmox Virtual Environment\nversion  %s\noptions  %s\nlinux    /EFI/proxmox/%s/vmlinuz-%s\ninitrd   /EFI/proxmox/%s/initrd.img-%s\n' \
		"$1" "$2" "$1" "$1" "$1" "$1"
}
set_efivar() { # DIR NAME VALUE: a variable of the boot loader's, as the firmware holds it
	_s=$3 _o='\007\000\000\000'
	while [ -n "$_s" ]; do _c=${_s%"${_s#?}"}; _s=${_s#?}; _o="$_o$_c\\000"; done
	# shellcheck disable=SC2059 # the format is the bytes
	printf "$_o\\000\\000" >"$1/root/run/sys/firmware/efi/efivars/$2-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"
}
pmx_root() { # NAME: Proxmox VE on systemd-boot, two ESPs, two kernels
	regen_stack "$tmp/$1" proxmox
	_d="$tmp/$1" _r="$tmp/$1/root"
	for a in grep sed rmdir mv cp tail tr sync head sort mktemp readlink ln; do ln -sf busybox "$_r/bin/$a"; done
	mkdir -p "$_r/usr/bin" "$_r/usr/local/sbin" "$_r/var/log" "$_r/var/tmp" "$_r/dev" \
		"$_r/usr/libexec/vfioconf" "$_r/etc/pve" "$_r/lib/modules/$OLD"
	cp "$top_srcdir/bind/vfioconf-trial-sync" "$_r/usr/libexec/vfioconf/vfioconf-trial-sync"
	# /bin/sh is dash, as on Debian and Proxmox: busybox's sh runs its own
	# umount applet before the stand-in in PATH
	if [ -x /bin/dash ]; then
		for l in $(ldd /bin/dash | sed -n 's|^[^/]*\(/[^ ]*\) (0x.*|\1|p'); do
			mkdir -p "$_r${l%/*}"
			cp -L "$l" "$_r$l"
		done
		cp /bin/dash "$_r/bin/dash"
		ln -sf dash "$_r/bin/sh"
	fi
	for k in $OLD $NEW; do
		echo "kernel $k" >"$_r/boot/vmlinuz-$k"
		echo "initramfs $k" >"$_r/boot/initrd.img-$k"
	done
	_o=$(head -n 1 "$_r/etc/kernel/cmdline")
	for u in $U1 $U2; do
		_e=$_r/esp/$u
		mkdir -p "$_e/loader/entries" "$_e/EFI/systemd"
		printf 'timeout 3\ndefault proxmox-*\n' >"$_e/loader/loader.conf"
		for k in $OLD $NEW; do
			mkdir -p "$_e/EFI/proxmox/$k"
			echo "kernel $k" >"$_e/EFI/proxmox/$k/vmlinuz-$k"
			echo "initramfs $k" >"$_e/EFI/proxmox/$k/initrd.img-$k"
			pbt_entry "$k" "$_o" >"$_e/loader/entries/proxmox-$k.conf"
		done
	done
	# the sysfs inside the root, with EFI variables on efivarfs
	mkdir -p "$_r/run"
	mv "$_d/sys" "$_r/run/sys"
	mkdir -p "$_r/run/sys/firmware/efi/efivars"
	echo "90 22 0:30 / /sys/firmware/efi/efivars rw,nosuid,nodev,noexec,relatime shared:9 - efivarfs efivarfs rw" \
		>>"$_d/proc/self/mountinfo"
	set_efivar "$_d" LoaderInfo "systemd-boot 252.39-1~deb12u2"
	sh "$top_srcdir/tests/tools/sdboot-stand-ins.sh" "$_r"
	# a mount is a link to the ESP's directory, an umount takes it back
	cat >"$_r/usr/local/sbin/mount" <<'TOOL'
#!/bin/sh
echo "mount $*" >>/var/log/fake-mount.log
case $1 in /dev/disk/by-uuid/*) e=/esp/${1##*/} ;; *) exit 32 ;; esac
[ -d "$e" ] && rmdir "$2" && ln -s "$e" "$2"
TOOL
	cat >"$_r/usr/local/sbin/umount" <<'TOOL'
#!/bin/sh
echo "umount $*" >>/var/log/fake-mount.log
[ -L "$1" ] && rm "$1" && mkdir "$1"
TOOL
	cat >"$_r/usr/local/sbin/unshare" <<'TOOL'
#!/bin/sh
echo "unshare $*" >>/var/log/fake-mount.log
while :; do case $1 in --propagation) shift 2 ;; -*) shift ;; *) break ;; esac; done
exec "$@"
TOOL
	printf '#!/bin/sh\necho "proxmox-boot-tool $*" >>/var/log/fake-pbt.log\n' >"$_r/usr/sbin/proxmox-boot-tool"
	# update-initramfs -u -k all: an image for each kernel
	cat >"$_r/usr/sbin/update-initramfs" <<'TOOL'
#!/bin/sh
for k in 6.5.13-6-pve 6.8.12-4-pve; do
	{ echo "image $k"
	  while read -r m rest; do case $m in ''|\#*) ;; *) echo "kernel/$m.ko" ;; esac; done </etc/initramfs-tools/modules
	} >/boot/initrd.img-$k
done
TOOL
	chmod 755 "$_r/usr/local/sbin/mount" "$_r/usr/local/sbin/umount" "$_r/usr/local/sbin/unshare" "$_r/usr/sbin/proxmox-boot-tool"
}
at() { _m=$1; shift; VFIOCONF_CMD_TIMEOUT=30 "$VFIOCONF" --root "$_m/root" --sysfs "$_m/root/run/sys" --procfs "$_m/proc" "$@"; }
oneshot() { # DIR: LoaderEntryOneShot as the firmware holds it
	_v="$1/root/run/sys/firmware/efi/efivars/$VAR"
	if [ -f "$_v" ]; then tail -c +5 "$_v" | tr -d '\000'; else echo "(unset)"; fi
}
changed() { diff "$1" "$2" | sed -n 's/^[<>] \.\/\([^ ]*\) .*/\1/p' | grep -v '^var/log/fake-' | sort -u; }
trial_id() { sed -n 's/^Trial boot \([0-9a-f]*\):.*/\1/p' "$1" | head -n 1; }
# nothing is left mounted: every mount undone, no mount point left
unmounted() { # DIR
	[ "$(grep -c '^mount ' "$1/root/var/log/fake-mount.log")" = "$(grep -c '^umount ' "$1/root/var/log/fake-mount.log")" ] &&
		[ -z "$(ls "$1/root/var/tmp")" ]
}
boot_trial() { # DIR ID: systemd-boot booted the trial from the first ESP, counted it, used up the one-shot
	_e="$1/root/esp/$U1/loader/entries"
	mv "$_e/vfioconf-trial+1-0.conf" "$_e/vfioconf-trial+0-1.conf"
	rm -f "$1/root/run/sys/firmware/efi/efivars/$VAR"
	sed -i "s/\$/ vfioconf.trial=$2/" "$1/proc/cmdline"
	mkdir -p "$1/root/run/sys/bus/pci/drivers/vfio-pci"
	ln -sfn ../../../../bus/pci/drivers/vfio-pci "$1/root/run/sys/bus/pci/devices/$NIC/driver"
}

# ---- plan --trial: the entry made as proxmox-boot-tool writes the default, nothing written
pmx_root s; s="$tmp/s"
snapshot "$s/root" "$tmp/s-before"
at "$s" plan --trial --select $NIC >"$tmp/out" 2>&1; rc=$?
expect_eq "plan --trial on Proxmox's ESPs (systemd-boot): exit 0" 0 "$rc"
id=$(trial_id "$tmp/out")
expect_eq "the trial has an id of 8 hex digits" 8 "${#id}"
snapshot "$s/root" "$tmp/s-after"
expect_eq "plan --trial writes nothing, mounts nothing" "" "$(diff "$tmp/s-before" "$tmp/s-after")"
expect_contains "the trial's title: proxmox-boot-tool's, marked" "$tmp/out" \
	"+title vfioconf trial $id (once): Proxmox Virtual Environment"
expect_contains "the newest kernel (loader.conf's proxmox-*), where proxmox-boot-tool puts it" "$tmp/out" \
	"+linux    /EFI/proxmox/$NEW/vmlinuz-$NEW"
expect_contains "its options: /etc/kernel/cmdline's first line, the plan's parameter, the trial's id, panic=10" "$tmp/out" \
	"+options root=ZFS=rpool/ROOT/pve-1 boot=zfs iommu=pt vfioconf.trial=$id panic=10"
expect_contains "the trial's image, on each ESP" "$tmp/out" "+initrd /vfioconf/$id/initrd.img-$NEW"
expect_contains "the default entry vfioconf made it from, kept for the check" "$tmp/out" \
	"+++ boot/vfioconf/$id/esp-default.conf"
expect_contains "... as proxmox-boot-tool writes it" "$tmp/out" "+options  root=ZFS=rpool/ROOT/pve-1 boot=zfs"
expect_contains "one command, every ESP of proxmox-boot-uuids" "$tmp/out" \
	"/usr/libexec/vfioconf/vfioconf-trial-sync proxmox $id $NEW /run/sys/firmware/efi/efivars $U1 $U2"
expect_not_contains "no file under /etc changes" "$tmp/out" "+++ etc/"

# ---- apply --trial: on both ESPs, read back, unmounted, the one-shot set
at "$s" apply --trial --select $NIC --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "apply --trial: exit 0" 0 "$rc"
id=$(trial_id "$tmp/out")
expect_contains "apply --trial: done" "$tmp/out" "Done: trial $id, transaction"
for u in $U1 $U2; do
	expect_eq "ESP $u: the trial's entry, counted" "" \
		"$(cmp "$s/root/esp/$u/loader/entries/vfioconf-trial+1-0.conf" "$s/root/boot/vfioconf/$id/loader-entry.conf" 2>&1)"
	expect_contains "ESP $u: the trial's image, from its own modules list" \
		"$s/root/esp/$u/vfioconf/$id/initrd.img-$NEW" "kernel/vfio_pci.ko"
	expect_eq "ESP $u: read back as the plan checks it" "" \
		"$(cmp "$s/root/esp/$u/loader/entries/vfioconf-trial+1-0.conf" "$s/root/boot/vfioconf/$id/esp-$u.conf" 2>&1)"
	expect_eq "ESP $u: loader.conf as it was" "default proxmox-*" "$(sed -n 2p "$s/root/esp/$u/loader/loader.conf")"
done
expect_eq "the one-shot: the trial's entry, systemd-boot 252's id for it" vfioconf-trial+1-0.conf "$(oneshot "$s")"
# chrooted, the command runs in the runner's own mount namespace
# (VFIOCONF_MOUNTS=private): no unshare, which cannot make mounts private
# where the root is no mount point, as here
expect_not_contains "chrooted: in the runner's mount namespace, no unshare of its own" "$s/root/var/log/fake-mount.log" \
	"unshare"
expect_contains "... each by its UUID" "$s/root/var/log/fake-mount.log" "mount /dev/disk/by-uuid/$U2 /var/tmp/vfioconf-esp."
expect_eq "... and unmounted again, no mount point left" yes "$(unmounted "$s" && echo yes || echo no)"
snapshot "$s/root" "$tmp/s-applied"
expect_eq "apply --trial changes only the ESPs' trial files, /boot/vfioconf and the one-shot" "" \
	"$(changed "$tmp/s-before" "$tmp/s-applied" | grep -v -e "^boot/vfioconf/$id/" -e "^esp/[0-9A-F-]*/vfioconf/$id/initrd.img-$NEW\$" \
		-e "^esp/[0-9A-F-]*/loader/entries/vfioconf-trial+1-0.conf\$" -e "^run/sys/firmware/efi/efivars/$VAR\$")"
at "$s" trial status >"$tmp/out" 2>&1
expect_contains "trial status: not booted yet" "$tmp/out" "Not booted yet: systemd-boot boots it once, at the next boot."
at "$s" trial abort --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "trial abort: exit 0" 0 "$rc"
snapshot "$s/root" "$tmp/s-aborted"
expect_eq "trial abort: every file as before, on both ESPs too" "" "$(changed "$tmp/s-before" "$tmp/s-aborted")"
expect_eq "trial abort: the one-shot cleared" "(unset)" "$(oneshot "$s")"
expect_eq "trial abort: nothing left mounted" yes "$(unmounted "$s" && echo yes || echo no)"

# ---- booted, failed, aborted: the entry systemd-boot counted goes too
pmx_root f; f="$tmp/f"
snapshot "$f/root" "$tmp/f-before"
at "$f" apply --trial --select $NIC --yes >"$tmp/out" 2>&1
id=$(trial_id "$tmp/out")
boot_trial "$f" "$id"
ln -sfn ../../../../bus/pci/drivers/igb "$f/root/run/sys/bus/pci/devices/$NIC/driver"
at "$f" trial check >"$tmp/out" 2>&1; rc=$?
expect_eq "trial check, the NIC on igb: exit 1" 1 "$rc"
sed -i "s/ vfioconf.trial=$id\$//" "$f/proc/cmdline"
at "$f" trial abort --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "trial abort after a failed boot: exit 0" 0 "$rc"
expect_eq "abort: no trial entry on either ESP, counted or not" "" \
	"$(find "$f/root/esp" -name 'vfioconf-trial*')"
snapshot "$f/root" "$tmp/f-aborted"
expect_eq "abort after the boot: every file as before the trial" "" \
	"$(changed "$tmp/f-before" "$tmp/f-aborted" | grep -v '/driver$')"

# ---- booted, passed, promoted: proxmox-boot-tool refresh writes the default path
pmx_root p; p="$tmp/p"
at "$p" apply --trial --select $NIC --yes >"$tmp/out" 2>&1
id=$(trial_id "$tmp/out")
boot_trial "$p" "$id"
at "$p" trial check >"$tmp/out" 2>&1; rc=$?
expect_eq "trial check, the NIC on vfio-pci: exit 0" 0 "$rc"
at "$p" trial promote --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "trial promote: exit 0" 0 "$rc"
expect_contains "promote: the default path binds the NIC" "$p/root/etc/modprobe.d/vfioconf.conf" "softdep igb pre: vfio-pci"
expect_contains "promote: proxmox-boot-tool refresh puts it on the ESPs" "$p/root/var/log/fake-pbt.log" \
	"proxmox-boot-tool refresh"
expect_eq "promote: no trial entry left on either ESP" "" \
	"$(find "$p/root/esp" -name 'vfioconf-trial*')"
expect_eq "promote: no trial image left on either ESP" no \
	"$([ -e "$p/root/esp/$U1/vfioconf" ] || [ -e "$p/root/esp/$U2/vfioconf" ] && echo yes || echo no)"
expect_eq "promote: no /boot/vfioconf left" no "$([ -e "$p/root/boot/vfioconf" ] && echo yes || echo no)"

# ---- an ESP that does not hold what vfioconf planned from: the apply fails, nothing is left
pmx_root o; o="$tmp/o"
sed -i 's/^options .*/options  root=ZFS=rpool\/ROOT\/pve-1 boot=zfs quiet/' "$o/root/esp/$U2/loader/entries/proxmox-$NEW.conf"
snapshot "$o/root" "$tmp/o-before"
at "$o" apply --trial --select $NIC --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "an ESP out of sync with /etc/kernel/cmdline: apply fails, exit 1" 1 "$rc"
expect_contains "... naming the ESP and what to run" "$tmp/out" \
	"ESP $U2: proxmox-$NEW.conf is not what /etc/kernel/cmdline says ('proxmox-boot-tool refresh' first)"
snapshot "$o/root" "$tmp/o-after"
expect_eq "... every file as before, the first ESP's trial taken back too" "" "$(changed "$tmp/o-before" "$tmp/o-after")"
expect_eq "... the one-shot not set" "(unset)" "$(oneshot "$o")"
expect_eq "... nothing left mounted" yes "$(unmounted "$o" && echo yes || echo no)"
# the second ESP full (mkdir fails there): the first ESP's trial taken off again by the script
pmx_root x; x="$tmp/x"
echo full >"$x/root/esp/$U2/vfioconf"
snapshot "$x/root" "$tmp/x-before"
at "$x" apply --trial --select $NIC --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "a write to the second ESP fails: apply fails, exit 1" 1 "$rc"
expect_contains "... the script says it took the trial off the first" "$tmp/out" \
	"the trial was taken off the ESPs it had been put on: $U1 $U2"
expect_eq "... every file as before, on both ESPs" "" "$(snapshot "$x/root" "$tmp/x-after"; changed "$tmp/x-before" "$tmp/x-after")"
expect_eq "... nothing left mounted" yes "$(unmounted "$x" && echo yes || echo no)"
# an ESP that cannot be mounted when the trial is taken away (a rescue
# system without it): the rest goes, the one-shot is off, the ESP named
at "$x" apply --trial --select $NIC --yes >/dev/null 2>&1
rm "$x/root/esp/$U2/vfioconf"
at "$x" apply --trial --select $NIC --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "apply --trial again: exit 0" 0 "$rc"
mv "$x/root/esp/$U2" "$x/root/esp/gone"
at "$x" trial abort --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "abort with an ESP that cannot be mounted: exit 0" 0 "$rc"
expect_contains "... names the ESP the entry may be left on" "$tmp/out" \
	"may be left on ESP $U2, which could not be mounted; the one-shot is off, so nothing boots it"
expect_eq "... the one-shot off" "(unset)" "$(oneshot "$x")"
expect_eq "... the other ESP clean" "" "$(find "$x/root/esp/$U1" -name 'vfioconf*')"
expect_eq "... no /boot/vfioconf left" no "$([ -e "$x/root/boot/vfioconf" ] && echo yes || echo no)"
# a check of the plan that fails after the script ran (the image lists no
# vfio-pci): the rollback runs the script again, which takes the trial
# off the ESPs and the one-shot off, where the journal cannot see them
pmx_root c; c="$tmp/c"
printf '#!/bin/sh\necho kernel/ext4.ko\n' >"$c/root/usr/bin/lsinitramfs"
snapshot "$c/root" "$tmp/c-before"
at "$c" apply --trial --select $NIC --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "a check fails after the commands: apply fails, exit 1" 1 "$rc"
expect_contains "... the commands run again on the files as before" "$tmp/out" "Running the commands of transaction"
expect_eq "... nothing of the trial on either ESP" "" "$(find "$c/root/esp" -name 'vfioconf*')"
expect_eq "... the one-shot off" "(unset)" "$(oneshot "$c")"
expect_eq "... every file as before" "" "$(snapshot "$c/root" "$tmp/c-after"; changed "$tmp/c-before" "$tmp/c-after")"
at "$c" trial status >"$tmp/out" 2>&1
expect_contains "... and no trial to speak of" "$tmp/out" "No trial boot"
# an ESP proxmox-boot-tool keeps GRUB on: refused there
pmx_root q; q="$tmp/q"
mkdir -p "$q/root/esp/$U2/EFI/proxmox"
echo grub >"$q/root/esp/$U2/EFI/proxmox/grubx64.efi"
at "$q" apply --trial --select $NIC --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "an ESP with GRUB of proxmox-boot-tool's: apply fails, exit 1" 1 "$rc"
expect_contains "... naming it" "$tmp/out" "ESP $U2: proxmox-boot-tool keeps GRUB on it (/EFI/proxmox/grubx64.efi)"
expect_eq "... nothing of the trial on either ESP" "" "$(find "$q/root/esp" -name 'vfioconf*')"
# loader.conf with two default lines: systemd-boot takes the last
pmx_root l; l="$tmp/l"
for u in $U1 $U2; do sed -i "1i default proxmox-$OLD.conf" "$l/root/esp/$u/loader/loader.conf"; done
at "$l" apply --trial --select $NIC --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "two default lines in loader.conf, the last proxmox-*: the newest kernel, exit 0" 0 "$rc"
# taken away where the firmware's variables cannot be read (a rescue
# system's chroot without efivarfs): said, not claimed off
mkdir "$tmp/l-vars"
mv "$l/root/run/sys/firmware/efi/efivars/"* "$tmp/l-vars/"
at "$l" trial abort --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "abort without EFI variables to read: exit 0" 0 "$rc"
expect_contains "... says the one-shot could not be checked, and what to run" "$tmp/out" \
	"holds no EFI variables, so whether the trial is still armed to boot once cannot be checked here; on the booted host run: bootctl set-oneshot"
expect_eq "... the ESPs clean" "" "$(find "$l/root/esp" -name 'vfioconf*')"
mv "$tmp/l-vars/"* "$l/root/run/sys/firmware/efi/efivars/"
# the script outside vfioconf's runner (root /): a mount namespace of its
# own by unshare, or none made at all
pmx_root u; u_="$tmp/u"
at "$u_" apply --trial --select $NIC --yes >"$tmp/out" 2>&1
id=$(trial_id "$tmp/out")
rm -r "$u_/root/boot/vfioconf/$id/trial.conf"
chroot "$u_/root" /bin/busybox env -i PATH=/usr/local/sbin:/usr/bin:/bin /usr/libexec/vfioconf/vfioconf-trial-sync proxmox \
	"$id" $NEW /run/sys/firmware/efi/efivars $U1 $U2 >"$tmp/out" 2>&1; rc=$?
expect_eq "run by hand (no runner's namespace): exit 0" 0 "$rc"
expect_contains "... re-run under unshare, its mounts private" "$u_/root/var/log/fake-mount.log" \
	"unshare --mount --propagation private /usr/libexec/vfioconf/vfioconf-trial-sync proxmox $id"
rm "$u_/root/usr/local/sbin/unshare"
chroot "$u_/root" /bin/busybox env -i PATH=/usr/local/sbin:/usr/bin:/bin /usr/libexec/vfioconf/vfioconf-trial-sync proxmox \
	"$id" $NEW /run/sys/firmware/efi/efivars $U1 $U2 >"$tmp/out" 2>&1; rc=$?
expect_eq "... and without unshare: refused, exit 1" 1 "$rc"
expect_contains "... says why" "$tmp/out" "unshare (util-linux) is missing: the ESPs would be mounted where every process sees them"
pmx_root m; m="$tmp/m"
rm -r "$m/root/esp/$U2"
snapshot "$m/root" "$tmp/m-before"
at "$m" apply --trial --select $NIC --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "an ESP of proxmox-boot-uuids not there: apply fails, exit 1" 1 "$rc"
expect_contains "... naming it" "$tmp/out" "ESP $U2 (/etc/kernel/proxmox-boot-uuids): /dev/disk/by-uuid/$U2 does not exist"
expect_eq "... every file as before" "" "$(snapshot "$m/root" "$tmp/m-after"; changed "$tmp/m-before" "$tmp/m-after")"

# ---- which kernel: LoaderEntryDefault, the pin, loader.conf on the ESP
pmx_root k; k="$tmp/k"
echo "$OLD" >"$k/root/etc/kernel/proxmox-boot-pin"
at "$k" plan --trial --select $NIC >"$tmp/out" 2>&1
expect_contains "a pinned kernel (proxmox-boot-pin): its entry" "$tmp/out" "+linux    /EFI/proxmox/$OLD/vmlinuz-$OLD"
snapshot "$k/root" "$tmp/k-before"
at "$k" apply --trial --select $NIC --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "pinned, but the ESP's loader.conf still says proxmox-*: apply fails, exit 1" 1 "$rc"
expect_contains "... saying which entry systemd-boot would boot" "$tmp/out" \
	"systemd-boot's default there is proxmox-$NEW.conf (LoaderEntryDefault, loader/loader.conf), not proxmox-$OLD.conf"
expect_eq "... every file as before" "" "$(snapshot "$k/root" "$tmp/k-after"; changed "$tmp/k-before" "$tmp/k-after")"
for u in $U1 $U2; do sed -i "s/^default .*/default proxmox-$OLD.conf/" "$k/root/esp/$u/loader/loader.conf"; done
at "$k" apply --trial --select $NIC --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "pinned, and refreshed (loader.conf names the pinned entry): exit 0" 0 "$rc"
at "$k" trial abort --yes >/dev/null 2>&1
rm "$k/root/etc/kernel/proxmox-boot-pin"
set_efivar "$k" LoaderEntryDefault "proxmox-$OLD.conf"
at "$k" plan --trial --select $NIC >"$tmp/out" 2>&1
expect_contains "LoaderEntryDefault (bootctl set-default) names the default" "$tmp/out" \
	"+linux    /EFI/proxmox/$OLD/vmlinuz-$OLD"
set_efivar "$k" LoaderEntryDefault "@saved"
at "$k" plan --trial --select $NIC >"$tmp/out" 2>&1; rc=$?
expect_eq "LoaderEntryDefault not one of proxmox-boot-tool's: refused, exit 3" 3 "$rc"
expect_contains "... says how to give it back" "$tmp/out" "'bootctl set-default \"\"'"
rm "$k/root/run/sys/firmware/efi/efivars/LoaderEntryDefault-"*
echo "$OLD" >"$k/root/etc/kernel/next-boot-pin"
at "$k" plan --trial --select $NIC >"$tmp/out" 2>&1; rc=$?
expect_eq "a kernel pinned for the next boot only: refused, exit 3" 3 "$rc"
expect_contains "... says what to do" "$tmp/out" "proxmox-boot-tool kernel unpin --next-boot"

# ---- refused, nothing written: GRUB on the ESPs, a line that is no UUID
pmx_root g; g="$tmp/g"
rm "$g/root/run/sys/firmware/efi/efivars/LoaderInfo-"*
snapshot "$g/root" "$tmp/g-before"
at "$g" apply --trial --select $NIC --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "Proxmox's ESPs, not booted by systemd-boot: refused, exit 3" 3 "$rc"
expect_contains "... says GRUB boots from them" "$tmp/out" \
	"no LoaderInfo EFI variable): so the ESPs of /etc/kernel/proxmox-boot-uuids boot GRUB"
printf '%s\nnot-a-uuid\n' $U1 >"$g/root/etc/kernel/proxmox-boot-uuids"
set_efivar "$g" LoaderInfo "systemd-boot 252.39-1~deb12u2"
at "$g" apply --trial --select $NIC --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "a line of proxmox-boot-uuids that is no UUID: refused, exit 3" 3 "$rc"
expect_contains "... named by file and line" "$tmp/out" \
	"/etc/kernel/proxmox-boot-uuids:2: 'not-a-uuid' is not an ESP's UUID"
rm "$g/root/run/sys/firmware/efi/efivars/LoaderInfo-"*
cp "$top_srcdir/tests/fixtures/distros/proxmox/etc/kernel/proxmox-boot-uuids" "$g/root/etc/kernel/"
expect_eq "refused: nothing written" "" "$(snapshot "$g/root" "$tmp/g-after"; changed "$tmp/g-before" "$tmp/g-after")"
# GRUB booting from those ESPs (proxmox-boot-tool in GRUB mode, its update-grub
# run with the ESP on /boot): GRUB's trial would arm /boot/grub, which that
# GRUB never reads. A GRUB host able to make a trial, then with the ESPs
regen_stack "$tmp/pg" debian
cp "$top_srcdir/tests/fixtures/grub/debian12.cfg" "$tmp/pg/root/boot/grub/grub.cfg"
sh "$top_srcdir/tests/tools/grubenv-stand-ins.sh" "$tmp/pg/root"
mkdir -p "$tmp/pg/root/usr/libexec/vfioconf"
cp "$top_srcdir/bind/vfioconf-trial-sync" "$tmp/pg/root/usr/libexec/vfioconf/"
cp "$s/root/usr/sbin/mkinitramfs" "$tmp/pg/root/usr/sbin/mkinitramfs"
pg() { VFIOCONF_CMD_TIMEOUT=30 "$VFIOCONF" --root "$tmp/pg/root" --sysfs "$tmp/pg/sys" --procfs "$tmp/pg/proc" "$@"; }
pg plan --trial --select 0000:02:00.0 >"$tmp/out" 2>&1; rc=$?
expect_eq "GRUB from /boot/grub: a trial, exit 0" 0 "$rc"
mkdir -p "$tmp/pg/root/etc/kernel"
cp "$top_srcdir/tests/fixtures/distros/proxmox/etc/kernel/proxmox-boot-uuids" "$tmp/pg/root/etc/kernel/"
pg plan --trial --select 0000:02:00.0 >"$tmp/out" 2>&1; rc=$?
expect_eq "GRUB with proxmox-boot-uuids: refused, exit 3" 3 "$rc"
expect_contains "... says why" "$tmp/out" \
	"GRUB boots from the ESPs of /etc/kernel/proxmox-boot-uuids, which proxmox-boot-tool keeps unmounted"

finish
