#!/bin/sh
# A short libFuzzer run per parser. The targets assert round-trip
# properties, not only the absence of a crash. make check runs a fixed seed
# and a fixed number of inputs, so the result repeats; FUZZ_SECONDS=N runs
# each target for N seconds from a random seed instead, to explore.
. "$top_srcdir/tests/lib.sh"
if [ -n "${FUZZ_SECONDS:-}" ]; then
	budget="-max_total_time=$FUZZ_SECONDS"
else
	budget="-seed=1 -runs=${FUZZ_RUNS:-60000}"
fi
for t in cmdline shellvar ini; do
	bin="$top_builddir/tests/fuzz/fuzz_$t"
	[ -x "$bin" ] || skip "fuzz targets not built (needs clang with libFuzzer)"
	case $t in
	cmdline) seeds="$top_srcdir/tests/fuzz/seeds/cmdline" ;;
	shellvar) seeds="$top_srcdir/tests/corpus/grub" ;;
	ini) seeds="$top_srcdir/tests/fuzz/seeds/ini" ;;
	esac
	mkdir -p "$tmp/$t"
	# shellcheck disable=SC2086
	if ASAN_OPTIONS=detect_leaks=1 "$bin" $budget -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$tmp/" "$tmp/$t" "$seeds" >"$tmp/$t.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$t.log")
		ok "fuzz_$t: $runs inputs, no crash, properties hold"
	else
		not_ok "fuzz_$t"
		grep -E 'ERROR|SUMMARY|abort|Test unit written' "$tmp/$t.log" | head -5 | sed 's/^/#   /'
		for a in "$tmp"/crash-* "$tmp"/leak-*; do
			[ -f "$a" ] && { echo "#   input:"; od -c "$a" | head -5 | sed 's/^/#   /'; }
		done
	fi
done
finish
