#!/bin/sh
# tests/vm/bootdisk-demo.sh - proves tests/vm/bootdisk.sh on a real kernel
# booted by a real boot loader from one raw disk image (no qemu -kernel):
#   grub    GRUB i386-pc on SeaBIOS: a plain boot (the default entry, as
#           Debian's update-grub wrote it); then a 'once' entry in
#           /boot/grub/custom.cfg and grub-reboot vfioconf-trial: boot 1 runs
#           it (marker vfioconf.trial=test in /proc/cmdline), GRUB itself
#           clears next_entry, boot 2 of the same image runs the default
#   panic   the 'once' entry is broken (its initrd is missing, so the kernel
#           cannot mount the root and panics) and has panic=10; one QEMU run
#           without -no-reboot: the panic reboots, GRUB boots the default,
#           which reports back
#   sdboot  systemd-boot on OVMF: GPT with an ESP; trial entries with a boot
#           counter (vfioconf-trial+1-0.conf); boot 1 (default) runs
#           `bootctl set-oneshot vfioconf-trial+1-0.conf` in the guest;
#           boot 2 (same image, same variable store) must be the trial
#           entry, boot 3 the default again; boot 4 sets a one-shot for an
#           entry that panics (panic=10), boot 5 without -no-reboot: the
#           panic, then the default, in one QEMU run
# BOOTDISK_DEMO="grub panic sdboot" picks parts; BOOTDISK_WORK is where the
# images and logs go (default ./bootdisk-work). Needs root; exit 77 without.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=bootdisk.sh
. "$here/bootdisk.sh"
work=${BOOTDISK_WORK:-$PWD/bootdisk-work}
parts=${BOOTDISK_DEMO:-grub panic sdboot}

if [ "$(id -u)" -ne 0 ]; then
	echo "bootdisk-demo: needs root; skipped"
	exit 77
fi
for t in qemu-system-x86_64 debootstrap mke2fs sfdisk losetup unshare blkid tar; do
	command -v "$t" >/dev/null || { echo "bootdisk-demo: $t is missing" >&2; exit 1; }
done
mkdir -p "$work"
work=$(cd "$work" && pwd)
results=$work/results
: >"$results"
failed=0
log() { printf '%s bootdisk-demo: %s\n' "$(date +%H:%M:%S)" "$*"; }
record() { # PART STEP pass|fail [seconds] [note]
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:--}" "${5:-}" >>"$results"
	[ "$3" = pass ] || failed=$((failed + 1))
	log "$1: $2: $3${4:+ (${4} s)}${5:+ - $5}"
}
# kernel seconds at power-off, from the console: wall - that = firmware + loader
kernel_s() { sed -n 's/.*\[ *\([0-9.]*\)\] reboot: Power down.*/\1/p' "$1/serial.log" | tail -1; }
boots() { grep -c "Booting \`" "$1/serial.log" || true; }
show() { echo "    --- $1/serial.log (end)"; tail -15 "$1/serial.log" | cat -v | sed 's/^/    /'; }
has_marker() { grep -q "vfioconf\.trial=$2" "$1/cmdline"; }

# the trial entry, as vfioconf would write it: Debian's default entry's
# linux line plus ARGS; INITRD (a path on the root) may be broken on purpose
grub_once() { # IMG ARGS INITRD
	# shellcheck disable=SC2016 # a script for the image's shell
	bootdisk_image_chroot "$1" sh -c '
		l=$(awk "\$1 == \"linux\" { \$1 = \"\"; print; exit }" /boot/grub/grub.cfg)
		uuid=$(grub-probe --target=fs_uuid /)
		cat >/boot/grub/custom.cfg <<-EOF
		menuentry "once" --id vfioconf-trial {
		        insmod part_msdos
		        insmod ext2
		        search --no-floppy --fs-uuid --set=root $uuid
		        linux  $(echo $l | sed "s/ quiet\$//") $1
		        initrd $2
		}
		EOF
		grub-reboot vfioconf-trial && grub-editenv list' sh "$2" "$3"
}

if echo "$parts" | grep -qw -e grub -e panic; then
	log "grub: staging the root and the disk (GRUB i386-pc on MBR)"
	t=$(bootdisk_now_ms)
	bootdisk_stage "$work/grub-root"
	kver=$(bootdisk_kver "$work/grub-root")
	bootdisk_grub_disk "$work/grub-root" "$work/grub.img"
	record grub "disk: sfdisk + mke2fs -d + grub-install + update-grub in the image" pass \
		"$(( ($(bootdisk_now_ms) - t) / 1000 ))" "ext4 UUID $bootdisk_uuid"
	bootdisk_image_chroot "$work/grub.img" cat /boot/grub/grub.cfg >"$work/grub.cfg"
	if grep -q "linux.*/boot/vmlinuz-$kver root=UUID=$bootdisk_uuid ro" "$work/grub.cfg" &&
		bootdisk_image_chroot "$work/grub.img" test -f /boot/grub/grubenv; then
		record grub "grub.cfg by update-grub: root=UUID=$bootdisk_uuid; grubenv exists" pass
	else
		record grub "grub.cfg by update-grub: root=UUID=...; grubenv exists" fail "" "see $work/grub.cfg"
	fi
fi

if echo "$parts" | grep -qw grub; then
	img=$work/grub.img
	d=$work/grub-0
	if bootdisk_boot "$img" "$d" && grep -q "root=UUID=$bootdisk_uuid" "$d/cmdline" &&
		! has_marker "$d" test; then
		record grub "boot 0 (SeaBIOS -> GRUB -> default entry)" pass "$bootdisk_boot_s" \
			"kernel ran $(kernel_s "$d") s; cmdline: $(cat "$d/cmdline")"
	else
		show "$d"; record grub "boot 0 (SeaBIOS -> GRUB -> default entry)" fail "$bootdisk_boot_s"
	fi
	grub_once "$img" "panic=10 vfioconf.trial=test" "/boot/initrd.img-$kver" >"$work/grub-once.env"
	if grep -qx next_entry=vfioconf-trial "$work/grub-once.env"; then
		record grub "custom.cfg 'once' entry; grub-reboot vfioconf-trial: next_entry set" pass
	else
		record grub "grub-reboot vfioconf-trial" fail "" "$(cat "$work/grub-once.env")"
	fi
	d=$work/grub-1
	if bootdisk_boot "$img" "$d" && has_marker "$d" test; then
		record grub "boot 1: the once entry (vfioconf.trial=test in /proc/cmdline)" pass "$bootdisk_boot_s" \
			"grubenv seen inside: $(tr '\n' ' ' <"$d/grubenv")"
	else
		show "$d"; record grub "boot 1: the once entry" fail "$bootdisk_boot_s" "$(cat "$d/cmdline" 2>/dev/null)"
	fi
	env1=$(bootdisk_image_chroot "$img" grub-editenv list)
	if [ "$env1" = "next_entry=" ]; then
		record grub "after boot 1 GRUB itself cleared next_entry in grubenv (save_env)" pass "" "grubenv: $env1"
	else
		record grub "after boot 1 GRUB itself cleared next_entry" fail "" "grubenv: $env1"
	fi
	d=$work/grub-2
	if bootdisk_boot "$img" "$d" && ! has_marker "$d" test && grep -q "root=UUID=$bootdisk_uuid" "$d/cmdline"; then
		record grub "boot 2, same image: the default entry again" pass "$bootdisk_boot_s" \
			"cmdline: $(cat "$d/cmdline")"
	else
		show "$d"; record grub "boot 2, same image: the default entry" fail "$bootdisk_boot_s" \
			"$(cat "$d/cmdline" 2>/dev/null)"
	fi
fi

if echo "$parts" | grep -qw panic; then
	img=$work/grub.img
	# a trial that panics: no initrd where the entry says, so no virtio_blk
	# nor ext4 and no root=UUID=; panic=10 reboots; GRUB has already
	# cleared next_entry, so the reboot runs the default
	grub_once "$img" "panic=10 vfioconf.trial=panic" /boot/initrd.img-missing >"$work/panic-once.env"
	d=$work/panic
	ok=1
	bootdisk_boot "$img" "$d" --reboot || ok=0
	n=$(boots "$d")
	if [ $ok = 1 ] && ! has_marker "$d" panic && grep -q "Kernel panic" "$d/serial.log" &&
		grep -q "vfioconf.trial=panic" "$d/serial.log" && [ "$n" = 2 ]; then
		record panic "once entry panics, panic=10 reboots, the default boots and reports (one QEMU run)" pass \
			"$bootdisk_boot_s" "2 GRUB boots; $(grep -m1 -o 'Kernel panic.*' "$d/serial.log" | tr -d '\r' | cut -c1-90)"
	else
		show "$d"
		record panic "once entry panics, panic=10 reboots, the default boots" fail "$bootdisk_boot_s" \
			"GRUB boots: $n; result: $(cat "$d/cmdline" 2>/dev/null || echo none)"
	fi
fi

if echo "$parts" | grep -qw sdboot; then
	log "sdboot: staging the root and the disk (systemd-boot on GPT/ESP, OVMF)"
	t=$(bootdisk_now_ms)
	bootdisk_stage "$work/sd-root"
	# a boot that finds /etc/bootdisk-oneshot asks systemd-boot, through the
	# firmware's LoaderEntryOneShot, for that entry at the next boot (once)
	cat >"$work/sd-root/usr/local/libexec/bootdisk/hook" <<-'EOF'
	#!/bin/sh
	[ -s /etc/bootdisk-oneshot ] || exit 0
	e=$(cat /etc/bootdisk-oneshot)
	bootctl set-oneshot "$e"
	echo "set-oneshot $e: $?"
	rm -f /etc/bootdisk-oneshot
	EOF
	chmod 755 "$work/sd-root/usr/local/libexec/bootdisk/hook"
	echo vfioconf-trial+1-0.conf >"$work/sd-root/etc/bootdisk-oneshot"
	bootdisk_sdboot_disk "$work/sd-root" "$work/sd.img"
	img=$work/sd.img vars=$work/sd-vars.fd
	rm -f "$vars"
	kver=$(bootdisk_kver "$work/sd-root")
	# the trial entry has a boot counter (1 try left, 0 done); the panic
	# entry's kernel finds no init in the initramfs (rdinit=), so it panics
	# trying to mount root=UUID= itself
	for e in "vfioconf-trial vfioconf.trial=sd" "vfioconf-panic rdinit=/nonexistent panic=10 vfioconf.trial=sdpanic"; do
		printf 'title %s\nlinux /vmlinuz-%s\ninitrd /initrd.img-%s\noptions %s %s\n' \
			"${e%% *}" "$kver" "$kver" "${bootdisk_options% quiet}" "${e#* }" >"$work/${e%% *}.conf"
		bootdisk_esp_put "$img" "$work/${e%% *}.conf" "::/loader/entries/${e%% *}+1-0.conf"
	done
	record sdboot "disk: GPT, ESP (mkfs.fat + mcopy) with systemd-boot, root ext4" pass \
		"$(( ($(bootdisk_now_ms) - t) / 1000 ))" "entries: $(bootdisk_esp_ls "$img" ::/loader/entries | sed 's,.*/,,' | tr '\n' ' ')"
	sel() { sed -n "s/^$2=//p" "$1/efivars"; }
	for i in 1 2 3 4 5; do
		d=$work/sd-$i
		ro=
		if [ $i = 4 ]; then
			echo vfioconf-panic+1-0.conf | bootdisk_image_chroot "$img" sh -c 'cat >/etc/bootdisk-oneshot'
		fi
		[ $i = 5 ] && ro=--reboot
		# shellcheck disable=SC2086
		if ! bootdisk_boot "$img" "$d" --ovmf "$vars" $ro; then
			show "$d"; record sdboot "boot $i" fail "$bootdisk_boot_s" "nothing came back"
			continue
		fi
		note="LoaderEntrySelected=$(sel "$d" LoaderEntrySelected); cmdline: $(sed 's/.*root=UUID=[^ ]* //' "$d/cmdline")"
		case $i in
		1|4)
			e=$(cat "$work/sd-root/etc/bootdisk-oneshot")
			[ $i = 4 ] && e=vfioconf-panic+1-0.conf
			if [ "$(sel "$d" LoaderEntrySelected)" = debian.conf ] && grep -q "set-oneshot $e: 0" "$d/hook.out"; then
				record sdboot "boot $i: the default; inside: bootctl set-oneshot $e" pass "$bootdisk_boot_s" "$note"
			else
				record sdboot "boot $i: the default; set-oneshot $e" fail "$bootdisk_boot_s" \
					"$note; hook: $(cat "$d/hook.out" 2>/dev/null)"
			fi ;;
		2)
			if has_marker "$d" sd && [ "$(sel "$d" LoaderEntrySelected)" = vfioconf-trial+1-0.conf ] &&
				[ -z "$(sel "$d" LoaderEntryOneShot)" ]; then
				record sdboot "boot 2: the one-shot trial entry (one-shot variable consumed)" pass "$bootdisk_boot_s" "$note"
			else
				record sdboot "boot 2: the one-shot trial entry" fail "$bootdisk_boot_s" "$note"
			fi
			grep . "$d/bootctl-list" | grep -e title -e id: -e source -e tries | sed 's/^/    /' | head -12 ;;
		3)
			if ! has_marker "$d" sd && [ "$(sel "$d" LoaderEntrySelected)" = debian.conf ]; then
				record sdboot "boot 3: the default again" pass "$bootdisk_boot_s" "$note"
			else
				record sdboot "boot 3: the default again" fail "$bootdisk_boot_s" "$note"
			fi ;;
		5)
			if [ "$(sel "$d" LoaderEntrySelected)" = debian.conf ] && ! has_marker "$d" sdpanic &&
				grep -aq "vfioconf.trial=sdpanic" "$d/serial.log" && grep -aq "Kernel panic" "$d/serial.log"; then
				record sdboot "boot 5 (no -no-reboot): panic entry panics, panic=10 reboots, the default reports" \
					pass "$bootdisk_boot_s" "$note"
			else
				show "$d"
				record sdboot "boot 5: panic entry panics, reboot, the default" fail "$bootdisk_boot_s" "$note"
			fi ;;
		esac
	done
	record sdboot "ESP entries after the boots (boot counters)" pass "" \
		"$(bootdisk_esp_ls "$img" ::/loader/entries | sed 's,.*/,,' | tr '\n' ' ')"
fi

echo
awk -F '\t' '
	{ p[NR] = $1; st[NR] = $2; rs[NR] = $3; bt[NR] = $4; nt[NR] = $5 }
	END {
		for (i = 1; i <= NR; i++)
			printf "%-7s %-4s %6s  %s%s\n", p[i], rs[i] == "pass" ? "PASS" : "FAIL", bt[i], st[i],
				nt[i] != "" ? "\n                      " nt[i] : ""
	}' "$results"
echo
if [ "$failed" -gt 0 ]; then
	echo "bootdisk-demo: $failed step(s) failed; logs under $work"
	exit 1
fi
echo "bootdisk-demo: every step passed"
