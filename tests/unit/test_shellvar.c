/* test_shellvar.c - reading and editing /etc/default/grub-style files. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/shellvar.h"

#define V "GRUB_CMDLINE_LINUX_DEFAULT"

static char *add(const char *t, const char *p)
{
	char *out = NULL;
	struct sh_error e = {0};

	if (sh_var_add(t, V, p, &out, &e) < 0)
		fail_msg("add refused: line %d: %s", e.line, e.why);
	return out;
}

static char *rem(const char *t, const char *p)
{
	char *out = NULL;
	struct sh_error e = {0};

	if (sh_var_remove(t, V, p, &out, &e) < 0)
		fail_msg("remove refused: line %d: %s", e.line, e.why);
	return out;
}

static void expect_add(const char *in, const char *param, const char *want)
{
	char *r = add(in, param), *back = rem(r, param);

	assert_string_equal(r, want);
	assert_string_equal(back, in); /* removing what we added restores the bytes */
	free(r);
	free(back);
}

static void adds_inside_the_quotes(void **state)
{
	(void)state;
	expect_add(V "=\"quiet\"\n", "iommu=pt", V "=\"quiet iommu=pt\"\n");
	expect_add(V "='quiet splash'\n", "iommu=pt", V "='quiet splash iommu=pt'\n");
	expect_add(V "=\"\"\n", "iommu=pt", V "=\"iommu=pt\"\n");
	expect_add("# comment\n" V "=\"quiet\" # trailing\nGRUB_TIMEOUT=5\n", "iommu=pt",
		   "# comment\n" V "=\"quiet iommu=pt\" # trailing\nGRUB_TIMEOUT=5\n");
	expect_add("export " V "=\"quiet\"\n", "x", "export " V "=\"quiet x\"\n");
	expect_add("\t" V "=\"quiet\"\t\n", "x", "\t" V "=\"quiet x\"\t\n");
	expect_add(V "=\"$" V " quiet\"\n", "x", V "=\"$" V " quiet x\"\n");
	/* multi-line double-quoted value */
	expect_add(V "=\"quiet\n  splash\"\n", "x", V "=\"quiet\n  splash x\"\n");
}

static void unquoted_values_stay_unquoted(void **state)
{
	char *r;

	(void)state;
	expect_add(V "=quiet\n", "iommu=pt", V "=quiet\\ iommu=pt\n");
	expect_add(V "=\n", "iommu=pt", V "=iommu=pt\n");
	expect_add(V "=quiet\\ splash\n", "x", V "=quiet\\ splash\\ x\n");
	/* a parameter that needs quotes gets a quoted part */
	r = add(V "=quiet\n", "a=\"b c\"");
	assert_string_equal(r, V "=quiet\" a=\\\"b c\\\"\"\n");
	free(r);
}

static void last_assignment_wins(void **state)
{
	(void)state;
	expect_add(V "=\"a\"\n" V "=\"b\"\n", "x", V "=\"a\"\n" V "=\"b x\"\n");
	expect_add(V "=\"a\"\n" V "+=\" b\"\n", "x", V "=\"a\"\n" V "+=\" b x\"\n");
}

static void missing_variable_is_appended(void **state)
{
	char *r, *back;

	(void)state;
	r = add("GRUB_TIMEOUT=5", "iommu=pt");
	/* no final newline: none added after the new line either */
	assert_string_equal(r, "GRUB_TIMEOUT=5\n" V "=\"iommu=pt\" # added by vfioconf");
	back = rem(r, "iommu=pt");
	assert_string_equal(back, "GRUB_TIMEOUT=5");
	free(back);
	free(r);
	r = add("GRUB_TIMEOUT=5\n", "iommu=pt");
	assert_string_equal(r, "GRUB_TIMEOUT=5\n" V "=\"iommu=pt\" # added by vfioconf\n");
	back = rem(r, "iommu=pt");
	assert_string_equal(back, "GRUB_TIMEOUT=5\n");
	free(back);
	free(r);
	/* a user's own empty assignment is never taken out */
	expect_add(V "=\"\"\n", "iommu=pt", V "=\"iommu=pt\"\n");
}

static void present_parameters_are_not_added(void **state)
{
	char *r;

	(void)state;
	r = add(V "=\"quiet iommu=pt\"\n", "iommu=pt");
	assert_string_equal(r, V "=\"quiet iommu=pt\"\n");
	free(r);
	r = add(V "=\"a intel-iommu=on\"\n", "intel_iommu=on");
	assert_string_equal(r, V "=\"a intel-iommu=on\"\n");
	free(r);
}

static void parameters_needing_escapes(void **state)
{
	(void)state;
	expect_add(V "=\"quiet\"\n", "dyndbg=\"file a.c +p\"", V "=\"quiet dyndbg=\\\"file a.c +p\\\"\"\n");
}

static void refusals_name_the_line(void **state)
{
	static const struct {
		const char *text;
		int line;
		const char *why;
	} cases[] = {
		{"A=1\n" V "=\"$(cat /etc/x) quiet\"\n", 2, "command substitution"},
		{V "=\"`uname -r`\"\n", 1, "backticks"},
		{"A=1\n\n" V "=\"quiet\n", 3, "unbalanced double quote"},
		{V "='quiet\n", 1, "unbalanced single quote"},
		{"if [ -e /x ]; then\n  " V "=\"quiet\"\nfi\n", 2, "inside if"},
		{"[ -e /x ] && " V "=\"quiet\"\n", 1, "after && or ||"},
		{V "=\"${FOO:-quiet}\"\n", 1, "parameter expansion"},
		{V "=\"quiet\"; echo hi\n", 1, NULL}, /* ; is a plain sequence: allowed */
		{V "=\"quiet\" echo\n", 1, "more than an assignment"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		struct sh_error e = {0};
		int r = sh_var_add(cases[i].text, V, "iommu=pt", &out, &e);
		if (!cases[i].why) {
			assert_int_equal(r, 0);
			free(out);
			continue;
		}
		if (r == 0)
			fail_msg("case %zu was not refused: %s", i, out);
		assert_int_equal(e.line, cases[i].line);
		if (!strstr(e.why, cases[i].why))
			fail_msg("case %zu: '%s' does not say '%s'", i, e.why, cases[i].why);
		sh_error_free(&e);
	}
}

static void sources_like_sh(void **state)
{
	struct sh_env env = {0};
	struct sh_error e = {0};

	(void)state;
	sh_env_set(&env, "GRUB_CMDLINE_LINUX", "root=x");
	assert_int_equal(sh_source("# c\nGRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX ro\"\n"
				   V "='quiet'\n" V "=\"${" V "} \\\"a b\\\" \\$x\"\n"
				   "if true; then\n  GRUB_TIMEOUT=9\nfi\n",
				   &env, (const char *const[]){V, "GRUB_CMDLINE_LINUX", NULL}, &e), 0);
	assert_string_equal(sh_env_get(&env, "GRUB_CMDLINE_LINUX"), "root=x ro");
	assert_string_equal(sh_env_get(&env, V), "quiet \"a b\" $x");
	assert_null(sh_env_get(&env, "GRUB_TIMEOUT")); /* conditional: not followed */
	assert_int_equal(sh_last_assignment("A=1\n" V "=a\n" V "=b\n", V), 3);
	sh_env_free(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(adds_inside_the_quotes),
		cmocka_unit_test(unquoted_values_stay_unquoted),
		cmocka_unit_test(last_assignment_wins),
		cmocka_unit_test(missing_variable_is_appended),
		cmocka_unit_test(present_parameters_are_not_added),
		cmocka_unit_test(parameters_needing_escapes),
		cmocka_unit_test(refusals_name_the_line),
		cmocka_unit_test(sources_like_sh),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
