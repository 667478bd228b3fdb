#!/bin/sh
# Host-critical devices: the storage under /, /boot, swap and fstab mounts
# (through dm/md layers), the NIC carrying the SSH session (through bridges
# and bonds), the boot VGA.
. "$top_srcdir/tests/lib.sh"
need jq

flags() { # MACHINE ADDR -> flags as a compact JSON array
	vf "$1" list --json 2>/dev/null |
	jq -c --arg a "$2" '(.groups[].devices[], .ungrouped[]) | select(.address == $a) | .flags - ["same-id","bridge","sriov-pf","sriov-vf"]'
}

expect_eq "z170: SATA holds /, /boot/efi, swap" '["root-disk","boot-disk","swap-disk"]' "$(flags z170 0000:00:17.0)"
expect_eq "z170: eno1 carries SSH" '["ssh-nic"]' "$(flags z170 0000:00:1f.6)"
expect_eq "z170: boot GPU" '["boot-vga"]' "$(flags z170 0000:01:00.0)"
expect_eq "z170: guest GPU is free" '[]' "$(flags z170 0000:02:00.0)"

expect_eq "twin-gpus: LVM root and swap through dm slaves" '["root-disk","boot-disk","swap-disk"]' "$(flags twin-gpus 0000:00:17.0)"
expect_eq "twin-gpus: SSH on the second NIC only" '["ssh-nic"]' "$(flags twin-gpus 0000:04:00.0)"
expect_eq "twin-gpus: first NIC free" '[]' "$(flags twin-gpus 0000:03:00.0)"
expect_eq "twin-gpus: first card is the boot GPU" '["boot-vga"]' "$(flags twin-gpus 0000:01:00.0)"
expect_eq "twin-gpus: second card free" '[]' "$(flags twin-gpus 0000:02:00.0)"

expect_eq "proxmox: LUKS-on-LVM root on NVMe" '["root-disk","boot-disk"]' "$(flags proxmox-bond 0000:01:00.0)"
expect_eq "proxmox: bonded port 0 under vmbr0" '["ssh-nic"]' "$(flags proxmox-bond 0000:02:00.0)"
expect_eq "proxmox: bonded port 1 under vmbr0" '["ssh-nic"]' "$(flags proxmox-bond 0000:02:00.1)"
expect_eq "proxmox: third port free" '[]' "$(flags proxmox-bond 0000:02:00.2)"

expect_eq "amd: swapfile on / counts for the NVMe" '["root-disk","boot-disk","swap-disk"]' "$(flags amd-biggroup 0000:01:00.0)"
expect_eq "amd: /home on the chipset SATA" '["mount-disk"]' "$(flags amd-biggroup 0000:02:00.1)"
vf amd-biggroup list >"$tmp/amd" 2>/dev/null
expect_contains "amd: the big group says it holds host-critical devices" "$tmp/amd" "IOMMU group 10  (holds host-critical devices)"

expect_eq "sriov: SAS HBA holds /" '["root-disk"]' "$(flags sriov 0000:03:00.0)"
expect_eq "sriov: SSH on the second port" '["ssh-nic"]' "$(flags sriov 0001:5e:00.1)"
expect_eq "sriov: first port free" '[]' "$(flags sriov 0001:5e:00.0)"
expect_eq "q35: virtio disk holds /" '["root-disk"]' "$(flags qemu-q35 0000:01:00.0)"
expect_eq "q35: virtio NIC carries SSH" '["ssh-nic"]' "$(flags qemu-q35 0000:04:00.0)"

# No SSH session: nothing flagged as ssh-nic.
d="$ROOTS/z170"
out=$(SSH_CONNECTION= "$VFIOCONF" --root "$d/root" --sysfs "$d/sys" --procfs "$d/proc" list --json 2>/dev/null |
	jq -c '[.groups[].devices[] | select(.flags | index("ssh-nic"))] | length')
expect_eq "no SSH session: no ssh-nic" 0 "$out"

# Malformed SSH_CONNECTION: a warning, no crash.
SSH_CONNECTION=garbage "$VFIOCONF" --root "$d/root" --sysfs "$d/sys" --procfs "$d/proc" list >/dev/null 2>"$tmp/e"; rc=$?
expect_eq "bad SSH_CONNECTION: exit 0" 0 "$rc"
expect_contains "bad SSH_CONNECTION: warned" "$tmp/e" "SSH_CONNECTION='garbage'"

# IPv6 session routed by /proc/net/ipv6_route; IPv4-mapped clients too.
m="$tmp/v6"
cp -a "$ROOTS/z170" "$m"
cat >"$m/proc/net/ipv6_route" <<'R'
fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eno1
20010db8000100000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eno1
00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000003 00000000 80200001       lo
R
run6() { SSH_CONNECTION="$1" "$VFIOCONF" --root "$m/root" --sysfs "$m/sys" --procfs "$m/proc" list --json 2>"$tmp/e6"; }
expect_eq "IPv6 client routes to eno1" '"eno1"' "$(run6 '2001:db8:1::99 40000 2001:db8:1::10 22' | jq .host.ssh.interface)"
expect_eq "IPv4-mapped client routes to eno1" '"eno1"' "$(run6 '::ffff:192.168.1.50 40000 ::ffff:192.168.1.10 22' | jq .host.ssh.interface)"
run6 '2001:db8:99::1 40000 2001:db8:1::10 22' >/dev/null
expect_contains "unroutable client: warned" "$tmp/e6" "no route found"

# Rescue layout: the installed root mounted at ROOT=/mnt-like path.
r="$tmp/rescue"
cp -a "$ROOTS/z170" "$r"
sed -i "s# 8:2 / / # 8:2 / $r/root #; s# 8:1 / /boot/efi # 8:1 / $r/root/boot/efi #" "$r/proc/self/mountinfo"
printf '99 1 0:5 / / rw - tmpfs rescuefs rw\n' >>"$r/proc/self/mountinfo"
out=$("$VFIOCONF" --root "$r/root" --sysfs "$r/sys" --procfs "$r/proc" list --json 2>/dev/null |
	jq -c '[.host.mounts[] | "\(.target)=\(.devices | join(","))"]')
expect_eq "rescue: installed root's mounts under ROOT are found" '["/=0000:00:17.0","/boot/efi=0000:00:17.0","swap=0000:00:17.0"]' "$out"

# Forcing one: only with its full address typed out (--take-from-host), and
# then with a warning that says what the host loses and how to come back.
vf z170 plan --select 0000:00:01.0,0000:00:1f.6 >"$tmp/o" 2>&1
expect_eq "the SSH NIC alone is refused (exit 3)" 3 $?
expect_contains "the refusal says why" "$tmp/o" "0000:00:1f.6 (Ethernet Connection (2) I219-V) stays with the host: carries this SSH session"
vf z170 plan --select 0000:00:1f.6 --take-from-host 0000:00:1f.6 >"$tmp/o" 2>&1
expect_eq "typed out: planned (exit 0)" 0 $?
expect_contains "typed out: the warning" "$tmp/o" "0000:00:1f.6 (Ethernet Connection (2) I219-V) is taken from the host, as you confirmed: carries this SSH session"
expect_contains "typed out: the way back" "$tmp/o" "vfioconf --root /mnt rollback"
vf z170 plan --select 0000:00:1f.6 --take-from-host 00:1f.6 >"$tmp/o" 2>&1
expect_eq "a short address is not a confirmation (exit 2)" 2 $?
expect_contains "it asks for the full one" "$tmp/o" "type the full address, 0000:00:1f.6"
vf z170 plan --select 0000:02:00.0 --take-from-host 0000:02:00.0 >"$tmp/o" 2>&1
expect_eq "a device the host does not need: exit 2" 2 $?
expect_contains "and why" "$tmp/o" "0000:02:00.0 is not a device the host needs, nor in a group with the chipset's functions; --select is enough"
vf z170 plan --select 0000:02:00.0 --take-from-host 0000:00:1f.6 >"$tmp/o" 2>&1
expect_eq "confirming an unselected device: exit 2" 2 $?
expect_contains "and why" "$tmp/o" "0000:00:1f.6 is not selected; add it to --select"

# apply keeps the confirmation in devices.conf: the next plan is quiet
cp -a "$ROOTS/debian" "$tmp/deb"
d="$tmp/deb"
dv() { SSH_CONNECTION=$(cat "$d/ssh_connection") "$VFIOCONF" --root "$d/root" --sysfs "$d/sys" --procfs "$d/proc" "$@"; }
dv apply --select 0000:00:1f.6 --take-from-host 0000:00:1f.6 --yes --no-regenerate >"$tmp/o" 2>&1
expect_eq "apply with the confirmation: exit 0" 0 $?
expect_contains "devices.conf records it" "$d/root/etc/vfioconf/devices.conf" "taken-from-host = yes"
dv plan >"$tmp/o" 2>&1
expect_eq "re-plan from devices.conf: nothing to do, exit 4" 4 $?
expect_contains "re-plan from devices.conf: nothing to do" "$tmp/o" "Nothing to do"
dv plan --select 0000:00:1f.6 >"$tmp/o" 2>&1
expect_eq "a new --select must confirm again (refused, exit 3)" 3 $?

finish
