#!/bin/sh
# make bench: the diff of a huge file, through vfioconf plan: a hand-made
# 100,000-line etc/modprobe.d/vfioconf.conf (vfioconf owns that file and
# writes it whole) planned away, and the same file with one line to change.
# Prints the time and the peak memory of the whole command; asserts nothing.
set -eu
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$srcdir/tests/bench/lib.sh"
runs=${BENCH_RUNS:-5}
lines=${BENCH_DIFF_LINES:-100000}
w=tests/bench/work/diff
[ -d tests/roots/debian ] || make -s tests/roots.stamp
rm -rf "$w"; mkdir -p "$(dirname "$w")"
cp -a tests/roots/debian "$w"
mkdir -p "$w/root/etc/modprobe.d"
awk -v n="$lines" 'BEGIN { for (i = 0; i < n; i++) printf "options dummy%d param=%d  # a line of a huge hand-made file\n", i, i }' \
	>"$w/root/etc/modprobe.d/vfioconf.conf"
r="--root $w/root --sysfs $w/sys --procfs $w/proc"
: >"$w.t"; : >"$w.m"
i=0
while [ "$i" -lt "$runs" ]; do
	# shellcheck disable=SC2086
	/usr/bin/time -f '%e %M' -o "$w.one" ./vfioconf $r plan --select 0000:02:00.0 --diff >"$w.out" 2>/dev/null || true
	awk '{ print $1 }' "$w.one" >>"$w.t"; awk '{ print $2 }' "$w.one" >>"$w.m"
	i=$((i + 1))
done
printf '\ndiff benchmark: plan over a %s-line file vfioconf rewrites whole, %s runs\n' "$lines" "$runs"
printf '  whole plan command: median %s s, best %s s; peak memory median %s MB (targets: < 1 s, < 50 MB)\n' \
	"$(median <"$w.t")" "$(best <"$w.t")" "$(echo "$(median <"$w.m") / 1024" | bc)"
printf '  diff: %s lines out\n' "$(wc -l <"$w.out")"
