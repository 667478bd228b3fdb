#!/bin/sh
# vfioconf-bind on a fixture sysfs: binds the matching device, skips the
# one whose card changed and the one that is gone, unbinds a driver that
# got there first, and leaves ID-bound devices alone.
. "$top_srcdir/tests/lib.sh"
m="$tmp/m"
cp -a "$ROOTS/twin-gpus" "$m"
cat >"$tmp/devices.conf" <<'CONF'
[device 0000:02:00.0]
vendor = 10de
device = 1b81
subsystem = 1462:3302
class = 030000
method = driver-override

[device 0000:03:00.0]
vendor = 8086
device = 1533
subsystem = 1028:9999
class = 020000
method = driver-override

[device 0000:09:00.0]
vendor = 8086
device = 1533
class = 020000
method = driver-override

[device 0000:04:00.0]
vendor = 8086
device = 1533
subsystem = 8086:0001
class = 020000
method = ids
CONF
"$VFIOCONF_BIND" --sysfs "$m/sys" --config "$tmp/devices.conf" >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "some skipped: exit 1" 1 "$rc"
d="$m/sys/bus/pci/devices"
expect_eq "matching GPU: driver_override set" "vfio-pci" "$(cat "$d/0000:02:00.0/driver_override" 2>/dev/null)"
expect_eq "matching GPU: unbound from nouveau" "0000:02:00.0" "$(cat "$d/0000:02:00.0/driver/unbind" 2>/dev/null)"
expect_eq "changed card: not touched" "" "$(cat "$d/0000:03:00.0/driver_override" 2>/dev/null)"
expect_contains "changed card: said" "$tmp/err" "0000:03:00.0: is 8086:1533 (subsystem 8086:0001), expected 8086:1533 (1028:9999): the card moved or changed; skipped"
expect_contains "missing device: said" "$tmp/err" "0000:09:00.0: not present; skipped"
expect_eq "ID-bound device: left to ids=" "" "$(cat "$d/0000:04:00.0/driver_override" 2>/dev/null)"
expect_contains "bound device: said" "$tmp/err" "0000:02:00.0 (10de:1b81): driver_override = vfio-pci"

"$VFIOCONF_BIND" --sysfs "$m/sys" --config "$tmp/nothing.conf" >/dev/null 2>"$tmp/err"; rc=$?
expect_eq "no configuration: exit 2" 2 "$rc"
expect_contains "no configuration: said" "$tmp/err" "nothing to bind by address"

m2="$tmp/m2"
cp -a "$ROOTS/twin-gpus" "$m2"
"$VFIOCONF_BIND" --sysfs "$m2/sys" --config "$tmp/devices.conf" --dry-run >"$tmp/out" 2>/dev/null
expect_contains "dry run: says what it would write" "$tmp/out" "would write 'vfio-pci' to $m2/sys/bus/pci/devices/0000:02:00.0/driver_override"
expect_eq "dry run: writes nothing" "" "$(cat "$m2/sys/bus/pci/devices/0000:02:00.0/driver_override" 2>/dev/null)"
finish
