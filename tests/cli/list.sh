#!/bin/sh
# vfioconf list on fixture machines: text, JSON, IOMMU off, bad --sysfs.
. "$top_srcdir/tests/lib.sh"
need jq

# --- text on the Z170 box (seed 000)
vf z170 list >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "z170: list exits 0" 0 "$rc"
expect_contains "z170: IOMMU on with 17 groups" "$tmp/out" "IOMMU: on (Intel CPU, 17 groups, 22 devices)"
expect_contains "z170: GTX 970 line" "$tmp/out" \
	"0000:02:00.0 VGA compatible controller [0300]: NVIDIA Corporation GM204 [GeForce GTX 970] [10de:13c2] (rev a1)  driver: nouveau"
expect_contains "z170: device without driver says none" "$tmp/out" "[8086:a145] (rev 31)  driver: none"
expect_contains "z170: boot GPU flagged" "$tmp/out" "[1002:7300] (rev cb)  driver: amdgpu  [boot-vga]"
expect_contains "z170: root disk flagged with reason" "$tmp/out" "! holds / (/dev/sda2)"
expect_contains "z170: SSH NIC flagged" "$tmp/out" "driver: e1000e  [ssh-nic]"
expect_eq "z170: no warnings on a clean fixture" "" "$(cat "$tmp/err")"
# groups come in numeric order, not string order (2 before 10)
order=$(grep '^IOMMU group' "$tmp/out" | awk '{print $3}' | tr '\n' ' ')
expect_eq "z170: groups in numeric order" "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 " "$order"

# --- JSON
vf z170 list --json >"$tmp/j" 2>/dev/null
expect_eq "json parses" 0 "$(jq empty "$tmp/j" >/dev/null 2>&1; echo $?)"
expect_eq "json iommu.enabled" true "$(jq -r .iommu.enabled "$tmp/j")"
expect_eq "json group ids" "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16" "$(jq -r '[.groups[].id] | map(tostring) | join(" ")' "$tmp/j")"
expect_eq "json GTX 970 object" '{"address":"0000:02:00.0","class":"0300","vendor":"10de","device":"13c2","driver":"nouveau","group":13}' \
	"$(jq -c '.groups[] | .devices[] | select(.address=="0000:02:00.0") | {address,class,vendor,device,driver,group}' "$tmp/j")"
expect_eq "json null driver" null "$(jq -c '.groups[].devices[] | select(.address=="0000:00:1f.0") | .driver' "$tmp/j")"
expect_eq "json candidate modules from libkmod" '["nouveau"]' "$(jq -c '.groups[].devices[] | select(.address=="0000:02:00.0") | .modules' "$tmp/j")"
expect_eq "json flags" '["boot-vga"]' "$(jq -c '.groups[].devices[] | select(.address=="0000:01:00.0") | .flags' "$tmp/j")"
expect_eq "json kernels and virqfd" "6.1.0-18-amd64:true 6.5.0-0.deb12.4-amd64:false" \
	"$(jq -r '[.host.kernels[] | "\(.version):\(.vfio_virqfd_module)"] | join(" ")' "$tmp/j")"
expect_eq "json nothing ungrouped" 0 "$(jq '.ungrouped | length' "$tmp/j")"
expect_eq "json reset method" "flr,bus" "$(jq -r '.groups[].devices[] | select(.address=="0000:06:00.0") | .reset_method' "$tmp/j")"
expect_eq "json parent bridge" "0000:00:1b.0" "$(jq -r '.groups[].devices[] | select(.address=="0000:02:00.0") | .parent' "$tmp/j")"

# --- twin GPUs: identical IDs are named
vf twin-gpus list --json >"$tmp/t" 2>/dev/null
expect_eq "twins: same-id-as the other card" '["0000:01:00.0"]' \
	"$(jq -c '.groups[].devices[] | select(.address=="0000:02:00.0") | .same_id_as' "$tmp/t")"
expect_eq "twins: bridges carry no same-id" '[]' \
	"$(jq -c '.groups[].devices[] | select(.address=="0000:00:01.0") | .same_id_as' "$tmp/t")"

# --- SR-IOV: PF/VF relations, second PCI domain
vf sriov list --json >"$tmp/s" 2>/dev/null
expect_eq "sriov: PF has 4 VFs" 4 "$(jq '.groups[].devices[] | select(.address=="0001:5e:00.0") | .num_vfs' "$tmp/s")"
expect_eq "sriov: VF names its PF" "0001:5e:00.0" "$(jq -r '.groups[].devices[] | select(.address=="0001:5e:10.6") | .physfn' "$tmp/s")"
expect_eq "sriov: VF flags" '["sriov-vf","same-id"]' "$(jq -c '.groups[].devices[] | select(.address=="0001:5e:10.2") | .flags' "$tmp/s")"

# --- GPU with audio, USB and UCSI functions: one group, four functions
vf gpu-functions list --json >"$tmp/g" 2>/dev/null
expect_eq "gpu-functions: group 1 members" "0000:00:01.0 0000:01:00.0 0000:01:00.1 0000:01:00.2 0000:01:00.3" \
	"$(jq -r '.groups[] | select(.id==1) | [.devices[].address] | join(" ")' "$tmp/g")"

# --- IOMMU off: says so, says how (by CPU vendor), lists devices, exit 0
vf iommu-off list >"$tmp/off" 2>&1; rc=$?
expect_eq "iommu-off: exit 0" 0 "$rc"
expect_contains "iommu-off: says off" "$tmp/off" "IOMMU: off"
expect_contains "iommu-off: AMD advice: the firmware, no parameter" "$tmp/off" "enable IOMMU (AMD-Vi; on some boards under SVM or NBIO) in the firmware setup and reboot; the kernel needs no parameter for it"
expect_not_contains "iommu-off: never amd_iommu=on" "$tmp/off" "amd_iommu=on"
expect_contains "iommu-off: devices still listed" "$tmp/off" "0000:0a:00.0 VGA compatible controller"
vf iommu-off list --json >"$tmp/offj" 2>/dev/null
expect_eq "iommu-off json: enabled false" false "$(jq .iommu.enabled "$tmp/offj")"
expect_eq "iommu-off json: all ungrouped with group null" "6 true" \
	"$(jq -r '"\(.ungrouped | length) \(all(.ungrouped[]; .group == null))"' "$tmp/offj")"
expect_eq "iommu-off json: enable_param (AMD: none)" null "$(jq -r .iommu.enable_param "$tmp/offj")"

# --- not a sysfs tree: clear message, non-zero exit
mkdir -p "$tmp/empty"
"$VFIOCONF" --sysfs "$tmp/empty" --procfs "$tmp/empty" --root "$tmp/empty" list >"$tmp/o" 2>"$tmp/e"; rc=$?
expect_eq "not sysfs: exit 1" 1 "$rc"
expect_contains "not sysfs: message names the path" "$tmp/e" "$tmp/empty: not a sysfs tree"
"$VFIOCONF" --sysfs "$tmp/nonexistent" list >"$tmp/o" 2>"$tmp/e"; rc=$?
expect_eq "missing --sysfs dir: exit 1" 1 "$rc"
expect_contains "missing --sysfs dir: message" "$tmp/e" "--sysfs $tmp/nonexistent: not a directory"

# --- usage errors
"$VFIOCONF" frobnicate >/dev/null 2>"$tmp/e"; rc=$?
expect_eq "unknown command: exit 2" 2 "$rc"
expect_contains "unknown command: named" "$tmp/e" "unknown command 'frobnicate'"
"$VFIOCONF" --bogus >/dev/null 2>&1; rc=$?
expect_eq "unknown option: exit 2" 2 "$rc"
vf z170 list extra >/dev/null 2>"$tmp/e"; rc=$?
expect_eq "list with a stray argument: exit 2" 2 "$rc"

# The IOMMU's kind comes from what the kernel lists, not from the CPU:
# QEMU TCG pairs an AMD CPU with intel-iommu (seen in make check-vm).
cp -a "$ROOTS/z170" "$tmp/m"
sed -i 's/GenuineIntel/AuthenticAMD/' "$tmp/m/proc/cpuinfo"
"$VFIOCONF" --root "$tmp/m/root" --sysfs "$tmp/m/sys" --procfs "$tmp/m/proc" list --json >"$tmp/j"
expect_eq "AMD CPU with a dmar unit: intel_iommu=on" "amd intel intel_iommu=on" \
	"$(jq -r '"\(.host.cpu_vendor) \(.iommu.vendor) \(.iommu.enable_param)"' "$tmp/j")"
mv "$tmp/m/sys/class/iommu/dmar0" "$tmp/m/sys/class/iommu/ivhd0"
sed -i 's/AuthenticAMD/GenuineIntel/' "$tmp/m/proc/cpuinfo"
"$VFIOCONF" --root "$tmp/m/root" --sysfs "$tmp/m/sys" --procfs "$tmp/m/proc" list --json >"$tmp/j"
expect_eq "Intel CPU with an ivhd unit: no parameter" "intel amd null" \
	"$(jq -r '"\(.host.cpu_vendor) \(.iommu.vendor) \(.iommu.enable_param)"' "$tmp/j")"

# --- interrupt remapping (PROCFS/interrupts) and the boot framebuffer in a
# GPU's BAR (PROCFS/iomem): the single-GPU desktop
vf single-gpu list --json >"$tmp/j" 2>/dev/null
expect_eq "IR- chips in /proc/interrupts: remapping on" true "$(jq -r .iommu.interrupt_remapping "$tmp/j")"
expect_eq "BOOTFB nested under 2b:00.0's BAR in /proc/iomem: that GPU holds it" "0000:2b:00.0 BOOTFB" \
	"$(jq -r '.groups[].devices[] | select(.boot_framebuffer != null) | "\(.address) \(.boot_framebuffer)"' "$tmp/j")"
vf z170 list --json >"$tmp/j" 2>/dev/null
expect_eq "no /proc/interrupts: remapping unknown (null)" null "$(jq -r .iommu.interrupt_remapping "$tmp/j")"
i="$tmp/ir"
cp -a "$ROOTS/single-gpu" "$i"
sed -i 's/IR-IO-APIC/ IO-APIC/; s/IR-PCI-MSI-0000:00:1f.2/ PCI-MSI 512000/' "$i/proc/interrupts"
# without root /proc/iomem shows every address as 0; names and nesting stay
sed -i 's/^\( *\)[0-9a-f]*-[0-9a-f]* :/\100000000-00000000 :/' "$i/proc/iomem"
iv() { "$VFIOCONF" --root "$i/root" --sysfs "$i/sys" --procfs "$i/proc" "$@"; }
iv list >"$tmp/out" 2>&1
expect_contains "remapping off: list says what it means and where to turn it on" "$tmp/out" \
	"Interrupt remapping is OFF: vfio refuses to hand a device's interrupts to a VM unless vfio_iommu_type1 allow_unsafe_interrupts=1"
iv list --json >"$tmp/j" 2>/dev/null
expect_eq "remapping off: false in JSON" false "$(jq -r .iommu.interrupt_remapping "$tmp/j")"
expect_eq "iomem without root (addresses 0): the framebuffer still found" "0000:2b:00.0" \
	"$(jq -r '.groups[].devices[] | select(.boot_framebuffer != null) | .address' "$tmp/j")"
iv plan --select 2b:00.0 --take-from-host 0000:2b:00.0 >"$tmp/out" 2>&1
expect_contains "plan: taking the GPU with the boot framebuffer warns, with the remedy" "$tmp/out" \
	"0000:2b:00.0 (GA106 [GeForce RTX 3060 Lite Hash Rate]) holds the firmware's boot framebuffer (BOOTFB in /proc/iomem)"
expect_contains "plan: the remedy" "$tmp/out" "add initcall_blacklist=sysfb_init"
vf z170 plan --select 02:00.0 >"$tmp/out" 2>&1
expect_not_contains "plan: no framebuffer, no such warning" "$tmp/out" "boot framebuffer"
iv apply --select 2b:00.0 --take-from-host 0000:2b:00.0 --yes >/dev/null 2>&1
iv status >"$tmp/out" 2>&1
expect_contains "status: remapping off is said there too" "$tmp/out" "Interrupt remapping is OFF"

finish
