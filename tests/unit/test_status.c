/* test_status.c - the fingerprint rule vfioconf-bind and status share, and
 * the status report of a configured host after its reboot. */
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
#include "core/status.h"
#include "tests/unit/testinv.h"

static void fingerprint_rule(void **state)
{
	struct state_device sd = {.vendor = 0x10de, .device = 0x1b81};

	(void)state;
	/* no subsystem recorded: vendor and device decide */
	assert_true(status_fingerprint_matches(&sd, 0x10de, 0x1b81, 0x1458, 0x3702));
	assert_false(status_fingerprint_matches(&sd, 0x10de, 0x1b80, 0x1458, 0x3702));
	assert_false(status_fingerprint_matches(&sd, 0x1002, 0x1b81, 0, 0));
	/* a recorded subsystem must match too: the same model from another maker moved in */
	sd.subsys_vendor = 0x1458;
	sd.subsys_device = 0x3702;
	assert_true(status_fingerprint_matches(&sd, 0x10de, 0x1b81, 0x1458, 0x3702));
	assert_false(status_fingerprint_matches(&sd, 0x10de, 0x1b81, 0x1043, 0x8599));
	assert_false(status_fingerprint_matches(&sd, 0x10de, 0x1b81, 0x1458, 0x3703));
}

/* After the reboot: the GPU on vfio-pci, its audio still on snd_hda_intel
 * (configured too), a NIC that went missing, a card swapped in a slot. */
static void build(struct inventory *inv, struct state *st)
{
	struct state_device sd = {0};
	struct device *d;

	memset(inv, 0, sizeof(*inv));
	memset(st, 0, sizeof(*st));
	d = testinv_add(inv, "01:00.0", 0x10de, 0x1b81, 0x030000, 1, "vfio-pci", "GTX 1070");
	d->subsys_vendor = 0x1458;
	d->subsys_device = 0x3702;
	d = testinv_add(inv, "01:00.1", 0x10de, 0x10f0, 0x040300, 1, "snd_hda_intel", "GP104 audio");
	d->subsys_vendor = 0x1458;
	d->subsys_device = 0x3702;
	testinv_add(inv, "05:00.0", 0x1002, 0x67df, 0x030000, 5, "amdgpu", "RX 580");
	testinv_add(inv, "06:00.0", 0x8086, 0x1533, 0x020000, 6, "vfio-pci", "I210");
	testinv_add(inv, "06:00.1", 0x8086, 0x1533, 0x020000, 6, "igb", "I210");
	inventory_finish(inv);
	inv->host.iommu_groups = true;
	inv->host.cmdline = strdup("BOOT_IMAGE=/vmlinuz root=UUID=2c quiet intel_iommu=on");
	analysis_run(inv);

	snprintf(sd.addr, sizeof(sd.addr), "0000:01:00.0");
	sd.vendor = 0x10de;
	sd.device = 0x1b81;
	sd.subsys_vendor = 0x1458;
	sd.subsys_device = 0x3702;
	state_add_device(st, &sd);
	snprintf(sd.addr, sizeof(sd.addr), "0000:01:00.1");
	sd.device = 0x10f0;
	state_add_device(st, &sd);
	snprintf(sd.addr, sizeof(sd.addr), "0000:05:00.0");
	sd.vendor = 0x10de;
	sd.device = 0x1b81;
	state_add_device(st, &sd);
	snprintf(sd.addr, sizeof(sd.addr), "0000:07:00.0");
	state_add_device(st, &sd);
	snprintf(sd.addr, sizeof(sd.addr), "0000:06:00.0");
	sd.vendor = 0x8086;
	sd.device = 0x1533;
	sd.subsys_vendor = sd.subsys_device = 0;
	state_add_device(st, &sd);
}

static const struct status_device *dev(const struct status_report *r, const char *addr)
{
	for (size_t i = 0; i < r->n_dev; i++)
		if (strcmp(r->dev[i].sd->addr, addr) == 0)
			return &r->dev[i];
	fail_msg("%s not in the report", addr);
	return NULL;
}

static void report_after_reboot(void **state)
{
	struct inventory inv;
	struct state st;
	struct strv params = {0};
	struct status_report r;
	const struct status_device *s;

	(void)state;
	build(&inv, &st);
	strv_push(&params, "intel_iommu=on");
	strv_push(&params, "iommu=pt");
	status_check(&inv, &st, &params, &r);
	assert_true(r.iommu);
	assert_int_equal(r.n_dev, 5);
	s = dev(&r, "0000:01:00.0");
	assert_true(s->present && s->fingerprint && s->on_vfio && s->viable);
	s = dev(&r, "0000:01:00.1");
	assert_true(s->present && s->fingerprint && s->viable);
	assert_false(s->on_vfio);
	assert_string_equal(s->d->driver, "snd_hda_intel");
	s = dev(&r, "0000:05:00.0");
	assert_true(s->present);
	assert_false(s->fingerprint); /* another card in the slot */
	s = dev(&r, "0000:07:00.0");
	assert_false(s->present);
	assert_null(s->d);
	/* the other port of the NIC's group stays on igb: the group is not viable */
	s = dev(&r, "0000:06:00.0");
	assert_true(s->on_vfio);
	assert_false(s->viable);
	assert_int_equal(r.n_params, 2);
	assert_true(r.params[0].present);
	assert_false(r.params[1].present);
	/* audio not on vfio, the swapped card, the missing one, the NIC group, iommu=pt */
	assert_int_equal(r.bad, 5);
	status_report_free(&r);
	strv_free(&params);
	state_free(&st);
	inventory_free(&inv);
}

static void iommu_off_is_not_as_configured(void **state)
{
	struct inventory inv = {0};
	struct state st = {0};
	struct strv params = {0};
	struct status_report r;

	(void)state;
	testinv_add(&inv, "01:00.0", 0x10de, 0x1b81, 0x030000, -1, "nouveau", "GTX 1070");
	inventory_finish(&inv);
	status_check(&inv, &st, &params, &r);
	assert_false(r.iommu);
	assert_int_equal(r.n_dev, 0);
	assert_int_equal(r.bad, 1);
	status_report_free(&r);
	inventory_free(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fingerprint_rule),
		cmocka_unit_test(report_after_reboot),
		cmocka_unit_test(iommu_off_is_not_as_configured),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
