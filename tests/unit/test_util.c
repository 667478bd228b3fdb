/* test_util.c - strings, vectors and number parsing. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"

static void strbuf_grows_and_detaches(void **state)
{
	struct strbuf sb = {0};
	char *s;

	(void)state;
	assert_string_equal(strbuf_str(&sb), "");
	for (int i = 0; i < 1000; i++)
		strbuf_printf(&sb, "%d,", i);
	assert_int_equal(sb.len, strlen(sb.buf));
	assert_true(str_starts_with(sb.buf, "0,1,2,"));
	assert_non_null(strstr(sb.buf, ",999,"));
	s = strbuf_detach(&sb);
	assert_null(sb.buf);
	assert_int_equal(sb.len, 0);
	free(s);
	s = strbuf_detach(&sb); /* empty buffer detaches as "" */
	assert_string_equal(s, "");
	free(s);
}

static void str_to_ulong_rejects_garbage(void **state)
{
	unsigned long v;

	(void)state;
	assert_int_equal(str_to_ulong("0x10de\n", 16, 0xffff, &v), 0);
	assert_int_equal(v, 0x10de);
	assert_int_equal(str_to_ulong("  ffff ", 16, 0xffff, &v), 0);
	assert_int_equal(v, 0xffff);
	assert_int_equal(str_to_ulong("0x10000", 16, 0xffff, &v), -ERANGE);
	assert_int_equal(str_to_ulong("zzzz", 16, 0xffff, &v), -EINVAL);
	assert_int_equal(str_to_ulong("", 16, 0xffff, &v), -EINVAL);
	assert_int_equal(str_to_ulong("12 34", 16, 0xffff, &v), -EINVAL);
	assert_int_equal(str_to_ulong("-1", 16, 0xffff, &v), -EINVAL);
	assert_int_equal(str_to_ulong("0x03zz00", 16, 0xffffff, &v), -EINVAL);
}

static void strv_unique_and_sorted(void **state)
{
	struct strv sv = {0};

	(void)state;
	strv_push_unique(&sv, "nouveau");
	strv_push_unique(&sv, "amdgpu");
	strv_push_unique(&sv, "nouveau");
	assert_int_equal(sv.n, 2);
	strv_sort(&sv);
	assert_string_equal(sv.v[0], "amdgpu");
	assert_string_equal(sv.v[1], "nouveau");
	assert_null(sv.v[2]);
	assert_true(strv_contains(&sv, "amdgpu"));
	assert_false(strv_contains(&sv, "amd"));
	strv_free(&sv);
	assert_int_equal(sv.n, 0);
}

static void rstrip_and_lskip(void **state)
{
	char buf[] = "  value \t\n\n";

	(void)state;
	assert_string_equal(str_lskip(str_rstrip(buf)), "value");
}

static void log_counts_levels(void **state)
{
	struct log log = {0};

	(void)state;
	log_warn(&log, "%s:%d: bad", "file", 3);
	log_error(&log, "worse");
	log_warn(&log, "again");
	assert_int_equal(log_count(&log, LOG_WARN), 2);
	assert_int_equal(log_count(&log, LOG_ERROR), 1);
	assert_string_equal(log.e[0].msg, "file:3: bad");
	log_free(&log);
	assert_int_equal(log.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strbuf_grows_and_detaches),
		cmocka_unit_test(str_to_ulong_rejects_garbage),
		cmocka_unit_test(strv_unique_and_sorted),
		cmocka_unit_test(rstrip_and_lskip),
		cmocka_unit_test(log_counts_levels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
