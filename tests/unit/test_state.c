/* test_state.c - /etc/vfioconf/devices.conf: parse, render, edits. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/state.h"
#include "core/util.h"

static const char sample[] =
	"# Managed by vfioconf: the devices it hands to vfio-pci at boot, and what it\n"
	"# added to files it shares with others. Change it with vfioconf.\n"
	"\n"
	"[device 0000:02:00.0]\n"
	"vendor = 10de\n"
	"device = 13c2\n"
	"subsystem = 3842:3975\n"
	"class = 030000\n"
	"method = driver-override\n"
	"\n"
	"[device 0000:02:00.1]\n"
	"vendor = 10de\n"
	"device = 0fbb\n"
	"class = 040300\n"
	"method = ids\n"
	"taken-from-host = yes\n"
	"\n"
	"[added]\n"
	"etc/default/grub GRUB_CMDLINE_LINUX_DEFAULT = intel_iommu=on iommu=pt\n"
	"etc/initramfs-tools/modules = vfio vfio_iommu_type1 vfio_pci\n";

/* True when some logged message contains s. */
static bool logged(const struct log *log, const char *s)
{
	for (size_t i = 0; i < log->n; i++)
		if (strstr(log->e[i].msg, s))
			return true;
	return false;
}

static void parses_every_field(void **state)
{
	struct state st;
	struct log log = {0};
	const struct state_device *d;

	(void)state;
	assert_int_equal(state_parse(&st, sample, "devices.conf", &log), 0);
	assert_int_equal(log.n, 0);
	assert_int_equal(st.n_dev, 2);
	d = state_find(&st, "0000:02:00.0");
	assert_non_null(d);
	assert_int_equal(d->vendor, 0x10de);
	assert_int_equal(d->device, 0x13c2);
	assert_int_equal(d->subsys_vendor, 0x3842);
	assert_int_equal(d->subsys_device, 0x3975);
	assert_int_equal(d->class_code, 0x030000);
	assert_int_equal(d->method, BIND_DRIVER_OVERRIDE);
	assert_false(d->taken_from_host);
	d = state_find(&st, "0000:02:00.1");
	assert_non_null(d);
	assert_int_equal(d->method, BIND_IDS);
	assert_true(d->taken_from_host);
	assert_int_equal(d->subsys_vendor, 0);
	assert_string_equal(state_added(&st, "etc/default/grub GRUB_CMDLINE_LINUX_DEFAULT"),
			    "intel_iommu=on iommu=pt");
	assert_string_equal(state_added(&st, "etc/initramfs-tools/modules"), "vfio vfio_iommu_type1 vfio_pci");
	state_free(&st);
	log_free(&log);
}

static void render_is_the_file_and_round_trips(void **state)
{
	struct state st, again;
	struct log log = {0};
	char *text, *text2;

	(void)state;
	assert_int_equal(state_parse(&st, sample, "devices.conf", &log), 0);
	text = state_render(&st);
	assert_string_equal(text, sample);
	assert_int_equal(state_parse(&again, text, "devices.conf", &log), 0);
	text2 = state_render(&again);
	assert_string_equal(text2, text);
	assert_int_equal(log.n, 0);
	free(text);
	free(text2);
	state_free(&st);
	state_free(&again);
	log_free(&log);
}

static void blanks_and_comments_are_ignored(void **state)
{
	struct state st;
	struct log log = {0};

	(void)state;
	assert_int_equal(state_parse(&st,
				     "  [device 0000:03:00.0]\n  vendor=1002  \n\tdevice =67df\nmethod= ids\n"
				     "; a comment\n# another\n",
				     "devices.conf", &log),
			 0);
	assert_int_equal(log.n, 0);
	assert_int_equal(st.n_dev, 1);
	assert_string_equal(st.dev[0].addr, "0000:03:00.0");
	assert_non_null(state_find(&st, "0000:03:00.0"));
	assert_null(state_find(&st, "0000:03:00.1"));
	assert_int_equal(st.dev[0].vendor, 0x1002);
	assert_int_equal(st.dev[0].device, 0x67df);
	state_free(&st);
	log_free(&log);
}

static void repeated_added_keys_add(void **state)
{
	struct state st;
	struct log log = {0};
	char *text;

	(void)state;
	assert_int_equal(state_parse(&st,
				     "[added]\netc/mkinitcpio.conf MODULES = vfio\n"
				     "etc/mkinitcpio.conf MODULES =   vfio_iommu_type1 \t vfio_pci\n",
				     "devices.conf", &log),
			 0);
	assert_string_equal(state_added(&st, "etc/mkinitcpio.conf MODULES"), "vfio vfio_iommu_type1 vfio_pci");
	text = state_render(&st);
	assert_non_null(strstr(text, "\n[added]\netc/mkinitcpio.conf MODULES = vfio vfio_iommu_type1 vfio_pci\n"));
	free(text);
	state_free(&st);
	log_free(&log);
}

static void bad_entries_are_dropped_with_name_and_line(void **state)
{
	struct state st;
	struct log log = {0};
	const char *text = "[device 0000:02:00.0]\n"      /* 1 */
			   "vendor = 10de\n"              /* 2 */
			   "device = 13c2\n"              /* 3 */
			   "method = sideways\n"          /* 4: bad value */
			   "method = ids\n"               /* 5 */
			   "colour = green\n"             /* 6: unknown key */
			   "subsystem = 3842\n"           /* 7: no colon */
			   "[device nowhere]\n"           /* 8 */
			   "vendor = 10de\n"              /* 9: not an address */
			   "[added]\n"                    /* 10 */
			   "etc/x$y = a\n"                /* 11: not a path */
			   "[extra]\n"                    /* 12 */
			   "k = v\n"                      /* 13: unknown section */
			   "this is no ini line\n";       /* 14 */

	(void)state;
	assert_true(state_parse(&st, text, "devices.conf", &log) >= 6);
	assert_int_equal(log_count(&log, LOG_WARN), log.n);
	assert_true(logged(&log, "devices.conf:4: method = 'sideways'"));
	assert_true(logged(&log, "devices.conf:6: colour = 'green'"));
	assert_true(logged(&log, "devices.conf:9: [device nowhere]: not a PCI address"));
	assert_true(logged(&log, "devices.conf:11: [added] etc/x$y"));
	assert_true(logged(&log, "devices.conf:13: unknown section [extra]"));
	assert_true(logged(&log, "devices.conf:14: not a valid INI line"));
	/* the good device stays, the bad entries are gone */
	assert_int_equal(st.n_dev, 1);
	assert_int_equal(st.dev[0].method, BIND_IDS);
	assert_int_equal(st.dev[0].subsys_vendor, 0);
	assert_string_equal(state_added(&st, "etc/x$y"), "");
	state_free(&st);
	log_free(&log);
}

static void incomplete_device_is_dropped(void **state)
{
	struct state st;
	struct log log = {0};

	(void)state;
	assert_int_equal(state_parse(&st,
				     "[device 0000:02:00.0]\nvendor = 10de\ndevice = 13c2\n"
				     "[device 0000:03:00.0]\nvendor = 8086\ndevice = 1533\nmethod = ids\n",
				     "devices.conf", &log),
			 1);
	assert_int_equal(log.n, 1);
	/* the line of the device's section, not of the next one */
	assert_true(str_starts_with(log.e[0].msg, "devices.conf:2:"));
	assert_non_null(strstr(log.e[0].msg, "[device 0000:02:00.0] lacks vendor, device or method"));
	assert_int_equal(st.n_dev, 1);
	assert_null(state_find(&st, "0000:02:00.0"));
	assert_non_null(state_find(&st, "0000:03:00.0"));
	state_free(&st);
	log_free(&log);
}

/* Written by hand as lspci prints it: short, upper case. */
static void short_and_upper_case_addresses_are_one_device(void **state)
{
	struct state st;
	struct log log = {0};
	const struct state_device *d;

	(void)state;
	assert_int_equal(state_parse(&st,
				     "[device 03:00.0]\nvendor = 10de\ndevice = 13c2\nmethod = ids\n"
				     "[device 0000:0A:00.1]\nvendor = 10de\ndevice = 0fbb\nmethod = ids\n"
				     "[device 0a:00.x]\nvendor = 1\ndevice = 2\n",
				     "devices.conf", &log),
			 1);
	/* one warning for the bad address, not one per key */
	assert_int_equal(log.n, 1);
	assert_non_null(strstr(log.e[0].msg, "devices.conf:10: [device 0a:00.x]: not a PCI address"));
	assert_int_equal(st.n_dev, 2);
	d = state_find(&st, "0000:03:00.0");
	assert_non_null(d);
	assert_int_equal(d->device, 0x13c2);
	assert_int_equal(d->method, BIND_IDS);
	assert_non_null(state_find(&st, "0000:0a:00.1"));
	state_free(&st);
	log_free(&log);
}

static void add_device_replaces_the_same_address(void **state)
{
	struct state st = {0};
	struct state_device a = {.addr = "0000:01:00.0", .vendor = 0x10de, .device = 0x1b81,
				 .class_code = 0x030000, .method = BIND_IDS};
	struct state_device b = {.addr = "0000:02:00.0", .vendor = 0x10de, .device = 0x1b81,
				 .class_code = 0x030000, .method = BIND_IDS};

	(void)state;
	assert_null(state_find(&st, "0000:01:00.0"));
	state_add_device(&st, &a);
	state_add_device(&st, &b);
	a.method = BIND_DRIVER_OVERRIDE;
	a.taken_from_host = true;
	state_add_device(&st, &a);
	assert_int_equal(st.n_dev, 2);
	assert_string_equal(st.dev[0].addr, "0000:01:00.0"); /* replaced in place */
	assert_int_equal(state_find(&st, "0000:01:00.0")->method, BIND_DRIVER_OVERRIDE);
	assert_true(state_find(&st, "0000:01:00.0")->taken_from_host);
	assert_int_equal(state_find(&st, "0000:02:00.0")->method, BIND_IDS);
	state_free(&st);
	assert_int_equal(st.n_dev, 0);
}

static void added_tokens_set_read_and_removed(void **state)
{
	struct state st = {0};
	char *text;

	(void)state;
	assert_string_equal(state_added(&st, "etc/default/grub GRUB_CMDLINE_LINUX"), "");
	state_set_added(&st, "etc/default/grub GRUB_CMDLINE_LINUX", "amd_iommu=on");
	state_set_added(&st, "etc/modules", "vfio");
	assert_string_equal(state_added(&st, "etc/default/grub GRUB_CMDLINE_LINUX"), "amd_iommu=on");
	state_set_added(&st, "etc/default/grub GRUB_CMDLINE_LINUX", "amd_iommu=on iommu=pt");
	assert_string_equal(state_added(&st, "etc/default/grub GRUB_CMDLINE_LINUX"), "amd_iommu=on iommu=pt");
	/* "" removes the key: it is neither read back nor written */
	state_set_added(&st, "etc/modules", "");
	assert_string_equal(state_added(&st, "etc/modules"), "");
	text = state_render(&st);
	assert_non_null(text);
	assert_null(strstr(text, "etc/modules"));
	assert_non_null(strstr(text, "etc/default/grub GRUB_CMDLINE_LINUX = amd_iommu=on iommu=pt\n"));
	free(text);
	state_free(&st);
}

static void render_is_null_when_nothing_is_managed(void **state)
{
	struct state st = {0};
	struct log log = {0};

	(void)state;
	assert_null(state_render(&st));
	state_set_added(&st, "etc/modules", "");
	assert_null(state_render(&st));
	state_free(&st);
	/* a file with only comments parses to nothing as well */
	assert_int_equal(state_parse(&st, "# Managed by vfioconf\n\n[added]\n", "devices.conf", &log), 0);
	assert_null(state_render(&st));
	state_free(&st);
	log_free(&log);
}

static void long_lines_have_no_limit(void **state)
{
	struct state st, again;
	struct log log = {0};
	struct strbuf sb = {0};
	char *text;

	(void)state;
	for (int i = 0; i < 600; i++)
		strbuf_printf(&sb, "%stoken%d", i ? " " : "", i);
	memset(&st, 0, sizeof(st));
	state_set_added(&st, "etc/kernel/cmdline", sb.buf);
	text = state_render(&st);
	assert_true(strlen(text) > 4000);
	assert_int_equal(state_parse(&again, text, "devices.conf", &log), 0);
	assert_string_equal(state_added(&again, "etc/kernel/cmdline"), sb.buf);
	free(text);
	strbuf_free(&sb);
	state_free(&st);
	state_free(&again);
	log_free(&log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_every_field),
		cmocka_unit_test(render_is_the_file_and_round_trips),
		cmocka_unit_test(blanks_and_comments_are_ignored),
		cmocka_unit_test(repeated_added_keys_add),
		cmocka_unit_test(bad_entries_are_dropped_with_name_and_line),
		cmocka_unit_test(incomplete_device_is_dropped),
		cmocka_unit_test(short_and_upper_case_addresses_are_one_device),
		cmocka_unit_test(add_device_replaces_the_same_address),
		cmocka_unit_test(added_tokens_set_read_and_removed),
		cmocka_unit_test(render_is_null_when_nothing_is_managed),
		cmocka_unit_test(long_lines_have_no_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
