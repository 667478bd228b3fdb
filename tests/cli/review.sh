#!/bin/sh
# Settings the host already has that are obsolete or do nothing on its
# kernels (issue 13), in list, plan and status, with the file and line:
# video=efifb:off where every kernel is 6.0 or later (vfio-pci takes the
# firmware framebuffer off the GPU itself), vfio_virqfd where no kernel
# has the module (6.2 folded it into vfio), pcie_acs_override= on a kernel
# without the patch (its System.map says so).
. "$top_srcdir/tests/lib.sh"

d="$tmp/deb"
cp -a "$ROOTS/debian" "$d"
dv() { "$VFIOCONF" --root "$d/root" --sysfs "$d/sys" --procfs "$d/proc" "$@"; }
grub="$d/root/etc/default/grub"
sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT="quiet"/GRUB_CMDLINE_LINUX_DEFAULT="quiet video=efifb:off pcie_acs_override=downstream,multifunction"/' "$grub"
line=$(grep -n '^GRUB_CMDLINE_LINUX_DEFAULT' "$grub" | cut -d: -f1)

# no System.map: whether the kernels carry the ACS patch is unknown; say nothing
dv list >"$tmp/o" 2>&1
expect_contains "list: video=efifb:off on 6.1 and 6.5 kernels, with file and line" "$tmp/o" \
	"! etc/default/grub:$line: video=efifb:off is not needed on the installed kernels: from 6.0 on vfio-pci takes the firmware framebuffer off the GPU it binds"
expect_not_contains "no System.map: nothing said about the ACS patch" "$tmp/o" "ACS override patch"
dv plan --select 0000:02:00.0 >"$tmp/o" 2>&1
expect_contains "plan: the same warning" "$tmp/o" "  etc/default/grub:$line: video=efifb:off is not needed on the installed kernels"

# a System.map without the patch's symbol for one kernel, with it for the other
printf 'ffffffff81000000 T _stext\nffffffff81001000 T pci_enable_device\n' >"$d/root/boot/System.map-6.1.0-18-amd64"
printf 'ffffffff81000000 T _stext\nffffffff81a3c9d0 t pcie_acs_override_setup\n' >"$d/root/boot/System.map-6.5.0-0.deb12.4-amd64"
dv list >"$tmp/o" 2>&1
expect_contains "list: pcie_acs_override on a kernel without the patch, with file and line" "$tmp/o" \
	"! etc/default/grub:$line: pcie_acs_override=downstream,multifunction does nothing on 6.1.0-18-amd64: it does not carry the ACS override patch"
expect_not_contains "list: the kernel with the patch is not named" "$tmp/o" "does nothing on 6.5"
expect_contains "list: the running kernel's own pcie_acs_override (another value)" "$tmp/o" \
	"! /proc/cmdline: pcie_acs_override=downstream does nothing on 6.1.0-18-amd64"
dv list --json >"$tmp/o" 2>&1
expect_contains "list --json: among the warnings" "$tmp/o" "etc/default/grub:$line: pcie_acs_override=downstream,multifunction does nothing"
printf 'ffffffff81a3c9d0 t pcie_acs_override_setup\n' >"$d/root/boot/System.map-6.1.0-18-amd64"
dv list >"$tmp/o" 2>&1
expect_not_contains "both kernels carry the patch: nothing said" "$tmp/o" "ACS override patch"
# Debian's System.map is a one-line stand-in: it tells nothing
echo 'ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package' \
	>"$d/root/boot/System.map-6.1.0-18-amd64"
dv list >"$tmp/o" 2>&1
expect_not_contains "Debian's stand-in System.map: nothing said" "$tmp/o" "does nothing on 6.1.0-18-amd64"
# then the running kernel's own symbols tell, for the running kernel
printf 'ffffffff81000000 T _stext\nffffffff81001000 T pci_enable_device\n' >"$d/proc/kallsyms"
dv list >"$tmp/o" 2>&1
expect_contains "/proc/kallsyms without the patch: the running kernel named" "$tmp/o" \
	"! /proc/cmdline: pcie_acs_override=downstream does nothing on 6.1.0-18-amd64"
printf 'ffffffff81a3c9d0 t pcie_acs_override_setup\n' >"$d/proc/kallsyms"
dv list >"$tmp/o" 2>&1
expect_not_contains "/proc/kallsyms with the patch: nothing said" "$tmp/o" "does nothing on 6.1.0-18-amd64"

# a kernel before 6.0 installed: efifb:off may still be needed there
mkdir -p "$d/root/lib/modules/5.10.0-28-amd64"
: >"$d/root/lib/modules/5.10.0-28-amd64/modules.builtin"
dv list >"$tmp/o" 2>&1
expect_not_contains "a 5.10 kernel installed: efifb:off not flagged" "$tmp/o" "video=efifb:off is not needed"
rm -r "$d/root/lib/modules/5.10.0-28-amd64"

# the running command line alone (the files carry no video=)
sed -i "s/ video=efifb:off//" "$grub"
sed -i 's/$/ video=efifb:off/' "$d/proc/cmdline"
dv list >"$tmp/o" 2>&1
expect_contains "list: the running kernel's video=efifb:off" "$tmp/o" \
	"! /proc/cmdline: video=efifb:off is not needed on the running kernel"
sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT="quiet/GRUB_CMDLINE_LINUX_DEFAULT="quiet video=efifb:off/' "$grub"
dv list >"$tmp/o" 2>&1
expect_eq "the same word in the files and on the running line: said once, for the file" 1 \
	"$(grep -c 'video=efifb:off is not needed' "$tmp/o")"

# vfio_virqfd where no kernel has it (the mlx5 host has 6.1 without it)
m="$tmp/mlx"
regen_stack "$m" debian-mlx5
mv() { SSH_CONNECTION=$(cat "$m/ssh_connection") "$VFIOCONF" --root "$m/root" --sysfs "$m/sys" --procfs "$m/proc" "$@"; }
printf 'vfio_virqfd\n' >>"$m/root/etc/initramfs-tools/modules"
ln=$(grep -c '' "$m/root/etc/initramfs-tools/modules")
mv list >"$tmp/o" 2>&1
expect_contains "list: vfio_virqfd where no kernel has it, with file and line" "$tmp/o" \
	"! etc/initramfs-tools/modules:$ln: vfio_virqfd: no installed kernel has this module (6.1.0-18-amd64; it went into vfio in 6.2)"
mv plan --select 0000:41:00.2 >"$tmp/o" 2>&1
expect_contains "plan: the same" "$tmp/o" "  etc/initramfs-tools/modules:$ln: vfio_virqfd: no installed kernel has this module"
mv apply --select 0000:41:00.2 --yes >"$tmp/o" 2>&1 || { not_ok "apply"; sed 's/^/#   /' "$tmp/o"; }
mv status >"$tmp/o" 2>&1
expect_contains "status: the same, under its own heading" "$tmp/o" "Settings to look at:
  ! etc/initramfs-tools/modules:$ln: vfio_virqfd: no installed kernel has this module"
mv status --json >"$tmp/o" 2>&1
expect_contains "status --json: in warnings" "$tmp/o" "etc/initramfs-tools/modules:$ln: vfio_virqfd: no installed kernel"
# where one kernel still has it, the line serves that kernel: nothing said
vf debian list >"$tmp/o" 2>&1
expect_not_contains "a kernel with vfio_virqfd: the line is not flagged" "$tmp/o" "vfio_virqfd: no installed kernel"

# a running kernel that is not installed (a rescue system, an old one):
# judged by its own version
r="$tmp/run"
cp -a "$ROOTS/debian" "$r"
echo 5.10.0-28-amd64 >"$r/proc/sys/kernel/osrelease"
sed -i 's/$/ video=efifb:off/' "$r/proc/cmdline"
"$VFIOCONF" --root "$r/root" --sysfs "$r/sys" --procfs "$r/proc" list >"$tmp/o" 2>&1
expect_not_contains "a 5.10 running kernel: its video=efifb:off is not called needless" "$tmp/o" \
	"/proc/cmdline: video=efifb:off is not needed"
# a kernel whose module index cannot be read may still have vfio_virqfd
mkdir -p "$m/root/lib/modules/5.10.0-28-amd64"
: >"$m/root/lib/modules/5.10.0-28-amd64/modules.builtin"
mv list >"$tmp/o" 2>&1
expect_not_contains "an unindexed kernel installed: vfio_virqfd not flagged" "$tmp/o" "vfio_virqfd: no installed kernel"

finish
