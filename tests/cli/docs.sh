#!/bin/sh
# --help, the man page and the bash completion name every command and
# option the program has; the man page renders without warnings.
. "$top_srcdir/tests/lib.sh"

"$VFIOCONF" --help >"$tmp/help"; rc=$?
expect_eq "--help exits 0" 0 "$rc"
"$VFIOCONF" --version >"$tmp/ver"; rc=$?
expect_eq "--version exits 0" 0 "$rc"
expect_contains "--version names the program" "$tmp/ver" "vfioconf "
man="$top_srcdir/man/vfioconf.8"
comp="$top_srcdir/contrib/bash-completion/vfioconf"
for cmd in $("$VFIOCONF" --list-commands); do
	expect_contains "--help lists $cmd" "$tmp/help" "  $cmd "
	expect_contains "man page documents $cmd" "$man" ".B $cmd"
	expect_contains "completion offers $cmd" "$comp" "$cmd"
done
# every long option in --help is in the man page and the completion
for opt in $(grep -o -- '--[a-z][a-z-]*' "$tmp/help" | sort -u); do
	o=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
	if grep -q -- "$o" "$man"; then ok "man page documents $opt"; else not_ok "man page documents $opt"; fi
	expect_contains "completion offers $opt" "$comp" "$opt"
done
# the key table drives the help screen and the man page's KEYS section
"$VFIOCONF" --list-keys >"$tmp/keys"
[ -s "$tmp/keys" ] || not_ok "--list-keys prints the key table"
while IFS='	' read -r k h; do
	expect_contains "man page KEYS has '$k'" "$man" "$k	$h"
done <"$tmp/keys"
if command -v groff >/dev/null 2>&1; then
	warn=$(groff -t -man -Tutf8 -ww "$man" 2>&1 >/dev/null)
	expect_eq "man page renders without warnings" "" "$warn"
fi
if command -v bash >/dev/null 2>&1; then
	bash -n "$comp"; expect_eq "completion script parses" 0 "$?"
fi
# the completion offers this machine's addresses, groups and transactions
if [ -f /usr/share/bash-completion/bash_completion ] && command -v bash >/dev/null; then
	comp() { # WORDS...: what completing the last word offers, sorted, one line
		bash -c '. /usr/share/bash-completion/bash_completion; . "$1"; shift
			COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
			_vfioconf; printf "%s\n" "${COMPREPLY[@]}"' sh "$comp" "$@" | sort | tr '\n' ' '
	}
	R=$ROOTS/gpu-functions
	expect_eq "completion: --select offers the slot's addresses" \
		"0000:01:00.0 0000:01:00.1 0000:01:00.2 0000:01:00.3 " \
		"$(comp vfioconf --sysfs "$R/sys" plan --select 0000:01:00.)"
	expect_eq "completion: after a comma, the next address" "0000:01:00.0,0000:01:00.3 " \
		"$(comp vfioconf --sysfs "$R/sys" plan --select 0000:01:00.0,0000:01:00.3)"
	expect_eq "completion: --group offers the groups" "0 1 2 3 4 " "$(comp vfioconf --sysfs "$R/sys" plan --group '')"
	regen_stack "$tmp/c" debian
	"$VFIOCONF" --root "$tmp/c/root" --sysfs "$tmp/c/sys" --procfs "$tmp/c/proc" apply --select 0000:02:00.0 --yes \
		>/dev/null 2>&1
	sid=$("$VFIOCONF" --root "$tmp/c/root" history --json | jq -r '.transactions[0].short_id')
	expect_eq "completion: undo offers the transactions' short IDs" "$sid " \
		"$(comp "$VFIOCONF" --root "$tmp/c/root" undo "$(echo "$sid" | cut -c1-2)")"
else
	echo "# bash-completion is not installed: the completion was not exercised"
fi

finish
