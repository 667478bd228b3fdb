#!/bin/sh
# tests/vm/inside.sh - runs once at boot inside the test VM (a systemd
# oneshot after udev has settled), then powers it off. Everything it finds
# goes into one tar archive written raw to the second disk (/dev/vdb), which
# the host reads back with tar: no network, no loop mount, no tty.
#   list.json     vfioconf list --json, run on the real /sys
#   status.txt    vfioconf status, and its exit code in status.rc
#   capture.*     the sysfs and procfs files vfioconf reads, for
#                 vfioconf --root ROOT --sysfs CAP/sys --procfs CAP/proc on
#                 the host (the way a rescue system sees a machine)
#   times         how long the steps took
#   cmdline, dmesg-vfio.txt, modprobe.txt
set -u
out=/run/vmtest
rm -rf "$out"; mkdir -p "$out"
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH LC_ALL=C

cat /proc/cmdline >"$out/cmdline"
echo "userspace $(cut -d' ' -f1 /proc/uptime) s" >"$out/times"
t=$(date +%s%N)
vfioconf list --json >"$out/list.json" 2>"$out/list.err"
echo $? >"$out/list.rc"
echo "list $(( ($(date +%s%N) - t) / 1000000 )) ms" >>"$out/times"
vfioconf status >"$out/status.txt" 2>&1
echo $? >"$out/status.rc"

dmesg 2>/dev/null | grep -i -e vfio -e 'DMAR' | head -100 >"$out/dmesg-vfio.txt"
grep -rh . /etc/modprobe.d 2>/dev/null >"$out/modprobe.txt"

# The capture: a manifest the host turns back into a tree (tests/vm/
# uncapture.sh): directories and symlinks as they are, and the attributes
# vfioconf and libpci read, with their contents. sysfs files claim 4096
# bytes, so tar or cp would pad them; head reads what is there. Two
# processes in all: forks are slow under TCG.
t=$(date +%s%N)
trees="/sys/devices/pci0000:00 /sys/devices/virtual/net /sys/devices/virtual/block
	/sys/devices/virtual/iommu /sys/bus/pci/devices /sys/bus/pci/drivers /sys/kernel/iommu_groups
	/sys/class/iommu /sys/class/net /sys/class/block /sys/block /sys/dev/block /sys/bus/pci/slots"
# shellcheck disable=SC2086
find $trees \( -type d -printf 'D %p\n' \) -o \( -type l -printf 'L %p %l\n' \) 2>/dev/null >"$out/capture.links"
# shellcheck disable=SC2086
find $trees -type f \( -name vendor -o -name device -o -name subsystem_vendor -o -name subsystem_device \
	-o -name class -o -name revision -o -name modalias -o -name boot_vga -o -name reset_method \
	-o -name sriov_numvfs -o -name sriov_totalvfs -o -name dev -o -name name -o -name irq \
	-o -name numa_node -o -name label -o -name type -o -name resource -o -name lower_\* \
	-o -name address \) \
	-exec head -v -n 64 {} + >"$out/capture.files" 2>/dev/null
head -v -n 512 /proc/cpuinfo /proc/cmdline /proc/swaps /proc/self/mountinfo /proc/net/route \
	/proc/net/ipv6_route /proc/sys/kernel/osrelease /proc/interrupts /proc/iomem >>"$out/capture.files" 2>/dev/null
echo "capture $(( ($(date +%s%N) - t) / 1000000 )) ms" >>"$out/times"

tar -cf /dev/vdb -C "$out" . && sync
