/* scan.h - one call that captures a machine into an inventory: PCI devices
 * and groups, kernel facts, host facts, then the pure analysis.
 */
#ifndef VFIOCONF_SCAN_H
#define VFIOCONF_SCAN_H

#include "backends/sys/sysroot.h"
#include "core/inventory.h"
#include "core/log.h"

struct scan_opts {
	struct sysroot sr;
	const char *ssh_connection; /* $SSH_CONNECTION, or NULL */
	bool want_modules;          /* libkmod modalias lookups (slower on huge trees) */
};

/* Returns 0, or -ENOTDIR when opts->sr.sysfs is not a sysfs tree (the
 * message is logged). inv must be zeroed; free it with inventory_free(). */
int scan_system(const struct scan_opts *opts, struct inventory *inv, struct log *log);

#endif
