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

	kmod_facts_open(sr, inv, log, &kf);
	if (opts->want_modules)
		for (size_t i = 0; i < inv->n_devices; i++)
			kmod_facts_modules(kf, inv->devices[i].modalias, &inv->devices[i].modules);
	kmod_facts_free(kf);

	host_facts_scan(sr, opts->ssh_connection, inv, log);
	analysis_run(inv);
	return 0;
}
