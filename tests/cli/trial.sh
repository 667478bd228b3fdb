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
expect_contains "mkinitramfs -d on the trial's copy of /etc/initramfs-tools" "$tmp/out" \
	"/usr/sbin/mkinitramfs -d /boot/vfioconf/$id/initramfs-tools -o /boot/vfioconf/$id/initrd.img-6.1.0-18-amd64 6.1.0-18-amd64"
expect_contains "grub-reboot: the next boot only" "$tmp/out" "/usr/sbin/grub-reboot vfioconf-trial"
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
expect_eq "GRUB_DEFAULT=saved: refused, exit 1" 1 "$rc"
expect_contains "GRUB_DEFAULT=saved: says why" "$tmp/out" "GRUB_DEFAULT=saved: the default entry is whatever booted last"
sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=1/' "$tmp/deb/root/etc/default/grub"
tv deb plan --trial --select 0000:02:00.0 >"$tmp/out" 2>&1
expect_contains "GRUB_DEFAULT=1 (the submenu): refused" "$tmp/out" "default entry is a submenu"
sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=0/' "$tmp/deb/root/etc/default/grub"

# where GRUB cannot write grubenv, the one-shot would stick: refused
mk btr z170
sed -i 's/ - ext4 / - btrfs /' "$tmp/btr/proc/self/mountinfo"
tv btr plan --trial --select 0000:02:00.0 >"$tmp/out" 2>&1; rc=$?
expect_eq "/ on btrfs: refused, exit 1" 1 "$rc"
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
expect_eq "kernel-cmdline (systemd-boot): no trial yet, exit 1" 1 "$rc"
expect_contains "kernel-cmdline: says which boot loaders can" "$tmp/out" "a trial boot needs GRUB with update-grub"
tv deb plan --trial >"$tmp/out" 2>&1
expect_contains "nothing selected: nothing to try" "$tmp/out" "nothing is selected to try"

finish
