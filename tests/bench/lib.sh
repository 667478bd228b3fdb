# tests/bench/lib.sh - what the make bench scripts share (sourced).
best() { sort -n | head -1; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# build_machine DESC OUT: a .machine description built into OUT/{sys,proc,root}
build_machine() {
	CC=${CC:-cc} DEPMOD=${DEPMOD:-depmod} sh "$srcdir/tests/tools/build-fixture.sh" \
		tests/tools/mkfixture "$1" "$2" >/dev/null
}
