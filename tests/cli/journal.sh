#!/bin/sh
# Transactions: apply, history, undo, rollback, drift, failing / deleting /
# hanging regeneration tools, non-root, the lock, status.
. "$top_srcdir/tests/lib.sh"
need jq

setup() { # NAME STACK: a copied stack with a shell and an initramfs to regenerate
	regen_stack "$tmp/$1" "$2"
}
at() { # DIR ARGS (sh has no locals: _m)
	_m=$1; shift
	SSH_CONNECTION=$(cat "$_m/ssh_connection" 2>/dev/null) VFIOCONF_CMD_TIMEOUT=${TMO:-30} \
		"$VFIOCONF" --root "$_m/root" --sysfs "$_m/sys" --procfs "$_m/proc" "$@"
}

# --- apply, then undo: every byte, mode and owner back
setup a debian; a="$tmp/a"
snapshot "$a/root" "$tmp/before"
at "$a" apply --select 0000:02:00.0 --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "apply: exit 0" 0 "$rc"
expect_contains "apply: streams the command output" "$tmp/out" "  | building initramfs"
expect_contains "apply: says what happens at next boot" "$tmp/out" "At the next boot these go to vfio-pci:"
expect_contains "apply: says to reboot" "$tmp/out" "Reboot for this to take effect"
expect_eq "apply: the initramfs was regenerated" "image -u -k all" "$(head -1 "$a/root/boot/initrd.img-6.1.0-18-amd64")"
expect_contains "apply: grub.cfg checked for the parameters" "$a/root/boot/grub/grub.cfg" "intel_iommu=on iommu=pt"
expect_contains "apply: modprobe file written" "$a/root/etc/modprobe.d/vfioconf.conf" "options vfio-pci ids=10de:0fbb,10de:13c2"
expect_eq "journal directory is 0700" 700 "$(stat -c %a "$a/root/var/lib/vfioconf")"
at "$a" history --json >"$tmp/h"
expect_eq "history: one committed apply" "apply COMMITTED" "$(jq -r '.transactions[0] | "\(.kind) \(.state)"' "$tmp/h")"
expect_eq "history: its argv" '["/usr/sbin/update-initramfs -u -k all","/usr/sbin/update-grub"]' "$(jq -c '.transactions[0].commands' "$tmp/h")"
at "$a" plan >"$tmp/out" 2>&1
expect_contains "after apply: planning again changes nothing" "$tmp/out" "Nothing to do"
at "$a" undo --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "undo: exit 0" 0 "$rc"
snapshot "$a/root" "$tmp/after"
expect_eq "undo: every file as before (content, mode, owner)" "" \
	"$(diff "$tmp/before" "$tmp/after" | grep '^[<>]' | grep -v 'initrd.img\|grub.cfg')"
expect_eq "undo: the initramfs regenerated again" "image -u -k all" "$(head -1 "$a/root/boot/initrd.img-6.1.0-18-amd64")"
expect_eq "history: apply, then undo of it" "apply undo" "$(at "$a" history --json | jq -r '[.transactions[].kind] | join(" ")')"
expect_eq "undo names what it undid" "$(at "$a" history --json | jq -r '.transactions[0].id')" "$(at "$a" history --json | jq -r '.transactions[1].of')"
# a reader that goes away (undo | head) must not kill the undo half way:
# vfioconf's writes fail, its transaction goes on to its end
at "$a" apply --select 0000:02:00.0 --yes >/dev/null 2>&1 || not_ok "apply again"
{ at "$a" undo --yes 2>&1; echo $? >"$tmp/rc"; } | true
expect_eq "undo | a reader that closes at once: the undo is done (exit 0)" 0 "$(cat "$tmp/rc")"
expect_eq "... history: the undo COMMITTED, nothing left half way" "undo COMMITTED" \
	"$(at "$a" history --json | jq -r '.transactions[-1] | "\(.kind) \(.state)"')"
expect_eq "... and no modprobe file left" no "$([ -e "$a/root/etc/modprobe.d/vfioconf.conf" ] && echo yes || echo no)"
short=$(at "$a" history --json | jq -r '.transactions[0].id' | sed 's/.*-//' | cut -c1-3)
at "$a" undo "$short" --yes >"$tmp/o" 2>&1; rc=$?
expect_eq "undo with 3 characters of an ID: refused, exit 1" 1 "$rc"
expect_contains "... it says the prefix is too short, not that there is no such transaction" "$tmp/o" \
	"'$short' is too short for a transaction ID: give at least 4 of its characters"

# --- apply twice, rollback takes both back
setup b arch; b="$tmp/b"
snapshot "$b/root" "$tmp/before"
at "$b" apply --select 0000:02:00.0 --yes >/dev/null 2>&1
at "$b" apply --select 0000:02:00.0,0000:06:00.0 --yes >/dev/null 2>&1
expect_contains "second apply adds the USB controller" "$b/root/etc/modprobe.d/vfioconf.conf" "1b73:1100"
at "$b" rollback --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "rollback: exit 0" 0 "$rc"
snapshot "$b/root" "$tmp/after"
expect_eq "rollback: every file as before vfioconf" "" \
	"$(diff "$tmp/before" "$tmp/after" | grep '^[<>]' | grep -v 'initrd.img\|grub.cfg')"
at "$b" rollback --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "rollback again: nothing to do, exit 4" 4 "$rc"
expect_contains "rollback again: says so" "$tmp/out" "nothing to roll back"

# --- drift: a hand edit since apply stops undo; --force keeps the copy
setup c debian; c="$tmp/c"
at "$c" apply --select 0000:06:00.0 --yes >/dev/null 2>&1
printf '# my own line\n' >>"$c/root/etc/initramfs-tools/modules"
at "$c" undo --yes >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "drift: undo refused" 1 "$rc"
expect_contains "drift: names the file" "$tmp/err" "etc/initramfs-tools/modules: changed by hand since vfioconf wrote it"
expect_contains "drift: shows the three versions" "$tmp/out" "--- now"
expect_contains "drift: the hand edit is still there" "$c/root/etc/initramfs-tools/modules" "# my own line"
expect_contains "drift: nothing else was undone" "$c/root/etc/modprobe.d/vfioconf.conf" "1b73:1100"
at "$c" undo --yes --force >"$tmp/out" 2>&1; rc=$?
expect_eq "drift --force: exit 0" 0 "$rc"
kept=$(ls "$c/root/etc/initramfs-tools/" | grep 'modules.vfioconf-local-')
expect_contains "drift --force: the hand-edited copy is kept" "$c/root/etc/initramfs-tools/$kept" "# my own line"
expect_not_contains "drift --force: the file is as before vfioconf" "$c/root/etc/initramfs-tools/modules" "vfio"

# --- regeneration tools that fail, delete their output, hang: all rolled back
for how in fail delete hang; do
	setup "t$how" debian; t="$tmp/t$how"
	case $how in
	fail) body='echo "E: failed to build"; exit 3' ;;
	delete) body='echo "cp: No space left on device"; rm -f /boot/initrd.img-6.1.0-18-amd64; exit 0' ;;
	hang) body='echo waiting; sleep 1000' ;;
	esac
	printf '#!/bin/sh\n%s\n' "$body" >"$t/root/usr/sbin/update-initramfs"
	snapshot "$t/root" "$tmp/before"
	TMO=2 at "$t" apply --select 0000:02:00.0 --yes >"$tmp/out" 2>"$tmp/err"; rc=$?
	expect_eq "$how: apply exits 1" 1 "$rc"
	snapshot "$t/root" "$tmp/after"
	expect_eq "$how: every file as before, the initramfs included" "" "$(diff "$tmp/before" "$tmp/after")"
	expect_eq "$how: history says rolled back" ROLLED_BACK "$(at "$t" history --json | jq -r '.transactions[0].state')"
	case $how in
	fail) expect_contains "fail: says which command failed" "$tmp/err" "/usr/sbin/update-initramfs -u -k all failed; everything is rolled back" ;;
	delete) expect_contains "delete: says the output is gone" "$tmp/err" "boot/initrd.img-6.1.0-18-amd64: is gone after the commands ran" ;;
	hang) expect_contains "hang: says it timed out" "$tmp/err" "did not finish in time" ;;
	esac
done

# --- the initramfs is listed where the system can list it
setup l debian; l="$tmp/l"
mkdir -p "$l/root/usr/bin"
printf '#!/bin/sh\ncat "$1"\n' >"$l/root/usr/bin/lsinitramfs"
chmod 755 "$l/root/usr/bin/lsinitramfs"
at "$l" apply --select 0000:02:00.0 --yes >"$tmp/out" 2>&1; rc=$?
expect_eq "listed initramfs holds vfio-pci: exit 0" 0 "$rc"
expect_contains "listed initramfs: said" "$tmp/out" "checked: /boot/initrd.img-6.1.0-18-amd64 holds vfio-pci"
setup m debian; m="$tmp/m"
mkdir -p "$m/root/usr/bin"
cp "$l/root/usr/bin/lsinitramfs" "$m/root/usr/bin/lsinitramfs"
printf '#!/bin/sh\necho "image without vfio" >/boot/initrd.img-6.1.0-18-amd64\n' >"$m/root/usr/sbin/update-initramfs"
snapshot "$m/root" "$tmp/before"
at "$m" apply --select 0000:02:00.0 --yes >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "initramfs without vfio-pci: exit 1" 1 "$rc"
expect_contains "initramfs without vfio-pci: said" "$tmp/err" "boot/initrd.img-6.1.0-18-amd64: lsinitramfs does not list vfio-pci.ko|vfio_pci.ko"
snapshot "$m/root" "$tmp/after"
expect_eq "initramfs without vfio-pci: rolled back, image included" "" "$(diff "$tmp/before" "$tmp/after")"
# grub.cfg without the parameters (a grub-mkconfig that did nothing)
setup g debian; g="$tmp/g"
printf '#!/bin/sh\nexit 0\n' >"$g/root/usr/sbin/update-grub"
at "$g" apply --select 0000:02:00.0 --yes >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "grub.cfg without the parameters: exit 1" 1 "$rc"
expect_contains "grub.cfg without the parameters: said" "$tmp/err" "boot/grub/grub.cfg: does not carry intel_iommu=on"

# --- without root: refused, nothing changed
setup n debian; n="$tmp/n"
if command -v setpriv >/dev/null 2>&1; then
	chmod -R a+rX "$tmp" 2>/dev/null
	snapshot "$n/root" "$tmp/before"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$VFIOCONF" --root "$n/root" --sysfs "$n/sys" \
		--procfs "$n/proc" apply --select 0000:02:00.0 --yes >"$tmp/out" 2>"$tmp/err"; rc=$?
	expect_eq "non-root apply: exit 1" 1 "$rc"
	expect_contains "non-root apply: says root is needed" "$tmp/err" "apply changes the system and needs root"
	snapshot "$n/root" "$tmp/after"
	expect_eq "non-root apply: nothing changed" "" "$(diff "$tmp/before" "$tmp/after")"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$VFIOCONF" --root "$n/root" --sysfs "$n/sys" \
		--procfs "$n/proc" plan --select 0000:02:00.0 >/dev/null 2>&1; rc=$?
	expect_eq "non-root plan: works" 0 "$rc"
fi

# --- no terminal and no --yes: refused
at "$n" apply --select 0000:02:00.0 </dev/null >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "no --yes without a terminal: exit 1" 1 "$rc"
expect_contains "no --yes without a terminal: says so" "$tmp/err" "add --yes"

# --- --no-regenerate: files only, the commands printed
setup r debian; r="$tmp/r"
at "$r" apply --select 0000:02:00.0 --yes --no-regenerate >"$tmp/out" 2>&1
expect_eq "--no-regenerate: initramfs untouched" "initramfs image v1" "$(cat "$r/root/boot/initrd.img-6.1.0-18-amd64")"
expect_contains "--no-regenerate: prints what to run" "$tmp/out" "were NOT regenerated"

# --- one writer at a time
mkdir -p "$r/root/var/lib/vfioconf"
flock "$r/root/var/lib/vfioconf/LOCK" -c "SSH_CONNECTION= VFIOCONF_CMD_TIMEOUT=30 '$VFIOCONF' --root '$r/root' --sysfs '$r/sys' --procfs '$r/proc' undo --yes" >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "lock held: exit 1" 1 "$rc"
expect_contains "lock held: says another vfioconf is at work" "$tmp/err" "another vfioconf is changing this system"

# --- status: 2 when nothing configured; 1 before the reboot; 0 when it took
setup s debian; s="$tmp/s"
at "$s" status >"$tmp/out" 2>&1; rc=$?
expect_eq "status, nothing configured: exit 4" 4 "$rc"
at "$s" apply --select 0000:06:00.0 --yes >/dev/null 2>&1
at "$s" status >"$tmp/out" 2>&1; rc=$?
expect_eq "status before reboot: exit 1" 1 "$rc"
expect_contains "status before reboot: device not on vfio-pci" "$tmp/out" "0000:06:00.0 [1b73:1100]  NOT on vfio-pci (driver: xhci_hcd)"
expect_contains "status before reboot: parameter missing" "$tmp/out" "iommu=pt"
# the reboot, as the kernel would show it
d="$s/sys/devices/pci0000:00/0000:00:1c.5/0000:06:00.0"
mkdir -p "$s/sys/bus/pci/drivers/vfio-pci"
rm "$d/driver"; ln -s ../../../../bus/pci/drivers/vfio-pci "$d/driver"
printf 'BOOT_IMAGE=/vmlinuz root=/dev/sda2 ro quiet intel_iommu=on iommu=pt\n' >"$s/proc/cmdline"
at "$s" status --json >"$tmp/j" 2>&1; rc=$?
expect_eq "status after reboot: exit 0" 0 "$rc"
expect_eq "status json: ok" true "$(jq .ok "$tmp/j")"
expect_eq "status json: device on vfio-pci" true "$(jq '.devices[0].on_vfio_pci' "$tmp/j")"
# ---- undo of an older transaction, undo twice, undo after a rollback:
# vfioconf's own later changes are named as such, never as "by hand"
u="$tmp/order"
regen_stack "$u" debian
ut() { "$VFIOCONF" --root "$u/root" --sysfs "$u/sys" --procfs "$u/proc" "$@"; }
ut apply --select 0000:02:00.0 --yes >/dev/null 2>&1
first=$(ut history --json | jq -r '.transactions[0].short_id')
ut apply --select 0000:02:00.0,0000:06:00.0 --yes >/dev/null 2>&1
second=$(ut history --json | jq -r '.transactions[1].short_id')
snapshot "$u/root" "$tmp/order.before"
ut undo "$first" --yes >"$tmp/o" 2>&1; rc=$?
expect_eq "undo of the older one while a later one changed its files: exit 1" 1 "$rc"
expect_contains "it names the later transaction and what to undo first" "$tmp/o" \
	"the later transaction $second"
expect_contains "... and the command" "$tmp/o" "undo that one first ('vfioconf undo $second'), or use --force"
expect_not_contains "... not 'changed by hand'" "$tmp/o" "by hand"
snapshot "$u/root" "$tmp/order.after"
expect_eq "... and nothing changed" "" "$(diff "$tmp/order.before" "$tmp/order.after")"
ut undo "$second" --yes >/dev/null 2>&1 || not_ok "undo of the later one"
ut undo "$second" --yes >"$tmp/o" 2>&1; rc=$?
expect_eq "undo of an undone transaction: exit 1" 1 "$rc"
expect_contains "... says it was undone already, and by which" "$tmp/o" "it was undone already, by"
ut undo "$first" --yes >/dev/null 2>&1 || not_ok "then the older one undoes"
ut rollback --yes >"$tmp/o" 2>&1; rc=$?
expect_eq "rollback after every change was undone: nothing to do, exit 4" 4 "$rc"
expect_not_contains "... without blaming the user" "$tmp/o" "by hand"
ut apply --select 0000:06:00.0 --yes >/dev/null 2>&1
third=$(ut history --json | jq -r '.transactions[-1].short_id')
ut rollback --yes >/dev/null 2>&1 || not_ok "rollback"
ut undo "$third" --yes >"$tmp/o" 2>&1; rc=$?
expect_eq "undo after a rollback took it back: exit 1" 1 "$rc"
expect_contains "... says the rollback took it back" "$tmp/o" "took it back already"

# ---- a transaction that only turned the IOMMU on: no devices.conf, yet
# status does not say "configured nothing"; rebooted with the parameter
# but the firmware's VT-d off, the plan does not promise a reboot helps
setup io debian; io="$tmp/io"
rm -rf "$io/sys/kernel/iommu_groups" "$io/sys/class/iommu"
mkdir -p "$io/sys/kernel/iommu_groups" "$io/sys/class/iommu"
find "$io/sys/devices" -name iommu_group -type l -exec rm -f {} + 2>/dev/null
sed -i 's/ intel_iommu=on//' "$io/proc/cmdline"
at "$io" apply --enable-iommu --yes >"$tmp/o" 2>&1 || { not_ok "apply --enable-iommu"; sed 's/^/#   /' "$tmp/o"; }
sed -i 's/$/ intel_iommu=on/' "$io/proc/cmdline"
at "$io" status >"$tmp/o" 2>&1
expect_not_contains "IOMMU turned on alone: status does not say vfioconf configured nothing" "$tmp/o" "configured nothing"
expect_contains "... it says no device is bound and points to the journal" "$tmp/o" \
	"vfioconf binds no device here ($io/root/etc/vfioconf/devices.conf does not exist); its journal holds 1 transaction: 'vfioconf history' lists it."
at "$io" plan --select none >"$tmp/o" 2>&1
expect_not_contains "plan, nothing selected: not 'only turn the IOMMU on' followed by 'Nothing to do'" "$tmp/o" "only turn the IOMMU on"
expect_contains "... the parameters are set already" "$tmp/o" \
	"Bind no device; the kernel parameters that turn the IOMMU on are set already."
expect_not_contains "... no promise that a reboot with the parameters brings the groups" "$tmp/o" "appear after a reboot"
expect_contains "... the firmware named instead" "$tmp/o" "the firmware has it off; enable it in the firmware setup (VT-d)"

finish
