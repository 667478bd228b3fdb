#!/bin/sh
# Every distro stack (tests/fixtures/stacks): plan the selection, compare
# with the golden plan, apply the diff with patch(1), ask the real tools
# (sh sourcing /etc/default/grub, modprobe --showconfig) what the result
# means, plan again (nothing to do), deselect (golden), apply, and get the
# original bytes back. VFIOCONF_UPDATE_GOLDEN=1 rewrites the golden files.
. "$top_srcdir/tests/lib.sh"
need patch
golden="$top_srcdir/tests/golden"

run() { # STACKDIR ARGS... (sh has no locals: _m)
	_m=$1; shift
	SSH_CONNECTION=$(cat "$_m/ssh_connection" 2>/dev/null) \
		"$VFIOCONF" --root "$_m/root" --sysfs "$_m/sys" --procfs "$_m/proc" "$@"
}

check_golden() { # NAME FILE GOLDEN
	if [ "${VFIOCONF_UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$2" "$3"
		ok "$1 (golden updated)"
	elif diff -u "$3" "$2" >"$tmp/gd" 2>&1; then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/#   /' "$tmp/gd" | head -30
	fi
}

grub_cmdline() { # ROOT: what grub-mkconfig would put on the command line
	(cd "$1" && sh -c '. ./etc/default/grub; for x in ./etc/default/grub.d/*.cfg; do [ -e "$x" ] && . "$x"; done;
		echo "$GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT"' 2>/dev/null)
}

grep -v '^#' "$top_srcdir/tests/fixtures/stacks" | while read -r name machine overlay sel; do
	cpu=$(sed -n 's/^cpu //p' "$top_srcdir/tests/fixtures/$machine.machine")
	[ -n "$name" ] || continue
	src="$ROOTS/$name"
	w="$tmp/$name"
	rm -rf "$w"
	cp -a "$src" "$w"

	run "$w" plan --select "$sel" >"$tmp/select.txt" 2>"$tmp/err"; rc=$?
	expect_eq "$name: plan exits 0" 0 "$rc"
	[ -s "$tmp/err" ] && sed 's/^/#   stderr: /' "$tmp/err"
	check_golden "$name: plan matches tests/golden/$name.select.txt" "$tmp/select.txt" "$golden/$name.select.txt"

	run "$w" plan --select "$sel" --diff >"$tmp/select.diff" 2>/dev/null
	if patch -s -p0 -d "$w/root" <"$tmp/select.diff" >"$tmp/patch.out" 2>&1; then
		ok "$name: patch -p0 applies the plan"
	else
		not_ok "$name: patch -p0 applies the plan"; sed 's/^/#   /' "$tmp/patch.out" | head
	fi

	# the real tools' reading of the result
	if [ -f "$w/root/etc/default/grub" ] && [ "$overlay" != fedora ]; then
		after=$(grub_cmdline "$w/root"); before=$(grub_cmdline "$src/root")
		for p in $before; do
			case " $after " in *" $p "*) ;; *) not_ok "$name: grub keeps $p"; continue 2;; esac
		done
		ok "$name: sh sourcing grub keeps every parameter it had"
		# intel_iommu=on on Intel; the AMD IOMMU takes no parameter
		case "$cpu: $after " in "intel:"*" intel_iommu=on "*|"amd:"*) ok "$name: grub gets the IOMMU parameter";;
			*) not_ok "$name: grub gets the IOMMU parameter"; echo "#   $after";; esac
		case " $after " in *" amd_iommu=on "*) not_ok "$name: grub: no amd_iommu=on";; *) ok "$name: grub: no amd_iommu=on";; esac
		n=$(echo "$after" | tr ' ' '\n' | grep -c '^iommu=pt$')
		expect_eq "$name: iommu=pt exactly once" 1 "$n"
	fi
	if [ -f "$w/root/etc/kernel/cmdline" ] && [ "$overlay" != fedora ]; then
		if [ "$cpu" = intel ]; then
			expect_contains "$name: /etc/kernel/cmdline gets the IOMMU parameter" "$w/root/etc/kernel/cmdline" "intel_iommu=on"
		else
			expect_not_contains "$name: /etc/kernel/cmdline: no amd_iommu=on" "$w/root/etc/kernel/cmdline" "amd_iommu=on"
		fi
		first=$(head -c 20 "$src/root/etc/kernel/cmdline")
		expect_contains "$name: /etc/kernel/cmdline keeps its start" "$w/root/etc/kernel/cmdline" "$first"
	fi
	if command -v modprobe >/dev/null 2>&1 || [ -x /sbin/modprobe ]; then
		mp=$(command -v modprobe || echo /sbin/modprobe)
		"$mp" -C "$w/root/etc/modprobe.d" --showconfig 2>/dev/null | grep -E 'vfio' >"$tmp/mp"
		if grep -q '^options vfio_pci ids=' "$tmp/mp" || grep -q '^install vfio_pci ' "$tmp/mp"; then
			ok "$name: modprobe --showconfig reads the vfio-pci binding"
		else
			not_ok "$name: modprobe --showconfig reads the vfio-pci binding"; sed 's/^/#   /' "$tmp/mp"
		fi
		if grep -q '^softdep .* pre: vfio_pci' "$tmp/mp" || grep -q '^softdep .* pre: vfio-pci' "$tmp/mp"; then
			ok "$name: modprobe --showconfig reads a softdep on vfio-pci"
		else
			not_ok "$name: modprobe --showconfig reads a softdep on vfio-pci"; sed 's/^/#   /' "$tmp/mp"
		fi
	fi

	run "$w" plan >"$tmp/again.txt" 2>/dev/null
	expect_contains "$name: planning again changes nothing" "$tmp/again.txt" "Nothing to do"

	run "$w" plan --select none >"$tmp/deselect.txt" 2>/dev/null; rc=$?
	expect_eq "$name: deselect plan exits 0" 0 "$rc"
	check_golden "$name: deselect matches tests/golden/$name.deselect.txt" "$tmp/deselect.txt" "$golden/$name.deselect.txt"
	run "$w" plan --select none --diff >"$tmp/deselect.diff" 2>/dev/null
	patch -s -p0 -E -d "$w/root" <"$tmp/deselect.diff" >"$tmp/patch.out" 2>&1
	find "$w/root" -type d -empty -delete
	cp -a "$src/root" "$tmp/orig-$name"
	find "$tmp/orig-$name" -type d -empty -delete
	if diff -r --no-dereference "$tmp/orig-$name" "$w/root" >"$tmp/rdiff" 2>&1; then
		ok "$name: deselecting gives back the original bytes"
	else
		not_ok "$name: deselecting gives back the original bytes"; sed 's/^/#   /' "$tmp/rdiff" | head -20
	fi
	rm -rf "$w" "$tmp/orig-$name"
	printf '%s\n' "$checks $fails" >"$tmp/counts"
done
# the loop ran in a subshell: take its counts
read -r checks fails <"$tmp/counts"
finish
