/* view_details.c - one device: IDs, drivers, reset, its group, and why
 * it stays with the host. */
#include "config.h"

#include "core/analysis.h"
#include "core/i18n.h"
#include "tui/tui.h"

#include <stdio.h>
#include <stdlib.h>

void details_open(struct tui *t, size_t dev)
{
	const struct device *d = &t->inv->devices[dev];
	struct strbuf sb = {0};
	char title[96];

	strbuf_printf(&sb, "%s\n%s: %s\n", d->device_name ? d->device_name : "?", _("Vendor"),
		      d->vendor_name ? d->vendor_name : "?");
	strbuf_printf(&sb, "%s: %s [%04x]\n", _("Class"), d->class_name ? d->class_name : "?", d->class_code >> 8);
	strbuf_printf(&sb, "IDs: [%04x:%04x]", d->vendor, d->device);
	if (d->subsys_vendor)
		strbuf_printf(&sb, "  %s [%04x:%04x] %s", _("subsystem"), d->subsys_vendor, d->subsys_device,
			      d->subsys_name ? d->subsys_name : "");
	strbuf_printf(&sb, "\n%s: %s\n", _("Driver in use"), d->driver ? d->driver : _("none"));
	if (!(d->flags & DEV_BRIDGE)) {
		/* what the files make of it at the next boot, and which line says so */
		const struct eff_device *e = &app_effective(t->app)[dev];
		char *desc = effective_describe(e);
		strbuf_printf(&sb, "%s: %s%s\n", _("After reboot"), desc, app_by_hand(e) ? _(" (set up by hand)") : "");
		free(desc);
	}
	strbuf_puts(&sb, _("Modules that could drive it:"));
	for (size_t i = 0; i < d->modules.n; i++)
		strbuf_printf(&sb, " %s", d->modules.v[i]);
	strbuf_printf(&sb, "\n%s: %s\n", _("Reset method"), d->reset_method ? d->reset_method : _("none reported"));
	if (d->group >= 0) {
		const struct iommu_group *g = inventory_group(t->inv, d->group);
		strbuf_printf(&sb, _("IOMMU group %d:\n"), d->group);
		for (size_t k = 0; g && k < g->n_members; k++) {
			const struct device *m = &t->inv->devices[g->members[k]];
			strbuf_printf(&sb, "  %s %s%s\n", m->addr_str, m->device_name ? m->device_name : "?",
				      m->flags & DEV_BRIDGE ? _(" (bridge)") : "");
		}
	} else {
		strbuf_puts(&sb, _("In no IOMMU group.\n"));
	}
	for (size_t i = 0; i < d->reasons.n; i++)
		strbuf_printf(&sb, "%s: %s\n", _("Stays with the host"), d->reasons.v[i]);
	if (d->flags & DEV_PLATFORM)
		strbuf_printf(&sb, _("Stays with the host: a platform function (%s), part of the chipset\n"),
			      analysis_platform_kind(d));
	if (d->has_physfn) {
		char pf[PCI_ADDR_STRLEN];
		pci_addr_format(&d->physfn, pf);
		strbuf_printf(&sb, _("SR-IOV: a virtual function of %s; it goes to a VM alone\n"), pf);
	} else if (d->flags & DEV_SRIOV_PF) {
		struct strv vfs = {0};
		strbuf_puts(&sb, _("SR-IOV: the physical function of"));
		inventory_vfs_of(t->inv, d, &vfs);
		for (size_t i = 0; i < vfs.n; i++)
			strbuf_printf(&sb, " %s", vfs.v[i]);
		strbuf_putc(&sb, '\n');
		strv_free(&vfs);
	}
	if (d->vfio_variant)
		strbuf_printf(&sb, _("VFIO driver: %s, the kernel's variant driver for it (bound by address)\n"),
			      d->vfio_variant);
	if (d->same_id_count)
		strbuf_printf(&sb, _("Same vendor:device as %zu other device(s): it is bound by address, not by ID.\n"),
			      d->same_id_count);
	snprintf(title, sizeof(title), "%s %s", _("Device"), d->addr_str);
	text_open(t, &details_view, title, sb.buf);
	strbuf_free(&sb);
}

const struct view details_view = {"details", text_draw, text_act};
