/* test_analysis.c - identical IDs, host-critical flags, group summaries and
 * what a selection drags along, on a hand-built inventory. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/analysis.h"
#include "tests/unit/testinv.h"

static struct device *add(struct inventory *inv, const char *addr, unsigned vendor, unsigned device,
			  unsigned cls, int group, const char *driver)
{
	return testinv_add(inv, addr, vendor, device, cls, group, driver, NULL);
}

/* Two identical GPUs behind one root port each, sharing group 1 with the
 * ports (no ACS), the second card's audio; a SATA controller with /. */
static void build(struct inventory *inv)
{
	struct mount_info *m;

	memset(inv, 0, sizeof(*inv));
	add(inv, "00:01.0", 0x8086, 0x1901, 0x060400, 1, "pcieport");
	add(inv, "00:01.1", 0x8086, 0x1905, 0x060400, 1, "pcieport");
	add(inv, "01:00.0", 0x10de, 0x1b81, 0x030000, 1, "nouveau")->boot_vga = 1;
	add(inv, "01:00.1", 0x10de, 0x10f0, 0x040300, 1, "snd_hda_intel");
	add(inv, "02:00.0", 0x10de, 0x1b81, 0x030000, 1, "nouveau")->boot_vga = 0;
	add(inv, "02:00.1", 0x10de, 0x10f0, 0x040300, 1, "snd_hda_intel");
	add(inv, "00:17.0", 0x8086, 0xa352, 0x010601, 2, "ahci");
	add(inv, "03:00.0", 0x8086, 0x1533, 0x020000, 3, "igb");
	add(inv, "00:1f.0", 0x8086, 0xa305, 0x060100, 4, NULL);  /* no driver, no module */
	add(inv, "00:1f.4", 0x8086, 0xa323, 0x0c0500, 4, NULL);
	strv_push(&inv->devices[inv->n_devices - 1].modules, "i2c_i801"); /* would bind */
	inventory_finish(inv);
	inv->host.mounts = calloc(2, sizeof(*inv->host.mounts));
	inv->host.n_mounts = 2;
	m = &inv->host.mounts[0];
	m->target = strdup("/");
	m->source = strdup("/dev/mapper/vg-root");
	strv_push(&m->pci, "0000:00:17.0");
	m = &inv->host.mounts[1];
	m->target = strdup("swap");
	m->source = strdup("/dev/sda3");
	strv_push(&m->pci, "0000:00:17.0");
	inv->host.ssh_iface = strdup("enp3s0");
	inv->host.ssh_local = strdup("10.0.0.2");
	strv_push(&inv->host.ssh_pci, "0000:03:00.0");
	analysis_run(inv);
}

static void same_id_names_the_twin(void **state)
{
	struct inventory inv;
	struct device *d;

	(void)state;
	build(&inv);
	d = inventory_find_str(&inv, "0000:02:00.0");
	assert_true(d->flags & DEV_SAME_ID);
	assert_int_equal(d->same_id.n, 1);
	assert_string_equal(d->same_id.v[0], "0000:01:00.0");
	d = inventory_find_str(&inv, "0000:01:00.1");
	assert_string_equal(d->same_id.v[0], "0000:02:00.1");
	/* bridges never carry it */
	assert_false(inventory_find_str(&inv, "0000:00:01.0")->flags & DEV_SAME_ID);
	assert_false(inventory_find_str(&inv, "0000:03:00.0")->flags & DEV_SAME_ID);
	analysis_run(&inv); /* idempotent */
	assert_int_equal(inventory_find_str(&inv, "0000:02:00.0")->same_id.n, 1);
	inventory_free(&inv);
}

static void host_critical_flags_and_reasons(void **state)
{
	struct inventory inv;
	struct device *d;

	(void)state;
	build(&inv);
	d = inventory_find_str(&inv, "0000:00:17.0");
	assert_int_equal(d->flags & DEV_HOST_CRITICAL, DEV_ROOT_DISK | DEV_SWAP_DISK);
	assert_string_equal(d->reasons.v[0], "holds / (/dev/mapper/vg-root)");
	assert_string_equal(d->reasons.v[1], "holds swap (/dev/sda3)");
	d = inventory_find_str(&inv, "0000:03:00.0");
	assert_int_equal(d->flags & DEV_HOST_CRITICAL, DEV_SSH_NIC);
	assert_non_null(strstr(d->reasons.v[0], "enp3s0"));
	assert_true(inventory_find_str(&inv, "0000:01:00.0")->flags & DEV_BOOT_VGA);
	assert_false(inventory_find_str(&inv, "0000:02:00.0")->flags & DEV_HOST_CRITICAL);
	inventory_free(&inv);
}

static void group_summary_counts_slots(void **state)
{
	struct inventory inv;
	struct group_summary s;

	(void)state;
	build(&inv);
	analysis_group_summary(&inv, inventory_group(&inv, 1), &s);
	assert_int_equal(s.bridges, 2);
	assert_int_equal(s.endpoints, 4);
	assert_int_equal(s.slots, 2);
	assert_int_equal(s.host_critical, 1);
	inventory_free(&inv);
}

static bool has_issue(const struct inventory *inv, const struct selection_issue *v, size_t n,
		      const char *addr, int kind)
{
	for (size_t i = 0; i < n; i++)
		if ((int)v[i].kind == kind && strcmp(inv->devices[v[i].device].addr_str, addr) == 0)
			return true;
	return false;
}

static void selection_drags_group_and_companions(void **state)
{
	struct inventory inv;
	struct selection_issue *v;
	bool *sel;
	size_t n;

	(void)state;
	build(&inv);
	sel = calloc(inv.n_devices, sizeof(bool));
	sel[inventory_find_str(&inv, "0000:02:00.0") - inv.devices] = true;
	n = analysis_check_selection(&inv, sel, &v);
	assert_true(has_issue(&inv, v, n, "0000:02:00.1", ISSUE_COMPANION));
	assert_true(has_issue(&inv, v, n, "0000:01:00.0", ISSUE_DRAGGED));
	assert_true(has_issue(&inv, v, n, "0000:01:00.1", ISSUE_DRAGGED));
	assert_true(has_issue(&inv, v, n, "0000:02:00.1", ISSUE_DRAGGED));
	assert_false(has_issue(&inv, v, n, "0000:00:01.0", ISSUE_DRAGGED)); /* bridges stay */
	assert_false(has_issue(&inv, v, n, "0000:02:00.0", ISSUE_REFUSED));
	free(v);

	/* selecting the root disk is refused; a driverless, moduleless
	 * group member is harmless, one a module would claim is not */
	memset(sel, 0, inv.n_devices);
	sel[inventory_find_str(&inv, "0000:00:17.0") - inv.devices] = true;
	sel[inventory_find_str(&inv, "0000:00:1f.4") - inv.devices] = true;
	n = analysis_check_selection(&inv, sel, &v);
	assert_true(has_issue(&inv, v, n, "0000:00:17.0", ISSUE_REFUSED));
	assert_false(has_issue(&inv, v, n, "0000:00:1f.0", ISSUE_DRAGGED));
	free(v);
	memset(sel, 0, inv.n_devices);
	sel[inventory_find_str(&inv, "0000:00:1f.0") - inv.devices] = true;
	n = analysis_check_selection(&inv, sel, &v);
	assert_true(has_issue(&inv, v, n, "0000:00:1f.4", ISSUE_DRAGGED));
	free(v);
	free(sel);
	inventory_free(&inv);
}

static void same_id_lists_are_capped(void **state)
{
	struct inventory inv = {0};
	char addr[16];

	(void)state;
	for (int i = 0; i < 12; i++) {
		snprintf(addr, sizeof(addr), "05:10.%d", i % 8);
		addr[1] = (char)('5' + i / 8);
		add(&inv, addr, 0x8086, 0x10ed, 0x020000, 20 + i, "ixgbevf");
	}
	inventory_finish(&inv);
	analysis_run(&inv);
	for (size_t i = 0; i < inv.n_devices; i++) {
		assert_int_equal(inv.devices[i].same_id_count, 11);
		assert_int_equal(inv.devices[i].same_id.n, SAME_ID_LIST_MAX);
		for (size_t k = 0; k < inv.devices[i].same_id.n; k++)
			assert_string_not_equal(inv.devices[i].same_id.v[k], inv.devices[i].addr_str);
	}
	inventory_free(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_id_names_the_twin),
		cmocka_unit_test(host_critical_flags_and_reasons),
		cmocka_unit_test(group_summary_counts_slots),
		cmocka_unit_test(selection_drags_group_and_companions),
		cmocka_unit_test(same_id_lists_are_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
