#!/bin/sh
# make bench: the curses screen on a 483-function server (two sockets'
# worth of root ports, NVMe, NICs with SR-IOV-like functions, GPUs),
# headless (VFIOCONF_HEADLESS, 80x24). Prints the time from the start of
# the program to the first frame, the whole run, and the bytes written to
# the terminal per cursor-move keystroke for a few terminal types; asserts
# nothing. Targets (issues 5, 15): first frame <= 50 ms, <= 200 bytes per
# move; on 4,113 functions, search, next match and filter <= 20 ms a key.
set -eu
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$srcdir/tests/bench/lib.sh"
work=tests/bench/work
runs=${BENCH_RUNS:-9}
mkdir -p "$work"
desc="$work/server.machine"

# 483 functions: host bridge, 30 root ports, 452 endpoint functions
awk 'BEGIN {
	print "cpu amd"; print "cmdline root=/dev/nvme0n1p2 amd_iommu=on iommu=pt"; print "iommu on"
	print "iommu_class ivhd0"
	print "kernel 6.1.0-18-amd64 virqfd"
	print "module ixgbe pci:v00008086d000010FBsv*sd*bc*sc*i*"
	print "module nvme pci:v*d*sv*sd*bc01sc08i02"
	print "module amdgpu pci:v00001002d*sv*sd*bc03sc*i*"
	print "module snd_hda_intel pci:v*d*sv*sd*bc04sc03i00"
	print "module xhci_pci pci:v*d*sv*sd*bc0Csc03i30"
	print "dev 00:00.0 1022:1480 060000 group=0"
	g = 1; n = 1
	for (r = 1; r <= 30; r++) {
		printf "dev 00:%02x.0 1022:1483 060400 group=%d driver=pcieport\n", r, g++; n++
	}
	for (r = 1; n < 483; r = r % 30 + 1) {
		b = r
		for (s = 0; s < 32 && n < 483; s++) {
			k = (r + s) % 4
			if (k == 0) { ids = "8086:10fb 020000 driver=ixgbe"; fns = 2 }
			else if (k == 1) { ids = "144d:a808 010802 driver=nvme"; fns = 1 }
			else if (k == 2) { fns = 2 }
			else { ids = "1912:0014 0c0330 driver=xhci_hcd"; fns = 1 }
			for (f = 0; f < fns && n < 483; f++) {
				if (k == 2) ids = (f ? "1002:aaf0 040300 driver=snd_hda_intel" : "1002:67df 030000 driver=amdgpu")
				printf "dev %02x:%02x.%d %s sub=1028:0001 rev=01 group=%d parent=00:%02x.0\n", b, s, f, ids, g, r
				n++
			}
			g++
		}
		if (r == 30) break
	}
	print "block nvme0n1 259:0 on 01:01.0"
	print "part nvme0n1p2 259:2 of nvme0n1"
	print "mount / 259:2 ext4 /dev/nvme0n1p2"
}' >"$desc"

echo "building the 483-function machine ..."
build_machine "$desc" "$work/server"
m="$work/server"
ndev=$(ls "$m/sys/bus/pci/devices" | wc -l)
vf() { ./vfioconf --root "$m/root" --sysfs "$m/sys" --procfs "$m/proc" "$@"; }

: >"$work/ff"; : >"$work/wall"
i=0
while [ "$i" -lt "$runs" ]; do
	t0=$(date +%s%N)
	VFIOCONF_HEADLESS=80x24 VFIOCONF_HEADLESS_STATS=1 TERM=xterm-256color vf </dev/null 2>"$work/stats" >/dev/null
	t1=$(date +%s%N)
	sed -n 's/^first-frame-us \([0-9]*\).*/\1/p' "$work/stats" >>"$work/ff"
	echo "$(( (t1 - t0) / 1000 ))" >>"$work/wall"
	i=$((i + 1))
done
ff=$(median <"$work/ff"); wall=$(median <"$work/wall")

printf '\ncurses screen benchmark: %s PCI functions, 80x24, median of %s runs\n' "$ndev" "$runs"
printf '  %-52s %8.1f ms (target <= 50)\n' "start of main() to the first frame" "$(echo "$ff / 1000" | bc -l)"
printf '  %-52s %8.1f ms\n' "whole run: exec, first frame, exit" "$(echo "$wall / 1000" | bc -l)"

# 60 moves down (scrolls past the first page), 20 up, then PgDn twice
keys=$(awk 'BEGIN { for (i = 0; i < 60; i++) printf "j"; for (i = 0; i < 20; i++) printf "k"; printf "\033[6~\033[6~" }')
printf '  bytes written per keystroke:\n'
for term in xterm-256color linux vt100 screen; do
	printf '%s' "$keys" | VFIOCONF_HEADLESS=80x24 VFIOCONF_HEADLESS_STATS=1 TERM=$term vf 2>"$work/stats" >/dev/null
	awk -v term="$term" '
		/^first-frame-us/ { first = $4 }
		/^key (106|107) / { n++; s += $4; if ($4 > max) max = $4 }
		/^key 338 / { pg += $4; np++ }
		END { pgs = np ? sprintf("%.0f B", pg / np) : "n/a (no key)"
			printf "    %-15s first frame %5d B, cursor move mean %5.1f B max %4d B (target <= 200), PgDn %s\n",
			term, first, s / n, max, pgs }' "$work/stats"
done

# search, next match and the filter on 4,113 functions: the time from one
# frame to the next (input is a pipe, so that is the key's work and drawing)
desc_big >"$work/big.machine"
[ -d "$work/big/sys" ] || { echo "building the 4,113-function machine ..."; build_machine "$work/big.machine" "$work/big"; }
b="$work/big"
nbig=$(ls "$b/sys/bus/pci/devices" | wc -l)
# /nvme Enter, n ten times, a search that finds nothing (a pass over every
# row), f three times (usable, GPUs, all), + and -
keys=$(awk 'BEGIN { printf "/nvme\n"; for (i = 0; i < 10; i++) printf "n"; printf "/zzzz\nfff+-" }')
: >"$work/keys"
i=0
while [ "$i" -lt 3 ]; do
	printf '%s' "$keys" | VFIOCONF_HEADLESS=80x24 VFIOCONF_HEADLESS_STATS=1 TERM=xterm-256color \
		./vfioconf --root "$b/root" --sysfs "$b/sys" --procfs "$b/proc" 2>>"$work/keys" >/dev/null
	i=$((i + 1))
done
printf '  on %s functions (80x24, 3 runs; ms from frame to frame, target <= 20):\n' "$nbig"
awk '
	/^key 47 / { k = "search (/ ... Enter)" }
	/^key 110 / { k = "next match (n)" }
	/^key 102 / { k = "filter (f)" }
	/^key 4[35] / { k = "open/close all (+ -)" }
	/^key (47|110|102|43|45) / { v = $6 / 1000; n[k]++; s[k] += v; if (v > m[k]) m[k] = v }
	END { split("search (/ ... Enter),next match (n),filter (f),open/close all (+ -)", o, ",")
		for (i = 1; i <= 4; i++) printf "    %-22s mean %6.1f ms  max %6.1f ms\n", o[i], s[o[i]] / n[o[i]], m[o[i]] }' "$work/keys"
