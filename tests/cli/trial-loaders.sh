#!/bin/sh
# apply --trial under the boot loaders beside GRUB and systemd-boot (issue
# 14): Fedora's GRUB with BLS entries (the trial a BLS entry copied from
# the default one, booted once by grub2-reboot), and rEFInd and Limine,
# which have no one-shot (the trial an entry appended to refind_linux.conf
# or limine.conf, picked by hand; the default stays the default). /etc and
# the default entry never change; abort leaves every file byte for byte as
# before; promote is the normal apply. Loaders still without a trial are
# refused, plainly.
#
# Fixture tools: grub2-editenv keeps grubenv as key=value lines, as in
# trial.sh; dracut and mkinitcpio record their arguments and write an
# "image" naming vfio-pci.ko; lsinitrd and lsinitcpio print it; grubby
# records its arguments.
. "$top_srcdir/tests/lib.sh"

K=6.1.0-18-amd64
SEL=0000:02:00.0
at() { _m=$1; shift; VFIOCONF_CMD_TIMEOUT=30 "$VFIOCONF" --root "$_m/root" --sysfs "$_m/sys" --procfs "$_m/proc" "$@"; }
trial_id() { sed -n 's/^Trial boot \([0-9a-f]*\):.*/\1/p' "$1" | head -1; }
# the files that differ between two snapshots, the fake tools' logs left out
changed() { diff "$1" "$2" | sed -n 's/^[<>] \.\/\([^ ]*\) .*/\1/p' | grep -v '^var/log/fake-' | sort -u | tr '\n' ' '; }
exists() { if [ -e "$1" ]; then echo yes; else echo no; fi; }
boot_trial() { # DIR ID [PARAM]: the trial's boot, as the kernel shows it
	sed -i "s/\$/ vfioconf.trial=$2 iommu=pt ${3:-}/" "$1/proc/cmdline"
	mkdir -p "$1/sys/bus/pci/drivers/vfio-pci"
	for _b in 0000:02:00.0 0000:02:00.1; do
		ln -sfn ../../../../bus/pci/drivers/vfio-pci "$1/sys/bus/pci/devices/$_b/driver"
	done
}
tools() { # ROOT SYNC-DIR: what every root needs to run the trial's commands
	for _a in grep sed rmdir mv cp tail tr sync; do ln -sf busybox "$1/bin/$_a"; done
	mkdir -p "$1/usr/bin" "$1/usr/sbin" "$1/var/log" "$1/$2" "$1/dev"
	: >"$1/dev/null" # (the commands' 2>/dev/null, in a root without devices)
	cp "$top_srcdir/bind/vfioconf-trial-sync" "$1/$2/vfioconf-trial-sync"
	printf '#!/bin/sh\ncat "$1"\n' >"$1/usr/bin/lsinitrd"
	cp "$1/usr/bin/lsinitrd" "$1/usr/bin/lsinitcpio"
	chmod 755 "$1/usr/bin/lsinitrd" "$1/usr/bin/lsinitcpio"
}

# ---- Fedora: GRUB with BLS entries
MID=4a3c2b1d
bls_entry() { # ID-PREFIX KVER: an entry as Fedora's kernel-install writes it
	printf 'title Fedora Linux (%s) 39 (Workstation Edition)\nversion %s\nlinux /vmlinuz-%s\n' "$2" "$2" "$2"
	printf 'initrd /initramfs-%s.img\noptions root=/dev/mapper/fedora-root ro rd.lvm.lv=fedora/root rhgb quiet\n' "$2"
	printf 'grub_users $grub_users\ngrub_arg --unrestricted\ngrub_class fedora\n'
}
fedora_root() { # NAME [MACHINE-ID]: Fedora on GRUB with BLS entries, two kernels
	regen_stack "$tmp/$1" fedora
	_r="$tmp/$1/root" _m=${2:-$MID}
	tools "$_r" usr/libexec/vfioconf
	rm -f "$_r/boot/loader/entries/"*.conf
	bls_entry "$_m" "$K" >"$_r/boot/loader/entries/$_m-$K.conf"
	bls_entry "$_m" 6.5.6-300.fc39.x86_64 >"$_r/boot/loader/entries/$_m-6.5.6-300.fc39.x86_64.conf"
	# the older kernel is the default (grub2-set-default): the trial follows it
	printf '# GRUB Environment Block\nsaved_entry=%s-%s\nboot_success=0\n' "$_m" "$K" >"$_r/boot/grub2/grubenv"
	cat >"$_r/usr/bin/grub2-editenv" <<'TOOL'
#!/bin/sh
f=$1 op=$2 kv=${3:-}
[ "$f" != - ] || f=/boot/grub2/grubenv
case $op in
list) grep -v '^#' "$f" ;;
set) grep -v "^${kv%%=*}=" "$f" >"$f.new"; echo "$kv" >>"$f.new"; cat "$f.new" >"$f"; rm "$f.new" ;;
unset) grep -v "^$kv=" "$f" >"$f.new"; cat "$f.new" >"$f"; rm "$f.new" ;;
esac
TOOL
	printf '#!/bin/sh\necho "grub2-reboot $*" >>/var/log/fake-grub2-reboot.log\ngrub2-editenv - set next_entry=$1\n' \
		>"$_r/usr/sbin/grub2-reboot"
	cat >"$_r/usr/bin/dracut" <<'TOOL'
#!/bin/sh
echo "dracut $*" >>/var/log/fake-dracut.log
out= kver= conf=
while [ $# -gt 0 ]; do
	case $1 in --conf) conf=$2; shift ;; --confdir|--include) shift ;;
	--regenerate-all) out=/boot/initrd.img-6.1.0-18-amd64 kver=6.1.0-18-amd64 ;; -*) ;;
	*) if [ -z "$out" ] && [ "$1" != / ]; then out=$1; elif [ -n "$out" ]; then kver=$1; fi ;; esac
	shift
done
printf 'image %s from %s\nusr/lib/modules/%s/kernel/drivers/vfio/pci/vfio-pci.ko\n' "$kver" "${conf:-/etc/dracut.conf}" "$kver" >"$out"
TOOL
	printf '#!/bin/sh\necho "grubby $*" >>/var/log/fake-grubby.log\n' >"$_r/usr/sbin/grubby"
	chmod 755 "$_r/usr/bin/grub2-editenv" "$_r/usr/sbin/grub2-reboot" "$_r/usr/bin/dracut" "$_r/usr/sbin/grubby"
}

fedora_root f; f="$tmp/f"
snapshot "$f/root" "$tmp/f-before"
at "$f" plan --trial --select $SEL >"$tmp/out" 2>&1; rc=$?
expect_eq "BLS: plan --trial: exit 0" 0 "$rc"
id=$(trial_id "$tmp/out")
expect_eq "BLS: the trial has an id" 8 "${#id}"
expect_eq "BLS: plan --trial writes nothing" "" "$(snapshot "$f/root" "$tmp/f-plan"; changed "$tmp/f-before" "$tmp/f-plan")"
expect_contains "BLS: the trial's entry, kept under /boot/vfioconf" "$tmp/out" "+++ boot/vfioconf/$id/bls-entry.conf"
expect_contains "BLS: its title, the default entry's (saved_entry), marked" "$tmp/out" \
	"+title vfioconf trial $id (once): Fedora Linux ($K) 39 (Workstation Edition)"
expect_contains "BLS: the default entry's kernel, not the newest" "$tmp/out" "+linux /vmlinuz-$K"
expect_contains "BLS: its options with the plan's parameters, the trial's id and panic=10" "$tmp/out" \
	"+options root=/dev/mapper/fedora-root ro rd.lvm.lv=fedora/root rhgb quiet intel_iommu=on iommu=pt rd.driver.pre=vfio_pci vfioconf.trial=$id panic=10"
expect_contains "BLS: the trial's initramfs beside the default's" "$tmp/out" "+initrd /vfioconf/$id/initrd.img-$K"
expect_contains "BLS: GRUB's own lines kept" "$tmp/out" "+grub_class fedora"
expect_contains "BLS: one command builds the image, puts the entry in place, sets the one-shot" "$tmp/out" \
	"/usr/libexec/vfioconf/vfioconf-trial-sync grub-bls $id $K"
expect_contains "BLS: the one-shot is grub2-reboot's" "$tmp/out" "grub2-reboot vfioconf-trial"
expect_not_contains "BLS: /etc/default/grub does not change" "$tmp/out" "+++ etc/default/grub"
expect_not_contains "BLS: grubby is not run" "$tmp/out" "grubby --update-kernel"

at "$f" apply --trial --select $SEL --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "BLS: apply --trial: exit 0" 0 "$rc"
id=$(trial_id "$tmp/out")
expect_contains "BLS: apply --trial: done" "$tmp/out" "Done: trial $id, transaction"
snapshot "$f/root" "$tmp/f-after"
expect_eq "BLS: apply --trial changes /boot/vfioconf, the trial's entry and grubenv only (no /etc, no default entry)" \
	"boot/grub2/grubenv boot/loader/entries/vfioconf-trial.conf boot/vfioconf/$id/bls-entry.conf boot/vfioconf/$id/devices.conf boot/vfioconf/$id/dracut.conf boot/vfioconf/$id/dracut.conf.d/01-dist.conf boot/vfioconf/$id/dracut.conf.d/10-vfioconf.conf boot/vfioconf/$id/include/etc/modprobe.d/vfioconf.conf boot/vfioconf/$id/include/etc/vfioconf/devices.conf boot/vfioconf/$id/initrd.img-$K boot/vfioconf/$id/modprobe.conf boot/vfioconf/$id/trial.conf " \
	"$(changed "$tmp/f-before" "$tmp/f-after")"
expect_eq "BLS: grubenv: the trial is the next boot, once; saved_entry as it was" \
	"saved_entry=$MID-$K next_entry=vfioconf-trial" \
	"$(grep -e saved_entry -e next_entry "$f/root/boot/grub2/grubenv" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "BLS: grub2-reboot named blscfg's id of the entry (its file name without .conf)" \
	"grub2-reboot vfioconf-trial" "$(cat "$f/root/var/log/fake-grub2-reboot.log")"
expect_contains "BLS: the entry in place names the trial" "$f/root/boot/loader/entries/vfioconf-trial.conf" \
	"vfioconf.trial=$id panic=10"
expect_contains "BLS: the image was built from the trial's configuration" "$f/root/var/log/fake-dracut.log" \
	"--conf /boot/vfioconf/$id/dracut.conf --confdir /boot/vfioconf/$id/dracut.conf.d"
at "$f" trial status >"$tmp/out" 2>&1
expect_contains "BLS: trial status: not booted yet, GRUB boots it once" "$tmp/out" \
	"Not booted yet: GRUB (BLS) boots it once, at the next boot."
at "$f" trial abort --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "BLS: trial abort: exit 0" 0 "$rc"
expect_eq "BLS: trial abort: every file as before (grubenv without the one-shot, no entry, no /boot/vfioconf)" "" \
	"$(snapshot "$f/root" "$tmp/f-aborted"; changed "$tmp/f-before" "$tmp/f-aborted")"
expect_eq "BLS: trial abort: no /boot/vfioconf left" no "$(exists "$f/root/boot/vfioconf")"

# promote: the normal apply's files (as a direct apply on a twin makes them)
fedora_root fp; fp="$tmp/fp"
fedora_root fd; fd="$tmp/fd"
at "$fd" apply --select $SEL --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "BLS: the direct apply on the twin: exit 0" 0 "$rc"
at "$fp" apply --trial --select $SEL --yes >"$tmp/out" 2>&1
id=$(trial_id "$tmp/out")
boot_trial "$fp" "$id" rd.driver.pre=vfio_pci
grep -v '^next_entry=' "$fp/root/boot/grub2/grubenv" >"$tmp/env"; cat "$tmp/env" >"$fp/root/boot/grub2/grubenv"
at "$fp" trial check >"$tmp/out" 2>&1; rc=$?
expect_eq "BLS: the trial's health check passes" 0 "$rc"
at "$fp" trial promote --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "BLS: trial promote: exit 0" 0 "$rc"
expect_eq "BLS: promote: the trial's entry and files are gone" "no no" \
	"$(exists "$fp/root/boot/loader/entries/vfioconf-trial.conf") $(exists "$fp/root/boot/vfioconf")"
snapshot "$fp/root" "$tmp/fp-after"
snapshot "$fd/root" "$tmp/fd-after"
expect_eq "BLS: promote leaves /etc and /boot as a direct apply does" "" \
	"$(changed "$tmp/fd-after" "$tmp/fp-after" | tr ' ' '\n' | grep -e '^etc/' -e '^boot/' | tr '\n' ' ')"
expect_eq "BLS: promote ran grubby as the direct apply does" "$(cat "$fd/root/var/log/fake-grubby.log")" \
	"$(cat "$fp/root/var/log/fake-grubby.log")"

# blscfg sorts by file name, newest first (rpm's vercmp): a machine id
# that starts with a letter sorts before "vfioconf"... after it: the trial
# would be entry 0, GRUB's default when saved_entry is unset
fedora_root fs f00dcafe; fs="$tmp/fs"
printf '# GRUB Environment Block\n' >"$fs/root/boot/grub2/grubenv"
at "$fs" plan --trial --select $SEL >"$tmp/out" 2>&1; rc=$?
expect_eq "BLS: the trial would sort first with no saved_entry: refused, exit 3" 3 "$rc"
expect_contains "BLS: says why" "$tmp/out" "the trial would become the default"
printf '# GRUB Environment Block\nsaved_entry=f00dcafe-%s\n' "$K" >"$fs/root/boot/grub2/grubenv"
at "$fs" plan --trial --select $SEL >"$tmp/out" 2>&1; rc=$?
expect_eq "BLS: the same entries, the default named by its id: a trial, exit 0" 0 "$rc"
# grubenv on LVM (no /boot of its own): GRUB cannot use the one-shot up
fedora_root fl; fl="$tmp/fl"
sed -i '\| /boot |d' "$fl/proc/self/mountinfo"
at "$fl" plan --trial --select $SEL >"$tmp/out" 2>&1; rc=$?
expect_eq "BLS: grubenv on LVM: refused, exit 3" 3 "$rc"
expect_contains "BLS: says why" "$tmp/out" "where GRUB cannot write grubenv"
# older Fedora on EFI: grubenv a link to the ESP's, written there
fedora_root fe; fe="$tmp/fe"
mkdir -p "$fe/root/boot/efi/EFI/fedora"
mv "$fe/root/boot/grub2/grubenv" "$fe/root/boot/efi/EFI/fedora/grubenv"
ln -s ../efi/EFI/fedora/grubenv "$fe/root/boot/grub2/grubenv"
echo "22 21 8:3 / /boot/efi rw,relatime shared:1 - vfat /dev/sda3 rw" >>"$fe/proc/self/mountinfo"
at "$fe" apply --trial --select $SEL --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "BLS: grubenv a link to the ESP: a trial, exit 0" 0 "$rc"
expect_contains "BLS: the one-shot is in the ESP's grubenv" "$fe/root/boot/efi/EFI/fedora/grubenv" "next_entry=vfioconf-trial"

# ---- rEFInd and Limine (Arch, mkinitcpio)
arch_root() { # NAME: Arch with rEFInd, /boot on the root file system, the ESP on /boot/efi
	regen_stack "$tmp/$1" refind
	_r="$tmp/$1/root"
	tools "$_r" usr/lib/vfioconf
	echo "kernel linux" >"$_r/boot/vmlinuz-linux"
	echo "kernel linux-lts" >"$_r/boot/vmlinuz-linux-lts"
	touch -d 2020-01-01 "$_r/boot/vmlinuz-linux-lts" # older: rEFInd's default is vmlinuz-linux
	echo linux >"$_r/lib/modules/$K/pkgbase"
	echo "image linux" >"$_r/boot/initramfs-linux.img"
	cat >"$_r/usr/bin/mkinitcpio" <<'TOOL'
#!/bin/sh
echo "mkinitcpio $*" >>/var/log/fake-mkinitcpio.log
c=/etc/mkinitcpio.conf k= g=
while [ $# -gt 0 ]; do case $1 in -c) c=$2; shift ;; -k) k=$2; shift ;; -g) g=$2; shift ;; esac; shift; done
[ -n "$g" ] || g=/boot/initramfs-linux.img
printf 'image %s from %s\nusr/lib/modules/%s/kernel/drivers/vfio/pci/vfio-pci.ko\n' "$k" "$c" "$k" >"$g"
TOOL
	chmod 755 "$_r/usr/bin/mkinitcpio"
}

arch_root r; r="$tmp/r"
RL="$r/root/boot/refind_linux.conf"
first=$(head -n 1 "$RL")
cp "$RL" "$tmp/rl-before"
snapshot "$r/root" "$tmp/r-before"
at "$r" plan --trial --select $SEL >"$tmp/out" 2>&1; rc=$?
expect_eq "rEFInd: plan --trial: exit 0" 0 "$rc"
id=$(trial_id "$tmp/out")
expect_contains "rEFInd: the trial is a line appended to refind_linux.conf" "$tmp/out" \
	"+\"vfioconf trial $id\" \"root=PARTUUID=5028fa50-0079-4c40-b240-abfaf28693ea rw add_efi_memmap initrd=boot\\amd-ucode.img initrd=boot\\vfioconf\\$id\\initrd.img-$K intel_iommu=on iommu=pt vfioconf.trial=$id panic=10\""
expect_contains "rEFInd: the notes say it is picked by hand, the default unchanged" "$tmp/out" \
	"rEFInd has no one-shot: pick 'vfioconf trial $id' in the rEFInd menu"
expect_contains "rEFInd: ... of the default kernel (the newest)" "$tmp/out" "as the entry 'vmlinuz-linux, Boot with standard options' does"
expect_contains "rEFInd: the command builds the image, no one-shot" "$tmp/out" \
	"/usr/lib/vfioconf/vfioconf-trial-sync refind $id $K /boot"
at "$r" apply --trial --select $SEL --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "rEFInd: apply --trial: exit 0" 0 "$rc"
id=$(trial_id "$tmp/out")
expect_contains "rEFInd: apply --trial's output says what to pick" "$tmp/out" \
	"pick 'vfioconf trial $id' in the rEFInd menu (the kernel's submenu: Insert, F2 or + on its entry) at the next boot; the default entry is unchanged"
expect_contains "rEFInd: apply --trial's last lines say what to pick" "$(tail -n 2 "$tmp/out" >"$tmp/last"; echo "$tmp/last")" \
	"Reboot, and pick 'vfioconf trial $id' in the rEFInd menu"
expect_not_contains "rEFInd: apply --trial promises no one-shot" "$tmp/out" "the boot loader boots the trial entry once"
snapshot "$r/root" "$tmp/r-after"
expect_eq "rEFInd: apply --trial changes refind_linux.conf and /boot/vfioconf only (nothing in /etc)" \
	"boot/refind_linux.conf boot/vfioconf/$id/devices.conf boot/vfioconf/$id/initcpio/install/vfioconf-trial boot/vfioconf/$id/initrd.img-$K boot/vfioconf/$id/mkinitcpio.conf boot/vfioconf/$id/modprobe.conf boot/vfioconf/$id/trial.conf " \
	"$(changed "$tmp/r-before" "$tmp/r-after")"
expect_eq "rEFInd: the first line, rEFInd's default, as it was" "$first" "$(head -n 1 "$RL")"
expect_eq "rEFInd: every line before the trial's as it was" "$(cat "$tmp/rl-before")" \
	"$(head -n "$(wc -l <"$tmp/rl-before")" "$RL")"
expect_eq "rEFInd: the trial's line is the last" "\"vfioconf trial $id\"" "$(tail -n 1 "$RL" | cut -d' ' -f1-3)"
expect_contains "rEFInd: the image from the trial's configuration" "$r/root/boot/vfioconf/$id/initrd.img-$K" \
	"image $K from /boot/vfioconf/$id/mkinitcpio.conf"
at "$r" trial status >"$tmp/out" 2>&1; rc=$?
expect_eq "rEFInd: trial status: exit 0" 0 "$rc"
expect_contains "rEFInd: trial status: made, not booted yet" "$tmp/out" "Not booted yet"
# what to pick: app_trial_pick, which the command line's status prints
expect_contains "rEFInd: trial status says what to pick by hand" "$tmp/out" \
	"pick 'vfioconf trial $id' in the rEFInd menu (the kernel's submenu: Insert, F2 or + on its entry) at the next boot; the default entry is unchanged"
expect_not_contains "rEFInd: trial status promises no one-shot" "$tmp/out" "rEFInd boots it once"
at "$r" trial abort --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "rEFInd: trial abort: exit 0" 0 "$rc"
expect_eq "rEFInd: abort: every file byte for byte as before (refind_linux.conf too)" "" \
	"$(snapshot "$r/root" "$tmp/r-aborted"; changed "$tmp/r-before" "$tmp/r-aborted")"
expect_eq "rEFInd: abort: refind_linux.conf byte for byte" "" "$(cmp "$tmp/rl-before" "$RL")"
expect_eq "rEFInd: abort: no /boot/vfioconf left" no "$(exists "$r/root/boot/vfioconf")"

# promote after the trial's boot: the normal apply's files. The trial's
# line is in the file the default's apply changes (every line of it), after
# which the journal cannot take the trial back: promote takes it away first
# (app_trial_promote_abort_first, tui/cmd_trial.c)
arch_root rp; rp="$tmp/rp"
arch_root rd; rd="$tmp/rd"
at "$rd" apply --select $SEL --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "rEFInd: the direct apply on the twin: exit 0" 0 "$rc"
at "$rp" apply --trial --select $SEL --yes >"$tmp/out" 2>&1
id=$(trial_id "$tmp/out")
boot_trial "$rp" "$id"
at "$rp" trial check >"$tmp/out" 2>&1; rc=$?
expect_eq "rEFInd: the trial's health check passes" 0 "$rc"
at "$rp" trial status >"$tmp/out" 2>&1
expect_not_contains "rEFInd: booted and checked: no longer pending" "$tmp/out" "Not booted yet"
# on a terminal, promote asks again once the plan is shown (the trial is
# taken away first): n keeps /etc as it was and says the trial is gone
if command -v script >/dev/null 2>&1; then
	arch_root rq; rq="$tmp/rq"
	at "$rq" apply --trial --select $SEL --yes >"$tmp/out" 2>&1
	boot_trial "$rq" "$(trial_id "$tmp/out")"
	at "$rq" trial check >/dev/null 2>&1
	snapshot "$rq/root" "$tmp/rq-before"
	printf 'y\nn\n' | script -qec "VFIOCONF_CMD_TIMEOUT=30 '$VFIOCONF' --root '$rq/root' --sysfs '$rq/sys' \
		--procfs '$rq/proc' trial promote" /dev/null >"$tmp/out" 2>&1
	expect_contains "rEFInd promote on a terminal: asked again, after the plan" "$tmp/out" \
		"Apply this as the default boot path?"
	expect_contains "... n: says the trial is gone and nothing else changed" "$tmp/out" \
		"The trial is taken away; nothing else was changed"
	expect_eq "... /etc as before" "" \
		"$(snapshot "$rq/root" "$tmp/rq-after"; changed "$tmp/rq-before" "$tmp/rq-after" | tr ' ' '\n' | grep '^etc/')"
fi
at "$rp" trial promote --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "rEFInd: trial promote: exit 0" 0 "$rc"
expect_eq "rEFInd: promote leaves /etc and /boot as a direct apply does" "" \
	"$(snapshot "$rp/root" "$tmp/rp-after"; snapshot "$rd/root" "$tmp/rd-after"; changed "$tmp/rd-after" "$tmp/rp-after" | tr ' ' '\n' | grep -e '^etc/' -e '^boot/' | tr '\n' ' ')"
expect_not_contains "rEFInd: promote: no trial line left" "$rp/root/boot/refind_linux.conf" "vfioconf trial"
expect_eq "rEFInd: promote: the trial's files are gone" no "$(exists "$rp/root/boot/vfioconf")"

# ---- Limine: /boot the ESP (Arch), limine.conf v8
limine_root() { # NAME
	arch_root "$1"
	_r="$tmp/$1/root"
	rm "$_r/boot/refind_linux.conf"
	cp "$ROOTS/limine/root/boot/limine.conf" "$_r/boot/limine.conf"
	sed -i 's| /boot/efi | /boot |' "$tmp/$1/proc/self/mountinfo"
}
limine_root l; l="$tmp/l"
snapshot "$l/root" "$tmp/l-before"
at "$l" plan --trial --select $SEL >"$tmp/out" 2>&1; rc=$?
expect_eq "Limine: plan --trial: exit 0" 0 "$rc"
id=$(trial_id "$tmp/out")
expect_contains "Limine: an entry at the end of limine.conf" "$tmp/out" "+/vfioconf trial $id"
expect_contains "Limine: the default entry's kernel" "$tmp/out" "+    path: boot():/vmlinuz-linux"
expect_contains "Limine: its cmdline with the parameters, the id and panic=10" "$tmp/out" \
	"+    cmdline: root=UUID=6f1d2e3c-4b5a-4978-8695-a4b3c2d1e0f9 rw quiet intel_iommu=on iommu=pt vfioconf.trial=$id panic=10"
expect_contains "Limine: the trial's initramfs on the boot partition" "$tmp/out" \
	"+    module_path: boot():/vfioconf/$id/initrd.img-$K"
expect_contains "Limine: the notes say it is picked by hand" "$tmp/out" \
	"Limine has no one-shot: pick 'vfioconf trial $id' in the Limine menu at the next boot; the default entry is unchanged"
at "$l" apply --trial --select $SEL --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "Limine: apply --trial: exit 0" 0 "$rc"
id=$(trial_id "$tmp/out")
expect_eq "Limine: default_entry and the entries before the trial's as they were" \
	"$(cat "$ROOTS/limine/root/boot/limine.conf")" "$(head -n "$(wc -l <"$ROOTS/limine/root/boot/limine.conf")" "$l/root/boot/limine.conf")"
expect_eq "Limine: nothing in /etc changes" "" \
	"$(snapshot "$l/root" "$tmp/l-after"; changed "$tmp/l-before" "$tmp/l-after" | tr ' ' '\n' | grep '^etc/')"
at "$l" trial abort --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "Limine: trial abort: exit 0" 0 "$rc"
expect_eq "Limine: abort: every file byte for byte as before (limine.conf too)" "" \
	"$(snapshot "$l/root" "$tmp/l-aborted"; changed "$tmp/l-before" "$tmp/l-aborted")"
# remember_last_entry: the trial, once picked, would stay the default
limine_root lr; lr="$tmp/lr"
sed -i '1i remember_last_entry: yes' "$lr/root/boot/limine.conf"
at "$lr" plan --trial --select $SEL >"$tmp/out" 2>&1; rc=$?
expect_eq "Limine: remember_last_entry: refused, exit 3" 3 "$rc"
expect_contains "Limine: says why" "$tmp/out" "would become the default entry"
# the ESP on /efi, the kernels in /efi/arch: the image goes where the entry names it
limine_root le; le="$tmp/le"
mkdir -p "$le/root/efi/limine" "$le/root/efi/arch"
sed 's|boot():/|boot():/arch/|' "$le/root/boot/limine.conf" >"$le/root/efi/limine/limine.conf"
rm "$le/root/boot/limine.conf"
mv "$le/root/boot/vmlinuz-linux" "$le/root/boot/initramfs-linux.img" "$le/root/efi/arch/"
sed -i 's| /boot | /efi |' "$le/proc/self/mountinfo"
snapshot "$le/root" "$tmp/le-before"
at "$le" apply --trial --select $SEL --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "Limine on /efi: apply --trial: exit 0" 0 "$rc"
id=$(trial_id "$tmp/out")
expect_contains "Limine on /efi: the entry names the image beside the kernel" "$le/root/efi/limine/limine.conf" \
	"module_path: boot():/arch/vfioconf/$id/initrd.img-$K"
expect_contains "Limine on /efi: the image is there" "$le/root/efi/arch/vfioconf/$id/initrd.img-$K" "vfio-pci.ko"
at "$le" trial abort --yes >"$tmp/out" 2>&1
expect_eq "Limine on /efi: abort: every file as before (the copy on the ESP gone)" "" \
	"$(snapshot "$le/root" "$tmp/le-aborted"; changed "$tmp/le-before" "$tmp/le-aborted")"
expect_eq "Limine on /efi: abort: no vfioconf directory left on the ESP or /boot" "no no" \
	"$(exists "$le/root/efi/arch/vfioconf") $(exists "$le/root/boot/vfioconf")"

# ---- the loaders left: refused, plainly
vf popos plan --trial --select 0000:01:00.0 --bootloader kernelstub >"$tmp/out" 2>&1; rc=$?
expect_eq "kernelstub: no trial, exit 3" 3 "$rc"
expect_contains "kernelstub: says which boot loaders can" "$tmp/out" \
	"the boot loader is kernelstub; a trial boot needs GRUB with update-grub"
expect_contains "kernelstub: ... now with Fedora's BLS, rEFInd and Limine" "$tmp/out" \
	"or with BLS entries (Fedora), systemd-boot with loader entries, rEFInd or Limine"

finish
