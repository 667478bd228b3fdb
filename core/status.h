/* status.h - after the reboot: is what devices.conf records in force?
 *
 * The same fingerprint rule decides at boot (vfioconf-bind: bind this
 * address or skip it) and afterwards (vfioconf status: the card in the
 * slot is the one configured). Nothing here reads a file.
 */
#ifndef VFIOCONF_STATUS_H
#define VFIOCONF_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/inventory.h"
#include "core/state.h"

/* The device now at sd's address is the card vfioconf recorded: vendor
 * and device, and the subsystem when one was recorded. */
bool status_fingerprint_matches(const struct state_device *sd, unsigned long vendor, unsigned long device,
				unsigned long subsys_vendor, unsigned long subsys_device);

struct status_device {
	const struct state_device *sd; /* borrowed from the state */
	const struct device *d;        /* borrowed from the inventory; NULL: missing */
	bool present, fingerprint, on_vfio, viable;
};

struct status_param {
	char *param;       /* owned */
	bool present;      /* in the running command line */
};

struct status_report {
	bool iommu;
	struct status_device *dev;
	size_t n_dev;
	struct status_param *params;
	size_t n_params;
	int bad;           /* things not as configured (0: all good) */
	struct strv review; /* obsolete or idle settings the host has (core/param_review.h); not counted in bad */
};

/* Compares what runs now (inv, its command line) with the state and
 * the kernel parameters vfioconf wants. */
void status_check(const struct inventory *inv, const struct state *st, const struct strv *params,
		  struct status_report *out);
void status_report_free(struct status_report *r);

#endif
