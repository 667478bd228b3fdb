#!/bin/sh
# The screen for a first-timer (issue 15, first part), headless: a class
# column; columns that use the terminal's width; the next boot's driver
# beside today's; search over class, driver and flags with a next-match
# key; Esc cancels a typed question; collapse and expand all; a legend in
# help; DEMO in the header; short transaction IDs that undo accepts.
. "$top_srcdir/tests/lib.sh"

hld() { # DIR SIZE KEYS [LOCALE]: the screen on a machine copy, the last one in $tmp/screen
	printf '%b' "$3" | env VFIOCONF_HEADLESS="$2" TERM=xterm-256color LC_ALL="${4:-C.UTF-8}" \
		"$VFIOCONF" --root "$1/root" --sysfs "$1/sys" --procfs "$1/proc" >"$tmp/screen" 2>"$tmp/err"
}
hl() { hld "$ROOTS/$1" "$2" "$3"; } # MACHINE SIZE KEYS
width() { LC_ALL=C.UTF-8 wc -L <"$1"; } # display columns (mawk's length counts bytes)

# the demo (./dev.sh try): a newcomer's first preview is clean, and offers
# to try the plan once before applying it
dm="$tmp/demo"
regen_stack "$dm" debian
sh "$top_srcdir/tests/tools/demo-trial.sh" "$top_srcdir" "$dm/root"
printf '%b' '/970\n p\033OF' | env VFIOCONF_HEADLESS=80x24 TERM=xterm LC_ALL=C.UTF-8 \
	SSH_CONNECTION="$(cat "$dm/ssh_connection")" "$VFIOCONF" --root "$dm/root" --sysfs "$dm/sys" \
	--procfs "$dm/proc" >"$tmp/screen" 2>"$tmp/err"
expect_contains "demo: the first preview ends offering to try it once" "$tmp/screen" "Press t to try it once first"
expect_contains "demo: the key line offers both" "$tmp/screen" "t try once  a apply"
printf '%b' '/970\n p' | env VFIOCONF_HEADLESS=80x200 TERM=xterm LC_ALL=C.UTF-8 \
	SSH_CONNECTION="$(cat "$dm/ssh_connection")" "$VFIOCONF" --root "$dm/root" --sysfs "$dm/sys" \
	--procfs "$dm/proc" >"$tmp/screen" 2>"$tmp/err"
expect_not_contains "demo: no warning in the first preview" "$tmp/screen" "Warning"
expect_not_contains "demo: no 'no trial boot here'" "$tmp/screen" "no trial boot here"

hl z170 80x24 ''
expect_contains "80x24: the column heads" "$tmp/screen" "      addr    class  name"
expect_contains "80x24: a short class per device" "$tmp/screen" "[ ] 00:14.0 USB    100 Series/C230 Series"
expect_contains "80x24: a bridge is marked as one" "$tmp/screen" " -  00:01.0 Bridge "
expect_contains "the header says DEMO (another machine's files)" "$tmp/screen" " vfioconf  DEMO  IOMMU on"

# the name takes the width it gets
hl gpu-functions 80x30 ''
expect_not_contains "80 columns: a long name is cut" "$tmp/screen" "TU106 USB Type-C UCSI Controller"
hl gpu-functions 120x30 ''
expect_contains "120 columns: the name is whole" "$tmp/screen" "[ ] 01:00.3 SerBus TU106 USB Type-C UCSI Controller"
expect_contains "120 columns: the driver is whole" "$tmp/screen" "snd_hda_intel"
expect_eq "120 columns: nothing wider" 1 "$([ "$(width "$tmp/screen")" -le 120 ] && echo 1)"

# the next boot's driver beside today's (the effective configuration)
d="$tmp/deb"
cp -a "$ROOTS/debian" "$d"
mkdir -p "$d/root/etc/modprobe.d"
echo "options vfio-pci ids=10de:13c2,10de:0fbb" >"$d/root/etc/modprobe.d/vfio.conf"
hld "$d" 100x60 ''
expect_contains "a hand-made ids=: the GPU's driver now and after the reboot" "$tmp/screen" "nouveau→vfio-pci"
hld "$d" 100x60 '' C
expect_contains "without UTF-8: an ASCII arrow" "$tmp/screen" "nouveau>vfio-pci"

# search: by class, then the next match
hl gpu-functions 80x30 '/VGA\n '
expect_contains "/VGA: the class finds the discrete GPU first" "$tmp/screen" "[x] 01:00.0 GPU"
hl gpu-functions 80x30 '/VGA\nn '
expect_contains "/VGA then n: the boot GPU, which asks for its address" "$tmp/screen" \
	"0000:00:02.0 stays with the host (its address was not typed)"
hl gpu-functions 80x30 'n'
expect_contains "n before any search: says how to search" "$tmp/screen" "no search yet: / searches"
hl gpu-functions 80x30 '/boot-vga\n '
expect_contains "a flag is searched too" "$tmp/screen" "0000:00:02.0 stays with the host"
hl gpu-functions 80x30 '/snd_hda\n '
expect_contains "a driver is searched too" "$tmp/screen" "[x] 01:00.1 Audio"
# the class column's word first: /NIC is the NIC, not the "Communication
# controller" (00:16.0, MEI) before it; n then goes on to the other matches
hl z170 80x40 '/NIC\n '
expect_contains "/NIC: the NIC first" "$tmp/screen" "[x] 00:1f.6 NIC"
expect_not_contains "/NIC: not the MEI (communication) before it" "$tmp/screen" "[x] 00:16.0"
hl z170 80x40 '/nic\nn '
expect_contains "/nic then n: the substring match after the class's" "$tmp/screen" "[x] 00:16.0 Comm"
expect_not_contains "/nic then n: the NIC left" "$tmp/screen" "[x] 00:1f.6"
hl z170 80x40 '/nic\nnn '
expect_contains "/nic, n, n: round to the NIC again" "$tmp/screen" "[x] 00:1f.6 NIC"
hl z170 80x40 '/usb\n n '
expect_contains "/usb, n: the class's devices in tree order (first)" "$tmp/screen" "[x] 00:14.0 USB"
expect_contains "/usb, n: the class's devices in tree order (second)" "$tmp/screen" "[x] 03:00.0 USB"

# Esc cancels the typed question, and the keys after it are keys again
hl gpu-functions 80x30 '/VGA\nn \033/UCSI\n '
expect_contains "Esc: the boot GPU stays" "$tmp/screen" "[ ] 00:02.0 GPU"
expect_contains "Esc: the next keys search and tick" "$tmp/screen" "[x] 01:00.3 SerBus"
hl gpu-functions 80x30 '/nvme\033 '
expect_contains "Esc at the search prompt: nothing searched" "$tmp/screen" "Space ticks a device; g ticks a whole group"

# collapse and expand every group
hl gpu-functions 80x30 '-'
expect_not_contains "-: every group closed" "$tmp/screen" "01:00.0"
expect_contains "-: the groups stay" "$tmp/screen" "▸ Group 1"
hl gpu-functions 80x30 '-+'
expect_contains "+: every group open again" "$tmp/screen" "01:00.0"

# the legend
# the man page's KEYS table renders without a blank line in it (a table
# that crosses groff's page length, 66 lines, gets one unless nokeep)
if command -v groff >/dev/null 2>&1; then
	groff -t -man -rcR=1 -Tutf8 -P-cbou "$top_srcdir/man/vfioconf.8" 2>/dev/null |
		sed -n '/^KEYS$/,/^COMMANDS$/p' | sed '1d;$d' | sed '$d' >"$tmp/keys"
	expect_eq "man page: the KEYS table has no blank line" "" "$(grep -n '^$' "$tmp/keys")"
	expect_eq "man page: a row per key" "$("$VFIOCONF" --list-keys | wc -l)" "$(wc -l <"$tmp/keys")"
fi

hl gpu-functions 80x50 '?'
expect_contains "help: what [+] means" "$tmp/screen" "[+] goes along with a ticked function of its"
expect_contains "help: the columns" "$tmp/screen" "Columns: the address, a short class"
expect_contains "help: the next-match key" "$tmp/screen" "n          the next match of the last search"

# short transaction IDs: history shows them, undo takes them (or a prefix)
a="$tmp/a"
regen_stack "$a" debian
at() { "$VFIOCONF" --root "$a/root" --sysfs "$a/sys" --procfs "$a/proc" "$@"; }
at apply --select 0000:02:00.0 --yes >/dev/null 2>&1 || not_ok "apply"
# the status view: before the reboot, then as after it
hld "$a" 100x30 ''
expect_contains "configured, not rebooted: the message line says so at once" "$tmp/screen" \
	"Status: 3 things are not as configured (before a reboot, that is expected); s shows which"
hld "$a" 100x30 's'
expect_contains "s: the status view" "$tmp/screen" "Status: is what was applied in force now?"
expect_contains "s: the GPU not yet on vfio-pci (the CLI's words)" "$tmp/screen" \
	"0000:02:00.0 [10de:13c2]  NOT on vfio-pci (driver: nouveau)"
expect_contains "s: a parameter the running kernel lacks" "$tmp/screen" "iommu=pt                     MISSING"
"$VFIOCONF" --root "$a/root" --sysfs "$a/sys" --procfs "$a/proc" status >"$tmp/cli-status" 2>&1
expect_contains "s: the same words as vfioconf status" "$tmp/cli-status" \
	"0000:02:00.0 [10de:13c2]  NOT on vfio-pci (driver: nouveau)"
mkdir -p "$a/sys/bus/pci/drivers/vfio-pci"
for f in 0000:02:00.0 0000:02:00.1; do
	ln -sfn ../../../../bus/pci/drivers/vfio-pci "$a/sys/bus/pci/devices/$f/driver"
done
sed -i 's/$/ iommu=pt/' "$a/proc/cmdline"
hld "$a" 100x30 ''
expect_contains "after the reboot: in force, on the message line" "$tmp/screen" \
	"Status: everything vfioconf configured is in force; s shows it"
hld "$a" 100x30 's'
expect_contains "s after the reboot: on vfio-pci" "$tmp/screen" "0000:02:00.0 [10de:13c2]  on vfio-pci"
expect_contains "s after the reboot: everything as configured" "$tmp/screen" "Everything is as configured."
hld "$a" 100x120 's'
expect_contains "s in force: the hand-off to libvirt" "$tmp/screen" "<hostdev mode='subsystem' type='pci' managed='yes'>"
expect_contains "s in force: the GPU's address in it" "$tmp/screen" "<address domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>"
expect_contains "s in force: the Proxmox mapping" "$tmp/screen" "pvesh create /cluster/mapping/pci"
hl debian 100x30 's'
expect_contains "s with nothing configured: says so" "$tmp/screen" "vfioconf has configured nothing here"
hl debian 100x30 '/970\n s'
expect_contains "s with unapplied ticks: they do not count" "$tmp/screen" "Ticks on the screen that are not applied yet do not count here."
full=$(at history --json | jq -r '.transactions[0].id')
short=$(at history --json | jq -r '.transactions[0].short_id')
expect_eq "history --json: the short ID is 8 hex digits of the ID's end" "${full##*-}" "$short$(echo "${full##*-}" | cut -c9-)"
at history >"$tmp/h"
expect_contains "history: the short ID first" "$tmp/h" "$short  apply"
at undo "$(echo "$short" | cut -c1-3)" --yes >"$tmp/o" 2>&1; rc=$?
expect_eq "undo with 3 characters: not enough, exit 1" 1 "$rc"
at undo "$(echo "$short" | cut -c1-5)" --yes >"$tmp/o" 2>&1; rc=$?
expect_eq "undo with 5 characters of the short ID: done" 0 "$rc"
expect_eq "history: the undo is of that transaction" "$short" "$(at history --json | jq -r '.transactions[-1].of' | sed 's/.*-//' | cut -c1-8)"
at history >"$tmp/h"
expect_contains "history: the undo names it by its short ID" "$tmp/h" "(of $short)"
# the screen's history as the CLI's: the short ID first, the undo "(of ID)"
hld "$a" 100x30 'h'
undo_short=$(at history --json | jq -r '.transactions[-1].short_id')
expect_eq "screen history: the short ID first, as 'vfioconf history'" 1 "$(grep -c "^$undo_short  undo " "$tmp/screen")"
expect_contains "screen history: the undo names it as the CLI does" "$tmp/screen" "(of $short)"
expect_eq "screen history: the lines start with the ID" "$(grep -c "^$short  apply " "$tmp/h")" \
	"$(grep -c "^$short  apply " "$tmp/screen")"

# the IOMMU off on Intel: the firmware's VT-d, the parameter, and after a
# reboot with the parameter but VT-d still off, the firmware named as the cause
o="$tmp/off"
regen_stack "$o" debian
rm -rf "$o/sys/kernel/iommu_groups" "$o/sys/class/iommu"
mkdir -p "$o/sys/kernel/iommu_groups" "$o/sys/class/iommu"
find "$o/sys/bus/pci/devices/" -name iommu_group -exec rm -f {} + 2>/dev/null
find "$o/sys/devices" -name iommu_group -type l -exec rm -f {} + 2>/dev/null
ov() { "$VFIOCONF" --root "$o/root" --sysfs "$o/sys" --procfs "$o/proc" "$@"; }
sed -i 's/ intel_iommu=on//' "$o/proc/cmdline"
ov list >"$tmp/l" 2>&1
expect_contains "Intel, IOMMU off: VT-d and the parameter" "$tmp/l" \
	"The IOMMU is off: enable VT-d in the firmware setup, and add intel_iommu=on (the plan does)"
ov plan --select none >"$tmp/p" 2>&1
expect_not_contains "IOMMU off, nothing vfioconf added: --select none adds nothing" "$tmp/p" "intel_iommu=on"
ov apply --enable-iommu --yes >"$tmp/o" 2>&1 || { not_ok "apply --enable-iommu"; sed 's/^/#   /' "$tmp/o"; }
sed -i 's/$/ intel_iommu=on/' "$o/proc/cmdline"
ov status >"$tmp/s" 2>&1
expect_contains "rebooted with intel_iommu=on, VT-d still off: status names the firmware" "$tmp/s" \
	"The IOMMU is off although the kernel was started with intel_iommu=on: the firmware has it off; enable VT-d"
ov plan --select none >"$tmp/p" 2>&1
expect_not_contains "IOMMU off: a plan with nothing selected keeps intel_iommu=on" "$tmp/p" "remove intel_iommu=on"
expect_contains "IOMMU off: nothing to do" "$tmp/p" "Nothing to do"
hld "$o" 80x24 ''
expect_contains "the screen says so too" "$tmp/screen" "The IOMMU is off although the kernel was started with"

# a group says at once whether it can go, and what comes along
hl z170 80x60 ''
expect_contains "verdict: a lone device is ready" "$tmp/screen" "Group 2   1 device  ready"
expect_contains "verdict: a GPU with its audio" "$tmp/screen" "Group 13  2 devices  ready, with its Audio"
expect_contains "verdict: the chipset's group" "$tmp/screen" "Group 10  4 devices  CHIPSET: goes only with the chipset's functions"
expect_contains "verdict: the root disk's group says why it stays" "$tmp/screen" \
	"Group 4   1 device  HOST: holds the root disk: stays"
expect_contains "verdict: the boot GPU's group says why it stays" "$tmp/screen" \
	"Group 12  2 devices  HOST: the boot GPU: stays"
expect_contains "verdict: a group of structure has one too" "$tmp/screen" \
	"Group 0   1 device  structure: stays with the host"
expect_contains "verdict: a bridge's group too" "$tmp/screen" "Group 15  1 device  structure: stays with the host"
expect_eq "verdict: every group header has one" "" \
	"$(grep -E '^[▾▸] Group [0-9]+ +[0-9]+ devices?$' "$tmp/screen")"
SSH_CONNECTION=$(cat "$ROOTS/z170/ssh_connection"); export SSH_CONNECTION
hl z170 80x60 ''
unset SSH_CONNECTION
expect_contains "verdict: the SSH NIC's group says why it stays" "$tmp/screen" \
	"Group 11  1 device  HOST: carries this SSH session: stays"
hl z170 80x50 '?'
expect_contains "help: the HOST verdict's why" "$tmp/screen" "HOST: ... stays, with why"
expect_contains "help: the structure verdict" "$tmp/screen" "structure (bridges or the chipset's"
hl gpu-functions 80x30 '/2070\n '
expect_contains "tick: what comes along is named at once" "$tmp/screen" \
	"01:00.0 ticked: 01:00.1 Audio, 01:00.2 USB, 01:00.3 SerBus come along"
hl z170 80x30 '/GTX\n '
expect_contains "tick: one function that comes along, in the singular" "$tmp/screen" "02:00.0 ticked: 02:00.1 Audio comes along"
hl gpu-functions 80x30 '/2070\n  '
expect_contains "untick: what goes with it is named" "$tmp/screen" "01:00.0 unticked: 01:00.1 Audio, 01:00.2 USB, 01:00.3 SerBus too"

# filters: usable groups only, then groups with a GPU, then all again
hl z170 80x24 'f'
expect_contains "f: usable groups only, said on the message line" "$tmp/screen" "Filter: usable groups only"
expect_not_contains "f: the root disk's group is hidden" "$tmp/screen" "Group 4 "
expect_not_contains "f: the chipset's group is hidden" "$tmp/screen" "Group 10 "
expect_not_contains "f: bridges are hidden" "$tmp/screen" "Bridge"
expect_contains "f: a usable group stays" "$tmp/screen" "Group 14  1 device  ready"
hl z170 80x24 'ff'
expect_eq "f f: only the GPU's group" "Group 13" "$(grep -o 'Group [0-9]*' "$tmp/screen" | paste -sd' ')"
hl z170 80x24 'fff'
expect_contains "f f f: the structure hidden, said on the message line" "$tmp/screen" "Filter: structure hidden"
expect_not_contains "f f f: no bridge" "$tmp/screen" "Bridge"
expect_not_contains "f f f: no group of structure only" "$tmp/screen" "structure: stays with the host"
expect_contains "f f f: the host's groups stay" "$tmp/screen" "Group 4   1 device  HOST"
expect_contains "f f f: the chipset's group stays, its audio in it" "$tmp/screen" "[ ] 00:1f.3 Audio"
expect_not_contains "f f f: not the chipset's own functions" "$tmp/screen" "00:1f.0"
hl z170 80x24 'ffff'
expect_contains "f f f f: every group again" "$tmp/screen" "Group 0 "
expect_contains "f f f f: said on the message line" "$tmp/screen" "all groups"

# the preview folds devices.conf, vfioconf's own bookkeeping; b unfolds it
hl debian 80x80 '/970\n p'
expect_contains "preview: devices.conf folded to one line" "$tmp/screen" \
	"(22 lines of vfioconf's own bookkeeping folded: b shows them)"
expect_not_contains "preview: its lines are not shown" "$tmp/screen" "+method = ids"
expect_contains "preview: the files that matter stay whole" "$tmp/screen" "+options vfio-pci ids=10de:0fbb,10de:13c2 disable_vga=1"
hl debian 80x100 '/970\n pb'
expect_contains "b: devices.conf shown" "$tmp/screen" "+method = ids"

# the columns cut at a character, never inside one (the arrow is 3 bytes)
hld "$d" 80x60 ''
expect_eq "80 columns: every line valid UTF-8" 0 "$(iconv -f UTF-8 -t UTF-8 "$tmp/screen" >/dev/null 2>&1; echo $?)"
expect_eq "80 columns: nothing wider" 1 "$([ "$(width "$tmp/screen")" -le 80 ] && echo 1)"

# class 0806 is the IOMMU (pci.ids), 0807 a root complex event collector
hl apu 80x40 ''
expect_contains "the APU's IOMMU function is labelled IOMMU" "$tmp/screen" "00:00.2 IOMMU "

# details: the PCIe path with ACS on each hop, and what the reset method means
hl z170 100x30 '/GTX\nd'
expect_contains "details: the path from the CPU" "$tmp/screen" "PCIe path, from the CPU:"
expect_contains "details: a root port with ACS on" "$tmp/screen" "00:1b.0 root port: ACS on: the devices below it are kept apart"
expect_contains "details: the reset method in words" "$tmp/screen" \
	"Reset method: bus (secondary bus reset: every device behind the same bridge is reset with it)"
hl z170 100x30 '/04:00.0\nd'
expect_contains "details: a root port whose ACS is off" "$tmp/screen" \
	"00:1c.2 root port: ACS present but not enabled: the devices below it are not kept apart"
hl z170 100x30 '/03:00.0\nd'
# (root reads it all: then the file is short, not a lack of rights)
if [ "$(id -u)" -eq 0 ]; then acs_why="its extended config space could not be read"; else acs_why="its config space needs root to read"; fi
expect_contains "details: a bridge whose config space is not readable past 64 bytes" "$tmp/screen" \
	"00:1c.0 bridge: ACS unknown ($acs_why)"

# details: the boot framebuffer in the GPU's BAR, and interrupt remapping
hl single-gpu 100x40 '/3060\nd'
expect_contains "details: the boot framebuffer in this GPU's memory" "$tmp/screen" \
	"Boot framebuffer: the firmware's console (BOOTFB in /proc/iomem) lies in this device's memory"
expect_contains "details: interrupt remapping on" "$tmp/screen" "Interrupt remapping: on (the host's)"
hl single-gpu 100x40 '/NVMe\nd'
expect_not_contains "details: another device has no framebuffer line" "$tmp/screen" "Boot framebuffer"
hl z170 100x40 '/GTX\nd'
expect_contains "details: no /proc/interrupts, remapping unknown" "$tmp/screen" "Interrupt remapping: unknown"

# a group mate the host needs keeps the group: Space says so at once
hl debian 80x40 '/aae8\n '
expect_contains "Space in a HOST group: refused on the message line, with the reason" "$tmp/screen" \
	"01:00.1 stays: group 12 also holds 01:00.0, which the host needs (boot VGA"
expect_contains "Space in a HOST group: nothing ticked" "$tmp/screen" "[ ] 01:00.1 Audio"
# a long message takes more lines, broken at blanks: the advice at its end shows
hl iommu-off 80x24 ''
expect_contains "IOMMU off at 80 columns: the message's end is on screen" "$tmp/screen" "the kernel needs no parameter for it."
# close every group after paging down: the groups are on screen, not above it
hl z170 80x24 '\033[6~\033[6~\033[6~-'
expect_contains "close all after paging: group 0 is on screen" "$tmp/screen" "Group 0 "
# a name cut at 80 columns ends in a mark
hl debian 80x40 ''
expect_contains "a cut name ends in …" "$tmp/screen" "GM204 High Definition Au…"
# search finds a driver the 80-column row cuts
hld "$d" 80x40 '/vfio-pci\n'
expect_not_contains "search: the next boot's driver found at 80 columns" "$tmp/screen" "not found: vfio-pci"
# u with nothing to undo says so, and asks nothing
hl debian 80x24 'hu'
expect_contains "u without a transaction: nothing to undo" "$tmp/screen" "nothing to undo"

# two PCI domains: the addresses keep theirs (0000:00:00.0 and 0001:00:00.0
# are two devices); one domain: shown without it
hl sriov 100x60 ''
expect_contains "two domains: the domain is shown" "$tmp/screen" " -  0001:"
expect_contains "two domains: the column head is as wide" "$tmp/screen" "      addr         class  name"
hl z170 100x30 ''
expect_not_contains "one domain: shown without it" "$tmp/screen" " 0000:00:"

# no trial boot possible here (no mkinitramfs in this root): the preview
# says why, offers a; t says why on the message line
hl debian 100x200 '/970\n p'
expect_contains "no trial here: the preview says why" "$tmp/screen" "Try once: no trial boot here: mkinitramfs is missing"
expect_contains "no trial here: a offered" "$tmp/screen" "Press a to apply this as one transaction."
expect_contains "no trial here: the key line names a, not t" "$tmp/screen" "scroll  a apply  Esc back  q quit"
hl debian 100x40 '/970\n t'
expect_contains "t on the groups: points to the preview" "$tmp/screen" "p shows the preview first; t tries it once from there"
hl debian 100x40 '/970\n pt'
expect_contains "no trial here: t says so" "$tmp/screen" "no trial boot here: mkinitramfs is missing under the root"

# nothing ticked: the preview in the CLI's words (plan's), not "Bind 0 devices"
hl debian 80x24 'p'
expect_contains "nothing ticked on a host vfioconf never touched: the CLI's words" "$tmp/screen" \
	"Bind no device: nothing is selected, and vfioconf has set up nothing here."
expect_not_contains "... not 'take out everything' where there is nothing" "$tmp/screen" "take out everything"
expect_not_contains "nothing ticked: never 'Bind 0 devices'" "$tmp/screen" "Bind 0 devices"
hl iommu-off 80x24 'p'
expect_not_contains "IOMMU off, nothing ticked: never 'Bind 0 devices'" "$tmp/screen" "Bind 0 devices"
expect_contains "IOMMU off, nothing ticked: as 'plan --enable-iommu' says it" "$tmp/screen" "Bind no device; "

# the preview with the IOMMU off and nothing a file can do: not "nothing to do"
hl iommu-off 80x40 'p'
expect_contains "IOMMU off, no parameter to add: the firmware is what is left" "$tmp/screen" \
	"No file to change: only the firmware setting above turns the IOMMU on."
expect_not_contains "IOMMU off: never 'the system already looks like this'" "$tmp/screen" "already looks like this"

# unticking a function that goes along anyway says so
hl debian 100x40 '/GM204\n j '
expect_contains "untick the GPU's audio: it still goes along, and why" "$tmp/screen" \
	"02:00.1 still goes along with 02:00.0 ([+]): untick that one to leave both"
expect_contains "untick the GPU's audio: marked [+]" "$tmp/screen" "[+] 02:00.1 Audio"


# the marks are the plan's: what a ticked function brings along shows [+],
# from another group too (an APU's HDMI audio has a group of its own), and
# a group's verdict names only what comes along (a PF's VFs do not)
hl apu 100x60 '/07:00.0\n jj '
expect_contains "APU: its GPU's audio, unticked in its own group, still goes: [+]" "$tmp/screen" "[+] 07:00.1 Audio"
expect_contains "APU: and the message line says so" "$tmp/screen" "07:00.1 still goes along with 07:00.0 ([+])"
hl apu 100x40 '/06:00.0\n '
expect_contains "PF ticked: its other port comes along, said at once" "$tmp/screen" "06:00.0 ticked: 06:00.1 NIC comes along"
expect_contains "PF ticked: the other port marked [+]" "$tmp/screen" "[+] 06:00.1 NIC"
expect_contains "PF ticked: a VF stays [ ] (the plan binds none)" "$tmp/screen" "[ ] 06:00.2 NIC"
expect_contains "the verdict names what comes along, not the VFs" "$tmp/screen" "Group 6   5 devices  ready, with its NIC  ✓"

# a driverctl override that decides the device: the message line says what to do
w="$tmp/dctl"
cp -a "$ROOTS/debian" "$w"
mkdir -p "$w/root/etc/driverctl.d"
printf 'xhci_hcd\n' >"$w/root/etc/driverctl.d/pci-0000:06:00.0"
hld "$w" 80x24 '/06:00.0\n '
expect_contains "driverctl keeps a ticked device off vfio-pci: the remedy on the message line" "$tmp/screen" \
	"driverctl unset-override 0000:06:00.0"
"$VFIOCONF" --root "$w/root" --sysfs "$w/sys" --procfs "$w/proc" plan --select 0000:06:00.0 >"$tmp/p" 2>&1
expect_contains "driverctl: the CLI refuses in the same words" "$tmp/p" \
	"a driverctl override holds it: run 'driverctl unset-override 0000:06:00.0' first"
printf 'vfio-pci\n' >"$w/root/etc/driverctl.d/pci-0000:06:00.0"
hld "$w" 80x24 '/06:00.0\n '
expect_contains "driverctl keeps an unticked device on vfio-pci: the remedy too" "$tmp/screen" \
	"driverctl unset-override 0000:06:00.0"

# text views wrap again after a resize (headless: Ctrl-R COLSxLINES Enter; %b takes octal as \0NNN)
hl z170 100x30 '/GTX\nd\002260x30\n'
expect_eq "details resized to 60 columns: nothing wider" 1 "$([ "$(width "$tmp/screen")" -le 60 ] && echo 1)"
expect_contains "details resized to 60 columns: a long line's end wraps onto the next" "$tmp/screen" "with it)"
hl z170 60x30 '?\0022120x30\n'
expect_contains "help opened at 60 columns, resized to 120: a key's line whole again" "$tmp/screen" \
	"g          tick or untick a whole group (a GPU's functions come along)"

# a search that finds nothing leaves the groups as they were; one that
# finds opens only the group of the match
hl z170 80x24 '-/no-such-device\n'
expect_contains "failed search: says so" "$tmp/screen" "not found: no-such-device"
expect_contains "failed search: the groups stay closed" "$tmp/screen" "▸ Group 13"
hl z170 80x24 '-/no-such-device\nn'
expect_contains "n after a failed search: says so" "$tmp/screen" "not found: no-such-device"
expect_contains "n after a failed search: the groups stay closed" "$tmp/screen" "▸ Group 13"
hl z170 80x24 '-/GTX\n'
expect_contains "a match: its group opens" "$tmp/screen" "02:00.0 GPU"
expect_contains "a match: the other groups stay closed" "$tmp/screen" "▸ Group 12"

# ---- the auditor's findings on issue 15 ----
# what is cut shows the mark, and the name gives way before the flags and
# the next boot's driver (the demo machine is the debian stack)
hl debian 80x24 ''
expect_contains "80 columns: the root disk's flags whole" "$tmp/screen" "[8086:a102] ahci   root,boot,swap"
hl debian 100x30 ''
expect_contains "100 columns: the flags whole" "$tmp/screen" "[8086:a102] ahci   root,boot,swap"
hl debian 60x40 ''
expect_contains "60 columns: flags cut end in …" "$tmp/screen" "amdgpu boot-…"
expect_eq "60 columns: nothing wider" 1 "$([ "$(width "$tmp/screen")" -le 60 ] && echo 1)"
hld "$d" 80x40 ''
expect_contains "80 columns: the next boot's driver whole" "$tmp/screen" "[10de:13c2] nouveau→vfio-pci"
expect_contains "80 columns: the longest now→next whole" "$tmp/screen" "[10de:0fbb] snd_hda_intel→vfio-pci"
hld "$d" 60x40 ''
expect_contains "60 columns: today's driver shortened, the next boot's whole" "$tmp/screen" "snd…→vfio-pci"
# 120 columns: the names whole, but for the two whose rows cannot hold
# them (the 76-column host bridge; the SATA controller, whose row needs
# 124 columns with its flags)
hl debian 120x40 '+'
expect_contains "120 columns: a root port's name whole" "$tmp/screen" "PCI Express Root Port #17   [8086:a167]"
expect_contains "120 columns: the longest root port's name whole" "$tmp/screen" "Power Management Controller [8086:a121]"
expect_eq "120 columns on the demo: two names cut, no more" 2 "$(grep -c '…' "$tmp/screen")"
expect_eq "120 columns: nothing wider" 1 "$([ "$(width "$tmp/screen")" -le 120 ] && echo 1)"
hl gpu-functions 120x40 ''
expect_not_contains "120 columns: no name cut on gpu-functions" "$tmp/screen" "…"

# a group the user gave away by typing the address says that it goes (the
# NIC of this SSH session is one the host needs)
SSH_CONNECTION=$(cat "$ROOTS/debian/ssh_connection"); export SSH_CONNECTION
hl debian 80x40 '/00:1f.6\n 0000:00:1f.6\n'
expect_contains "typed word: the HOST group says it goes" "$tmp/screen" \
	"Group 11  1 device  HOST: goes to vfio-pci on your typed word  ✓"
expect_not_contains "typed word: never 'stays' with a check mark" "$tmp/screen" "stays with the host  ✓"
unset SSH_CONNECTION
hl debian 80x40 "/HD Audio\n 0000:00:1f.3\n"
expect_contains "typed word: the chipset's group says it goes" "$tmp/screen" \
	"Group 10  4 devices  CHIPSET: goes to vfio-pci on your typed word  ✓"

# a message of two lines: the last line of a text view stays on screen
hl debian 80x24 '/GTX\n p\033OFt'
expect_contains "End, then a 2-line message: the preview's last line shows" "$tmp/screen" \
	"  apply' without --trial changes the default boot path"
expect_contains "End, then a 2-line message: the message shows too" "$tmp/screen" \
	"without --trial changes the default boot path"
hl debian 80x24 '/GTX\n p\033OFtk'
expect_contains "and Up still scrolls up" "$tmp/screen" "quit 39/58"

# the header at 80 columns: lesser parts go whole, no label without its value
hl proxmox 80x24 ''
expect_contains "proxmox at 80: the boot loader" "$tmp/screen" " vfioconf  DEMO  IOMMU on (AMD)  boot: kernel-cmdline"
expect_not_contains "proxmox at 80: no initramfs label cut" "$tmp/screen" "initramfs: initramfs-tool"
hl proxmox 120x24 ''
expect_contains "proxmox at 120: the whole header" "$tmp/screen" "boot: kernel-cmdline  initramfs: initramfs-tools"

# g as Space: the companion named; the chipset's group on the typed word
hl debian 80x24 '/GTX\ng'
expect_contains "g: what comes along is named, as Space does" "$tmp/screen" "02:00.0 ticked: 02:00.1 Audio comes along"
hl debian 80x24 '/GTX\ngg'
expect_contains "g g: what goes back is named" "$tmp/screen" "02:00.0 unticked: 02:00.1 Audio too"
hl debian 80x40 '/HD Audio\ng0000:00:1f.3\n'
expect_contains "g on the chipset's group: the typed address ticks it, as Space" "$tmp/screen" \
	"0000:00:1f.3 ticked on your word: p shows what the host loses"
expect_contains "g on the chipset's group: the chipset's functions go along" "$tmp/screen" "[+] 00:1f.4 SMBus"
SSH_CONNECTION=$(cat "$ROOTS/debian/ssh_connection"); export SSH_CONNECTION
hl debian 80x24 '/00:1f.6\ng'
expect_contains "g on the SSH NIC's group: asks its address, as Space" "$tmp/screen" \
	"0000:00:1f.6 stays with the host (its address was not typed)"
hl debian 80x24 '/00:1f.6\ng0000:00:1f.6\n'
expect_contains "g on the SSH NIC's group: the typed address ticks it" "$tmp/screen" \
	"0000:00:1f.6 ticked on your word: p shows what the host loses"
unset SSH_CONNECTION

# the first page: where to start, until the first key
hl debian 80x24 ''
expect_contains "first frame: a hint on the message line" "$tmp/screen" "f: usable groups only   /: search   ?: help"
hl debian 80x24 'j'
expect_not_contains "first key: the hint goes" "$tmp/screen" "f: usable groups only   /: search"

# help: the arrow as the rows draw it
hl debian 80x80 '?'
expect_contains "help: now→next with UTF-8" "$tmp/screen" "(now→next when the next boot gives"
hld "$ROOTS/debian" 80x80 '?' C
expect_contains "help: now->next without" "$tmp/screen" "(now->next when the next boot gives"

finish
