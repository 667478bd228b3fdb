#!/bin/sh
# tests/tools/sdboot-stand-ins.sh ROOT - stand-ins for what a trial under
# systemd-boot runs, in ROOT (run there chrooted, with busybox): bootctl
# (set-oneshot writes LoaderEntryOneShot as efivarfs holds it, 4 bytes of
# attributes and UTF-16LE, into ROOT/run/sys, the fixture's sysfs; logged),
# mkinitramfs -d (an image listing its configuration's modules) and
# lsinitramfs. For trial-sdboot.sh and trial-proxmox.sh.
set -eu
mkdir -p "$1/usr/bin" "$1/usr/sbin"
cat >"$1/usr/bin/bootctl" <<'TOOL'
#!/bin/sh
v=/run/sys/firmware/efi/efivars/LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f
echo "bootctl $*" >>/var/log/fake-bootctl.log
case $1 in
set-oneshot)
	if [ -z "$2" ]; then rm -f "$v"; exit 0; fi
	s=$2 out='\007\000\000\000'
	while [ -n "$s" ]; do c=${s%"${s#?}"}; s=${s#?}; out="$out$c\\000"; done
	printf "$out\\000\\000" >"$v" ;;
esac
TOOL
cat >"$1/usr/sbin/mkinitramfs" <<'TOOL'
#!/bin/sh
while [ $# -gt 1 ]; do case $1 in -d) d=$2; shift 2 ;; -o) o=$2; shift 2 ;; *) shift ;; esac; done
{ echo "image $1 from $d"
  while read -r m rest; do case $m in ''|\#*) ;; *) echo "kernel/$m.ko" ;; esac; done <"$d/modules"
} >"$o"
TOOL
# shellcheck disable=SC2016 # the stand-in's own $1
printf '#!/bin/sh\ncat "$1"\n' >"$1/usr/bin/lsinitramfs"
chmod 755 "$1/usr/bin/bootctl" "$1/usr/sbin/mkinitramfs" "$1/usr/bin/lsinitramfs"
