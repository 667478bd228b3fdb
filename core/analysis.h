/* analysis.h - pure judgements over an inventory: which devices the host
 * cannot give away, which share an ID, and what a selection drags along.
 *
 * Nothing here touches the system; every input is in struct inventory.
 */
#ifndef VFIOCONF_ANALYSIS_H
#define VFIOCONF_ANALYSIS_H

#include <stdbool.h>

#include "core/inventory.h"

/* Sets DEV_SAME_ID, the host-critical flags and their reasons from the host
 * facts. Idempotent. Call after inventory_finish(). */
void analysis_run(struct inventory *inv);

/* What a platform function is ("SMBus controller"), by its class; NULL
 * for any other device. analysis_run sets DEV_PLATFORM from it. English
 * (list --json's "platform"): _() it where people read it. */
const char *analysis_platform_kind(const struct device *d);
/* A short class label for a column (at most 6 characters): "GPU",
 * "Audio", "USB", "NVMe", "NIC", "Bridge", ...; "" when none fits. Not
 * translated: the names are the ones on the hardware's own labels. */
const char *analysis_class_short(const struct device *d);

/* The first platform function in d's IOMMU group other than d, or -1. */
long analysis_group_platform(const struct inventory *inv, const struct device *d);

/* True when the kernel lets a device stay in a group handed to vfio without
 * being assigned itself: bridges (non-normal header) and devices that no
 * driver will claim (none bound now, no candidate module) or that are held
 * by pci-stub or vfio-pci already. Never a host-critical device: whatever
 * its driver state, the host needs it. */
bool analysis_device_harmless(const struct device *d);

struct group_summary {
	size_t endpoints;      /* non-bridge devices */
	size_t bridges;
	size_t host_critical;  /* devices with a DEV_HOST_CRITICAL flag */
	size_t slots;          /* distinct bus:device among endpoints */
	size_t platform;       /* functions of the chipset (DEV_PLATFORM) */
};
void analysis_group_summary(const struct inventory *inv, const struct iommu_group *g,
			    struct group_summary *out);

/* A selection is a bool per inventory device index (array of n_devices). */
struct selection_issue {
	size_t device;      /* index of the device concerned */
	enum {
		ISSUE_DRAGGED,  /* unselected group member that must go along */
		ISSUE_COMPANION,/* other function of a selected slot, not selected */
		ISSUE_REFUSED,  /* selected but host-critical */
		ISSUE_NO_GROUP, /* selected but not in any IOMMU group */
	} kind;
	size_t because;     /* index of the selected device that causes it */
};

/* Fills *issues (caller frees) with everything a careful user must know
 * about the selection; returns the count. */
size_t analysis_check_selection(const struct inventory *inv, const bool *selected,
				struct selection_issue **issues);

#endif
