/* testinv.c - hand-built inventories for the unit tests. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/testinv.h"

struct device *testinv_add(struct inventory *inv, const char *addr, unsigned vendor, unsigned device,
			   unsigned cls, int group, const char *driver, const char *name)
{
	struct pci_addr a;
	struct device *d;

	assert_int_equal(pci_addr_parse(addr, &a), 0);
	d = inventory_add_device(inv, &a);
	d->vendor = (uint16_t)vendor;
	d->device = (uint16_t)device;
	d->class_code = cls;
	d->group = group;
	d->driver = driver ? strdup(driver) : NULL;
	d->device_name = name ? strdup(name) : NULL;
	d->boot_vga = -1;
	if ((cls >> 8) == 0x0604) {
		d->header_type = 1;
		d->flags |= DEV_BRIDGE;
	}
	return d;
}

size_t testinv_idx(const struct inventory *inv, const char *addr)
{
	const struct device *d = inventory_find_str(inv, addr);

	assert_non_null(d);
	return (size_t)(d - inv->devices);
}

bool testinv_any_contains(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strstr(sv->v[i], s))
			return true;
	return false;
}
