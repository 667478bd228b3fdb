#!/bin/sh
# Faults while applying: an fsync that fails (EIO), a full file system
# (ENOSPC, a small tmpfs), a read-only one (EROFS), permission denied, an
# immutable file. Each: a clear error naming the file, exit 1, and every
# file exactly as before.
. "$top_srcdir/tests/lib.sh"
# failpoints and faults: only the test build has them
VFIOCONF=$VFIOCONF_HOOKS

setup() {
	rm -rf "$tmp/$1"
	cp -a "$ROOTS/debian" "$tmp/$1"
	with_shell "$tmp/$1/root"
}
run() { # DIR ARGS
	_m=$1; shift
	SSH_CONNECTION=$(cat "$_m/ssh_connection") "$VFIOCONF" --root "$_m/root" --sysfs "$_m/sys" \
		--procfs "$_m/proc" "$@"
}
unchanged() { # LABEL DIR
	snapshot "$2/root" "$tmp/after"
	expect_eq "$1: every file as before" "" "$(diff "$tmp/before" "$tmp/after")"
}

for f in apply:fsync=EIO apply:write=ENOSPC apply:rename=EACCES fsync=EIO; do
	setup f; snapshot "$tmp/f/root" "$tmp/before"
	VFIOCONF_FAULT=$f run "$tmp/f" apply --select 0000:02:00.0 --yes >/dev/null 2>"$tmp/err"; rc=$?
	expect_eq "$f: exit 1" 1 "$rc"
	case $f in
	*EIO) expect_contains "$f: says I/O error" "$tmp/err" "Input/output error" ;;
	*ENOSPC) expect_contains "$f: says no space" "$tmp/err" "No space left on device" ;;
	*EACCES) expect_contains "$f: says permission denied" "$tmp/err" "Permission denied" ;;
	esac
	unchanged "$f" "$tmp/f"
done

if unshare -m true 2>/dev/null; then
	# a real full file system under one of the targets
	setup s; s="$tmp/s"
	mkdir -p "$s/root/etc/default/grub.d"
	snapshot "$s/root" "$tmp/before"
	unshare -m sh -c "mount -t tmpfs -o size=4k tmpfs '$s/root/etc/default/grub.d' &&
		{ dd if=/dev/zero of='$s/root/etc/default/grub.d/filler' bs=4k count=2 2>/dev/null; true; } &&
		SSH_CONNECTION='$(cat "$s/ssh_connection")' '$VFIOCONF' --root '$s/root' --sysfs '$s/sys' \
			--procfs '$s/proc' apply --select 0000:02:00.0 --yes" >/dev/null 2>"$tmp/err"; rc=$?
	expect_eq "ENOSPC (tmpfs): exit 1" 1 "$rc"
	# refused before any change, naming the file and the room it needs
	expect_contains "ENOSPC (tmpfs): names the file" "$tmp/err" "etc/default/grub.d/99-vfioconf.cfg: 0 KiB free, 68 KiB needed for the new files; nothing was changed"
	unchanged "ENOSPC (tmpfs)" "$s"

	# the journal's own file system full: refused before any change
	setup j; j="$tmp/j"; snapshot "$j/root" "$tmp/before"
	mkdir -p "$j/root/var/lib/vfioconf"
	unshare -m sh -c "mount -t tmpfs -o size=64k tmpfs '$j/root/var/lib/vfioconf' &&
		SSH_CONNECTION= '$VFIOCONF' --root '$j/root' --sysfs '$j/sys' --procfs '$j/proc' \
			apply --select 0000:02:00.0 --yes" >/dev/null 2>"$tmp/err"; rc=$?
	expect_eq "journal full: exit 1" 1 "$rc"
	expect_contains "journal full: says so" "$tmp/err" "KiB needed for the journal; nothing was changed"
	unchanged "journal full" "$j"

	# a read-only file system
	setup r; r="$tmp/r"; snapshot "$r/root" "$tmp/before"
	unshare -m sh -c "mount --bind '$r/root/etc/initramfs-tools' '$r/root/etc/initramfs-tools' &&
		mount -o remount,bind,ro '$r/root/etc/initramfs-tools' &&
		SSH_CONNECTION= '$VFIOCONF' --root '$r/root' --sysfs '$r/sys' --procfs '$r/proc' \
			apply --select 0000:02:00.0 --yes" >/dev/null 2>"$tmp/err"; rc=$?
	expect_eq "EROFS: exit 1" 1 "$rc"
	expect_contains "EROFS: names the file" "$tmp/err" "etc/initramfs-tools/modules: Read-only file system"
	unchanged "EROFS" "$r"
else
	echo "# no mount namespaces here: the tmpfs and read-only cases are skipped"
fi

# an immutable file, where the file system has the attribute
setup i; i="$tmp/i"
if chattr +i "$i/root/etc/initramfs-tools/modules" 2>/dev/null; then
	snapshot "$i/root" "$tmp/before"
	run "$i" apply --select 0000:02:00.0 --yes >/dev/null 2>"$tmp/err"; rc=$?
	chattr -i "$i/root/etc/initramfs-tools/modules"
	expect_eq "immutable: exit 1" 1 "$rc"
	expect_contains "immutable: names the file" "$tmp/err" "etc/initramfs-tools/modules: Operation not permitted"
	unchanged "immutable" "$i"
else
	echo "# chattr +i not supported on this file system: immutable case skipped"
fi
finish
