/* test_log.c - messages collected for the front end. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

static void messages_are_formatted_in_order(void **state)
{
	struct log log = {0};

	(void)state;
	log_warn(&log, "%s:%d: unknown key '%s'", "etc/vfioconf/settings.conf", 7, "colour");
	log_info(&log, "scanned %zu devices", (size_t)12);
	log_error(&log, "plain");
	assert_int_equal(log.n, 3);
	assert_int_equal(log.e[0].level, LOG_WARN);
	assert_string_equal(log.e[0].msg, "etc/vfioconf/settings.conf:7: unknown key 'colour'");
	assert_int_equal(log.e[1].level, LOG_INFO);
	assert_string_equal(log.e[1].msg, "scanned 12 devices");
	assert_int_equal(log.e[2].level, LOG_ERROR);
	assert_string_equal(log.e[2].msg, "plain");
	log_free(&log);
}

static void counts_per_level(void **state)
{
	struct log log = {0};

	(void)state;
	assert_int_equal(log_count(&log, LOG_WARN), 0);
	log_add(&log, LOG_INFO, "a");
	log_add(&log, LOG_WARN, "b");
	log_add(&log, LOG_WARN, "c");
	log_add(&log, LOG_ERROR, "d");
	log_add(&log, LOG_WARN, "e");
	assert_int_equal(log_count(&log, LOG_INFO), 1);
	assert_int_equal(log_count(&log, LOG_WARN), 3);
	assert_int_equal(log_count(&log, LOG_ERROR), 1);
	log_free(&log);
}

/* The message is a copy: changing the argument afterwards does not change it. */
static void messages_are_owned(void **state)
{
	struct log log = {0};
	char buf[16] = "before";

	(void)state;
	log_info(&log, "%s", buf);
	strcpy(buf, "after");
	assert_string_equal(log.e[0].msg, "before");
	assert_true(log.e[0].msg != buf);
	log_free(&log);
}

static void many_and_long_messages(void **state)
{
	struct log log = {0};
	char *big = malloc(10001);

	(void)state;
	assert_non_null(big);
	memset(big, 'x', 10000);
	big[10000] = '\0';
	for (int i = 0; i < 1000; i++)
		log_warn(&log, "line %d", i);
	log_error(&log, "[%s]", big);
	assert_int_equal(log.n, 1001);
	assert_true(log.cap >= log.n);
	assert_string_equal(log.e[0].msg, "line 0");
	assert_string_equal(log.e[999].msg, "line 999");
	assert_int_equal(strlen(log.e[1000].msg), 10002);
	assert_int_equal(log.e[1000].msg[10001], ']');
	free(big);
	log_free(&log);
}

static void free_empties_and_the_log_is_reusable(void **state)
{
	struct log log = {0};

	(void)state;
	log_free(&log); /* an empty log frees fine */
	log_warn(&log, "one");
	log_warn(&log, "two");
	log_free(&log);
	assert_null(log.e);
	assert_int_equal(log.n, 0);
	assert_int_equal(log.cap, 0);
	assert_int_equal(log_count(&log, LOG_WARN), 0);
	log_info(&log, "again");
	assert_int_equal(log.n, 1);
	assert_string_equal(log.e[0].msg, "again");
	log_free(&log);
}

static void empty_message(void **state)
{
	struct log log = {0};

	(void)state;
	log_add(&log, LOG_INFO, "%s", "");
	assert_int_equal(log.n, 1);
	assert_non_null(log.e[0].msg);
	assert_string_equal(log.e[0].msg, "");
	log_free(&log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(messages_are_formatted_in_order),
		cmocka_unit_test(counts_per_level),
		cmocka_unit_test(messages_are_owned),
		cmocka_unit_test(many_and_long_messages),
		cmocka_unit_test(free_empties_and_the_log_is_reusable),
		cmocka_unit_test(empty_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
