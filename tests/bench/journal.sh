#!/bin/sh
# make bench: apply and undo of a 6-file transaction (three systemd-boot
# entries, mkinitcpio.conf, modprobe.d, the state file), regeneration
# excluded, every fsync done. Prints the transaction times (measured inside
# vfioconf) and the whole commands; asserts nothing.
set -eu
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
runs=${BENCH_RUNS:-15}
w=tests/bench/work/journal
[ -d tests/roots/arch-sdboot ] || make -s tests/roots.stamp
. "$srcdir/tests/bench/lib.sh"
: >"$w.apply"; : >"$w.undo"; : >"$w.cmd"
i=0
while [ "$i" -lt "$runs" ]; do
	rm -rf "$w"; mkdir -p "$(dirname "$w")"
	cp -a tests/roots/arch-sdboot "$w"
	sed 's/^title.*/title   Arch Linux (LTS)/' "$w/root/boot/loader/entries/arch.conf" >"$w/root/boot/loader/entries/arch-lts.conf"
	r="--root $w/root --sysfs $w/sys --procfs $w/proc"
	t0=$(date +%s%N)
	# shellcheck disable=SC2086
	VFIOCONF_TIMING=1 ./vfioconf $r apply --select 0000:01:00.0 --yes --no-regenerate 2>&1 >/dev/null |
		sed -n 's/^timing: transaction \(.*\) ms/\1/p' >>"$w.apply"
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / 1000 ))" >>"$w.cmd"
	# shellcheck disable=SC2086
	VFIOCONF_TIMING=1 ./vfioconf $r undo --yes --no-regenerate 2>&1 >/dev/null |
		sed -n 's/^timing: transaction \(.*\) ms/\1/p' >>"$w.undo"
	i=$((i + 1))
done
files=$(ls "$w/root/var/lib/vfioconf/tx/"*/entry.* 2>/dev/null | head -20 | wc -l)
printf '\njournal benchmark: apply + undo of a 6-file transaction, %s runs, fsync on, %s\n' "$runs" "$(df -T . | awk 'NR==2 {print $2}')"
printf '  apply transaction:  median %6.2f ms, best %6.2f ms\n' "$(median <"$w.apply")" "$(best <"$w.apply")"
printf '  undo transaction:   median %6.2f ms, best %6.2f ms\n' "$(median <"$w.undo")" "$(best <"$w.undo")"
printf '  apply + undo:       median %6.2f ms (target <= 30 ms)\n' \
	"$(echo "$(median <"$w.apply") + $(median <"$w.undo")" | bc -l)"
printf '  whole apply command (scan, plan, transaction): median %6.2f ms\n' "$(echo "$(median <"$w.cmd") / 1000" | bc -l)"
