#!/bin/sh
# apply --trial with dracut, mkinitcpio and booster (issue 14): Debian's
# GRUB stack with each initramfs system in place of initramfs-tools, from
# real-world configuration (tests/fixtures/trial-initrd). The trial's image
# is built from a copy of the configuration under /boot/vfioconf/ID (dracut
# --conf/--confdir, mkinitcpio -c, booster build --config); every byte of
# /etc stays; the image carries the trial's modprobe.d file and device list
# where modprobe and vfioconf-bind look (booster, which takes module options
# from /etc/modprobe.d only, gets them on the trial's command line); abort
# leaves /boot and /etc as before; promote is the normal apply.
#
# Fixture tools: each builder records its arguments and writes an "image"
# that lists what it would hold, as the real one gathers it: dracut's
# force_drivers and install_items, then the --include directory copied over
# them; mkinitcpio (bash, as the real one) sources the config, runs the
# build hooks found in its -D directories (modconf as upstream's), then adds
# MODULES and FILES; booster reads modules_force_load from its --config and
# module options from /etc/modprobe.d.
. "$top_srcdir/tests/lib.sh"

fx="$top_srcdir/tests/fixtures/trial-initrd"
K=6.1.0-18-amd64
sys_root() { # NAME SYSTEM: Debian on GRUB with SYSTEM for its initramfs
	regen_stack "$tmp/$1" debian
	_r="$tmp/$1/root"
	for a in grep sed rmdir mv cp find tr head sort; do ln -sf busybox "$_r/bin/$a"; done
	mkdir -p "$_r/usr/bin" "$_r/usr/libexec/vfioconf" "$_r/var/log"
	cp "$top_srcdir/tests/fixtures/grub/debian12.cfg" "$_r/boot/grub/grub.cfg"
	cp "$top_srcdir/bind/vfioconf-trial-sync" "$_r/usr/libexec/vfioconf/vfioconf-trial-sync"
	sh "$top_srcdir/tests/tools/grubenv-stand-ins.sh" "$_r"
	# no initramfs-tools: the planner finds SYSTEM alone
	rm -rf "$_r/usr/sbin/update-initramfs" "$_r/usr/sbin/mkinitramfs" "$_r/etc/initramfs-tools"
	"setup_$2" "$_r"
}

setup_dracut() {
	mkdir -p "$1/etc/dracut.conf.d"
	cp "$fx/dracut.conf" "$1/etc/dracut.conf"
	# a drop-in of the user's: it comes along into the trial's copy
	printf '# local\ncompress="zstd"\n' >"$1/etc/dracut.conf.d/50-local.conf"
	cat >"$1/usr/bin/dracut" <<'TOOL'
#!/bin/sh
echo "dracut $*" >>/var/log/fake-dracut.log
conf=/etc/dracut.conf confdir=/etc/dracut.conf.d inc= incto= all= out= kver=
while [ $# -gt 0 ]; do
	case $1 in
	--conf) conf=$2; shift ;;
	--confdir) confdir=$2; shift ;;
	--include) inc=$2 incto=$3; shift 2 ;;
	--regenerate-all) all=1 ;;
	-*) ;;
	*) if [ -z "$out" ]; then out=$1; else kver=$1; fi ;;
	esac
	shift
done
[ -z "$all" ] || { out=/boot/initrd.img-6.1.0-18-amd64 kver=6.1.0-18-amd64; }
vals() { for f in "$conf" "$confdir"/*.conf; do [ -f "$f" ] && sed -n "s/^$1+\{0,1\}=\"\(.*\)\"/\1/p" "$f"; done | tr ' ' '\n' | sed '/^$/d'; }
# the image as a directory: dracut's inst skips a file the image has already
d=$out.d
rm -rf "$d"
inst() { [ -e "$d$1" ] && return 0; mkdir -p "$d${1%/*}"; cp "$1" "$d$1"; }
[ "$(vals hostonly)" != yes ] || for f in /etc/modprobe.d/*.conf; do [ ! -f "$f" ] || inst "$f"; done
for i in $(vals install_items); do
	[ -f "$i" ] && inst "$i" || echo "dracut-install: ERROR: installing '$i'" >&2
done
# a directory --include is copied over what the image has
[ -z "$inc" ] || { mkdir -p "$d$incto"; cp -r "$inc/." "$d$incto"; }
{
	echo "image $kver from $conf $confdir"
	vals force_drivers | sed 's|.*|kernel/&.ko|'
	(cd "$d" && find . -type f | sort | while read -r f; do
		echo "${f#.}: $(grep -m1 -e '^options' -e '^\[device' "$f")"; done)
} >"$out"
rm -rf "$d"
TOOL
	printf '#!/bin/sh\ncat "$1"\n' >"$1/usr/bin/lsinitrd"
	chmod 755 "$1/usr/bin/dracut" "$1/usr/bin/lsinitrd"
}

# bash and its libraries into the root: mkinitcpio is a bash program
with_bash() {
	[ -x /bin/bash ] && command -v ldd >/dev/null 2>&1 || skip "no /bin/bash and ldd for the mkinitcpio stand-in"
	cp /bin/bash "$1/bin/bash"
	for _l in $(ldd /bin/bash | sed -n 's|.*[ \t]\(/[^ ]*\) (0x.*|\1|p'); do
		mkdir -p "$1$(dirname "$_l")"
		cp -L "$_l" "$1$_l"
	done
}
setup_mkinitcpio() {
	with_bash "$1"
	cp "$fx/mkinitcpio.conf" "$1/etc/mkinitcpio.conf"
	# a multi-line array of the user's, with a file it puts in the image
	sed -i 's|^FILES=()$|FILES=(\n    /etc/crypttab.initramfs\n)|' "$1/etc/mkinitcpio.conf"
	echo "cryptroot UUID=9f8e7d6c none luks" >"$1/etc/crypttab.initramfs"
	mkdir -p "$1/usr/lib/initcpio/install" "$1/etc/initcpio/install" "$1/etc/mkinitcpio.d"
	# upstream's install/modconf
	cat >"$1/usr/lib/initcpio/install/modconf" <<'TOOL'
#!/usr/bin/env bash
build() {
    add_full_dir /etc/modprobe.d '*.conf'
    add_full_dir /usr/lib/modprobe.d '*.conf'
}
TOOL
	printf 'PRESETS=(default)\ndefault_image="/boot/initramfs-linux.img"\n' >"$1/etc/mkinitcpio.d/linux.preset"
	cat >"$1/usr/bin/mkinitcpio" <<'TOOL'
#!/bin/bash
echo "mkinitcpio $*" >>/var/log/fake-mkinitcpio.log
c=/etc/mkinitcpio.conf D=() k= g=
while (($#)); do
	case $1 in
	-c) c=$2; shift ;;
	-D) D+=("$2"); shift ;;
	-k) k=$2; shift ;;
	-g) g=$2; shift ;;
	-P) g=/boot/initramfs-linux.img k=6.1.0-18-amd64
	    for f in /etc/mkinitcpio.conf.d/*.conf; do [[ -f $f ]] && c+=" $f"; done ;;
	esac
	shift
done
((${#D[@]})) || D=(/etc/initcpio /usr/lib/initcpio)
for f in $c; do . "$f"; done
# mkinitcpio's arrayize_config
for v in MODULES BINARIES FILES HOOKS; do
	declare -n a=$v
	[[ ${a@a} == *a* ]] || IFS=' ' read -r -a "$v" <<<"${a-}"
	unset -n a
done
declare -A img
add_file() { [[ -f $1 ]] || { echo "file not found: '$1'" >&2; return 1; }; img[${2:-$1}]=$1; }
add_full_dir() { for f in "$1"/$2; do [[ -f $f ]] && add_file "$f"; done; }
for h in "${HOOKS[@]}"; do
	for d in "${D[@]}"; do
		if [[ -f $d/install/$h ]]; then
			unset -f build
			. "$d/install/$h"
			build
			echo "hook $h from $d"
			break
		fi
	done
done >"$g"
for m in "${MODULES[@]}"; do echo "kernel/$m.ko"; done >>"$g"
for f in "${FILES[@]}"; do add_file "$f"; done
for b in "${BINARIES[@]}"; do echo "binary $b"; done >>"$g"
for f in "${!img[@]}"; do echo "$f: $(grep -m1 -e '^options' -e '^\[device' -e '^cryptroot' "${img[$f]}")"; done | sort >>"$g"
echo "image $k from $c" >>"$g"
TOOL
	printf '#!/bin/sh\ncat "$1"\n' >"$1/usr/bin/lsinitcpio"
	chmod 755 "$1/usr/bin/mkinitcpio" "$1/usr/bin/lsinitcpio"
}

setup_booster() {
	cp "$fx/booster.yaml" "$1/etc/booster.yaml"
	mkdir -p "$1/usr/lib/booster"
	cat >"$1/usr/bin/booster" <<'TOOL'
#!/bin/sh
echo "booster $*" >>/var/log/fake-booster.log
[ "$1" = build ] || exit 2
shift
c=/etc/booster.yaml k= out=
while [ $# -gt 0 ]; do
	case $1 in
	--config) c=$2; shift ;;
	--kernel-version) k=$2; shift ;;
	-*) ;;
	*) out=$1 ;;
	esac
	shift
done
{
	echo "image $k from $c"
	sed -n 's/^modules_force_load: *//p' "$c" | tr ',' '\n' | sed 's|.*|kernel/&.ko|'
	# module options: /etc/modprobe.d's, at build time, into init's config
	for f in /etc/modprobe.d/*.conf; do [ -f "$f" ] && grep '^options' "$f"; done | sed 's/^/init options: /'
} >"$out"
TOOL
	printf '#!/bin/sh\n/usr/bin/booster build --force /boot/booster-linux.img\n' >"$1/usr/lib/booster/regenerate_images"
	chmod 755 "$1/usr/bin/booster" "$1/usr/lib/booster/regenerate_images"
}

at() { _m=$1; shift; VFIOCONF_CMD_TIMEOUT=30 "$VFIOCONF" --root "$_m/root" --sysfs "$_m/sys" --procfs "$_m/proc" "$@"; }
etc_sums() { (cd "$1/root" && find etc -type f | sort | xargs sha256sum); }
boot_trial() { # DIR ID: the trial's boot (GRUB used up the one-shot)
	sed -i "s/\$/ vfioconf.trial=$2 iommu=pt $3/" "$1/proc/cmdline"
	mkdir -p "$1/sys/bus/pci/drivers/vfio-pci"
	for f in 0000:02:00.0 0000:02:00.1; do ln -sfn ../../../../bus/pci/drivers/vfio-pci "$1/sys/bus/pci/devices/$f/driver"; done
	grep -v '^next_entry=' "$1/root/boot/grub/grubenv" >"$1/env.new"; mv "$1/env.new" "$1/root/boot/grub/grubenv"
}
OPTS="options vfio-pci ids=10de:0fbb,10de:13c2 disable_vga=1"

for s in dracut mkinitcpio booster; do
	sys_root "$s" "$s"; d="$tmp/$s"
	snapshot "$d/root" "$tmp/$s-before"
	etc_sums "$d" >"$tmp/$s-etc-before"

	# plan --trial: the system's own build, the trial's copy of its configuration
	at "$d" plan --trial --select 0000:02:00.0 >"$tmp/out" 2>&1; rc=$?
	expect_eq "$s: plan --trial: exit 0" 0 "$rc"
	id=$(sed -n 's/^Trial boot \([0-9a-f]*\):.*/\1/p' "$tmp/out")
	expect_eq "$s: the trial has an id" 8 "${#id}"
	expect_not_contains "$s: plan --trial: no file under /etc" "$tmp/out" "+++ etc/"
	expect_contains "$s: plan --trial: the sync script builds it" "$tmp/out" "/usr/libexec/vfioconf/vfioconf-trial-sync $id $K"
	expect_contains "$s: plan --trial: trial.conf names the system" "$tmp/out" "+initrd = $s"
	case $s in
	dracut)
		expect_contains "dracut: the command says how" "$tmp/out" "build the trial's initramfs (dracut --conf and --confdir, its own configuration)"
		expect_contains "dracut: a copy of /etc/dracut.conf" "$tmp/out" "+++ boot/vfioconf/$id/dracut.conf"
		expect_contains "dracut: the user's drop-in comes along" "$tmp/out" "+++ boot/vfioconf/$id/dracut.conf.d/50-local.conf"
		expect_contains "dracut: the plan's drop-in, in the copy" "$tmp/out" "+++ boot/vfioconf/$id/dracut.conf.d/10-vfioconf.conf"
		expect_contains "dracut: force_drivers as the plan's" "$tmp/out" '+force_drivers+=" vfio vfio_iommu_type1 vfio_pci "'
		expect_not_contains "dracut: install_items do not name /etc's modprobe.d file" "$tmp/out" '+install_items+=" /etc/modprobe.d/vfioconf.conf'
		expect_contains "dracut: the include directory holds the modprobe.d file" "$tmp/out" "+++ boot/vfioconf/$id/include/etc/modprobe.d/vfioconf.conf"
		expect_contains "dracut: and the device list" "$tmp/out" "+++ boot/vfioconf/$id/include/etc/vfioconf/devices.conf"
		expect_contains "dracut: rd.driver.pre on the trial's linux line" "$tmp/out" "rd.driver.pre=vfio_pci"
		;;
	mkinitcpio)
		expect_contains "mkinitcpio: the command says how" "$tmp/out" "build the trial's initramfs (mkinitcpio -c, its own configuration)"
		expect_contains "mkinitcpio: its config" "$tmp/out" "+++ boot/vfioconf/$id/mkinitcpio.conf"
		expect_contains "mkinitcpio: Arch's comments come along" "$tmp/out" "+# This setting includes any additional binaries a given user may"
		expect_contains "mkinitcpio: the plan's MODULES" "$tmp/out" "+MODULES=(vfio_pci vfio vfio_iommu_type1)"
		expect_contains "mkinitcpio: the trial's hook, last" "$tmp/out" "+HOOKS+=(vfioconf-trial)"
		expect_contains "mkinitcpio: the hook file" "$tmp/out" "+++ boot/vfioconf/$id/initcpio/install/vfioconf-trial"
		expect_contains "mkinitcpio: the hook adds the trial's modprobe.d file" "$tmp/out" \
			"+	add_file /boot/vfioconf/$id/modprobe.conf /etc/modprobe.d/vfioconf.conf 644"
		sed -n "/^+++ boot\/vfioconf\/$id\/mkinitcpio.conf\$/,/^# /p" "$tmp/out" | sed -n 's/^+//p' | sed 1d >"$tmp/mk.conf"
		bash -n "$tmp/mk.conf"; expect_eq "mkinitcpio: the trial's config is bash" 0 "$?"
		;;
	booster)
		expect_contains "booster: the command says how" "$tmp/out" "build the trial's initramfs (booster build --config, its own configuration)"
		expect_contains "booster: its config" "$tmp/out" "+++ boot/vfioconf/$id/booster.yaml"
		expect_contains "booster: the plan's modules_force_load" "$tmp/out" "+modules_force_load: vfio,vfio_iommu_type1,vfio_pci"
		expect_contains "booster: the docs' config comes along" "$tmp/out" "+extra_files: vim,/usr/share/vim/vim82/,fsck,fsck.ext4"
		expect_contains "booster: the module options on the trial's linux line" "$tmp/out" \
			"intel_iommu=on iommu=pt vfio-pci.ids=10de:0fbb,10de:13c2 vfio-pci.disable_vga=1 vfioconf.trial=$id panic=10"
		expect_contains "booster: says why" "$tmp/out" "booster takes module options from /etc/modprobe.d only"
		;;
	esac

	# apply --trial: only /boot changes, every byte of /etc stays
	at "$d" apply --trial --select 0000:02:00.0 --yes >"$tmp/out" 2>&1; rc=$?
	expect_eq "$s: apply --trial: exit 0" 0 "$rc"
	[ "$rc" -eq 0 ] || cat "$tmp/out"
	id=$(sed -n 's/^Trial boot \([0-9a-f]*\):$/\1/p' "$tmp/out")
	img="$d/root/boot/vfioconf/$id/initrd.img-$K"
	etc_sums "$d" >"$tmp/$s-etc-after"
	expect_eq "$s: apply --trial: every byte of /etc as before" "" "$(diff "$tmp/$s-etc-before" "$tmp/$s-etc-after")"
	snapshot "$d/root" "$tmp/$s-after"
	expect_eq "$s: apply --trial: nothing outside /boot/vfioconf, custom.cfg, grubenv (and the tool's log)" "" \
		"$(diff "$tmp/$s-before" "$tmp/$s-after" | grep '^[<>]' | grep -v -e ' ./boot/vfioconf/' -e ' ./boot/grub/custom.cfg' \
			-e ' ./boot/grub/grubenv' -e ' ./var/log/fake-')"
	expect_eq "$s: grubenv: the trial once" "next_entry=vfioconf-trial" "$(grep next_entry "$d/root/boot/grub/grubenv")"
	expect_contains "$s: the image is built for the entry's kernel" "$img" "image $K from /boot/vfioconf/$id/"
	expect_contains "$s: the image loads vfio_pci" "$img" "kernel/vfio_pci.ko"
	case $s in
	dracut)
		expect_eq "dracut: its arguments" \
			"dracut --force --conf /boot/vfioconf/$id/dracut.conf --confdir /boot/vfioconf/$id/dracut.conf.d --include /boot/vfioconf/$id/include / /boot/vfioconf/$id/initrd.img-$K $K" \
			"$(cat "$d/root/var/log/fake-dracut.log")"
		;;
	mkinitcpio)
		expect_eq "mkinitcpio: its arguments" \
			"mkinitcpio -c /boot/vfioconf/$id/mkinitcpio.conf -D /etc/initcpio -D /usr/lib/initcpio -D /boot/vfioconf/$id/initcpio -k $K -g /boot/vfioconf/$id/initrd.img-$K" \
			"$(cat "$d/root/var/log/fake-mkinitcpio.log")"
		expect_contains "mkinitcpio: modconf ran" "$img" "hook modconf from /usr/lib/initcpio"
		expect_contains "mkinitcpio: the trial's hook ran, from the trial's directory" "$img" "hook vfioconf-trial from /boot/vfioconf/$id/initcpio"
		expect_contains "mkinitcpio: the user's multi-line FILES came along" "$img" "/etc/crypttab.initramfs: cryptroot"
		;;
	booster)
		expect_eq "booster: its arguments" \
			"booster build --force --config /boot/vfioconf/$id/booster.yaml --kernel-version $K /boot/vfioconf/$id/initrd.img-$K" \
			"$(cat "$d/root/var/log/fake-booster.log")"
		expect_not_contains "booster: /etc/modprobe.d has no options for the image (the command line has them)" "$img" "init options:"
		expect_contains "booster: the trial's entry has them" "$d/root/boot/grub/custom.cfg" "vfio-pci.ids=10de:0fbb,10de:13c2 vfio-pci.disable_vga=1"
		;;
	esac
	if [ "$s" != booster ]; then
		expect_contains "$s: the image holds the trial's modprobe.d file where modprobe looks" "$img" \
			"/etc/modprobe.d/vfioconf.conf: $OPTS"
		expect_contains "$s: and its device list where vfioconf-bind looks" "$img" "/etc/vfioconf/devices.conf: [device 0000:02:00.0]"
	fi

	# abort: /boot and /etc as before
	at "$d" trial abort --yes >"$tmp/out" 2>&1; rc=$?
	expect_eq "$s: trial abort: exit 0" 0 "$rc"
	snapshot "$d/root" "$tmp/$s-aborted"
	expect_eq "$s: trial abort: every file as before (the tool's log aside)" "" \
		"$(diff "$tmp/$s-before" "$tmp/$s-aborted" | grep -v ' ./var/log/fake-' | grep '^[<>]')"
	expect_eq "$s: trial abort: no /boot/vfioconf left" no "$([ -e "$d/root/boot/vfioconf" ] && echo yes || echo no)"

	# promote: the normal apply's files
	at "$d" apply --trial --select 0000:02:00.0 --yes >"$tmp/out" 2>&1
	id=$(sed -n 's/^Trial boot \([0-9a-f]*\):$/\1/p' "$tmp/out")
	extra=
	[ "$s" != booster ] || extra="vfio-pci.ids=10de:0fbb,10de:13c2 vfio-pci.disable_vga=1"
	[ "$s" != dracut ] || extra="rd.driver.pre=vfio_pci"
	boot_trial "$d" "$id" "$extra"
	at "$d" trial check >"$tmp/out" 2>&1; rc=$?
	expect_eq "$s: trial check on the trial's boot: exit 0" 0 "$rc"
	[ "$rc" -eq 0 ] || cat "$tmp/out"
	at "$d" trial promote --yes >"$tmp/out" 2>&1; rc=$?
	expect_eq "$s: trial promote: exit 0" 0 "$rc"
	[ "$rc" -eq 0 ] || cat "$tmp/out"
	expect_eq "$s: promote: the trial's files are gone" no "$([ -e "$d/root/boot/vfioconf" ] && echo yes || echo no)"
	sys_root "$s-direct" "$s"
	at "$tmp/$s-direct" apply --select 0000:02:00.0 --yes >"$tmp/out" 2>&1; rc=$?
	expect_eq "$s: a direct apply (to compare): exit 0" 0 "$rc"
	expect_eq "$s: promote leaves /etc as the direct apply does" "" \
		"$(etc_sums "$tmp/$s-direct" | diff - "$(etc_sums "$d" >"$tmp/$s-etc-promoted"; echo "$tmp/$s-etc-promoted")")"
	expect_contains "$s: promote: the default path binds the GPU" "$d/root/etc/modprobe.d/vfioconf.conf" "$OPTS"

	# the builder missing: refused, naming it
	sys_root "$s-notool" "$s"
	rm -f "$tmp/$s-notool/root/usr/bin/$s"
	at "$tmp/$s-notool" plan --trial --select 0000:02:00.0 --initramfs "$s" >"$tmp/out" 2>&1; rc=$?
	expect_eq "$s missing: refused, exit 3" 3 "$rc"
	expect_contains "$s missing: says which tool" "$tmp/out" "no trial boot here: $s is missing under the root"
done

# an earlier vfioconf.conf in /etc (another selection): the image holds the
# trial's, not /etc's, though /etc's goes in first (dracut's hostonly
# modprobe.d, mkinitcpio's modconf)
for s in dracut mkinitcpio; do
	sys_root "$s-old" "$s"; d="$tmp/$s-old"
	mkdir -p "$d/root/etc/modprobe.d"
	printf '# Managed by vfioconf: the devices below go to vfio-pci at boot.\noptions vfio-pci ids=10de:1b80\n' \
		>"$d/root/etc/modprobe.d/vfioconf.conf"
	[ "$s" != dracut ] || echo 'hostonly="yes"' >>"$d/root/etc/dracut.conf.d/50-local.conf"
	etc_sums "$d" >"$tmp/$s-old-etc-before"
	at "$d" apply --trial --select 0000:02:00.0 --yes >"$tmp/out" 2>&1; rc=$?
	expect_eq "$s, an earlier vfioconf.conf in /etc: apply --trial: exit 0" 0 "$rc"
	id=$(sed -n 's/^Trial boot \([0-9a-f]*\):$/\1/p' "$tmp/out")
	img="$d/root/boot/vfioconf/$id/initrd.img-$K"
	expect_contains "$s, an earlier vfioconf.conf: the image holds the trial's" "$img" "/etc/modprobe.d/vfioconf.conf: $OPTS"
	expect_not_contains "$s, an earlier vfioconf.conf: not /etc's" "$img" "ids=10de:1b80"
	expect_eq "$s, an earlier vfioconf.conf: /etc as before" "" "$(etc_sums "$d" | diff "$tmp/$s-old-etc-before" -)"
done

finish
