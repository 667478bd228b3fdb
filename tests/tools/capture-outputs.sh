#!/bin/sh
# capture-outputs.sh BUILDDIR OUTDIR - every user-visible output of one build
# over every fixture machine and distro stack: list, plan (text, JSON,
# diff), status, history, the headless screen's views, and a journaled
# apply/undo/rollback on copies (transaction ids and times masked).
#
# For refactors that must not change what a user sees: capture before and
# after, then `diff -r BEFORE AFTER` must print nothing.
#
#   sh tests/tools/capture-outputs.sh build /tmp/out-before
set -u
b=$(cd "$1" && pwd)
out=$2
vf="$b/vfioconf"
roots="$b/tests/roots"
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
[ -x "$vf" ] && [ -d "$roots" ] || { echo "usage: $0 BUILDDIR OUTDIR (after make check)" >&2; exit 2; }
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C
unset SSH_CONNECTION

mask() { # transaction ids, times, the scratch directory
	sed -E -e 's/[0-9]{8}T[0-9]{6}\.[0-9]{9}Z-[0-9a-f]{16}/TXID/g' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/TIME/g' \
		-e "s#$work#WORK#g" -e "s#$roots#ROOTS#g"
}

# run NAME MACHINEDIR ARGS...: stdout, stderr and exit status into OUT/NAME
run() {
	_n=$1 _m=$2; shift 2
	SSH_CONNECTION=$(cat "$_m/ssh_connection" 2>/dev/null) VFIOCONF_CMD_TIMEOUT=20 \
		"$vf" --root "$_m/root" --sysfs "$_m/sys" --procfs "$_m/proc" "$@" \
		>"$work/o" 2>"$work/e" </dev/null
	echo "exit $?" >"$out/$_n"
	mask <"$work/o" >>"$out/$_n"
	echo "--- stderr" >>"$out/$_n"
	mask <"$work/e" >>"$out/$_n"
}

# screen NAME MACHINEDIR SIZE KEYS
screen() {
	_n=$1 _m=$2 _s=$3 _k=$4
	printf '%b' "$_k" | SSH_CONNECTION=$(cat "$_m/ssh_connection" 2>/dev/null) VFIOCONF_HEADLESS="$_s" \
		TERM=xterm-256color "$vf" --root "$_m/root" --sysfs "$_m/sys" --procfs "$_m/proc" \
		>"$work/o" 2>"$work/e"
	echo "exit $?" >"$out/$_n"
	mask <"$work/o" >>"$out/$_n"
	mask <"$work/e" >>"$out/$_n"
}

"$vf" --help >"$out/help" 2>&1
"$vf" --list-keys >"$out/keys" 2>&1
"$vf" --list-commands >"$out/commands" 2>&1

for m in "$roots"/*/; do
	m=${m%/}
	name=$(basename "$m")
	run "$name.list" "$m" list
	run "$name.list.json" "$m" list --json
	run "$name.list.nomod" "$m" list --no-modules
	run "$name.backends" "$m" list --backends
	run "$name.backends.json" "$m" list --backends --json
	run "$name.plan" "$m" plan
	run "$name.plan.json" "$m" plan --json
	run "$name.plan.none" "$m" plan --select none
	run "$name.plan.iommu" "$m" plan --enable-iommu
	run "$name.status" "$m" status
	run "$name.status.json" "$m" status --json
	run "$name.history" "$m" history
	run "$name.plan.bad" "$m" plan --select 0000:ff:1f.7
	run "$name.plan.badgroup" "$m" plan --group 9999
	run "$name.plan.badboot" "$m" plan --bootloader nope
	screen "$name.screen" "$m" 80x24 ''
	screen "$name.screen.wide" "$m" 120x50 ''
	screen "$name.screen.help" "$m" 80x40 '?'
	screen "$name.screen.hist" "$m" 80x24 'h'
	screen "$name.screen.preview" "$m" 100x200 'p'
	screen "$name.screen.details" "$m" 80x40 'jjd'
	screen "$name.screen.tickg" "$m" 100x200 'jjjgjj jjj p'
	screen "$name.screen.search" "$m" 80x24 '/audio\n//\n'
	screen "$name.screen.quit" "$m" 80x24 'j q'
done

# plans of each stack's selection, applied through the journal on a copy
grep -v '^#' "$srcdir/tests/fixtures/stacks" | while read -r name machine overlay sel; do
	[ -n "$name" ] || continue
	m="$roots/$name"
	run "$name.sel" "$m" plan --select "$sel"
	run "$name.sel.json" "$m" plan --select "$sel" --json
	run "$name.sel.diff" "$m" plan --select "$sel" --diff
	run "$name.sel.groups" "$m" plan --group 1 --group 2
	screen "$name.sel.screen" "$m" 100x200 "/$(echo "$sel" | cut -d, -f1 | cut -c6-)\n p"
	w="$work/$name"
	cp -a "$m" "$w"
	run "$name.tx1.apply" "$w" apply --select "$sel" --yes --no-regenerate
	run "$name.tx2.status" "$w" status
	run "$name.tx2.status.json" "$w" status --json
	run "$name.tx3.history" "$w" history
	run "$name.tx3.history.json" "$w" history --json
	run "$name.tx4.plan" "$w" plan
	screen "$name.tx4.screen" "$w" 100x60 ''
	screen "$name.tx4.screenh" "$w" 100x60 'h'
	run "$name.tx5.apply2" "$w" apply --select none --yes --no-regenerate
	run "$name.tx6.undo" "$w" undo --yes --no-regenerate
	run "$name.tx7.rollback" "$w" rollback --yes --no-regenerate
	run "$name.tx8.recover" "$w" recover
	run "$name.tx9.history" "$w" history
	(cd "$w/root" && find . -path ./var/lib/vfioconf -prune -o -type f -print | sort |
		xargs sha256sum) >"$out/$name.tx9.tree"
	rm -rf "$w"
done
echo "captured $(ls "$out" | wc -l) outputs in $out"
