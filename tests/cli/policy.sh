#!/bin/sh
# Which devices may go (issue 13): the chipset's own functions are
# structure, never candidates, and a group that holds them goes only on a
# typed confirmation; a GPU's companions are its own audio, USB and UCSI
# functions, not an APU's SoC functions; a VF goes alone; a host-critical
# device keeps its group whatever its driver state; what a refused device
# would have brought is not bound; the AMD IOMMU gets no amd_iommu=on.
. "$top_srcdir/tests/lib.sh"

plan() { # OUT MACHINE ARGS...: plan on a fixture, exit status in $rc
	_o=$1; shift
	vf "$@" >"$_o" 2>&1; rc=$?
}
bound() { # FILE: the addresses under "Bind N devices", sorted, one line
	sed -n '/^Bind [0-9]* device/,/^[A-Z]/p' "$1" | sed -n 's/^  \(0000:[^ ]*\) .*/\1/p' | sort | tr '\n' ' '
}

# --- an Intel chipset's 00:1f.x: LPC, PMC, HD audio and SMBus in one group
plan "$tmp/o" z170 plan --select 0000:00:1f.3
expect_eq "onboard audio beside the chipset: refused, exit 3" 3 "$rc"
expect_contains "chipset group: names the LPC bridge and its driver" "$tmp/o" "0000:00:1f.0 (ISA bridge (LPC), driver none)"
expect_contains "chipset group: names the memory controller (PMC)" "$tmp/o" "0000:00:1f.2 (memory controller, driver none)"
expect_contains "chipset group: names SMBus and its driver" "$tmp/o" "0000:00:1f.4 (SMBus controller, driver i801_smbus)"
expect_contains "chipset group: says how to confirm" "$tmp/o" "--take-from-host 0000:00:1f.3"
expect_contains "fully refused: says nothing changes" "$tmp/o" "Refused: nothing changes."
expect_not_contains "fully refused: not 'nothing to do'" "$tmp/o" "Nothing to do"
expect_eq "chipset group: nothing bound" "" "$(bound "$tmp/o")"

plan "$tmp/o" z170 plan --select 0000:00:1f.3 --take-from-host 0000:00:1f.3
expect_eq "chipset group on a typed confirmation: planned" 0 "$rc"
expect_eq "chipset group on a typed confirmation: every function of the slot goes" \
	"0000:00:1f.0 0000:00:1f.2 0000:00:1f.3 0000:00:1f.4 " "$(bound "$tmp/o")"
expect_contains "confirmed: says the host loses SMBus, by name and driver" "$tmp/o" \
	"0000:00:1f.4 (100 Series/C230 Series Chipset Family SMBus) goes to vfio-pci too"
expect_contains "confirmed: warns about the whole group" "$tmp/o" "is taken from the host with IOMMU group 10, as you confirmed; the group also holds the chipset's 0000:00:1f.0"

plan "$tmp/o" z170 plan --select 0000:00:1f.4
expect_eq "SMBus itself: refused" 3 "$rc"
expect_contains "SMBus itself: the reason" "$tmp/o" "0000:00:1f.4 (100 Series/C230 Series Chipset Family SMBus) is a platform function (SMBus controller)"
plan "$tmp/o" z170 plan --select 0000:00:1f.4 --take-from-host 0000:00:1f.4
expect_eq "SMBus itself: no confirmation takes it" 3 "$rc"
expect_contains "SMBus itself: confirmed or not, the reason" "$tmp/o" "is a platform function (SMBus controller)"
plan "$tmp/o" z170 plan --select 0000:00:00.0
expect_contains "host bridge: refused" "$tmp/o" "is a platform function (host bridge)"

vf z170 list >"$tmp/l"
expect_contains "list: platform functions flagged" "$tmp/l" "SMBus [0c05]: Intel Corporation 100 Series/C230 Series Chipset Family SMBus [8086:a123] (rev 31)  driver: i801_smbus  [platform]"
vf z170 list --json >"$tmp/j"
expect_eq "json: platform kinds" "host bridge,ISA bridge (LPC),memory controller,SMBus controller" \
	"$(jq -r '[.groups[].devices[] | select(.platform) | .platform] | join(",")' "$tmp/j")"

# --- an AMD board: the data fabric at 00:18.x and 1300 more such functions
{
	sed -n '/^cpu/,/^module/p' "$top_srcdir/tests/fixtures/amd-biggroup.machine" | grep -v '^dev'
	for f in 0 1 2 3 4 5 6 7; do echo "dev 00:18.$f 1022:144$f 060000 group=1"; done
	n=0
	for dom in 1 2 3 4 5 6; do
		for s in $(seq 0 31); do
			for f in 0 1 2 3 4 5 6 7; do
				[ $n -lt 1300 ] || break 3
				printf 'dev %04x:00:%02x.%d 1022:1482 060000 group=%d\n' "$dom" "$s" "$f" $((n + 2))
				n=$((n + 1))
			done
		done
	done
} >"$tmp/fabric.machine"
CC=${CC:-cc} sh "$top_srcdir/tests/tools/build-fixture.sh" "$top_builddir/tests/tools/mkfixture" \
	"$tmp/fabric.machine" "$tmp/fabric" >/dev/null 2>&1 || { not_ok "fabric machine built"; finish; }
fv() { "$VFIOCONF" --root "$tmp/fabric/root" --sysfs "$tmp/fabric/sys" --procfs "$tmp/fabric/proc" "$@"; }
fv list --json >"$tmp/fj" 2>/dev/null
expect_eq "1308 host bridges: every one a platform function" 1308 \
	"$(jq '[.groups[].devices[] | select(.platform == "host bridge")] | length' "$tmp/fj")"
all=$(jq -r '[.groups[].devices[].address] | join(",")' "$tmp/fj")
fv plan --select "$all" >"$tmp/o" 2>&1; rc=$?
expect_eq "all 1308 selected: refused" 3 "$rc"
expect_eq "all 1308 selected: each refused by name" 1308 "$(grep -c 'is a platform function (host bridge)' "$tmp/o")"
expect_eq "all 1308 selected: none bound" "" "$(bound "$tmp/o")"

# --- an APU: the GPU's card is the GPU and its HDMI audio, not the SoC
plan "$tmp/o" apu plan --select 0000:07:00.0
expect_eq "APU GPU: planned" 0 "$rc"
expect_eq "APU GPU: the GPU and its HDMI audio, nothing else" "0000:07:00.0 0000:07:00.1 " "$(bound "$tmp/o")"
expect_not_contains "APU GPU: the security processor stays" "$tmp/o" "0000:07:00.2"
expect_not_contains "APU GPU: the SoC's USB stays" "$tmp/o" "0000:07:00.3"
# a discrete card: audio, USB-C and UCSI of the GPU's vendor come along
plan "$tmp/o" gpu-functions plan --select 0000:01:00.0
expect_eq "discrete card: all four functions" "0000:01:00.0 0000:01:00.1 0000:01:00.2 0000:01:00.3 " "$(bound "$tmp/o")"
expect_contains "discrete card: UCSI noted as the card's" "$tmp/o" "0000:01:00.3 (TU106 USB Type-C UCSI Controller) added: another function of 0000:01:00.0's card"

# --- SR-IOV: a VF goes alone; the PF never takes its VFs
plan "$tmp/o" apu plan --select 0000:06:00.2
expect_eq "a VF: alone" "0000:06:00.2 " "$(bound "$tmp/o")"
plan "$tmp/o" apu plan --select 0000:06:00.0
expect_eq "the PF: with its other port, not its VFs" "0000:06:00.0 0000:06:00.1 " "$(bound "$tmp/o")"
vf apu list >"$tmp/l"
expect_contains "list: the VF names its PF" "$tmp/l" "[sriov-vf of 0000:06:00.0"
expect_contains "list: the PF names its VFs" "$tmp/l" "[sriov-pf with VFs 0000:06:00.2 0000:06:00.3"
vf apu list --json >"$tmp/j"
expect_eq "json: vfs and physfn" "0000:06:00.2 0000:06:00.3 0000:06:00.0" \
	"$(jq -r '[.groups[].devices[] | select(.address == "0000:06:00.0") | .vfs[]] + [.groups[].devices[] | select(.address == "0000:06:00.3") | .physfn] | join(" ")' "$tmp/j")"

# --- a boot VGA with no driver and no module is still the host's
plan "$tmp/o" apu plan --select 0000:04:00.0
expect_eq "beside a driverless boot VGA: refused" 3 "$rc"
expect_contains "beside a driverless boot VGA: the reason" "$tmp/o" "IOMMU group 3 also holds 0000:03:00.0 (ASPEED Graphics Family), which stays with the host: boot VGA"

# --- a refused GPU brings nothing along
plan "$tmp/o" z170 plan --select 0000:01:00.0
expect_eq "boot GPU: refused" 3 "$rc"
expect_eq "boot GPU: its audio is not bound either" "" "$(bound "$tmp/o")"
expect_not_contains "boot GPU: no note that its audio comes along" "$tmp/o" "added: another function of 0000:01:00.0's card"
expect_not_contains "boot GPU: its audio not refused as if it went along" "$tmp/o" "0000:01:00.1 (Fiji HDMI/DP Audio [Radeon R9 Nano / FURY/FURY X]) cannot go"

# --- AMD: the IOMMU takes no parameter
d="$tmp/amd"
cp -a "$ROOTS/amd-biggroup" "$d"
cp -a "$top_srcdir/tests/fixtures/distros/debian/." "$d/root/"
"$VFIOCONF" --root "$d/root" --sysfs "$d/sys" --procfs "$d/proc" plan --select 0000:07:00.1 >"$tmp/o" 2>&1
expect_contains "AMD plan: sets iommu=pt" "$tmp/o" "iommu=pt"
expect_not_contains "AMD plan: never amd_iommu=on" "$tmp/o" "amd_iommu=on"

# --- Intel: intel_iommu=on only where a kernel does not turn it on itself
d="$tmp/intel"
cp -a "$ROOTS/debian" "$d"
dv() { "$VFIOCONF" --root "$d/root" --sysfs "$d/sys" --procfs "$d/proc" "$@"; }
printf 'CONFIG_X86=y\nCONFIG_INTEL_IOMMU=y\nCONFIG_INTEL_IOMMU_DEFAULT_ON=y\n' >"$d/root/boot/config-6.1.0-18-amd64"
printf 'CONFIG_INTEL_IOMMU=y\n# CONFIG_INTEL_IOMMU_DEFAULT_ON is not set\n' >"$d/root/boot/config-6.5.0-0.deb12.4-amd64"
dv plan --select 0000:02:00.0 >"$tmp/o" 2>&1
expect_contains "one kernel without the default: intel_iommu=on added" "$tmp/o" "intel_iommu=on iommu=pt"
expect_contains "one kernel without the default: says which" "$tmp/o" \
	"intel_iommu=on is added for 6.5.0-0.deb12.4-amd64; 6.1.0-18-amd64 would turn the Intel IOMMU on by itself"
cp "$d/root/boot/config-6.1.0-18-amd64" "$d/root/boot/config-6.5.0-0.deb12.4-amd64"
dv plan --select 0000:02:00.0 >"$tmp/o" 2>&1
expect_not_contains "every kernel on by default: no intel_iommu=on" "$tmp/o" "intel_iommu=on iommu=pt"
expect_contains "every kernel on by default: says so" "$tmp/o" \
	"intel_iommu=on is not added: every installed kernel (6.1.0-18-amd64, 6.5.0-0.deb12.4-amd64) turns the Intel IOMMU on by itself"
expect_contains "every kernel on by default: iommu=pt still set" "$tmp/o" "iommu=pt\""

# --- SEV-SNP: iommu=pt would turn SNP off
mkdir -p "$tmp/amd/sys/module/kvm_amd/parameters"
echo Y >"$tmp/amd/sys/module/kvm_amd/parameters/sev_snp"
"$VFIOCONF" --root "$tmp/amd/root" --sysfs "$tmp/amd/sys" --procfs "$tmp/amd/proc" plan --select 0000:07:00.1 >"$tmp/o" 2>&1
expect_not_contains "SEV-SNP: no iommu=pt" "$tmp/o" "iommu=pt\""
expect_contains "SEV-SNP: says why" "$tmp/o" "iommu=pt is not added: SEV-SNP is on (kvm_amd sev_snp=Y)"
echo N >"$tmp/amd/sys/module/kvm_amd/parameters/sev_snp"
"$VFIOCONF" --root "$tmp/amd/root" --sysfs "$tmp/amd/sys" --procfs "$tmp/amd/proc" plan --select 0000:07:00.1 >"$tmp/o" 2>&1
expect_contains "SEV-SNP off: iommu=pt as usual" "$tmp/o" "iommu=pt"

finish
