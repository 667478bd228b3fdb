/* selection.c - companions, group ticking and search over an inventory. */
#include "config.h"

#include "core/selection.h"
#include "core/analysis.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

static bool is_gpu(const struct device *d)
{
	return (d->class_code >> 16) == 0x03;
}

/* What a graphics card carries besides the GPU: HD audio, USB (a USB-C
 * port) and its UCSI controller, made by the GPU's own vendor. An APU's
 * slot also holds the SoC's security processor, USB and audio
 * coprocessor: those are not the card's. */
static bool card_function(const struct device *gpu, const struct device *o)
{
	unsigned cls = o->class_code >> 8;

	return o->vendor == gpu->vendor && (cls == 0x0403 || cls == 0x0c03 || cls == 0x0c80);
}

enum companion selection_companion(const struct inventory *inv, size_t sel, size_t other)
{
	const struct device *d = &inv->devices[sel], *o = &inv->devices[other];

	if (sel == other || (o->flags & DEV_BRIDGE) || !pci_addr_same_slot(&o->addr, &d->addr))
		return COMPANION_NONE;
	/* a virtual function goes alone: its PF keeps its host driver, the
	 * other VFs belong to other guests */
	if ((d->flags & DEV_SRIOV_VF) || (o->flags & DEV_SRIOV_VF))
		return COMPANION_NONE;
	/* A GPU's own audio, USB and UCSI functions go with it even from
	 * another group; other functions of a slot only when they share the
	 * group (the ports of a multi-port NIC in their own groups are
	 * separate). */
	if (is_gpu(d) && card_function(d, o))
		return COMPANION_CARD;
	if (o->group >= 0 && o->group == d->group)
		return COMPANION_SLOT_GROUP;
	return COMPANION_NONE;
}

enum tick_block selection_blocked(const struct device *d)
{
	if (d->flags & DEV_BRIDGE)
		return TICK_BRIDGE;
	if (d->flags & DEV_PLATFORM)
		return TICK_PLATFORM;
	if (d->flags & DEV_HOST_CRITICAL)
		return TICK_HOST_CRITICAL;
	return TICK_FREE;
}

void selection_tick(const struct inventory *inv, bool *ticked, bool *confirmed, size_t di, bool on)
{
	ticked[di] = on;
	if (!on)
		confirmed[di] = false;
	for (size_t j = 0; j < inv->n_devices; j++)
		if (selection_companion(inv, di, j) == COMPANION_CARD) {
			ticked[j] = on;
			if (!on)
				confirmed[j] = false;
		}
}

int selection_tick_group(const struct inventory *inv, bool *ticked, bool *confirmed, size_t gi,
			 size_t *blocker)
{
	const struct iommu_group *g = &inv->groups[gi];
	bool all = true;

	for (size_t k = 0; k < g->n_members; k++) {
		const struct device *d = &inv->devices[g->members[k]];
		if (d->flags & (DEV_HOST_CRITICAL | DEV_PLATFORM)) {
			*blocker = g->members[k];
			return -EPERM;
		}
		if (!(d->flags & DEV_BRIDGE) && !ticked[g->members[k]])
			all = false;
	}
	for (size_t k = 0; k < g->n_members; k++)
		if (!(inv->devices[g->members[k]].flags & DEV_BRIDGE))
			selection_tick(inv, ticked, confirmed, g->members[k], !all);
	return 0;
}

bool selection_matches(const struct device *d, const char *query)
{
	return strcasestr(d->addr_str, query) || (d->vendor_name && strcasestr(d->vendor_name, query)) ||
	       (d->device_name && strcasestr(d->device_name, query)) ||
	       (d->class_name && strcasestr(d->class_name, query)) || strcasestr(analysis_class_short(d), query) ||
	       (d->driver && strcasestr(d->driver, query));
}

void selection_from_state(const struct inventory *inv, const struct state *st, bool *ticked, bool *confirmed,
			  struct strv *missing)
{
	memset(ticked, 0, inv->n_devices * sizeof(bool));
	memset(confirmed, 0, inv->n_devices * sizeof(bool));
	for (size_t i = 0; i < st->n_dev; i++) {
		struct device *d = inventory_find_str(inv, st->dev[i].addr);
		if (d) {
			ticked[d - inv->devices] = true;
			confirmed[d - inv->devices] = st->dev[i].taken_from_host;
		} else if (missing) {
			strv_push(missing, st->dev[i].addr);
		}
	}
}
