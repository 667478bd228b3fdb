#!/bin/sh
# make bench: `vfioconf list --json` against `lspci -nnk` on one large
# machine (4,096 endpoint functions behind 16 root ports, plus bridges).
# Prints figures and the ratio; asserts nothing.
set -eu
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$srcdir/tests/bench/lib.sh"
work=tests/bench/work
runs=${BENCH_RUNS:-7}
mkdir -p "$work"
desc="$work/big.machine"

awk 'BEGIN {
	print "cpu intel"; print "cmdline root=/dev/sda1 intel_iommu=on"; print "iommu on"
	print "kernel 6.1.0-18-amd64 virqfd"
	print "module ixgbevf pci:v00008086d000010EDsv*sd*bc*sc*i*"
	print "module nvme pci:v*d*sv*sd*bc01sc08i02"
	print "module nouveau pci:v000010DEd*sv*sd*bc03sc*i*"
	print "module snd_hda_intel pci:v*d*sv*sd*bc04sc03i00"
	print "dev 00:00.0 8086:2020 060000 group=0"
	g = 1
	for (r = 1; r <= 16; r++) {
		printf "dev 00:%02x.0 8086:2030 060400 group=%d driver=pcieport\n", r, g++
		for (s = 0; s < 32; s++) {
			for (f = 0; f < 8; f++) {
				k = (r * 32 + s) % 4
				if (k == 0) ids = "8086:10ed 020000 driver=ixgbevf"
				else if (k == 1) ids = "144d:a808 010802 driver=nvme"
				else if (k == 2) ids = (f % 2 ? "10de:10f0 040300 driver=snd_hda_intel" : "10de:1b81 030000 driver=nouveau")
				else ids = "1b73:1100 0c0330"
				printf "dev %02x:%02x.%d %s sub=1028:0001 rev=01 group=%d parent=00:%02x.0\n", r, s, f, ids, g, r
			}
			g++
		}
	}
}' >"$desc"

echo "building the benchmark machine ..."
build_machine "$desc" "$work/big"
m="$work/big"
ndev=$(ls "$m/sys/bus/pci/devices" | wc -l)
lspci=$(command -v lspci || echo /usr/bin/lspci)

# best-of-N wall time in milliseconds
best_ms() {
	best=""
	i=0
	while [ "$i" -lt "$runs" ]; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		t=$(( (t1 - t0) / 1000 ))
		if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
		i=$((i + 1))
	done
	echo "$best"
}

vf_us=$(best_ms ./vfioconf --root "$m/root" --sysfs "$m/sys" --procfs "$m/proc" list --json)
vfnm_us=$(best_ms ./vfioconf --root "$m/root" --sysfs "$m/sys" --procfs "$m/proc" --no-modules list --json)
ls_us=$(best_ms "$lspci" -A linux-sysfs -O sysfs.path="$m/sys/bus/pci" -nnk)

printf '\nvfioconf list benchmark: %s PCI functions, best of %s runs\n' "$ndev" "$runs"
printf '  %-44s %8.1f ms\n' "vfioconf list --json (groups, analysis, kmod)" "$(echo "$vf_us / 1000" | bc -l)"
printf '  %-44s %8.1f ms\n' "vfioconf list --json --no-modules" "$(echo "$vfnm_us / 1000" | bc -l)"
printf '  %-44s %8.1f ms\n' "lspci -nnk (same sysfs tree)" "$(echo "$ls_us / 1000" | bc -l)"
printf '  ratio vfioconf / lspci: %.2fx (target <= 1.00x)\n' "$(echo "$vf_us / $ls_us" | bc -l)"
