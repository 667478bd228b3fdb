/* testinv.h - hand-built inventories for the unit tests (testinv.c). */
#ifndef VFIOCONF_TESTINV_H
#define VFIOCONF_TESTINV_H

#include <stdbool.h>

#include "core/inventory.h"

/* A device at addr ("BB:DD.F" or full); a class 0604xx is a bridge.
 * driver and name may be NULL. Returns it (invalidated by the next add). */
struct device *testinv_add(struct inventory *inv, const char *addr, unsigned vendor, unsigned device,
			   unsigned cls, int group, const char *driver, const char *name);
/* The index of the device at addr (asserts it exists). */
size_t testinv_idx(const struct inventory *inv, const char *addr);
/* Some string of sv contains s. */
bool testinv_any_contains(const struct strv *sv, const char *s);

#endif
