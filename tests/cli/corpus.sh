#!/bin/sh
# The grub corpus (tests/corpus/grub, 40+ real-world-style files): never a
# crash; an edit changes only the one assignment; removing what was added
# gives back every byte; /bin/sh (the real reader) sees the parameter and
# everything that was there; unsafe files are refused naming the line.
. "$top_srcdir/tests/lib.sh"
tool="$top_builddir/tests/tools/shvar-tool"
V=GRUB_CMDLINE_LINUX_DEFAULT
P=vfioconf.test=1

sh_value() { # FILE: the variable as the shell sees it, blanks folded (bash for +=)
	_sh=sh
	grep -q '+=' "$1" && _sh=bash
	$_sh -c '. "$1" >/dev/null 2>&1; printf "%s" "$GRUB_CMDLINE_LINUX_DEFAULT"' sh "$1" | tr '\t\r\n' '   '
}

for f in "$top_srcdir"/tests/corpus/grub/*.cfg; do
	n=$(basename "$f" .cfg)
	expect=$(sed -n '1s/^# expect: //p' "$f")
	"$tool" "$f" "$V" add "$P" >"$tmp/added" 2>"$tmp/err"; rc=$?
	case $expect in
	ok)
		if [ "$rc" -ne 0 ]; then not_ok "$n: add"; cat "$tmp/err" | sed 's/^/#   /'; continue; fi
		"$tool" "$tmp/added" "$V" remove "$P" >"$tmp/back" 2>/dev/null
		if cmp -s "$f" "$tmp/back"; then ok "$n: add then remove gives the same bytes"
		else not_ok "$n: add then remove gives the same bytes"; diff "$f" "$tmp/back" | sed 's/^/#   /' | head; fi
		hunks=$(diff "$f" "$tmp/added" | grep -c '^[0-9]')
		if [ "$hunks" -eq 1 ]; then ok "$n: one place changed"
		else not_ok "$n: one place changed ($hunks)"; diff "$f" "$tmp/added" | sed 's/^/#   /' | head; fi
		# the oracle, where sourcing runs no external command
		if ! grep -q '`\|\$(\|^echo\|^if' "$f"; then
			before=$(sh_value "$f"); after=$(sh_value "$tmp/added")
			missing=""
			for t in $before; do case " $after " in *" $t "*) ;; *) missing="$missing $t";; esac; done
			case " $after " in *" $P "*) ;; *) missing="$missing $P";; esac
			expect_eq "$n: sh sees the old parameters and the new one" "" "$missing"
			# our own reader agrees with sh
			ours=$("$tool" "$tmp/added" "$V" value 2>/dev/null | tr '\t\r\n' '   ')
			expect_eq "$n: our reading equals the shell's" "$(echo $after)" "$(echo $ours)"
		fi
		;;
	refuse*)
		line=$(echo "$expect" | cut -d' ' -f2)
		why=$(echo "$expect" | cut -d' ' -f3-)
		expect_eq "$n: refused" 3 "$rc"
		expect_contains "$n: names line $line (counting the expect header)" "$tmp/err" "$((line + 1)): "
		expect_contains "$n: says why" "$tmp/err" "$why"
		;;
	*) not_ok "$n: no '# expect:' header";;
	esac
done
n=$(ls "$top_srcdir"/tests/corpus/grub/*.cfg | wc -l)
if [ "$n" -ge 40 ]; then ok "corpus has $n files"; else not_ok "corpus has $n files (< 40)"; fi
finish
