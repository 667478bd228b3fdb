#!/bin/sh
# dev.sh - set-up in one command, for a fresh Debian 12 machine or a used one.
#
#   ./dev.sh try     install what is missing, build, and start vfioconf: on
#                    this host when it has IOMMU groups, otherwise on the
#                    bundled demo machine (it says which)
#   ./dev.sh check   install what is missing, build, and run the whole test
#                    suite (make check)
#   ./dev.sh check-vm  the same, plus QEMU and debootstrap, then make check-vm:
#                    Debian 12 guests boot what vfioconf wrote (needs root and
#                    the Debian mirror the first time; about 10 minutes)
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
PACKAGES="gcc make autoconf automake autopoint gettext pkg-config
	libncurses-dev libpci-dev libkmod-dev libinih-dev libcmocka-dev
	pciutils pci.ids kmod jq tmux groff-base bash-completion patch clang busybox-static time bc"

VM_PACKAGES="qemu-system-x86 debootstrap e2fsprogs"

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

case $cmd in
try)
	install_missing
	build
	if [ -n "$(ls -A /sys/kernel/iommu_groups 2>/dev/null)" ]; then
		echo "== vfioconf on this host =="
		exec ./vfioconf list
	fi
	make -s tests/roots.stamp
	demo="$builddir/tests/roots/z170"
	echo "== This host shows no IOMMU groups, so here is the bundled DEMO MACHINE =="
	echo "== (an ASUS Z170-A box, tests/fixtures/z170.machine), not your hardware =="
	echo
	SSH_CONNECTION=$(cat "$demo/ssh_connection") \
		exec ./vfioconf --root "$demo/root" --sysfs "$demo/sys" --procfs "$demo/proc" list
	;;
check)
	install_missing
	build
	make -j"$(nproc)" check
	;;
check-vm)
	PACKAGES="$PACKAGES $VM_PACKAGES"
	install_missing
	build
	make check-vm
	;;
*)
	sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
