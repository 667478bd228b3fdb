# lib.sh - helpers for the CLI tests (sourced). Environment from Makefile.am:
# VFIOCONF (binary), ROOTS (generated fixture machines), top_srcdir, LSPCI.
set -u
fails=0
checks=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfioconf-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

skip() { echo "SKIP: $*"; exit 77; }
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 not installed"; }

ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }
not_ok() { checks=$((checks + 1)); fails=$((fails + 1)); echo "not ok $checks - $*"; }

# vf MACHINE [ARGS...]: vfioconf on a fixture machine's three roots, with
# that machine's SSH_CONNECTION when it has one.
vf() { # (sh has no locals: _vf_*)
	_vf_d="$ROOTS/$1"; shift
	_vf_ssh=""
	[ -f "$_vf_d/ssh_connection" ] && _vf_ssh=$(cat "$_vf_d/ssh_connection")
	SSH_CONNECTION="$_vf_ssh" "$VFIOCONF" --root "$_vf_d/root" --sysfs "$_vf_d/sys" --procfs "$_vf_d/proc" "$@"
}

# expect_contains NAME FILE TEXT
expect_contains() {
	if grep -qF -- "$3" "$2"; then ok "$1"; else
		not_ok "$1"; echo "#   expected to find: $3"; sed 's/^/#   | /' "$2" | head -12
	fi
}
expect_not_contains() {
	if grep -qF -- "$3" "$2"; then
		not_ok "$1"; echo "#   did not expect: $3"; grep -F -- "$3" "$2" | sed 's/^/#   | /' | head
	else ok "$1"; fi
}
# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"; echo "#   expected: $2"; echo "#   actual:   $3"
	fi
}

finish() {
	echo "1..$checks"
	[ "$checks" -gt 0 ] || { echo "no checks ran"; exit 1; }
	[ "$fails" -eq 0 ] || { echo "$fails of $checks checks failed"; exit 1; }
	exit 0
}

# with_shell ROOTDIR: a /bin/sh (busybox) and a few commands in a fixture
# root, so fake regeneration tools run there under chroot.
with_shell() {
	[ -x /bin/busybox ] || skip "busybox-static not installed"
	mkdir -p "$1/bin"
	cp /bin/busybox "$1/bin/busybox"
	for _ws_a in sh rm cat sleep echo printf touch ls mkdir; do ln -sf busybox "$1/bin/$_ws_a"; done
}

# snapshot DIR FILE: every file under DIR with its hash, mode and owner.
snapshot() {
	(cd "$1" && find . -path ./var/lib/vfioconf -prune -o \( -type f -o -type l \) -printf '%p %m %U:%G %l\n' |
		sort | while read -r p rest; do
			if [ -f "$p" ] && [ ! -L "$p" ]; then echo "$p $(sha256sum <"$p" | cut -c1-16) $rest"; else echo "$p $rest"; fi
		done) >"$2"
}

# regen_stack DEST STACK: a copy of a distro stack (from $ROOTS) with a shell,
# an initramfs image, and, where the stack has update-initramfs, a stand-in
# that builds the image from /etc/initramfs-tools/modules as the real one does
regen_stack() {
	rm -rf "$1"
	cp -a "$ROOTS/$2" "$1"
	with_shell "$1/root"
	mkdir -p "$1/root/boot"
	printf 'initramfs image v1\n' >"$1/root/boot/initrd.img-6.1.0-18-amd64"
	[ -e "$1/root/usr/sbin/update-initramfs" ] || return 0
	cat >"$1/root/usr/sbin/update-initramfs" <<'TOOL'
#!/bin/sh
echo building initramfs
{ echo "image $*"
  while read -r m rest; do case $m in ''|\#*) ;; *) echo "kernel/$m.ko" ;; esac; done </etc/initramfs-tools/modules
} >/boot/initrd.img-6.1.0-18-amd64
TOOL
}
