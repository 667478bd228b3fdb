/* test_intent.c - what a selection means: binding methods, refusals,
 * kernel parameters and the modprobe.d file, on a hand-built inventory. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/analysis.h"
#include "core/intent.h"
#include "core/settings.h"
#include "core/state.h"
#include "tests/unit/testinv.h"

#define HELPER "/usr/libexec/vfioconf/vfioconf-bind"

/* An Intel host: the iGPU is the boot VGA, a discrete GPU with its audio
 * behind a root port (group 1), the SATA controller holding / shares
 * group 2 with the USB controller, two identical NICs in groups 3 and 4. */
static void build(struct inventory *inv)
{
	struct mount_info *m;

	memset(inv, 0, sizeof(*inv));
	testinv_add(inv, "00:02.0", 0x8086, 0x3e92, 0x030000, 0, "i915", "UHD 630")->boot_vga = 1;
	testinv_add(inv, "00:01.0", 0x8086, 0x1901, 0x060400, 1, "pcieport", "root port");
	testinv_add(inv, "01:00.0", 0x10de, 0x1b81, 0x030000, 1, "nouveau", "GTX 1070")->boot_vga = 0;
	testinv_add(inv, "01:00.1", 0x10de, 0x10f0, 0x040300, 1, "snd_hda_intel", "GP104 audio");
	testinv_add(inv, "00:14.0", 0x8086, 0xa36d, 0x0c0330, 2, "xhci_hcd", "USB 3.1");
	testinv_add(inv, "00:17.0", 0x8086, 0xa352, 0x010601, 2, "ahci", "SATA AHCI");
	testinv_add(inv, "03:00.0", 0x8086, 0x1533, 0x020000, 3, "igb", "I210");
	testinv_add(inv, "04:00.0", 0x8086, 0x1533, 0x020000, 4, "igb", "I210");
	inventory_finish(inv);
	inv->host.cpu = CPU_INTEL;
	inv->host.iommu_vendor = CPU_INTEL;
	inv->host.iommu_groups = true;
	inv->host.iommu_class = true;
	inv->host.kernels = calloc(1, sizeof(*inv->host.kernels));
	inv->host.n_kernels = 1;
	inv->host.kernels[0].version = strdup("6.8.0-40-generic");
	inv->host.kernels[0].modules_dir_ok = true;
	inv->host.kernels[0].vfio_pci_module = true;
	inv->host.mounts = calloc(1, sizeof(*inv->host.mounts));
	inv->host.n_mounts = 1;
	m = &inv->host.mounts[0];
	m->target = strdup("/");
	m->source = strdup("/dev/sda2");
	strv_push(&m->pci, "0000:00:17.0");
	analysis_run(inv);
}

/* Builds the intent for the listed addresses (NULL-terminated). */
static void build_intent(const struct inventory *inv, const struct settings *st, const char *const *addrs,
			 const char *const *confirm, bool enable_iommu, struct intent *out)
{
	bool sel[32] = {0}, conf[32] = {0};

	assert_true(inv->n_devices <= 32);
	for (size_t i = 0; addrs && addrs[i]; i++)
		sel[testinv_idx(inv, addrs[i])] = true;
	for (size_t i = 0; confirm && confirm[i]; i++)
		conf[testinv_idx(inv, confirm[i])] = true;
	intent_build(inv, st, sel, confirm ? conf : NULL, enable_iommu, out);
}

/* The method a device is bound with, or -1 when it is not in the intent. */
static int method_of(const struct intent *in, const struct inventory *inv, const char *addr)
{
	for (size_t i = 0; i < in->n_dev; i++)
		if (strcmp(inv->devices[in->dev[i].idx].addr_str, addr) == 0)
			return (int)in->dev[i].method;
	return -1;
}


static void unique_gpu_binds_by_id_with_its_audio(void **state)
{
	struct inventory inv;
	struct settings st;
	struct intent in;
	const char *const sel[] = {"0000:01:00.0", NULL};

	(void)state;
	build(&inv);
	settings_defaults(&st);
	build_intent(&inv, &st, sel, NULL, false, &in);
	assert_int_equal(in.refusals.n, 0);
	assert_int_equal(in.n_dev, 2);
	assert_int_equal(method_of(&in, &inv, "0000:01:00.0"), BIND_IDS);
	assert_int_equal(method_of(&in, &inv, "0000:01:00.1"), BIND_IDS);
	assert_false(in.dev[0].taken_from_host || in.dev[1].taken_from_host);
	/* the audio function came along, and the user is told */
	assert_int_equal(in.notes.n, 1);
	assert_string_equal(in.notes.v[0],
			    "0000:01:00.1 (GP104 audio) added: another function of 0000:01:00.0's card");
	assert_int_equal(in.ids.n, 2);
	assert_string_equal(in.ids.v[0], "10de:10f0"); /* sorted */
	assert_string_equal(in.ids.v[1], "10de:1b81");
	assert_true(in.disable_vga);
	assert_false(in.any_override);
	assert_int_equal(in.softdeps.n, 2);
	assert_string_equal(in.softdeps.v[0], "nouveau");
	assert_string_equal(in.softdeps.v[1], "snd_hda_intel");
	assert_int_equal(in.modules.n, 3);
	assert_string_equal(in.modules.v[0], "vfio");
	assert_string_equal(in.modules.v[1], "vfio_iommu_type1");
	assert_string_equal(in.modules.v[2], "vfio_pci");
	/* the root port in the same group is harmless: no warning */
	assert_int_equal(in.warnings.n, 0);
	intent_free(&in);
	inventory_free(&inv);
}

static void shared_id_binds_by_address(void **state)
{
	struct inventory inv;
	struct settings st;
	struct intent in;
	const char *const one[] = {"0000:04:00.0", NULL};
	const char *const both[] = {"0000:03:00.0", "0000:04:00.0", NULL};

	(void)state;
	build(&inv);
	settings_defaults(&st);
	/* 03:00.0 stays with the host and has the same 8086:1533 */
	build_intent(&inv, &st, one, NULL, false, &in);
	assert_int_equal(in.n_dev, 1);
	assert_int_equal(in.dev[0].method, BIND_DRIVER_OVERRIDE);
	assert_int_equal(in.ids.n, 0);
	assert_true(in.any_override);
	assert_int_equal(in.softdeps.n, 1);
	assert_string_equal(in.softdeps.v[0], "igb");
	intent_free(&in);
	/* both selected: nothing that stays shares the ID */
	build_intent(&inv, &st, both, NULL, false, &in);
	assert_int_equal(in.n_dev, 2);
	assert_int_equal(in.dev[0].method, BIND_IDS);
	assert_int_equal(in.dev[1].method, BIND_IDS);
	assert_int_equal(in.ids.n, 1);
	assert_string_equal(in.ids.v[0], "8086:1533");
	assert_false(in.any_override);
	assert_false(in.disable_vga);
	intent_free(&in);
	inventory_free(&inv);
}

static void forced_methods(void **state)
{
	struct inventory inv;
	struct settings st;
	struct intent in;
	const char *const nic[] = {"0000:04:00.0", NULL};
	const char *const gpu[] = {"0000:01:00.0", NULL};

	(void)state;
	build(&inv);
	settings_defaults(&st);
	st.method = BIND_IDS;
	build_intent(&inv, &st, nic, NULL, false, &in);
	assert_int_equal(in.n_dev, 0);
	assert_int_equal(in.refusals.n, 1);
	assert_true(str_starts_with(in.refusals.v[0], "0000:04:00.0: method = ids"));
	assert_non_null(strstr(in.refusals.v[0], "8086:1533"));
	assert_int_equal(in.params.n, 0); /* nothing left to bind */
	intent_free(&in);
	st.method = BIND_DRIVER_OVERRIDE;
	build_intent(&inv, &st, gpu, NULL, false, &in);
	assert_int_equal(in.n_dev, 2);
	assert_int_equal(in.dev[0].method, BIND_DRIVER_OVERRIDE);
	assert_int_equal(in.dev[1].method, BIND_DRIVER_OVERRIDE);
	assert_int_equal(in.ids.n, 0);
	assert_false(in.disable_vga);
	intent_free(&in);
	inventory_free(&inv);
}

static void host_critical_refused_unless_confirmed(void **state)
{
	struct inventory inv;
	struct settings st;
	struct intent in;
	struct state s = {0};
	const char *const disk[] = {"0000:00:17.0", NULL};

	(void)state;
	build(&inv);
	settings_defaults(&st);
	assert_true(inventory_find_str(&inv, "0000:00:17.0")->flags & DEV_ROOT_DISK);
	build_intent(&inv, &st, disk, NULL, false, &in);
	assert_int_equal(in.n_dev, 0);
	assert_int_equal(in.refusals.n, 1);
	assert_string_equal(in.refusals.v[0], "0000:00:17.0 (SATA AHCI) stays with the host: holds / (/dev/sda2)");
	intent_free(&in);
	/* confirmed by typing its address: handed over with a warning */
	build_intent(&inv, &st, disk, disk, false, &in);
	assert_int_equal(in.refusals.n, 0);
	assert_int_equal(in.n_dev, 1);
	assert_true(in.dev[0].taken_from_host);
	assert_true(testinv_any_contains(&in.warnings, "0000:00:17.0 (SATA AHCI) is taken from the host, as you confirmed"));
	assert_true(testinv_any_contains(&in.warnings, "rollback"));
	/* and the state file remembers it */
	intent_to_state(&in, &inv, &s);
	assert_int_equal(s.n_dev, 1);
	assert_true(state_find(&s, "0000:00:17.0")->taken_from_host);
	assert_int_equal(state_find(&s, "0000:00:17.0")->vendor, 0x8086);
	state_free(&s);
	intent_free(&in);
	inventory_free(&inv);
}

static void group_with_host_critical_is_refused_even_confirmed(void **state)
{
	struct inventory inv;
	struct settings st;
	struct intent in;
	const char *const usb[] = {"0000:00:14.0", NULL};

	(void)state;
	build(&inv);
	settings_defaults(&st);
	build_intent(&inv, &st, usb, usb, false, &in);
	assert_int_equal(in.n_dev, 0);
	assert_int_equal(in.refusals.n, 1);
	assert_true(str_starts_with(in.refusals.v[0], "0000:00:14.0 (USB 3.1) cannot go to a VM: IOMMU group 2 "
							"also holds 0000:00:17.0 (SATA AHCI)"));
	intent_free(&in);
	inventory_free(&inv);
}

static void bridge_is_refused(void **state)
{
	struct inventory inv;
	struct settings st;
	struct intent in;
	const char *const port[] = {"0000:00:01.0", NULL};

	(void)state;
	build(&inv);
	settings_defaults(&st);
	build_intent(&inv, &st, port, NULL, false, &in);
	assert_int_equal(in.n_dev, 0);
	assert_int_equal(in.refusals.n, 1);
	assert_true(str_starts_with(in.refusals.v[0], "0000:00:01.0 (root port) is a bridge"));
	assert_int_equal(in.ids.n, 0);
	assert_null(intent_render_modprobe(&in, &inv, HELPER));
	intent_free(&in);
	inventory_free(&inv);
}

static void params_follow_host_and_settings(void **state)
{
	struct inventory inv;
	struct settings st;
	struct intent in;
	const char *const gpu[] = {"0000:01:00.0", NULL};

	(void)state;
	build(&inv);
	settings_defaults(&st);
	build_intent(&inv, &st, gpu, NULL, false, &in);
	assert_int_equal(in.params.n, 2);
	assert_string_equal(in.params.v[0], "intel_iommu=on");
	assert_string_equal(in.params.v[1], "iommu=pt");
	intent_free(&in);
	/* no iommu=pt, extra parameters appended */
	st.iommu_pt = false;
	st.extra_params = strdup("pcie_acs_override=downstream video=efifb:off");
	inv.host.cpu = CPU_AMD;
	inv.host.iommu_vendor = CPU_AMD;
	build_intent(&inv, &st, gpu, NULL, false, &in);
	/* AMD: no amd_iommu=on, which is not an option of the kernel */
	assert_int_equal(in.params.n, 2);
	assert_string_equal(in.params.v[0], "pcie_acs_override=downstream");
	assert_string_equal(in.params.v[1], "video=efifb:off");
	assert_false(testinv_any_contains(&in.warnings, "CPU vendor unknown"));
	intent_free(&in);
	/* an unknown vendor: the user is told to add it */
	inv.host.cpu = CPU_UNKNOWN;
	inv.host.iommu_vendor = CPU_UNKNOWN;
	build_intent(&inv, &st, gpu, NULL, false, &in);
	assert_false(testinv_any_contains(&in.params, "iommu=on"));
	assert_true(testinv_any_contains(&in.warnings, "CPU vendor unknown"));
	intent_free(&in);
	settings_free(&st);
	inventory_free(&inv);
}

static void builtin_vfio_pci_needs_kernel_ids(void **state)
{
	struct inventory inv;
	struct settings st;
	struct intent in;
	const char *const gpu[] = {"0000:01:00.0", NULL};
	const char *const nic[] = {"0000:04:00.0", NULL};

	(void)state;
	build(&inv);
	settings_defaults(&st);
	inv.host.kernels[0].vfio_pci_builtin = true;
	inv.host.kernels[0].vfio_pci_module = false;
	build_intent(&inv, &st, gpu, NULL, false, &in);
	assert_true(in.vfio_pci_builtin);
	assert_true(strv_contains(&in.params, "vfio-pci.ids=10de:10f0,10de:1b81"));
	assert_true(strv_contains(&in.params, "vfio-pci.disable_vga=1"));
	intent_free(&in);
	/* per-address binding cannot work there: a warning, no ids= */
	build_intent(&inv, &st, nic, NULL, false, &in);
	assert_false(testinv_any_contains(&in.params, "vfio-pci.ids="));
	assert_true(testinv_any_contains(&in.warnings, "built in"));
	intent_free(&in);
	/* a modular vfio-pci needs no parameter */
	inv.host.kernels[0].vfio_pci_builtin = false;
	build_intent(&inv, &st, gpu, NULL, false, &in);
	assert_false(testinv_any_contains(&in.params, "vfio-pci"));
	intent_free(&in);
	inventory_free(&inv);
}

static void modprobe_file_by_id(void **state)
{
	struct inventory inv;
	struct settings st;
	struct intent in;
	const char *const gpu[] = {"0000:01:00.0", NULL};
	char *conf;

	(void)state;
	build(&inv);
	settings_defaults(&st);
	build_intent(&inv, &st, gpu, NULL, false, &in);
	conf = intent_render_modprobe(&in, &inv, HELPER);
	assert_non_null(conf);
	assert_non_null(strstr(conf, "#   0000:01:00.0 [10de:1b81] GTX 1070 (by ID)\n"));
	assert_non_null(strstr(conf, "\noptions vfio-pci ids=10de:10f0,10de:1b81 disable_vga=1\n"));
	assert_null(strstr(conf, "install "));
	assert_non_null(strstr(conf, "\nsoftdep nouveau pre: vfio-pci\n"));
	assert_non_null(strstr(conf, "\nsoftdep snd_hda_intel pre: vfio-pci\n"));
	/* only comments and directives */
	for (const char *l = conf; *l; l = strchr(l, '\n') + 1)
		assert_true(*l == '#' || str_starts_with(l, "options ") || str_starts_with(l, "softdep "));
	free(conf);
	intent_free(&in);
	inventory_free(&inv);
}

static void modprobe_file_by_address(void **state)
{
	struct inventory inv;
	struct settings st;
	struct intent in;
	const char *const nic[] = {"0000:04:00.0", NULL};
	char *conf;

	(void)state;
	build(&inv);
	settings_defaults(&st);
	build_intent(&inv, &st, nic, NULL, false, &in);
	conf = intent_render_modprobe(&in, &inv, HELPER);
	assert_non_null(conf);
	assert_non_null(strstr(conf, "#   0000:04:00.0 [8086:1533] I210 (by address)\n"));
	assert_null(strstr(conf, "options vfio-pci"));
	assert_non_null(strstr(conf, "\ninstall vfio-pci " HELPER
				     "; /sbin/modprobe --ignore-install vfio-pci $CMDLINE_OPTS\n"));
	assert_non_null(strstr(conf, "\nsoftdep igb pre: vfio-pci\n"));
	free(conf);
	intent_free(&in);
	inventory_free(&inv);
}

static void softdeps_use_module_names_and_skip_vfio(void **state)
{
	struct inventory inv;
	struct settings st;
	struct intent in;
	const char *const nic[] = {"0000:03:00.0", "0000:04:00.0", NULL};
	struct device *d;

	(void)state;
	build(&inv);
	settings_defaults(&st);
	d = inventory_find_str(&inv, "0000:03:00.0");
	strv_push(&d->modules, "igb");
	strv_push(&d->modules, "vfio-pci");
	strv_push(&d->modules, "some-vendor-drv");
	d = inventory_find_str(&inv, "0000:04:00.0");
	free(d->driver);
	d->driver = strdup("vfio-pci"); /* already held by vfio-pci */
	build_intent(&inv, &st, nic, NULL, false, &in);
	assert_int_equal(in.softdeps.n, 2);
	assert_string_equal(in.softdeps.v[0], "igb");
	assert_string_equal(in.softdeps.v[1], "some_vendor_drv");
	intent_free(&in);
	inventory_free(&inv);
}

static void empty_selection_gives_an_empty_intent(void **state)
{
	struct inventory inv;
	struct settings st;
	struct intent in;

	(void)state;
	build(&inv);
	settings_defaults(&st);
	build_intent(&inv, &st, NULL, NULL, false, &in);
	assert_int_equal(in.n_dev, 0);
	assert_int_equal(in.ids.n, 0);
	assert_int_equal(in.params.n, 0);
	assert_int_equal(in.modules.n, 0);
	assert_int_equal(in.softdeps.n, 0);
	assert_int_equal(in.refusals.n + in.warnings.n + in.notes.n, 0);
	assert_null(intent_render_modprobe(&in, &inv, HELPER));
	intent_free(&in);
	/* enable_iommu: the parameters alone, no modules */
	build_intent(&inv, &st, NULL, NULL, true, &in);
	assert_int_equal(in.n_dev, 0);
	assert_int_equal(in.params.n, 2);
	assert_string_equal(in.params.v[0], "intel_iommu=on");
	assert_int_equal(in.modules.n, 0);
	assert_null(intent_render_modprobe(&in, &inv, HELPER));
	intent_free(&in);
	/* with the IOMMU off the user is told to look at the groups later */
	inv.host.iommu_groups = false;
	build_intent(&inv, &st, NULL, NULL, true, &in);
	assert_true(testinv_any_contains(&in.notes, "the IOMMU is off"));
	intent_free(&in);
	inventory_free(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unique_gpu_binds_by_id_with_its_audio),
		cmocka_unit_test(shared_id_binds_by_address),
		cmocka_unit_test(forced_methods),
		cmocka_unit_test(host_critical_refused_unless_confirmed),
		cmocka_unit_test(group_with_host_critical_is_refused_even_confirmed),
		cmocka_unit_test(bridge_is_refused),
		cmocka_unit_test(params_follow_host_and_settings),
		cmocka_unit_test(builtin_vfio_pci_needs_kernel_ids),
		cmocka_unit_test(modprobe_file_by_id),
		cmocka_unit_test(modprobe_file_by_address),
		cmocka_unit_test(softdeps_use_module_names_and_skip_vfio),
		cmocka_unit_test(empty_selection_gives_an_empty_intent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
