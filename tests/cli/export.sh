#!/bin/sh
# vfioconf export libvirt|proxmox: the devices that go to VFIO (the plan's,
# functions that come along included) as libvirt <hostdev> elements, which
# libvirt's own schema must accept (virt-xml-validate on a whole domain),
# and as Proxmox VE mapping and hostpci lines, each field checked against
# the format Proxmox's source gives it and against the machine's sysfs as
# Proxmox compares them at guest start. Usage errors exit 2, refusals 3,
# nothing selected or configured 4; stdout has the export and nothing else.
. "$top_srcdir/tests/lib.sh"

copy() { rm -rf "$tmp/$1"; cp -a "$ROOTS/$1" "$tmp/$1"; }
at() { # DIR ARGS...: vfioconf on a copied machine (sh has no locals: _m)
	_m=$1; shift
	SSH_CONNECTION=$(cat "$_m/ssh_connection" 2>/dev/null) \
		"$VFIOCONF" --root "$_m/root" --sysfs "$_m/sys" --procfs "$_m/proc" "$@"
}
# quiet NAME RC: the command exited RC and printed nothing on stdout
quiet() {
	expect_eq "$1: exit $2" "$2" "$rc"
	expect_eq "$1: nothing on stdout" "" "$(cat "$tmp/o")"
}

# --- usage: exit 2, the two targets named
vf twin-gpus export >"$tmp/o" 2>"$tmp/e"; rc=$?
quiet "no target" 2
expect_contains "no target: names both" "$tmp/e" "'vfioconf export libvirt' or 'vfioconf export proxmox'"
vf twin-gpus export vmware --select 0000:02:00.0 >"$tmp/o" 2>"$tmp/e"; rc=$?
quiet "unknown target" 2
expect_contains "unknown target: named, with both" "$tmp/e" "unknown target 'vmware': 'libvirt' or 'proxmox'"
vf twin-gpus export libvirt 0000:02:00.0 >"$tmp/o" 2>"$tmp/e"; rc=$?
quiet "an address without --select" 2
expect_contains "an address without --select: said" "$tmp/e" "unexpected argument '0000:02:00.0'"
vf twin-gpus export proxmox --select banana >"$tmp/o" 2>"$tmp/e"; rc=$?
quiet "bad --select" 2
expect_contains "bad --select: plan's words" "$tmp/e" "'banana' is not a PCI address"
vf twin-gpus --json export libvirt --select 0000:02:00.0 >"$tmp/o" 2>"$tmp/e"; rc=$?
quiet "--json" 2

# --- nothing configured, nothing selected: exit 4
vf twin-gpus export libvirt >"$tmp/o" 2>"$tmp/e"; rc=$?
quiet "no devices.conf, no --select" 4
expect_contains "nothing configured: said" "$tmp/e" "nothing is configured"
vf twin-gpus export proxmox --select none >"$tmp/o" 2>"$tmp/e"; rc=$?
quiet "--select none" 4

# --- refused: exit 3, the plan's reason on stderr, no partial export
vf twin-gpus export libvirt --select 0000:01:00.0,0000:04:00.0 >"$tmp/o" 2>"$tmp/e"; rc=$?
quiet "boot GPU" 3
expect_contains "boot GPU: the reason" "$tmp/e" "stays with the host: boot VGA"

# --- libvirt: one element per function, what plan binds
vf gpu-functions export libvirt --select 0000:01:00.0 >"$tmp/gf.xml" 2>"$tmp/e"; rc=$?
expect_eq "RTX 2070: exit 0" 0 "$rc"
expect_eq "RTX 2070: its four functions come along" 4 "$(grep -c "^<hostdev mode='subsystem' type='pci' managed='yes'>$" "$tmp/gf.xml")"
for f in 0 1 2 3; do
	expect_contains "RTX 2070: function $f" "$tmp/gf.xml" \
		"    <address domain='0x0000' bus='0x01' slot='0x00' function='0x$f'/>"
done
expect_eq "RTX 2070: nothing on stderr" "" "$(cat "$tmp/e")"
vf twin-gpus export libvirt --select 0000:02:00.0 >"$tmp/tg.xml" 2>/dev/null
expect_eq "second GTX 1070: with its audio, not the first card" \
	"bus='0x02' slot='0x00' function='0x0'|bus='0x02' slot='0x00' function='0x1'" \
	"$(grep -o "bus='0x..' slot='0x..' function='0x.'" "$tmp/tg.xml" | paste -sd'|')"
vf mlx5-vf export libvirt --select 0000:41:00.2 >"$tmp/mlx.xml" 2>/dev/null
expect_contains "mlx5 VF: its element" "$tmp/mlx.xml" "<address domain='0x0000' bus='0x41' slot='0x00' function='0x2'/>"
expect_contains "mlx5 VF: the variant named, with <driver model> for libvirt 10" "$tmp/mlx.xml" \
	"<driver model='mlx5_vfio_pci'/> in this element insists on it"
# outside comments, no <driver>: libvirt 9.0's schema has no model attribute
expect_eq "mlx5 VF: no <driver> element" "" "$(awk '/<!--/ { c = 1 } !c { print } /-->/ { c = 0 }' "$tmp/mlx.xml" | grep driver)"

# --- libvirt's own schema (libvirt-clients' virt-xml-validate) on a domain
# with the elements pasted into <devices>, as the header comment says
domain() { # FILE...: a minimal complete domain holding them
	printf "<domain type='kvm'>\n  <name>vfioconf-export</name>\n  <memory unit='MiB'>1024</memory>\n"
	printf "  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n  </os>\n  <devices>\n"
	cat "$@"
	printf "  </devices>\n</domain>\n"
}
if command -v virt-xml-validate >/dev/null 2>&1; then
	validate() { # NAME valid|invalid FILE...
		_n=$1 _want=$2; shift 2
		domain "$@" >"$tmp/dom.xml"
		if virt-xml-validate "$tmp/dom.xml" domain >"$tmp/v" 2>&1; then _got=valid; else _got=invalid; fi
		expect_eq "$_n" "$_want" "$_got"
		[ "$_got" = "$_want" ] || sed 's/^/#   /' "$tmp/v" | head -8
	}
	: >"$tmp/empty.xml"
	validate "virt-xml-validate: the domain around them is valid alone" valid "$tmp/empty.xml"
	validate "virt-xml-validate: RTX 2070's four elements" valid "$tmp/gf.xml"
	validate "virt-xml-validate: the GTX 1070's two" valid "$tmp/tg.xml"
	validate "virt-xml-validate: the mlx5 VF on its variant" valid "$tmp/mlx.xml"
	validate "virt-xml-validate: all of them in one domain" valid "$tmp/gf.xml" "$tmp/tg.xml" "$tmp/mlx.xml"
	# it is no rubber stamp: broken elements fail
	sed "s/function='0x3'/function='0x8'/" "$tmp/gf.xml" >"$tmp/bad.xml"
	validate "virt-xml-validate: a function 8 fails" invalid "$tmp/bad.xml"
	sed "s/type='pci' managed='yes'/type='pci' managed='sure'/" "$tmp/tg.xml" >"$tmp/bad.xml"
	validate "virt-xml-validate: managed='sure' fails" invalid "$tmp/bad.xml"
	sed '/<source>/d; /<\/source>/d' "$tmp/mlx.xml" >"$tmp/bad.xml"
	validate "virt-xml-validate: an element without <source> fails" invalid "$tmp/bad.xml"
	sed 's/-->/-- -->/' "$tmp/mlx.xml" >"$tmp/bad.xml"
	validate "virt-xml-validate: a comment with -- in it fails" invalid "$tmp/bad.xml"
	# the gap, reported: does this libvirt's schema take <driver model>?
	sed "s|^  <source>|  <driver model='mlx5_vfio_pci'/>\n  <source>|" "$tmp/mlx.xml" >"$tmp/model.xml"
	domain "$tmp/model.xml" >"$tmp/dom.xml"
	if virt-xml-validate "$tmp/dom.xml" domain >/dev/null 2>&1; then
		echo "# this libvirt's schema accepts <driver model='mlx5_vfio_pci'/> (libvirt 10.0 or later)"
	else
		echo "# this libvirt's schema rejects <driver model='mlx5_vfio_pci'/> (before 10.0): the export keeps it in a comment"
	fi
else
	echo "# SKIP: virt-xml-validate not installed (libvirt-clients): libvirt's schema was not checked"
fi

# --- Proxmox: each field as Proxmox's source defines it
#   --id, mapping=: pve-configid, $CONFIGID_RE in pve-common src/PVE/JSONSchema.pm
#     ([a-z][a-z0-9_-]+, case-insensitive)
#   node: pve_verify_node_name, same file
#   path, id, subsystem-id, iommugroup: $map_fmt in pve-guest-common
#     src/PVE/Mapping/PCI.pm ($PCI_RE; path may list alternatives with ';')
#   hostpciN (N < $MAX_HOSTPCI_DEVICES = 16), its host ID ($PCIRE) and
#     driver (vfio|keep): qemu-server src/PVE/QemuServer/PCI.pm
# Schema patterns are matched whole (PVE::JSONSchema anchors them).
RE_ID='[A-Za-z][A-Za-z0-9_-]+'
RE_NODE='[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?'
RE_PCI='[a-f0-9]{4,}:[a-f0-9]{2}:[a-f0-9]{2}(\.[a-f0-9])?'
RE_PATH="($RE_PCI;)*$RE_PCI"
RE_HEX='[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}'
RE_QM_PCI='([a-f0-9]{4,}:)?[a-f0-9]{2}:[a-f0-9]{2}(\.[a-f0-9])?'
RE_HOSTPCI='-hostpci([0-9]|1[0-5])'

# pve_check FILE SYSDIR NODE: prints what is wrong, one line each; the
# mappings' values must be what sysfs says, as PVE::Mapping::PCI's
# assert_valid requires (id, subsystem-id, iommugroup of the path, or of
# function 0 for a whole card)
pve_check() {
	_sys=$2 _node=$3 _ids=""
	while IFS= read -r l; do
		case $l in
		'' | '#'*) ;;
		'pvesh create /cluster/mapping/pci --id '*)
			set -f; set -- $l; set +f
			[ $# = 7 ] && [ "$6" = --map ] || { echo "pvesh shape: $l"; continue; }
			printf '%s\n' "$5" | grep -Eqx "$RE_ID" || printf -- '--id %s\n' "$5"
			_ids="$_ids $5 "
			_seen="" _p="" _id="" _sub="" _grp=""
			for kv in $(printf '%s\n' "$7" | tr ',' ' '); do
				k=${kv%%=*} v=${kv#*=}
				_seen="$_seen $k"
				case $k in
				node) printf '%s\n' "$v" | grep -Eqx "$RE_NODE" && [ "$v" = "$_node" ] || echo "node=$v" ;;
				path) printf '%s\n' "$v" | grep -Eqx "$RE_PATH" || echo "path=$v"
					_p=${v%%;*}; case $_p in *.?) ;; *) _p=$_p.0 ;; esac ;;
				id) printf '%s\n' "$v" | grep -Eqx "$RE_HEX" || echo "id=$v"; _id=$v ;;
				subsystem-id) printf '%s\n' "$v" | grep -Eqx "$RE_HEX" || echo "subsystem-id=$v"; _sub=$v ;;
				iommugroup) printf '%s\n' "$v" | grep -Eqx '[+-]?[0-9]+' || echo "iommugroup=$v"; _grp=$v ;;
				*) echo "unknown key $k" ;;
				esac
			done
			for k in node path id subsystem-id iommugroup; do
				case "$_seen " in *" $k "*) ;; *) echo "missing $k" ;; esac
			done
			_d="$_sys/bus/pci/devices/$_p"
			[ -n "$_p" ] && [ -d "$_d" ] || { echo "no device $_p"; continue; }
			_want="$(sed 's/^0x//' "$_d/vendor"):$(sed 's/^0x//' "$_d/device")"
			[ "$_id" = "$_want" ] || echo "id $_id, sysfs $_want"
			_want="$(sed 's/^0x//' "$_d/subsystem_vendor"):$(sed 's/^0x//' "$_d/subsystem_device")"
			[ "$_sub" = "$_want" ] || echo "subsystem-id $_sub, sysfs $_want"
			_want=$(readlink "$_d/iommu_group"); _want=${_want##*/}
			[ "$_grp" = "$_want" ] || echo "iommugroup $_grp, sysfs $_want"
			;;
		'qm set VMID -hostpci'*)
			printf '%s\n' "$l" | grep -Eqx "qm set VMID $RE_HOSTPCI mapping=$RE_ID(,driver=(vfio|keep))?" ||
				echo "qm: $l"
			_m=$(printf '%s\n' "$l" | sed 's/.* mapping=\([^,]*\).*/\1/')
			case "$_ids" in *" $_m "*) ;; *) echo "qm: no mapping $_m" ;; esac
			;;
		*) echo "neither a comment nor a command: $l" ;;
		esac
		case $l in
		'# or, without the mapping: '*)
			_host="$RE_QM_PCI(;$RE_QM_PCI)*(,driver=(vfio|keep))?"
			printf '%s\n' "$l" | grep -Eqx "# or, without the mapping: qm set VMID $RE_HOSTPCI $_host" ||
				echo "host form: $l" ;;
		esac
	done <"$1"
}
# the checker is no rubber stamp either
printf '%s\n' "pvesh create /cluster/mapping/pci --id 1gpu --map node=pve1,path=0000:1:00.0,id=10de:1f2,iommugroup=x" \
	"qm set VMID -hostpci16 mapping=pci-0000-01-00" "rm -rf /" \
	"# or, without the mapping: qm set VMID -hostpci0 0000:01:00.0.1" >"$tmp/bad.pve"
pve_check "$tmp/bad.pve" "$ROOTS/gpu-functions/sys" pve1 >"$tmp/w"
for w in "--id 1gpu" "path=0000:1:00.0" "id=10de:1f2" "iommugroup=x" "missing subsystem-id" "no device 0000:1:00.0" \
	"qm: qm set VMID -hostpci16" "qm: no mapping pci-0000-01-00" "neither a comment nor a command: rm -rf /" \
	"host form: # or, without the mapping: qm set VMID -hostpci0 0000:01:00.0.1"; do
	expect_contains "Proxmox check: catches $w" "$tmp/w" "$w"
done

# the node's name is the root's /etc/hostname without its domain
copy gpu-functions; g="$tmp/gpu-functions"
printf '# the installer wrote this\npve1.example.com\n' >"$g/root/etc/hostname"
at "$g" export proxmox --select 0000:01:00.0 >"$tmp/gf.pve" 2>"$tmp/e"; rc=$?
expect_eq "Proxmox, RTX 2070: exit 0" 0 "$rc"
expect_eq "Proxmox, RTX 2070: nothing on stderr" "" "$(cat "$tmp/e")"
expect_eq "Proxmox, RTX 2070: Proxmox's formats, sysfs's values" "" "$(pve_check "$tmp/gf.pve" "$g/sys" pve1)"
sed 's/subsystem-id=1043:86f7,iommugroup=1/subsystem-id=1043:86f8,iommugroup=2/' "$tmp/gf.pve" >"$tmp/bad.pve"
pve_check "$tmp/bad.pve" "$g/sys" pve1 >"$tmp/w"
expect_contains "Proxmox check: compares with sysfs (subsystem)" "$tmp/w" "subsystem-id 1043:86f8, sysfs 1043:86f7"
expect_contains "Proxmox check: compares with sysfs (group)" "$tmp/w" "iommugroup 2, sysfs 1"
expect_contains "Proxmox, RTX 2070: the whole card, one mapping" "$tmp/gf.pve" \
	"pvesh create /cluster/mapping/pci --id pci-0000-01-00 --map node=pve1,path=0000:01:00,id=10de:1f02,subsystem-id=1043:86f7,iommugroup=1"
expect_contains "Proxmox, RTX 2070: its hostpci line" "$tmp/gf.pve" "qm set VMID -hostpci0 mapping=pci-0000-01-00"
expect_contains "Proxmox: pcie=1 only with q35, said" "$tmp/gf.pve" "# pcie=1 (a PCIe port in the VM) needs the q35 machine type"
expect_eq "Proxmox: no pcie=1 on the lines (the default machine is i440fx)" "" "$(grep -v '^#' "$tmp/gf.pve" | grep pcie)"
expect_contains "Proxmox, a GPU: x-vga, as a suggestion" "$tmp/gf.pve" "# As the VM's primary display: add ,x-vga=1"

vf twin-gpus export proxmox --select 0000:02:00.0,0000:03:00.0 >"$tmp/tg.pve" 2>"$tmp/e"
expect_eq "Proxmox, GTX 1070 and a NIC: formats and values" "" "$(pve_check "$tmp/tg.pve" "$ROOTS/twin-gpus/sys" NODE)"
expect_eq "Proxmox, GTX 1070 and a NIC: two mappings, hostpci0 and 1" "pci-0000-02-00 pci-0000-03-00-0" \
	"$(sed -n 's/^qm set VMID -hostpci[01] mapping=//p' "$tmp/tg.pve" | paste -sd' ')"
expect_contains "Proxmox, no /etc/hostname: NODE, said on stderr" "$tmp/e" "this node's name is unknown"
expect_contains "Proxmox, no /etc/hostname: NODE, said in the header" "$tmp/tg.pve" "# NODE: this node's name"

# an /etc/hostname that leads out of the root is not followed
ln -sf /etc/hostname "$g/root/etc/hostname"
at "$g" export proxmox --select 0000:01:00.0 >"$tmp/o" 2>/dev/null
expect_contains "a symlinked /etc/hostname: not followed out of the root" "$tmp/o" "--map node=NODE,"

# --- devices.conf is the selection without --select: a variant's VF
d="$tmp/m"
regen_stack "$d" debian-mlx5
printf 'pve-mlx\n' >"$d/root/etc/hostname"
at "$d" apply --select 0000:41:00.2 --yes >"$tmp/o" 2>&1 || { not_ok "apply"; sed 's/^/#   /' "$tmp/o"; }
at "$d" export proxmox >"$tmp/mlx.pve" 2>"$tmp/e"; rc=$?
expect_eq "configured mlx5 VF: exit 0" 0 "$rc"
expect_eq "configured mlx5 VF: formats and values" "" "$(pve_check "$tmp/mlx.pve" "$d/sys" pve-mlx)"
expect_contains "configured mlx5 VF: its function alone (the PF stays)" "$tmp/mlx.pve" \
	"--id pci-0000-41-00-2 --map node=pve-mlx,path=0000:41:00.2,id=15b3:101e,subsystem-id=15b3:0016,iommugroup=5"
expect_contains "configured mlx5 VF: Proxmox keeps it on its variant" "$tmp/mlx.pve" \
	"qm set VMID -hostpci0 mapping=pci-0000-41-00-2,driver=keep"
expect_eq "configured mlx5 VF: one device" 1 "$(grep -c '^pvesh' "$tmp/mlx.pve")"
at "$d" export libvirt >"$tmp/o" 2>/dev/null
expect_eq "configured mlx5 VF: libvirt, the same device" "$(cat "$tmp/mlx.xml")" "$(cat "$tmp/o")"

finish
