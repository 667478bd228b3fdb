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

desc_big >"$desc"

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
