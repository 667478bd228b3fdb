#!/bin/sh
# Crash at every write point and every command step (failpoints), then
# recover: every file (bytes, mode, owner) must be exactly as before the
# transaction or exactly as after it, never a mix. For apply, for undo,
# and for recovery itself (a crash while recovering). Reports N of N.
# VFIOCONF_CRASH_STRIDE=K crashes at every Kth point only (the first and
# the last always): CI runs the whole matrix once and samples it in the
# sanitizer and distcheck runs.
# hundreds of fsyncs and tree copies: on a tmpfs when there is one
[ -w /dev/shm ] && TMPDIR=/dev/shm && export TMPDIR
. "$top_srcdir/tests/lib.sh"
# failpoints and faults: only the test build has them
VFIOCONF=$VFIOCONF_HOOKS

base="$tmp/base"
cp -a "$ROOTS/debian" "$base"
with_shell "$base/root"
printf 'initramfs image v1\n' >"$base/root/boot/initrd.img-6.1.0-18-amd64"
# an image made from the configuration, as a real tool makes it: what a
# recovery regenerates from the restored files can be told apart
cat >"$base/root/usr/sbin/update-initramfs" <<'TOOL'
#!/bin/sh
{ echo "image $*"
  while read -r m rest; do case $m in ''|\#*) ;; *) echo "kernel/$m.ko" ;; esac; done </etc/initramfs-tools/modules
} >/boot/initrd.img-6.1.0-18-amd64
TOOL
chmod 755 "$base/root/usr/sbin/update-initramfs"
chmod 600 "$base/root/etc/initramfs-tools/modules"   # an odd mode, to see it kept

run() { # DIR ARGS
	_m=$1; shift
	SSH_CONNECTION=$(cat "$_m/ssh_connection") "$VFIOCONF" --root "$_m/root" --sysfs "$_m/sys" \
		--procfs "$_m/proc" "$@"
}
sel=0000:02:00.0

# the states to compare with: before; before with the image made again
# from the files as they were (what a recovery does when an image changed
# after the journal last saw it); after
snapshot "$base/root" "$tmp/pre"
cp -a "$base" "$tmp/preregen"
chroot "$tmp/preregen/root" /usr/sbin/update-initramfs -u -k all && chroot "$tmp/preregen/root" /usr/sbin/update-grub ||
	not_ok "the tools run in the fixture"
snapshot "$tmp/preregen/root" "$tmp/preregen.snap"
cp -a "$base" "$tmp/full"
run "$tmp/full" apply --select $sel --yes >/dev/null 2>&1 || not_ok "a plain apply works"
snapshot "$tmp/full/root" "$tmp/post"
[ -s "$tmp/post" ] && ! cmp -s "$tmp/pre" "$tmp/post" || not_ok "apply changes something"

# every failpoint an apply passes
cp -a "$base" "$tmp/trace"
VFIOCONF_FAILPOINT_TRACE=1 run "$tmp/trace" apply --select $sel --yes 2>&1 >/dev/null |
	sed -n 's/^failpoint: //p' | sort -u >"$tmp/points"
np=$(wc -l <"$tmp/points"); np_all=$np

sample() { # FILE: keep every Kth point, the first and the last
	k=${VFIOCONF_CRASH_STRIDE:-1}
	[ "$k" -gt 1 ] 2>/dev/null || return 0
	awk -v k="$k" '{ l[NR] = $0 } END { for (i = 1; i <= NR; i++) if ((i - 1) % k == 0 || i == NR) print l[i] }' \
		"$1" >"$1.s" && mv "$1.s" "$1"
	echo "# crash points sampled: every ${k}th of $(($2)) and the last" >&2
}
sample "$tmp/points" "$np"; np=$(wc -l <"$tmp/points")

check_state() { # DIR [PRE POST]: pre or post, nothing else
	snapshot "$1/root" "$tmp/now"
	if cmp -s "$tmp/now" "${2:-$tmp/pre}"; then echo pre
	elif [ $# -eq 1 ] && cmp -s "$tmp/now" "$tmp/preregen.snap"; then echo pre
	elif cmp -s "$tmp/now" "${3:-$tmp/post}"; then echo post
	else echo mixed; diff "${2:-$tmp/pre}" "$tmp/now" | sed 's/^/#   /' | head -8 >&2; fi
}

good=0
while read -r fp; do
	w="$tmp/w"; rm -rf "$w"; cp -a "$base" "$w"
	VFIOCONF_FAILPOINT="$fp" run "$w" apply --select $sel --yes >/dev/null 2>&1; rc=$?
	run "$w" recover >/dev/null 2>&1; rr=$?
	st=$(check_state "$w")
	if [ "$rc" -eq 99 ] && [ "$rr" -eq 0 ] && [ "$st" != mixed ]; then
		good=$((good + 1))
	else
		not_ok "apply crash at $fp: exit $rc, recover $rr, state $st"
	fi
done <"$tmp/points"
expect_eq "apply: a crash at each of $np points, then recover: exactly before or after" "$np of $np" "$good of $np"

# the same for undo: its pre is the applied state; its post has the
# original files and a regenerated initramfs
cp -a "$tmp/full" "$tmp/udone"
run "$tmp/udone" undo --yes >/dev/null 2>&1
snapshot "$tmp/udone/root" "$tmp/upost"
cp -a "$tmp/full" "$tmp/utrace"
VFIOCONF_FAILPOINT_TRACE=1 run "$tmp/utrace" undo --yes 2>&1 >/dev/null |
	sed -n 's/^failpoint: //p' | sort -u >"$tmp/upoints"
nu=$(wc -l <"$tmp/upoints"); sample "$tmp/upoints" "$nu"; nu=$(wc -l <"$tmp/upoints")
good=0
while read -r fp; do
	w="$tmp/w"; rm -rf "$w"; cp -a "$tmp/full" "$w"
	VFIOCONF_FAILPOINT="$fp" run "$w" undo --yes >/dev/null 2>&1; rc=$?
	run "$w" recover >/dev/null 2>&1; rr=$?
	st=$(check_state "$w" "$tmp/post" "$tmp/upost")
	if [ "$rc" -eq 99 ] && [ "$rr" -eq 0 ] && [ "$st" != mixed ]; then
		good=$((good + 1))
	else
		not_ok "undo crash at $fp: exit $rc, recover $rr, state $st"
	fi
done <"$tmp/upoints"
expect_eq "undo: a crash at each of $nu points, then recover" "$nu of $nu" "$good of $nu"

# a crash while recovering: crash apply after its files are written and
# during regeneration, then crash recovery at each of its points
cp -a "$base" "$tmp/rtrace"
VFIOCONF_FAILPOINT="R3:0" run "$tmp/rtrace" apply --select $sel --yes >/dev/null 2>&1
cp -a "$tmp/rtrace" "$tmp/rbase"
VFIOCONF_FAILPOINT_TRACE=1 run "$tmp/rtrace" recover 2>&1 >/dev/null | sed -n 's/^failpoint: //p' | sort -u >"$tmp/rpoints"
nr=$(wc -l <"$tmp/rpoints"); sample "$tmp/rpoints" "$nr"; nr=$(wc -l <"$tmp/rpoints")
good=0
while read -r fp; do
	w="$tmp/w"; rm -rf "$w"; cp -a "$tmp/rbase" "$w"
	VFIOCONF_FAILPOINT="$fp" run "$w" recover >/dev/null 2>&1; rc=$?
	run "$w" recover >/dev/null 2>&1; rr=$?
	st=$(check_state "$w")
	if [ "$rc" -eq 99 ] && [ "$rr" -eq 0 ] && [ "$st" = pre ]; then
		good=$((good + 1))
	else
		not_ok "recovery crash at $fp: exit $rc, recover $rr, state $st"
	fi
done <"$tmp/rpoints"
expect_eq "recovery: a crash at each of $nr points, then recover again: as before" "$nr of $nr" "$good of $nr"

# a command that fails as on a full /boot: it leaves a half-written image
# beside the real one; the rollback takes everything back and removes it.
# Then a crash at each point of that rollback, and recover: as before.
cp -a "$base" "$tmp/fbase"
cat >"$tmp/fbase/root/usr/sbin/update-initramfs" <<'TOOL'
#!/bin/sh
echo "half an image" >/boot/initrd.img-6.1.0-18-amd64.new
echo "update-initramfs: No space left on device" >&2
exit 1
TOOL
cp -a "$tmp/fbase" "$tmp/ftrace"
snapshot "$tmp/fbase/root" "$tmp/fpre"
VFIOCONF_FAILPOINT_TRACE=1 run "$tmp/ftrace" apply --select $sel --yes 2>"$tmp/ferr" >/dev/null; rc=$?
expect_eq "failing command: apply exits 1" 1 "$rc"
expect_eq "failing command: the rollback leaves every file as before (the half image removed)" pre \
	"$(check_state "$tmp/ftrace" "$tmp/fpre" "$tmp/fpre")"
sed -n 's/^failpoint: //p' "$tmp/ferr" | grep -E '^(rollback|state:ROLLING|state:ROLLED|rec:state)' | sort -u >"$tmp/fpoints"
nf=$(wc -l <"$tmp/fpoints"); sample "$tmp/fpoints" "$nf"; nf=$(wc -l <"$tmp/fpoints")
good=0
while read -r fp; do
	w="$tmp/w"; rm -rf "$w"; cp -a "$tmp/fbase" "$w"
	VFIOCONF_FAILPOINT="$fp" run "$w" apply --select $sel --yes >/dev/null 2>&1; rc=$?
	run "$w" recover >/dev/null 2>&1; rr=$?
	st=$(check_state "$w" "$tmp/fpre" "$tmp/fpre")
	if [ "$rc" -eq 99 ] && [ "$rr" -eq 0 ] && [ "$st" = pre ]; then
		good=$((good + 1))
	else
		not_ok "rollback-after-failure crash at $fp: exit $rc, recover $rr, state $st"
	fi
done <"$tmp/fpoints"
expect_eq "rollback after a failing command: a crash at each of $nf points, then recover: as before" \
	"$nf of $nf" "$good of $nf"
echo "# crash points: apply $np, undo $nu, recovery $nr, rollback after a failure $nf"
# the floor is on what an apply passes, not on the sample taken of it
[ "$np_all" -gt 20 ] && ok "apply passes $np_all failpoints" || not_ok "too few apply failpoints: $np_all"
finish
