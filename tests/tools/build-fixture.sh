#!/bin/sh
# build-fixture.sh MKFIXTURE DESC OUTDIR - a fixture machine from its
# description: mkfixture writes the trees, then the fake kernel modules it
# emitted are compiled (an ELF .modinfo section is all depmod needs) and
# indexed with the real depmod, so libkmod reads real modules.*.bin files.
set -eu
mk=$1 desc=$2 outdir=$3
: "${CC:=cc}"
: "${DEPMOD:=depmod}"
rm -rf "$outdir"
mkdir -p "$outdir"
"$mk" "$desc" "$outdir"
if [ -d "$outdir/.modules" ]; then
	for kdir in "$outdir"/.modules/*/; do
		kver=$(basename "$kdir")
		dest="$outdir/root/lib/modules/$kver/kernel/drivers"
		mkdir -p "$dest"
		for src in "$kdir"*.c; do
			$CC -c -o "$dest/$(basename "$src" .c).ko" "$src"
		done
		if [ -z "$DEPMOD" ] || ! command -v "$DEPMOD" >/dev/null 2>&1; then
			echo "build-fixture.sh: depmod not found (install kmod)" >&2
			exit 1
		fi
		"$DEPMOD" -b "$outdir/root" "$kver" 2>/dev/null
	done
	rm -rf "$outdir/.modules"
fi
