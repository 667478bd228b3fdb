# tests/bench/lib.sh - what the make bench scripts share (sourced).
best() { sort -n | head -1; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# build_machine DESC OUT: a .machine description built into OUT/{sys,proc,root}
build_machine() {
	CC=${CC:-cc} DEPMOD=${DEPMOD:-depmod} sh "$srcdir/tests/tools/build-fixture.sh" \
		tests/tools/mkfixture "$1" "$2" >/dev/null
}

# desc_big: 4,096 endpoint functions behind 16 root ports, plus bridges
# (4,113 in all), as a .machine description on stdout
desc_big() {
	awk 'BEGIN {
	print "cpu intel"; print "cmdline root=/dev/sda1 intel_iommu=on"; print "iommu on"
	print "kernel 6.1.0-18-amd64 virqfd"
	print "module ixgbevf pci:v00008086d000010EDsv*sd*bc*sc*i*"
	print "module nvme pci:v*d*sv*sd*bc01sc08i02"
	print "module nouveau pci:v000010DEd*sv*sd*bc03sc*i*"
	print "module snd_hda_intel pci:v*d*sv*sd*bc04sc03i00"
	print "dev 00:00.0 8086:2020 060000 group=0"
	g = 1
	for (r = 1; r <= 16; r++) {
		printf "dev 00:%02x.0 8086:2030 060400 group=%d driver=pcieport\n", r, g++
		for (s = 0; s < 32; s++) {
			for (f = 0; f < 8; f++) {
				k = (r * 32 + s) % 4
				if (k == 0) ids = "8086:10ed 020000 driver=ixgbevf"
				else if (k == 1) ids = "144d:a808 010802 driver=nvme"
				else if (k == 2) ids = (f % 2 ? "10de:10f0 040300 driver=snd_hda_intel" : "10de:1b81 030000 driver=nouveau")
				else ids = "1b73:1100 0c0330"
				printf "dev %02x:%02x.%d %s sub=1028:0001 rev=01 group=%d parent=00:%02x.0\n", r, s, f, ids, g, r
			}
			g++
		}
	}
}'
}
