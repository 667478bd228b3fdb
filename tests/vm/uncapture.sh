#!/bin/sh
# tests/vm/uncapture.sh DIR OUT - turns the manifest tests/vm/inside.sh wrote
# in the VM (DIR/capture.links, DIR/capture.files) back into a tree: OUT/sys
# and OUT/proc, for vfioconf --sysfs OUT/sys --procfs OUT/proc. Then writes
# OUT/kernel.txt, what the kernel showed, one PCI function a line:
#   ADDR VVVV:DDDD CLASS GROUP DRIVER      (GROUP and DRIVER "-" when none)
set -eu
in=$1 out=$2
rm -rf "$out"
mkdir -p "$out"

# D PATH / L PATH TARGET: one awk writes a script for one sh (no fork a line)
awk -v o="$out" '
	function q(s) { gsub(/\047/, "\047\\\047\047", s); return "\047" s "\047" }
	$1 == "D" { print "mkdir -p " q(o $2) }
	$1 == "L" { d = $2; sub(/\/[^\/]*$/, "", d); print "mkdir -p " q(o d) " && ln -sfn " q($3) " " q(o $2) }
' "$in/capture.links" | sh

# head -v: "==> PATH <==", the content, and a blank line before the next one
awk -v o="$out" '
	function flush() {
		if (path == "") return
		if (n > 0 && buf[n] == "" && !last) n--
		d = path; sub(/\/[^\/]*$/, "", d)
		system("mkdir -p \047" o d "\047")
		f = o path
		printf "" >f
		for (i = 1; i <= n; i++) print buf[i] >f
		close(f)
	}
	/^==> .* <==$/ { flush(); path = substr($0, 5, length($0) - 8); n = 0; next }
	{ buf[++n] = $0 }
	END { last = 1; flush() }
' "$in/capture.files"

for d in "$out"/sys/bus/pci/devices/*; do
	a=${d##*/}
	drv=-; grp=-
	[ -L "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
	[ -L "$d/iommu_group" ] && grp=$(basename "$(readlink "$d/iommu_group")")
	printf '%s %s:%s %s %s %s\n' "$a" "$(cut -c3- "$d/vendor")" "$(cut -c3- "$d/device")" \
		"$(cut -c3-6 "$d/class")" "$grp" "$drv"
done >"$out/kernel.txt"
