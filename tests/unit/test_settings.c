/* test_settings.c - the INI settings file, with file:line on problems. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/settings.h"

static void defaults_when_empty(void **state)
{
	struct settings s;
	struct log log = {0};

	(void)state;
	settings_defaults(&s);
	assert_int_equal(settings_parse(&s, "", "x.conf", &log), 0);
	assert_true(s.iommu_pt);
	assert_null(s.extra_params);
	assert_int_equal(s.method, BIND_AUTO);
	assert_int_equal(log.n, 0);
	settings_free(&s);
}

static void reads_values(void **state)
{
	struct settings s;
	struct log log = {0};

	(void)state;
	settings_defaults(&s);
	assert_int_equal(settings_parse(&s,
					"; comment\n# another\n[kernel]\niommu_pt = off\n"
					"extra_params = video=efifb:off  pcie_aspm=off\n\n"
					"[binding]\nmethod=driver-override\n",
					"x.conf", &log), 0);
	assert_false(s.iommu_pt);
	assert_string_equal(s.extra_params, "video=efifb:off  pcie_aspm=off");
	assert_int_equal(s.method, BIND_DRIVER_OVERRIDE);
	assert_string_equal(bind_method_name(s.method), "driver-override");
	settings_free(&s);
}

static void problems_name_file_and_line(void **state)
{
	struct settings s;
	struct log log = {0};

	(void)state;
	settings_defaults(&s);
	assert_int_equal(settings_parse(&s,
					"[kernel]\n"          /* 1 */
					"iommu_pt = perhaps\n" /* 2 */
					"\n"                   /* 3 */
					"[binding]\n"          /* 4 */
					"methd = ids\n"        /* 5 */
					"method = IDS\n",      /* 6 */
					"/etc/vfioconf/vfioconf.conf", &log), 3);
	assert_int_equal(log.n, 3);
	assert_string_equal(log.e[0].msg,
			    "/etc/vfioconf/vfioconf.conf:2: iommu_pt: 'perhaps' is not a boolean (yes/no)");
	assert_string_equal(log.e[1].msg, "/etc/vfioconf/vfioconf.conf:5: unknown key 'methd' in [binding]");
	assert_string_equal(log.e[2].msg,
			    "/etc/vfioconf/vfioconf.conf:6: method: 'IDS' is not one of auto, ids, driver-override");
	assert_true(s.iommu_pt);          /* default kept */
	assert_int_equal(s.method, BIND_AUTO);
	log_free(&log);
	settings_free(&s);
}

static void syntax_error_line(void **state)
{
	struct settings s;
	struct log log = {0};

	(void)state;
	settings_defaults(&s);
	assert_true(settings_parse(&s, "[kernel]\niommu_pt = no\n[broken\n", "f", &log) > 0);
	assert_string_equal(log.e[0].msg, "f:3: not a valid INI line (expected [section] or key = value)");
	assert_false(s.iommu_pt); /* what came before the error still counts */
	log_free(&log);
	settings_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_when_empty),
		cmocka_unit_test(reads_values),
		cmocka_unit_test(problems_name_file_and_line),
		cmocka_unit_test(syntax_error_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
