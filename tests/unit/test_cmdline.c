/* test_cmdline.c - kernel command line tokenizer and token edits. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmdline.h"
#include "core/util.h"

static void tokenizes_like_the_kernel(void **state)
{
	struct cmdline cl;
	const char *s = "BOOT_IMAGE=/vmlinuz  root=UUID=1 ro\tquiet \"acpi_osi=Windows 2015\" "
			"dyndbg=\"file x.c +p\" rd.luks.options=discard\n";

	(void)state;
	cmdline_parse(&cl, s);
	assert_false(cl.unbalanced);
	assert_int_equal(cl.n, 7);
	assert_string_equal(cl.t[1].name, "root");
	assert_string_equal(cl.t[1].value, "UUID=1");   /* only the first = splits */
	assert_string_equal(cl.t[2].name, "ro");
	assert_null(cl.t[2].value);
	assert_string_equal(cl.t[4].name, "acpi_osi");
	assert_string_equal(cl.t[4].value, "Windows 2015");
	assert_string_equal(cl.t[5].value, "file x.c +p");
	assert_int_equal(cl.t[6].end, strlen(s) - 1);   /* the newline is not in it */
	assert_true(cmdline_has(&cl, "ro"));
	assert_true(cmdline_has(&cl, "rd_luks.options=discard") == false); /* only - and _ fold */
	cmdline_free(&cl);
	cmdline_parse(&cl, "a=\"open");
	assert_true(cl.unbalanced);
	cmdline_free(&cl);
	cmdline_parse(&cl, "   \n");
	assert_int_equal(cl.n, 0);
	cmdline_free(&cl);
}

static void names_fold_dash_and_underscore(void **state)
{
	struct cmdline cl;

	(void)state;
	assert_true(cmdline_name_eq("vfio-pci.ids", "vfio_pci.ids"));
	assert_false(cmdline_name_eq("vfio_pci.ids", "vfio_pci.id"));
	cmdline_parse(&cl, "vfio_pci.ids=10de:13c2 iommu=soft iommu=pt");
	assert_true(cmdline_has(&cl, "vfio-pci.ids=10de:13c2"));
	assert_int_equal(cmdline_find(&cl, "iommu"), 2); /* the last one */
	cmdline_free(&cl);
}

#define EDIT(fn, in, param, want)                        \
	do {                                             \
		char *r_ = fn(in, param);                \
		assert_non_null(r_);                     \
		assert_string_equal(r_, want);           \
		free(r_);                                \
	} while (0)

static void add_keeps_every_other_byte(void **state)
{
	(void)state;
	EDIT(cmdline_add, "quiet splash", "iommu=pt", "quiet splash iommu=pt");
	EDIT(cmdline_add, "quiet  splash\n", "iommu=pt", "quiet  splash iommu=pt\n");
	EDIT(cmdline_add, "", "iommu=pt", "iommu=pt");
	EDIT(cmdline_add, "iommu=pt quiet", "iommu=pt", "iommu=pt quiet");
	EDIT(cmdline_add, "root=/dev/sda1 \"x=a b\"", "intel_iommu=on", "root=/dev/sda1 \"x=a b\" intel_iommu=on");
	/* a different value of the same name is another token for add */
	EDIT(cmdline_add, "iommu=soft", "iommu=pt", "iommu=soft iommu=pt");
	assert_null(cmdline_add("a=\"open", "b"));
}

static void remove_takes_one_blank(void **state)
{
	(void)state;
	EDIT(cmdline_remove, "quiet iommu=pt splash", "iommu=pt", "quiet splash");
	EDIT(cmdline_remove, "iommu=pt quiet", "iommu=pt", "quiet");
	EDIT(cmdline_remove, "quiet iommu=pt", "iommu=pt", "quiet");
	EDIT(cmdline_remove, "quiet\tiommu=pt  splash\n", "iommu=pt", "quiet  splash\n");
	EDIT(cmdline_remove, "iommu=pt", "iommu=pt", "");
	EDIT(cmdline_remove, "a iommu=pt b iommu=pt c", "iommu=pt", "a b c");
	EDIT(cmdline_remove, "iommu=soft", "iommu=pt", "iommu=soft");
	EDIT(cmdline_remove, "vfio_pci.ids=1:2 x", "vfio-pci.ids=1:2", "x");
}

static void add_then_remove_is_identity(void **state)
{
	static const char *const lines[] = {
		"", "quiet", "  quiet   splash  ", "root=UUID=abc ro quiet splash\n",
		"cryptdevice=UUID=x:cryptroot root=/dev/mapper/cryptroot rw \"acpi_osi=!Windows 2012\"",
		"\tBOOT_IMAGE=/vmlinuz\t",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		char *a = cmdline_add(lines[i], "intel_iommu=on");
		char *b = cmdline_add(a, "iommu=pt");
		char *c = cmdline_remove(b, "intel_iommu=on");
		char *d = cmdline_remove(c, "iommu=pt");
		assert_string_equal(d, lines[i]);
		free(a);
		free(b);
		free(c);
		free(d);
	}
}

static void set_replaces_in_place(void **state)
{
	(void)state;
	EDIT(cmdline_set, "a vfio-pci.ids=1:2 b", "vfio-pci.ids=1:2,3:4", "a vfio-pci.ids=1:2,3:4 b");
	EDIT(cmdline_set, "a b", "vfio-pci.ids=1:2", "a b vfio-pci.ids=1:2");
	EDIT(cmdline_set, "x=1 y x=2", "x=3", "x=1 y x=3");
	EDIT(cmdline_set, "x=3", "x=3", "x=3");
}

static void split_plain_lists(void **state)
{
	struct strv sv = {0};

	(void)state;
	cmdline_split(" intel_iommu=on  iommu=pt \"a=b c\" ", &sv);
	assert_int_equal(sv.n, 3);
	assert_string_equal(sv.v[2], "\"a=b c\"");
	strv_free(&sv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tokenizes_like_the_kernel),
		cmocka_unit_test(names_fold_dash_and_underscore),
		cmocka_unit_test(add_keeps_every_other_byte),
		cmocka_unit_test(remove_takes_one_blank),
		cmocka_unit_test(add_then_remove_is_identity),
		cmocka_unit_test(set_replaces_in_place),
		cmocka_unit_test(split_plain_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
