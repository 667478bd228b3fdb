/* test_txrec.c - journal records: encoding, checksum, round trips. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "core/txrec.h"
#include "core/util.h"

/* body followed by its correct checksum line. */
static char *sealed(const char *body)
{
	char hex[65];

	sha256_hex(body, strlen(body), hex);
	return xasprintf("%ssha256=%s\n", body, hex);
}

static void render_then_parse_round_trips(void **state)
{
	struct txrec r = {0}, back;
	char *text;

	(void)state;
	txrec_set(&r, "op", "write");
	txrec_set(&r, "path", "etc/default/grub");
	txrec_setf(&r, "seq", "%d", 42);
	txrec_set(&r, "empty", "");
	text = txrec_render(&r);
	assert_int_equal(txrec_parse(&back, text), 0);
	assert_int_equal(back.kv.keys.n, 4);
	assert_string_equal(txrec_get(&back, "op"), "write");
	assert_string_equal(txrec_get(&back, "path"), "etc/default/grub");
	assert_string_equal(txrec_get(&back, "seq"), "42");
	assert_string_equal(txrec_get(&back, "empty"), "");
	assert_null(txrec_get(&back, "absent"));
	/* rendering the parsed record gives the same bytes */
	{
		char *again = txrec_render(&back);
		assert_string_equal(again, text);
		free(again);
	}
	free(text);
	txrec_free(&r);
	txrec_free(&back);
}

static void rendered_form_is_lines_then_checksum(void **state)
{
	struct txrec r = {0};
	char *text;
	const char *body = "b=2\na=1\n";
	char hex[65], *want;

	(void)state;
	txrec_set(&r, "b", "2");
	txrec_set(&r, "a", "1");
	txrec_set(&r, "b", "2"); /* replaced in place: order stays */
	text = txrec_render(&r);
	sha256_hex(body, strlen(body), hex);
	want = xasprintf("%ssha256=%s\n", body, hex);
	assert_string_equal(text, want);
	free(want);
	free(text);
	txrec_free(&r);
}

static void any_byte_survives_percent_encoding(void **state)
{
	struct txrec r = {0}, back;
	char all[256];
	char *text;

	(void)state;
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	txrec_set(&r, "nl", "a\nb");
	txrec_set(&r, "eq", "x=y=z");
	txrec_set(&r, "pct", "100% %41 %");
	txrec_set(&r, "argv", "grub-mkconfig\x01-o\x01/boot/grub/grub.cfg");
	txrec_set(&r, "all", all);
	text = txrec_render(&r);
	/* one line per key plus the checksum: no raw newline leaked */
	{
		size_t lines = 0;
		for (const char *p = text; *p; p++)
			lines += *p == '\n';
		assert_int_equal(lines, 6);
	}
	assert_non_null(strstr(text, "nl=a%0Ab\n"));
	assert_non_null(strstr(text, "pct=100%25 %2541 %25\n"));
	assert_non_null(strstr(text, "eq=x=y=z\n"));
	assert_int_equal(txrec_parse(&back, text), 0);
	assert_string_equal(txrec_get(&back, "nl"), "a\nb");
	assert_string_equal(txrec_get(&back, "eq"), "x=y=z");
	assert_string_equal(txrec_get(&back, "pct"), "100% %41 %");
	assert_string_equal(txrec_get(&back, "argv"), "grub-mkconfig\x01-o\x01/boot/grub/grub.cfg");
	assert_string_equal(txrec_get(&back, "all"), all);
	free(text);
	txrec_free(&r);
	txrec_free(&back);
}

static void flipped_byte_is_rejected(void **state)
{
	struct txrec r = {0}, back;
	char *text;

	(void)state;
	txrec_set(&r, "path", "etc/modprobe.d/vfioconf.conf");
	txrec_set(&r, "post.mode", "0644");
	text = txrec_render(&r);
	for (size_t i = 0; text[i]; i++) {
		char saved = text[i];
		text[i] ^= 0x01;
		assert_int_equal(txrec_parse(&back, text), -EBADMSG);
		assert_null(txrec_get(&back, "path")); /* never acted on */
		txrec_free(&back);
		text[i] = saved;
	}
	assert_int_equal(txrec_parse(&back, text), 0);
	txrec_free(&back);
	free(text);
	txrec_free(&r);
}

static void missing_or_wrong_checksum_is_rejected(void **state)
{
	struct txrec back;
	char *ok = sealed("k=v\n"), *bad;

	(void)state;
	assert_int_equal(txrec_parse(&back, ok), 0);
	assert_string_equal(txrec_get(&back, "k"), "v");
	txrec_free(&back);
	/* no checksum line at all */
	assert_int_equal(txrec_parse(&back, "k=v\n"), -EBADMSG);
	txrec_free(&back);
	assert_int_equal(txrec_parse(&back, ""), -EBADMSG);
	txrec_free(&back);
	/* the checksum of something else */
	bad = sealed("k=w\n");
	memcpy(bad, "k=v", 3);
	assert_int_equal(txrec_parse(&back, bad), -EBADMSG);
	txrec_free(&back);
	free(bad);
	/* truncated: last newline lost, or checksum cut short */
	bad = xstrdup(ok);
	bad[strlen(bad) - 1] = '\0';
	assert_int_equal(txrec_parse(&back, bad), -EBADMSG);
	txrec_free(&back);
	bad[strlen(bad) - 1] = '\n';
	assert_int_equal(txrec_parse(&back, bad), -EBADMSG);
	txrec_free(&back);
	free(bad);
	/* something after the checksum line */
	bad = xasprintf("%sx=1\n", ok);
	assert_int_equal(txrec_parse(&back, bad), -EBADMSG);
	txrec_free(&back);
	free(bad);
	free(ok);
}

static void malformed_line_is_rejected_even_when_sealed(void **state)
{
	struct txrec back;
	char *text = sealed("k=v\nno equals sign\n");

	(void)state;
	assert_int_equal(txrec_parse(&back, text), -EBADMSG);
	assert_null(txrec_get(&back, "k"));
	txrec_free(&back);
	free(text);
}

static void empty_record_round_trips(void **state)
{
	struct txrec r = {0}, back;
	char *text;

	(void)state;
	text = txrec_render(&r);
	assert_string_equal(text, "sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n");
	assert_int_equal(txrec_parse(&back, text), 0);
	assert_int_equal(back.kv.keys.n, 0);
	txrec_free(&back);
	free(text);
}

static void get_int_parses_or_defaults(void **state)
{
	struct txrec r = {0};

	(void)state;
	txrec_set(&r, "n", "42");
	txrec_set(&r, "neg", "-7");
	txrec_set(&r, "mode", "0644");  /* how the journal writes modes */
	txrec_set(&r, "hex", "0x10");
	txrec_set(&r, "junk", "12abc");
	txrec_set(&r, "empty", "");
	txrec_set(&r, "big", "9000000000");
	assert_int_equal(txrec_get_int(&r, "n", -1), 42);
	assert_int_equal(txrec_get_int(&r, "neg", -1), -7);
	assert_int_equal(txrec_get_int(&r, "mode", 0), 0644);
	assert_int_equal(txrec_get_int(&r, "hex", 0), 16);
	assert_int_equal(txrec_get_int(&r, "junk", -1), -1);
	assert_int_equal(txrec_get_int(&r, "empty", 5), 5);
	assert_int_equal(txrec_get_int(&r, "absent", 0644), 0644);
	assert_true(txrec_get_int(&r, "big", 0) == 9000000000LL);
	txrec_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(render_then_parse_round_trips),
		cmocka_unit_test(rendered_form_is_lines_then_checksum),
		cmocka_unit_test(any_byte_survives_percent_encoding),
		cmocka_unit_test(flipped_byte_is_rejected),
		cmocka_unit_test(missing_or_wrong_checksum_is_rejected),
		cmocka_unit_test(malformed_line_is_rejected_even_when_sealed),
		cmocka_unit_test(empty_record_round_trips),
		cmocka_unit_test(get_int_parses_or_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
