/* scan.c - capture a machine into an inventory. */
#include "config.h"

#include "backends/scan/scan.h"
#include "backends/scan/host_facts.h"
#include "backends/scan/kmod_facts.h"
#include "backends/scan/pci_scan.h"
#include "core/analysis.h"
#include "core/effective.h"

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
		for (size_t i = 0; i < inv->n_devices; i++) {
			struct device *d = &inv->devices[i];
			kmod_facts_modules(kf, d->modalias, &d->modules);
			/* a variant driver matches "vfio_pci:" where the others match "pci:"
			 * (PCI_DRIVER_OVERRIDE_DEVICE_VFIO): only driver_override binds it.
			 * vfio_pci itself matches every device that way. */
			if (d->modalias && str_starts_with(d->modalias, "pci:")) {
				char *va = xasprintf("vfio_pci:%s", d->modalias + 4);
				struct strv v = {0};
				kmod_facts_modules(kf, va, &v);
				for (size_t k = 0; k < v.n && !d->vfio_variant; k++)
					if (!eff_module_eq(v.v[k], "vfio_pci") && driver_is_vfio(v.v[k]))
						d->vfio_variant = xstrdup(v.v[k]);
				strv_free(&v);
				free(va);
			}
		}
	kmod_facts_free(kf);

	host_facts_scan(sr, opts->ssh_connection, inv, log);
	analysis_run(inv);
	return 0;
}
