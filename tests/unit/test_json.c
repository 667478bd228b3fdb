/* test_json.c - nesting, escaping and invalid UTF-8. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/json.h"

static void nesting_places_commas(void **state)
{
	struct strbuf sb = {0};
	struct json j;

	(void)state;
	json_init(&j, &sb, false);
	json_obj_begin(&j);
	json_kint(&j, "id", 13);
	json_key(&j, "devices");
	json_arr_begin(&j);
	json_obj_begin(&j);
	json_kstr(&j, "driver", NULL);
	json_kbool(&j, "bridge", false);
	json_obj_end(&j);
	json_arr_begin(&j);
	json_arr_end(&j);
	json_str(&j, "x");
	json_arr_end(&j);
	json_key(&j, "empty");
	json_obj_begin(&j);
	json_obj_end(&j);
	json_obj_end(&j);
	assert_string_equal(sb.buf,
			    "{\"id\":13,\"devices\":[{\"driver\":null,\"bridge\":false},[],\"x\"],\"empty\":{}}");
	strbuf_free(&sb);
}

static void pretty_output(void **state)
{
	struct strbuf sb = {0};
	struct json j;

	(void)state;
	json_init(&j, &sb, true);
	json_obj_begin(&j);
	json_kint(&j, "a", 1);
	json_key(&j, "b");
	json_arr_begin(&j);
	json_int(&j, 2);
	json_arr_end(&j);
	json_obj_end(&j);
	assert_string_equal(sb.buf, "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}");
	strbuf_free(&sb);
}

static void escapes_and_bad_utf8(void **state)
{
	struct strbuf sb = {0};

	(void)state;
	json_escape(&sb, "a\"b\\c\nd\te\x01" "f");
	assert_string_equal(sb.buf, "\"a\\\"b\\\\c\\nd\\te\\u0001f\"");
	strbuf_reset(&sb);
	json_escape(&sb, "GeForce\xc2\xae \xff\xfe ok \xe2\x82"); /* ®, two bad bytes, truncated */
	assert_string_equal(sb.buf, "\"GeForce\xc2\xae \xef\xbf\xbd\xef\xbf\xbd ok \xef\xbf\xbd\xef\xbf\xbd\"");
	strbuf_reset(&sb);
	json_escape(&sb, "\xc0\xaf\xed\xa0\x80"); /* overlong '/', a surrogate */
	assert_null(strstr(sb.buf, "\xc0"));
	assert_null(strstr(sb.buf, "\xed\xa0"));
	strbuf_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nesting_places_commas),
		cmocka_unit_test(pretty_output),
		cmocka_unit_test(escapes_and_bad_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
