#!/bin/sh
# The curses screen, driven in tmux at 80x24 as a person would: read the
# tree, search, tick, preview the diff, help, quit; NO_COLOR and LANG=C,
# a resize, other TERMs, read-only without root, the IOMMU off, SIGTERM.
. "$top_srcdir/tests/lib.sh"
need tmux
# a tmux server (socket) per window: killing one and starting the next on
# the same socket races
n=0
T="tmux -L vfioconf-test-$$-0"
trap '$T kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

newsock() {
	$T kill-server 2>/dev/null
	n=$((n + 1))
	T="tmux -L vfioconf-test-$$-$n"
}

start() { # MACHINE-or-DIR [ENV...]: vfioconf in a fresh 80x24 window
	_d="$ROOTS/$1"; [ -d "$1" ] && _d=$1; shift
	newsock
	$T new-session -d -s s -x 80 -y 24 "env SSH_CONNECTION='$(cat "$_d/ssh_connection" 2>/dev/null)' $* \
		'$VFIOCONF' --root '$_d/root' --sysfs '$_d/sys' --procfs '$_d/proc'; echo \"EXITED rc=\$?\"; sleep 60"
	waitfor " vfioconf"
}
screen() { $T capture-pane -p -t s 2>/dev/null; }
waitfor() { # TEXT: poll the screen up to 5 s
	_i=0
	while [ $_i -lt 50 ]; do
		screen >"$tmp/screen"
		grep -qF -- "$1" "$tmp/screen" && return 0
		sleep 0.1; _i=$((_i + 1))
	done
	return 1
}
keys() { $T send-keys -t s "$@" 2>/dev/null; sleep 0.2; }
see() { # NAME TEXT
	if waitfor "$2"; then ok "$1"; else not_ok "$1"; echo "#   expected on screen: $2"; sed 's/^/#   | /' "$tmp/screen"; fi
}

start debian LC_ALL=C.UTF-8
see "header: host facts" "IOMMU on (Intel)  boot: grub  initramfs: initramfs-tools"
see "tree: groups with a mark" "▾ Group 0   1 device"
see "tree: the root disk's group is marked HOST, with why" "Group 4   1 device  HOST: holds the root disk: stays"
see "footer: the keys, whole" "Space tick  g group  Enter open  d info  p preview  h history  ? help  q quit"
screen >"$tmp/s1"
lines=$(wc -l <"$tmp/s1")
expect_eq "80x24: 24 lines" 24 "$lines"
expect_eq "80x24: nothing wider than 80" 1 "$([ "$(LC_ALL=C.UTF-8 wc -L <"$tmp/s1")" -le 80 ] && echo 1)"

keys / ; keys -l GTX ; keys Enter
keys Space
see "search and tick: the GPU is ticked" "[x] 02:00.0 GPU    GM204 [GeForce GTX 970]"
keys Down
see "tick: its audio function comes along" "[x] 02:00.1 Audio  GM204 High Definition A"
keys p
see "preview: what would be bound" "Bind 2 devices to vfio-pci."
see "preview: the modprobe.d diff" "+options vfio-pci ids=10de:0fbb,10de:13c2 disable_vga=1"
keys NPage ; keys NPage
see "preview: PgDn shows the grub drop-in" "GRUB_CMDLINE_LINUX_DEFAULT=\"\$GRUB_CMDLINE_LINUX_DEFAULT intel_iommu=on"
see "preview: at 80 columns the GRUB line goes on, with its closing quote" "+↪iommu=pt\""
keys End
see "preview: End shows the commands" "/usr/sbin/update-grub    (regenerate grub.cfg)"
keys Escape
see "back to the tree" "addr    class  name"
keys / ; keys -l I219 ; keys Enter ; keys Space
see "the SSH NIC: Space says why it stays" "0000:00:1f.6: carries this SSH session (eno1, 192.168.1.10)"
see "the SSH NIC: and asks for its address" "Type 0000:00:1f.6 to take it from the host anyway:"
see "the typed-address prompt says that Esc cancels" "Esc cancels"
keys -l 00:1f.6 ; keys Enter
see "the SSH NIC: a short address leaves it with the host" "0000:00:1f.6 stays with the host (its address was not typed)"
see "the SSH NIC: unticked" "[ ] 00:1f.6"
keys d
see "details of the device" "Driver in use: e1000e"
see "details: why it stays" "Stays with the host: carries this SSH session"
keys Escape ; keys '?'
see "help from the action table" "Space      tick or untick a device for vfio-pci"
keys Escape
keys /
see "the search prompt says that Esc cancels" "Esc cancels"
keys Escape
# the chipset's functions: structure, and their group only on the typed word
keys / ; keys -l SMBus ; keys Enter
see "SMBus: drawn like a bridge" " -  00:1f.4"
keys Space
see "SMBus: Space says why it stays" "0000:00:1f.4: a platform function (SMBus controller): part of the chipset"
keys d
see "SMBus: details say why" "Stays with the host: a platform function (SMBus controller), part of the"
keys Escape
keys / ; keys -l 'HD Audio' ; keys Enter ; keys Space
see "chipset audio: names what comes along" "group 10 also holds 00:1f.0 (ISA bridge (LPC)) and 2 more: all go along"
see "chipset audio: asks for its address" "Type 0000:00:1f.3 to take the whole group from the host:"
keys -l 0000:00:1f.3 ; keys Enter
see "chipset audio: ticked on the typed word" "[x] 00:1f.3"
see "chipset audio: SMBus shown going along" "[+] 00:1f.4"
keys Escape ; keys q
see "quit asks when ticks are not applied" "Quit? The ticks are not applied. (y/n)  Esc cancels"
keys n
see "n stays" "addr    class  name"
keys q ; keys y
see "y quits; the terminal is back" "EXITED rc=0"

# NO_COLOR and LANG=C: ASCII marks, no colour sequences
start debian NO_COLOR=1 LC_ALL=C
see "LANG=C: ASCII marks" "v Group 0   1 device"
$T capture-pane -p -e -t s >"$tmp/esc"
if grep -q "$(printf '\033')\[3[0-7]m\|$(printf '\033')\[4[0-7]m" "$tmp/esc"; then
	not_ok "NO_COLOR: no colour"; grep -o "$(printf '\033')\[[0-9;]*m" "$tmp/esc" | sort -u | head -5 | sed 's/^/#   /'
else ok "NO_COLOR: no colour"; fi
expect_eq "LANG=C: no UTF-8 on screen" "" "$(screen | LC_ALL=C grep -n '[^[:print:]]' | head -3)"

# a resize redraws: the footer moves to the new last line
$T resize-window -t s -x 100 -y 30
sleep 0.5
see "resize: redrawn" "addr    class  name"
expect_eq "resize: the footer on line 30" "Space tick" "$(screen | sed -n 30p | cut -c1-10)"

# SIGTERM: the terminal comes back
# this window's vfioconf: the child of its shell (other runs may be going)
pid=$(pgrep -P "$($T display -p -t s '#{pane_pid}')" -f vfioconf | head -1)
kill -TERM "$pid" 2>/dev/null
see "SIGTERM: the shell gets the terminal back" "EXITED rc=143"

# other terminals
for term in linux vt100 screen tmux-256color xterm; do
	start debian TERM=$term LC_ALL=C
	see "TERM=$term: the tree is drawn" "Group 4   1 device  HOST"
	keys q
done

# read-only without root; the IOMMU off offers the plan that turns it on
if command -v setpriv >/dev/null 2>&1; then
	chmod -R a+rX "$ROOTS" 2>/dev/null
	d="$ROOTS/debian"
	newsock
	$T new-session -d -s s -x 80 -y 24 "setpriv --reuid=65534 --regid=65534 --clear-groups \
		'$VFIOCONF' --root '$d/root' --sysfs '$d/sys' --procfs '$d/proc'; sleep 60"
	see "not root: says read-only" "[read-only: not root]"
fi
# apply and undo from the screen (root; the stub tools run in the root)
w="$tmp/w"
cp -a "$ROOTS/debian" "$w"
with_shell "$w/root"
snapshot "$w/root" "$tmp/before"
start "$w" LC_ALL=C
keys / ; keys -l GTX ; keys Enter ; keys Space ; keys p ; keys End
see "preview offers apply" "Press a to apply this as one transaction."
keys a
see "apply asks first" "Apply these changes now? (y/n)"
keys y
see "apply shows the commands live" "Running /usr/sbin/update-grub"
see "apply says done" "Done: transaction"
keys Enter
see "back on the screen: applied" "Applied. Reboot for it to take effect"
keys d
see "details after apply: the next boot, from the file vfioconf wrote" \
	"After reboot: vfio-pci by ids= in etc/modprobe.d/vfioconf.conf"
keys Escape
expect_contains "apply from the screen wrote the binding" "$w/root/etc/modprobe.d/vfioconf.conf" "ids=10de:0fbb,10de:13c2"
keys h
see "history shows the apply" "apply    COMMITTED"
keys u
see "undo asks first, naming the transaction" "(apply, "
keys y
see "undo says done" "Done: transaction"
keys Enter
see "history shows the undo" "undo     COMMITTED"
snapshot "$w/root" "$tmp/after"
expect_eq "undo from the screen: every file as before" "" \
	"$(diff "$tmp/before" "$tmp/after" | grep '^[<>]' | grep -v 'grub.cfg')"
keys Escape ; keys q
see "nothing unapplied after undo: q quits at once" "EXITED rc=0"

# a binding made by hand: ticked as it comes, and details say where from
w2="$tmp/w2"
cp -a "$ROOTS/debian" "$w2"
mkdir -p "$w2/root/etc/modprobe.d"
printf '# from a guide\noptions vfio-pci ids=10de:13c2,10de:0fbb\n' >"$w2/root/etc/modprobe.d/vfio.conf"
start "$w2" LC_ALL=C
keys / ; keys -l GTX ; keys Enter
see "by hand: the GPU comes up ticked" "[x] 02:00.0 GPU    GM204 [GeForce GTX 970]"
keys d
see "by hand: details name the file and line" \
	"After reboot: vfio-pci by ids= in etc/modprobe.d/vfio.conf:2 (set up by hand)"
keys Escape ; keys q

# try once from the screen on the demo's stack: apply's last lines, on the
# terminal itself, break between words (a terminal breaks inside them)
tw="$tmp/tw"
cp -a "$ROOTS/debian" "$tw"
with_shell "$tw/root"
sh "$top_srcdir/tests/tools/demo-trial.sh" "$top_srcdir" "$tw/root"
start "$tw" LC_ALL=C
keys / ; keys -l GTX ; keys Enter ; keys Space ; keys p
see "demo stack: the preview offers to try once" "t try once  a apply"
keys t
see "try once asks first" "Try this once now, as a trial boot? (y/n)"
keys y
see "try once: done" "Done: trial "
screen >"$tmp/screen"
expect_contains "the Done lines broken between words at 80 columns" "$tmp/screen" \
	"trial entry once; the boot after it is the default entry again, as it is now."
expect_eq "... no line of them wider than 79" "" \
	"$(sed -n '/^Done: trial/,/takes it away/p' "$tmp/screen" | awk 'length > 79')"
keys Enter ; keys q

start iommu-off LC_ALL=C
see "IOMMU off: said in the header" "IOMMU OFF (AMD)"
see "IOMMU off: what to do, for this vendor" "The IOMMU is off: enable IOMMU (AMD-Vi;"
keys p
see "IOMMU off: the preview says the firmware, not a parameter" "the kernel needs no parameter for it."
finish
