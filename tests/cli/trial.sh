#!/bin/sh
# plan --trial (issue 14, first part): the plan's boot path as a GRUB entry
# of its own in custom.cfg, a copy of grub.cfg's default entry (as Debian's
# grub-mkconfig writes it) with the plan's parameters, vfioconf.trial=ID and
# panic=10, and an initramfs of its own built by mkinitramfs -d from a copy
# of /etc/initramfs-tools; nothing in /etc and no default entry changes.
# Refused, with the reason, where GRUB could not use up the one-shot
# (btrfs, LVM) or the default entry is not a fixed top-level entry.
. "$top_srcdir/tests/lib.sh"

cfg="$top_srcdir/tests/fixtures/grub/debian12.cfg"
mk() { # NAME MACHINE: a Debian stack with grub.cfg as grub-mkconfig writes it
	cp -a "$ROOTS/$2" "$tmp/$1"
	cp -a "$top_srcdir/tests/fixtures/distros/debian/." "$tmp/$1/root/"
	cp "$cfg" "$tmp/$1/root/boot/grub/grub.cfg"
	for t in mkinitramfs grub-reboot; do
		printf '#!/bin/sh\necho "fake %s $*" >&2\n' "$t" >"$tmp/$1/root/usr/sbin/$t"
		chmod 755 "$tmp/$1/root/usr/sbin/$t"
	done
	mkdir -p "$tmp/$1/root/usr/libexec/vfioconf"
	cp "$top_srcdir/bind/vfioconf-trial-sync" "$tmp/$1/root/usr/libexec/vfioconf/"
}
tv() { d=$1; shift; "$VFIOCONF" --root "$tmp/$d/root" --sysfs "$tmp/$d/sys" --procfs "$tmp/$d/proc" "$@"; }

mk deb z170
snapshot "$tmp/deb/root" "$tmp/before"
tv deb plan --trial --select 0000:02:00.0 >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "plan --trial on Debian (GRUB, initramfs-tools): exit 0" 0 "$rc"
id=$(sed -n 's/^Trial boot \([0-9a-f]*\):.*/\1/p' "$tmp/out")
expect_eq "the trial has an id of 8 hex digits" 8 "${#id}"
snapshot "$tmp/deb/root" "$tmp/after"
expect_eq "plan --trial writes nothing" "" "$(diff "$tmp/before" "$tmp/after")"
expect_not_contains "no file under /etc changes" "$tmp/out" "+++ etc/"
expect_contains "the trial's entry goes into custom.cfg" "$tmp/out" "+++ boot/grub/custom.cfg"
expect_contains "its own id, for grub-reboot" "$tmp/out" \
	"+menuentry 'vfioconf trial $id (once): Debian GNU/Linux' --id vfioconf-trial {"
expect_contains "the default entry's linux line, with the plan's parameters, its id and panic=10" "$tmp/out" \
	"+	linux	/boot/vmlinuz-6.1.0-18-amd64 root=UUID=96b7100c-6b49-4843-bf6c-6c8c78918a3a ro  quiet intel_iommu=on iommu=pt vfioconf.trial=$id panic=10"
expect_contains "the trial's own initramfs, beside /boot's" "$tmp/out" \
	"+	initrd	/boot/vfioconf/$id/initrd.img-6.1.0-18-amd64"
expect_contains "the default entry's search line comes along" "$tmp/out" \
	"+	search --no-floppy --fs-uuid --set=root 96b7100c-6b49-4843-bf6c-6c8c78918a3a"
expect_contains "one command builds the image and sets the one-shot (and takes both away on undo)" "$tmp/out" \
	"/usr/libexec/vfioconf/vfioconf-trial-sync $id 6.1.0-18-amd64"
# what that command runs, by the script itself
expect_contains "the sync script: mkinitramfs -d on the trial's copy of /etc/initramfs-tools" \
	"$top_srcdir/bind/vfioconf-trial-sync" 'mkinitramfs -d "$dir/initramfs-tools" -o "$dir/initrd.img-$kver" "$kver"'
expect_contains "the sync script: grub-reboot, the next boot only" "$top_srcdir/bind/vfioconf-trial-sync" "grub-reboot vfioconf-trial"
expect_contains "the trial's modprobe.d file binds the GPU" "$tmp/out" "+options vfio-pci ids=10de:0fbb,10de:13c2 disable_vga=1"
expect_contains "the trial's modules list loads vfio_pci" "$tmp/out" "+vfio_pci"
expect_contains "the user's modules file comes along" "$tmp/out" "+# List of modules that you want to include in your initramfs."
expect_contains "the note says the default stays" "$tmp/out" "the next boot is the default entry, unchanged"

# GRUB's own parser on the entry (grub-script-check, grub-common)
sed -n '/^+### BEGIN vfioconf trial/,/^+### END vfioconf trial/p' "$tmp/out" | sed 's/^+//' >"$tmp/custom.cfg"
if command -v grub-script-check >/dev/null 2>&1; then
	grub-script-check "$tmp/custom.cfg"
	expect_eq "grub-script-check accepts the trial's custom.cfg" 0 "$?"
	printf '}\n' >>"$tmp/custom.cfg"
	grub-script-check "$tmp/custom.cfg" >/dev/null 2>&1
	expect_eq "grub-script-check is an oracle: a stray brace fails" 1 "$?"
else
	echo "# grub-script-check missing: GRUB's parser not run"
fi
# the hook the trial's image runs: sh parses it, and it copies the trial's files
sed -n '/^+++ boot\/vfioconf\/.*\/hooks\/vfioconf$/,/^# /p' "$tmp/out" | sed -n 's/^+//p' | sed 1,2d >"$tmp/hook"
sh -n "$tmp/hook"; expect_eq "the trial's hook is sh" 0 "$?"
expect_contains "the hook puts the trial's modprobe.d file into the image" "$tmp/hook" \
	"cp /boot/vfioconf/$id/modprobe.conf \"\$DESTDIR/etc/modprobe.d/vfioconf.conf\""
# a parameter the default entry has already is not added twice
expect_eq "intel_iommu=on once on the trial's linux line" 1 \
	"$(grep '^+	linux' "$tmp/out" | tr ' ' '\n' | grep -c '^intel_iommu=on$')"
tv deb plan --trial --select 0000:02:00.0 --json >"$tmp/j" 2>/dev/null
expect_eq "--json: the trial plan's files" "boot/grub/custom.cfg" \
	"$(jq -r '.files[].path' "$tmp/j" | grep custom)"

# GRUB_DEFAULT names the entry by id: the same entry; by a submenu: refused
sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=gnulinux-simple-96b7100c-6b49-4843-bf6c-6c8c78918a3a/' "$tmp/deb/root/etc/default/grub"
tv deb plan --trial --select 0000:02:00.0 >"$tmp/out" 2>&1
expect_contains "GRUB_DEFAULT=<id>: that entry" "$tmp/out" "(once): Debian GNU/Linux' --id vfioconf-trial"
sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=saved/' "$tmp/deb/root/etc/default/grub"
tv deb plan --trial --select 0000:02:00.0 >"$tmp/out" 2>&1; rc=$?
expect_eq "GRUB_DEFAULT=saved: refused, exit 3" 3 "$rc"
expect_contains "GRUB_DEFAULT=saved: says why" "$tmp/out" "GRUB_DEFAULT=saved: the default entry is whatever booted last"
sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=gnulinux-advanced-96b7100c-6b49-4843-bf6c-6c8c78918a3a/' "$tmp/deb/root/etc/default/grub"
tv deb plan --trial --select 0000:02:00.0 >"$tmp/out" 2>&1
expect_contains "GRUB_DEFAULT=<the submenu's id>: refused" "$tmp/out" "default entry is a submenu"
sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=0/' "$tmp/deb/root/etc/default/grub"

# where GRUB cannot write grubenv, the one-shot would stick: refused
mk btr z170
sed -i 's/ - ext4 / - btrfs /' "$tmp/btr/proc/self/mountinfo"
tv btr plan --trial --select 0000:02:00.0 >"$tmp/out" 2>&1; rc=$?
expect_eq "/ on btrfs: refused, exit 3" 3 "$rc"
expect_contains "btrfs: says why" "$tmp/out" "/ is on btrfs, where GRUB cannot write grubenv: a one-shot boot would stay the default"
expect_contains "btrfs: says what to do instead" "$tmp/out" "'vfioconf apply' without --trial changes the default boot path"
mk lvm z170
sed -i 's| - ext4 /dev/sda2| - ext4 /dev/mapper/vg-root|' "$tmp/lvm/proc/self/mountinfo"
tv lvm plan --trial --select 0000:02:00.0 >"$tmp/out" 2>&1
expect_contains "/ on LVM without a /boot of its own: refused" "$tmp/out" "/ is on /dev/mapper/vg-root (LVM, RAID or encryption)"
# LVM root with a plain /boot (twin-gpus): fine, and GRUB's paths have no /boot
mk sep twin-gpus
sed -i 's|/boot/vmlinuz|/vmlinuz|; s|/boot/initrd|/initrd|' "$tmp/sep/root/boot/grub/grub.cfg"
tv sep plan --trial --select 0000:02:00.0 >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "LVM root, plain /boot: a trial, exit 0" 0 "$rc"
id=$(sed -n 's/^Trial boot \([0-9a-f]*\):.*/\1/p' "$tmp/out")
expect_contains "a /boot of its own: the trial's initramfs in GRUB's terms" "$tmp/out" \
	"+	initrd	/vfioconf/$id/initrd.img-6.1.0-18-amd64"

# grub.cfg that does not read custom.cfg: refused
mk nocustom z170
sed -i '/41_custom/,$d' "$tmp/nocustom/root/boot/grub/grub.cfg"
tv nocustom plan --trial --select 0000:02:00.0 >"$tmp/out" 2>&1
expect_contains "no 41_custom in grub.cfg: refused" "$tmp/out" "does not read custom.cfg (/etc/grub.d/41_custom)"
# another boot loader: said plainly
tv deb plan --trial --select 0000:02:00.0 --bootloader kernel-cmdline >"$tmp/out" 2>&1; rc=$?
expect_eq "kernel-cmdline (systemd-boot): no trial yet, refused, exit 3" 3 "$rc"
expect_contains "kernel-cmdline: says which boot loaders can" "$tmp/out" "a trial boot needs GRUB with update-grub"
tv deb plan --trial >"$tmp/out" 2>&1
expect_contains "nothing selected: nothing to try" "$tmp/out" "nothing is selected to try"

# ---- apply --trial, its health check, abort and promote (fixture tools:
# a GRUB environment block kept as key=value lines, an mkinitramfs that
# lists the modules of the configuration it is given)
trial_root() { # NAME: a Debian stack that can run the trial's commands
	regen_stack "$tmp/$1" debian
	r="$tmp/$1/root"
	for a in grep sed rmdir mv; do ln -sf busybox "$r/bin/$a"; done
	mkdir -p "$r/usr/bin"
	cp "$cfg" "$r/boot/grub/grub.cfg"
	mkdir -p "$r/usr/libexec/vfioconf"
	cp "$top_srcdir/bind/vfioconf-trial-sync" "$r/usr/libexec/vfioconf/vfioconf-trial-sync"
	sh "$top_srcdir/tests/tools/grubenv-stand-ins.sh" "$r"
	cat >"$r/usr/sbin/mkinitramfs" <<'TOOL'
#!/bin/sh
while [ $# -gt 1 ]; do case $1 in -d) d=$2; shift 2 ;; -o) o=$2; shift 2 ;; *) shift ;; esac; done
{ echo "image $1 from $d"
  while read -r m rest; do case $m in ''|\#*) ;; *) echo "kernel/$m.ko" ;; esac; done <"$d/modules"
  ls "$d/hooks"
} >"$o"
TOOL
	printf '#!/bin/sh\ncat "$1"\n' >"$r/usr/bin/lsinitramfs"
	chmod 755 "$r/usr/bin/grub-editenv" "$r/usr/sbin/grub-reboot" "$r/usr/sbin/mkinitramfs" "$r/usr/bin/lsinitramfs"
}
at() { _m=$1; shift; VFIOCONF_CMD_TIMEOUT=30 "$VFIOCONF" --root "$_m/root" --sysfs "$_m/sys" --procfs "$_m/proc" "$@"; }
boot_trial() { # DIR ID: the trial's boot, as the kernel shows it (GRUB used up the one-shot)
	sed -i "s/\$/ vfioconf.trial=$2 iommu=pt/" "$1/proc/cmdline"
	mkdir -p "$1/sys/bus/pci/drivers/vfio-pci"
	for f in 0000:02:00.0 0000:02:00.1; do ln -sfn ../../../../bus/pci/drivers/vfio-pci "$1/sys/bus/pci/devices/$f/driver"; done
	at "$1" trial status >/dev/null 2>&1 # (reads only)
	grep -v '^next_entry=' "$1/root/boot/grub/grubenv" >"$1/env.new"; mv "$1/env.new" "$1/root/boot/grub/grubenv"
}

trial_root t; t="$tmp/t"
snapshot "$t/root" "$tmp/t-before"
at "$t" apply --trial --select 0000:02:00.0 --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "apply --trial: exit 0" 0 "$rc"
id=$(sed -n 's/^Trial boot \([0-9a-f]*\):$/\1/p' "$tmp/out")
expect_contains "apply --trial: says what the next boots do" "$tmp/out" "Done: trial $id, transaction"
expect_eq "grubenv: the trial is the next boot, once" "next_entry=vfioconf-trial" "$(grep next_entry "$t/root/boot/grub/grubenv")"
expect_contains "the trial's image, from its own modules list" "$t/root/boot/vfioconf/$id/initrd.img-6.1.0-18-amd64" "kernel/vfio_pci.ko"
expect_contains "the trial's image was built from the trial's configuration" "$t/root/boot/vfioconf/$id/initrd.img-6.1.0-18-amd64" \
	"image 6.1.0-18-amd64 from /boot/vfioconf/$id/initramfs-tools"
snapshot "$t/root" "$tmp/t-after"
expect_eq "apply --trial: nothing under /etc changes, nor the default initramfs" "" \
	"$(diff "$tmp/t-before" "$tmp/t-after" | grep '^[<>]' | grep -v -e ' ./boot/vfioconf/' -e ' ./boot/grub/custom.cfg' -e ' ./boot/grub/grubenv')"
at "$t" history --json >"$tmp/h"
expect_eq "history: a trial transaction" trial "$(jq -r '.transactions[-1].kind' "$tmp/h")"
at "$t" trial status >"$tmp/out" 2>&1; rc=$?
expect_eq "trial status: exit 0" 0 "$rc"
expect_contains "trial status: not booted yet" "$tmp/out" "Not booted yet: GRUB boots it once, at the next boot."
expect_contains "trial status: the parameters" "$tmp/out" "kernel 6.1.0-18-amd64, with intel_iommu=on iommu=pt"
at "$t" apply --trial --select 0000:02:00.0 --yes >"$tmp/out" 2>&1
expect_contains "a second trial over the first: refused" "$tmp/out" "trial $id is there already; 'vfioconf trial promote' or 'vfioconf trial abort' first"

# the health check on another boot judges nothing and records nothing
at "$t" trial check >"$tmp/out" 2>&1; rc=$?
expect_eq "trial check on a boot that is not the trial: exit 1" 1 "$rc"
expect_contains "trial check elsewhere: says so" "$tmp/out" "this boot is not the trial"
expect_eq "trial check elsewhere: no verdict recorded" no "$([ -e "$t/root/var/lib/vfioconf/trials/$id" ] && echo yes || echo no)"
# the health check on the trial's boot: passed, then failed
boot_trial "$t" "$id"
at "$t" trial check >"$tmp/out" 2>&1; rc=$?
expect_eq "trial check on the trial's boot, devices on vfio-pci: exit 0" 0 "$rc"
expect_contains "trial check: passed" "$tmp/out" "Trial $id: passed"
expect_contains "the verdict recorded" "$t/root/var/lib/vfioconf/trials/$id" "result = passed"
at "$t" trial status >"$tmp/out" 2>&1
expect_contains "trial status: this boot is the trial" "$tmp/out" "This boot is the trial."
expect_contains "trial status: the check's verdict" "$tmp/out" "result = passed"
ln -sfn ../../../../bus/pci/drivers/nouveau "$t/sys/bus/pci/devices/0000:02:00.0/driver"
at "$t" trial check >"$tmp/out" 2>&1; rc=$?
expect_eq "trial check, the GPU on nouveau: exit 1 (the unit reboots)" 1 "$rc"
expect_contains "trial check: says which device" "$tmp/out" "0000:02:00.0: on nouveau, not on vfio-pci"
expect_contains "the failure recorded" "$t/root/var/lib/vfioconf/trials/$id" "result = failed"
at "$t" trial promote --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "promote after a failed check: refused, exit 1" 1 "$rc"
expect_contains "promote: says why and what forces it" "$tmp/out" "has no passed health check on record"

# abort: every byte of the system as before the trial
at "$t" trial abort --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "trial abort: exit 0" 0 "$rc"
snapshot "$t/root" "$tmp/t-aborted"
expect_eq "trial abort: every file as before the trial (grubenv, custom.cfg, /boot/vfioconf gone)" "" \
	"$(diff "$tmp/t-before" "$tmp/t-aborted")"
expect_eq "trial abort: no /boot/vfioconf left" no "$([ -e "$t/root/boot/vfioconf" ] && echo yes || echo no)"
at "$t" trial status >"$tmp/out" 2>&1; rc=$?
expect_eq "trial status after abort: none, exit 4" 4 "$rc"

# abort before it booted: the one-shot goes too
trial_root u; u="$tmp/u"
snapshot "$u/root" "$tmp/u-before"
at "$u" apply --trial --select 0000:02:00.0 --yes >/dev/null 2>&1
at "$u" trial abort --yes >"$tmp/out" 2>&1
snapshot "$u/root" "$tmp/u-aborted"
expect_eq "abort before the boot: grubenv without the one-shot, every file as before" "" \
	"$(diff "$tmp/u-before" "$tmp/u-aborted")"

# the screen offers "Try once" first where a trial can be made; t makes it
trial_root sc; sc="$tmp/sc"
scr() { printf '%b' "$1" | env VFIOCONF_HEADLESS=100x200 TERM=xterm-256color LC_ALL=C.UTF-8 \
	VFIOCONF_CMD_TIMEOUT=30 "$VFIOCONF" --root "$sc/root" --sysfs "$sc/sys" --procfs "$sc/proc" >"$tmp/screen" 2>&1; }
snapshot "$sc/root" "$tmp/sc-before"
scr '/970\n p'
expect_contains "screen preview: t offered first" "$tmp/screen" "Press t to try it once first: the plan's boot path as a boot"
expect_contains "screen preview: and a after it" "$tmp/screen" "Or press a to apply it as one"
expect_contains "screen preview: the key line names t and a" "$tmp/screen" "scroll  t try once  a apply  Esc back"
scr '/970\n ptn'
expect_eq "t, answered no: nothing written" "" "$(snapshot "$sc/root" "$tmp/sc-no"; diff "$tmp/sc-before" "$tmp/sc-no")"
scr '/970\n pty'
id=$(sed -n 's/.*Trial \([0-9a-f]\{8\}\) made\..*/\1/p' "$tmp/screen" | head -1)
expect_eq "t, y: the message line names the trial it made" 8 "${#id}"
expect_eq "t, y: grubenv's one-shot is the trial" "next_entry=vfioconf-trial" "$(grep next_entry "$sc/root/boot/grub/grubenv")"
expect_contains "t, y: the trial's entry in custom.cfg" "$sc/root/boot/grub/custom.cfg" "vfioconf trial $id (once)"
expect_eq "t, y: /etc untouched" "" \
	"$(snapshot "$sc/root" "$tmp/sc-after"; diff "$tmp/sc-before" "$tmp/sc-after" | grep '^[<>] ./etc/')"
at "$sc" trial status >"$tmp/out" 2>&1
expect_contains "t, y: trial status knows it" "$tmp/out" "Not booted yet: GRUB boots it once, at the next boot."
scr 's'
expect_contains "the screen's status view shows the trial, in the same words" "$tmp/screen" \
	"Not booted yet: GRUB boots it once, at the next boot."
expect_contains "the status view: what to do with it" "$tmp/screen" "'vfioconf trial promote' makes it the default"

# an abort cut off while its command ran (a power cut): recovery takes the
# abort back, every file as it found it; GRUB's one-shot as it was, armed
# when the trial had not booted, used up when it had
cut_abort() { # NAME booted|armed
	trial_root "$1"; _k="$tmp/$1"
	at "$_k" apply --trial --select 0000:02:00.0 --yes >"$tmp/out" 2>&1
	_id=$(sed -n 's/^Trial boot \([0-9a-f]*\):$/\1/p' "$tmp/out")
	[ "$2" = armed ] || boot_trial "$_k" "$_id"
	# vfioconf-trial-sync does its work, then a wrapper kills vfioconf (its
	# parent) once, as a power cut right after the command would; the
	# runner mounts /proc where the root has the directory
	mkdir -p "$_k/root/proc"
	_s=$_k/root/usr/libexec/vfioconf/vfioconf-trial-sync
	mv "$_s" "$_s.real"
	cat >"$_s" <<'TOOL'
#!/bin/sh
/usr/libexec/vfioconf/vfioconf-trial-sync.real "$@"; rc=$?
if [ -e /kill-vfioconf ]; then
	rm /kill-vfioconf
	kill -9 "$PPID"
fi
exit $rc
TOOL
	chmod 755 "$_s"
	snapshot "$_k/root" "$tmp/$1-before"
	touch "$_k/root/kill-vfioconf"
	at "$_k" trial abort --yes >"$tmp/out" 2>&1; _rc=$?
	expect_eq "abort ($2) killed while its command ran: exit 137" 137 "$_rc"
	expect_eq "abort ($2): killed right after its command (vfioconf-trial-sync)" no \
		"$([ -e "$_k/root/kill-vfioconf" ] && echo yes || echo no)"
	at "$_k" recover >"$tmp/out" 2>&1; _rc=$?
	expect_eq "recover after the cut-off abort ($2): exit 0" 0 "$_rc"
	snapshot "$_k/root" "$tmp/$1-recovered"
	expect_eq "recover ($2): every file as before the abort (the trial, its image, grubenv)" "" \
		"$(diff "$tmp/$1-before" "$tmp/$1-recovered")"
	at "$_k" trial status >"$tmp/out" 2>&1; _rc=$?
	expect_eq "recover ($2): the trial is there again, exit 0" 0 "$_rc"
}
cut_abort k1 booted
expect_eq "recover (booted): the one-shot stays used up" "" "$(grep next_entry "$tmp/k1/root/boot/grub/grubenv")"
cut_abort k2 armed
expect_eq "recover (armed): the one-shot is set again, as before the abort" next_entry=vfioconf-trial \
	"$(grep next_entry "$tmp/k2/root/boot/grub/grubenv")"

# promote: the trial goes, its selection becomes the default boot path
trial_root p; p="$tmp/p"
at "$p" apply --trial --select 0000:02:00.0 --yes >"$tmp/out" 2>&1
id=$(sed -n 's/^Trial boot \([0-9a-f]*\):$/\1/p' "$tmp/out")
boot_trial "$p" "$id"
at "$p" trial check >/dev/null 2>&1
at "$p" trial promote --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "trial promote after a passed check: exit 0" 0 "$rc"
expect_contains "promote: the default path binds the GPU now" "$p/root/etc/modprobe.d/vfioconf.conf" "options vfio-pci ids=10de:0fbb,10de:13c2"
expect_contains "promote: GRUB's default command line gets the parameters" "$p/root/etc/default/grub.d/99-vfioconf.cfg" "iommu=pt"
expect_eq "promote: the trial's files are gone" no "$([ -e "$p/root/boot/vfioconf" ] && echo yes || echo no)"
expect_not_contains "promote: no trial entry left" "$p/root/boot/grub/custom.cfg" "vfioconf trial" 2>/dev/null
at "$p" history --json >"$tmp/h"
expect_eq "history: trial, the apply, then the trial's undo" "trial apply undo" "$(jq -r '[.transactions[].kind] | join(" ")' "$tmp/h")"

# --promote-on-success: an unattended host; the health check at the trial's
# boot promotes a trial that passes, and only one that passes
at "$p" apply --promote-on-success --select 0000:02:00.0 --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "--promote-on-success without --trial: usage, exit 2" 2 "$rc"
expect_contains "--promote-on-success without --trial: says what it goes with" "$tmp/out" \
	"--promote-on-success goes with apply --trial"
trial_root q; q="$tmp/q"
at "$q" apply --trial --promote-on-success --select 0000:02:00.0 --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "apply --trial --promote-on-success: exit 0" 0 "$rc"
id=$(sed -n 's/^Trial boot \([0-9a-f]*\):$/\1/p' "$tmp/out")
expect_contains "trial.conf records it" "$q/root/boot/vfioconf/$id/trial.conf" "promote = on-success"
at "$q" trial status >"$tmp/out" 2>&1
expect_contains "trial status says so" "$tmp/out" "Made with --promote-on-success: its health check promotes it when it passes."
at "$q" trial check >"$tmp/out" 2>&1
expect_eq "a check on another boot promotes nothing" no "$([ -e "$q/root/etc/modprobe.d/vfioconf.conf" ] && echo yes || echo no)"
boot_trial "$q" "$id"
ln -sfn ../../../../bus/pci/drivers/nouveau "$q/sys/bus/pci/devices/0000:02:00.0/driver"
at "$q" trial check >"$tmp/out" 2>&1; rc=$?
expect_eq "--promote-on-success, the check fails: exit 1" 1 "$rc"
expect_eq "a failed check promotes nothing: /etc as before" no "$([ -e "$q/root/etc/modprobe.d/vfioconf.conf" ] && echo yes || echo no)"
expect_eq "a failed check: the trial stays" yes "$([ -e "$q/root/boot/vfioconf/$id/trial.conf" ] && echo yes || echo no)"
ln -sfn ../../../../bus/pci/drivers/vfio-pci "$q/sys/bus/pci/devices/0000:02:00.0/driver"
at "$q" trial check >"$tmp/out" 2>&1; rc=$?
expect_eq "--promote-on-success, the check passes: exit 0" 0 "$rc"
expect_contains "the check says it promotes" "$tmp/out" "Trial $id: made with --promote-on-success: promoting it."
expect_contains "promoted: the default path binds the GPU" "$q/root/etc/modprobe.d/vfioconf.conf" "options vfio-pci ids=10de:0fbb,10de:13c2"
expect_eq "promoted: the trial's files are gone" no "$([ -e "$q/root/boot/vfioconf" ] && echo yes || echo no)"
at "$q" history --json >"$tmp/h"
expect_eq "promoted from the check: history trial, apply, undo" "trial apply undo" "$(jq -r '[.transactions[].kind] | join(" ")' "$tmp/h")"

# promote whose apply fails: nothing changes, the trial stays
trial_root q; q="$tmp/q"
at "$q" apply --trial --select 0000:02:00.0 --yes >"$tmp/out" 2>&1
id=$(sed -n 's/^Trial boot \([0-9a-f]*\):$/\1/p' "$tmp/out")
boot_trial "$q" "$id"
at "$q" trial check >/dev/null 2>&1
printf '#!/bin/sh\necho "update-initramfs: No space left on device" >&2\nexit 1\n' >"$q/root/usr/sbin/update-initramfs"
snapshot "$q/root" "$tmp/q-before"
at "$q" trial promote --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "promote whose apply fails: exit 1" 1 "$rc"
snapshot "$q/root" "$tmp/q-after"
expect_eq "promote whose apply fails: every file as before" "" "$(diff "$tmp/q-before" "$tmp/q-after")"
at "$q" trial status >"$tmp/out" 2>&1; rc=$?
expect_eq "promote whose apply fails: the trial is still there" 0 "$rc"

# a rollback takes the trial back with everything: no trial after it
trial_root w; w="$tmp/w"
at "$w" apply --trial --select 0000:02:00.0 --yes >/dev/null 2>&1
at "$w" rollback --yes >/dev/null 2>&1
at "$w" trial status >"$tmp/out" 2>&1; rc=$?
expect_eq "after rollback: no trial, exit 4" 4 "$rc"
at "$w" apply --trial --select 0000:02:00.0 --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "after rollback: a new trial can be made" 0 "$rc"

# grub.cfg's default entry as GRUB numbers and parses it
mk g z170
gv() { tv g plan --trial --select 0000:02:00.0 >"$tmp/out" 2>&1; }
sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=-1/' "$tmp/g/root/etc/default/grub"
gv; rc=$?
expect_eq "GRUB_DEFAULT=-1: refused, no crash (exit 3)" 3 "$rc"
sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=2/' "$tmp/g/root/etc/default/grub"
gv
expect_contains "GRUB_DEFAULT=2: a number GRUB may count otherwise: refused" "$tmp/out" "name the entry by its id"
sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=`cat \/boot\/default`/' "$tmp/g/root/etc/default/grub"
gv; rc=$?
expect_eq "GRUB_DEFAULT from a command: refused (not taken for the first entry), exit 3" 3 "$rc"
expect_contains "GRUB_DEFAULT from a command: names the file and line" "$tmp/out" "etc/default/grub:"
expect_contains "GRUB_DEFAULT from a command: says what cannot be known" "$tmp/out" "so GRUB's default entry cannot be known"
sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=0/' "$tmp/g/root/etc/default/grub"
mkdir -p "$tmp/g/root/etc/default/grub.d"
echo 'GRUB_DEFAULT=saved' >"$tmp/g/root/etc/default/grub.d/50-local.cfg"
gv
expect_contains "GRUB_DEFAULT=saved in a grub.d drop-in: refused too" "$tmp/out" "GRUB_DEFAULT=saved"
rm "$tmp/g/root/etc/default/grub.d/50-local.cfg"
sed -i "s/^GRUB_DEFAULT=.*/GRUB_DEFAULT=Memtest/" "$tmp/g/root/etc/default/grub"
sed -i "/^### BEGIN \/etc\/grub.d\/40_custom/a menuentry 'Memtest' { linux16 /boot/memtest86+.bin }" "$tmp/g/root/boot/grub/grub.cfg"
gv
expect_contains "a default entry on one line: refused" "$tmp/out" "written on one line"
sed -i "s/^GRUB_DEFAULT=.*/GRUB_DEFAULT=0/" "$tmp/g/root/etc/default/grub"
sed -i "s/^	echo	'Loading Linux 6.1.0-18-amd64 ...'$/	echo	'Loading Linux } { 6.1.0-18-amd64 ...' # a } here\n	savedefault/" "$tmp/g/root/boot/grub/grub.cfg"
gv; rc=$?
expect_eq "braces in quotes and comments do not count: exit 0" 0 "$rc"
sed -n '/^+### BEGIN vfioconf trial/,/^+### END vfioconf trial/p' "$tmp/out" | sed 's/^+//' >"$tmp/custom2.cfg"
if command -v grub-script-check >/dev/null 2>&1; then
	grub-script-check "$tmp/custom2.cfg"; expect_eq "braces in quotes: grub-script-check accepts the entry" 0 "$?"
fi
expect_not_contains "savedefault is not copied (the trial would become the default once picked)" "$tmp/custom2.cfg" "savedefault"

# the unit starts the program where it is installed (sbin)
expect_eq "the health check unit runs the installed vfioconf" 1 \
	"$(grep -q '^sbin_PROGRAMS = vfioconf$' "$top_srcdir/Makefile.am" &&
		grep -q '^ExecStart=%SBINDIR%/vfioconf trial check$' "$top_srcdir/etc/systemd/vfioconf-trial-check.service.in" &&
		grep -q '^ExecStart=.*/sbin/vfioconf trial check$' "$top_builddir/etc/systemd/vfioconf-trial-check.service" && echo 1)"

finish
