#!/bin/sh
# dev.sh - set-up in one command, for a fresh Debian 12 machine or a used one.
#
#   ./dev.sh try     install what is missing, build, and open vfioconf's
#                    screen (the list when not on a terminal): on this host
#                    when it has IOMMU groups, otherwise on the bundled demo
#                    machine, a scratch copy (it says which)
#   ./dev.sh check   install what is missing, build, and run the whole test
#                    suite (make check)
#   ./dev.sh check-vm  the same, plus QEMU and debootstrap, then make check-vm:
#                    Debian 12 guests with the package installed (./dev.sh deb,
#                    or VFIOCONF_VM_DEB=FILE) boot what vfioconf wrote, and a
#                    trial boot through GRUB (needs root and the Debian mirror
#                    the first time; about 30 minutes)
#   ./dev.sh deb     install what is missing, build the Debian package of the
#                    checkout (committed or not) in a clean copy and lint it
#                    (lintian errors fail); prints its path,
#                    BUILDDIR/deb/vfioconf_VERSION_ARCH.deb
#
# Options for both: --builddir DIR (default ./build), and for check
# --sanitize (AddressSanitizer + UBSan) and --werror. Packages come from
# Debian through apt-get; run as root or with sudo available.
set -eu

srcdir=$(cd "$(dirname "$0")" && pwd)
builddir="$srcdir/build"
configure_flags=""
cmd=${1:-}
[ $# -gt 0 ] && shift
while [ $# -gt 0 ]; do
	case $1 in
	--builddir) builddir=$2; shift ;;
	--sanitize) configure_flags="$configure_flags --enable-sanitizers" ;;
	--werror) configure_flags="$configure_flags --enable-werror" ;;
	*) echo "dev.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done

# Build: compiler, autotools, gettext. Libraries: the -dev packages
# configure asks pkg-config for. Tests: the oracles and tools they drive.
PACKAGES="gcc make autoconf automake autopoint gettext pkg-config python3-jsonschema
	ansible-core ansible-lint yamllint python3-voluptuous pycodestyle pylint libvirt-clients
	libncurses-dev libpci-dev libkmod-dev libinih-dev libcmocka-dev
	pciutils pci.ids kmod jq tmux groff-base bash-completion patch clang busybox-static time bc
	grub-common"

VM_PACKAGES="qemu-system-x86 debootstrap e2fsprogs fdisk ovmf mtools dosfstools"
# the package (debian/): debhelper brings dpkg-dev and dh-autoreconf
DEB_PACKAGES="debhelper lintian"

install_missing() {
	missing=""
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "dev.sh: installing:$missing"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
}

build() {
	cd "$srcdir"
	[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] ||
		./autogen.sh >/dev/null
	mkdir -p "$builddir"
	cd "$builddir"
	# Re-run configure when flags change (a sanitizer build is a different build).
	if [ ! -f config.status ] || [ "$(cat .dev-flags 2>/dev/null)" != "$configure_flags" ]; then
		# shellcheck disable=SC2086
		"$srcdir/configure" -q $configure_flags
		printf '%s' "$configure_flags" >.dev-flags
	fi
	make -j"$(nproc)" -s
}

# The checkout's files as git sees them (modified or new ones too, ignored
# ones such as build/ and configure not), copied to BUILDDIR/deb/vfioconf and
# built there with dpkg-buildpackage; the .deb lands in BUILDDIR/deb. Then
# lintian: an error fails, warnings are shown.
deb() {
	out="$builddir/deb"
	rm -rf "$out"
	mkdir -p "$out/vfioconf"
	cd "$srcdir"
	git ls-files -z --cached --others --exclude-standard |
		xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
		tar --null -T - -cf - | tar -xf - -C "$out/vfioconf"
	(cd "$out/vfioconf" && DEB_BUILD_OPTIONS="noautodbgsym ${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 ||
		{ tail -30 "$out/build.log"; echo "dev.sh: dpkg-buildpackage failed: $out/build.log" >&2; exit 1; }
	lintian --fail-on error "$out"/vfioconf_*.changes >&2
	ls "$out"/vfioconf_*_"$(dpkg --print-architecture)".deb
}

case $cmd in
try)
	install_missing
	build
	if [ -n "$(ls -A /sys/kernel/iommu_groups 2>/dev/null)" ]; then
		echo "== vfioconf on this host (read-only unless run as root) =="
		exec ./vfioconf # the screen on a terminal, the list otherwise
	fi
	make -s tests/roots.stamp
	# a scratch copy of a Debian 12 stack (GRUB, initramfs-tools, a kernel's
	# module index) on the Z170 machine: ticking and applying change only it
	demo="$builddir/demo"
	rm -rf "$demo"
	cp -a "$builddir/tests/roots/debian" "$demo"
	if [ -x /bin/busybox ]; then # the stand-in tools run in a chroot
		mkdir -p "$demo/root/bin"
		cp /bin/busybox "$demo/root/bin/busybox"
		for a in sh rm cat echo printf mkdir; do ln -sf busybox "$demo/root/bin/$a"; done
		sh "$srcdir/tests/tools/demo-trial.sh" "$srcdir" "$demo/root"
	fi
	echo "== This host shows no IOMMU groups, so here is the bundled DEMO MACHINE: =="
	echo "== an ASUS Z170-A box with Debian 12 (tests/fixtures/z170.machine), not  =="
	echo "== your hardware. What you apply goes to $demo only."
	if [ -t 0 ] && [ -t 1 ]; then sleep 2; fi
	SSH_CONNECTION=$(cat "$demo/ssh_connection") \
		exec ./vfioconf --root "$demo/root" --sysfs "$demo/sys" --procfs "$demo/proc"
	;;
check)
	install_missing
	build
	make -j"$(nproc)" check
	;;
check-vm)
	PACKAGES="$PACKAGES $VM_PACKAGES $DEB_PACKAGES"
	install_missing
	build
	make check-vm
	;;
deb)
	PACKAGES="$PACKAGES $DEB_PACKAGES"
	install_missing
	deb
	;;
*)
	sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
