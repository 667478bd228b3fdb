/* test_match.c - --match specs: what parses, what each key compares, and
 * the words a bad spec gets. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/match.h"
#include "core/util.h"
#include "tests/unit/testinv.h"

static bool hit(const char *spec, const struct device *d)
{
	struct match m;
	char err[160];
	bool r;

	assert_int_equal(match_parse(spec, &m, err, sizeof(err)), 0);
	r = match_device(&m, d);
	match_free(&m);
	return r;
}

static void keys_compare_what_they_say(void **state)
{
	struct inventory inv;
	struct device *gpu, *nvme;

	(void)state;
	memset(&inv, 0, sizeof(inv));
	gpu = testinv_add(&inv, "01:00.0", 0x10de, 0x2204, 0x030000, 1, "nouveau", "RTX 3090");
	nvme = testinv_add(&inv, "02:00.0", 0x144d, 0xa808, 0x010802, 2, "nvme", "970 EVO");
	gpu->subsys_vendor = 0x1458;
	gpu->subsys_device = 0x3ffc;
	gpu->boot_vga = 0;
	nvme->slot = xstrdup("4");

	assert_true(hit("vendor=10de,device=2204", gpu));
	assert_true(hit("vendor=10DE", gpu)); /* hex either case */
	assert_false(hit("vendor=10de,device=2206", gpu));
	assert_true(hit("subsystem=1458:3ffc", gpu));
	assert_false(hit("subsystem=1458:3ffd", gpu));
	/* no subsystem ID at all is not 0000:0000 */
	assert_false(hit("subsystem=0000:0000", nvme));
	assert_true(hit("class=03", gpu));
	assert_true(hit("class=0300", gpu));
	assert_true(hit("class=030000", gpu));
	assert_false(hit("class=030001", gpu));
	assert_true(hit("class=0108", nvme));
	assert_true(hit("class=010802", nvme));
	assert_false(hit("class=0106", nvme));
	assert_true(hit("boot-vga=no", gpu));
	assert_false(hit("boot-vga=yes", gpu));
	/* not a display controller: never the boot GPU */
	assert_true(hit("boot-vga=no", nvme));
	gpu->boot_vga = 1;
	assert_true(hit("boot-vga=yes", gpu));
	assert_false(hit("vendor=10de,boot-vga=no", gpu));
	assert_true(hit("slot=4", nvme));
	assert_false(hit("slot=4", gpu));
	assert_false(hit("slot=40", nvme));
	inventory_free(&inv);
}

static void bad_specs_say_why(void **state)
{
	static const struct {
		const char *spec, *says;
	} bad[] = {
		{"", "names nothing"},
		{",", "names nothing"},
		{"vendor", "is not key=value"},
		{"vendor=", "has no value"},
		{"vendor=10d", "four hex digits"},
		{"vendor=0x10", "four hex digits"},
		{"vendor=10dez", "four hex digits"},
		{"device=+10d", "four hex digits"},
		{"subsystem=1458", "VVVV:DDDD"},
		{"subsystem=1458:3ffcc", "VVVV:DDDD"},
		{"class=3", "2, 4 or 6 hex digits"},
		{"class=03000", "2, 4 or 6 hex digits"},
		{"class=zz", "2, 4 or 6 hex digits"},
		{"boot-vga=maybe", "yes or no"},
		{"colour=green", "unknown key 'colour' (the keys: vendor, device"},
	};
	struct match m;
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(match_parse(bad[i].spec, &m, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].says))
			fail_msg("'%s': '%s' does not say '%s'", bad[i].spec, err, bad[i].says);
		assert_null(m.slot);
	}
	/* the last slot= wins, and nothing leaks */
	assert_int_equal(match_parse("slot=1,slot=2", &m, err, sizeof(err)), 0);
	assert_string_equal(m.slot, "2");
	match_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_compare_what_they_say),
		cmocka_unit_test(bad_specs_say_why),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
