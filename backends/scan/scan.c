/* scan.c - capture a machine into an inventory. */
#include "config.h"

#include "backends/scan/scan.h"
#include "backends/scan/host_facts.h"
#include "backends/scan/kmod_facts.h"
#include "backends/scan/pci_scan.h"
#include "core/analysis.h"

#include <errno.h>
#include <string.h>
#include <stdlib.h>

int scan_system(const struct scan_opts *opts, struct inventory *inv, struct log *log)
{
	const struct sysroot *sr = &opts->sr;
	struct kmod_facts *kf = NULL;
	int r;

	r = pci_scan(sr, inv, log);
	if (r < 0) {
		if (r == -ENOTDIR)
			log_error(log, "%s: not a sysfs tree (no bus/pci/devices); give the sysfs mount with --sysfs",
				  sr->sysfs);
		else if (r != -EIO)
			log_error(log, "%s/bus/pci/devices: %s", sr->sysfs, strerror(-r));
		return r;
	}
	inventory_finish(inv);
	pci_scan_groups(sr, inv, log);
	inventory_finish(inv);
	pci_scan_slots(sr, inv);

	kmod_facts_open(sr, inv, log, &kf);
	for (size_t i = 0; i < inv->n_devices; i++) {
		struct device *d = &inv->devices[i];
		bool partial;
		if (opts->want_modules)
			kmod_facts_modules(kf, d->modalias, &d->modules);
		/* also without the module lookup: a later plan must not lose it */
		d->vfio_variant = kmod_facts_variant(kf, d->modalias, inv->host.n_kernels, &partial);
		if (partial)
			log_warn(log, "%s: a vfio variant driver is in some installed kernels' module index, not in "
				      "every one: vfio-pci binds it", d->addr_str);
	}
	kmod_facts_free(kf);

	host_facts_scan(sr, opts->ssh_connection, inv, log);
	analysis_run(inv);
	return 0;
}
