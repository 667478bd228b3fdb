#!/bin/sh
# tests/tools/demo-trial.sh SRCDIR ROOT - let the demo machine try a plan
# once (apply --trial), as a Debian host with GRUB can: grub.cfg as
# Debian's update-grub writes it (41_custom reads custom.cfg), grubenv,
# vfioconf-trial-sync, and stand-ins for mkinitramfs, grub-editenv and
# grub-reboot; update-grub writes that grub.cfg again with the command line
# of /etc/default/grub and grub.d. ROOT's /bin has busybox (the stand-ins
# run in a chroot); this links the applets they need. Used by ./dev.sh try,
# tests/cli/screen.sh and tests/cli/tui.sh.
# shellcheck disable=SC2016 # the stand-ins' own $1, $#, $o, in single quotes
set -eu
srcdir=$1
set -- "$2"
# what the stand-ins and vfioconf-trial-sync run, beside ROOT's busybox
for _a in grep sed rmdir mv; do ln -sf busybox "$1/bin/$_a"; done
mkdir -p "$1/usr/libexec/vfioconf" "$1/usr/bin" "$1/usr/share/vfioconf-demo"
cp "$srcdir/bind/vfioconf-trial-sync" "$1/usr/libexec/vfioconf/"
cp "$srcdir/tests/fixtures/grub/debian12.cfg" "$1/usr/share/vfioconf-demo/grub.cfg.in"
cat >"$1/usr/sbin/update-grub" <<-'TOOL'
#!/bin/sh
# the demo's update-grub: Debian's grub.cfg, the command line from /etc/default/grub
. /etc/default/grub
for x in /etc/default/grub.d/*.cfg; do [ -e "$x" ] && . "$x"; done
sed "s|^\(	*linux	[^ ]* root=[^ ]* ro\) .*|\1 $GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT|" \
	/usr/share/vfioconf-demo/grub.cfg.in >/boot/grub/grub.cfg
TOOL
sh "$srcdir/tests/tools/grubenv-stand-ins.sh" "$1"
printf '#!/bin/sh\n# the demo'"'"'s mkinitramfs: an image that is only a name\nwhile [ $# -gt 1 ]; do case $1 in -o) o=$2; shift 2 ;; *) shift ;; esac; done\necho "demo initramfs" >"$o"\n' \
	>"$1/usr/sbin/mkinitramfs"
chmod 755 "$1/usr/sbin/update-grub" "$1/usr/sbin/mkinitramfs"
# what that update-grub writes, written here (no chroot: not root)
# shellcheck disable=SC1091 # the root's, not ours
_cl=$(. "$1/etc/default/grub" 2>/dev/null; echo "$GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT")
sed "s|^\(	*linux	[^ ]* root=[^ ]* ro\) .*|\1 $_cl|" "$1/usr/share/vfioconf-demo/grub.cfg.in" \
	>"$1/boot/grub/grub.cfg"

