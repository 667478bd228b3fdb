#!/bin/sh
# core/ is pure: no curses, libpci, libkmod or exec. A stray include of
# those libraries must fail the build (core/layering.h), and no core/ file
# may run programs.
. "$top_srcdir/tests/lib.sh"
: "${CC:=cc}"

for hdr in pci/pci.h libkmod.h curses.h; do
	printf '#include <%s>\nint f(void);\nint f(void) { return 0; }\n' "$hdr" >"$tmp/stray.c"
	if [ ! -e "/usr/include/$hdr" ] && ! echo "#include <$hdr>" | $CC -E - >/dev/null 2>&1; then
		ok "$hdr not installed: nothing to poison"
		continue
	fi
	if $CC -c -o "$tmp/stray.o" -include "$top_srcdir/core/layering.h" "$tmp/stray.c" 2>"$tmp/err"; then
		not_ok "including $hdr in core/ fails the build"
	else
		expect_contains "including $hdr in core/ fails the build" "$tmp/err" "poisoned"
	fi
done
bad=$(grep -nE '\b(execv[pe]*|execl[pe]*|fork|popen|system|posix_spawn[p]?)[[:space:]]*\(' "$top_srcdir"/core/*.c "$top_srcdir"/core/*.h || true)
expect_eq "core/ runs no programs" "" "$bad"
bad=$(grep -nE '#include[[:space:]]*[<"](pci/|libkmod|n?curses)' "$top_srcdir"/core/*.c "$top_srcdir"/core/*.h || true)
expect_eq "core/ includes none of curses, libpci, libkmod" "" "$bad"
bad=$(grep -lE '#include[[:space:]]*[<"](n?curses)' "$top_srcdir"/backends/*/*.c "$top_srcdir"/app/*.c || true)
expect_eq "backends/ and app/ do not draw" "" "$bad"
bad=$(grep -nE '#include[[:space:]]*"(backends|app|tui)/' "$top_srcdir"/core/*.c "$top_srcdir"/core/*.h || true)
expect_eq "core/ stands on nothing of ours but core/" "" "$bad"
bad=$(grep -nE '#include[[:space:]]*"(app|tui)/' "$top_srcdir"/backends/*/*.[ch] "$top_srcdir"/bind/*.c || true)
expect_eq "backends/ and bind/ know no front end" "" "$bad"
# the front ends stand on the application layer (and core data types) only
bad=$(grep -nE '#include[[:space:]]*"backends/' "$top_srcdir"/tui/*.c "$top_srcdir"/tui/*.h || true)
expect_eq "tui/ includes nothing from backends/ (it asks app/)" "" "$bad"
screen="$top_srcdir/tui/tui.c $top_srcdir/tui/view_*.c"
# shellcheck disable=SC2086
bad=$(grep -nE '\bcli_[a-z_]+[[:space:]]*\(|\bcmd_[a-z_]+[[:space:]]*\(' $screen || true)
expect_eq "the screen calls no CLI function" "" "$bad"
# shellcheck disable=SC2086
bad=$(grep -nE '\b(fopen|open|openat|read_file|opendir|stat)[[:space:]]*\(' $screen || true)
expect_eq "the screen reads no file itself" "" "$bad"
big=$(find "$top_srcdir/core" "$top_srcdir/app" "$top_srcdir/backends" "$top_srcdir/bind" "$top_srcdir/tui" \
	"$top_srcdir/tests/tools" -name '*.c' -exec wc -l {} + | awk '$2 != "total" && $1 > 600 { print $2 ": " $1 }')
expect_eq "no program source file over 600 lines" "" "$big"
finish
