/* test_scan.c - the backends on a generated fixture machine ($ROOTS/z170):
 * the whole inventory as the CLI and TUI will see it. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/scan/host_facts.h"
#include "backends/scan/scan.h"
#include "backends/sys/sysroot.h"

static char *base;

static void opts_for(struct scan_opts *o, const char *machine, char **bufs)
{
	bufs[0] = path_joinf(base, "%s/root", machine);
	bufs[1] = path_joinf(base, "%s/sys", machine);
	bufs[2] = path_joinf(base, "%s/proc", machine);
	memset(o, 0, sizeof(*o));
	o->sr.root = bufs[0];
	o->sr.sysfs = bufs[1];
	o->sr.procfs = bufs[2];
	o->want_modules = true;
}

static void z170_inventory(void **state)
{
	struct scan_opts o;
	struct inventory inv = {0};
	struct log log = {0};
	char *bufs[3];
	struct device *d;

	(void)state;
	opts_for(&o, "z170", bufs);
	o.ssh_connection = "192.168.1.50 51234 192.168.1.10 22";
	assert_int_equal(scan_system(&o, &inv, &log), 0);
	for (size_t i = 0; i < log.n; i++)
		print_message("log: %s\n", log.e[i].msg);
	assert_int_equal(log.n, 0);
	assert_int_equal(inv.n_devices, 22);
	assert_int_equal(inv.n_groups, 17);
	assert_true(inventory_iommu_enabled(&inv));
	assert_int_equal(inv.host.cpu, CPU_INTEL);
	assert_true(inv.host.cpu_virt);
	assert_string_equal(inv.host.running_kernel, "6.1.0-18-amd64");
	assert_int_equal(inv.host.n_kernels, 2);
	assert_true(inv.host.kernels[0].vfio_virqfd_module);
	assert_false(inv.host.kernels[1].vfio_virqfd_module);
	assert_false(inv.host.kernels[0].vfio_pci_builtin);

	d = inventory_find_str(&inv, "0000:02:00.0");
	assert_non_null(d);
	assert_int_equal(d->vendor, 0x10de);
	assert_int_equal(d->device, 0x13c2);
	assert_int_equal(d->subsys_vendor, 0x3842);
	assert_int_equal(d->class_code, 0x030000);
	assert_int_equal(d->revision, 0xa1);
	assert_int_equal(d->group, 13);
	assert_int_equal(d->header_type, 0);
	assert_string_equal(d->driver, "nouveau");
	assert_string_equal(d->modules.v[0], "nouveau");
	assert_string_equal(d->reset_method, "bus");
	assert_true(d->has_parent);
	assert_int_equal(d->parent.dev, 0x1b);
	assert_string_equal(d->device_name, "GM204 [GeForce GTX 970]");

	d = inventory_find_str(&inv, "0000:04:00.0");
	assert_true(d->flags & DEV_BRIDGE);
	assert_null(d->driver);
	assert_true(inventory_find_str(&inv, "0000:00:1f.6")->flags & DEV_SSH_NIC);
	assert_true(inventory_find_str(&inv, "0000:00:17.0")->flags & DEV_ROOT_DISK);
	inventory_free(&inv);
	log_free(&log);
	for (int i = 0; i < 3; i++)
		free(bufs[i]);
}

static void not_sysfs(void **state)
{
	struct scan_opts o = {.sr = {.root = "/nonexistent", .sysfs = "/nonexistent", .procfs = "/nonexistent"}};
	struct inventory inv = {0};
	struct log log = {0};

	(void)state;
	assert_int_equal(scan_system(&o, &inv, &log), -ENOTDIR);
	assert_int_equal(log.n, 1);
	assert_non_null(strstr(log.e[0].msg, "/nonexistent: not a sysfs tree"));
	inventory_free(&inv);
	log_free(&log);
}

static void route_lookup(void **state)
{
	struct scan_opts o;
	char *bufs[3], *ifn = NULL;

	(void)state;
	opts_for(&o, "twin-gpus", bufs);
	assert_int_equal(host_route_iface(&o.sr, "192.168.20.7", &ifn), 0);
	assert_string_equal(ifn, "enp4s0"); /* the /24, not the default route */
	free(ifn);
	assert_int_equal(host_route_iface(&o.sr, "8.8.8.8", &ifn), 0);
	assert_string_equal(ifn, "enp3s0"); /* default route */
	free(ifn);
	assert_int_equal(host_route_iface(&o.sr, "not-an-ip", &ifn), -EINVAL);
	for (int i = 0; i < 3; i++)
		free(bufs[i]);
}

static void path_join_cases(void **state)
{
	char *p;

	(void)state;
	p = path_join("/", "etc/fstab");
	assert_string_equal(p, "/etc/fstab");
	free(p);
	p = path_join("/mnt/", "/etc/fstab");
	assert_string_equal(p, "/mnt/etc/fstab");
	free(p);
	p = path_join("fixture", "");
	assert_string_equal(p, "fixture");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(z170_inventory),
		cmocka_unit_test(not_sysfs),
		cmocka_unit_test(route_lookup),
		cmocka_unit_test(path_join_cases),
	};

	base = getenv("ROOTS");
	if (!base) {
		fprintf(stderr, "ROOTS is not set (run through make check)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
