#!/bin/sh
# Variant drivers and virtual functions (issue 13): a device the kernel has
# a vfio variant driver for (a "vfio_pci:" alias in modules.alias, here
# mlx5_vfio_pci for a ConnectX VF) goes to that driver by address, never by
# ids=; its module loads after its native one; vfioconf-bind writes its name
# into driver_override; status checks for it. A VF is bound by address when
# its PF makes it (a udev rule). modprobe itself reads what was written.
. "$top_srcdir/tests/lib.sh"

vf_=0000:41:00.2
vf debian-mlx5 plan --select $vf_ >"$tmp/o" 2>&1; rc=$?
expect_eq "mlx5 VF: planned" 0 "$rc"
expect_contains "goes to its variant driver, after reboot" "$tmp/o" \
	"$vf_ ConnectX Family mlx5Gen Virtual Function: mlx5_vfio_pci (by address)"
expect_contains "the bind list names the variant" "$tmp/o" "by address, to mlx5_vfio_pci (its vfio variant driver)"
expect_contains "says why not ids=" "$tmp/o" \
	"$vf_ goes to mlx5_vfio_pci, the vfio variant driver the kernel has for it (modules.alias), by address: ids= can only give it plain vfio-pci"
expect_not_contains "never ids= in modprobe.d" "$tmp/o" "+options vfio-pci"
expect_not_contains "never vfio-pci.ids= on the command line" "$tmp/o" "vfio-pci.ids"
expect_contains "devices.conf records the driver" "$tmp/o" "+driver = mlx5_vfio_pci"
expect_contains "the variant loads after its native module, on kmod's one softdep line" "$tmp/o" \
	"+softdep mlx5_core pre: vfio-pci post: mlx5_vfio_pci"
expect_contains "the variant goes into the initramfs, after vfio_pci" "$tmp/o" "+vfio_pci
+mlx5_vfio_pci"
expect_contains "a VF: bound when its PF makes it" "$tmp/o" \
	"+ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"$vf_\", RUN+=\"/usr/libexec/vfioconf/vfioconf-bind --only $vf_\""
expect_contains "a VF its native driver probed first: bound again" "$tmp/o" \
	"+ACTION==\"bind\", SUBSYSTEM==\"pci\", KERNEL==\"$vf_\", DRIVER!=\"mlx5_vfio_pci\", RUN+=\"/usr/libexec/vfioconf/vfioconf-bind --only $vf_\""

# method = ids in the settings cannot name a variant driver
d="$tmp/m"
regen_stack "$d" debian-mlx5
mkdir -p "$d/root/etc/vfioconf"
printf '[binding]\nmethod = ids\n' >"$d/root/etc/vfioconf/vfioconf.conf"
dv() { SSH_CONNECTION=$(cat "$d/ssh_connection") "$VFIOCONF" --root "$d/root" --sysfs "$d/sys" --procfs "$d/proc" "$@"; }
dv plan --select 0000:41:00.2,0000:41:00.3 >"$tmp/o" 2>&1
expect_not_contains "method = ids: still no ids= for the variant's devices" "$tmp/o" "+options vfio-pci"
expect_not_contains "method = ids: read (no complaint about the settings)" "$tmp/o" "etc/vfioconf/vfioconf.conf:"
expect_contains "method = ids: still by address, to the variant" "$tmp/o" "+driver = mlx5_vfio_pci"
rm "$d/root/etc/vfioconf/vfioconf.conf"

# a device without a variant (the NVMe's ID, say) keeps plain vfio-pci: the
# vfio_pci module's own catch-all "vfio_pci:" alias is no variant
vf debian-mlx5 list --json >"$tmp/j" 2>&1
expect_eq "list --json: both VFs have the variant" 2 "$(grep -o '"vfio_variant": "mlx5_vfio_pci"' "$tmp/j" | wc -l)"
expect_eq "list --json: no variant for the 5 others (vfio_pci's catch-all alias is not one)" 5 \
	"$(grep -o '"vfio_variant": null' "$tmp/j" | wc -l)"

# apply, then let modprobe read what was written (kmod is the oracle)
dv apply --select $vf_ --yes >"$tmp/o" 2>&1 || { not_ok "apply"; sed 's/^/#   /' "$tmp/o"; }
kver=6.1.0-18-amd64
if command -v modprobe >/dev/null 2>&1; then
	modprobe -C "$d/root/etc/modprobe.d" -d "$d/root" -S $kver -n -v mlx5_core >"$tmp/mp" 2>&1
	expect_eq "modprobe mlx5_core: vfio-pci's install (vfioconf-bind) first, then mlx5_core, then mlx5_vfio_pci" \
		"install vfioconf-bind|insmod mlx5_core.ko|insmod mlx5_vfio_pci.ko" \
		"$(sed -e 's|^install /usr/libexec/vfioconf/\(vfioconf-bind\);.*|install \1|' -e 's|^insmod .*/\([^/ ]*\) *$|insmod \1|' "$tmp/mp" | paste -sd'|')"
else
	skip "modprobe (kmod) not installed"
fi

# vfioconf-bind at boot: driver_override names the variant; mlx5_core lets go
cp -a "$d/sys" "$tmp/sys"
"$top_builddir/vfioconf-bind" --sysfs "$tmp/sys" --config "$d/root/etc/vfioconf/devices.conf" 2>"$tmp/err"
expect_eq "vfioconf-bind: driver_override = mlx5_vfio_pci" mlx5_vfio_pci \
	"$(cat "$tmp/sys/bus/pci/devices/$vf_/driver_override" 2>/dev/null)"
expect_eq "vfioconf-bind: unbound from mlx5_core" "$vf_" \
	"$(cat "$tmp/sys/bus/pci/drivers/mlx5_core/unbind" 2>/dev/null)"
expect_eq "vfioconf-bind: early (the variant not loaded yet): no probe" "" \
	"$(cat "$tmp/sys/bus/pci/drivers_probe" 2>/dev/null)"
expect_contains "vfioconf-bind: says so" "$tmp/err" "$vf_ (15b3:101e): driver_override = mlx5_vfio_pci"
# run by udev when the VF appears later: the variant is loaded; ask the bus to probe
rm -f "$tmp/sys/bus/pci/drivers/mlx5_core/unbind" "$tmp/sys/bus/pci/devices/$vf_/driver_override"
mkdir -p "$tmp/sys/bus/pci/drivers/mlx5_vfio_pci"
"$top_builddir/vfioconf-bind" --sysfs "$tmp/sys" --config "$d/root/etc/vfioconf/devices.conf" 2>/dev/null
expect_eq "vfioconf-bind after the boot: the bus probes the VF again" "$vf_" \
	"$(cat "$tmp/sys/bus/pci/drivers_probe" 2>/dev/null)"

# status after the reboot: on the variant is right, on plain vfio-pci is not
ln -sfn ../../../../bus/pci/drivers/mlx5_vfio_pci "$d/sys/bus/pci/devices/$vf_/driver"
mkdir -p "$d/sys/bus/pci/drivers/mlx5_vfio_pci"
dv status >"$tmp/o" 2>&1
expect_contains "status: on the variant" "$tmp/o" "$vf_ [15b3:101e]  on mlx5_vfio_pci"
dv status --json >"$tmp/o" 2>&1
expect_contains "status --json: names the driver it wants" "$tmp/o" '"vfio_driver": "mlx5_vfio_pci"'
mkdir -p "$d/sys/bus/pci/drivers/vfio-pci"
ln -sfn ../../../../bus/pci/drivers/vfio-pci "$d/sys/bus/pci/devices/$vf_/driver"
dv status >"$tmp/o" 2>&1
expect_contains "status: plain vfio-pci is not what was set up" "$tmp/o" "$vf_ [15b3:101e]  NOT on mlx5_vfio_pci (driver: vfio-pci)"

# devices.conf: only a vfio driver's name goes into driver_override
sed -i 's/^driver = .*/driver = nvme/' "$d/root/etc/vfioconf/devices.conf"
"$top_builddir/vfioconf-bind" --sysfs "$tmp/sys" --config "$d/root/etc/vfioconf/devices.conf" --dry-run >"$tmp/o" 2>&1
expect_contains "devices.conf: driver = nvme is refused, with the line" "$tmp/o" "devices.conf:10: driver = 'nvme': unknown key or bad value"
expect_not_contains "devices.conf: nvme never written" "$tmp/o" "would write 'nvme'"
# vfio-pci's module name is no driver name: driver_override needs "vfio-pci"
sed -i 's/^driver = .*/driver = vfio_pci/' "$d/root/etc/vfioconf/devices.conf"
"$top_builddir/vfioconf-bind" --sysfs "$tmp/sys" --config "$d/root/etc/vfioconf/devices.conf" --dry-run >"$tmp/o" 2>&1
expect_contains "devices.conf: driver = vfio_pci is refused too" "$tmp/o" "driver = 'vfio_pci': unknown key or bad value"
expect_not_contains "devices.conf: vfio_pci never written" "$tmp/o" "would write 'vfio_pci'"

# deselect: the rule, the softdep and the variant go again
sed -i 's/^driver = .*/driver = mlx5_vfio_pci/' "$d/root/etc/vfioconf/devices.conf"
dv apply --select none --yes >"$tmp/o" 2>&1 || { not_ok "apply --select none"; sed 's/^/#   /' "$tmp/o"; }
expect_eq "taken out: no udev rule left" no "$([ -e "$d/root/etc/udev/rules.d/90-vfioconf.rules" ] && echo yes || echo no)"
expect_not_contains "taken out: the variant leaves the initramfs list" "$d/root/etc/initramfs-tools/modules" mlx5_vfio_pci

# --only: the udev rule binds the VF it names, no other
printf '\n[device 0000:41:00.3]\nvendor = 15b3\ndevice = 101e\nsubsystem = 15b3:0016\nclass = 020000\nmethod = driver-override\ndriver = mlx5_vfio_pci\n' \
	>>"$d/root/etc/vfioconf/devices.conf"
"$top_builddir/vfioconf-bind" --sysfs "$tmp/sys" --config "$d/root/etc/vfioconf/devices.conf" --dry-run \
	--only 0000:41:00.3 >"$tmp/o" 2>&1
expect_contains "--only: the named VF" "$tmp/o" "0000:41:00.3/driver_override"
expect_not_contains "--only: not the other" "$tmp/o" "$vf_/driver_override"

# a kernel whose index has no mlx5_vfio_pci: plain vfio-pci, said
k="$tmp/k"
cp -a "$ROOTS/debian-mlx5" "$k"
cp -a "$k/root/lib/modules/6.1.0-18-amd64" "$k/root/lib/modules/6.5.0-0.deb12.4-amd64"
rm -f "$k/root/lib/modules/6.5.0-0.deb12.4-amd64/kernel/drivers/mlx5_vfio_pci.ko"
if depmod -b "$k/root" 6.5.0-0.deb12.4-amd64 2>/dev/null; then
	SSH_CONNECTION=$(cat "$k/ssh_connection") "$VFIOCONF" --root "$k/root" --sysfs "$k/sys" --procfs "$k/proc" \
		plan --select $vf_ >"$tmp/o" 2>&1
	expect_contains "one kernel without the variant: said" "$tmp/o" \
		"$vf_: a vfio variant driver is in some installed kernels' module index, not in every one: vfio-pci binds it"
	expect_not_contains "one kernel without the variant: never driver_override to it" "$tmp/o" "driver = mlx5_vfio_pci"
	expect_contains "one kernel without the variant: vfio-pci" "$tmp/o" "$vf_ ConnectX Family mlx5Gen Virtual Function: vfio-pci (by address)"
else
	not_ok "depmod -b for a second kernel"
fi
# --no-modules keeps the variant (a later plan must not drop driver =)
vf debian-mlx5 --no-modules plan --select $vf_ >"$tmp/o" 2>&1
expect_contains "--no-modules: still the variant" "$tmp/o" "+driver = mlx5_vfio_pci"

finish
