/* test_effective.c - the next boot's driver per device, from the inputs:
 * the rules kmod and the kernel apply (the last ids=, the first install
 * line, the command line over modprobe.d, module arguments over both,
 * driverctl over everything, a built-in vfio-pci reading only the command
 * line), on a hand-built inventory. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/effective.h"
#include "tests/unit/testinv.h"

#define HELPER "/usr/libexec/vfioconf/vfioconf-bind"
#define OURS "install vfio-pci " HELPER "; /sbin/modprobe --ignore-install vfio-pci $CMDLINE_OPTS"

/* A GPU and its audio, two identical NICs, a USB controller. */
static void build(struct inventory *inv)
{
	struct device *d;

	memset(inv, 0, sizeof(*inv));
	d = testinv_add(inv, "01:00.0", 0x10de, 0x1b81, 0x030000, 1, "nouveau", "GTX 1070");
	strv_push(&d->modules, "nouveau");
	testinv_add(inv, "01:00.1", 0x10de, 0x10f0, 0x040300, 1, "snd_hda_intel", "GP104 audio");
	testinv_add(inv, "03:00.0", 0x8086, 0x1533, 0x020000, 3, "igb", "I210");
	testinv_add(inv, "04:00.0", 0x8086, 0x1533, 0x020000, 4, "igb", "I210");
	d = testinv_add(inv, "05:00.0", 0x1b73, 0x1100, 0x0c0330, 5, NULL, "FL1100");
	strv_push(&d->modules, "xhci_pci");
	inventory_finish(inv);
}

static struct eff_device out[8];

static const struct eff_device *at(const struct inventory *inv, const char *addr)
{
	return &out[testinv_idx(inv, addr)];
}

static void last_ids_wins(void **state)
{
	struct inventory inv;
	struct eff_config c = {0};

	(void)state;
	build(&inv);
	eff_config_add(&c, EFF_OPTIONS, "vfio-pci", "ids=10de:1b81,10de:10f0 disable_vga=1", "etc/modprobe.d/vfio.conf", 2,
		       false);
	eff_config_add(&c, EFF_OPTIONS, "vfio_pci", "ids=1b73:1100", "etc/modprobe.d/vfioconf.conf", 4, true);
	effective_compute(&inv, &c, NULL, out);
	/* the kernel keeps the last ids=: the GPU loses */
	assert_string_equal(at(&inv, "01:00.0")->driver, "nouveau");
	assert_int_equal(at(&inv, "05:00.0")->how, EFF_BY_IDS);
	assert_true(at(&inv, "05:00.0")->why->ours);
	/* the command line comes after modprobe.d */
	eff_config_add(&c, EFF_CMDLINE, "vfio_pci", "ids=10de:1b81", "etc/default/grub", 6, false);
	effective_compute(&inv, &c, NULL, out);
	assert_string_equal(at(&inv, "01:00.0")->driver, "vfio-pci");
	assert_int_equal(at(&inv, "01:00.0")->why->line, 6);
	assert_string_equal(at(&inv, "05:00.0")->driver, "xhci_pci");
	/* arguments of an explicit modprobe come after both */
	eff_config_add(&c, EFF_MODARGS, "vfio_pci", "ids=8086:1533", "etc/initramfs-tools/modules", 3, false);
	effective_compute(&inv, &c, NULL, out);
	assert_string_equal(at(&inv, "03:00.0")->driver, "vfio-pci");
	assert_string_equal(at(&inv, "04:00.0")->driver, "vfio-pci"); /* ids= takes both twins */
	assert_string_equal(at(&inv, "01:00.0")->driver, "nouveau");
	/* the running kernel's line says what is, not what will be */
	eff_config_add(&c, EFF_CMDLINE, "vfio_pci", "ids=10de:10f0", "/proc/cmdline", 1, false);
	assert_int_equal(effective_ids(&c)->line, 3);
	eff_config_free(&c);
	inventory_free(&inv);
}

static void builtin_reads_the_command_line_only(void **state)
{
	struct inventory inv;
	struct eff_config c = {.vfio_pci_builtin = true};

	(void)state;
	build(&inv);
	eff_config_add(&c, EFF_OPTIONS, "vfio_pci", "ids=1b73:1100", "etc/modprobe.d/vfioconf.conf", 4, true);
	effective_compute(&inv, &c, NULL, out);
	assert_int_equal(at(&inv, "05:00.0")->how, EFF_NATIVE);
	eff_config_add(&c, EFF_CMDLINE, "vfio-pci", "ids=1b73:1100", "etc/kernel/cmdline", 1, true);
	effective_compute(&inv, &c, NULL, out);
	assert_int_equal(at(&inv, "05:00.0")->how, EFF_BY_IDS);
	eff_config_free(&c);
	inventory_free(&inv);
}

static void the_first_install_line_decides_the_hook(void **state)
{
	struct inventory inv;
	struct eff_config c = {0};
	struct state st = {0};
	struct state_device sd = {.vendor = 0x8086, .device = 0x1533, .method = BIND_DRIVER_OVERRIDE};

	(void)state;
	build(&inv);
	snprintf(sd.addr, sizeof(sd.addr), "0000:04:00.0");
	state_add_device(&st, &sd);
	eff_config_add(&c, EFF_INSTALL, "vfio_pci", OURS + 17, "etc/modprobe.d/vfioconf.conf", 5, true);
	effective_compute(&inv, &c, &st, out);
	assert_int_equal(at(&inv, "04:00.0")->how, EFF_BY_ADDRESS);
	assert_string_equal(at(&inv, "03:00.0")->driver, "igb"); /* the twin stays */
	/* a hand-made install line read first: vfioconf-bind never runs */
	{
		struct eff_config first = {0};
		eff_config_add(&first, EFF_INSTALL, "vfio-pci", "/usr/local/bin/vfio-pci-override.sh",
			       "etc/modprobe.d/local.conf", 1, false);
		eff_config_add(&first, EFF_INSTALL, "vfio_pci", OURS + 17, "etc/modprobe.d/vfioconf.conf", 5, true);
		effective_compute(&inv, &first, &st, out);
		assert_string_equal(at(&inv, "04:00.0")->driver, "igb");
		assert_string_equal(effective_install(&first)->file, "etc/modprobe.d/local.conf");
		eff_config_free(&first);
	}
	/* a moved card is not grabbed: the fingerprint must match */
	st.dev[0].device = 0x1539;
	effective_compute(&inv, &c, &st, out);
	assert_string_equal(at(&inv, "04:00.0")->driver, "igb");
	eff_config_free(&c);
	state_free(&st);
	inventory_free(&inv);
}

static void driverctl_and_blacklists(void **state)
{
	struct inventory inv;
	struct eff_config c = {0};
	char *desc;

	(void)state;
	build(&inv);
	eff_config_add(&c, EFF_OPTIONS, "vfio_pci", "ids=10de:1b81", "etc/modprobe.d/vfio.conf", 1, false);
	eff_config_add(&c, EFF_DRIVERCTL, "nouveau", "0000:01:00.0", "etc/driverctl.d/pci-0000:01:00.0", 1, false);
	eff_config_add(&c, EFF_BLACKLIST, "snd-hda-intel", NULL, "etc/modprobe.d/bl.conf", 3, false);
	eff_config_add(&c, EFF_BLACKLIST, "xhci_pci", NULL, "etc/modprobe.d/bl.conf", 4, false);
	eff_config_add(&c, EFF_EARLY, "xhci-pci", NULL, "etc/modules", 2, false);
	effective_compute(&inv, &c, NULL, out);
	assert_int_equal(at(&inv, "01:00.0")->how, EFF_BY_DRIVERCTL);
	assert_string_equal(at(&inv, "01:00.0")->driver, "nouveau");
	assert_int_equal(at(&inv, "01:00.1")->how, EFF_NONE);
	/* blacklisted, but loaded early by name: it binds */
	assert_string_equal(at(&inv, "05:00.0")->driver, "xhci_pci");
	desc = effective_describe(at(&inv, "01:00.1"));
	assert_string_equal(desc, "no driver: blacklisted in etc/modprobe.d/bl.conf:3");
	free(desc);
	desc = effective_describe(at(&inv, "01:00.0"));
	assert_string_equal(desc, "nouveau by a driverctl override in etc/driverctl.d/pci-0000:01:00.0:1");
	free(desc);
	eff_config_free(&c);
	inventory_free(&inv);
}

static void ids_forms(void **state)
{
	struct inventory inv;
	struct eff_config c = {0};

	(void)state;
	build(&inv);
	/* vendor:device:subvendor:subdevice, quoted, among other options */
	eff_config_add(&c, EFF_OPTIONS, "vfio_pci", "disable_vga=1 ids=\"10de:1b81:ffffffff:ffffffff,8086:1533:1234:5678\"",
		       "etc/modprobe.d/vfio.conf", 1, false);
	effective_compute(&inv, &c, NULL, out);
	assert_string_equal(at(&inv, "01:00.0")->driver, "vfio-pci");
	assert_string_equal(at(&inv, "03:00.0")->driver, "igb"); /* subsystem 0:0 is not 1234:5678 */
	assert_true(eff_module_eq("vfio-pci", "vfio_pci"));
	assert_false(eff_module_eq("vfio-pci", "vfio_pcie"));
	eff_config_free(&c);
	inventory_free(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(last_ids_wins),
		cmocka_unit_test(builtin_reads_the_command_line_only),
		cmocka_unit_test(the_first_install_line_decides_the_hook),
		cmocka_unit_test(driverctl_and_blacklists),
		cmocka_unit_test(ids_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
