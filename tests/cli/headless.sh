#!/bin/sh
# The curses screen headless (VFIOCONF_HEADLESS=COLSxLINES: keys from
# stdin, the last screen printed at the end of input; no tty, no tmux), and
# the German translation on the screen and in --help.
. "$top_srcdir/tests/lib.sh"

# hl MACHINE SIZE KEYS [ENV...]: the screen after KEYS, in $tmp/screen
hl() {
	_m=$1 _s=$2 _k=$3; shift 3
	printf '%b' "$_k" | env VFIOCONF_HEADLESS="$_s" TERM=xterm-256color "$@" \
		"$VFIOCONF" --root "$ROOTS/$_m/root" --sysfs "$ROOTS/$_m/sys" --procfs "$ROOTS/$_m/proc" \
		>"$tmp/screen" 2>"$tmp/err"
}
width() { LC_ALL=C.UTF-8 wc -L <"$1"; } # display columns (mawk's length counts bytes)

# the tree at 80x24, exactly 24 lines, none wider
hl z170 80x24 ''
expect_eq "headless: exit 0 at the end of input" 0 $?
expect_eq "headless: 24 lines" 24 "$(wc -l <"$tmp/screen")"
expect_eq "headless: no line wider than 80" 1 "$([ "$(LC_ALL=C.UTF-8 width "$tmp/screen")" -le 80 ] && echo 1)"
expect_contains "headless: the header (a machine that is not this one: DEMO)" "$tmp/screen" " vfioconf  DEMO  IOMMU on (Intel)"
expect_contains "headless: the footer, whole" "$tmp/screen" "Space tick  g group  Enter open  d info  p preview  h history  ? help  q quit"
expect_contains "headless: the root disk's group is marked, with why" "$tmp/screen" "HOST: holds the root disk: stays"

# search, tick, preview: the diff of /etc/default/grub is on the screen
hl fedora 80x40 '/02:00.0\n p'
expect_contains "headless: preview title" "$tmp/screen" "Preview: what would change"
expect_contains "headless: the grub diff" "$tmp/screen" "default/grub"
expect_contains "headless: the GPU's audio function follows it" "$tmp/screen" "0000:02:00.1 GP104 High Definition Audio"

# a device the host needs: Space asks for its address; anything else
# leaves it with the host, the full address ticks it with a warning
ssh="SSH_CONNECTION=$(cat "$ROOTS/z170/ssh_connection")"
hl z170 80x24 '/00:1f.6\n 00:1f.6\n' "$ssh"
expect_contains "take from host: a short address does not tick" "$tmp/screen" "0000:00:1f.6 stays with the host (its address was not typed)"
expect_contains "take from host: still unticked" "$tmp/screen" "[ ] 00:1f.6"
hl z170 80x30 '/00:1f.6\n 0000:00:1f.6\np' "$ssh"
expect_contains "take from host: the preview warns" "$tmp/screen" "Warning: 0000:00:1f.6 (Ethernet Connection (2) I219-V) is taken from the ho"
expect_contains "take from host: and binds it" "$tmp/screen" "Bind 1 device to vfio-pci."
expect_contains "take from host: the warning is wrapped, not clipped" "$tmp/screen" \
	"  then run 'vfioconf --root /mnt rollback' from a rescue system"
hl z170 80x24 '/00:1f.6\n 0000:00:1f.6\n' "$ssh"
expect_contains "take from host: ticked" "$tmp/screen" "[x] 00:1f.6"

# the header without root at 80 columns: the read-only note and the boot
# loader whole, the initramfs system left out whole (never a label alone)
if command -v setpriv >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	chmod -R a+rX "$ROOTS" 2>/dev/null
	printf '' | setpriv --reuid=65534 --regid=65534 --clear-groups env VFIOCONF_HEADLESS=80x24 TERM=xterm \
		LC_ALL=C.UTF-8 "$VFIOCONF" --root "$ROOTS/debian/root" --sysfs "$ROOTS/debian/sys" \
		--procfs "$ROOTS/debian/proc" >"$tmp/screen" 2>"$tmp/err"
	expect_contains "not root at 80: the header keeps what it shows whole" "$tmp/screen" \
		" vfioconf  DEMO  [read-only: not root]  IOMMU on (Intel)  boot: grub"
	expect_not_contains "not root at 80: no initramfs label without its value" "$tmp/screen" "initramfs:"
fi

# bad sizes and terminals: a message and a non-zero exit, never a crash
hl z170 80by24 ''
expect_eq "headless: bad size exits 1" 1 $?
expect_contains "headless: bad size is named" "$tmp/err" "VFIOCONF_HEADLESS='80by24': expected COLSxLINES"
printf '' | VFIOCONF_HEADLESS=80x24 TERM=no-such-terminal "$VFIOCONF" --root "$ROOTS/z170/root" \
	--sysfs "$ROOTS/z170/sys" --procfs "$ROOTS/z170/proc" >"$tmp/screen" 2>"$tmp/err"
expect_eq "headless: unknown terminal exits 1" 1 $?
expect_contains "headless: unknown terminal is named" "$tmp/err" "unknown terminal type 'no-such-terminal'"

# the figures make bench reports: one line a frame
hl z170 80x24 'jjk' VFIOCONF_HEADLESS_STATS=1
expect_eq "headless stats: the first frame and three keys" \
	"first-frame-us key key key" "$(awk '{ printf "%s%s", (NR > 1) ? " " : "", $1 }' "$tmp/err")"

# ---- German: catalogs from po/de.po, the locale from LANGUAGE
need msgfmt
need jq
mkdir -p "$tmp/locale/de/LC_MESSAGES"
if msgfmt -c -o "$tmp/locale/de/LC_MESSAGES/vfioconf.mo" "$top_srcdir/po/de.po" 2>"$tmp/msgfmt"; then
	ok "de.po: msgfmt -c (formats, plurals, header)"
else
	not_ok "de.po: msgfmt -c"; sed 's/^/#   /' "$tmp/msgfmt"
fi
de() { env VFIOCONF_LOCALEDIR="$tmp/locale" LC_ALL=C.UTF-8 LANGUAGE=de "$@"; }
de "$VFIOCONF" --help >"$tmp/help"
expect_contains "German --help" "$tmp/help" "Aufruf: vfioconf [OPTION]... [BEFEHL] [ARG]..."
expect_contains "German --help: the commands" "$tmp/help" "nach dem Neustart: sind die Geräte wie eingerichtet an vfio-pci?"
de "$VFIOCONF" frobnicate 2>"$tmp/err"
expect_contains "German error" "$tmp/err" "unbekannter Befehl „frobnicate“"
de "$VFIOCONF" --root "$ROOTS/twin-gpus/root" --sysfs "$ROOTS/twin-gpus/sys" \
	--procfs "$ROOTS/twin-gpus/proc" plan --select 0000:02:00.0 >"$tmp/plan" 2>&1
expect_contains "German plural: two devices" "$tmp/plan" "2 Geräte an vfio-pci binden:"

hl z170 80x24 '' VFIOCONF_LOCALEDIR="$tmp/locale" LC_ALL=C.UTF-8 LANGUAGE=de
expect_contains "German screen: the column header" "$tmp/screen" "Adr.    Klasse Name"
expect_contains "German screen: the footer" "$tmp/screen" "Leer Haken  g Gruppe"
expect_contains "German screen: a group" "$tmp/screen" "Gruppe 4   1 Gerät  HOST: enthält die Root-Platte: bleibt"
expect_eq "German screen: no line wider than 80" 1 "$([ "$(LC_ALL=C.UTF-8 width "$tmp/screen")" -le 80 ] && echo 1)"
hl z170 80x24 '?' VFIOCONF_LOCALEDIR="$tmp/locale" LC_ALL=C.UTF-8 LANGUAGE=de
expect_contains "German help screen from the key table" "$tmp/screen" "Gerät für vfio-pci an- oder abhaken"
# the key names too, as the footer says them
expect_contains "German help: the key names translated (the footer's Leer)" "$tmp/screen" \
	"  Leer       Gerät für vfio-pci an- oder abhaken"
# what core and the backends say: a plan's reasons, its outcome, a refusal
de "$VFIOCONF" --root "$ROOTS/twin-gpus/root" --sysfs "$ROOTS/twin-gpus/sys" \
	--procfs "$ROOTS/twin-gpus/proc" plan --select 0000:02:00.0 >"$tmp/plan" 2>&1
expect_contains "German plan: the outcome's binding method" "$tmp/plan" ": vfio-pci (per Adresse)"
de "$VFIOCONF" --root "$ROOTS/debian/root" --sysfs "$ROOTS/debian/sys" \
	--procfs "$ROOTS/debian/proc" plan --select 0000:02:00.0 >"$tmp/plan" 2>&1
expect_contains "German plan: a file's reason, from the planner" "$tmp/plan" \
	"die gewählten Geräte an vfio-pci binden, vor ihren eigenen Treibern"
expect_contains "German plan: the commands' heading" "$tmp/plan" "# dann ausführen:"
expect_not_contains "German plan: what goes into a file stays English" "$tmp/plan" "+# Von vfioconf"
expect_contains "... the file's own comment as it is written" "$tmp/plan" "+# Managed by vfioconf"
de "$VFIOCONF" --root "$ROOTS/endeavour/root" --sysfs "$ROOTS/endeavour/sys" \
	--procfs "$ROOTS/endeavour/proc" plan --select 0000:06:00.0 >"$tmp/plan" 2>&1
expect_contains "German plan: a file's reason, from the dracut backend" "$tmp/plan" \
	"# etc/dracut.conf.d/10-vfioconf.conf: vfio-pci, seine Einstellungen und vfioconf-bind ins Initramfs bringen"
de "$VFIOCONF" --root "$ROOTS/z170/root" --sysfs "$ROOTS/z170/sys" \
	--procfs "$ROOTS/z170/proc" plan --select 0000:01:00.0 >"$tmp/plan" 2>&1
expect_contains "German plan: a refusal, from core" "$tmp/plan" "bleibt beim Host: Boot-VGA: die Konsole der Firmware"
hl debian 80x24 '/970\n p\033OF' VFIOCONF_LOCALEDIR="$tmp/locale" LC_ALL=C.UTF-8 LANGUAGE=de
expect_contains "German preview: why no trial boot here, from the application layer" "$tmp/screen" \
	"Einmal ausprobieren: hier kein Probestart: mkinitramfs fehlt unter der Wurzel;"
# a trial plan's reasons (app_trial_boot.c): Debian on GRUB as trial.sh makes it
cp -a "$ROOTS/z170" "$tmp/tr"
cp -a "$top_srcdir/tests/fixtures/distros/debian/." "$tmp/tr/root/"
cp "$top_srcdir/tests/fixtures/grub/debian12.cfg" "$tmp/tr/root/boot/grub/grub.cfg"
for t in mkinitramfs grub-reboot; do
	printf '#!/bin/sh\n' >"$tmp/tr/root/usr/sbin/$t"; chmod 755 "$tmp/tr/root/usr/sbin/$t"
done
mkdir -p "$tmp/tr/root/usr/libexec/vfioconf"
cp "$top_srcdir/bind/vfioconf-trial-sync" "$tmp/tr/root/usr/libexec/vfioconf/"
de "$VFIOCONF" --root "$tmp/tr/root" --sysfs "$tmp/tr/sys" --procfs "$tmp/tr/proc" \
	plan --trial --select 0000:02:00.0 >"$tmp/plan" 2>&1
expect_contains "German trial plan: the entry's reason, from the trial's loader" "$tmp/plan" \
	"# boot/grub/custom.cfg: der GRUB-Eintrag des Probestarts (41_custom liest diese Datei beim Start); der Standard-Eintrag wird nicht geändert"
de "$VFIOCONF" --root "$tmp/tr/root" --sysfs "$tmp/tr/sys" --procfs "$tmp/tr/proc" \
	plan --trial --json --select 0000:02:00.0 >"$tmp/plan.json" 2>/dev/null
expect_eq "plan --trial --json under German: the entry's reason in English" \
	"the trial's GRUB entry (41_custom reads this file at boot); the default entry is not changed" \
	"$(jq -r '.files[] | select(.path == "boot/grub/custom.cfg") | .reasons[0]' "$tmp/plan.json")"
hl z170 80x24 '/1f.0\n ' VFIOCONF_LOCALEDIR="$tmp/locale" LC_ALL=C.UTF-8 LANGUAGE=de
expect_contains "German screen: a platform function named in German (list --json keeps English)" "$tmp/screen" \
	"eine Plattformfunktion (ISA-Bridge (LPC))"
de "$VFIOCONF" --root "$ROOTS/z170/root" --sysfs "$ROOTS/z170/sys" --procfs "$ROOTS/z170/proc" \
	list --json >"$tmp/list.json" 2>/dev/null
expect_eq "list --json under German: the platform value stays English" "ISA bridge (LPC)" \
	"$(jq -r '.. | objects | select(.address? == "0000:00:1f.0") | .platform' "$tmp/list.json" | head -1)"
expect_contains "list --json under German: a device's reasons stay English (scripts read them)" "$tmp/list.json" \
	'"holds / (/dev/sda2)"'
de "$VFIOCONF" --root "$ROOTS/debian/root" --sysfs "$ROOTS/debian/sys" --procfs "$ROOTS/debian/proc" \
	plan --json --select 0000:02:00.0 >"$tmp/plan.json" 2>/dev/null
expect_eq "plan --json under German: the outcome in English" \
	"0000:02:00.0 GM204 [GeForce GTX 970]: vfio-pci (by ID)" "$(jq -r '.outcome[0]' "$tmp/plan.json")"
expect_eq "plan --json under German: a command's reason in English" \
	"rebuild the initramfs of every installed kernel" "$(jq -r '.commands[0].reason' "$tmp/plan.json")"

finish
