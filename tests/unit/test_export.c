/* test_export.c - libvirt <hostdev> elements and Proxmox VE mapping lines
 * on a hand-built inventory: addresses, whole cards against single
 * functions, variant drivers, names from hostile pci.ids text, the
 * formats Proxmox checks, and /etc/hostname. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/export.h"
#include "tests/unit/testinv.h"

/* An RTX 2070 with its four functions in group 1 beside the iGPU; a
 * ConnectX PF and two VFs (the first on mlx5_vfio_pci); an NVMe in PCI
 * domain 0x10000 whose name is made to break comments. */
static void build(struct inventory *inv)
{
	struct device *d;

	memset(inv, 0, sizeof(*inv));
	testinv_add(inv, "00:02.0", 0x8086, 0x3e92, 0x030000, 0, "i915", "UHD 630");
	d = testinv_add(inv, "01:00.0", 0x10de, 0x1f02, 0x030000, 1, "nouveau", "TU106 [GeForce RTX 2070]");
	d->subsys_vendor = 0x1043, d->subsys_device = 0x86f7;
	d = testinv_add(inv, "01:00.1", 0x10de, 0x10f9, 0x040300, 1, "snd_hda_intel", "TU106 audio");
	d->subsys_vendor = 0x1043, d->subsys_device = 0x86f7;
	testinv_add(inv, "01:00.2", 0x10de, 0x1ada, 0x0c0330, 1, "xhci_hcd", "TU106 USB");
	testinv_add(inv, "01:00.3", 0x10de, 0x1adb, 0x0c8000, 1, "nvidia-gpu", "TU106 UCSI");
	testinv_add(inv, "41:00.0", 0x15b3, 0x101d, 0x020000, 4, "mlx5_core", "ConnectX-6 Dx");
	d = testinv_add(inv, "41:00.2", 0x15b3, 0x101e, 0x020000, 5, "mlx5_core", "ConnectX VF");
	d->subsys_vendor = 0x15b3, d->subsys_device = 0x0016;
	testinv_add(inv, "41:00.3", 0x15b3, 0x101e, 0x020000, 6, "mlx5_core", "ConnectX VF");
	testinv_add(inv, "10000:02:00.0", 0x144d, 0xa808, 0x010802, 7, "nvme", "Evil--name-\n# rm -rf / \x01\xc3\xa9");
	inventory_finish(inv);
}

struct pick {
	bool sel[16];
	const char *drv[16];
};

/* addrs: NULL-terminated; the VF 41:00.2 gets its variant when picked */
static void pick(const struct inventory *inv, struct pick *p, const char *const *addrs)
{
	memset(p, 0, sizeof(*p));
	for (; *addrs; addrs++) {
		size_t i = testinv_idx(inv, *addrs);
		p->sel[i] = true;
		if (strcmp(*addrs, "0000:41:00.2") == 0)
			p->drv[i] = "mlx5_vfio_pci";
	}
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* The text outside <!-- --> comments; asserts every comment is closed
 * and holds no "--" (XML 1.0, production 15). */
static char *outside_comments(const char *s)
{
	struct strbuf sb = {0};
	const char *p = s, *c, *e;

	while ((c = strstr(p, "<!--"))) {
		strbuf_add(&sb, p, (size_t)(c - p));
		e = strstr(c + 4, "-->");
		assert_non_null(e);
		for (const char *q = c + 4; q < e; q++)
			assert_false(q[0] == '-' && q[1] == '-');
		assert_true(e[-1] != '-');
		p = e + 3;
	}
	strbuf_puts(&sb, p);
	return strbuf_detach(&sb);
}

static void libvirt_one_element_per_function(void **state)
{
	static const char *const addrs[] = {"0000:01:00.0", "0000:01:00.1", "0000:01:00.2", "0000:01:00.3",
					    "0000:41:00.2", "10000:02:00.0", NULL};
	struct inventory inv;
	struct pick p;
	struct strbuf sb = {0};
	char *bare;

	(void)state;
	build(&inv);
	pick(&inv, &p, addrs);
	export_libvirt(&inv, p.sel, p.drv, &sb);
	bare = outside_comments(sb.buf);
	assert_int_equal(count(bare, "<hostdev mode='subsystem' type='pci' managed='yes'>\n"
				     "  <source>\n    <address "),
			 6);
	assert_int_equal(count(bare, "</source>\n</hostdev>\n"), 6);
	assert_non_null(strstr(bare, "<address domain='0x0000' bus='0x01' slot='0x00' function='0x3'/>"));
	assert_non_null(strstr(bare, "<address domain='0x0000' bus='0x41' slot='0x00' function='0x2'/>"));
	assert_non_null(strstr(bare, "<address domain='0x10000' bus='0x02' slot='0x00' function='0x0'/>"));
	/* nothing unselected, and no guest <address> or <driver>: libvirt
	 * 9.0's schema has no driver model, and guest slots are the domain's */
	assert_null(strstr(bare, "bus='0x00'"));
	assert_null(strstr(bare, "bus='0x41' slot='0x00' function='0x0'"));
	assert_null(strstr(bare, "<driver"));
	assert_int_equal(count(bare, "<address "), 6);
	/* the variant is named in a comment, with what each libvirt does */
	assert_non_null(strstr(sb.buf, "on its vfio variant driver mlx5_vfio_pci"));
	assert_non_null(strstr(sb.buf, "<driver model='mlx5_vfio_pci'/>"));
	assert_non_null(strstr(sb.buf, "Debian 12 has 9.0"));
	assert_int_equal(count(sb.buf, "variant driver"), 1);
	/* hostile pci.ids text stays inside its comment */
	assert_null(strstr(sb.buf, "\n# rm"));
	assert_null(strstr(sb.buf, "\x01"));
	assert_non_null(strstr(sb.buf, "Evil- name-?# rm -rf / ???, IOMMU group 7 -->"));
	free(bare);
	strbuf_free(&sb);
	inventory_free(&inv);
}

static void proxmox_cards_and_functions(void **state)
{
	static const char *const addrs[] = {"0000:01:00.0", "0000:01:00.1", "0000:01:00.2", "0000:01:00.3",
					    "0000:41:00.2", "10000:02:00.0", NULL};
	struct inventory inv;
	struct pick p;
	struct strbuf sb = {0};

	(void)state;
	build(&inv);
	pick(&inv, &p, addrs);
	export_proxmox(&inv, p.sel, p.drv, "pve1", &sb);
	/* every function of 01:00 goes: one mapping, the slot without a
	 * function, function 0's ids */
	assert_non_null(strstr(sb.buf, "# the whole card, 4 functions, from 0000:01:00.0 [10de:1f02] TU106 [GeForce "
				       "RTX 2070], IOMMU group 1\n"
				       "pvesh create /cluster/mapping/pci --id pci-0000-01-00 --map node=pve1,"
				       "path=0000:01:00,id=10de:1f02,subsystem-id=1043:86f7,iommugroup=1\n"
				       "qm set VMID -hostpci0 mapping=pci-0000-01-00\n"
				       "# or, without the mapping: qm set VMID -hostpci0 0000:01:00\n"
				       "# As the VM's primary display: add ,x-vga=1 to the hostpci value.\n"));
	/* a VF without its PF: that function alone, kept on its variant */
	assert_non_null(strstr(sb.buf, "pvesh create /cluster/mapping/pci --id pci-0000-41-00-2 --map node=pve1,"
				       "path=0000:41:00.2,id=15b3:101e,subsystem-id=15b3:0016,iommugroup=5\n"
				       "qm set VMID -hostpci1 mapping=pci-0000-41-00-2,driver=keep\n"
				       "# or, without the mapping: qm set VMID -hostpci1 0000:41:00.2,driver=keep\n"));
	assert_non_null(strstr(sb.buf, "# On its vfio variant driver mlx5_vfio_pci: driver=keep"));
	/* subsystem 0 is still a value sysfs has */
	assert_non_null(strstr(sb.buf, "--id pci-10000-02-00-0 --map node=pve1,path=10000:02:00.0,id=144d:a808,"
				       "subsystem-id=0000:0000,iommugroup=7\n"
				       "qm set VMID -hostpci2 mapping=pci-10000-02-00-0\n"));
	assert_int_equal(count(sb.buf, "x-vga=1"), 1);
	assert_int_equal(count(sb.buf, "driver=keep\n"), 2);
	assert_int_equal(count(sb.buf, "\npvesh create "), 3);
	assert_null(strstr(sb.buf, "NODE"));
	assert_null(strstr(sb.buf, "0000:41:00.0"));
	assert_null(strstr(sb.buf, "0000:00:02"));
	/* every line is a comment, a command or empty: the hostile name
	 * cannot start a line of its own */
	for (const char *l = sb.buf; *l; l = strchr(l, '\n') + 1) {
		assert_true(*l == '#' || *l == '\n' || str_starts_with(l, "pvesh create /cluster/mapping/pci --id ") ||
			    str_starts_with(l, "qm set VMID -hostpci"));
		assert_non_null(strchr(l, '\n'));
	}
	strbuf_free(&sb);
	inventory_free(&inv);
}

static void proxmox_part_of_a_card(void **state)
{
	static const char *const addrs[] = {"0000:01:00.0", "0000:01:00.1", NULL};
	static const char *const vfs[] = {"0000:41:00.2", "0000:41:00.3", NULL};
	struct inventory inv;
	struct pick p;
	struct strbuf sb = {0};

	(void)state;
	build(&inv);
	pick(&inv, &p, addrs);
	export_proxmox(&inv, p.sel, p.drv, "pve1", &sb);
	assert_non_null(strstr(sb.buf, "--id pci-0000-01-00-0 --map node=pve1,path=0000:01:00.0,"));
	assert_non_null(strstr(sb.buf, "--id pci-0000-01-00-1 --map node=pve1,path=0000:01:00.1,id=10de:10f9,"));
	assert_null(strstr(sb.buf, "path=0000:01:00,"));
	assert_null(strstr(sb.buf, "whole card"));
	strbuf_reset(&sb);
	/* the PF stays: its VFs go one by one, even as the slot's others */
	pick(&inv, &p, vfs);
	export_proxmox(&inv, p.sel, p.drv, "pve1", &sb);
	assert_non_null(strstr(sb.buf, "path=0000:41:00.2,"));
	assert_non_null(strstr(sb.buf, "path=0000:41:00.3,"));
	assert_int_equal(count(sb.buf, "driver=keep\n"), 2);
	strbuf_free(&sb);
	inventory_free(&inv);
}

/* The formats Proxmox checks, as ERE (tests/cli/export.sh cites the
 * source of each): pve-configid, pve-node, the map's path, id,
 * subsystem-id and iommugroup, hostpci's mapping. */
static void proxmox_lines_have_proxmox_formats(void **state)
{
	static const char *const addrs[] = {"0000:01:00.0", "0000:01:00.1", "0000:01:00.2", "0000:01:00.3",
					    "0000:41:00.2", "0000:41:00.3", "10000:02:00.0", NULL};
	static const char pvesh[] =
		"^pvesh create /cluster/mapping/pci --id [A-Za-z][A-Za-z0-9_-]+ --map "
		"node=[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?,"
		"path=[a-f0-9]{4,}:[a-f0-9]{2}:[a-f0-9]{2}(\\.[a-f0-9])?,"
		"id=[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4},subsystem-id=[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4},iommugroup=[0-9]+$";
	static const char qm[] =
		"^(# )?qm set VMID -hostpci([0-9]|1[0-5]) mapping=[A-Za-z][A-Za-z0-9_-]+(,driver=keep)?$";
	struct inventory inv;
	struct pick p;
	struct strbuf sb = {0};
	regex_t rp, rq;
	size_t np = 0, nq = 0;

	(void)state;
	build(&inv);
	pick(&inv, &p, addrs);
	export_proxmox(&inv, p.sel, p.drv, "pve-1", &sb);
	assert_int_equal(regcomp(&rp, pvesh, REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regcomp(&rq, qm, REG_EXTENDED | REG_NOSUB), 0);
	for (char *l = sb.buf, *e; *l; l = e + 1) {
		e = strchr(l, '\n');
		*e = '\0';
		if (str_starts_with(l, "pvesh")) {
			assert_int_equal(regexec(&rp, l, 0, NULL, 0), 0);
			np++;
		}
		if (str_starts_with(l, "qm")) {
			assert_int_equal(regexec(&rq, l, 0, NULL, 0), 0);
			nq++;
		}
	}
	assert_int_equal(np, 4); /* the card, two VFs, the NVMe */
	assert_int_equal(nq, 4);
	regfree(&rp);
	regfree(&rq);
	strbuf_free(&sb);
	inventory_free(&inv);
}

static void proxmox_unknown_node_and_hostpci_limit(void **state)
{
	struct inventory inv;
	bool sel[20] = {false};
	struct strbuf sb = {0};
	char addr[16];

	(void)state;
	memset(&inv, 0, sizeof(inv));
	for (int i = 0; i < 17; i++) {
		snprintf(addr, sizeof(addr), "%02x:00.0", i + 1);
		testinv_add(&inv, addr, 0x8086, 0x1533, 0x020000, i + 1, "igb", "I210");
	}
	inventory_finish(&inv);
	for (int i = 0; i < 17; i++)
		sel[i] = true;
	export_proxmox(&inv, sel, NULL, NULL, &sb);
	assert_non_null(strstr(sb.buf, "# NODE: this node's name (hostname -s), which vfioconf could not read.\n"));
	assert_int_equal(count(sb.buf, "--map node=NODE,"), 17);
	assert_non_null(strstr(sb.buf, "\nqm set VMID -hostpci15 mapping=pci-0000-10-00-0\n"));
	assert_non_null(strstr(sb.buf, "# A VM has hostpci0 to hostpci15: this one goes to another VM.\n"
				       "# qm set VMID -hostpci16 mapping=pci-0000-11-00-0\n"));
	assert_null(strstr(sb.buf, "\nqm set VMID -hostpci16"));
	strbuf_free(&sb);
	inventory_free(&inv);
}

static void node_name_from_etc_hostname(void **state)
{
	char n[EXPORT_NODE_MAX];
	char longname[80];

	(void)state;
	assert_int_equal(export_node_name("pve1\n", n), 0);
	assert_string_equal(n, "pve1");
	assert_int_equal(export_node_name("pve-2.example.com", n), 0);
	assert_string_equal(n, "pve-2");
	assert_int_equal(export_node_name("# set by the installer\n\n  \t\nNode7 \r\n", n), 0);
	assert_string_equal(n, "Node7");
	assert_int_equal(export_node_name("", n), -EINVAL);
	assert_string_equal(n, "");
	assert_int_equal(export_node_name("# only a comment\n", n), -EINVAL);
	assert_int_equal(export_node_name("under_score\n", n), -EINVAL);
	assert_int_equal(export_node_name("-lead\n", n), -EINVAL);
	assert_int_equal(export_node_name("trail-\n", n), -EINVAL);
	assert_int_equal(export_node_name("two words\n", n), -EINVAL);
	assert_int_equal(export_node_name(".example.com\n", n), -EINVAL);
	memset(longname, 'a', 63);
	longname[63] = '\0';
	assert_int_equal(export_node_name(longname, n), 0);
	longname[63] = 'a';
	longname[64] = '\0';
	assert_int_equal(export_node_name(longname, n), -EINVAL);
	assert_int_equal(export_node_name(NULL, n), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(libvirt_one_element_per_function),
		cmocka_unit_test(proxmox_cards_and_functions),
		cmocka_unit_test(proxmox_part_of_a_card),
		cmocka_unit_test(proxmox_lines_have_proxmox_formats),
		cmocka_unit_test(proxmox_unknown_node_and_hostpci_limit),
		cmocka_unit_test(node_name_from_etc_hostname),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
