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
bad=$(grep -lE '#include[[:space:]]*[<"](n?curses)' "$top_srcdir"/backends/*/*.c || true)
expect_eq "backends/ does not draw" "" "$bad"
finish
