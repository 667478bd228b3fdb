/* test_selection.c - what comes along with a tick, group ticking, search and
 * the selection devices.conf records, on a hand-built inventory. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/analysis.h"
#include "core/selection.h"
#include "tests/unit/testinv.h"

/* A GPU whose audio function the kernel put in another group (1 and 2), a
 * two-port NIC sharing group 3, a two-port NIC with a group per port (4,
 * 5), a bridge in group 6 with a USB controller, and the SATA controller
 * holding / in group 7. */
static void build(struct inventory *inv)
{
	struct mount_info *m;

	memset(inv, 0, sizeof(*inv));
	testinv_add(inv, "01:00.0", 0x10de, 0x1b81, 0x030000, 1, "nouveau", "GTX 1070");
	testinv_add(inv, "01:00.1", 0x10de, 0x10f0, 0x040300, 2, "snd_hda_intel", "GP104 audio");
	testinv_add(inv, "02:00.0", 0x8086, 0x1521, 0x020000, 3, "igb", "I350 port 0");
	testinv_add(inv, "02:00.1", 0x8086, 0x1521, 0x020000, 3, "igb", "I350 port 1");
	testinv_add(inv, "03:00.0", 0x8086, 0x1572, 0x020000, 4, "i40e", "X710 port 0");
	testinv_add(inv, "03:00.1", 0x8086, 0x1572, 0x020000, 5, "i40e", "X710 port 1");
	testinv_add(inv, "00:1c.0", 0x8086, 0xa110, 0x060400, 6, "pcieport", "root port");
	testinv_add(inv, "04:00.0", 0x1b73, 0x1100, 0x0c0330, 6, "xhci_hcd", "FL1100 USB");
	testinv_add(inv, "00:17.0", 0x8086, 0xa102, 0x010601, 7, "ahci", "SATA");
	inventory_finish(inv);
	inv->host.mounts = calloc(1, sizeof(*inv->host.mounts));
	inv->host.n_mounts = 1;
	m = &inv->host.mounts[0];
	m->target = strdup("/");
	m->source = strdup("/dev/sda2");
	strv_push(&m->pci, "0000:00:17.0");
	inv->host.iommu_groups = true;
	analysis_run(inv);
}

static void companions_by_rule(void **state)
{
	struct inventory inv;
	size_t gpu, audio, p0, p1, x0, x1;

	(void)state;
	build(&inv);
	gpu = testinv_idx(&inv, "01:00.0");
	audio = testinv_idx(&inv, "01:00.1");
	p0 = testinv_idx(&inv, "02:00.0");
	p1 = testinv_idx(&inv, "02:00.1");
	x0 = testinv_idx(&inv, "03:00.0");
	x1 = testinv_idx(&inv, "03:00.1");
	/* a GPU's card comes along even from another group */
	assert_int_equal(selection_companion(&inv, gpu, audio), COMPANION_CARD);
	/* the audio function is no GPU: it takes nothing along */
	assert_int_equal(selection_companion(&inv, audio, gpu), COMPANION_NONE);
	/* the ports of one group go together, and say so */
	assert_int_equal(selection_companion(&inv, p0, p1), COMPANION_SLOT_GROUP);
	/* ports in their own groups are separate */
	assert_int_equal(selection_companion(&inv, x0, x1), COMPANION_NONE);
	assert_int_equal(selection_companion(&inv, gpu, gpu), COMPANION_NONE);
	assert_int_equal(selection_companion(&inv, gpu, p0), COMPANION_NONE);
	inventory_free(&inv);
}

static void blocked_devices(void **state)
{
	struct inventory inv;

	(void)state;
	build(&inv);
	assert_int_equal(selection_blocked(inventory_find_str(&inv, "00:1c.0")), TICK_BRIDGE);
	assert_int_equal(selection_blocked(inventory_find_str(&inv, "00:17.0")), TICK_HOST_CRITICAL);
	assert_int_equal(selection_blocked(inventory_find_str(&inv, "04:00.0")), TICK_FREE);
	inventory_free(&inv);
}

static void tick_takes_the_card_along_and_untick_clears_confirmations(void **state)
{
	struct inventory inv;
	bool t[16] = {0}, c[16] = {0};
	size_t gpu, audio, p0, p1;

	(void)state;
	build(&inv);
	gpu = testinv_idx(&inv, "01:00.0");
	audio = testinv_idx(&inv, "01:00.1");
	p0 = testinv_idx(&inv, "02:00.0");
	p1 = testinv_idx(&inv, "02:00.1");
	selection_tick(&inv, t, c, gpu, true);
	assert_true(t[gpu] && t[audio]);
	/* a NIC port's twin in the group is warned about by the plan, not ticked */
	selection_tick(&inv, t, c, p0, true);
	assert_true(t[p0]);
	assert_false(t[p1]);
	c[gpu] = c[audio] = true;
	selection_tick(&inv, t, c, gpu, false);
	assert_false(t[gpu] || t[audio] || c[gpu] || c[audio]);
	assert_true(t[p0]);
	inventory_free(&inv);
}

static void group_ticks_all_then_none_never_bridges(void **state)
{
	struct inventory inv;
	bool t[16] = {0}, c[16] = {0};
	size_t blocker = 99, g6 = 5, bridge, usb;

	(void)state;
	build(&inv);
	bridge = testinv_idx(&inv, "00:1c.0");
	usb = testinv_idx(&inv, "04:00.0");
	assert_int_equal(inv.groups[g6].id, 6);
	assert_int_equal(selection_tick_group(&inv, t, c, g6, &blocker), 0);
	assert_true(t[usb]);
	assert_false(t[bridge]);
	assert_int_equal(selection_tick_group(&inv, t, c, g6, &blocker), 0);
	assert_false(t[usb]);
	inventory_free(&inv);
}

static void group_with_the_root_disk_is_not_ticked(void **state)
{
	struct inventory inv;
	bool t[16] = {0}, c[16] = {0}, none[16] = {0};
	size_t blocker = 99;

	(void)state;
	build(&inv);
	assert_int_equal(inv.groups[6].id, 7);
	assert_int_equal(selection_tick_group(&inv, t, c, 6, &blocker), -EPERM);
	assert_int_equal(blocker, testinv_idx(&inv, "00:17.0"));
	assert_memory_equal(t, none, sizeof(t));
	inventory_free(&inv);
}

static void search_by_address_vendor_and_name(void **state)
{
	struct inventory inv;
	struct device *d;

	(void)state;
	build(&inv);
	d = inventory_find_str(&inv, "01:00.1");
	d->vendor_name = strdup("NVIDIA Corporation");
	assert_true(selection_matches(d, "01:00.1"));
	assert_true(selection_matches(d, "0000:01:00"));
	assert_true(selection_matches(d, "nvidia"));
	assert_true(selection_matches(d, "gp104 AUDIO"));
	assert_false(selection_matches(d, "02:00"));
	assert_false(selection_matches(d, "radeon"));
	inventory_free(&inv);
}

static void selection_from_devices_conf(void **state)
{
	struct inventory inv;
	struct state st = {0};
	struct strv missing = {0};
	struct state_device sd = {0};
	bool t[16], c[16];

	(void)state;
	build(&inv);
	memset(t, 1, sizeof(t));
	memset(c, 1, sizeof(c));
	snprintf(sd.addr, sizeof(sd.addr), "0000:04:00.0");
	state_add_device(&st, &sd);
	snprintf(sd.addr, sizeof(sd.addr), "0000:00:17.0");
	sd.taken_from_host = true;
	state_add_device(&st, &sd);
	snprintf(sd.addr, sizeof(sd.addr), "0000:09:00.0");
	state_add_device(&st, &sd);
	selection_from_state(&inv, &st, t, c, &missing);
	for (size_t i = 0; i < inv.n_devices; i++) {
		const char *a = inv.devices[i].addr_str;
		bool want = strcmp(a, "0000:04:00.0") == 0 || strcmp(a, "0000:00:17.0") == 0;
		assert_int_equal(t[i], want);
		assert_int_equal(c[i], strcmp(a, "0000:00:17.0") == 0);
	}
	assert_int_equal(missing.n, 1);
	assert_string_equal(missing.v[0], "0000:09:00.0");
	strv_free(&missing);
	state_free(&st);
	inventory_free(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(companions_by_rule),
		cmocka_unit_test(blocked_devices),
		cmocka_unit_test(tick_takes_the_card_along_and_untick_clears_confirmations),
		cmocka_unit_test(group_ticks_all_then_none_never_bridges),
		cmocka_unit_test(group_with_the_root_disk_is_not_ticked),
		cmocka_unit_test(search_by_address_vendor_and_name),
		cmocka_unit_test(selection_from_devices_conf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
