#!/bin/sh
# Hosts arrive configured: a corpus of real users' files (tests/corpus/
# effective; where each comes from is in SOURCES.md) on the stack it belongs
# to. For each: the real modprobe (or the shell, for what the shell reads)
# and vfioconf's model agree on what vfio-pci gets; a plan for another
# device takes the hand-made setting over or refuses naming file and line;
# its diff applies with patch(1); the real tools then see only vfioconf's
# setting; planning again changes nothing; deselecting puts every byte back.
. "$top_srcdir/tests/lib.sh"
need jq
need patch
corpus="$top_srcdir/tests/corpus/effective"
MODPROBE=$(command -v modprobe || echo /sbin/modprobe)
[ -x "$MODPROBE" ] || skip "modprobe (kmod) not installed"
kver=6.1.0-18-amd64
usb=0000:06:00.0  # the debian stack's USB controller: unique, no hand setup names it

at() { # DIR ARGS
	_m=$1; shift
	SSH_CONNECTION= "$VFIOCONF" --root "$_m/root" --sysfs "$_m/sys" --procfs "$_m/proc" "$@"
}
# What vfio-pci gets from modprobe.d, as the real modprobe loads it: the
# last ids= of every options line for it (kmod joins them in its order).
modprobe_ids() { # ROOT
	"$MODPROBE" -C "$1/etc/modprobe.d" -c 2>/dev/null | sed -n 's/^options vfio_pci //p' | tr ' \t' '\n\n' |
		sed -n 's/^ids=//p' | tail -1 | tr -d '"'
}
# What the kernel command line gives it, as grub-mkconfig builds the line
grub_ids() { # ROOT
	(cd "$1" && bash -c '. ./etc/default/grub; for x in ./etc/default/grub.d/*.cfg; do [ -e "$x" ] && . "$x"; done;
		echo "$GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT"' 2>/dev/null) | tr ' ' '\n' |
		sed -n 's/^vfio[-_]pci\.ids=//p' | tail -1
}
# What initramfs-tools loads vfio-pci with: the first line naming it
modules_ids() { # ROOT
	awk '$1 == "vfio_pci" || $1 == "vfio-pci" { for (i = 2; i <= NF; i++) if ($i ~ /^ids=/) { sub(/^ids=/, "", $i); print $i } exit }' \
		"$1/etc/initramfs-tools/modules" 2>/dev/null
}
model_ids() { at "$1" list --json 2>/dev/null | jq -r '.vfio_pci.ids // empty'; }
ours() { at "$1" plan --select $usb --json 2>/dev/null | jq -r '.files[] | select(.path == "etc/modprobe.d/vfioconf.conf") | .new' |
	sed -n 's/^options vfio-pci ids=\([^ ]*\).*/\1/p'; }

# one corpus case: NAME DIR FILE ORACLE; FILE is in place under DIR/root
case_run() {
	_n=$1 _w=$2 _f=$3 _o=$4
	before_o=$($_o "$_w/root"); before_m=$(model_ids "$_w")
	cp "$_w/root/$_f" "$tmp/orig"
	at "$_w" plan --select $usb >"$tmp/plan" 2>&1; rc=$?
	# a file vfioconf cannot read the way the shell does is refused, not guessed
	grep -q "^  $_f:[0-9]*: cannot be" "$tmp/plan" ||
		expect_eq "$_n: modprobe/the shell and the model agree before" "$before_o" "$before_m"
	if [ "$rc" -ne 0 ]; then
		if grep -q "^Refused:" "$tmp/plan" && grep -qE ':[0-9]+' "$tmp/plan"; then
			ok "$_n: refused, naming file and line"
		else
			not_ok "$_n: plan exits $rc without a refusal naming file:line"; sed 's/^/#   /' "$tmp/plan" | head -8
		fi
		return
	fi
	at "$_w" plan --select $usb --diff >"$tmp/diff" 2>/dev/null
	if patch -s -p0 -d "$_w/root" <"$tmp/diff" >"$tmp/patch.out" 2>&1; then ok "$_n: the plan applies"; else
		not_ok "$_n: the plan applies"; sed 's/^/#   /' "$tmp/patch.out" | head -5; return; fi
	expect_eq "$_n: after it, modprobe gives vfio-pci vfioconf's ids only" "1b73:1100" "$(modprobe_ids "$_w/root")"
	[ "$_o" = modprobe_ids ] || expect_eq "$_n: after it, no hand-made ids= left where it was" "" "$($_o "$_w/root")"
	expect_eq "$_n: after it, the model says the same" "1b73:1100" "$(model_ids "$_w")"
	at "$_w" plan --select $usb >"$tmp/again" 2>&1
	expect_contains "$_n: planning again changes nothing" "$tmp/again" "Nothing to do"
	at "$_w" plan --select none --diff >"$tmp/undiff" 2>/dev/null
	patch -s -p0 -d "$_w/root" <"$tmp/undiff" >/dev/null 2>&1
	if cmp -s "$tmp/orig" "$_w/root/$_f"; then ok "$_n: deselecting puts every byte back"; else
		not_ok "$_n: deselecting puts every byte back"; diff "$tmp/orig" "$_w/root/$_f" | sed 's/^/#   /' | head -6; fi
	expect_eq "$_n: and what vfio-pci gets is as before" "$before_o" "$($_o "$_w/root")"
}

n=0
# ---- modprobe.d, one file each (the scenario folders below)
for f in "$corpus"/modprobe.d/*.conf; do
	b=$(basename "$f")
	w="$tmp/m"; regen_stack "$w" debian
	mkdir -p "$w/root/etc/modprobe.d"
	cp "$f" "$w/root/etc/modprobe.d/$b"
	case_run "modprobe.d/$b" "$w" "etc/modprobe.d/$b" modprobe_ids
	n=$((n + 1))
done
# ---- several files: kmod's order across files and directories
for s in scenario-ids-across-files scenario-no-conf-suffix; do
	w="$tmp/m"; regen_stack "$w" debian
	mkdir -p "$w/root/etc/modprobe.d"
	cp "$corpus/modprobe.d/$s/"* "$w/root/etc/modprobe.d/"
	expect_eq "$s: modprobe and the model agree" "$(modprobe_ids "$w/root")" "$(model_ids "$w")"
	n=$((n + 1))
done
w="$tmp/m"; regen_stack "$w" debian
cp -a "$corpus/modprobe.d/scenario-etc-shadows-lib/." "$w/root/"
expect_eq "scenario-etc-shadows-lib: the /usr/lib file of the same name is not read" \
	"$(sed -n 's/^options vfio[-_]pci ids=\([^ ]*\).*/\1/p' "$w/root/etc/modprobe.d/vfio.conf")" "$(model_ids "$w")"
n=$((n + 1))

# ---- /etc/default/grub as users have it (grub-mkconfig sources grub.d on Debian)
for f in "$corpus"/kernel-cmdline/*grub*; do
	b=$(basename "$f")
	case $b in BROKEN-*|*grubenv|*grub.d*) continue ;; esac
	grep -q '^GRUB_' "$f" || continue # a loader entry or a /proc/cmdline, not /etc/default/grub
	w="$tmp/g"; regen_stack "$w" debian
	cp "$f" "$w/root/etc/default/grub"
	case_run "grub/$b" "$w" etc/default/grub grub_ids
	n=$((n + 1))
done
# a grub.d drop-in of the user's
w="$tmp/g"; regen_stack "$w" debian
mkdir -p "$w/root/etc/default/grub.d"
cp "$corpus/kernel-cmdline/debian-grub.d-vfio.cfg" "$w/root/etc/default/grub.d/50-vfio.cfg"
case_run "grub.d/debian-grub.d-vfio.cfg" "$w" etc/default/grub.d/50-vfio.cfg grub_ids
n=$((n + 1))

# ---- /etc/initramfs-tools/modules, arguments included
for f in "$corpus"/initramfs-tools/*modules; do
	b=$(basename "$f")
	case $b in BROKEN-*) continue ;; esac
	w="$tmp/i"; regen_stack "$w" debian
	cp "$f" "$w/root/etc/initramfs-tools/modules"
	case_run "initramfs-tools/$b" "$w" etc/initramfs-tools/modules modules_ids
	n=$((n + 1))
done

# ---- /etc/modules (Debian): module arguments there run after the initramfs
etc_modules_ids() { # ROOT
	awk '$1 == "vfio_pci" || $1 == "vfio-pci" { for (i = 2; i <= NF; i++) if ($i ~ /^ids=/) { sub(/^ids=/, "", $i); print $i } exit }' \
		"$1/etc/modules" 2>/dev/null
}
for f in "$corpus"/modules-load/*etc-modules*; do
	b=$(basename "$f")
	w="$tmp/e"; regen_stack "$w" debian
	cp "$f" "$w/root/etc/modules"
	case_run "etc/modules/$b" "$w" etc/modules etc_modules_ids
	n=$((n + 1))
done
# modules-load.d: names only, nothing for vfioconf to take over; all stays
for f in "$corpus"/modules-load/*modules-load.d*; do
	b=$(basename "$f")
	w="$tmp/e"; regen_stack "$w" debian
	mkdir -p "$w/root/etc/modules-load.d"
	cp "$f" "$w/root/etc/modules-load.d/$b"
	case_run "modules-load.d/$b" "$w" "etc/modules-load.d/$b" modprobe_ids
	n=$((n + 1))
done

# ---- mkinitcpio.conf in both syntaxes, drop-ins, presets (the arch stack)
# What mkinitcpio makes of the configuration: the main file, the drop-ins,
# then each of MODULES FILES BINARIES HOOKS that is not an array made one
# from its words (mkinitcpio's arrayize_config). One element a line.
mk_modules() { # ROOT CONF
	(cd "$1" && bash -c '. "./$0"; for f in ./etc/mkinitcpio.conf.d/*.conf; do [ -e "$f" ] && . "$f"; done
		for v in MODULES FILES BINARIES HOOKS; do
			if [[ $(declare -p $v 2>/dev/null) != "declare -a"* ]]; then read -ra t <<<"${!v}"; eval "$v=(\"\${t[@]}\")"; fi
		done
		printf "%s\n" "${MODULES[@]}"' "$2" 2>/dev/null)
}
mk_case() { # NAME DIR FILE CONF
	_n=$1 _w=$2 _f=$3 _c=$4
	cp "$_w/root/$_f" "$tmp/orig"
	before=$(mk_modules "$_w/root" "$_c")
	at "$_w" plan --select $usb --diff >"$tmp/diff" 2>"$tmp/err"; rc=$?
	if [ $rc -ne 0 ]; then not_ok "$_n: plan exits $rc"; sed 's/^/#   /' "$tmp/err" | head -4; return; fi
	if patch -s -p0 -d "$_w/root" <"$tmp/diff" >"$tmp/patch.out" 2>&1; then ok "$_n: the plan applies"; else
		not_ok "$_n: the plan applies"; sed 's/^/#   /' "$tmp/patch.out" | head -5; return; fi
	mk_modules "$_w/root" "$_c" >"$tmp/mods"
	if grep -qE '^vfio[-_]pci$' "$tmp/mods"; then ok "$_n: mkinitcpio's reading of it has vfio-pci"; else
		not_ok "$_n: mkinitcpio's reading of it has vfio-pci"; sed 's/^/#   /' "$tmp/mods" | head -8; fi
	expect_eq "$_n: and no new element with a blank in it (an array of strings)" \
		"$(printf '%s\n' "$before" | grep ' ')" "$(grep ' ' "$tmp/mods")"
	at "$_w" plan --select $usb >"$tmp/again" 2>&1
	expect_contains "$_n: planning again changes nothing" "$tmp/again" "Nothing to do"
	at "$_w" plan --select none --diff >"$tmp/undiff" 2>/dev/null
	patch -s -p0 -d "$_w/root" <"$tmp/undiff" >/dev/null 2>&1
	if cmp -s "$tmp/orig" "$_w/root/$_f"; then ok "$_n: deselecting puts every byte back"; else
		not_ok "$_n: deselecting puts every byte back"; diff "$tmp/orig" "$_w/root/$_f" | sed 's/^/#   /' | head -6; fi
	expect_eq "$_n: mkinitcpio reads what it read before" "$before" "$(mk_modules "$_w/root" "$_c")"
}
for f in "$corpus"/mkinitcpio/*mkinitcpio.conf; do
	b=$(basename "$f")
	case $b in BROKEN-*) continue ;; esac
	w="$tmp/k"; regen_stack "$w" arch
	cp "$f" "$w/root/etc/mkinitcpio.conf"
	mk_case "mkinitcpio/$b (a drop-in)" "$w" etc/mkinitcpio.conf etc/mkinitcpio.conf
	n=$((n + 1))
	w="$tmp/k"; regen_stack "$w" arch
	rm -rf "$w/root/etc/mkinitcpio.conf.d"
	cp "$f" "$w/root/etc/mkinitcpio.conf"
	mk_case "mkinitcpio/$b (in the file)" "$w" etc/mkinitcpio.conf etc/mkinitcpio.conf
	n=$((n + 1))
done
for f in "$corpus"/mkinitcpio/conf.d-*; do
	b=$(basename "$f")
	for main in arch-default-v41-mkinitcpio.conf arch-default-2013-string-syntax-mkinitcpio.conf; do
		w="$tmp/k"; regen_stack "$w" arch
		cp "$corpus/mkinitcpio/$main" "$w/root/etc/mkinitcpio.conf"
		mkdir -p "$w/root/etc/mkinitcpio.conf.d"
		cp "$f" "$w/root/etc/mkinitcpio.conf.d/50-${b#conf.d-}"
		mk_case "mkinitcpio drop-in $b over $main" "$w" "etc/mkinitcpio.conf.d/50-${b#conf.d-}" etc/mkinitcpio.conf
		n=$((n + 1))
	done
done
# a preset with a config of its own: that file is edited, no drop-in
w="$tmp/k"; regen_stack "$w" arch
mkdir -p "$w/root/etc/mkinitcpio.d"
cp "$corpus/mkinitcpio/linux.preset-ALL_config-elsewhere" "$w/root/etc/mkinitcpio.d/linux.preset"
cp "$corpus/mkinitcpio/arch-default-v41-mkinitcpio.conf" "$w/root/etc/mkinitcpio-vfio.conf"
mk_case "mkinitcpio preset with ALL_config" "$w" etc/mkinitcpio-vfio.conf etc/mkinitcpio-vfio.conf
expect_eq "mkinitcpio preset with ALL_config: no drop-in mkinitcpio would not read" "" \
	"$(at "$w" plan --select $usb --json 2>/dev/null | jq -r '.files[].path | select(test("mkinitcpio[.]conf[.]d"))')"
n=$((n + 1))
for f in "$corpus"/mkinitcpio/linux*.preset*; do
	b=$(basename "$f")
	w="$tmp/k"; regen_stack "$w" arch
	mkdir -p "$w/root/etc/mkinitcpio.d"
	cp "$f" "$w/root/etc/mkinitcpio.d/linux.preset"
	sed -n 's/^[A-Za-z_]*_config="\/\(.*\)"/\1/p' "$f" | while read -r c; do
		[ -e "$w/root/$c" ] || cp "$corpus/mkinitcpio/arch-default-v41-mkinitcpio.conf" "$w/root/$c"; done
	at "$w" plan --select $usb >"$tmp/out" 2>&1
	expect_eq "mkinitcpio/$b: planned" 0 $?
	n=$((n + 1))
done

# ---- dracut: vfioconf's own drop-in beside the user's, which it leaves alone
for f in "$corpus"/dracut/*.conf; do
	b=$(basename "$f")
	case $b in BROKEN-*|*cmdline*|*modules.d*) continue ;; esac
	w="$tmp/r"; regen_stack "$w" endeavour
	mkdir -p "$w/root/etc/dracut.conf.d"
	cp "$f" "$w/root/etc/dracut.conf.d/50-$b"
	cp "$f" "$tmp/orig"
	at "$w" plan --select $usb --diff >"$tmp/diff" 2>/dev/null; rc=$?
	expect_eq "dracut/$b: planned" 0 "$rc"
	patch -s -p0 -d "$w/root" <"$tmp/diff" >/dev/null 2>&1
	if (cd "$w/root" && bash -c 'for f in ./etc/dracut.conf.d/*.conf; do . "$f" || exit 1; done' >/dev/null 2>&1); then
		ok "dracut/$b: the drop-ins still source"; else not_ok "dracut/$b: the drop-ins still source"; fi
	expect_eq "dracut/$b: the user's file untouched" "" "$(cmp "$tmp/orig" "$w/root/etc/dracut.conf.d/50-$b")"
	n=$((n + 1))
done

# ---- dracut building unified kernel images: the image's command line is
# its own (kernel_cmdline=), so a plan that needs parameters is refused
w="$tmp/r"; regen_stack "$w" endeavour
mkdir -p "$w/root/etc/dracut.conf.d"
cp "$corpus/dracut/invented-uki-kernel-cmdline.conf" "$w/root/etc/dracut.conf.d/50-uki.conf"
at "$w" plan --select $usb >"$tmp/out" 2>&1; rc=$?
expect_eq "dracut/invented-uki-kernel-cmdline.conf: refused" 3 "$rc"
expect_contains "dracut/invented-uki-kernel-cmdline.conf: names file and line" "$tmp/out" \
	"etc/dracut.conf.d/50-uki.conf:1: dracut builds unified kernel images (uefi=yes)"
at "$w" list --json >"$tmp/j" 2>/dev/null
expect_eq "dracut/invented-uki-kernel-cmdline.conf: the model reads the image's vfio-pci.ids=" \
	"10de:2684,10de:22ba" "$(jq -r '.vfio_pci.ids // empty' "$tmp/j")"
n=$((n + 1))

# ---- driverctl: an override vfioconf cannot take over is refused by name
w="$tmp/d"; regen_stack "$w" debian
mkdir -p "$w/root/etc/driverctl.d"
printf 'xhci_hcd\n' >"$w/root/etc/driverctl.d/pci-$usb"
at "$w" plan --select $usb >"$tmp/out" 2>&1; rc=$?
expect_eq "driverctl override on the selected device: refused" 3 "$rc"
expect_contains "driverctl: says how to clear it" "$tmp/out" "driverctl unset-override $usb"
n=$((n + 1))

echo "# $n corpus cases"
[ "$n" -ge 80 ] && ok "at least 80 corpus cases ($n)" || not_ok "at least 80 corpus cases ($n)"
finish
