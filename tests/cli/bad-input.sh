#!/bin/sh
# Bad sysfs/procfs/settings input: a warning naming the path, everything
# else still listed, exit 0, never a crash.
. "$top_srcdir/tests/lib.sh"
need jq

m="$tmp/m"
cp -a "$ROOTS/z170" "$m"
devs="$m/sys/devices/pci0000:00"
rm "$devs/0000:00:1c.0/0000:03:00.0/vendor"                       # missing attribute
printf 'zzzz\n' >"$devs/0000:00:1c.5/0000:06:00.0/device"          # garbage value
printf '0x03zz00\n' >"$devs/0000:00:1b.0/0000:02:00.1/class"       # garbage class
: >"$devs/0000:00:16.0/vendor"                                     # empty attribute
ln -s ../../../devices/pci0000:00/0000:00:1d.0/0000:09:00.0 "$m/sys/bus/pci/devices/0000:09:00.0"  # dangling
mkdir "$m/sys/bus/pci/devices/not-a-device"                        # not an address
mkdir -p "$m/sys/kernel/iommu_groups/13/devices/foo"               # non-PCI group entry
mkdir -p "$m/sys/kernel/iommu_groups/bogus"                        # non-numeric group
ln -s ../../../devices/pci0000:00/0000:00:1f.6 "$m/sys/kernel/iommu_groups/13/devices/0000:0f:00.0"  # unknown device
rm "$devs/0000:00:1f.6/iommu_group"                                # group link missing ...
ln -s ../../../kernel/iommu_groups/12 "$devs/0000:00:1f.6/iommu_group"  # ... and now disagreeing
rm "$m/proc/cpuinfo"                                                # missing proc file
printf 'garbage line without fields\n' >>"$m/proc/self/mountinfo"
printf '/dev/sdz9 /mnt/lost\n' >>"$m/root/etc/fstab"

run() { "$VFIOCONF" --root "$m/root" --sysfs "$m/sys" --procfs "$m/proc" "$@"; }
run list >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "broken tree: exit 0" 0 "$rc"
expect_contains "missing vendor named" "$tmp/err" "$m/sys/bus/pci/devices/0000:03:00.0/vendor: missing; device skipped"
expect_contains "garbage device named" "$tmp/err" "$m/sys/bus/pci/devices/0000:06:00.0/device: not a hexadecimal ID; device skipped"
expect_contains "garbage class named" "$tmp/err" "$m/sys/bus/pci/devices/0000:02:00.1/class: not a hexadecimal ID"
expect_contains "empty vendor named" "$tmp/err" "$m/sys/bus/pci/devices/0000:00:16.0/vendor: not a hexadecimal ID"
expect_contains "dangling link named" "$tmp/err" "$m/sys/bus/pci/devices/0000:09:00.0: dangling link; skipped"
expect_contains "non-address entry named" "$tmp/err" "$m/sys/bus/pci/devices/not-a-device: not a PCI address"
expect_contains "non-PCI group entry named" "$tmp/err" "$m/sys/kernel/iommu_groups/13/devices/foo: not a PCI device; ignored"
expect_contains "non-numeric group named" "$tmp/err" "$m/sys/kernel/iommu_groups/bogus: not a group number; ignored"
expect_contains "group entry without device" "$tmp/err" "$m/sys/kernel/iommu_groups/13/devices/0000:0f:00.0: no such device"
expect_contains "disagreeing group link" "$tmp/err" "0000:00:1f.6/iommu_group: says 12"
expect_contains "missing cpuinfo" "$tmp/err" "$m/proc/cpuinfo: unreadable; CPU vendor unknown"
expect_contains "bad mountinfo line with line number" "$tmp/err" "$m/proc/self/mountinfo:3: not a mountinfo line"
expect_contains "bad fstab line with line number" "$tmp/err" "$m/root/etc/fstab:4: not an fstab entry"
expect_not_contains "skipped devices are not reported twice" "$tmp/err" "devices/0000:03:00.0: no such device"
expect_contains "the rest is listed" "$tmp/out" "0000:02:00.0 VGA compatible controller"
expect_not_contains "skipped device not listed" "$tmp/out" "0000:03:00.0"
n=$(grep -c '^  0000:' "$tmp/out")
expect_eq "18 of 22 devices remain" 18 "$n"
run list --json >"$tmp/j" 2>/dev/null
expect_eq "json still valid, warnings included" true "$(jq '(.warnings | length) >= 12' "$tmp/j")"

# A tree whose every device is unreadable still ends cleanly.
m2="$tmp/m2"
cp -a "$ROOTS/qemu-q35" "$m2"
find "$m2/sys/devices" -name vendor -delete
"$VFIOCONF" --root "$m2/root" --sysfs "$m2/sys" --procfs "$m2/proc" list >"$tmp/out2" 2>"$tmp/err2"; rc=$?
expect_eq "all devices broken: exit 0" 0 "$rc"
expect_eq "all devices broken: 18 warnings" 18 "$(grep -c 'vendor: missing; device skipped' "$tmp/err2")"

# Settings: unknown keys and bad values name file:line; defaults stay.
mkdir -p "$m/root/etc/vfioconf"
cat >"$m/root/etc/vfioconf/vfioconf.conf" <<'CONF'
# vfioconf settings
[kernel]
iommu_pt = maybe
extra_params = video=efifb:off
colour = blue
[binding]
method = telepathy
[nonsense]
key = value
this line is broken
CONF
run list --json >"$tmp/j" 2>"$tmp/err"
conf="$m/root/etc/vfioconf/vfioconf.conf"
expect_contains "settings: bad boolean at line 3" "$tmp/err" "$conf:3: iommu_pt: 'maybe' is not a boolean (yes/no)"
expect_contains "settings: unknown key at line 5" "$tmp/err" "$conf:5: unknown key 'colour' in [kernel]"
expect_contains "settings: bad method at line 7" "$tmp/err" "$conf:7: method: 'telepathy' is not one of auto, ids, driver-override"
expect_contains "settings: unknown section at line 9" "$tmp/err" "$conf:9: unknown section [nonsense]"
expect_contains "settings: syntax error at line 10" "$tmp/err" "$conf:10: not a valid INI line"
expect_eq "settings: defaults kept, good value read" "true video=efifb:off auto" \
	"$(jq -r '"\(.settings.iommu_pt) \(.settings.extra_params) \(.settings.binding_method)"' "$tmp/j")"

finish
