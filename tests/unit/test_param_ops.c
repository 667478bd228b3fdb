/* test_param_ops.c - the three token editors for kernel parameters: a whole
 * command-line file, a shell variable, and command lines inside some lines
 * of a file (loader entries, rEFInd, limine). Each edit keeps every other
 * byte, and removing what was added gives the original back. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/param_ops.h"

/* add then remove param: the first has it, the second is the original */
static void round_trip(const struct param_ops *ops, const void *arg, const char *text, const char *param,
		       const char *want_added)
{
	struct sh_error err = {0};
	char *added = NULL, *back = NULL;

	assert_false(ops->has(text, arg, param));
	assert_int_equal(ops->add(text, arg, param, &added, &err), 0);
	assert_string_equal(added, want_added);
	assert_true(ops->has(added, arg, param));
	assert_int_equal(ops->remove(added, arg, param, &back, &err), 0);
	assert_string_equal(back, text);
	free(added);
	free(back);
}

static void cmdline_file(void **state)
{
	struct sh_error err = {0};
	char *out = NULL;

	(void)state;
	round_trip(&cmdline_file_ops, NULL, "root=UUID=2c8e quiet rd.luks.uuid=1f\n", "intel_iommu=on",
		   "root=UUID=2c8e quiet rd.luks.uuid=1f intel_iommu=on\n");
	round_trip(&cmdline_file_ops, NULL, "root=/dev/sda2 ro", "iommu=pt", "root=/dev/sda2 ro iommu=pt");
	/* '-' and '_' are the same in a parameter's name */
	assert_true(cmdline_file_ops.has("quiet vfio_pci.ids=10de:1b81", NULL, "vfio-pci.ids=10de:1b81"));
	/* adding what is there changes nothing */
	assert_int_equal(cmdline_file_ops.add("quiet iommu=pt\n", NULL, "iommu=pt", &out, &err), 0);
	assert_string_equal(out, "quiet iommu=pt\n");
	free(out);
	/* an unbalanced quote is refused, never guessed */
	assert_int_equal(cmdline_file_ops.add("root=/dev/sda2 foo=\"bar\n", NULL, "iommu=pt", &out, &err), -EINVAL);
	assert_int_equal(err.line, 1);
	assert_non_null(strstr(err.why, "quote"));
	sh_error_free(&err);
}

static void shell_variable(void **state)
{
	const char *grub = "# comment\nGRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\n"
			   "GRUB_CMDLINE_LINUX=\"cryptdevice=UUID=9f:root\"\n";
	struct sh_error err = {0};
	char *out = NULL;

	(void)state;
	round_trip(&shell_var_ops, "GRUB_CMDLINE_LINUX_DEFAULT", grub, "intel_iommu=on",
		   "# comment\nGRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash intel_iommu=on\"\n"
		   "GRUB_CMDLINE_LINUX=\"cryptdevice=UUID=9f:root\"\n");
	/* the other variable is not this one */
	assert_false(shell_var_ops.has(grub, "GRUB_CMDLINE_LINUX_DEFAULT", "cryptdevice=UUID=9f:root"));
	assert_true(shell_var_ops.has(grub, "GRUB_CMDLINE_LINUX", "cryptdevice=UUID=9f:root"));
	/* a value the tool cannot follow is refused with its line */
	assert_int_equal(shell_var_ops.add("GRUB_CMDLINE_LINUX_DEFAULT=\"$(cat /etc/x)\"\n",
					   "GRUB_CMDLINE_LINUX_DEFAULT", "iommu=pt", &out, &err),
			 -EINVAL);
	assert_int_equal(err.line, 1);
	sh_error_free(&err);
}

static void loader_entry_options(void **state)
{
	static const char *const prefixes[] = {"options", NULL};
	static const struct line_spans options = {.prefixes = prefixes, .new_line_prefix = "options "};
	struct sh_error err = {0};
	char *out = NULL;

	(void)state;
	round_trip(&line_span_ops, &options,
		   "title   Arch Linux\nlinux   /vmlinuz-linux\noptions root=UUID=2c rw\n", "iommu=pt",
		   "title   Arch Linux\nlinux   /vmlinuz-linux\noptions root=UUID=2c rw iommu=pt\n");
	/* "optionsx" is not the options line: a new one is added */
	assert_int_equal(line_span_ops.add("title x\noptionsx a\n", &options, "iommu=pt", &out, &err), 0);
	assert_string_equal(out, "title x\noptionsx a\noptions iommu=pt\n");
	free(out);
}

static void refind_every_line(void **state)
{
	static const struct line_spans refind = {.quoted_field = true, .all_lines = true};
	const char *conf = "\"Boot with standard options\"  \"root=UUID=2c ro quiet\"\n"
			   "\"Boot to single-user mode\"    \"root=UUID=2c ro single\"\n";
	struct sh_error err = {0};
	char *out = NULL;

	(void)state;
	round_trip(&line_span_ops, &refind, conf, "intel_iommu=on",
		   "\"Boot with standard options\"  \"root=UUID=2c ro quiet intel_iommu=on\"\n"
		   "\"Boot to single-user mode\"    \"root=UUID=2c ro single intel_iommu=on\"\n");
	/* one line without it: not every line has it */
	assert_false(line_span_ops.has("\"a\" \"x iommu=pt\"\n\"b\" \"y\"\n", &refind, "iommu=pt"));
	/* a double quote cannot go inside "..." */
	assert_int_equal(line_span_ops.add(conf, &refind, "a=\"b c\"", &out, &err), -EINVAL);
	sh_error_free(&err);
}

static void no_line_to_carry_it(void **state)
{
	static const char *const prefixes[] = {"cmdline:", NULL};
	static const struct line_spans limine = {.prefixes = prefixes, .all_lines = true};
	struct sh_error err = {0};
	char *out = NULL;

	(void)state;
	round_trip(&line_span_ops, &limine, "/Linux\n    protocol: linux\n    cmdline: root=UUID=2c rw\n",
		   "iommu=pt", "/Linux\n    protocol: linux\n    cmdline: root=UUID=2c rw iommu=pt\n");
	assert_int_equal(line_span_ops.add("/Linux\n    protocol: linux\n", &limine, "iommu=pt", &out, &err),
			 -EINVAL);
	assert_non_null(strstr(err.why, "no line"));
	sh_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cmdline_file),
		cmocka_unit_test(shell_variable),
		cmocka_unit_test(loader_entry_options),
		cmocka_unit_test(refind_every_line),
		cmocka_unit_test(no_line_to_carry_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
