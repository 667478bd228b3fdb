#!/bin/sh
# tests/tools/grubenv-stand-ins.sh ROOT - GRUB's environment block and
# stand-ins for the tools a trial boot runs on it (grub-editenv list, set,
# unset; grub-reboot ENTRY), in ROOT: for the trial tests and the demo.
# The stand-ins run in ROOT's chroot (busybox's grep and mv).
set -eu
mkdir -p "$1/usr/bin" "$1/usr/sbin" "$1/boot/grub"
printf '# GRUB Environment Block\n' >"$1/boot/grub/grubenv"
cat >"$1/usr/bin/grub-editenv" <<'TOOL'
#!/bin/sh
# stand-in for grub-editenv: list, set, unset
f=$1 op=$2 kv=${3:-}
case $op in
list) grep -v '^#' "$f" ;;
set) grep -v "^${kv%%=*}=" "$f" >"$f.new"; echo "$kv" >>"$f.new"; mv "$f.new" "$f" ;;
unset) grep -v "^$kv=" "$f" >"$f.new"; mv "$f.new" "$f" ;;
esac
TOOL
# shellcheck disable=SC2016 # the stand-in's own $1
printf '#!/bin/sh\n# stand-in for grub-reboot\ngrub-editenv /boot/grub/grubenv set next_entry=$1\n' \
	>"$1/usr/sbin/grub-reboot"
chmod 755 "$1/usr/bin/grub-editenv" "$1/usr/sbin/grub-reboot"
