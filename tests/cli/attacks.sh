#!/bin/sh
# The journal trusts nothing it restores and never leaves the root: each
# case of an attack run against it (a full /boot, damaged and missing
# records, damaged or planted blobs, symlinks at the journal's paths, a
# directory swapped for a symlink while it works, NUL bytes, a hand-edited
# devices.conf, a rescue root without /boot mounted) and the smaller
# promises (ordering, modes, umask, test hooks, directories, messages).
. "$top_srcdir/tests/lib.sh"
need jq

setup() { # NAME: a debian stack with a shell and an initramfs to regenerate
	regen_stack "$tmp/$1" debian
}
at() { # DIR ARGS (VFIOCONF=... at: another build)
	_m=$1; shift
	SSH_CONNECTION=$(cat "$_m/ssh_connection" 2>/dev/null) VFIOCONF_CMD_TIMEOUT=${TMO:-30} \
		"$VFIOCONF" --root "$_m/root" --sysfs "$_m/sys" --procfs "$_m/proc" "$@"
}
txdir() { # DIR N: the Nth transaction's directory (1 = oldest)
	echo "$1/root/var/lib/vfioconf/tx/$(at "$1" history --json | jq -r ".transactions[$(($2 - 1))].id")"
}
host=$tmp/host                     # stands for the host outside --root
mkdir -p "$host"
printf 'the host file\n' >"$host/file"

# ---- records: a flipped bit, a missing record -> refused, named, RECOVERY.txt
setup a; a=$tmp/a
at "$a" apply --select 0000:02:00.0 --yes >/dev/null 2>&1
t=$(txdir "$a" 1)
last=$(ls "$t" | grep '^state\.' | tail -1)
sed -i 's/COMMITTED/COMMITTEE/' "$t/$last"            # one flipped word, the checksum stays
printf 'initramfs image v2 from a kernel update\n' >"$a/root/boot/initrd.img-6.1.0-18-amd64"
snapshot "$a/root" "$tmp/before"
at "$a" recover >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "damaged state record: recover exits 1" 1 "$rc"
expect_contains "damaged state record: names the transaction and the record" "$tmp/err" "$last fails its checksum"
expect_contains "damaged state record: says nothing was done" "$tmp/err" "nothing was done; see"
[ -s "$t/RECOVERY.txt" ] && ok "damaged state record: RECOVERY.txt written" || not_ok "damaged state record: RECOVERY.txt written"
expect_contains "RECOVERY.txt lists each file with its hashes" "$t/RECOVERY.txt" "etc/modprobe.d/vfioconf.conf"
expect_contains "RECOVERY.txt says how to set it aside" "$t/RECOVERY.txt" "set-aside"
snapshot "$a/root" "$tmp/after"
expect_eq "damaged state record: the newer image and every file stay" "" "$(diff "$tmp/before" "$tmp/after")"
at "$a" apply --select 0000:06:00.0 --yes >/dev/null 2>"$tmp/err"; rc=$?
expect_eq "damaged state record: the next apply is refused too" 1 "$rc"

setup b; b=$tmp/b
at "$b" apply --select 0000:02:00.0 --yes >/dev/null 2>&1
rm "$(txdir "$b" 1)/entry.0001"
snapshot "$b/root" "$tmp/before"
at "$b" undo --yes >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "missing entry record: undo exits 1" 1 "$rc"
expect_contains "missing entry record: said" "$tmp/err" "an entry record is missing"
snapshot "$b/root" "$tmp/after"
expect_eq "missing entry record: nothing undone in part" "" "$(diff "$tmp/before" "$tmp/after")"

# ---- a crash, then a kernel update rewrites the image: recovery makes it
# again from the restored files instead of copying the old one over it
setup ka; ka=$tmp/ka
VFIOCONF_FAILPOINT=R3:1 VFIOCONF="$VFIOCONF_HOOKS" at "$ka" apply --select 0000:02:00.0 --yes >/dev/null 2>&1
printf 'initramfs image v2, from a kernel update\n' >"$ka/root/boot/initrd.img-6.1.0-18-amd64"
at "$ka" recover >"$tmp/out" 2>&1; rc=$?
expect_eq "image changed after a crash: recover exits 0" 0 "$rc"
expect_contains "image changed after a crash: made again from the restored files" \
	"$ka/root/boot/initrd.img-6.1.0-18-amd64" "image -u -k all"
expect_not_contains "image changed after a crash: the old copy is not put back" \
	"$ka/root/boot/initrd.img-6.1.0-18-amd64" "initramfs image v1"
expect_not_contains "image changed after a crash: made without vfio" "$ka/root/boot/initrd.img-6.1.0-18-amd64" "vfio"

# ---- blobs: truncated, or a symlink to a host file -> never written into the tree
setup c; c=$tmp/c
at "$c" apply --select 0000:02:00.0 --yes >/dev/null 2>&1
t=$(txdir "$c" 1)
n=$(grep -l 'etc%2Finitramfs-tools%2Fmodules\|etc/initramfs-tools/modules' "$t"/entry.* | head -1 | sed 's/.*entry\.//')
pre="$t/blobs/pre-$n"
head -c 20 "$pre" >"$tmp/trunc" && cat "$tmp/trunc" >"$pre"
cp "$c/root/etc/initramfs-tools/modules" "$tmp/modules.applied"
at "$c" undo --yes >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "truncated blob: undo exits 1" 1 "$rc"
expect_contains "truncated blob: says the copy is damaged" "$tmp/err" "damaged (it fails its checksum)"
expect_eq "truncated blob: the file is not cut short" "" "$(cmp "$c/root/etc/initramfs-tools/modules" "$tmp/modules.applied")"
rm "$pre" && ln -s "$host/file" "$pre"
at "$c" rollback --yes >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "blob a symlink: rollback exits 1" 1 "$rc"
expect_not_contains "blob a symlink: the host file is not pulled into the root" "$c/root/etc/initramfs-tools/modules" "the host file"

# ---- symlinks at the journal's paths
setup d; d=$tmp/d
mkdir -p "$d/root/var/lib"; rm -rf "$d/root/var/lib/vfioconf"
ln -s "$host" "$d/root/var/lib/vfioconf"
before=$(stat -c %a "$host"); ls -A "$host" >"$tmp/hostls"
at "$d" apply --select 0000:02:00.0 --yes >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "journal dir a symlink: refused" 1 "$rc"
expect_contains "journal dir a symlink: says why" "$tmp/err" "not a directory (a symlink?)"
expect_eq "journal dir a symlink: the target keeps its mode" "$before" "$(stat -c %a "$host")"
expect_eq "journal dir a symlink: nothing created at the target" "$(cat "$tmp/hostls")" "$(ls -A "$host")"

setup e; e=$tmp/e
VFIOCONF_FAILPOINT=R3:0 VFIOCONF="$VFIOCONF_HOOKS" at "$e" apply --select 0000:06:00.0 --yes >/dev/null 2>&1
t=$(txdir "$e" 1)
rm -f "$t/log" && ln -s "$host/file" "$t/log"
at "$e" recover >/dev/null 2>&1
expect_eq "log a symlink: recover does not append to its target" "the host file" "$(cat "$host/file")"

setup f; f=$tmp/f
mkdir -p "$f/root/etc/vfioconf"
printf '[binding]\nmethod = ids\nbogus_key_from_the_host = 1\n' >"$host/vfioconf.conf"
ln -s "$host/vfioconf.conf" "$f/root/etc/vfioconf/vfioconf.conf"
at "$f" plan --select 0000:02:00.0 >/dev/null 2>"$tmp/err"
expect_not_contains "settings a symlink out of the root: the host file is not read" "$tmp/err" "bogus_key_from_the_host"

# ---- a directory swapped for a symlink out of the root, while apply/undo work
if [ -x "${SWAPPER:-}" ]; then
	setup g; g=$tmp/g
	mkdir -p "$g/root/etc/modprobe.d" "$host/evil"
	ln -s "$host/evil" "$g/root/etc/modprobe.d.swap"
	"$SWAPPER" "$g/root/etc/modprobe.d" "$g/root/etc/modprobe.d.swap" 60 >"$tmp/swaps" &
	sw=$!
	i=0 bad=0
	while [ $i -lt 150 ] && kill -0 $sw 2>/dev/null; do
		at "$g" apply --select 0000:02:00.0 --yes --no-regenerate >/dev/null 2>&1
		rc=$?; [ $rc -le 4 ] || bad=$((bad + 1))
		at "$g" undo --yes --no-regenerate >/dev/null 2>&1
		rc=$?; [ $rc -le 4 ] || bad=$((bad + 1))
		i=$((i + 1))
	done
	kill $sw 2>/dev/null; wait $sw 2>/dev/null
	expect_eq "swap race: $i rounds, nothing written outside the root" "" "$(ls -A "$host/evil")"
	expect_eq "swap race: no crash (every exit status 0 to 4)" 0 "$bad"
fi

# ---- input: a NUL byte, an empty --select, repeated --select
setup h; h=$tmp/h
printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\000GRUB_CMDLINE_LINUX="root=UUID=2c cryptdevice=x"\n' \
	>"$h/root/etc/default/grub"
rm -f "$h/root/usr/sbin/grub-mkconfig" # the main file, not the drop-in, is edited
at "$h" plan --select 0000:02:00.0 >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "NUL byte: plan refused, exit 3" 3 "$rc"
expect_contains "NUL byte: names the file and offset" "$tmp/out" "etc/default/grub: a NUL byte at offset 49"
at "$h" plan --select "" >/dev/null 2>"$tmp/err"; rc=$?
expect_eq "--select '': a usage error" 2 "$rc"
expect_contains "--select '': said" "$tmp/err" "names no device"
setup i; i=$tmp/i
at "$i" plan --select 0000:02:00.0 --select 0000:06:00.0 >"$tmp/out" 2>&1
expect_contains "repeated --select adds up" "$tmp/out" "Bind 3 devices to vfio-pci"

# ---- a device in no group while the IOMMU is on
setup j; j=$tmp/j
rm "$j/sys/bus/pci/devices/0000:06:00.0/iommu_group" "$j/sys/kernel/iommu_groups/"*/devices/0000:06:00.0
at "$j" plan --select 0000:06:00.0 >"$tmp/out" 2>&1; rc=$?
expect_eq "no group, IOMMU on: refused" 3 "$rc"
expect_contains "no group, IOMMU on: says why" "$tmp/out" "is in no IOMMU group although the IOMMU is on"

# ---- a hand-edited [added]: only what the journal shows vfioconf added goes
setup k; k=$tmp/k
mkdir -p "$k/root/etc/kernel"
printf 'root=UUID=2c8e quiet\n' >"$k/root/etc/kernel/cmdline"
at "$k" apply --select 0000:02:00.0 --yes --bootloader kernel-cmdline >/dev/null 2>&1
sed -i 's|^etc/kernel/cmdline = \(.*\)$|etc/kernel/cmdline = \1 root=UUID=2c8e|' "$k/root/etc/vfioconf/devices.conf"
at "$k" plan --select none --bootloader kernel-cmdline >"$tmp/out" 2>&1
expect_contains "hand-edited [added]: root= stays on the command line" "$tmp/out" "+root=UUID=2c8e quiet"
expect_not_contains "hand-edited [added]: only vfioconf's own parameters go" "$tmp/out" "remove root=UUID"
expect_contains "hand-edited [added]: said" "$tmp/out" "no transaction in the journal did: left in place"

# ---- undo takes away the directories its apply made
setup l; l=$tmp/l
at "$l" apply --select 0000:02:00.0 --yes >/dev/null 2>&1
[ -d "$l/root/etc/vfioconf" ] || not_ok "apply made etc/vfioconf"
at "$l" undo --yes >/dev/null 2>&1
[ -e "$l/root/etc/vfioconf" ] && not_ok "undo takes etc/vfioconf away" || ok "undo takes etc/vfioconf away"

# ---- order by sequence, not by the clock
setup m; m=$tmp/m
at "$m" apply --select 0000:02:00.0 --yes --no-regenerate >/dev/null 2>&1
at "$m" apply --select 0000:02:00.0,0000:06:00.0 --yes --no-regenerate >/dev/null 2>&1
second=$(txdir "$m" 2)
mv "$second" "$m/root/var/lib/vfioconf/tx/19990101T000000.000000000Z-0000000000000000" # a clock years off
at "$m" undo --yes --no-regenerate >/dev/null 2>&1
expect_not_contains "wrong clock: undo takes back the last transaction made" \
	"$m/root/etc/modprobe.d/vfioconf.conf" "1b73:1100"
expect_contains "wrong clock: the first stays" "$m/root/etc/modprobe.d/vfioconf.conf" "10de:13c2"

# ---- modes: journal files 0600 under umask 0; tools run with umask 022
setup n; n=$tmp/n
printf '#!/bin/sh\necho x >/boot/made-by-the-tool\n' >"$n/root/usr/sbin/update-grub"
(umask 0; at "$n" apply --select 0000:02:00.0 --yes >/dev/null 2>&1)
expect_eq "umask 0: the log is 0600" 600 "$(stat -c %a "$(txdir "$n" 1)/log")"
setup n
printf '#!/bin/sh\necho x >/boot/made-by-the-tool; echo "linux intel_iommu=on iommu=pt" >/boot/grub/grub.cfg\n' \
	>"$n/root/usr/sbin/update-grub"
(umask 077; at "$n" apply --select 0000:02:00.0 --yes >/dev/null 2>&1)
expect_eq "umask 077: what a tool writes is 0644" 644 "$(stat -c %a "$n/root/boot/made-by-the-tool")"

# ---- a tool that leaves a daemon holding its output: its own exit decides
setup o; o=$tmp/o
printf '#!/bin/sh\necho "linux intel_iommu=on iommu=pt" >/boot/grub/grub.cfg\nsleep 60 &\nexit 0\n' \
	>"$o/root/usr/sbin/update-grub"
TMO=10 at "$o" apply --select 0000:02:00.0 --yes >/dev/null 2>"$tmp/err"; rc=$?
expect_eq "daemon holding stdout: applied, not timed out" 0 "$rc"

# ---- the installed program has no test hooks
setup p; p=$tmp/p
VFIOCONF_FAILPOINT=P1 VFIOCONF_FAULT=fsync=EIO at "$p" apply --select 0000:02:00.0 --yes >/dev/null 2>&1; rc=$?
expect_eq "VFIOCONF_FAILPOINT and VFIOCONF_FAULT mean nothing to the program" 0 "$rc"

# ---- a rescue root with /boot not mounted: refused with the mount command
setup q; q=$tmp/q
printf 'UUID=1111-2222 /boot ext4 defaults 0 2\n' >>"$q/root/etc/fstab"
snapshot "$q/root" "$tmp/before"
at "$q" apply --select 0000:02:00.0 --yes >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "/boot not mounted: refused" 1 "$rc"
expect_contains "/boot not mounted: says how to mount it" "$tmp/err" "mount UUID=1111-2222 $q/root/boot"
expect_not_contains "/boot not mounted: no 'Done'" "$tmp/out" "Done"
snapshot "$q/root" "$tmp/after"
expect_eq "/boot not mounted: nothing changed" "" "$(diff "$tmp/before" "$tmp/after")"
# a rescue system: applied with /boot there, rolled back with it missing
setup qa; qa=$tmp/qa
at "$qa" apply --select 0000:02:00.0 --yes >/dev/null 2>&1
printf 'UUID=3333-4444 /boot ext4 defaults 0 2\n' >>"$qa/root/etc/fstab"
at "$qa" rollback --yes >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "rescue root, /boot not mounted: rollback refused" 1 "$rc"
expect_contains "rescue root: says to mount it" "$tmp/err" "mount UUID=3333-4444 $qa/root/boot"
expect_not_contains "rescue root: nothing blamed on hand edits" "$tmp/err" "changed by hand"

# ---- messages: no journal; rollback says what it puts back; history without root
setup r; r=$tmp/r
at "$r" rollback --yes >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "no journal: rollback exits 1" 1 "$rc"
expect_contains "no journal: says so" "$tmp/err" "var/lib/vfioconf does not exist"
at "$r" apply --select 0000:02:00.0 --yes >/dev/null 2>&1
at "$r" rollback --yes >"$tmp/out" 2>&1
expect_contains "rollback lists what it puts back" "$tmp/out" "etc/initramfs-tools/modules  (as it was before vfioconf)"
if command -v setpriv >/dev/null 2>&1; then
	chmod a+rx "$tmp"; chmod -R a+rX "$r" 2>/dev/null; chmod 700 "$r/root/var/lib/vfioconf"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$VFIOCONF" --root "$r/root" --sysfs "$r/sys" \
		--procfs "$r/proc" history >"$tmp/out" 2>"$tmp/err"; rc=$?
	expect_eq "history without root: exit 1" 1 "$rc"
	expect_contains "history without root: says root is needed" "$tmp/err" "can be read by root only"
	printf 'h' | setpriv --reuid=65534 --regid=65534 --clear-groups env VFIOCONF_HEADLESS=80x24 TERM=xterm \
		"$VFIOCONF" --root "$r/root" --sysfs "$r/sys" --procfs "$r/proc" >"$tmp/out" 2>&1
	expect_contains "the screen's history without root: says root is needed" "$tmp/out" \
		"The journal can be read by root only: run vfioconf with sudo"
	expect_not_contains "... not 'No transaction yet'" "$tmp/out" "No transaction yet"
fi

# ---- a full /boot: refused before any change, naming the room it needs
if unshare -m true 2>/dev/null; then
	setup s; s=$tmp/s
	snapshot "$s/root" "$tmp/before"
	unshare -m sh -c "mount -t tmpfs -o size=1200k tmpfs '$s/root/boot' &&
		mkdir -p '$s/root/boot/grub' && echo menu >'$s/root/boot/grub/grub.cfg' &&
		head -c 700000 /dev/zero >'$s/root/boot/initrd.img-6.1.0-18-amd64' &&
		SSH_CONNECTION='$(cat "$s/ssh_connection")' '$VFIOCONF' --root '$s/root' --sysfs '$s/sys' \
			--procfs '$s/proc' apply --select 0000:02:00.0 --yes" >"$tmp/out" 2>"$tmp/err"; rc=$?
	expect_eq "full /boot: refused" 1 "$rc"
	expect_contains "full /boot: names the images and the room" "$tmp/err" \
		"KiB needed for the images the commands rewrite, with a margin; nothing was changed"
	snapshot "$s/root" "$tmp/after"
	expect_eq "full /boot: nothing changed" "" "$(diff "$tmp/before" "$tmp/after")"
fi
finish
