/* test_inventory.c - PCI addresses, sorting, groups and lookups. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "core/inventory.h"

static void addr_parse_forms(void **state)
{
	struct pci_addr a;
	char buf[PCI_ADDR_STRLEN];

	(void)state;
	assert_int_equal(pci_addr_parse("0000:01:00.1", &a), 0);
	assert_int_equal(a.domain, 0);
	assert_int_equal(a.bus, 1);
	assert_int_equal(a.dev, 0);
	assert_int_equal(a.func, 1);
	assert_int_equal(pci_addr_parse("02:1f.7", &a), 0);
	pci_addr_format(&a, buf);
	assert_string_equal(buf, "0000:02:1f.7");
	/* VMD domains have five hex digits */
	assert_int_equal(pci_addr_parse("10000:e1:00.0", &a), 0);
	pci_addr_format(&a, buf);
	assert_string_equal(buf, "10000:e1:00.0");
	assert_int_equal(pci_addr_parse("0001:5E:10.6", &a), 0);
	pci_addr_format(&a, buf);
	assert_string_equal(buf, "0001:5e:10.6");
}

static void addr_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "0000:01:00", "0000:01:00.8", "0000:01:20.0", "0000:100:00.0", "01:00.0x",
		"0000:01:00.0 ", "pci0000:00", "foo", "0000:01:00.", ":01:00.0", "0000::00.0",
		"123456789:00:00.0",
	};
	struct pci_addr a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (pci_addr_parse(bad[i], &a) != -EINVAL)
			fail_msg("'%s' parsed as an address", bad[i]);
}

static void add(struct inventory *inv, const char *addr, int group)
{
	struct pci_addr a;

	assert_int_equal(pci_addr_parse(addr, &a), 0);
	inventory_add_device(inv, &a)->group = group;
}

static void finish_sorts_and_groups(void **state)
{
	struct inventory inv = {0};
	const struct iommu_group *g;

	(void)state;
	add(&inv, "0000:02:00.1", 13);
	add(&inv, "0000:00:1f.3", 10);
	add(&inv, "0000:02:00.0", 13);
	add(&inv, "0000:00:1f.0", 10);
	add(&inv, "0000:00:02.0", 2);
	add(&inv, "0001:00:00.0", -1);
	inventory_finish(&inv);
	inventory_finish(&inv); /* idempotent: groups rebuilt, not doubled */
	assert_string_equal(inv.devices[0].addr_str, "0000:00:02.0");
	assert_string_equal(inv.devices[5].addr_str, "0001:00:00.0");
	assert_int_equal(inv.n_groups, 3);
	assert_int_equal(inv.groups[0].id, 2);
	assert_int_equal(inv.groups[1].id, 10);
	assert_int_equal(inv.groups[2].id, 13);
	g = inventory_group(&inv, 13);
	assert_non_null(g);
	assert_int_equal(g->n_members, 2);
	assert_string_equal(inv.devices[g->members[0]].addr_str, "0000:02:00.0");
	assert_string_equal(inv.devices[g->members[1]].addr_str, "0000:02:00.1");
	assert_null(inventory_group(&inv, 11));
	assert_non_null(inventory_find_str(&inv, "02:00.1"));
	assert_null(inventory_find_str(&inv, "0000:03:00.0"));
	assert_null(inventory_find_str(&inv, "garbage"));
	inventory_free(&inv);
}

static void iommu_params_by_vendor(void **state)
{
	(void)state;
	assert_string_equal(cpu_iommu_param(CPU_INTEL), "intel_iommu=on");
	assert_null(cpu_iommu_param(CPU_AMD)); /* amd_iommu= has no "on" */
	assert_null(cpu_iommu_param(CPU_UNKNOWN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(addr_parse_forms),
		cmocka_unit_test(addr_parse_rejects),
		cmocka_unit_test(finish_sorts_and_groups),
		cmocka_unit_test(iommu_params_by_vendor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
