#!/bin/sh
# One case for each way a hand-made setup used to defeat a plan that still
# exited 0 (issue 12's list): each plan now either makes the next boot do
# exactly the selection, judged by the real tool that reads the file
# (modprobe -c, bash sourcing with mkinitcpio's rules), or is refused
# naming file and line.
. "$top_srcdir/tests/lib.sh"
need jq
need patch
MODPROBE=$(command -v modprobe || echo /sbin/modprobe)
[ -x "$MODPROBE" ] || skip "modprobe (kmod) not installed"
gtx=0000:02:00.0,0000:02:00.1 usb=0000:06:00.0

at() { # DIR ARGS
	_m=$1; shift
	SSH_CONNECTION= "$VFIOCONF" --root "$_m/root" --sysfs "$_m/sys" --procfs "$_m/proc" "$@"
}
apply_plan() { # DIR SELECTION: the plan's diff through patch(1); its exit in $rc
	at "$1" plan --select "$2" >"$tmp/plan" 2>&1; rc=$?
	[ "$rc" -eq 0 ] || return 0
	at "$1" plan --select "$2" --diff 2>/dev/null | patch -s -p0 -d "$1/root" >/dev/null 2>&1 ||
		not_ok "the plan's diff applies"
}
# modprobe's reading of modprobe.d: every options line for vfio_pci, and
# the install command it runs
mp_ids() { "$MODPROBE" -C "$1/root/etc/modprobe.d" -c 2>/dev/null | sed -n 's/^options vfio_pci //p' | tr ' ' '\n' | sed -n 's/^ids=//p'; }
mp_install() { "$MODPROBE" -C "$1/root/etc/modprobe.d" -c 2>/dev/null | sed -n 's/^install vfio_pci //p' | head -1; }
# the ids= vfio-pci gets after all: the command line's over modprobe.d's,
# an explicit modprobe's (initramfs-tools' list) over both
next_ids() { # DIR
	_c=$(cd "$1/root" && bash -c '. ./etc/default/grub; echo "$GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT"' | tr ' ' '\n' |
		sed -n 's/^vfio[-_]pci\.ids=//p' | tail -1)
	_l=$(awk '$1 ~ /^vfio[-_]pci$/ { for (i = 2; i <= NF; i++) if ($i ~ /^ids=/) { sub(/^ids=/, "", $i); print $i } exit }' \
		"$1/root/etc/initramfs-tools/modules")
	if [ -n "$_l" ]; then echo "$_l"; elif [ -n "$_c" ]; then echo "$_c"; else mp_ids "$1" | tail -1; fi
}
sorted() { tr ',' '\n' | sort | paste -sd, -; }
want=10de:0fbb,10de:13c2,1b73:1100

# 1. ids= in the user's vfio.conf and vfioconf's own: modprobe joins both
# lines and the kernel keeps the last, so one set of devices lost
w="$tmp/a"; regen_stack "$w" debian
mkdir -p "$w/root/etc/modprobe.d"
printf 'options vfio-pci ids=10de:13c2,10de:0fbb\n' >"$w/root/etc/modprobe.d/vfio.conf"
apply_plan "$w" "$gtx,$usb"
expect_eq "ids= in vfio.conf: planned" 0 "$rc"
expect_eq "ids= in vfio.conf: modprobe sees one ids= only" 1 "$(mp_ids "$w" | wc -l)"
expect_eq "ids= in vfio.conf: it holds both the hand-made and the new devices" "$want" "$(next_ids "$w" | sorted)"

# 2. an install line from a guide comes first in kmod's order: vfioconf-bind
# would never run for the twin NIC bound by address
w="$tmp/b"; regen_stack "$w" debian
rm -rf "$w/sys" "$w/proc"; cp -a "$ROOTS/twin-gpus/sys" "$ROOTS/twin-gpus/proc" "$w/"
mkdir -p "$w/root/etc/modprobe.d"
printf 'install vfio-pci /usr/local/bin/vfio-pci-override.sh; /sbin/modprobe --ignore-install vfio-pci\n' \
	>"$w/root/etc/modprobe.d/00-vfio-override.conf"
apply_plan "$w" 0000:03:00.0
if [ "$rc" -eq 0 ]; then
	mp_install "$w" >"$tmp/install"
	expect_contains "install line: modprobe runs vfioconf-bind" "$tmp/install" vfioconf-bind
else
	expect_contains "install line: refused naming file and line" "$tmp/plan" "etc/modprobe.d/00-vfio-override.conf:1"
fi

# 3. vfio-pci.ids= on the command line vfioconf edits overrides modprobe.d
w="$tmp/c"; regen_stack "$w" debian
sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT="quiet"/GRUB_CMDLINE_LINUX_DEFAULT="quiet vfio-pci.ids=10de:13c2,10de:0fbb"/' \
	"$w/root/etc/default/grub"
apply_plan "$w" "$gtx,$usb"
expect_eq "vfio-pci.ids= in /etc/default/grub: planned" 0 "$rc"
expect_eq "vfio-pci.ids= in /etc/default/grub: the next boot's ids= holds every selected device" "$want" \
	"$(next_ids "$w" | sorted)"

# 3b. the running kernel's vfio-pci.ids= that no file carries: from a
# firmware boot entry or a menu edited by hand, it may be there again
w="$tmp/c2"; regen_stack "$w" debian
sed -i 's/$/ vfio-pci.ids=10de:13c2/' "$w/proc/cmdline"
at "$w" plan --select $usb >"$tmp/plan" 2>&1
expect_contains "vfio-pci.ids= in /proc/cmdline only: warned, naming it" "$tmp/plan" \
	"/proc/cmdline: the running kernel was started with vfio-pci.ids=10de:13c2"
w="$tmp/c3"; regen_stack "$w" debian
sed -i 's/$/ vfio-pci.ids=10de:13c2,10de:0fbb/' "$w/proc/cmdline"
sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT="quiet"/GRUB_CMDLINE_LINUX_DEFAULT="quiet vfio-pci.ids=10de:13c2,10de:0fbb"/' \
	"$w/root/etc/default/grub"
at "$w" plan --select "$gtx,$usb" >"$tmp/plan" 2>&1
expect_not_contains "vfio-pci.ids= booted from /etc/default/grub and taken over: no warning" "$tmp/plan" "/proc/cmdline:"

# 4. module arguments in initramfs-tools' list: modprobe's own argument wins
w="$tmp/d"; regen_stack "$w" debian
printf 'vfio_pci ids=10de:13c2,10de:0fbb\n' >>"$w/root/etc/initramfs-tools/modules"
apply_plan "$w" "$gtx,$usb"
expect_eq "vfio_pci ids= in initramfs-tools/modules: planned" 0 "$rc"
expect_eq "vfio_pci ids= in initramfs-tools/modules: the next boot's ids= holds every selected device" "$want" \
	"$(next_ids "$w" | sorted)"

# 5. mkinitcpio's string syntax, as configurations before 2013 have it
mk_read() { # DIR VAR: the elements mkinitcpio gets (arrayize_config), one a line
	(cd "$1/root" && bash -c '. ./etc/mkinitcpio.conf; for f in ./etc/mkinitcpio.conf.d/*.conf; do [ -e "$f" ] && . "$f"; done
		v=$0; if [[ $(declare -p $v 2>/dev/null) != "declare -a"* ]]; then read -ra t <<<"${!v}"; eval "$v=(\"\${t[@]}\")"; fi
		eval "printf \"%s\n\" \"\${$v[@]}\""' "$2")
}
w="$tmp/e"; regen_stack "$w" arch
sed -i 's/^MODULES=()/MODULES="ext4 crc32c"/; s/^FILES=()/FILES="\/etc\/crypttab"/; s/^HOOKS=(\(.*\))/HOOKS="\1"/' \
	"$w/root/etc/mkinitcpio.conf"
cp "$w/root/etc/mkinitcpio.conf" "$tmp/mk.orig"
apply_plan "$w" "$gtx"
expect_eq "mkinitcpio MODULES=\"a b\": planned" 0 "$rc"
expect_eq "mkinitcpio MODULES=\"a b\": the user's modules stay separate, vfio's added" \
	"ext4|crc32c|vfio_pci|vfio|vfio_iommu_type1" "$(mk_read "$w" MODULES | paste -sd'|' -)"
expect_not_contains "mkinitcpio HOOKS=\"... modconf ...\": no false 'HOOKS has no modconf'" "$tmp/plan" "has no modconf"
w2="$tmp/e2"; regen_stack "$w2" arch
rm -rf "$w2/root/etc/mkinitcpio.conf.d"; cp "$tmp/mk.orig" "$w2/root/etc/mkinitcpio.conf"
apply_plan "$w2" "$gtx"
mk_read "$w2" FILES >"$tmp/files"
expect_contains "mkinitcpio FILES=\"...\" in the file: the user's file kept" "$tmp/files" "/etc/crypttab"
at "$w2" plan --select none --diff 2>/dev/null | patch -s -p0 -d "$w2/root" >/dev/null 2>&1
expect_eq "mkinitcpio in the file: deselecting restores every byte" "" "$(cmp "$tmp/mk.orig" "$w2/root/etc/mkinitcpio.conf" 2>&1)"

# 6. a preset with its own config: mkinitcpio reads that file, not conf.d
w="$tmp/f"; regen_stack "$w" arch
mkdir -p "$w/root/etc/mkinitcpio.d"
printf "PRESETS=('default')\nALL_kver='/boot/vmlinuz-linux'\ndefault_config='/etc/mkinitcpio-vfio.conf'\ndefault_image='/boot/initramfs-linux.img'\n" \
	>"$w/root/etc/mkinitcpio.d/linux.preset"
cp "$w/root/etc/mkinitcpio.conf" "$w/root/etc/mkinitcpio-vfio.conf"
at "$w" plan --select "$gtx" --json >"$tmp/j" 2>/dev/null; rc=$?
expect_eq "preset with default_config: planned" 0 "$rc"
expect_eq "preset with default_config: the file it names gets vfio-pci" "etc/mkinitcpio-vfio.conf" \
	"$(jq -r '.files[].path | select(startswith("etc/mkinitcpio"))' "$tmp/j")"

# 7. dracut building unified kernel images: their command line is their own
w="$tmp/g"; regen_stack "$w" endeavour
mkdir -p "$w/root/etc/dracut.conf.d"
printf 'uefi="yes"\nkernel_cmdline="root=UUID=2c9ae9d4-3b1a-4f1e-9d2a-7b4c5d6e7f80 rw"\n' >"$w/root/etc/dracut.conf.d/uki.conf"
at "$w" plan --select $usb >"$tmp/plan" 2>&1; rc=$?
expect_eq "dracut uefi=yes: refused" 3 "$rc"
expect_contains "dracut uefi=yes: names file and line, and where the command line comes from" "$tmp/plan" \
	"etc/dracut.conf.d/uki.conf:1: dracut builds unified kernel images (uefi=yes) whose kernel command line is kernel_cmdline= at etc/dracut.conf.d/uki.conf:2"

# 8. the grub.d path: an /etc/default/grub the reader cannot follow
w="$tmp/h"; regen_stack "$w" debian
printf 'GRUB_CMDLINE_LINUX_DEFAULT="quiet $(cat /etc/extra-args)"\n' >>"$w/root/etc/default/grub"
mkdir -p "$w/root/etc/default/grub.d"
at "$w" plan --select $usb >"$tmp/plan" 2>&1; rc=$?
expect_eq "unparseable /etc/default/grub on the grub.d path: refused" 3 "$rc"
expect_contains "unparseable /etc/default/grub: names file and line" "$tmp/plan" "etc/default/grub:$(wc -l <"$w/root/etc/default/grub"): cannot be"

# 9. a grub.cfg edited by hand loses its parameters to update-grub
w="$tmp/i"; regen_stack "$w" debian
cat >"$w/root/boot/grub/grub.cfg" <<'CFG'
menuentry 'Debian GNU/Linux' --class debian {
	linux	/boot/vmlinuz-6.1.0-18-amd64 root=UUID=2c9ae9d4-3b1a-4f1e-9d2a-7b4c5d6e7f80 ro quiet pcie_acs_override=downstream
	initrd	/boot/initrd.img-6.1.0-18-amd64
}
CFG
at "$w" plan --select $usb >"$tmp/plan" 2>&1
expect_contains "hand-edited grub.cfg: named in the warnings" "$tmp/plan" "boot/grub/grub.cfg was edited by hand"
expect_contains "hand-edited grub.cfg: names the parameter" "$tmp/plan" "pcie_acs_override=downstream"

# 10. the same parameter under another spelling is not added again
w="$tmp/k"; regen_stack "$w" endeavour
sed -i 's/$/ intel_iommu=on iommu=pt rd.driver.pre=vfio-pci/' "$w/root/etc/kernel/cmdline"
at "$w" plan --select $usb --json >"$tmp/j" 2>/dev/null
expect_eq "rd.driver.pre=vfio-pci there: planned" 0 "$?"
expect_eq "rd.driver.pre=vfio-pci there: /etc/kernel/cmdline not changed" "" \
	"$(jq -r '.files[].path | select(. == "etc/kernel/cmdline")' "$tmp/j")"

# 11. mkinitcpio's MODULES in the model: a blacklisted driver the
# initramfs loads by name still claims its device
w="$tmp/m"; regen_stack "$w" arch
mkdir -p "$w/root/etc/modprobe.d" "$w/root/etc/mkinitcpio.conf.d"
printf 'blacklist nouveau\n' >"$w/root/etc/modprobe.d/blacklist.conf"
nb() { at "$w" list --json | jq -r '.groups[].devices[] | select(.address == "0000:02:00.0") | "\(.next_boot.how) \(.next_boot.source)"'; }
expect_eq "blacklisted, not in MODULES: no driver" "none etc/modprobe.d/blacklist.conf:1" "$(nb)"
printf '# a guide\nMODULES="nouveau"\n' >"$w/root/etc/mkinitcpio.conf.d/gpu.conf"
expect_eq "MODULES=\"nouveau\" (string) in a drop-in: the initramfs loads it" "native null" "$(nb)"
printf 'MODULES=(\n  # early KMS\n  nouveau\n)\n' >"$w/root/etc/mkinitcpio.conf.d/gpu.conf"
expect_eq "MODULES=( ... ) over lines, with a comment: loaded" "native null" "$(nb)"
printf 'MODULES+=(nouveau)\n' >"$w/root/etc/mkinitcpio.conf.d/gpu.conf"
printf 'MODULES=()\n' >"$w/root/etc/mkinitcpio.conf.d/zz-reset.conf"
expect_eq "a later MODULES=() drops it again" "none etc/modprobe.d/blacklist.conf:1" "$(nb)"
finish
