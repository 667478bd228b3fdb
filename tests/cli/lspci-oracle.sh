#!/bin/sh
# The oracle: for every fixture machine, vfioconf list agrees with the real
# lspci reading the same sysfs tree on addresses, IDs, subsystem and driver.
. "$top_srcdir/tests/lib.sh"
need jq
[ -n "${LSPCI:-}" ] && [ -x "$LSPCI" ] || skip "lspci not installed (pciutils)"

for dir in "$ROOTS"/*/; do
	m=$(basename "$dir")
	# lspci -nnDk -vmm: one record per device, machine readable
	"$LSPCI" -A linux-sysfs -O sysfs.path="$dir/sys/bus/pci" -D -nk -vmm 2>/dev/null |
	awk -v RS= -F'\n' '{
		slot=""; v=""; d=""; sv=""; sd=""; drv="null"
		for (i = 1; i <= NF; i++) {
			split($i, kv, ":\t")
			if (kv[1] == "Slot") slot = kv[2]
			else if (kv[1] == "Vendor") v = kv[2]
			else if (kv[1] == "Device") d = kv[2]
			else if (kv[1] == "SVendor") sv = kv[2]
			else if (kv[1] == "SDevice") sd = kv[2]
			else if (kv[1] == "Driver") drv = kv[2]
		}
		print slot, v, d, (sv == "" ? "-" : sv), (sd == "" ? "-" : sd), drv
	}' | sort >"$tmp/lspci.$m"
	vf "$m" list --json 2>/dev/null |
	jq -r '(.groups[].devices[], .ungrouped[]) |
		"\(.address) \(.vendor) \(.device) \(.subsystem_vendor // "-") \(.subsystem_device // "-") \(.driver // "null")"' |
	sort >"$tmp/vf.$m"
	n=$(wc -l <"$tmp/lspci.$m")
	if [ "$n" -gt 0 ] && cmp -s "$tmp/lspci.$m" "$tmp/vf.$m"; then
		ok "$m: $n devices agree with lspci"
	else
		not_ok "$m: differs from lspci ($n devices)"
		diff "$tmp/lspci.$m" "$tmp/vf.$m" | sed 's/^/#   /' | head -20
	fi
done
finish
