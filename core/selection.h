/* selection.h - which devices a person picks and what comes along: the
 * one set of rules the screen's ticks and the intent both follow.
 *
 * A selection is one bool per inventory device (ticked), with a second
 * array (confirmed) marking host-critical devices the user took from the
 * host by typing their address. Nothing here allocates them.
 */
#ifndef VFIOCONF_SELECTION_H
#define VFIOCONF_SELECTION_H

#include <stdbool.h>

#include "core/inventory.h"
#include "core/state.h"

enum companion {
	COMPANION_NONE,
	COMPANION_CARD,       /* the GPU's own audio, USB or UCSI function in its slot:
			       * goes along, as expected */
	COMPANION_SLOT_GROUP, /* another function of the slot in the same IOMMU group:
			       * goes along, and the host loses it */
};

/* What device other is to the selected device sel. */
enum companion selection_companion(const struct inventory *inv, size_t sel, size_t other);

enum tick_block {
	TICK_FREE,            /* Space ticks it */
	TICK_BRIDGE,          /* bridges stay with the host */
	TICK_PLATFORM,        /* so do the chipset's functions (analysis_platform_kind) */
	TICK_HOST_CRITICAL,   /* only on a typed confirmation */
};
enum tick_block selection_blocked(const struct device *d);

/* Ticks (on) or unticks device di and the other functions of its card;
 * unticking clears their confirmations. */
void selection_tick(const struct inventory *inv, bool *ticked, bool *confirmed, size_t di, bool on);

/* Ticks every device of group index gi (bridges aside), or unticks them
 * all when all are ticked. -EPERM, changing nothing, when the group holds
 * a host-critical device or a platform function (*blocker set to its
 * index): such a group goes only on a typed confirmation. */
int selection_tick_group(const struct inventory *inv, bool *ticked, bool *confirmed, size_t gi,
			 size_t *blocker);

/* Does a search for query (case-insensitive) find d by its address,
 * vendor or name? */
bool selection_matches(const struct device *d, const char *query);

/* The devices devices.conf names, ticked (confirmed as recorded); the
 * addresses it names that this machine does not have go to missing (may
 * be NULL). ticked and confirmed are cleared first. */
void selection_from_state(const struct inventory *inv, const struct state *st, bool *ticked, bool *confirmed,
			  struct strv *missing);

#endif
