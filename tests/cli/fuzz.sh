#!/bin/sh
# A short libFuzzer run per parser (seconds each; FUZZ_SECONDS to change).
# The targets assert round-trip properties, not only the absence of a crash.
. "$top_srcdir/tests/lib.sh"
secs=${FUZZ_SECONDS:-8}
for t in cmdline shellvar ini; do
	bin="$top_builddir/tests/fuzz/fuzz_$t"
	[ -x "$bin" ] || skip "fuzz targets not built (needs clang with libFuzzer)"
	case $t in
	cmdline) seeds="$top_srcdir/tests/fuzz/seeds/cmdline" ;;
	shellvar) seeds="$top_srcdir/tests/corpus/grub" ;;
	ini) seeds="$top_srcdir/tests/fuzz/seeds/ini" ;;
	esac
	mkdir -p "$tmp/$t"
	if ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$secs" -print_final_stats=1 \
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
