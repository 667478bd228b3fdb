/* test_ini_text.c - INI text through inih, with the handler's line number. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/ini_text.h"
#include "core/util.h"

/* Every handler call as "LINE [SECTION] KEY=VALUE\n". */
struct calls {
	struct strbuf log;
	int stop_at; /* return 0 on this line (0: never) */
};

static int record(void *user, int line, const char *section, const char *key, const char *value)
{
	struct calls *c = user;

	strbuf_printf(&c->log, "%d [%s] %s=%s\n", line, section, key, value);
	return line != c->stop_at;
}

static int parse(const char *text, struct calls *c)
{
	memset(c, 0, sizeof(*c));
	return ini_text_parse(text, record, c);
}

static void handler_sees_line_numbers(void **state)
{
	struct calls c;

	(void)state;
	assert_int_equal(parse("# settings\n[vfio]\n\niommu-pt = yes\n; note\nmethod = auto\n"
			       "[other]\nx = 1",
			       &c),
			 0);
	assert_string_equal(strbuf_str(&c.log), "4 [vfio] iommu-pt=yes\n6 [vfio] method=auto\n8 [other] x=1\n");
	strbuf_free(&c.log);
}

static void empty_text_calls_nothing(void **state)
{
	struct calls c;

	(void)state;
	assert_int_equal(parse("", &c), 0);
	assert_int_equal(c.log.len, 0);
	assert_int_equal(parse("\n\n# only comments\n", &c), 0);
	assert_int_equal(c.log.len, 0);
	strbuf_free(&c.log);
}

static void syntax_error_line_is_returned(void **state)
{
	struct calls c;

	(void)state;
	assert_int_equal(parse("[s]\na = 1\nthis line has no equals sign\nb = 2\n", &c), 3);
	/* the lines around it are still read, with their own numbers */
	assert_non_null(strstr(strbuf_str(&c.log), "2 [s] a=1\n"));
	assert_non_null(strstr(strbuf_str(&c.log), "4 [s] b=2\n"));
	strbuf_free(&c.log);
	/* the first of several */
	assert_int_equal(parse("[s]\na = 1\n[unclosed\nnope\n", &c), 3);
	strbuf_free(&c.log);
}

static void handler_refusal_is_an_error_at_its_line(void **state)
{
	struct calls c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.stop_at = 3;
	assert_int_equal(ini_text_parse("[s]\na = 1\nb = 2\nc = 3\n", record, &c), 3);
	strbuf_free(&c.log);
}

static char *line_of(size_t len, char fill)
{
	char *s = xmalloc(len + 1);

	memset(s, fill, len);
	s[len] = '\0';
	return s;
}

static void overlong_line_is_reported_negative(void **state)
{
	struct calls c;
	char *v = line_of(300, 'v');
	char *text;

	(void)state;
	/* the tail looks like an entry: it must not be read as a line of its own */
	memcpy(v + 250, " x = tail", 9);
	text = xasprintf("[s]\nk = %s\nz = 1\n", v);
	assert_int_equal(parse(text, &c), -2);
	assert_null(strstr(strbuf_str(&c.log), "tail"));
	assert_null(strstr(strbuf_str(&c.log), "] x="));
	/* the line after it keeps its number */
	assert_non_null(strstr(strbuf_str(&c.log), "3 [s] z=1\n"));
	strbuf_free(&c.log);
	free(text);
	free(v);
}

static void first_overlong_line_wins(void **state)
{
	struct calls c;
	char *v = line_of(INI_TEXT_MAX_LINE * 2, 'v');
	char *text = xasprintf("[s]\na = 1\nb = %s\nc = 1\nd = %s\n", v, v);

	(void)state;
	assert_int_equal(parse(text, &c), -3);
	assert_non_null(strstr(strbuf_str(&c.log), "4 [s] c=1\n"));
	strbuf_free(&c.log);
	free(text);
	free(v);
}

static void syntax_error_is_returned_before_a_long_line(void **state)
{
	struct calls c;
	char *v = line_of(INI_TEXT_MAX_LINE + 50, 'v');
	char *text = xasprintf("[s]\nk = %s\nbroken\n", v);

	(void)state;
	assert_int_equal(parse(text, &c), 3);
	strbuf_free(&c.log);
	free(text);
	free(v);
}

/* "k = " and a value of vlen bytes, then the next line: both whole, with
 * their numbers. */
static void assert_line_whole(size_t vlen)
{
	struct calls c;
	char *v = line_of(vlen, 'v');
	char *text = xasprintf("[s]\nk = %s\nz = 1\n", v);
	char *want = xasprintf("2 [s] k=%s\n3 [s] z=1\n", v);

	assert_int_equal(parse(text, &c), 0);
	assert_string_equal(strbuf_str(&c.log), want);
	strbuf_free(&c.log);
	free(want);
	free(text);
	free(v);
}

static void line_just_within_the_buffer_is_whole(void **state)
{
	(void)state;
	/* "k = " + value + "\n" + NUL fill the 200-byte buffer exactly */
	assert_line_whole(INI_TEXT_MAX_LINE - 2 - 4);
}

/* 199 bytes and the newline: the buffer holds the line, not its newline;
 * still whole, and the next line keeps its number. */
static void line_filling_the_buffer_is_whole(void **state)
{
	(void)state;
	assert_line_whole(INI_TEXT_MAX_LINE - 1 - 4);
}

static void crlf_and_missing_final_newline(void **state)
{
	struct calls c;

	(void)state;
	assert_int_equal(parse("[s]\r\na = 1\r\nb = 2", &c), 0);
	assert_string_equal(strbuf_str(&c.log), "2 [s] a=1\n3 [s] b=2\n");
	strbuf_free(&c.log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handler_sees_line_numbers),
		cmocka_unit_test(empty_text_calls_nothing),
		cmocka_unit_test(syntax_error_line_is_returned),
		cmocka_unit_test(handler_refusal_is_an_error_at_its_line),
		cmocka_unit_test(overlong_line_is_reported_negative),
		cmocka_unit_test(first_overlong_line_wins),
		cmocka_unit_test(syntax_error_is_returned_before_a_long_line),
		cmocka_unit_test(line_just_within_the_buffer_is_whole),
		cmocka_unit_test(line_filling_the_buffer_is_whole),
		cmocka_unit_test(crlf_and_missing_final_newline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
